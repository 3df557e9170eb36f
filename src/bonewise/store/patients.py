"""Stored patient records: the validated PatientRecord JSON, one row per patient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.clinical.models import PatientRecord
from bonewise.store.base import Base, utcnow


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class PatientNotFound(LookupError):
    def __init__(self, patient_id: str) -> None:
        super().__init__(f"no patient with id {patient_id!r}")
        self.patient_id = patient_id


class PatientRepository:
    """Patient records in and out as validated PatientRecord models."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, record: PatientRecord) -> None:
        data = record.model_dump(mode="json")
        row = self.session.get(PatientRow, record.id)
        if row is None:
            self.session.add(PatientRow(id=record.id, record=data))
        else:
            row.record = data
        self.session.flush()

    def get_or_raise(self, patient_id: str) -> PatientRecord:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            raise PatientNotFound(patient_id)
        # Stored records were validated on the way in; re-validate without a 'today' check.
        return PatientRecord.model_validate(row.record)

    def exists(self, patient_id: str) -> bool:
        return self.session.get(PatientRow, patient_id) is not None

    def ids(self) -> list[str]:
        return list(self.session.scalars(select(PatientRow.id).order_by(PatientRow.id)))
