"""Stored patient records: the validated PatientRecord JSON, one row per patient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Table, bindparam, select, update
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
    """Patient records in and out as validated PatientRecord models. Never commits."""

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
        data = self.session.connection().execute(_RECORD, {"id": patient_id}).scalar()
        if data is None:
            raise PatientNotFound(patient_id)
        # Stored records were validated on the way in; re-validate without a 'today' check.
        return PatientRecord.model_validate(data)

    def get_for_update(self, patient_id: str) -> PatientRecord:
        """The record, with its write lock held until the unit of work ends.

        For read-modify-write: two concurrent writers cannot both read the old record and the
        second silently drop the first's change. The no-op UPDATE makes SQLite begin its write
        transaction now and makes PostgreSQL lock the row; a concurrent writer waits.
        """
        self.session.execute(
            update(PatientRow)
            .where(PatientRow.id == patient_id)
            .values(updated_at=PatientRow.updated_at)
            .execution_options(synchronize_session=False)
        )
        return self.get_or_raise(patient_id)

    def get_many(self, patient_ids: list[str]) -> dict[str, PatientRecord]:
        """Several records in one query, in the order of `patient_ids` (missing ids skipped)."""
        if not patient_ids:
            return {}
        rows = self.session.execute(
            select(PatientRow.id, PatientRow.record).where(PatientRow.id.in_(patient_ids))
        )
        found = {pid: record for pid, record in rows}
        return {
            pid: PatientRecord.model_validate(found[pid]) for pid in patient_ids if pid in found
        }

    def exists(self, patient_id: str) -> bool:
        """Whether the record exists, without reading or validating it."""
        return self.session.connection().execute(_EXISTS, {"id": patient_id}).first() is not None

    def ids(self) -> list[str]:
        return list(self.session.scalars(select(PatientRow.id).order_by(PatientRow.id)))


_TABLE: Table = PatientRow.__table__  # type: ignore[assignment]
_RECORD = select(_TABLE.c.record).where(_TABLE.c.id == bindparam("id"))
_EXISTS = select(_TABLE.c.id).where(_TABLE.c.id == bindparam("id"))
