"""SMART App Launch 2.0, EHR launch, as the app: discovery, the authorize URL with PKCE, the
code exchange and the FHIR reads of the launched patient's chart.

    config = discover(http, iss)
    verifier, challenge = pkce_pair()
    url = authorize_url(config, client_id=..., redirect_uri=..., launch=..., state=..., ...)
    token = exchange_code(http, config, code=..., verifier=verifier, ...)
    user = verify_id_token(http, iss, token.id_token, client_id=...)  # when one came back
    resources = fetch_chart(http, iss, token)

Only the adapter's HTTP work lives here (no FastAPI, no store): the web route decides which
servers are trusted and what the import does. Every answer read is bounded in size, every call
in time, and the access token is only ever sent to the FHIR server it was issued for.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import secrets
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt

from bonewise.fhir import jwks as jwks_keys

TIMEOUT = httpx.Timeout(10.0)
MAX_SMALL_BYTES = 64 * 1024  # smart-configuration and token responses
MAX_PAGE_BYTES = 5 * 1024 * 1024  # one page of FHIR search results
MAX_PAGES = 20  # per resource type
MAX_RESOURCES = 5_000  # as many as a CDS Hooks prefetch may hold
MAX_ENDPOINT = 1000  # the token endpoint waits in a cookie (browsers keep at most 4 KB)
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
MAX_ID_TOKEN = 16_384
MAX_FHIR_USER = 500
# OpenID Connect as SMART uses it: RS256 is the one every server must offer; ES384 is the
# other SMART names. Never "none" or an HMAC (the app holds no secret shared with the EHR).
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "ES256", "ES384")
ID_TOKEN_LEEWAY_SECONDS = 30  # clock difference between the EHR and bonewise

# What the decision reads: the problem list, the medication list, observations (DXA, labs,
# menopausal status) and procedures (DXA, oophorectomy). MedicationStatement is optional: many
# EHRs keep only orders, and a server that does not offer it is not an error.
REQUIRED_TYPES = ("Condition", "MedicationRequest", "Observation", "Procedure")
OPTIONAL_TYPES = ("MedicationStatement",)
_READ_TYPES = ("Patient", *REQUIRED_TYPES, *OPTIONAL_TYPES)


def scopes(v2: bool) -> str:
    """The scopes asked for: SMART v2 `.rs` (read and search) when the server says it speaks
    permission-v2, else the v1 `.read` forms."""
    suffix = "rs" if v2 else "read"
    return " ".join(
        ["launch", "openid", "fhirUser", *(f"patient/{t}.{suffix}" for t in _READ_TYPES)]
    )


class SmartError(Exception):
    """The launch cannot go on; the message says why in the clinician's words."""


class NotAnswered(SmartError):
    """The EHR answered a read with an HTTP error status (not offered, not granted, failed)."""


class IdentityError(SmartError):
    """The EHR's id_token does not prove who signed in there (unverifiable, or not for us)."""


@dataclass(frozen=True, slots=True)
class SmartConfiguration:
    authorization_endpoint: str
    token_endpoint: str
    v2: bool


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    patient: str
    app_context: dict[str, Any] = field(default_factory=dict)
    id_token: str | None = None  # OpenID Connect: who signed in at the EHR (verify_id_token)


@dataclass(frozen=True, slots=True)
class EhrUser:
    """The EHR user an id_token names, after its signature, issuer, audience and expiry
    were checked: `sub` at the issuer, and the FHIR resource she is (fhirUser), if named."""

    issuer: str
    subject: str
    fhir_user: str | None


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs about as much as the rest of a launch: once per process.
    return httpx.create_ssl_context()


def client() -> httpx.Client:
    """An HTTP client for one launch step (certificates verified, every call bounded in time)."""
    return httpx.Client(verify=_tls(), timeout=TIMEOUT)


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _json(response: httpx.Response, limit: int, what: str) -> Any:
    size, chunks = 0, []
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise SmartError(f"{what} is larger than {limit:,} bytes: bonewise does not read it")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except ValueError as exc:
        raise SmartError(f"{what} is not JSON") from exc


def _get(http: httpx.Client, url: str, what: str, limit: int, **kw: Any) -> Any:
    try:
        with http.stream("GET", url, timeout=TIMEOUT, **kw) as response:
            if response.status_code != 200:
                raise NotAnswered(f"{what}: the EHR answered HTTP {response.status_code}")
            return _json(response, limit, what)
    except httpx.HTTPError as exc:
        raise SmartError(f"{what}: could not reach the EHR ({type(exc).__name__})") from exc


def _endpoint(value: Any, iss: str, name: str) -> str:
    """An endpoint from the smart-configuration: an absolute URL, https unless the FHIR server
    itself is plain http (a test or development EHR)."""
    allowed = {"https"} | ({"http"} if iss.startswith("http://") else set())
    parts = urlsplit(value) if isinstance(value, str) and len(value) <= MAX_ENDPOINT else None
    if parts is None or parts.scheme not in allowed or not parts.netloc:
        raise SmartError(f"the EHR's smart-configuration has no usable {name}")
    return str(value)


def discover(http: httpx.Client, iss: str) -> SmartConfiguration:
    """Read {iss}/.well-known/smart-configuration."""
    what = "the EHR's SMART configuration"
    config = _get(
        http,
        f"{iss}/.well-known/smart-configuration",
        what,
        MAX_SMALL_BYTES,
        headers={"Accept": "application/json"},
    )
    if not isinstance(config, dict):
        raise SmartError(f"{what} is not a JSON object")
    methods = config.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise SmartError("the EHR does not offer PKCE S256, which bonewise requires")
    capabilities = config.get("capabilities")
    return SmartConfiguration(
        authorization_endpoint=_endpoint(
            config.get("authorization_endpoint"), iss, "authorization_endpoint"
        ),
        token_endpoint=_endpoint(config.get("token_endpoint"), iss, "token_endpoint"),
        v2=isinstance(capabilities, list) and "permission-v2" in capabilities,
    )


def authorize_url(
    config: SmartConfiguration,
    *,
    iss: str,
    client_id: str,
    redirect_uri: str,
    launch: str,
    state: str,
    challenge: str,
) -> str:
    """The EHR's authorize URL for this launch (response_type=code, aud=iss, PKCE S256)."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "launch": launch,
            "scope": scopes(config.v2),
            "state": state,
            "aud": iss,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in config.authorization_endpoint else "?"
    return f"{config.authorization_endpoint}{separator}{query}"


def _app_context(value: Any) -> dict[str, Any]:
    """CDS Hooks 2.0: the card link's appContext comes back in the token response (a string;
    bonewise's own links put JSON in it)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and len(value) <= 4096:
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def exchange_code(
    http: httpx.Client,
    config: SmartConfiguration,
    *,
    code: str,
    redirect_uri: str,
    client_id: str,
    verifier: str,
    client_secret: str | None = None,
) -> Token:
    """POST the authorization code (and the PKCE verifier) to the token endpoint."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    auth = None
    if client_secret:
        auth = httpx.BasicAuth(client_id, client_secret)  # confidential client
    else:
        form["client_id"] = client_id  # public client: PKCE alone
    what = "the EHR's token endpoint"
    try:
        with http.stream(
            "POST",
            config.token_endpoint,
            data=form,
            auth=auth,
            timeout=TIMEOUT,
            headers={"Accept": "application/json"},
        ) as response:
            body = _json(response, MAX_SMALL_BYTES, what)
            status = response.status_code
    except httpx.HTTPError as exc:
        raise SmartError(f"{what}: could not reach the EHR ({type(exc).__name__})") from exc
    if status != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        described = body.get("error_description") if isinstance(body, dict) else None
        why = ": ".join(str(x)[:200] for x in (error, described) if x) or f"HTTP {status}"
        raise SmartError(f"{what} refused the sign-in code ({why})")
    access_token, patient = body.get("access_token"), body.get("patient")
    if not isinstance(access_token, str) or not access_token:
        raise SmartError(f"{what} returned no access token")
    if not isinstance(patient, str) or not FHIR_ID.match(patient):
        raise SmartError(
            f"{what} named no patient: launch bonewise from a patient's chart in the EHR"
        )
    id_token = body.get("id_token")
    if id_token is not None and not (
        isinstance(id_token, str) and 0 < len(id_token) <= MAX_ID_TOKEN
    ):
        raise SmartError(f"{what} returned an id_token that is not a token bonewise reads")
    return Token(access_token, patient, _app_context(body.get("appContext")), id_token)


def _identity_configuration(http: httpx.Client, iss: str) -> tuple[str, str]:
    """The OpenID issuer and JWKS URL of the EHR: from its smart-configuration (SMART 2.0
    names both when it offers sso-openid-connect), else from {iss}/.well-known/
    openid-configuration (OpenID Connect discovery, as SMART 1.0 servers publish them)."""
    found: dict[str, Any] = {}
    for name in ("smart-configuration", "openid-configuration"):
        try:
            config = _get(
                http,
                f"{iss}/.well-known/{name}",
                f"the EHR's {name}",
                MAX_SMALL_BYTES,
                headers={"Accept": "application/json"},
            )
        except NotAnswered:
            continue  # a server without openid-configuration: the other one may name both
        if isinstance(config, dict):
            found = {k: config[k] for k in ("issuer", "jwks_uri") if k in config} | found
        if "issuer" in found and "jwks_uri" in found:
            break
    issuer = found.get("issuer")
    if not isinstance(issuer, str) or not issuer or len(issuer) > MAX_ENDPOINT:
        raise IdentityError("the EHR publishes no OpenID issuer to check its id_token against")
    return issuer, _endpoint(
        found.get("jwks_uri"), iss, "jwks_uri (the keys its id_token is signed with)"
    )


def _signing_key(http: httpx.Client, jwks_uri: str, id_token: str) -> jwt.PyJWK:
    jwks = _get(http, jwks_uri, "the EHR's signing keys (JWKS)", MAX_SMALL_BYTES)
    try:
        return jwks_keys.choose_signing_key(jwks, id_token, ID_TOKEN_ALGORITHMS)
    except jwks_keys.KeyChoiceError as exc:
        raise IdentityError(f"its id_token is {exc}") from exc


def _why_refused(exc: jwt.InvalidTokenError, client_id: str) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "its id_token has expired"
    if isinstance(exc, jwt.InvalidAudienceError):
        return f"its id_token was issued to another app, not to bonewise ({client_id})"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "its id_token was issued by another server than the EHR's OpenID issuer"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "its id_token's signature does not verify against the EHR's published keys"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return f"its id_token is signed with an algorithm bonewise does not accept ({exc})"
    return f"its id_token is not valid ({exc})"


def verify_id_token(http: httpx.Client, iss: str, id_token: str, *, client_id: str) -> EhrUser:
    """Check the id_token of a launch (OpenID Connect Core 3.1.3.7, as SMART App Launch uses
    it): signed with a key in the EHR's JWKS, issued by the EHR's OpenID issuer, to bonewise
    (aud is our client id), not expired. Raises IdentityError saying what is wrong."""
    issuer, jwks_uri = _identity_configuration(http, iss)
    key = _signing_key(http, jwks_uri, id_token)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=list(ID_TOKEN_ALGORITHMS),
            audience=client_id,
            issuer=issuer,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            leeway=ID_TOKEN_LEEWAY_SECONDS,
        )
    except jwt.InvalidTokenError as exc:
        raise IdentityError(_why_refused(exc, client_id)) from exc
    fhir_user = claims.get("fhirUser")
    if fhir_user is not None and not (
        isinstance(fhir_user, str) and len(fhir_user) <= MAX_FHIR_USER
    ):
        raise IdentityError("its id_token's fhirUser is not a FHIR resource URL")
    return EhrUser(issuer, str(claims["sub"])[:MAX_FHIR_USER], fhir_user)


def _same_server(url: str, iss: str) -> bool:
    return url.startswith(iss + "/") and ".." not in urlsplit(url).path


def _search(
    http: httpx.Client, iss: str, token: Token, resource_type: str, budget: int
) -> list[dict[str, Any]]:
    """Every page of `{type}?patient=...`, following `next` links on the same server only."""
    headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/fhir+json"}
    url: str | None = f"{iss}/{resource_type}?{urlencode({'patient': token.patient})}"
    found: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return found
        page = _get(http, url, f"{resource_type} search", MAX_PAGE_BYTES, headers=headers)
        if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
            raise SmartError(f"{resource_type} search: the EHR did not answer with a Bundle")
        for entry in page.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") == resource_type:
                found.append(resource)
        if len(found) > budget:
            raise SmartError(
                f"the chart holds more than {MAX_RESOURCES:,} resources: bonewise reads at most "
                "that many"
            )
        url = next(
            (
                link.get("url")
                for link in page.get("link") or []
                if isinstance(link, dict) and link.get("relation") == "next"
            ),
            None,
        )
        if url is not None and not (isinstance(url, str) and _same_server(url, iss)):
            raise SmartError(f"{resource_type} search: the next page is not on {iss}")
    raise SmartError(f"{resource_type} search: more than {MAX_PAGES} pages")


def fetch_chart(http: httpx.Client, iss: str, token: Token) -> list[dict[str, Any]]:
    """The launched patient's Patient and the resources the decision reads, as one list.

    A required search that fails stops the import: bonewise reads the problem and medication
    lists as the whole record, so a list it could not read must not count as empty."""
    headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/fhir+json"}
    patient = _get(
        http, f"{iss}/Patient/{token.patient}", "the Patient", MAX_SMALL_BYTES * 4, headers=headers
    )
    if (
        not isinstance(patient, dict)
        or patient.get("resourceType") != "Patient"
        or patient.get("id") != token.patient
    ):
        raise SmartError("the EHR did not return the launched Patient")
    resources: list[dict[str, Any]] = [patient]
    for resource_type in REQUIRED_TYPES:
        resources += _search(http, iss, token, resource_type, MAX_RESOURCES - len(resources))
    for resource_type in OPTIONAL_TYPES:
        try:
            resources += _search(http, iss, token, resource_type, MAX_RESOURCES - len(resources))
        except NotAnswered:
            continue  # not offered or not granted; too large or malformed still stops
    return resources
