"""The edge of the web app: what every request passes before any route sees it.

`EdgeMiddleware` is plain ASGI (no BaseHTTPMiddleware), outside every other middleware:

- a body-size limit per route family (JSON API, CDS Hooks, HTML forms), counted on the bytes
  actually received, so a missing or false Content-Length does not get past it (413);
- NUL and other control characters refused in the path, the query and the body (422), before
  they reach a database that cannot store them (PostgreSQL refuses NUL in text);
- security headers on every response, errors included, and HSTS only when the request came
  over https (directly, or through a proxy uvicorn trusts: `--forwarded-allow-ips`);
- an unexpected exception answered with a plain 500 (headers included) on a connection that
  stays usable, and logged;
- a `Server-Timing: app;dur=<ms>` header: the time from the request reaching the app to its
  response starting (what the browser journeys check).

`RouteEdgeMiddleware`, inside it and also plain ASGI, does what needs the routes: unknown query
parameters of the JSON API refused (422), every allowed method in a 405's `Allow`, and the cookie
of a new anonymous CSRF token set on the response.

The limits come from the environment (bytes): BONEWISE_MAX_BODY_API (default 131072),
BONEWISE_MAX_BODY_CDS (default 2097152), BONEWISE_MAX_BODY_FORM (default 65536).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bonewise.services.access import CONTROL, excerpt
from bonewise.web.security import ANON_CSRF_COOKIE, anonymous_csrf_cookie

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ErrorResponder = Callable[[Request, int, Any], Response]

log = logging.getLogger("bonewise.web")

MAX_BODY_ENV = {
    "api": "BONEWISE_MAX_BODY_API",
    "cds": "BONEWISE_MAX_BODY_CDS",
    "forms": "BONEWISE_MAX_BODY_FORM",
}
# A cheap first look at raw JSON: only a body with an escape or a raw control byte needs parsing.
_MAYBE_CONTROL_JSON = re.compile(rb"\\u|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
PAGE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"cache-control", b"no-store"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The largest request body each route family accepts, in bytes."""

    api: int = 128 * 1024
    cds: int = 2 * 1024 * 1024
    forms: int = 64 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BodyLimits:
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for family, name in MAX_BODY_ENV.items():
            raw = environ.get(name)
            if raw is None or not raw.strip():
                continue
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a whole number of bytes") from None
            if not 1 <= value <= 1024**3:
                raise ValueError(f"{name}={value} is not allowed: use 1 to {1024**3} bytes")
            values[family] = value
        return cls(**values)

    def family(self, path: str) -> tuple[str, int]:
        if path.startswith("/cds-services"):
            return "cds", self.cds
        if path.startswith("/api/"):
            return "api", self.api
        return "forms", self.forms


class _TooLarge(Exception):
    pass


def is_api_path(path: str) -> bool:
    return path.startswith(("/api/", "/cds-services"))


def _control_error(loc: list[str | int], what: str) -> dict[str, Any]:
    return {
        "loc": loc,
        "msg": f"{what} contains a control character (such as NUL); remove it and try again",
        "type": "control_character",
    }


def _json_control_errors(node: Any, loc: list[str | int]) -> list[dict[str, Any]]:
    if isinstance(node, str):
        return [_control_error(loc, "this text")] if CONTROL.search(node) else []
    errors: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if CONTROL.search(key):
                errors.append(_control_error([*loc, excerpt(key, 20)], "this field name"))
            else:
                errors += _json_control_errors(value, [*loc, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            errors += _json_control_errors(value, [*loc, index])
    return errors[:20]


def _pairs_control_errors(pairs: list[tuple[str, str]], where: str) -> list[dict[str, Any]]:
    errors = []
    for name, value in pairs:
        if CONTROL.search(name):
            errors.append(_control_error([where, excerpt(name, 20)], "this parameter name"))
        elif CONTROL.search(value):
            errors.append(_control_error([where, name], "this value"))
    return errors[:20]


def body_control_errors(content_type: str, body: bytes) -> list[dict[str, Any]]:
    """Control characters in a request body, located like FastAPI's validation errors."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        if not _MAYBE_CONTROL_JSON.search(body):
            return []
        try:
            parsed = json.loads(body, strict=False)
        except ValueError:
            return []  # not JSON at all: the route answers 400
        return _json_control_errors(parsed, ["body"])
    if kind == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        return _pairs_control_errors(parse_qsl(text, keep_blank_values=True), "body")
    if body and CONTROL.search(body.decode("utf-8", "replace")):
        return [_control_error(["body"], "the body")]
    return []


def query_control_errors(scope: Scope) -> list[dict[str, Any]]:
    if CONTROL.search(scope.get("path", "")):
        return [_control_error(["path"], "the address")]
    raw = scope.get("query_string", b"").decode("latin-1")
    if not raw:
        return []
    return _pairs_control_errors(parse_qsl(raw, keep_blank_values=True), "query")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, limits: BodyLimits, error_response: ErrorResponder) -> None:
        self.app = app
        self.limits = limits
        self.error_response = error_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        path = scope.get("path", "")
        arrived = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = self._headers(scope, path, list(message.get("headers", [])))
                spent_ms = (time.perf_counter() - arrived) * 1000
                headers.append((b"server-timing", f"app;dur={spent_ms:.1f}".encode()))
                message["headers"] = headers
            await send(message)

        try:
            replay = receive
            body_problems: list[dict[str, Any]] = []
            if _has_body(scope):
                family, limit = self.limits.family(path)
                try:
                    body = await self._read_body(scope, receive, limit)
                except _TooLarge:
                    await self._respond(
                        scope,
                        413,
                        f"the request is too large: at most {limit:,} bytes for {family} "
                        f"(set {MAX_BODY_ENV[family]} to change it)",
                        send_with_headers,
                    )
                    return
                body_problems = body_control_errors(_header(scope, b"content-type") or "", body)
                replay = _replaying(body, receive)
            # Size first (nothing big is kept), then the address, then the body.
            problems = query_control_errors(scope) + body_problems
            if problems:
                await self._respond(scope, 422, problems, send_with_headers)
                return
            await self.app(scope, replay, send_with_headers)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), path)
            if started:
                raise
            await self._respond(scope, 500, "something went wrong on our side", send_with_headers)

    @staticmethod
    async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _respond(self, scope: Scope, status: int, detail: Any, send: Send) -> None:
        request = Request(scope)
        try:
            response = self.error_response(request, status, detail)
        except Exception:
            log.exception("the error page failed")
            response = PlainTextResponse(str(detail), status_code=status)
        await response(scope, _no_body, send)

    @staticmethod
    def _headers(
        scope: Scope, path: str, headers: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        extra = list(SECURITY_HEADERS)
        if not path.startswith("/static/"):
            extra += PAGE_HEADERS
        if scope.get("scheme") == "https":
            extra.append(HSTS)
        headers = [(n, v) for n, v in headers if n.lower() != b"server"]
        headers += [(name, value) for name, value in extra if name not in present]
        return headers


DeclaredQuery = Callable[[str, str], set[str] | None]
AllowedMethods = Callable[[str], list[str]]


class RouteEdgeMiddleware:
    """Checks and headers that need the app's routes, without buffering the response."""

    def __init__(
        self, app: ASGIApp, *, declared_query: DeclaredQuery, allowed_methods: AllowedMethods
    ) -> None:
        self.app = app
        self.declared_query = declared_query
        self.allowed_methods = allowed_methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.startswith("/api/") and scope.get("query_string"):
            unknown = self._unknown_query(scope, path)
            if unknown is not None:
                await unknown(scope, receive, send)
                return
        # Shared with the routes' `request.state` (the same dict), read when the response starts.
        state = scope.setdefault("state", {})

        async def send_extras(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra: list[tuple[bytes, bytes]] = []
                if message["status"] == 405:
                    extra.append((b"allow", ", ".join(self.allowed_methods(path)).encode()))
                new_token = state.get("new_anon_csrf")
                if new_token:
                    extra += _anonymous_csrf_cookie(scope, new_token)
                if extra:
                    kept = [(n, v) for n, v in message.get("headers", []) if n.lower() != b"allow"]
                    message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_extras)

    def _unknown_query(self, scope: Scope, path: str) -> Response | None:
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        declared = self.declared_query(scope.get("method", "GET"), path)
        if declared is None:
            return None
        unknown = sorted({name for name, _ in pairs} - declared)
        if not unknown:
            return None
        allowed = ", ".join(sorted(declared)) or "none"
        return JSONResponse(
            {
                "detail": [
                    {
                        "loc": ["query", name],
                        "msg": f"unknown query parameter {name!r}; allowed: {allowed}",
                        "type": "extra_forbidden",
                    }
                    for name in unknown
                ]
            },
            status_code=422,
        )


def _anonymous_csrf_cookie(scope: Scope, token: str) -> list[tuple[bytes, bytes]]:
    carrier = Response()
    carrier.set_cookie(
        ANON_CSRF_COOKIE,
        anonymous_csrf_cookie(Request(scope), token),
        httponly=True,
        samesite="strict",
        secure=scope.get("scheme") == "https",
    )
    return [(n, v) for n, v in carrier.raw_headers if n == b"set-cookie"]


def _has_body(scope: Scope) -> bool:
    """Whatever the method: HTTP/1.1 has a body exactly when one of these headers says so."""
    length = _header(scope, b"content-length")
    return (length is not None and length.strip() != "0") or (
        _header(scope, b"transfer-encoding") is not None
    )


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
