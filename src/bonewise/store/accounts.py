"""Accounts: users (patient or clinician), care links, server-side sessions and the audit log.

Passwords are hashed with argon2 (pwdlib). Session tokens are random and stored only as their
SHA-256 digest, so a copy of the database does not let anyone sign in. The audit log records
every clinician read and every write: who, what, when.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from graphlib import TopologicalSorter
from typing import Any, ClassVar, Literal, cast

from email_validator import EmailNotValidError, validate_email
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    bindparam,
    column,
    delete,
    false,
    func,
    insert,
    select,
    table,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.store.base import Base, utcnow
from bonewise.store.patients import PatientNotFound, PatientRow, PatientVersionRow

Role = Literal["patient", "clinician"]
TokenPurpose = Literal["reset", "calendar"]
ROLES: tuple[Role, ...] = ("patient", "clinician")
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

# Argon2id with the OWASP Password Storage Cheat Sheet's first configuration
# (19 MiB memory, 2 iterations, 1 lane): strong, and fast enough for a 2-core server.
_hasher = PasswordHash((Argon2Hasher(memory_cost=19_456, time_cost=2, parallelism=1),))


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    patient_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("patients.id"), unique=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CareLinkRow(Base):
    __tablename__ = "care_links"

    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SignInThrottleRow(Base):
    """Failed attempts per key (an account, a client address, a device, sign-ups from an
    address), shared by every worker through the database."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked_until: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )


class AccountTokenRow(Base):
    """A single-purpose secret sent to her (a password-reset link, her calendar feed's URL),
    kept only as its SHA-256 digest."""

    __tablename__ = "account_tokens"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)  # reset | calendar
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReminderSentRow(Base):
    """One reminder e-mail sent: the key makes `reminders send` idempotent."""

    __tablename__ = "reminders_sent"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_email: Mapped[str] = mapped_column(String(254), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # read | write | login ...
    what: Mapped[str] = mapped_column(String(200), nullable=False)
    patient_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    role: Role
    patient_id: str | None

    @property
    def is_clinician(self) -> bool:
        return self.role == "clinician"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor_email: str
    actor_role: str
    action: str
    what: str
    patient_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WebSession:
    token: str  # the raw token: only ever known right after creation or from the cookie
    user: User
    csrf_token: str
    expires_at: datetime


class AccountError(ValueError):
    """Bad account input: the message names the field, the value and what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UserNotFound(LookupError):
    def __init__(self, key: object) -> None:
        super().__init__(f"no user {key!r}")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The address, normalised, if it is a usable e-mail address (syntax only: no DNS)."""
    shown = email if len(email) <= 60 else email[:60] + "..."
    if len(email) > 254:
        raise AccountError("email", f"{shown!r} is longer than 254 characters")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(
            "email", f"{shown!r} is not an e-mail address like name@example.org ({exc})"
        ) from None
    return normalise_email(email)


def check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(field, f"{len(password)} characters; use at least {MIN_PASSWORD_LENGTH}")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(field, f"{len(password)} characters; use at most {MAX_PASSWORD_LENGTH}")


def validate_new_user(email: str, name: str, role: str, password: str) -> None:
    check_email(email)
    if not name.strip() or len(name) > 120:
        shown = name if len(name) <= 60 else name[:60] + "..."
        raise AccountError("name", f"{shown!r}: give a name of 1 to 120 characters")
    if role not in ROLES:
        raise AccountError("role", f"{role[:20]!r} is not one of {', '.join(ROLES)}")
    check_password(password)


def hash_password(password: str) -> str:
    """An argon2id hash (also used to spend the same time when no account is created)."""
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user(row: UserRow) -> User:
    return User(row.id, row.email, row.name, row.role, row.patient_id)  # type: ignore[arg-type]


_FIND_SESSION = (
    select(
        WebSessionRow.expires_at,
        WebSessionRow.csrf_token,
        UserRow.id,
        UserRow.email,
        UserRow.name,
        UserRow.role,
        UserRow.patient_id,
    )
    .join(UserRow, UserRow.id == WebSessionRow.user_id)
    .where(WebSessionRow.token_sha256 == bindparam("digest"))
)


class AccountRepository:
    """Users, care links and sessions. Never commits: the unit of work does."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- users ---------------------------------------------------------------------------
    def create_user(self, *, email: str, name: str, role: str, password: str) -> User:
        email = normalise_email(email)
        validate_new_user(email, name, role, password)
        if self.find_by_email(email) is not None:
            raise AccountError("email", f"{email!r} already has an account; sign in instead")
        row = UserRow(
            email=email, name=name.strip(), role=role, password_hash=_hasher.hash(password)
        )
        self.session.add(row)
        self.session.flush()
        return _user(row)

    def find_by_email(self, email: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))
        return _user(row) if row else None

    def get_or_raise(self, user_id: int) -> User:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise UserNotFound(user_id)
        return _user(row)

    def authenticate(self, *, email: str, password: str) -> User | None:
        """The user if the password matches; None otherwise (same cost either way)."""
        row = self.session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))
        if row is None:
            _hasher.verify(password, _DUMMY_HASH)
            return None
        return _user(row) if _hasher.verify(password, row.password_hash) else None

    def attach_patient(self, *, user_id: int, patient_id: str) -> User:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise UserNotFound(user_id)
        if row.role != "patient":
            raise AccountError("role", "only a patient account can own a patient record")
        row.patient_id = patient_id
        self.session.flush()
        return _user(row)

    def owner_of(self, patient_id: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.patient_id == patient_id))
        return _user(row) if row else None

    def owner_names(self, patient_ids: list[str]) -> dict[str, str]:
        """The account holder's name for each of these records that has one (one query)."""
        if not patient_ids:
            return {}
        rows = self.session.execute(
            select(UserRow.patient_id, UserRow.name).where(UserRow.patient_id.in_(patient_ids))
        )
        return {str(pid): str(name) for pid, name in rows}

    # --- care links ------------------------------------------------------------------------
    def link(self, *, clinician_id: int, patient_id: str) -> None:
        clinician = self.get_or_raise(clinician_id)
        if not clinician.is_clinician:
            raise AccountError("clinician", f"{clinician.email} is not a clinician account")
        if not self.is_linked(clinician_id=clinician_id, patient_id=patient_id):
            self.session.add(CareLinkRow(clinician_id=clinician_id, patient_id=patient_id))
            self.session.flush()

    def unlink(self, *, clinician_id: int, patient_id: str) -> None:
        self.session.execute(
            delete(CareLinkRow).where(
                CareLinkRow.clinician_id == clinician_id, CareLinkRow.patient_id == patient_id
            )
        )

    def is_linked(self, *, clinician_id: int, patient_id: str) -> bool:
        # Asked on every clinician request: one cached SQL statement, no ORM load.
        self.session.flush()  # a link added in this unit of work counts
        found = self.session.connection().execute(
            _LINKED, {"clinician_id": clinician_id, "patient_id": patient_id}
        )
        return found.first() is not None

    def linked_patient_ids(self, clinician_id: int) -> list[str]:
        return list(
            self.session.scalars(
                select(CareLinkRow.patient_id)
                .where(CareLinkRow.clinician_id == clinician_id)
                .order_by(CareLinkRow.patient_id)
            )
        )

    def linked_versions(self, clinician_id: int) -> dict[str, int]:
        """Her linked patients' ids (in order) with each one's data version (see
        PatientRepository.version_or_raise), in one statement: a clinician's panel."""
        rows = self.session.connection().execute(_LINKED_VERSIONS, {"clinician_id": clinician_id})
        return {pid: int(version) for pid, version in rows}

    def linked_version(self, *, clinician_id: int, patient_id: str) -> int | None:
        """Her data version if this clinician is linked to her (None: not linked), in one
        statement: the link check and the version a clinician's page of hers reads. Raises
        PatientNotFound for a link to no record."""
        self.session.flush()  # a link added in this unit of work counts
        found = (
            self.session.connection()
            .execute(_LINKED_VERSION, {"clinician_id": clinician_id, "patient_id": patient_id})
            .first()
        )
        if found is None:
            return None
        exists, version = found
        if not exists:
            raise PatientNotFound(patient_id)
        return int(version)

    def clinicians_of(self, patient_id: str) -> list[User]:
        rows = self.session.scalars(
            select(UserRow)
            .join(CareLinkRow, CareLinkRow.clinician_id == UserRow.id)
            .where(CareLinkRow.patient_id == patient_id)
            .order_by(UserRow.email)
        )
        return [_user(r) for r in rows]

    # --- sessions --------------------------------------------------------------------------
    def open_session(self, user: User, *, now: datetime | None = None) -> WebSession:
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = now + SESSION_LIFETIME
        self.session.add(
            WebSessionRow(
                token_sha256=_digest(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
            )
        )
        self.session.flush()
        return WebSession(token, user, csrf, expires)

    def find_session(self, token: str, *, now: datetime | None = None) -> WebSession | None:
        """The live session for a raw token; None if unknown or expired."""
        if not token or len(token) > 128:
            return None
        # The session and its user in one Core query through the session's connection (every
        # signed-in request asks this first; no ORM objects are needed to answer it).
        found = self.session.connection().execute(_FIND_SESSION, {"digest": _digest(token)}).first()
        if found is None:
            return None
        expires_at, csrf_token, user_id, email, name, role, patient_id = found
        role = cast(Role, role)
        if _aware(expires_at) <= (now or utcnow()):
            return None
        user = User(user_id, email, name, role, patient_id)  # role: checked on create
        return WebSession(token, user, csrf_token, expires_at)

    def close_session(self, token: str) -> None:
        self.session.execute(
            delete(WebSessionRow).where(WebSessionRow.token_sha256 == _digest(token))
        )

    def close_all_sessions(self, user_id: int, *, except_token: str | None = None) -> int:
        """End every session of this user (but the one `except_token` names); how many."""
        query = delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
        if except_token:
            query = query.where(WebSessionRow.token_sha256 != _digest(except_token))
        return int(self.session.execute(query).rowcount or 0)  # type: ignore[attr-defined]

    def verify_password(self, user_id: int, password: str) -> bool:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise UserNotFound(user_id)
        return bool(_hasher.verify(password, row.password_hash))

    def set_password(self, user_id: int, password: str) -> None:
        check_password(password, "new_password")
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise UserNotFound(user_id)
        row.password_hash = _hasher.hash(password)
        self.session.flush()

    # --- single-purpose tokens (password reset, calendar feed) ----------------------------
    def issue_token(
        self,
        user_id: int,
        purpose: TokenPurpose,
        *,
        lifetime: timedelta | None,
        now: datetime | None = None,
    ) -> str:
        """A new raw token for `purpose` (only its digest is kept); earlier unused tokens of the
        same purpose stop working, so only the newest link or feed URL is live."""
        now = now or utcnow()
        self.revoke_tokens(user_id, purpose)
        token = secrets.token_urlsafe(32)
        self.session.add(
            AccountTokenRow(
                token_sha256=_digest(token),
                user_id=user_id,
                purpose=purpose,
                created_at=now,
                expires_at=now + lifetime if lifetime is not None else None,
            )
        )
        self.session.flush()
        return token

    def _live(self, token: str, purpose: TokenPurpose, now: datetime) -> Any:
        return (
            (AccountTokenRow.token_sha256 == _digest(token))
            & (AccountTokenRow.purpose == purpose)
            & AccountTokenRow.used_at.is_(None)
            & (AccountTokenRow.expires_at.is_(None) | (AccountTokenRow.expires_at > now))
        )

    def token_owner(
        self, token: str, purpose: TokenPurpose, *, now: datetime | None = None
    ) -> User | None:
        """Whose live token this is (None if unknown, used, expired or revoked)."""
        if not token or len(token) > 128:
            return None
        user_id = self.session.scalar(
            select(AccountTokenRow.user_id).where(self._live(token, purpose, now or utcnow()))
        )
        return self.get_or_raise(user_id) if user_id is not None else None

    def use_token(
        self, token: str, purpose: TokenPurpose, *, now: datetime | None = None
    ) -> User | None:
        """Spend a single-use token: the owner, or None if it was not live. One statement, so
        two requests racing with the same link cannot both succeed."""
        if not token or len(token) > 128:
            return None
        now = now or utcnow()
        user_id = self.session.execute(
            update(AccountTokenRow)
            .where(self._live(token, purpose, now))
            .values(used_at=now)
            .returning(AccountTokenRow.user_id)
        ).scalar_one_or_none()
        return self.get_or_raise(user_id) if user_id is not None else None

    def has_token(self, user_id: int, purpose: TokenPurpose) -> bool:
        found = self.session.scalar(
            select(AccountTokenRow.token_sha256).where(
                AccountTokenRow.user_id == user_id,
                AccountTokenRow.purpose == purpose,
                AccountTokenRow.used_at.is_(None),
            )
        )
        return found is not None

    def revoke_tokens(self, user_id: int, purpose: TokenPurpose | None = None) -> int:
        query = delete(AccountTokenRow).where(AccountTokenRow.user_id == user_id)
        if purpose is not None:
            query = query.where(AccountTokenRow.purpose == purpose)
        return int(self.session.execute(query).rowcount or 0)  # type: ignore[attr-defined]

    def erase(self, user_id: int, *, pseudonym: str) -> Erased:
        """Delete the account and her personal data; the audit log keeps a pseudonym."""
        return Erasure(self.session).erase(user_id, pseudonym=pseudonym)

    def patient_accounts(self) -> list[User]:
        """Every patient account with a record (the reminder run's list)."""
        rows = self.session.scalars(
            select(UserRow)
            .where(UserRow.role == "patient", UserRow.patient_id.is_not(None))
            .order_by(UserRow.id)
        )
        return [_user(r) for r in rows]

    # --- reminders sent by e-mail -------------------------------------------------------------
    def mark_reminder_sent(
        self, user_id: int, kind: str, due_on: date, *, now: datetime | None = None
    ) -> bool:
        """Record that this reminder goes out; False when it already had (the row is the
        lock: a second run at the same time waits, then finds it)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ReminderSentRow)
            .values(user_id=user_id, kind=kind, due_on=due_on, sent_at=now or utcnow())
            .on_conflict_do_nothing()
            .returning(ReminderSentRow.user_id)
        )
        return self.session.execute(statement).first() is not None

    def purge_expired_sessions(self, *, now: datetime | None = None) -> None:
        self.session.execute(
            delete(WebSessionRow).where(WebSessionRow.expires_at <= (now or utcnow()))
        )


@dataclass(frozen=True, slots=True)
class Erased:
    """What deleting an account removed (rows per table) and what stays: the audit entries,
    now under `pseudonym`."""

    pseudonym: str
    removed: dict[str, int]
    audit_entries_kept: int


class Erasure:
    """Deletes one account and every row of personal data that hangs off it, table by table as
    the database itself describes them (so tables added by later features, such as check-ins,
    are covered as long as they carry `patient_id` or a key to `users`). The audit log stays,
    rewritten to a pseudonym. Never commits: the unit of work does."""

    KEPT: ClassVar[frozenset[str]] = frozenset({"audit_log", "users", "patients"})

    def __init__(self, session: Session) -> None:
        self.session = session

    def erase(self, user_id: int, *, pseudonym: str) -> Erased:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise UserNotFound(user_id)
        email, name, patient_id = row.email, row.name, row.patient_id
        connection = self.session.connection()
        inspector = sa_inspect(connection)
        tables = {t: inspector.get_columns(t) for t in inspector.get_table_names()}
        keys = {t: inspector.get_foreign_keys(t) for t in tables}
        removed: dict[str, int] = {}

        def delete_where(name: str, condition: Any) -> None:
            count = self.session.execute(delete(table(name)).where(condition)).rowcount  # type: ignore[attr-defined]
            if count:
                removed[name] = removed.get(name, 0) + int(count)

        owners: dict[str, tuple[str, Any]] = {}  # table -> (column, her value)
        for name, columns in tables.items():
            if name in self.KEPT:
                continue
            names = {c["name"] for c in columns}
            if patient_id is not None and "patient_id" in names:
                owners[name] = ("patient_id", patient_id)
            for fk in keys[name]:
                if fk["referred_table"] == "users" and len(fk["constrained_columns"]) == 1:
                    owners.setdefault(name, (fk["constrained_columns"][0], user_id))
        # Rows of other tables that point at her rows go first (e.g. a scan's sites).
        graph: dict[str, set[str]] = {name: set() for name in owners}
        for name in tables:
            for fk in keys[name]:
                if fk["referred_table"] in owners and name != fk["referred_table"]:
                    graph.setdefault(name, set())
                    graph[fk["referred_table"]].add(name)
        for name in TopologicalSorter(graph).static_order():
            if name in self.KEPT:
                continue
            if name in owners:
                column_name, value = owners[name]
                delete_where(name, column(column_name) == value)
                continue
            for fk in keys[name]:
                parent = fk["referred_table"]
                if parent in owners and len(fk["constrained_columns"]) == 1:
                    parent_column, value = owners[parent]
                    mine: Any = (
                        select(column(fk["referred_columns"][0]))
                        .select_from(table(parent))
                        .where(column(parent_column) == value)
                    )
                    delete_where(name, column(fk["constrained_columns"][0]).in_(mine))
        # Sign-in delays kept under her address or her devices.
        delete_where(
            "sign_in_throttle",
            (column("key") == f"account:{email}") | column("key").startswith(f"device:{user_id}:"),
        )
        # The audit trail stays (who read or changed the record, and when), without her.
        hers = (
            (AuditRow.actor_id == user_id)
            | (AuditRow.actor_email == email)
            | (AuditRow.patient_id == patient_id if patient_id is not None else false())
        )
        kept = int(self.session.scalar(select(func.count()).select_from(AuditRow).where(hers)) or 0)
        # Details may quote her data; who else acted (a clinician's read) stays as it was.
        self.session.execute(
            update(AuditRow)
            .where(hers)
            .values(detail={})
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(AuditRow)
            .where(AuditRow.actor_id == user_id)
            .values(actor_id=None)
            .execution_options(synchronize_session=False)
        )
        for field in (AuditRow.actor_email, AuditRow.patient_id):
            self.session.execute(
                update(AuditRow)
                .where(field.in_([email] + ([patient_id] if patient_id else [])))
                .values({field: pseudonym})
                .execution_options(synchronize_session=False)
            )
        for said in filter(None, (email, name, patient_id)):
            self.session.execute(
                update(AuditRow)
                .where(AuditRow.what.contains(said, autoescape=True))
                .values(what=func.replace(AuditRow.what, said, pseudonym))
                .execution_options(synchronize_session=False)
            )
        self.session.execute(delete(UserRow).where(UserRow.id == user_id))
        removed["users"] = 1
        if patient_id is not None:
            delete_where("patients", column("id") == patient_id)
        self.session.flush()
        return Erased(pseudonym, removed, kept)


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """`free` failures cost nothing; each one after that doubles the wait, from `base_delay_s`
    up to `max_delay_s`. A key without a failure for `forget_after` starts again."""

    free: int
    base_delay_s: float
    max_delay_s: float
    forget_after: timedelta

    def delay_after(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return float(
            min(self.max_delay_s, self.base_delay_s * 2 ** min(failures - self.free - 1, 30))
        )


class SignInThrottle:
    """Growing delays per key, in the database so every worker sees the same counts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def wait_s(self, key: str, *, now: datetime | None = None) -> float:
        """Seconds until `key` may try again (0: now)."""
        until = self.session.scalar(
            select(SignInThrottleRow.blocked_until).where(SignInThrottleRow.key == key[:320])
        )
        if until is None:
            return 0.0
        return max(0.0, (_aware(until) - (now or utcnow())).total_seconds())

    def failed(self, key: str, rule: ThrottleRule, *, now: datetime | None = None) -> float:
        """Count one failure for `key` (atomically, whatever other workers do at the same time);
        the wait it now has, in seconds."""
        now = now or utcnow()
        key = key[:320]
        self.session.execute(
            delete(SignInThrottleRow).where(
                SignInThrottleRow.key == key,
                SignInThrottleRow.last_failure_at < now - rule.forget_after,
            )
        )
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(SignInThrottleRow).values(
            key=key, failures=1, last_failure_at=now, blocked_until=now
        )
        counted = statement.on_conflict_do_update(
            index_elements=[SignInThrottleRow.key],
            set_={
                "failures": SignInThrottleRow.failures + 1,
                "last_failure_at": statement.excluded.last_failure_at,
            },
        ).returning(SignInThrottleRow.failures)
        failures = int(self.session.execute(counted).scalar_one())
        delay = rule.delay_after(failures)
        self.session.execute(
            update(SignInThrottleRow)
            .where(SignInThrottleRow.key == key)
            .values(blocked_until=now + timedelta(seconds=delay))
        )
        return delay

    def failures(self, key: str) -> int:
        count = self.session.scalar(
            select(SignInThrottleRow.failures).where(SignInThrottleRow.key == key[:320])
        )
        return int(count or 0)

    def clear(self, key: str) -> None:
        self.session.execute(delete(SignInThrottleRow).where(SignInThrottleRow.key == key[:320]))

    def purge(self, *, older_than: timedelta, now: datetime | None = None) -> None:
        cutoff = (now or utcnow()) - older_than
        self.session.execute(
            delete(SignInThrottleRow).where(
                SignInThrottleRow.last_failure_at < cutoff,
                SignInThrottleRow.blocked_until < cutoff,
            )
        )


class AuditLog:
    """Append-only record of who read or wrote what, and when."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        *,
        actor: User | None,
        action: str,
        what: str,
        patient_id: str | None,
        detail: dict[str, Any] | None = None,
        actor_email: str | None = None,
        actor_role: str | None = None,
    ) -> None:
        # Written at once in the unit of work's transaction, as one plain INSERT (a clinician's
        # every page writes one; the ORM's unit-of-work flush cost more than the page).
        self.session.connection().execute(
            _AUDIT_INSERT,
            {
                "at": utcnow(),
                "actor_id": actor.id if actor else None,
                "actor_email": actor.email if actor else (actor_email or "anonymous"),
                "actor_role": actor.role if actor else (actor_role or "anonymous"),
                "action": action,
                "what": what[:200],
                "patient_id": patient_id,
                "detail": detail or {},
            },
        )

    def record_reads(self, *, actor: User, what: str, patient_ids: list[str]) -> None:
        """One read entry per record, written in one statement (a clinician's panel)."""
        if not patient_ids:
            return
        at = utcnow()
        self.session.connection().execute(
            _AUDIT_INSERT,
            [
                {
                    "at": at,
                    "actor_id": actor.id,
                    "actor_email": actor.email,
                    "actor_role": actor.role,
                    "action": "read",
                    "what": what[:200],
                    "patient_id": patient_id,
                    "detail": {},
                }
                for patient_id in patient_ids
            ],
        )

    def for_patient(self, patient_id: str, *, limit: int = 200) -> list[AuditEntry]:
        rows = self.session.scalars(
            select(AuditRow)
            .where(AuditRow.patient_id == patient_id)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .limit(limit)
        )
        return [
            AuditEntry(
                _aware(r.at), r.actor_email, r.actor_role, r.action, r.what, r.patient_id, r.detail
            )
            for r in rows
        ]

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(AuditRow)) or 0)


_LINKED = select(CareLinkRow.clinician_id).where(
    CareLinkRow.clinician_id == bindparam("clinician_id"),
    CareLinkRow.patient_id == bindparam("patient_id"),
)
_AUDIT_TABLE: Table = AuditRow.__table__  # type: ignore[assignment]
_AUDIT_INSERT = insert(_AUDIT_TABLE)
_LINKED_VERSIONS = (
    select(CareLinkRow.patient_id, func.coalesce(PatientVersionRow.version, 0))
    .join(PatientRow, PatientRow.id == CareLinkRow.patient_id)
    .outerjoin(PatientVersionRow, PatientVersionRow.patient_id == CareLinkRow.patient_id)
    .where(CareLinkRow.clinician_id == bindparam("clinician_id"))
    .order_by(CareLinkRow.patient_id)
)

_LINKED_VERSION = (
    select(PatientRow.id.is_not(None), func.coalesce(PatientVersionRow.version, 0))
    .select_from(CareLinkRow)
    .outerjoin(PatientRow, PatientRow.id == CareLinkRow.patient_id)
    .outerjoin(PatientVersionRow, PatientVersionRow.patient_id == CareLinkRow.patient_id)
    .where(
        CareLinkRow.clinician_id == bindparam("clinician_id"),
        CareLinkRow.patient_id == bindparam("patient_id"),
    )
)

_DUMMY_HASH = _hasher.hash("bonewise-timing-equaliser")
