"""FastAPI dependencies that decide access before a handler runs (401, 403, CSRF)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from bonewise.services.access import Forbidden, authorize
from bonewise.store.accounts import User
from bonewise.store.uow import UnitOfWork
from bonewise.web.security import (
    NotAuthenticated,
    Principal,
    check_csrf,
    csrf_sent,
    factory_of,
    principal_in,
)


def uow_of(request: Request) -> UnitOfWork:
    """A unit of work on the app's store, for the services one request calls."""
    return UnitOfWork(factory_of(request))


PatientId = Path(min_length=1, max_length=64, description="the patient record's id")


@dataclass(frozen=True, slots=True)
class PatientAccess:
    principal: Principal
    patient_id: str

    @property
    def user(self) -> User:
        return self.principal.user


@dataclass(frozen=True, slots=True)
class SignedInPage:
    """A signed-in page, before anything is looked up: its handler (in the one worker thread
    the request gets) calls `open()`, so the sign-in lookup, the access check, the page's
    reads and its audited read are one transaction on one session, not one each."""

    request: Request
    clinicians_only: bool = False

    @contextmanager
    def open(self) -> Iterator[tuple[UnitOfWork, Principal]]:
        """The request's unit of work (held: enter it as usual) and who is signed in;
        NotAuthenticated (sign in first) or Forbidden (a patient on a clinician's page)."""
        uow = uow_of(self.request)
        with uow.held():
            principal = principal_in(uow, self.request)
            if principal is None:
                raise NotAuthenticated()
            if self.clinicians_only and not principal.user.is_clinician:
                raise Forbidden("this page is for clinicians")
            yield uow, principal


@dataclass(frozen=True, slots=True)
class PatientPage:
    """`SignedInPage` about one patient record (access is checked by the page's service)."""

    request: Request
    patient_id: str

    @contextmanager
    def open(self) -> Iterator[tuple[UnitOfWork, PatientAccess]]:
        with SignedInPage(self.request).open() as (uow, principal):
            yield uow, PatientAccess(principal, self.patient_id)


# Async on purpose, and the only dependency of their pages: nothing here blocks, so FastAPI
# resolves them on the event loop instead of sending each to the thread pool.
async def patient_page(request: Request, patient_id: str = PatientId) -> PatientPage:
    return PatientPage(request, patient_id)


async def clinician_page(request: Request) -> SignedInPage:
    return SignedInPage(request, clinicians_only=True)


async def submitted_form(request: Request) -> FormData:
    """The posted form, read on the event loop (parsed once: the CSRF check read it too), so
    the handler itself can be a plain function that FastAPI runs in the thread pool: a store
    call in an `async def` handler would hold up every other request while it waits."""
    return await request.form()


def patient_reader(request: Request, patient_id: str = PatientId) -> PatientAccess:
    """Who is signed in and that she may read this record: the sign-in lookup and the access
    check in one transaction on one session (one dependency, one thread-pool hop)."""
    uow = uow_of(request)
    with uow.held():
        principal = principal_in(uow, request)
        if principal is None:
            raise NotAuthenticated()
        authorize(uow=uow, actor=principal.user, patient_id=patient_id, access="read")
    return PatientAccess(principal, patient_id)


def _write_access(
    request: Request,
    patient_id: str,
    sent: str | None,
    *,
    own_only: bool = False,
    clinicians_only: bool = False,
) -> PatientAccess:
    """Who is signed in, that the request came from our own page (CSRF) and that she may
    write to this record: one transaction on one session, in the one thread-pool hop of one
    dependency (the sent token was read on the event loop by `csrf_sent`). Checked in this
    order: 401, CSRF 403, then access (403/404)."""
    uow = uow_of(request)
    with uow.held():
        principal = principal_in(uow, request)
        if principal is None:
            raise NotAuthenticated()
        check_csrf(request, principal, sent)
        user = principal.user
        if own_only and (user.is_clinician or user.patient_id != patient_id):
            raise Forbidden("only the patient herself can add to her diary and log")
        authorize(uow=uow, actor=user, patient_id=patient_id, access="write")
        if clinicians_only and not user.is_clinician:
            raise Forbidden(
                "only her linked clinician can enter FRAX results and bone-directed therapy"
            )
    return PatientAccess(principal, patient_id)


CsrfSent = Annotated[str | None, Depends(csrf_sent)]


def patient_writer(request: Request, sent: CsrfSent, patient_id: str = PatientId) -> PatientAccess:
    return _write_access(request, patient_id, sent)


def own_patient_writer(
    request: Request, sent: CsrfSent, patient_id: str = PatientId
) -> PatientAccess:
    """Writes only the patient herself makes (her food diary, her exercise log)."""
    return _write_access(request, patient_id, sent, own_only=True)


def clinician_writer(
    request: Request, sent: CsrfSent, patient_id: str = PatientId
) -> PatientAccess:
    """Clinical entries only her linked clinician makes (FRAX results, bone-directed therapy);
    the patient may read them but not change them."""
    return _write_access(request, patient_id, sent, clinicians_only=True)


AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"description": "not signed in (no or expired session)"},
    403: {
        "description": "signed in, but this record is not yours or not linked to you, "
        "or the CSRF token is missing"
    },
}
PATIENT_RESPONSES: dict[int | str, dict[str, object]] = {
    **AUTH_RESPONSES,
    404: {"description": "no such patient record"},
}


def strict_json(model: type[BaseModel]) -> Callable[[Request], Awaitable[None]]:
    """A dependency that validates the raw JSON body against `model` in pydantic's strict mode,
    so the API refuses what its schema forbids (0 for a boolean, "5" for a number, 0 for a
    date) instead of quietly coercing it. FastAPI's own (lax) parse still documents the body."""

    async def check(request: Request) -> None:
        raw = await request.body()
        try:
            model.model_validate_json(raw or b"null", strict=True)
        except ValidationError as exc:
            raise RequestValidationError(
                [
                    {"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]}
                    for e in exc.errors(include_url=False)
                ]
            ) from exc

    return check


DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


# A stored row's id in a path: bounded, so a huge number is a 422, not a database overflow.
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the entry's id")]
