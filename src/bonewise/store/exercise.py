"""Logged exercise sessions: one row per session, tied to a stored patient."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from bonewise.exercise.adherence import LoggedSession
from bonewise.store.base import Base, utcnow
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

    def between(self, *, patient_id: str, start: date, end: date) -> list[LoggedSession]:
        """Her sessions from `start` to `end` inclusive, oldest first."""
        return self._sessions(
            ExerciseSessionRow.patient_id == patient_id,
            ExerciseSessionRow.performed_on >= start,
            ExerciseSessionRow.performed_on <= end,
        )

    def up_to(self, *, patient_id: str, end: date) -> list[LoggedSession]:
        """All her sessions on or before `end`, oldest first (empty when she has none)."""
        return self._sessions(
            ExerciseSessionRow.patient_id == patient_id, ExerciseSessionRow.performed_on <= end
        )

    def _sessions(self, *where: ColumnElement[bool]) -> list[LoggedSession]:
        # Plain columns, not ORM objects: the log is read on every dashboard and plan.
        t = ExerciseSessionRow
        rows = self.session.execute(
            select(
                t.performed_on,
                t.exercise_id,
                t.kind,
                t.minutes,
                t.effort,
                t.sets,
                t.reps,
                t.load_kg,
                t.pain,
            )
            .where(*where)
            .order_by(t.performed_on, t.id)
        )
        return [LoggedSession(*row) for row in rows]  # type: ignore[arg-type]  # kind: checked on add

    def count(self, *, patient_id: str) -> int:
        query = select(func.count()).where(ExerciseSessionRow.patient_id == patient_id)
        return int(self.session.scalar(query) or 0)
