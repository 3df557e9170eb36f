"""The FastAPI application: pages for patients and clinicians plus the JSON API they use.

    app = create_app(session_factory=open_store())

Routers are thin: they read the request, call a service in `bonewise.services.patients` (or a
feature's own service module) and render a template or return JSON.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from importlib import resources
from typing import Any
from urllib.parse import quote

import anyio.to_thread
import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from bonewise.services.access import excerpt
from bonewise.services.accounts import (
    DEFAULT_POLICY,
    InvalidCredentials,
    SignInPolicy,
    TooManyAttempts,
)
from bonewise.services.patients import InvalidInput, NoRecordYet
from bonewise.services.warm import warm_up
from bonewise.store.accounts import UserNotFound
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork
from bonewise.web import pages
from bonewise.web.edge import (
    BodyLimits,
    EdgeMiddleware,
    RouteEdgeMiddleware,
    is_api_path,
)
from bonewise.web.security import CsrfFailed, Forbidden, NotAuthenticated

_log = logging.getLogger(__name__)
SECRET_ENV = "BONEWISE_SECRET_KEY"
THREADS_ENV = "BONEWISE_WEB_THREADS"
# How many requests' plain-function handlers run at once in a worker (AnyIO's default is 40):
# with more, threads only take turns at the GIL and the store, and each waits longer.
DEFAULT_THREADS = 8
MAX_THREADS = 64
MESSAGE_CHARS = 300
MAX_ERRORS = 20


def _is_api(request: Request) -> bool:
    return is_api_path(request.url.path)


def _bounded(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Error items as the API documents them (loc, msg, type), each message short: a message
    that quotes the input never echoes more than an excerpt of it."""
    return [
        {
            "loc": [excerpt(part, 40) if isinstance(part, str) else part for part in e["loc"]],
            "msg": excerpt(str(e.get("msg", "")), MESSAGE_CHARS),
            "type": str(e.get("type", "")),
        }
        for e in errors[:MAX_ERRORS]
    ]


def _as_text(detail: str | list[dict[str, Any]]) -> str:
    if isinstance(detail, str):
        return detail
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in detail)


def _error(
    request: Request, status: int, detail: str | list[dict[str, Any]], **headers: str
) -> Response:
    if not isinstance(detail, str):
        detail = _bounded(detail)
    if _is_api(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers or None)
    return pages.render(
        request, "error.html", {"status": status, "message": _as_text(detail)}, status_code=status
    )


def _at_query(request: Request, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A service names a bad value by its field; when that field came in the query string
    (a GET has no body), the error is reported at the query location."""
    located = []
    for e in errors:
        loc = list(e.get("loc", ()))
        if len(loc) == 2 and loc[0] == "body" and loc[1] in request.query_params:
            e = {**e, "loc": ["query", loc[1]]}
        located.append(e)
    return located


# The sign-in form takes a `next` of at most this many characters.
MAX_NEXT_CHARS = 500


def _coming_back_to(request: Request) -> str:
    """The page she asked for, query string included (the day, the search), quoted for the
    login URL; only its path when the whole would not fit the sign-in form."""
    target = request.url.path
    if request.url.query and len(target) + 1 + len(request.url.query) <= MAX_NEXT_CHARS:
        target += "?" + request.url.query
    return quote(target, safe="/")


def _install_error_handlers(app: FastAPI) -> None:
    # A handler that may render an error page is a plain function: the page reads the store
    # (who is signed in, a clinician's banner), so Starlette runs it in the thread pool.
    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, _exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "sign in first"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(f"/login?next={_coming_back_to(request)}", status_code=303)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Exception) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(CsrfFailed)
    def _csrf(request: Request, _exc: Exception) -> Response:
        return _error(
            request, 403, "the form expired or did not come from bonewise: reload and try again"
        )

    @app.exception_handler(TooManyAttempts)
    def _too_many(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TooManyAttempts)
        return _error(request, 429, str(exc), **{"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(InvalidCredentials)
    def _bad_login(request: Request, exc: Exception) -> Response:
        return _error(request, 401, str(exc))

    @app.exception_handler(PatientNotFound)
    def _no_patient(request: Request, exc: Exception) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(UserNotFound)
    def _no_user(request: Request, exc: Exception) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(NoRecordYet)
    async def _no_record(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        return RedirectResponse("/onboarding", status_code=303)

    @app.exception_handler(InvalidInput)
    def _invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidInput)
        return _error(request, 422, _at_query(request, exc.errors))

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return _error(
            request, exc.status_code, excerpt(str(exc.detail), MESSAGE_CHARS), **(exc.headers or {})
        )

    @app.exception_handler(RequestValidationError)
    def _request_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        malformed = [e for e in errors if e["type"] == "json_invalid"]
        if malformed:
            # As the API documents: a body that is not JSON at all is a 400, not a 422.
            return _error(request, 400, "the body is not well-formed JSON: " + malformed[0]["msg"])
        return _error(request, 422, errors)


def _routes(routes: Any) -> list[Any]:
    flat = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        flat += _routes(nested.routes) if nested is not None else [route]
    return flat


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route accepts at `path` (Starlette's 405 names only the first)."""
    methods: set[str] = set()
    for route in _routes(app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and getattr(route, "methods", None) and regex.match(path):
            methods |= set(route.methods)
    return sorted(methods)


class _DeclaredQueries:
    """The query parameters the OpenAPI schema declares for each API route, read once (routes
    do not change after start-up): the table the edge checks every /api/ query against."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._table: list[tuple[Any, str, set[str] | None]] | None = None

    def _build(self) -> list[tuple[Any, str, set[str] | None]]:
        paths = self._app.openapi().get("paths", {})
        table = []
        for route in _routes(self._app.routes):
            regex = getattr(route, "path_regex", None)
            for method in getattr(route, "methods", None) or ():
                if regex is None:
                    continue
                operation = paths.get(route.path, {}).get(method.lower())
                declared = (
                    None
                    if operation is None
                    else {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                )
                table.append((regex, method, declared))
        return table

    def __call__(self, method: str, path: str) -> set[str] | None:
        """The declared query parameters of this API call (None: no documented route)."""
        if self._table is None:
            self._table = self._build()
        for regex, route_method, declared in self._table:
            if method == route_method and regex.match(path):
                return declared
        return None


def _custom_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["session"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "the token from POST /api/v1/session (browsers use the "
            "HttpOnly session cookie instead, with the X-CSRF-Token header on writes)",
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "401" in responses:
                    operation["security"] = [{"session": []}]
                if "requestBody" in operation:
                    responses.setdefault("400", {"description": "the body is not well-formed JSON"})
                    responses.setdefault(
                        "413",
                        {"description": "the body is larger than this route family accepts"},
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def web_threads() -> int:
    """The worker's thread limit: BONEWISE_WEB_THREADS (1-64), DEFAULT_THREADS when unset."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_THREADS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_THREADS:
        raise ValueError(
            f"{THREADS_ENV} must be a whole number from 1 to {MAX_THREADS}, not {raw!r}"
        )
    return int(raw)


def create_app(
    *,
    session_factory: sessionmaker[Session],
    secret_key: str | None = None,
    sign_in_policy: SignInPolicy = DEFAULT_POLICY,
    body_limits: BodyLimits | None = None,
) -> FastAPI:
    from bonewise.web.routers import (
        accounts,
        assessment,
        audit,
        bone_therapy,
        checkin,
        clinician,
        dashboard,
        docs,
        dxa,
        exercise,
        export,
        frax,
        learn,
        nutrition,
        onboarding,
        reports,
        smart_launch,
    )

    app = FastAPI(
        title="bonewise",
        version="0.1.0",
        description="Bone health for women on aromatase inhibitors. Decision support for "
        "review by her care team, never a verdict. Every route under /api/v1 needs a session "
        "(POST /api/v1/session) except signing up and signing in.",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(web_threads()),
    )
    app.state.session_factory = session_factory
    app.state.secret_key = secret_key or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
    app.state.sign_in_policy = sign_in_policy
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("bonewise.web") / "static")),
        name="static",
    )
    _install_error_handlers(app)
    # Plain ASGI (no BaseHTTPMiddleware): unknown API query parameters, the Allow header of a
    # 405 and a new anonymous CSRF cookie.
    app.add_middleware(
        RouteEdgeMiddleware,  # type: ignore[arg-type]
        declared_query=_DeclaredQueries(app),
        allowed_methods=lambda path: _allowed_methods(app, path),
    )
    app.add_middleware(
        EdgeMiddleware,  # type: ignore[arg-type]
        limits=body_limits or BodyLimits.from_env(),
        error_response=_error,
    )
    # The pages people wait for most are matched first: this FastAPI tries every route of
    # every router included before the one that matches, and that was a third of a warm
    # dashboard's time. No path of these three is also matched by a later router.
    for module in (
        dashboard,
        assessment,
        clinician,
        accounts,
        onboarding,
        dxa,
        frax,
        bone_therapy,
        nutrition,
        exercise,
        checkin,
        export,
        reports,
        audit,
        learn,
        docs,
        smart_launch,
    ):
        app.include_router(module.router)
    _include_cds_hooks(app)
    _custom_openapi(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> HTMLResponse:
        return HTMLResponse("ok")

    return app


def _lifespan(threads: int) -> Any:
    """Before the first request: the server loop's thread limit (the one FastAPI's
    plain-function handlers and dependencies wait on), then the pages' reads warmed up in a
    worker thread (services/warm.py: a worker's first page paid for compiling them)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        app.state.web_threads = threads
        await anyio.to_thread.run_sync(_warm_up, app)
        yield

    return lifespan


def _warm_up(app: FastAPI) -> None:
    # FastAPI reads each endpoint's source (inspect.getsourcelines, for its error messages) at
    # the endpoint's first request and keeps it: 10-20 ms of a worker's first dashboard. Read
    # them all now (if this FastAPI still does; its cache is not public API).
    endpoint_context = getattr(fastapi.routing, "_extract_endpoint_context", None)
    if endpoint_context is not None:
        for route in _routes(app.routes):
            dependant = getattr(route, "dependant", None)
            if dependant is not None and dependant.call is not None:
                endpoint_context(dependant.call)
    try:
        warm_up(uow=UnitOfWork(app.state.session_factory), today=date.today())
    except Exception:  # a store it cannot read answers each page with its error instead
        _log.warning("the pages' reads could not be warmed up at start-up", exc_info=True)


def _include_cds_hooks(app: FastAPI) -> None:
    """The FHIR engineer's CDS Hooks service, when that module is present."""
    if importlib.util.find_spec("bonewise.web.routers.cds_services") is None:
        return
    module = importlib.import_module("bonewise.web.routers.cds_services")
    router = getattr(module, "router", None)
    if router is not None:
        app.include_router(router)
