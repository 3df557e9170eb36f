"""Weekly check-ins: one row per answer she gave, tied to a stored patient.

Every answer is kept (a second check-in in the same week is a new row); the core reads the
latest of each week (`clinical.checkin.latest_per_week`), so nothing she entered is lost.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.clinical.checkin import CheckIn
from bonewise.store.base import Base, utcnow
from bonewise.store.patients import PatientNotFound, PatientRow


class CheckInRow(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        CheckConstraint("worst_pain BETWEEN 0 AND 10", name="worst_pain_range"),
        CheckConstraint(
            "missed_ai_days IS NULL OR missed_ai_days BETWEEN 0 AND 7", name="missed_days_range"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    answered_on: Mapped[date] = mapped_column(Date, nullable=False)
    worst_pain: Mapped[int] = mapped_column(Integer, nullable=False)
    stiffness: Mapped[str] = mapped_column(String(16), nullable=False)
    missed_ai_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CheckInRepository:
    """Check-ins in and out as validated CheckIn values. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, patient_id: str, checkin: CheckIn) -> int:
        """Store one check-in for an existing patient; raises PatientNotFound otherwise."""
        if self.session.get(PatientRow, patient_id) is None:
            raise PatientNotFound(patient_id)
        row = CheckInRow(
            patient_id=patient_id,
            answered_on=checkin.answered_on,
            worst_pain=checkin.worst_pain,
            stiffness=checkin.stiffness,
            missed_ai_days=checkin.missed_ai_days,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def between(self, *, patient_id: str, start: date | None = None, end: date) -> list[CheckIn]:
        """Her check-ins answered from `start` (or the first) to `end` inclusive, oldest first."""
        return self.for_patients([patient_id], start=start, end=end).get(patient_id, [])

    def for_patients(
        self, patient_ids: list[str], *, start: date | None = None, end: date
    ) -> dict[str, list[CheckIn]]:
        """Patient id -> her check-ins in the range, oldest first, in one query (the panel)."""
        if not patient_ids:
            return {}
        t = CheckInRow
        query = (
            select(t.patient_id, t.answered_on, t.worst_pain, t.stiffness, t.missed_ai_days)
            .where(t.patient_id.in_(patient_ids), t.answered_on <= end)
            .order_by(t.patient_id, t.answered_on, t.id)
        )
        if start is not None:
            query = query.where(t.answered_on >= start)
        found: dict[str, list[CheckIn]] = {}
        for patient_id, answered_on, pain, stiffness, missed in self.session.execute(query):
            # stiffness: one of the choices, checked by new_checkin before it was stored
            checkin = CheckIn(answered_on, pain, stiffness, missed)  # type: ignore[arg-type]
            found.setdefault(patient_id, []).append(checkin)
        return found

    def count(self, *, patient_id: str) -> int:
        query = select(func.count()).where(CheckInRow.patient_id == patient_id)
        return int(self.session.scalar(query) or 0)
