"""Who is asking, and may they: server-side sessions, CSRF, device cookies, access rules.

Sessions are random tokens kept server-side (only their digest is stored). A browser carries the
token in an HttpOnly, SameSite=Lax cookie (Secure when served over https); an API client may send
it as `Authorization: Bearer <token>`. Every state-changing request made with the cookie must
prove it came from our own page: forms carry the session's CSRF token in a hidden field and
scripts send it as the `X-CSRF-Token` header. Bearer requests need no CSRF token (a browser never
attaches them by itself).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from bonewise.services.access import Forbidden  # raised by the services, answered with 403
from bonewise.store.accounts import User, WebSession
from bonewise.store.uow import UnitOfWork

SESSION_COOKIE = "bonewise_session"
ANON_CSRF_COOKIE = "bonewise_csrf"
DEVICE_COOKIE = "bonewise_device"
DEVICE_COOKIE_LIFETIME_S = 365 * 24 * 3600
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticated(Exception):
    """No valid session: 401 for the API, a redirect to the sign-in page for pages."""


class CsrfFailed(Exception):
    """A state-changing request without a valid CSRF token: 403."""


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    session: WebSession
    via: Literal["cookie", "bearer"]

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token


def factory_of(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory  # type: ignore[no-any-return]


def _token_from(request: Request) -> tuple[str, Literal["cookie", "bearer"]] | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "bearer"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, "cookie"
    return None


def optional_principal(request: Request) -> Principal | None:
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    if _token_from(request) is None:
        request.state.principal = None
        return None
    with UnitOfWork(factory_of(request)) as uow:
        return principal_in(uow, request)


def principal_in(uow: UnitOfWork, request: Request) -> Principal | None:
    """Who sent `request`, looked up in `uow`'s session (open, or held for the request: the
    page's own transaction then starts with this lookup); kept for the rest of the request."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    found = _token_from(request)
    principal = None
    if found is not None:
        token, via = found
        web_session = uow.accounts.find_session(token)
        if web_session is not None:
            principal = Principal(web_session.user, web_session, via)
    request.state.principal = principal
    return principal


# The checks below only look at what `optional_principal` found: async, so FastAPI runs them on
# the event loop instead of sending each to the thread pool (a hop per dependency).
async def require_principal(
    principal: Principal | None = Depends(optional_principal),
) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


async def require_clinician(principal: Principal = Depends(require_principal)) -> Principal:
    if not principal.user.is_clinician:
        raise Forbidden("this page is for clinicians")
    return principal


async def require_patient(principal: Principal = Depends(require_principal)) -> Principal:
    if principal.user.is_clinician:
        raise Forbidden("this page is for patients")
    return principal


# --- CSRF --------------------------------------------------------------------------------------
def _signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.secret_key, salt="anon-csrf")


def anonymous_csrf_token(request: Request) -> str:
    """The CSRF token for a visitor who is not signed in (double-submit, signed cookie)."""
    raw = request.cookies.get(ANON_CSRF_COOKIE)
    if raw:
        try:
            return str(_signer(request).loads(raw))
        except BadSignature:
            pass
    token = getattr(request.state, "new_anon_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.new_anon_csrf = token
    return str(token)


def anonymous_csrf_cookie(request: Request, token: str) -> str:
    return _signer(request).dumps(token)


def csrf_token_for(request: Request) -> str:
    principal = optional_principal(request)
    if principal is not None:
        return principal.csrf_token
    return anonymous_csrf_token(request)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def _principal_off_the_loop(request: Request) -> Principal | None:
    """`optional_principal` from an async dependency: the store lookup (when nothing has
    looked yet and a token was sent) goes to the thread pool, never onto the event loop."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    if _token_from(request) is None:
        return None
    return await run_in_threadpool(optional_principal, request)


async def csrf_sent(request: Request) -> str | None:
    """The CSRF token a state-changing request sent (the header, or the form's field; the form
    is parsed once and kept), read on the event loop; None when it sent none or is a read."""
    if request.method not in UNSAFE_METHODS:
        return None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FORM_FIELD)
            sent = value if isinstance(value, str) else None
    return sent


def check_csrf(request: Request, principal: Principal | None, sent: str | None) -> None:
    """CsrfFailed unless a state-changing request proves it came from our own page: `sent`
    (from `csrf_sent`) is the session's token, or the signed anonymous cookie's when no one
    is signed in. Bearer requests need none (a browser never attaches them by itself)."""
    if request.method not in UNSAFE_METHODS:
        return
    if principal is not None and principal.via == "bearer":
        return
    if principal is not None:
        expected = principal.csrf_token
    else:
        raw = request.cookies.get(ANON_CSRF_COOKIE)
        try:
            expected = str(_signer(request).loads(raw)) if raw else ""
        except BadSignature:
            expected = ""
    if not _same(sent, expected):
        raise CsrfFailed()


async def verify_csrf(request: Request) -> None:
    """Dependency for every state-changing route (forms and API)."""
    if request.method not in UNSAFE_METHODS:
        return
    principal = await _principal_off_the_loop(request)
    if principal is not None and principal.via == "bearer":
        return
    check_csrf(request, principal, await csrf_sent(request))


def timed_signer(request: Request, salt: str) -> URLSafeTimedSerializer:
    """The app's signer for a short-lived cookie (check its age with `loads(max_age=...)`)."""
    return URLSafeTimedSerializer(request.app.state.secret_key, salt=salt)


# --- device cookies (OWASP: a device that signed in before keeps its way in) -----------------
def _device_signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="device")


def device_cookie(request: Request, user_id: int) -> str:
    """A signed cookie value saying "this browser signed in to `user_id`"."""
    return _device_signer(request).dumps([user_id, secrets.token_urlsafe(12)])


def known_device(request: Request) -> tuple[int, str] | None:
    """(user id, nonce) from a valid device cookie; None without one or when tampered."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 256:
        return None
    try:
        value = _device_signer(request).loads(raw, max_age=DEVICE_COOKIE_LIFETIME_S)
    except BadSignature:
        return None
    match value:
        case [int() as user_id, str() as nonce]:
            return user_id, nonce
    return None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"
