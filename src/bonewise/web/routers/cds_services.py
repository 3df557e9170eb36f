"""CDS Hooks 2.0 endpoints: discovery, the services, and the feedback endpoint.

A thin adapter: the request's prefetch is imported with bonewise.fhir.importer (the problem and
medication lists are the record; what it assumed is listed), assessed with the clinical core, and
turned into cards by bonewise.fhir.cds_cards. The service reads only what the EHR sends
(prefetch); it never reads bonewise's own store, so a CDS client learns nothing it did not hold.

Every call must carry a CDS client JWT that bonewise.fhir.cds_security verifies (trusted issuer,
JWKS signature, aud, exp, jti), unless BONEWISE_CDS_ALLOW_UNAUTHENTICATED=1 (local development).
Card links are built from BONEWISE_PUBLIC_URL only (never the request's Host header); without it
cards carry no links. When SMART launch is set up (bonewise.web.routers.smart_launch), the card
asking to confirm metastases carries a SMART link to bonewise's own /smart/launch.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bonewise.clinical.assessment import assess
from bonewise.fhir import cds_cards, cds_security, read
from bonewise.fhir.importer import FhirImportError, import_fhir
from bonewise.services import cds as cds_store
from bonewise.store.uow import UnitOfWork
from bonewise.web.links import PUBLIC_URL_ENV, public_url
from bonewise.web.routers import smart_launch

MAX_REQUEST_BYTES = 5 * 1024 * 1024
MAX_PREFETCH_RESOURCES = 5_000
_HOOKS = {cds_cards.PATIENT_VIEW: "patient-view", cds_cards.ORDER_SELECT: "order-select"}

log = logging.getLogger("bonewise.cds")
router = APIRouter(tags=["cds-hooks"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "the hook does not match the service, or context.patientId is wrong"},
    401: {"description": "no valid CDS client JWT (CDS Hooks 2.0 security)"},
    404: {"description": "no CDS service with this id"},
    412: {"description": "the prefetch bonewise needs was not sent (it does not query the EHR)"},
    413: {"description": "the request or its prefetch is larger than bonewise reads"},
    422: {"description": "the body is not a CDS Hooks request"},
}


def today() -> date:
    """The day cards are computed for (a dependency, so tests can fix it)."""
    return date.today()


def patient_url(patient_id: str) -> str | None:
    base = public_url()
    return f"{base}/patients/{quote(patient_id, safe='')}/assessment" if base else None


def _service(service_id: str) -> str:
    if service_id not in _HOOKS:
        raise HTTPException(404, f"no CDS service {service_id!r}; see GET /cds-services")
    return _HOOKS[service_id]


def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.session_factory)


def _authenticate_now(request: Request, service_id: str) -> str | None:
    """The verified client's issuer (None in local development without a token)."""
    if cds_security.allow_unauthenticated():
        return None
    base = public_url()
    if base is None:
        raise HTTPException(
            401,
            f"CDS client authentication needs {PUBLIC_URL_ENV} (the audience of the JWT); set it, "
            f"or {cds_security.ALLOW_UNAUTHENTICATED_ENV}=1 for local development",
        )

    def first_use(iss: str, jti: str, expires_at: float) -> bool:
        # In the store: a token replayed to another worker is refused too.
        return cds_store.first_use_of_token(
            uow=_uow(request), iss=iss, jti=jti, expires_at=expires_at
        )

    try:
        client = cds_security.verify_client_token(
            request.headers.get("authorization"),
            audience=f"{base}/cds-services/{service_id}",
            first_use=first_use,
        )
    except cds_security.CdsAuthError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
    log.info("CDS call %s from %s (jti %s)", service_id, client.iss, client.jti)
    return client.iss


async def _authenticate(request: Request, service_id: str) -> str | None:
    # Signature checks and the store: off the event loop.
    return await run_in_threadpool(_authenticate_now, request, service_id)


async def _body(request: Request) -> bytes:
    """The request body, refused past MAX_REQUEST_BYTES without reading the rest."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise _too_large(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise _too_large(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int) -> HTTPException:
    return HTTPException(
        413,
        f"request of {size:,} bytes or more: bonewise reads at most {MAX_REQUEST_BYTES:,} bytes. "
        "Use the prefetch templates from GET /cds-services (they fetch only what the decision "
        "needs), or send fewer resources",
    )


@router.get("/cds-services", response_model=cds_cards.Discovery, response_model_exclude_none=True)
def discovery() -> dict[str, Any]:
    """CDS Hooks discovery: the services bonewise offers and their prefetch templates."""
    return cds_cards.discovery()


@router.post(
    "/cds-services/{service_id}",
    response_model=cds_cards.CdsResponse,
    response_model_exclude_none=True,
    responses=_RESPONSES,
)
async def call_service(
    request: Request,
    service_id: Annotated[str, Path(description="a service id from GET /cds-services")],
    as_of: Annotated[date, Depends(today)],
) -> dict[str, Any]:
    """Run one CDS service on the EHR's prefetched data and return its cards.

    patient-view answers only for a patient with an aromatase-inhibitor medication in the
    prefetch; for anyone else it returns no cards.
    """
    hook = _service(service_id)
    await _authenticate(request, service_id)
    try:
        body = cds_cards.CdsRequest.model_validate_json(await _body(request))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(422, f"not a CDS Hooks request: {where}: {first['msg']}") from exc
    if body.hook != hook:
        raise HTTPException(
            400, f"service {service_id} answers the {hook!r} hook, not {body.hook!r}"
        )
    patient_id = body.context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise HTTPException(400, "context.patientId is required")
    if not body.prefetch:
        raise HTTPException(
            412,
            "prefetch missing: send the prefetch templates from GET /cds-services "
            "(bonewise does not query the FHIR server)",
        )
    resources = cds_cards.prefetch_resources(body.prefetch)
    if len(resources) > MAX_PREFETCH_RESOURCES:
        raise HTTPException(
            413,
            f"prefetch holds {len(resources):,} resources; bonewise reads at most "
            f"{MAX_PREFETCH_RESOURCES:,} per call",
        )
    _check_patient(body.prefetch, patient_id)
    templates = (
        cds_cards.PATIENT_VIEW_PREFETCH
        if service_id == cds_cards.PATIENT_VIEW
        else cds_cards.ORDER_SELECT_PREFETCH
    )
    missing = [key for key in templates if key not in body.prefetch]
    failed = [
        f"{key} ({_outcome_text(body.prefetch[key])})"
        for key in templates
        if _is_outcome(body.prefetch.get(key))
    ]
    if failed:
        # CDS Hooks 2.0: a client that could not prefetch sends an OperationOutcome. A list the
        # EHR could not read must not count as an empty one (nothing assumed absent from it).
        raise HTTPException(
            412,
            f"the EHR could not prefetch {'; '.join(failed)}: bonewise reads the problem and "
            "medication lists and the DXA results as the record, so it does not assess a chart "
            "with a part it could not read; call again when the EHR can fetch it",
        )
    if missing:
        why = (
            "bonewise reads the problem and medication lists as the record, so it does not "
            "assess a chart without them"
            if service_id == cds_cards.PATIENT_VIEW
            else "bonewise warns when no DXA is on record, so it needs the DXA searches"
        )
        raise HTTPException(
            412,
            f"prefetch lacks {', '.join(missing)}: {why} (send an empty searchset Bundle or "
            "null where the EHR found nothing; see GET /cds-services)",
        )
    link = patient_url(patient_id)
    if service_id == cds_cards.ORDER_SELECT:
        selections = body.context.get("selections")
        return cds_cards.order_select_cards(
            patient_id=patient_id,
            draft_orders=body.context.get("draftOrders"),
            selections=selections if isinstance(selections, list) else None,
            resources=resources,
            as_of=as_of,
            patient_url=link,
        )
    if not cds_cards.on_aromatase_inhibitor(resources):
        return {"cards": []}  # bonewise speaks only for women on an aromatase inhibitor
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    key = f"{patient_id}/{as_of.isoformat()}"
    try:
        imported = import_fhir(bundle, today=as_of, source_name="CDS Hooks prefetch")
    except FhirImportError as exc:
        return cds_cards.cannot_assess_cards(str(exc), patient_url=link, key=key)
    assessment = assess(imported.record, as_of=as_of)
    return cds_cards.patient_view_cards(
        imported.record,
        assessment,
        patient_url=link,
        fhir_patient_id=patient_id,
        assumptions=[a.line for a in assessment.assumptions],
        confirm_metastases=any(
            a.field == "risk_factors.bone_metastases" and a.confirm for a in assessment.assumptions
        ),
        smart_launch_url=smart_launch.launch_url(),
    )


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def _outcome_text(outcome: dict[str, Any]) -> str:
    """What an OperationOutcome says went wrong, briefly (its first issue)."""
    issues = outcome.get("issue")
    issue = issues[0] if isinstance(issues, list) and issues and isinstance(issues[0], dict) else {}
    said = issue.get("diagnostics") or read.field(issue.get("details"), "text") or issue.get("code")
    return str(said)[:200] if said else "an OperationOutcome"


def _check_patient(prefetch: dict[str, Any], patient_id: str) -> None:
    """context.patientId must be the prefetched Patient: cards are never about someone else."""
    patient = prefetch.get("patient")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise HTTPException(412, "prefetch.patient (the Patient resource) is missing")
    if patient.get("id") != patient_id:
        raise HTTPException(
            400,
            f"context.patientId {patient_id!r} is not the prefetched Patient {patient.get('id')!r}",
        )
    for value in prefetch.values():
        if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
            continue
        for entry in value.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                continue
            subject = resource.get("subject") or resource.get("patient")
            ref = read.reference_id(read.field(subject, "reference"), "Patient")
            if ref is not None and ref != patient_id:
                raise HTTPException(
                    400,
                    f"prefetch holds {resource.get('resourceType')}/{resource.get('id')} of "
                    f"Patient/{ref}, not of context.patientId {patient_id!r}",
                )


class _Feedback(BaseModel):
    model_config = ConfigDict(extra="allow")

    card: str = Field(min_length=1, max_length=200)
    outcome: str = Field(pattern="^(accepted|overridden)$")
    outcomeTimestamp: str = Field(min_length=1, max_length=64)
    acceptedSuggestions: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    overrideReason: dict[str, Any] | None = None


class _FeedbackRequest(BaseModel):
    feedback: list[_Feedback] = Field(min_length=1, max_length=100)


@router.post("/cds-services/{service_id}/feedback", responses=_RESPONSES)
async def feedback(
    request: Request,
    service_id: Annotated[str, Path(description="a service id from GET /cds-services")],
) -> dict[str, Any]:
    """CDS Hooks 2.0 feedback: what the clinician did with a card (accepted or overridden)."""
    _service(service_id)
    client = await _authenticate(request, service_id)
    try:
        body = _FeedbackRequest.model_validate_json(await _body(request))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(422, f"not CDS Hooks feedback: {where}: {first['msg']}") from exc
    items = [item.model_dump() for item in body.feedback]
    kept = await run_in_threadpool(
        lambda: cds_store.store_feedback(
            uow=_uow(request),
            actor=cds_store.CdsClient(issuer=client),
            service_id=service_id,
            items=items,
        )
    )
    log.info("CDS feedback: %d item(s) kept for %s from %s", kept, service_id, client)
    return {}
