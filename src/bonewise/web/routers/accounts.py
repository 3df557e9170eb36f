"""Sign up, sign in, sign out, who am I, and sharing a record with a clinician."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bonewise.services import patients
from bonewise.services.access import InvalidInput
from bonewise.store.accounts import SESSION_LIFETIME, User, WebSession
from bonewise.web import pages
from bonewise.web.deps import AUTH_RESPONSES, strict_json, uow_of
from bonewise.web.schemas import Credentials, Message, SessionOut, ShareIn, SignUp, UserOut
from bonewise.web.security import (
    SESSION_COOKIE,
    Principal,
    client_address,
    factory_of,
    is_https,
    optional_principal,
    require_principal,
    verify_csrf,
)

router = APIRouter()


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id, email=user.email, name=user.name, role=user.role, patient_id=user.patient_id
    )


def _set_cookie(request: Request, response: Response, web_session: WebSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        web_session.token,
        httponly=True,
        secure=is_https(request),
        samesite="lax",
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
    )


def home_for(user: User) -> str:
    if user.is_clinician:
        return "/clinician"
    if user.patient_id is None:
        return "/onboarding"
    return f"/patients/{user.patient_id}"


def _safe_next(target: str | None, default: str) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


# --- pages ---------------------------------------------------------------------------------
@router.get("/", include_in_schema=False)
def index(request: Request) -> Response:
    principal = optional_principal(request)
    if principal is None:
        return pages.render(request, "welcome.html")
    return RedirectResponse(home_for(principal.user), status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return pages.render(request, "login.html", {"next": _safe_next(next, "")})


@router.post("/login", include_in_schema=False, dependencies=[Depends(verify_csrf)])
def login_form(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        web_session = patients.sign_in(
            factory_of(request),
            email=email,
            password=password,
            client=client_address(request),
            limiter=request.app.state.login_limiter,
        )
    except patients.InvalidCredentials as exc:
        return pages.render(
            request,
            "login.html",
            {"error": str(exc), "email": email, "next": next},
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next, home_for(web_session.user)), status_code=303)
    _set_cookie(request, response, web_session)
    return response


@router.post("/logout", include_in_schema=False)
def logout_form(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    patients.sign_out(factory_of(request), token=principal.session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signup", include_in_schema=False)
def signup_page(request: Request) -> Response:
    return pages.render(request, "signup.html")


@router.post("/signup", include_in_schema=False, dependencies=[Depends(verify_csrf)])
def signup_form(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    factory = factory_of(request)
    try:
        patients.sign_up_patient(factory, email=email, name=name, password=password)
    except InvalidInput as exc:
        return pages.render(
            request,
            "signup.html",
            {"errors": exc.errors, "email": email, "name": name},
            status_code=422,
        )
    web_session = patients.sign_in(
        factory,
        email=email,
        password=password,
        client=client_address(request),
        limiter=request.app.state.login_limiter,
    )
    response = RedirectResponse("/onboarding", status_code=303)
    _set_cookie(request, response, web_session)
    return response


@router.get("/account", include_in_schema=False)
def account_page(request: Request, principal: Principal = Depends(require_principal)) -> Response:
    team = []
    if principal.user.patient_id:
        team = patients.care_team(
            uow=uow_of(request), actor=principal.user, patient_id=principal.user.patient_id
        ).clinicians
    return pages.render(request, "account.html", {"team": team})


@router.post("/account/share", include_in_schema=False)
def share_form(
    request: Request,
    clinician_email: Annotated[str, Form(max_length=254)],
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    try:
        patients.share_with_clinician(
            uow=uow_of(request), actor=principal.user, clinician_email=clinician_email
        )
    except InvalidInput as exc:
        return pages.render(
            request, "account.html", {"errors": exc.errors, "team": []}, status_code=422
        )
    return RedirectResponse("/account", status_code=303)


# --- API -----------------------------------------------------------------------------------
@router.post(
    "/api/v1/session",
    response_model=SessionOut,
    tags=["accounts"],
    summary="Sign in; returns a bearer token (and sets the session cookie)",
    responses={
        401: {"model": Message, "description": "e-mail or password not recognised"},
        429: {"model": Message, "description": "too many failed attempts"},
    },
)
def api_sign_in(
    request: Request,
    body: Credentials,
    response: Response,
    _strict: None = Depends(strict_json(Credentials)),
) -> SessionOut:
    web_session = patients.sign_in(
        factory_of(request),
        email=body.email,
        password=body.password,
        client=client_address(request),
        limiter=request.app.state.login_limiter,
    )
    _set_cookie(request, response, web_session)
    return SessionOut(
        token=web_session.token,
        csrf_token=web_session.csrf_token,
        expires_at=web_session.expires_at,
        user=_user_out(web_session.user),
    )


@router.delete(
    "/api/v1/session",
    status_code=204,
    tags=["accounts"],
    summary="Sign out",
    responses=AUTH_RESPONSES,
)
def api_sign_out(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    patients.sign_out(factory_of(request), token=principal.session.token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post(
    "/api/v1/accounts",
    response_model=UserOut,
    status_code=201,
    tags=["accounts"],
    summary="Create a patient account",
)
def api_sign_up(
    request: Request, body: SignUp, _strict: None = Depends(strict_json(SignUp))
) -> UserOut:
    user = patients.sign_up_patient(
        factory_of(request), email=body.email, name=body.name, password=body.password
    )
    return _user_out(user)


@router.get("/api/v1/me", response_model=UserOut, tags=["accounts"], responses=AUTH_RESPONSES)
def api_me(principal: Principal = Depends(require_principal)) -> UserOut:
    return _user_out(principal.user)


@router.post(
    "/api/v1/me/share",
    response_model=UserOut,
    tags=["accounts"],
    summary="Share my record with a clinician (by the clinician's e-mail)",
    responses=AUTH_RESPONSES,
)
def api_share(
    request: Request,
    body: ShareIn,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
    _strict: None = Depends(strict_json(ShareIn)),
) -> UserOut:
    clinician = patients.share_with_clinician(
        uow=uow_of(request), actor=principal.user, clinician_email=body.clinician_email
    )
    return _user_out(clinician)
