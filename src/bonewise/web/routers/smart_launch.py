"""SMART App Launch 2.0 (EHR launch): a clinician opens bonewise from a patient's chart.

    GET /smart/launch?iss=...&launch=...   the EHR opens this (a CDS Hooks card's smart link)
    GET /smart/callback?code=...&state=... the EHR's authorization server sends her back here

The launch is only for FHIR servers on the BONEWISE_SMART_ISSUERS allow-list. bonewise reads
the server's smart-configuration and sends her to its authorize endpoint (response_type=code,
aud=iss, PKCE S256, state); the state and the PKCE verifier wait in a signed cookie that lives
ten minutes and is bound to her bonewise session (signed with the app's own key, like the other
cookies). On the way back the code is exchanged for a token; its id_token (bonewise asks for `openid
fhirUser`) is verified against the EHR's published keys (issuer, audience = our client id,
expiry, signature) and a launch whose id_token fails is refused; the patient's chart is read from the
FHIR server (Patient, Condition, MedicationRequest/MedicationStatement, Observation, Procedure),
imported with the one FHIR importer (the problem and medication lists are the record; what it
assumed is kept) and stored through the services, audited as her with the EHR user the
id_token names (fhirUser). The record's id is the EHR's
Patient id, as for `bonewise fhir import` and the CDS Hooks card links. She lands on the form
where she records bone metastases (the card's appContext asks for that section) or on the
assessment.

Settings: BONEWISE_SMART_CLIENT_ID (the id the EHR registered bonewise under),
BONEWISE_SMART_ISSUERS (FHIR base URLs, space or comma separated), BONEWISE_PUBLIC_URL (for the
redirect URI {public}/smart/callback), BONEWISE_SMART_CLIENT_SECRET (only for a confidential
client; without it bonewise is a public client using PKCE).
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired

from bonewise.clinical.record_news import NewEntry
from bonewise.fhir import smart_client
from bonewise.fhir.importer import FhirImportError, import_fhir
from bonewise.services import patients
from bonewise.services.access import Forbidden, InvalidInput
from bonewise.web import pages
from bonewise.web.deps import uow_of
from bonewise.web.links import PUBLIC_URL_ENV, public_url
from bonewise.web.security import (
    Principal,
    is_https,
    optional_principal,
    require_principal,
    timed_signer,
    verify_csrf,
)

CLIENT_ID_ENV = "BONEWISE_SMART_CLIENT_ID"
CLIENT_SECRET_ENV = "BONEWISE_SMART_CLIENT_SECRET"
ISSUERS_ENV = "BONEWISE_SMART_ISSUERS"
LAUNCH_PATH = "/smart/launch"
CALLBACK_PATH = "/smart/callback"
COOKIE = "bonewise_smart_launch"
COOKIE_PATH = "/smart"
LAUNCH_SECONDS = 600  # from the EHR's launch to the code coming back
MAX_URL = 500
MAX_LAUNCH = 1000
MAX_CODE = 2048
METASTASES_SECTION = "bone_metastases"
NEWS_PATH = "/smart/news"
NEWS_SALT = "smart-news"
NEWS_SECONDS = 1800  # the clinician reads the list of the EHR's new entries, then chooses
MAX_NEWS = 100  # entries listed at once
MAX_NEWS_CHARS = 512 * 1024

log = logging.getLogger("bonewise.smart")
router = APIRouter(tags=["smart"])


def _issuers() -> set[str]:
    return {i.rstrip("/") for i in re.split(r"[\s,]+", os.environ.get(ISSUERS_ENV, "")) if i}


def _client_id() -> str:
    return os.environ.get(CLIENT_ID_ENV, "").strip()


def configured() -> bool:
    """SMART launch works: a client id, at least one trusted FHIR server and a public URL."""
    return bool(_client_id() and _issuers() and public_url())


def launch_url() -> str | None:
    """bonewise's own launch URL for a CDS Hooks smart link (the EHR adds iss and launch)."""
    base = public_url()
    return f"{base}{LAUNCH_PATH}" if base and configured() else None


def _refuse(request: Request, status: int, message: str) -> Response:
    """A plain page saying what went wrong; the launch cookie is dropped with it."""
    log.info("SMART launch refused (%d): %s", status, message)
    response = pages.render(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _set_cookie(request: Request, response: Response, value: dict[str, Any]) -> None:
    response.set_cookie(
        COOKIE,
        timed_signer(request, "smart-launch").dumps(value),
        max_age=LAUNCH_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",  # the EHR's redirect back is a top-level GET: the cookie comes along
        secure=is_https(request),
    )


def _cookie(request: Request, stage: str) -> dict[str, Any] | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 4096:
        return None
    try:
        value = timed_signer(request, "smart-launch").loads(raw, max_age=LAUNCH_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, dict) and value.get("stage") == stage else None


def _not_configured(request: Request) -> Response:
    return _refuse(
        request,
        404,
        f"SMART launch is not set up on this bonewise: the administrator sets {CLIENT_ID_ENV}, "
        f"{ISSUERS_ENV} and {PUBLIC_URL_ENV}",
    )


@router.get(LAUNCH_PATH, include_in_schema=False)
def launch(
    request: Request,
    iss: Annotated[str | None, Query(max_length=MAX_URL)] = None,
    launch: Annotated[str | None, Query(max_length=MAX_LAUNCH)] = None,
) -> Response:
    """The EHR launches bonewise: check the server, make sure she is signed in, then send her
    to the EHR's authorize endpoint."""
    if not configured():
        return _not_configured(request)
    if iss is None and launch is None:
        pending = _cookie(request, "sign-in")  # back from signing in
        if pending is None:
            return _refuse(
                request, 400, "Open bonewise from the patient's chart in your EHR (no launch)."
            )
        iss, launch = str(pending["iss"]), str(pending["launch"])
    if not iss or not launch:
        return _refuse(request, 400, "A SMART launch needs both iss and launch from the EHR.")
    iss = iss.rstrip("/")
    if iss not in _issuers():
        return _refuse(
            request,
            403,
            f"bonewise does not accept launches from {iss}: it is not one of the FHIR servers "
            f"this bonewise trusts ({ISSUERS_ENV}). Ask the administrator.",
        )
    principal = optional_principal(request)
    if principal is None:
        # The launch waits in the cookie while she signs in; the login page comes back here.
        response = RedirectResponse(f"/login?next={LAUNCH_PATH}", status_code=303)
        _set_cookie(request, response, {"stage": "sign-in", "iss": iss, "launch": launch})
        return response
    if not principal.user.is_clinician:
        return _refuse(request, 403, "SMART launch is for clinicians' accounts.")
    try:
        with smart_client.client() as http:
            config = smart_client.discover(http, iss)
    except smart_client.SmartError as exc:
        return _refuse(request, 502, f"Cannot launch from {iss}: {exc}.")
    verifier, challenge = smart_client.pkce_pair()
    state = secrets.token_urlsafe(24)
    response = RedirectResponse(
        smart_client.authorize_url(
            config,
            iss=iss,
            client_id=_client_id(),
            redirect_uri=f"{public_url()}{CALLBACK_PATH}",
            launch=launch,
            state=state,
            challenge=challenge,
        ),
        status_code=303,
    )
    _set_cookie(
        request,
        response,
        {
            "stage": "authorize",
            "iss": iss,
            "state": state,
            "verifier": verifier,
            "token_endpoint": config.token_endpoint,
            "v2": config.v2,
            "user": principal.user.id,
        },
    )
    return response


@router.get(CALLBACK_PATH, include_in_schema=False)
def callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=MAX_CODE)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The EHR sends her back with a code: exchange it, read and import the chart, open it."""
    if not configured():
        return _not_configured(request)
    saved = _cookie(request, "authorize")
    if saved is None:
        return _refuse(
            request,
            400,
            f"This launch expired ({LAUNCH_SECONDS // 60} minutes) or did not start in this "
            "browser: open bonewise from the patient's chart in the EHR again.",
        )
    if not state or not hmac.compare_digest(state, str(saved["state"])):
        return _refuse(
            request,
            400,
            "The answer from the EHR does not belong to the launch started here (its state "
            "differs): open bonewise from the patient's chart in the EHR again.",
        )
    if error:
        why = f"{error}: {error_description}" if error_description else error
        return _refuse(request, 403, f"The EHR did not let bonewise open this chart ({why}).")
    if not code:
        return _refuse(request, 400, "The EHR sent no authorization code back.")
    principal = optional_principal(request)
    if principal is None or principal.user.id != saved["user"]:
        return _refuse(
            request,
            403,
            "The launch was started by another bonewise sign-in: sign in and open bonewise "
            "from the EHR again.",
        )
    iss = str(saved["iss"])
    if iss not in _issuers():  # the allow-list changed during the launch
        return _refuse(request, 403, f"bonewise no longer trusts {iss}.")
    config = smart_client.SmartConfiguration(
        authorization_endpoint="", token_endpoint=str(saved["token_endpoint"]), v2=bool(saved["v2"])
    )
    try:
        with smart_client.client() as http:
            token = smart_client.exchange_code(
                http,
                config,
                code=code,
                redirect_uri=f"{public_url()}{CALLBACK_PATH}",
                client_id=_client_id(),
                verifier=str(saved["verifier"]),
                client_secret=os.environ.get(CLIENT_SECRET_ENV) or None,
            )
            ehr_user = None
            if token.id_token is not None:  # asked for with `openid fhirUser`
                ehr_user = smart_client.verify_id_token(
                    http, iss, token.id_token, client_id=_client_id()
                )
            resources = smart_client.fetch_chart(http, iss, token)
    except smart_client.IdentityError as exc:
        return _refuse(
            request,
            403,
            f"bonewise cannot confirm who signed in at {iss}: {exc}. Nothing was read from "
            "the chart. Open bonewise from the patient's chart again; if this keeps happening, "
            "ask the administrator to check the EHR's OpenID settings.",
        )
    except smart_client.SmartError as exc:
        return _refuse(request, 502, f"Cannot open the chart from {iss}: {exc}.")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    host = urlsplit(iss).netloc
    try:
        imported = import_fhir(bundle, today=date.today(), source_name=f"SMART launch ({host})")
    except FhirImportError as exc:
        return _refuse(request, 422, f"bonewise cannot read this chart: {exc}")
    try:
        done = patients.import_from_ehr_launch(
            uow=uow_of(request),
            actor=principal.user,
            record=imported.record,
            ehr=iss,
            fhir_user=ehr_user.fhir_user if ehr_user else None,
        )
    except Forbidden as exc:
        return _refuse(request, 403, str(exc))
    log.info("SMART launch from %s: patient %s %s", iss, done.patient_id, done.outcome)
    wanted = token.app_context.get("record")
    about = token.app_context.get("patientId")
    if wanted == METASTASES_SECTION and about in (None, token.patient):
        target = f"/patients/{quote(done.patient_id, safe='')}/profile#{METASTASES_SECTION}"
    else:
        target = f"/patients/{quote(done.patient_id, safe='')}/assessment"
    if done.news:
        response = _news_page(
            request, done, ehr=iss, ehr_user=ehr_user, target=target, user_id=principal.user.id
        )
    else:
        response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _news_page(
    request: Request,
    done: patients.EhrLaunchImport,
    *,
    ehr: str,
    ehr_user: smart_client.EhrUser | None,
    target: str,
    user_id: int,
) -> Response:
    """A relaunch found entries in the EHR that bonewise's record lacks: list them for the
    clinician to choose (the chosen ones come back signed, so only what the EHR sent is added)."""
    shown = done.news[:MAX_NEWS]
    news = timed_signer(request, NEWS_SALT).dumps(
        {
            "patient": done.patient_id,
            "user": user_id,
            "ehr": ehr,
            "fhir_user": ehr_user.fhir_user if ehr_user else None,
            "entries": [e.as_json() for e in shown],
            "next": target,
        }
    )
    return pages.render(
        request,
        "smart_news.html",
        {
            "patient_id": done.patient_id,
            "entries": shown,
            "more": len(done.news) - len(shown),
            "news": news,
            "action": NEWS_PATH,
            "next_url": target,
            "ehr_host": urlsplit(ehr).netloc,
        },
    )


@router.post(NEWS_PATH, include_in_schema=False)
async def add_news(
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
    _csrf: Annotated[None, Depends(verify_csrf)],
) -> Response:
    """The clinician chose which of the EHR's new entries to add (see _news_page)."""
    form = await request.form()
    raw = form.get("news")
    try:
        if not isinstance(raw, str) or len(raw) > MAX_NEWS_CHARS:
            raise BadSignature("no list")
        saved = timed_signer(request, NEWS_SALT).loads(raw, max_age=NEWS_SECONDS)
    except (BadSignature, SignatureExpired):
        return _refuse(
            request,
            400,
            f"This list of the EHR's new entries expired ({NEWS_SECONDS // 60} minutes) or was "
            "not made here: open bonewise from the patient's chart in the EHR again.",
        )
    if saved.get("user") != principal.user.id:
        return _refuse(request, 403, "This list was made for another bonewise sign-in.")
    entries = [NewEntry(e["section"], e["value"], e["label"]) for e in saved["entries"]]
    picked = {str(v) for v in form.getlist("pick")}
    chosen = [e for i, e in enumerate(entries) if str(i) in picked]
    try:
        patients.add_from_ehr(
            uow=uow_of(request),
            actor=principal.user,
            patient_id=str(saved["patient"]),
            entries=chosen,
            ehr=str(saved["ehr"]),
            fhir_user=saved.get("fhir_user"),
            today=date.today(),
        )
    except Forbidden as exc:
        return _refuse(request, 403, str(exc))
    except InvalidInput as exc:
        return _refuse(request, 422, f"bonewise cannot add these entries: {exc}")
    return RedirectResponse(str(saved["next"]), status_code=303)
