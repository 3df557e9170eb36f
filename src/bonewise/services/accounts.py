"""Accounts: sign up, sign in, sign out (here or everywhere), password change, who am I.

Sign-in follows the OWASP Authentication Cheat Sheet so that nobody can lock a patient or her
clinician out: wrong passwords earn growing delays (per account and per client address) instead
of a hard lockout, a device that has signed in to the account before (a signed device cookie,
kept by the web layer) is never refused the correct password, and the counters live in the
database, so every worker shares them. Sign-up is rate limited per address and gives the same
answer, in about the same time, whether or not the e-mail already has an account.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bonewise.services.access import (
    Actor,
    Forbidden,
    InvalidInput,
    audit_write,
)
from bonewise.store.accounts import (
    AccountError,
    ThrottleRule,
    User,
    WebSession,
    check_password,
    hash_password,
    normalise_email,
    validate_new_user,
)
from bonewise.store.base import utcnow
from bonewise.store.uow import UnitOfWork


class InvalidCredentials(Exception):
    def __init__(self) -> None:
        super().__init__("e-mail or password not recognised")


class TooManyAttempts(Exception):
    def __init__(self, retry_after_s: int, what: str = "failed sign-in attempts") -> None:
        super().__init__(f"too many {what}; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """A browser that signed in to `user_id` before (from its signed device cookie)."""

    user_id: int
    nonce: str


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    """How many failures cost nothing, and how the wait grows after that (policy values, not
    clinical ones: OWASP gives the method, not the numbers)."""

    account: ThrottleRule = field(
        default_factory=lambda: ThrottleRule(
            free=3, base_delay_s=2, max_delay_s=300, forget_after=timedelta(hours=1)
        )
    )
    address: ThrottleRule = field(
        default_factory=lambda: ThrottleRule(
            free=20, base_delay_s=2, max_delay_s=300, forget_after=timedelta(hours=1)
        )
    )
    device: ThrottleRule = field(
        default_factory=lambda: ThrottleRule(
            free=5, base_delay_s=2, max_delay_s=300, forget_after=timedelta(hours=1)
        )
    )
    signup: ThrottleRule = field(
        default_factory=lambda: ThrottleRule(
            free=20, base_delay_s=10, max_delay_s=900, forget_after=timedelta(hours=1)
        )
    )
    # Reset requests per client address (each one may send an e-mail).
    reset: ThrottleRule = field(
        default_factory=lambda: ThrottleRule(
            free=10, base_delay_s=10, max_delay_s=900, forget_after=timedelta(hours=1)
        )
    )
    # How long a password-reset link works (OWASP Forgot Password Cheat Sheet: short-lived).
    reset_link_lifetime: timedelta = timedelta(hours=1)


DEFAULT_POLICY = SignInPolicy()


def _account_key(email: str) -> str:
    return "account:" + normalise_email(email)[:254]


def _address_key(client: str) -> str:
    return "address:" + client[:64]


def _device_key(device: KnownDevice) -> str:
    return f"device:{device.user_id}:{device.nonce[:64]}"


def _signup_key(client: str) -> str:
    return "signup:" + client[:64]


def _reset_key(client: str) -> str:
    return "reset:" + client[:64]


def _invalid(exc: AccountError) -> InvalidInput:
    return InvalidInput.field(exc.field, str(exc).split(": ", 1)[1])


def _retry_after(wait_s: float) -> int:
    return max(1, math.ceil(wait_s))


# --- sign up ---------------------------------------------------------------------------------
def sign_up_patient(
    *,
    uow: UnitOfWork,
    email: str,
    name: str,
    password: str,
    client: str = "unknown",
    policy: SignInPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> User | None:
    """Create a patient account. The caller answers the same either way: the new user, or None
    when the address already has an account (nothing changes then, and the same argon2 work is
    done, so the time taken does not tell either). Raises InvalidInput for a bad field and
    TooManyAttempts when this address has signed up too often."""
    try:
        validate_new_user(normalise_email(email), name, "patient", password)
    except AccountError as exc:
        raise _invalid(exc) from exc
    with uow:
        throttle = uow.throttle
        wait = throttle.wait_s(_signup_key(client), now=now)
        if wait > 0:
            raise TooManyAttempts(_retry_after(wait), "sign-ups from this address")
        throttle.failed(_signup_key(client), policy.signup, now=now)
        accounts = uow.accounts
        if accounts.find_by_email(email) is not None:
            hash_password(password)  # the same work a new account costs
            uow.audit.record(
                actor=None,
                actor_email=normalise_email(email)[:254],
                action="signup-dup",
                what="sign-up for an address that has an account",
                patient_id=None,
            )
            uow.commit()
            return None
        user = accounts.create_user(email=email, name=name, role="patient", password=password)
        uow.audit.record(actor=user, action="write", what="account created", patient_id=None)
        try:
            uow.commit()
        except IntegrityError:
            return None  # the same address signed up at the same moment elsewhere
        return user


def create_user(
    *,
    uow: UnitOfWork,
    actor: Actor,
    email: str,
    name: str,
    role: str,
    password: str,
) -> User:
    """Create an account of either role (the CLI, the demo and tests; audited as `actor`)."""
    with uow:
        try:
            user = uow.accounts.create_user(email=email, name=name, role=role, password=password)
        except AccountError as exc:
            raise _invalid(exc) from exc
        audit_write(uow, actor, what=f"account created ({user.role})", patient_id=None)
        uow.commit()
        return user


# --- sign in and out -----------------------------------------------------------------------
def sign_in(
    *,
    uow: UnitOfWork,
    email: str,
    password: str,
    client: str,
    device: KnownDevice | None = None,
    policy: SignInPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> WebSession:
    """A new session for the right password. Wrong passwords slow down further attempts on the
    account and from the address (TooManyAttempts with the wait), except from a device that
    signed in to this account before: there only that device's own failures count."""
    account_key, address_key = _account_key(email), _address_key(client)
    with uow:
        accounts = uow.accounts
        throttle = uow.throttle
        trusted = False
        if device is not None:
            owner = accounts.find_by_email(email)
            trusted = owner is not None and owner.id == device.user_id
        keys = [_device_key(device)] if trusted and device else [account_key, address_key]
        wait = max(throttle.wait_s(key, now=now) for key in keys)
        if wait > 0:
            raise TooManyAttempts(_retry_after(wait))
        user = accounts.authenticate(email=email, password=password)
        if user is None:
            if trusted and device is not None:
                throttle.failed(_device_key(device), policy.device, now=now)
            else:
                throttle.failed(account_key, policy.account, now=now)
                throttle.failed(address_key, policy.address, now=now)
            uow.audit.record(
                actor=None,
                actor_email=normalise_email(email)[:254],
                action="login-fail",
                what="sign-in refused",
                patient_id=None,
            )
            uow.commit()
            raise InvalidCredentials()
        throttle.clear(account_key)
        if trusted and device is not None:
            throttle.clear(_device_key(device))
        accounts.purge_expired_sessions()
        web_session = accounts.open_session(user)
        uow.audit.record(actor=user, action="login", what="signed in", patient_id=user.patient_id)
        uow.commit()
        return web_session


def sign_out(*, uow: UnitOfWork, token: str) -> None:
    with uow:
        uow.accounts.close_session(token)
        uow.commit()


def sign_out_everywhere(*, uow: UnitOfWork, actor: User) -> int:
    """End every session of this account, on every device (this one too); how many."""
    with uow:
        closed = uow.accounts.close_all_sessions(actor.id)
        uow.audit.record(
            actor=actor,
            action="write",
            what=f"signed out everywhere ({closed} session(s))",
            patient_id=actor.patient_id,
        )
        uow.commit()
        return closed


def change_password(
    *,
    uow: UnitOfWork,
    actor: User,
    current_password: str,
    new_password: str,
    keep_token: str | None = None,
    policy: SignInPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> int:
    """Replace her password after checking the current one; every other session ends (the one
    `keep_token` names stays). Returns how many sessions ended. A wrong current password counts
    as a failed sign-in on the account."""
    with uow:
        accounts = uow.accounts
        throttle = uow.throttle
        key = _account_key(actor.email)
        wait = throttle.wait_s(key, now=now)
        if wait > 0:
            raise TooManyAttempts(_retry_after(wait))
        if not accounts.verify_password(actor.id, current_password):
            throttle.failed(key, policy.account, now=now)
            uow.commit()
            raise InvalidInput.field("current_password", "this is not your current password")
        try:
            accounts.set_password(actor.id, new_password)
        except AccountError as exc:
            raise _invalid(exc) from exc
        closed = accounts.close_all_sessions(actor.id, except_token=keep_token)
        uow.audit.record(
            actor=actor, action="write", what="password changed", patient_id=actor.patient_id
        )
        uow.commit()
        return closed


def current_user(*, uow: UnitOfWork, user_id: int) -> User:
    with uow:
        return uow.accounts.get_or_raise(user_id)


# --- password reset by e-mail ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ResetLink:
    """What the reset e-mail needs: to whom, and the raw token (known only here and in it)."""

    email: str
    name: str
    token: str
    expires_at: datetime


def request_password_reset(
    *,
    uow: UnitOfWork,
    email: str,
    client: str,
    policy: SignInPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> ResetLink | None:
    """A reset link for the account with this address, or None when there is none. The caller
    answers the same either way and sends the e-mail after answering, so neither the page nor
    its timing tells whether the address has an account. Rate limited per client address."""
    now = now or utcnow()
    with uow:
        wait = uow.throttle.wait_s(_reset_key(client), now=now)
        if wait > 0:
            raise TooManyAttempts(_retry_after(wait), "password reset requests from this address")
        uow.throttle.failed(_reset_key(client), policy.reset, now=now)
        user = uow.accounts.find_by_email(email) if len(email) <= 254 else None
        if user is None:
            uow.audit.record(
                actor=None,
                actor_email=normalise_email(email)[:254],
                action="reset-unknown",
                what="password reset asked for an address without an account",
                patient_id=None,
            )
            uow.commit()
            return None
        token = uow.accounts.issue_token(
            user.id, "reset", lifetime=policy.reset_link_lifetime, now=now
        )
        uow.audit.record(
            actor=user,
            action="write",
            what="password reset link sent by e-mail",
            patient_id=user.patient_id,
        )
        uow.commit()
        return ResetLink(user.email, user.name, token, now + policy.reset_link_lifetime)


def reset_link_is_live(*, uow: UnitOfWork, token: str, now: datetime | None = None) -> bool:
    with uow:
        return uow.accounts.token_owner(token, "reset", now=now) is not None


RESET_LINK_DEAD = (
    "this reset link has expired or was already used: ask for a new one on the "
    "'Forgot your password?' page"
)


def reset_password(
    *, uow: UnitOfWork, token: str, new_password: str, now: datetime | None = None
) -> User:
    """Set a new password with a reset link's token: the token is spent (single use), every
    session of the account ends, and the account's sign-in delays are cleared."""
    try:
        check_password(new_password, "new_password")
    except AccountError as exc:
        raise _invalid(exc) from exc
    with uow:
        user = uow.accounts.use_token(token, "reset", now=now)
        if user is None:
            raise InvalidInput.field("token", RESET_LINK_DEAD)
        uow.accounts.set_password(user.id, new_password)
        closed = uow.accounts.close_all_sessions(user.id)
        uow.throttle.clear(_account_key(user.email))
        uow.audit.record(
            actor=user,
            action="write",
            what=f"password reset by e-mail link; {closed} session(s) ended",
            patient_id=user.patient_id,
        )
        uow.commit()
        return user


# --- deleting her account ---------------------------------------------------------------
CONFIRM_DELETE = "delete my account"


@dataclass(frozen=True, slots=True)
class AccountDeleted:
    pseudonym: str
    removed: dict[str, int]
    audit_entries_kept: int


def delete_account(
    *,
    uow: UnitOfWork,
    actor: User,
    password: str,
    confirmation: str,
    policy: SignInPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> AccountDeleted:
    """Delete her account after she types the confirmation and her password: her record, diary,
    exercise log, check-ins, sessions, tokens, reminders and care links go. The audit trail
    stays, every entry about her rewritten to a random pseudonymous id (no name, e-mail, record
    id or details). A wrong password counts as a failed sign-in on the account."""
    if confirmation.strip().lower() != CONFIRM_DELETE:
        raise InvalidInput.field(
            "confirmation", f"type '{CONFIRM_DELETE}' to confirm; nothing was deleted"
        )
    with uow:
        key = _account_key(actor.email)
        wait = uow.throttle.wait_s(key, now=now)
        if wait > 0:
            raise TooManyAttempts(_retry_after(wait))
        if not uow.accounts.verify_password(actor.id, password):
            uow.throttle.failed(key, policy.account, now=now)
            uow.commit()
            raise InvalidInput.field("password", "this is not your password; nothing was deleted")
        pseudonym = "deleted-" + secrets.token_hex(8)
        erased = uow.accounts.erase(actor.id, pseudonym=pseudonym)
        uow.audit.record(
            actor=None,
            actor_email=pseudonym,
            action="delete",
            what="account and personal data deleted at her request",
            patient_id=pseudonym if actor.patient_id else None,
            detail={"rows_removed": erased.removed},
        )
        uow.commit()
        return AccountDeleted(pseudonym, erased.removed, erased.audit_entries_kept + 1)


# --- stop sharing her record -------------------------------------------------------------
def stop_sharing(*, uow: UnitOfWork, actor: User, clinician_email: str) -> bool:
    """She ends a clinician's access to her record (the clinician found by e-mail). True when a
    share ended; False when there was none (nothing changes then). Her audit log keeps the
    share's history: when it began, and now when it ended and by whom."""
    if actor.is_clinician or actor.patient_id is None:
        raise Forbidden("only a patient with a record can stop sharing it")
    with uow:
        clinician = (
            uow.accounts.find_by_email(clinician_email) if len(clinician_email) <= 254 else None
        )
        if clinician is None or not uow.accounts.is_linked(
            clinician_id=clinician.id, patient_id=actor.patient_id
        ):
            return False
        uow.accounts.unlink(clinician_id=clinician.id, patient_id=actor.patient_id)
        audit_write(
            uow,
            actor,
            what=f"stopped sharing record with {clinician.email}",
            patient_id=actor.patient_id,
        )
        uow.commit()
        return True
