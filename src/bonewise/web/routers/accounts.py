"""Sign up, sign in, sign out (here or everywhere), password change, who am I, and sharing a
record with a clinician."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bonewise.mail.messages import password_reset_message
from bonewise.mail.smtp import Mailer, mailer_from_env, public_url
from bonewise.services import accounts as account_services
from bonewise.services import patients
from bonewise.services import reminders as reminder_services
from bonewise.services.access import InvalidInput
from bonewise.store.accounts import SESSION_LIFETIME, User, WebSession
from bonewise.web import pages
from bonewise.web.deps import (
    AUTH_RESPONSES,
    PATIENT_RESPONSES,
    PatientPage,
    patient_page,
    strict_json,
    uow_of,
)
from bonewise.web.schemas import (
    AccountDeletedOut,
    CalendarOut,
    Credentials,
    DeleteAccountIn,
    Message,
    PasswordChange,
    ReminderOut,
    ResetConfirmIn,
    ResetRequestIn,
    SessionOut,
    ShareIn,
    SignUp,
    UserOut,
)
from bonewise.web.security import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_LIFETIME_S,
    SESSION_COOKIE,
    Principal,
    client_address,
    device_cookie,
    is_https,
    known_device,
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


def _sign_in(request: Request, email: str, password: str) -> WebSession:
    device = known_device(request)
    return account_services.sign_in(
        uow=uow_of(request),
        email=email,
        password=password,
        client=client_address(request),
        device=account_services.KnownDevice(*device) if device else None,
        policy=request.app.state.sign_in_policy,
    )


def _remember_device(request: Request, response: Response, user: User) -> None:
    """After a correct password: this browser is a known device of this account from now on
    (kept if it already was one for the same account)."""
    device = known_device(request)
    if device is not None and device[0] == user.id:
        return
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie(request, user.id),
        httponly=True,
        secure=is_https(request),
        samesite="strict",
        max_age=DEVICE_COOKIE_LIFETIME_S,
        path="/",
    )


SIGNED_UP = (
    "If this address can be used, its account is ready: sign in with it. (If it already had an "
    "account, sign in with that account's password.)"
)


def mailer_of(request: Request) -> Mailer | None:
    """The app's mailer (tests set `app.state.mailer`); otherwise built once from
    BONEWISE_SMTP_*; None when e-mail is off."""
    state = request.app.state
    if not hasattr(state, "mailer"):
        state.mailer = mailer_from_env()
    return state.mailer  # type: ignore[no-any-return]


def public_url_of(request: Request) -> str:
    """Where links in e-mails point: configured, never taken from the request's Host header
    (which an attacker could set to receive her reset link)."""
    state = request.app.state
    if not hasattr(state, "public_url"):
        state.public_url = public_url()
    return state.public_url  # type: ignore[no-any-return]


def home_for(user: User) -> str:
    if user.is_clinician:
        return "/clinician"
    if user.patient_id is None:
        return "/onboarding"
    return f"/patients/{user.patient_id}"


def _safe_next(target: str | None, default: str) -> str:
    """A path on this site only: browsers read "/\\host" as "//host" and drop tabs and line
    breaks, so those (like "//host" itself) would send her to another site."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return default


# --- pages ---------------------------------------------------------------------------------
@router.get("/", include_in_schema=False)
def index(request: Request) -> Response:
    principal = optional_principal(request)
    if principal is None:
        return pages.render(request, "welcome.html")
    return RedirectResponse(home_for(principal.user), status_code=303)


PASSWORD_RESET_DONE = "Your password is changed and every device is signed out: sign in."


@router.get("/login", include_in_schema=False)
def login_page(
    request: Request, next: str | None = None, signed_up: bool = False, reset: bool = False
) -> Response:
    notice = SIGNED_UP if signed_up else PASSWORD_RESET_DONE if reset else None
    return pages.render(request, "login.html", {"next": _safe_next(next, ""), "notice": notice})


RESET_SENT = (
    "If an account uses this address, we have sent it a link to choose a new password. "
    "The link works once, within {minutes} minutes. Nothing arrived? Check the spam folder, "
    "or ask again."
)
MAIL_OFF = (
    "This bonewise server cannot send e-mail yet, so it cannot send a reset link. Ask the "
    "person who runs it (they set BONEWISE_SMTP_HOST)."
)


@router.get("/forgot-password", include_in_schema=False)
def forgot_password_page(request: Request) -> Response:
    mail_off = MAIL_OFF if mailer_of(request) is None else None
    return pages.render(request, "forgot_password.html", {"error": mail_off})


@router.post("/forgot-password", include_in_schema=False, dependencies=[Depends(verify_csrf)])
def forgot_password_form(
    request: Request,
    background: BackgroundTasks,
    email: Annotated[str, Form(max_length=254)],
) -> Response:
    mailer = mailer_of(request)
    if mailer is None:
        return pages.render(request, "forgot_password.html", {"error": MAIL_OFF})
    policy: account_services.SignInPolicy = request.app.state.sign_in_policy
    link = account_services.request_password_reset(
        uow=uow_of(request), email=email, client=client_address(request), policy=policy
    )
    if link is not None:
        # Sent after the answer, so the answer's timing does not tell that the account exists.
        message = password_reset_message(
            link, public_url=public_url_of(request), sender=mailer.sender
        )
        background.add_task(mailer.send, message)
    minutes = int(policy.reset_link_lifetime.total_seconds() // 60)
    return pages.render(
        request, "forgot_password.html", {"notice": RESET_SENT.format(minutes=minutes)}
    )


def _no_referrer(response: Response) -> Response:
    # The token is in this page's URL: never pass it on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/reset-password", include_in_schema=False)
def reset_password_page(request: Request, token: str = "") -> Response:
    token = token[:128]
    live = account_services.reset_link_is_live(uow=uow_of(request), token=token)
    context = {"token": token} if live else {"errors": [{"msg": account_services.RESET_LINK_DEAD}]}
    return _no_referrer(pages.render(request, "reset_password.html", context))


@router.post("/reset-password", include_in_schema=False, dependencies=[Depends(verify_csrf)])
def reset_password_form(
    request: Request,
    token: Annotated[str, Form(max_length=128)],
    new_password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        account_services.reset_password(uow=uow_of(request), token=token, new_password=new_password)
    except InvalidInput as exc:
        return _no_referrer(
            pages.render(
                request,
                "reset_password.html",
                {"token": token, "errors": exc.errors},
                status_code=422,
            )
        )
    response = RedirectResponse("/login?reset=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/login", include_in_schema=False, dependencies=[Depends(verify_csrf)])
def login_form(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        web_session = _sign_in(request, email, password)
    except account_services.InvalidCredentials as exc:
        return pages.render(
            request,
            "login.html",
            {"error": str(exc), "email": email, "next": next},
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next, home_for(web_session.user)), status_code=303)
    _set_cookie(request, response, web_session)
    _remember_device(request, response, web_session.user)
    return response


@router.post("/logout", include_in_schema=False)
def logout_form(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    account_services.sign_out(uow=uow_of(request), token=principal.session.token)
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
    try:
        account_services.sign_up_patient(
            uow=uow_of(request),
            email=email,
            name=name,
            password=password,
            client=client_address(request),
            policy=request.app.state.sign_in_policy,
        )
    except InvalidInput as exc:
        return pages.render(
            request,
            "signup.html",
            {"errors": exc.errors, "email": email, "name": name},
            status_code=422,
        )
    # The same answer whether or not the address had an account: sign in next.
    return RedirectResponse("/login?signed_up=1", status_code=303)


def _account_context(request: Request, user: User) -> dict[str, object]:
    if user.patient_id is None or user.is_clinician:
        return {"team": [], "confirm_phrase": account_services.CONFIRM_DELETE}
    return {
        "confirm_phrase": account_services.CONFIRM_DELETE,
        "team": patients.care_team(
            uow=uow_of(request), actor=user, patient_id=user.patient_id
        ).clinicians,
        "has_calendar": reminder_services.has_calendar_feed(uow=uow_of(request), actor=user),
    }


@router.get("/account", include_in_schema=False)
def account_page(request: Request, principal: Principal = Depends(require_principal)) -> Response:
    return pages.render(request, "account.html", _account_context(request, principal.user))


@router.post("/account/calendar", include_in_schema=False)
def calendar_create_form(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    """A new secret calendar URL, shown once (only its digest is kept)."""
    token = reminder_services.create_calendar_feed(uow=uow_of(request), actor=principal.user)
    context = _account_context(request, principal.user)
    context["calendar_url"] = f"{public_url_of(request)}/calendar/{token}.ics"
    return pages.render(request, "account.html", context)


@router.post("/account/calendar/revoke", include_in_schema=False)
def calendar_revoke_form(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    reminder_services.revoke_calendar_feed(uow=uow_of(request), actor=principal.user)
    return RedirectResponse("/account", status_code=303)


@router.get("/calendar/{token}.ics", include_in_schema=False)
def calendar_feed(request: Request, token: Annotated[str, Path(max_length=128)]) -> Response:
    """Her reminders as an iCalendar feed; the secret URL is the only key (calendar apps cannot
    sign in). 404 for an unknown or revoked link."""
    feed = reminder_services.calendar_feed(
        uow=uow_of(request), token=token, as_of=date.today(), link=public_url_of(request)
    )
    if feed is None:
        return Response("no such calendar (the link was revoked or replaced)", status_code=404)
    response = Response(feed, media_type="text/calendar; charset=utf-8")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/account/password", include_in_schema=False)
def password_form(
    request: Request,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    try:
        account_services.change_password(
            uow=uow_of(request),
            actor=principal.user,
            current_password=current_password,
            new_password=new_password,
            keep_token=principal.session.token,
            policy=request.app.state.sign_in_policy,
        )
    except InvalidInput as exc:
        return pages.render(
            request, "account.html", {"password_errors": exc.errors, "team": []}, status_code=422
        )
    return RedirectResponse("/account", status_code=303)


@router.post("/account/sign-out-everywhere", include_in_schema=False)
def sign_out_everywhere_form(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    account_services.sign_out_everywhere(uow=uow_of(request), actor=principal.user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/account/delete", include_in_schema=False)
def delete_account_form(
    request: Request,
    password: Annotated[str, Form(max_length=1024)],
    confirmation: Annotated[str, Form(max_length=100)] = "",
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    """Delete her account; the answer says exactly what remains. Her sessions are gone, so the
    page is rendered here rather than after a redirect."""
    try:
        deleted = account_services.delete_account(
            uow=uow_of(request),
            actor=principal.user,
            password=password,
            confirmation=confirmation,
            policy=request.app.state.sign_in_policy,
        )
    except InvalidInput as exc:
        context = _account_context(request, principal.user)
        context["delete_errors"] = exc.errors
        return pages.render(request, "account.html", context, status_code=422)
    request.state.principal = None  # her session ended with her account
    response = pages.render(
        request,
        "account_deleted.html",
        {
            "deleted": deleted,
            "confirm_phrase": account_services.CONFIRM_DELETE,
        },
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(DEVICE_COOKIE, path="/")
    return response


@router.post("/account/share/stop", include_in_schema=False)
def stop_sharing_form(
    request: Request,
    clinician_email: Annotated[str, Form(max_length=254)],
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    account_services.stop_sharing(
        uow=uow_of(request), actor=principal.user, clinician_email=clinician_email
    )
    return RedirectResponse("/account", status_code=303)


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
        429: {
            "model": Message,
            "description": "too many failed attempts on this account or from this address: "
            "wait the Retry-After seconds (a device that signed in before is not held back)",
        },
    },
)
def api_sign_in(
    request: Request,
    body: Credentials,
    response: Response,
    _strict: None = Depends(strict_json(Credentials)),
) -> SessionOut:
    web_session = _sign_in(request, body.email, body.password)
    _set_cookie(request, response, web_session)
    _remember_device(request, response, web_session.user)
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
    account_services.sign_out(uow=uow_of(request), token=principal.session.token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post(
    "/api/v1/accounts",
    response_model=Message,
    status_code=202,
    tags=["accounts"],
    summary="Create a patient account, then sign in with POST /api/v1/session. The answer is "
    "the same whether or not the address already had an account.",
    responses={429: {"model": Message, "description": "too many sign-ups from this address"}},
)
def api_sign_up(
    request: Request, body: SignUp, _strict: None = Depends(strict_json(SignUp))
) -> Message:
    account_services.sign_up_patient(
        uow=uow_of(request),
        email=body.email,
        name=body.name,
        password=body.password,
        client=client_address(request),
        policy=request.app.state.sign_in_policy,
    )
    return Message(detail=SIGNED_UP)


@router.put(
    "/api/v1/me/password",
    status_code=204,
    tags=["accounts"],
    summary="Change my password (every other session ends)",
    responses={
        **AUTH_RESPONSES,
        429: {"model": Message, "description": "too many wrong passwords on this account"},
    },
)
def api_change_password(
    request: Request,
    body: PasswordChange,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
    _strict: None = Depends(strict_json(PasswordChange)),
) -> Response:
    account_services.change_password(
        uow=uow_of(request),
        actor=principal.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_token=principal.session.token,
        policy=request.app.state.sign_in_policy,
    )
    return Response(status_code=204)


@router.delete(
    "/api/v1/me/sessions",
    status_code=204,
    tags=["accounts"],
    summary="Sign out everywhere: end every session of my account, this one too",
    responses=AUTH_RESPONSES,
)
def api_sign_out_everywhere(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    account_services.sign_out_everywhere(uow=uow_of(request), actor=principal.user)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


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


WHAT_REMAINS = (
    "{kept} audit entries (who read or changed the record, and when), which the law requires "
    "to be kept, now under the id {pseudonym} with no name, e-mail, record id or details. "
    "Nothing else remains."
)


@router.post(
    "/api/v1/password-reset",
    response_model=Message,
    status_code=202,
    tags=["accounts"],
    summary="Ask for a password-reset e-mail. The answer is the same whether or not the address "
    "has an account; the e-mail is sent after answering.",
    responses={
        429: {"model": Message, "description": "too many reset requests from this address"},
        503: {"model": Message, "description": "e-mail is not set up on this server"},
    },
)
def api_request_reset(
    request: Request,
    body: ResetRequestIn,
    background: BackgroundTasks,
    _strict: None = Depends(strict_json(ResetRequestIn)),
) -> Response | Message:
    mailer = mailer_of(request)
    if mailer is None:
        return JSONResponse({"detail": MAIL_OFF}, status_code=503)
    policy: account_services.SignInPolicy = request.app.state.sign_in_policy
    link = account_services.request_password_reset(
        uow=uow_of(request), email=body.email, client=client_address(request), policy=policy
    )
    if link is not None:
        message = password_reset_message(
            link, public_url=public_url_of(request), sender=mailer.sender
        )
        background.add_task(mailer.send, message)
    minutes = int(policy.reset_link_lifetime.total_seconds() // 60)
    return Message(detail=RESET_SENT.format(minutes=minutes))


@router.post(
    "/api/v1/password-reset/confirm",
    status_code=204,
    tags=["accounts"],
    summary="Set a new password with the token from a reset e-mail (single use; every session "
    "of the account ends)",
)
def api_confirm_reset(
    request: Request, body: ResetConfirmIn, _strict: None = Depends(strict_json(ResetConfirmIn))
) -> Response:
    account_services.reset_password(
        uow=uow_of(request), token=body.token, new_password=body.new_password
    )
    return Response(status_code=204)


@router.get(
    "/api/v1/patients/{patient_id}/reminders",
    response_model=list[ReminderOut],
    tags=["reminders"],
    summary="Her reminders today, soonest first (dates from her assessment)",
    responses=PATIENT_RESPONSES,
)
def api_reminders(page: PatientPage = Depends(patient_page)) -> list[ReminderOut]:
    with page.open() as (uow, access):
        found = reminder_services.reminders_for(
            uow=uow, actor=access.user, patient_id=access.patient_id, as_of=date.today()
        )
    return [
        ReminderOut(
            kind=r.kind,
            due=r.due,
            title=r.title,
            text=r.text,
            overdue=r.overdue,
            weekly=r.weekly,
            source=r.source,
        )
        for r in found
    ]


@router.post(
    "/api/v1/me/calendar",
    response_model=CalendarOut,
    status_code=201,
    tags=["reminders"],
    summary="Make her private calendar feed URL (an earlier one stops working)",
    responses=AUTH_RESPONSES,
)
def api_calendar_create(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> CalendarOut:
    token = reminder_services.create_calendar_feed(uow=uow_of(request), actor=principal.user)
    return CalendarOut(url=f"{public_url_of(request)}/calendar/{token}.ics")


@router.delete(
    "/api/v1/me/calendar",
    status_code=204,
    tags=["reminders"],
    summary="Stop her calendar feed URL",
    responses=AUTH_RESPONSES,
)
def api_calendar_revoke(
    request: Request,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
) -> Response:
    reminder_services.revoke_calendar_feed(uow=uow_of(request), actor=principal.user)
    return Response(status_code=204)


@router.post(
    "/api/v1/me/share/stop",
    status_code=204,
    tags=["accounts"],
    summary="Stop sharing my record with a clinician (by e-mail; nothing changes if not shared)",
    responses=AUTH_RESPONSES,
)
def api_stop_sharing(
    request: Request,
    body: ShareIn,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
    _strict: None = Depends(strict_json(ShareIn)),
) -> Response:
    account_services.stop_sharing(
        uow=uow_of(request), actor=principal.user, clinician_email=body.clinician_email
    )
    return Response(status_code=204)


@router.post(
    "/api/v1/me/delete",
    response_model=AccountDeletedOut,
    tags=["accounts"],
    summary="Delete my account and my personal data (confirmation words and password); the "
    "answer says exactly what remains",
    responses={
        **AUTH_RESPONSES,
        429: {"model": Message, "description": "too many wrong passwords on this account"},
    },
)
def api_delete_account(
    request: Request,
    body: DeleteAccountIn,
    principal: Principal = Depends(require_principal),
    _csrf: None = Depends(verify_csrf),
    _strict: None = Depends(strict_json(DeleteAccountIn)),
) -> Response:
    deleted = account_services.delete_account(
        uow=uow_of(request),
        actor=principal.user,
        password=body.password,
        confirmation=body.confirmation,
        policy=request.app.state.sign_in_policy,
    )
    out = AccountDeletedOut(
        pseudonym=deleted.pseudonym,
        removed=deleted.removed,
        audit_entries_kept=deleted.audit_entries_kept,
        what_remains=WHAT_REMAINS.format(
            kept=deleted.audit_entries_kept, pseudonym=deleted.pseudonym
        ),
    )
    response = JSONResponse(out.model_dump())
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(DEVICE_COOKIE, path="/")
    return response
