"""Logged exercise sessions: one row per session, tied to a stored patient."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.exercise.adherence import LoggedSession
from bonewise.store.base import MAX_REASON_CHARS, Base, utcnow
from bonewise.store.patients import PatientNotFound, PatientRow


class ExerciseSessionRow(Base):
    __tablename__ = "exercise_sessions"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    performed_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    exercise_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    effort: Mapped[int | None] = mapped_column(Integer)
    sets: Mapped[int | None] = mapped_column(Integer)
    reps: Mapped[int | None] = mapped_column(Integer)
    load_kg: Mapped[float | None] = mapped_column(Float)
    pain: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A withdrawn session stays for the trail but leaves the week, streaks and plan (0009).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(MAX_REASON_CHARS))
    replaced_by: Mapped[int | None] = mapped_column(Integer)  # the correcting session's id


class ExerciseLogRepository:
    """Sessions in and out as validated LoggedSession values. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, patient_id: str, logged: LoggedSession) -> int:
        """Store one session for an existing patient; raises PatientNotFound otherwise."""
        if self.session.get(PatientRow, patient_id) is None:
            raise PatientNotFound(patient_id)
        row = ExerciseSessionRow(
            patient_id=patient_id,
            performed_on=logged.performed_on,
            exercise_id=logged.exercise_id,
            kind=logged.kind,
            minutes=logged.minutes,
            effort=logged.effort,
            sets=logged.sets,
            reps=logged.reps,
            load_kg=logged.load_kg,
            pain=logged.pain,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def entries(
        self, *, patient_id: str, start: date, end: date
    ) -> list[tuple[int, LoggedSession]]:
        """Her sessions in force from `start` to `end` with their ids (to correct them)."""
        rows = self.session.connection().execute(
            _ENTRIES, {"patient_id": patient_id, "start": start, "end": end}
        )
        return [(row[0], LoggedSession(*row[1:])) for row in rows]  # type: ignore[arg-type]

    def withdraw(
        self, *, patient_id: str, session_id: int, reason: str, replaced_by: int | None = None
    ) -> LoggedSession | None:
        """Take one of her sessions out of force, keeping the row for the trail; returns the
        session as it was (None: not hers, unknown or already withdrawn)."""
        row = self.session.get(ExerciseSessionRow, session_id)
        if row is None or row.patient_id != patient_id or row.withdrawn_at is not None:
            return None
        original = LoggedSession(*(getattr(row, c.name) for c in _COLUMNS))  # type: ignore[arg-type]
        row.withdrawn_at = utcnow()
        row.withdrawn_reason = reason[:MAX_REASON_CHARS]
        row.replaced_by = replaced_by
        self.session.flush()
        return original

    def between(self, *, patient_id: str, start: date, end: date) -> list[LoggedSession]:
        """Her sessions from `start` to `end` inclusive, oldest first."""
        return self._sessions(_BETWEEN, patient_id=patient_id, start=start, end=end)

    def up_to(self, *, patient_id: str, end: date) -> list[LoggedSession]:
        """All her sessions on or before `end`, oldest first (empty when she has none)."""
        return self._sessions(_UP_TO, patient_id=patient_id, end=end)

    def _sessions(self, statement: Select[Any], **params: object) -> list[LoggedSession]:
        # Core rows through the session's connection: the log is read on every dashboard.
        rows = self.session.connection().execute(statement, params)
        return [LoggedSession(*row) for row in rows]  # type: ignore[arg-type]  # kind: checked on add

    def count(self, *, patient_id: str) -> int:
        query = select(func.count()).where(
            ExerciseSessionRow.patient_id == patient_id, ExerciseSessionRow.withdrawn_at.is_(None)
        )
        return int(self.session.scalar(query) or 0)


_T: Table = ExerciseSessionRow.__table__  # type: ignore[assignment]
_COLUMNS = (
    _T.c.performed_on,
    _T.c.exercise_id,
    _T.c.kind,
    _T.c.minutes,
    _T.c.effort,
    _T.c.sets,
    _T.c.reps,
    _T.c.load_kg,
    _T.c.pain,
)
_UP_TO = (
    select(*_COLUMNS)
    .where(
        _T.c.patient_id == bindparam("patient_id"),
        _T.c.performed_on <= bindparam("end"),
        _T.c.withdrawn_at.is_(None),
    )
    .order_by(_T.c.performed_on, _T.c.id)
)
_BETWEEN = _UP_TO.where(_T.c.performed_on >= bindparam("start"))
_ENTRIES = _BETWEEN.with_only_columns(_T.c.id, *_COLUMNS)
