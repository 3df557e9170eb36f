"""Stored patient records.

The patient document (`patients.record`, JSON) keeps what is truly one document: her profile,
cancer therapy, fractures, FRAX, GnRH agonists and vertebral imaging. Labs, DXA scans,
bone-directed therapy courses (and their doses) and risk-factor answers are rows of their own, so
adding a lab or a scan inserts one row instead of rewriting the whole record.

The repository still hands out one validated `PatientRecord`, assembled from the document and the
rows in a fixed order that depends on the entries' content, never on the order they were written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.clinical.models import (
    RISK_FACTOR_FIELDS,
    BoneTherapy,
    DxaScan,
    Lab,
    PatientRecord,
)
from bonewise.store.base import Base, utcnow

# The sections stored as rows; everything else of the record stays in the document.
ROW_SECTIONS: tuple[str, ...] = ("labs", "dxa_scans", "bone_therapy", "risk_factors")
LAB_KINDS: tuple[str, ...] = ("25_oh_vitamin_d", "serum_calcium", "creatinine_clearance")


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class LabRow(Base):
    __tablename__ = "patient_labs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))


class DxaScanRow(Base):
    __tablename__ = "patient_dxa_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    scan: Mapped[dict[str, Any]] = mapped_column(JSON)


class BoneTherapyCourseRow(Base):
    __tablename__ = "bone_therapy_courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    agent: Mapped[str] = mapped_column(String(32))
    dose_mg: Mapped[float | None] = mapped_column(Float, nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class BoneTherapyDoseRow(Base):
    __tablename__ = "bone_therapy_doses"
    __table_args__ = (UniqueConstraint("course_id", "day", name="uq_bone_therapy_doses_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("bone_therapy_courses.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)


class RiskFactorAnswerRow(Base):
    __tablename__ = "risk_factor_answers"

    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    factor: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    # who and when, as RiskFactors.provenance holds it; NULL: no provenance recorded
    provenance: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )
    unsure: Mapped[bool] = mapped_column(Boolean, default=False)


class PatientVersionRow(Base):
    """Her data version: bumped by database triggers (migration 0015_patient_version) in the
    transaction of every write to a table holding her data, never by the application."""

    __tablename__ = "patient_versions"

    patient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PatientNotFound(LookupError):
    def __init__(self, patient_id: str) -> None:
        super().__init__(f"no patient with id {patient_id!r}")
        self.patient_id = patient_id


class EntryNotFound(LookupError):
    def __init__(self, what: str, entry_id: int) -> None:
        super().__init__(f"no {what} {entry_id} on this record")
        self.what = what
        self.entry_id = entry_id


E = TypeVar("E")


@dataclass(frozen=True)
class Stored(Generic[E]):
    """One entry of her record with the id of the row that holds it (for corrections)."""

    id: int
    entry: E


# --- the fixed order of entries (content first, the row id only between identical entries) ---
def lab_order(lab: dict[str, Any]) -> tuple[Any, ...]:
    kind = lab["kind"]
    return (lab["date"], LAB_KINDS.index(kind) if kind in LAB_KINDS else 99, lab["value"])


def scan_order(scan: dict[str, Any]) -> tuple[Any, ...]:
    return (scan["date"], json.dumps(scan, sort_keys=True))


def course_order(course: dict[str, Any]) -> tuple[Any, ...]:
    """By the day the course started (its start date, else its first dose), then agent; courses
    started the same day with the same agent keep the order they were entered, so a course's
    number never changes when a dose or an end date is added to it."""
    doses = sorted(course.get("doses") or [])
    started = course.get("start_date") or (doses[0] if doses else "")
    return (started, course["agent"])


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class PatientRepository:
    """Patient records in and out as validated PatientRecord models. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- whole records -------------------------------------------------------------------
    def save(self, record: PatientRecord) -> None:
        """Store the whole record: its document, and each row section that changed."""
        data = record.model_dump(mode="json")
        document = {k: v for k, v in data.items() if k not in ROW_SECTIONS}
        row = self.session.get(PatientRow, record.id)
        if row is None:
            self.session.add(PatientRow(id=record.id, record=document))
            self.session.flush()
            current: dict[str, Any] = {}
        else:
            row.record = document
            self.session.flush()
            current = _as_json(self._sections([record.id]).get(record.id, _empty_sections()))
        for section in ROW_SECTIONS:
            if current.get(section) != _canonical(section, data[section]):
                self._replace_section(record.id, section, data[section])
        self.session.flush()

    def save_document(self, record: PatientRecord) -> None:
        """Store the record's document only (its row sections are left as they are)."""
        data = record.model_dump(mode="json", exclude=set(ROW_SECTIONS))
        row = self.session.get(PatientRow, record.id)
        if row is None:
            raise PatientNotFound(record.id)
        row.record = data
        self.session.flush()

    def get_or_raise(self, patient_id: str) -> PatientRecord:
        document = self.session.connection().execute(_RECORD, {"id": patient_id}).scalar()
        if document is None:
            raise PatientNotFound(patient_id)
        sections = self._sections([patient_id]).get(patient_id, _empty_sections())
        # Stored records were validated on the way in; re-validate without a 'today' check.
        return PatientRecord.model_validate({**document, **sections})

    def warm_up(self, patient_id: str) -> None:
        """Run the statements that read a record, for an id that matches nothing: SQLAlchemy
        compiles and caches them now, so a server's first page does not wait for it."""
        self.session.connection().execute(_RECORD, {"id": patient_id}).scalar()
        self._sections([patient_id])

    def get_document_or_raise(self, patient_id: str) -> PatientRecord:
        """Her record without the row sections (labs, scans, courses, risk factors): enough to
        validate one new entry against her birth date without reading every entry."""
        document = self.session.connection().execute(_RECORD, {"id": patient_id}).scalar()
        if document is None:
            raise PatientNotFound(patient_id)
        return PatientRecord.model_validate(document)

    def get_for_update(self, patient_id: str) -> PatientRecord:
        """The record, with its write lock held until the unit of work ends.

        For read-modify-write: two concurrent writers cannot both read the old record and the
        second silently drop the first's change. The no-op UPDATE makes SQLite begin its write
        transaction now and makes PostgreSQL lock the row; a concurrent writer waits.
        """
        self.lock(patient_id)
        return self.get_or_raise(patient_id)

    def lock(self, patient_id: str) -> None:
        """Take the record's write lock (see get_for_update) without reading it."""
        self.session.execute(
            update(PatientRow)
            .where(PatientRow.id == patient_id)
            .values(updated_at=PatientRow.updated_at)
            .execution_options(synchronize_session=False)
        )

    def get_many(self, patient_ids: list[str]) -> dict[str, PatientRecord]:
        """Several records in one query, in the order of `patient_ids` (missing ids skipped)."""
        if not patient_ids:
            return {}
        rows = self.session.execute(
            select(PatientRow.id, PatientRow.record).where(PatientRow.id.in_(patient_ids))
        )
        found = {pid: record for pid, record in rows}
        sections = self._sections(list(found))
        return {
            pid: PatientRecord.model_validate(
                {**found[pid], **sections.get(pid, _empty_sections())}
            )
            for pid in patient_ids
            if pid in found
        }

    def exists(self, patient_id: str) -> bool:
        """Whether the record exists, without reading or validating it."""
        return self.session.connection().execute(_EXISTS, {"id": patient_id}).first() is not None

    def version_or_raise(self, patient_id: str) -> int:
        """Her data version (PatientNotFound when there is no record), without reading the
        record: what she may see changes only when this does. Read it before her data, so data
        kept under a version is never older than the version says."""
        found = self.session.connection().execute(_VERSION, {"id": patient_id}).first()
        if found is None:
            raise PatientNotFound(patient_id)
        return int(found[0])

    def ids(self) -> list[str]:
        return list(self.session.scalars(select(PatientRow.id).order_by(PatientRow.id)))

    # --- labs ------------------------------------------------------------------------------
    def add_lab(self, patient_id: str, lab: Lab) -> int:
        """Insert one lab row (no lock, no rewrite of the record); its row id."""
        row = LabRow(
            patient_id=patient_id, kind=lab.kind, day=lab.date, value=lab.value, unit=lab.unit
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def labs(self, patient_id: str) -> list[Stored[Lab]]:
        """Her labs with their row ids, in the record's order."""
        rows = self.session.connection().execute(
            _LABS.where(LabRow.patient_id == patient_id).order_by(*_LAB_ORDER)
        )
        return [
            Stored(row_id, _stored_lab(kind, day, value, unit))
            for _pid, row_id, kind, day, value, unit in rows
        ]

    def count_labs(self, patient_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(LabRow).where(LabRow.patient_id == patient_id)
            )
            or 0
        )

    def replace_lab(self, patient_id: str, entry_id: int, lab: Lab) -> None:
        row = self._own(LabRow, patient_id, entry_id, "lab")
        row.kind, row.day, row.value, row.unit = lab.kind, lab.date, lab.value, lab.unit
        self.session.flush()

    def remove_lab(self, patient_id: str, entry_id: int) -> None:
        self.session.delete(self._own(LabRow, patient_id, entry_id, "lab"))
        self.session.flush()

    # --- DXA scans -------------------------------------------------------------------------
    def add_dxa_scan(self, patient_id: str, scan: DxaScan) -> int:
        row = DxaScanRow(patient_id=patient_id, day=scan.date, scan=scan.model_dump(mode="json"))
        self.session.add(row)
        self.session.flush()
        return row.id

    def dxa_scans(self, patient_id: str) -> list[Stored[DxaScan]]:
        rows = self.session.execute(select(DxaScanRow).where(DxaScanRow.patient_id == patient_id))
        stored = sorted(((r.id, r.scan) for (r,) in rows), key=lambda i: (scan_order(i[1]), i[0]))
        return [Stored(i, DxaScan.model_validate(data)) for i, data in stored]

    def count_dxa_scans(self, patient_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(DxaScanRow)
                .where(DxaScanRow.patient_id == patient_id)
            )
            or 0
        )

    def replace_dxa_scan(self, patient_id: str, entry_id: int, scan: DxaScan) -> None:
        row = self._own(DxaScanRow, patient_id, entry_id, "DXA scan")
        row.day, row.scan = scan.date, scan.model_dump(mode="json")
        self.session.flush()

    def remove_dxa_scan(self, patient_id: str, entry_id: int) -> None:
        self.session.delete(self._own(DxaScanRow, patient_id, entry_id, "DXA scan"))
        self.session.flush()

    # --- bone-directed therapy -------------------------------------------------------------
    def bone_therapy(self, patient_id: str) -> list[Stored[BoneTherapy]]:
        """Her courses in the record's order (the order `PatientRecord.bone_therapy` has)."""
        courses = self._courses([patient_id]).get(patient_id, [])
        return [Stored(i, BoneTherapy.model_validate(data)) for i, data in courses]

    def add_course(self, patient_id: str, course: BoneTherapy) -> int:
        row = BoneTherapyCourseRow(patient_id=patient_id)
        self._fill_course(row, course)
        self.session.add(row)
        self.session.flush()
        self._set_doses(row.id, course.doses)
        return row.id

    def replace_course(self, patient_id: str, entry_id: int, course: BoneTherapy) -> None:
        row = self._own(BoneTherapyCourseRow, patient_id, entry_id, "course")
        self._fill_course(row, course)
        self.session.flush()
        self._set_doses(row.id, course.doses)

    def remove_course(self, patient_id: str, entry_id: int) -> None:
        self.session.delete(self._own(BoneTherapyCourseRow, patient_id, entry_id, "course"))
        self.session.flush()

    # --- internals -------------------------------------------------------------------------
    def _own(self, table: type[Any], patient_id: str, entry_id: int, what: str) -> Any:
        row = self.session.get(table, entry_id)
        if row is None or row.patient_id != patient_id:
            raise EntryNotFound(what, entry_id)
        return row

    @staticmethod
    def _fill_course(row: BoneTherapyCourseRow, course: BoneTherapy) -> None:
        row.agent, row.dose_mg = course.agent, course.dose_mg
        row.start_date, row.end_date = course.start_date, course.end_date

    def _set_doses(self, course_id: int, doses: Iterable[date]) -> None:
        self.session.execute(
            delete(BoneTherapyDoseRow).where(BoneTherapyDoseRow.course_id == course_id)
        )
        self.session.add_all(
            BoneTherapyDoseRow(course_id=course_id, day=d) for d in sorted(set(doses))
        )
        self.session.flush()

    def _replace_section(self, patient_id: str, section: str, entries: Any) -> None:
        if section == "labs":
            self.session.execute(delete(LabRow).where(LabRow.patient_id == patient_id))
            for lab in entries:
                self.add_lab(patient_id, Lab.model_validate(lab))
        elif section == "dxa_scans":
            self.session.execute(delete(DxaScanRow).where(DxaScanRow.patient_id == patient_id))
            for scan in entries:
                self.add_dxa_scan(patient_id, DxaScan.model_validate(scan))
        elif section == "bone_therapy":
            # doses go with their course (ON DELETE CASCADE is not relied on: SQLite may have
            # foreign keys off on a foreign connection)
            course_ids = select(BoneTherapyCourseRow.id).where(
                BoneTherapyCourseRow.patient_id == patient_id
            )
            self.session.execute(
                delete(BoneTherapyDoseRow).where(BoneTherapyDoseRow.course_id.in_(course_ids))
            )
            self.session.execute(
                delete(BoneTherapyCourseRow).where(BoneTherapyCourseRow.patient_id == patient_id)
            )
            for course in entries:
                self.add_course(patient_id, BoneTherapy.model_validate(course))
        else:
            self.session.execute(
                delete(RiskFactorAnswerRow).where(RiskFactorAnswerRow.patient_id == patient_id)
            )
            self.session.add_all(
                RiskFactorAnswerRow(patient_id=patient_id, **answer)
                for answer in risk_factor_rows(entries)
            )
        self.session.flush()

    def _sections(self, patient_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The row sections of each record as the record's JSON has them, in the fixed order."""
        out: dict[str, dict[str, Any]] = defaultdict(_empty_sections)
        if not patient_ids:
            return out
        # Labs are the long list: read as plain columns, ordered by the database, and built
        # without re-running their validators (each was validated on the way in).
        labs = self.session.connection().execute(
            _LABS.where(LabRow.patient_id.in_(patient_ids)).order_by(*_LAB_ORDER)
        )
        for pid, _row_id, kind, day, value, unit in labs:
            out[pid]["labs"].append(_stored_lab(kind, day, value, unit))
        scans = self.session.execute(
            select(DxaScanRow.patient_id, DxaScanRow.id, DxaScanRow.scan).where(
                DxaScanRow.patient_id.in_(patient_ids)
            )
        )
        found_scans: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for pid, row_id, scan in scans:
            found_scans[pid].append((row_id, scan))
        for pid, items in found_scans.items():
            items.sort(key=lambda i: (scan_order(i[1]), i[0]))
            out[pid]["dxa_scans"] = [data for _, data in items]
        for pid, courses in self._courses(patient_ids).items():
            out[pid]["bone_therapy"] = [data for _, data in courses]
        answers = self.session.execute(
            select(RiskFactorAnswerRow).where(RiskFactorAnswerRow.patient_id.in_(patient_ids))
        )
        for answer in answers.scalars():
            factors = out[answer.patient_id]["risk_factors"]
            factors[answer.factor] = answer.answer
            if answer.provenance is not None:
                factors.setdefault("provenance", {})[answer.factor] = answer.provenance
        return out

    def _courses(self, patient_ids: list[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        rows = self.session.execute(
            select(BoneTherapyCourseRow).where(BoneTherapyCourseRow.patient_id.in_(patient_ids))
        )
        courses = {row.id: row for (row,) in rows}
        doses: dict[int, list[str]] = defaultdict(list)
        if courses:
            found = self.session.execute(
                select(BoneTherapyDoseRow.course_id, BoneTherapyDoseRow.day).where(
                    BoneTherapyDoseRow.course_id.in_(list(courses))
                )
            )
            for course_id, day in found:
                doses[course_id].append(day.isoformat())
        out: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for row in courses.values():
            out[row.patient_id].append(
                (
                    row.id,
                    {
                        "agent": row.agent,
                        "dose_mg": row.dose_mg,
                        "doses": sorted(doses[row.id]),
                        "start_date": _iso(row.start_date),
                        "end_date": _iso(row.end_date),
                    },
                )
            )
        for items in out.values():
            items.sort(key=lambda i: (course_order(i[1]), i[0]))
        return out


def _empty_sections() -> dict[str, Any]:
    return {"labs": [], "dxa_scans": [], "bone_therapy": [], "risk_factors": {}}


def _stored_lab(kind: Any, day: date, value: float, unit: str) -> Lab:
    """A lab row as the model, without re-running the validators it passed on the way in
    (a record holds thousands of labs; reading one must not validate each again)."""
    return Lab.model_construct(kind=kind, date=day, value=value, unit=unit)


def _as_json(sections: dict[str, Any]) -> dict[str, Any]:
    return {**sections, "labs": [lab.model_dump(mode="json") for lab in sections["labs"]]}


def _canonical(section: str, entries: Any) -> Any:
    """A section's JSON as `_sections` assembles it (to tell whether `save` must rewrite it)."""
    if section == "labs":
        return sorted(entries, key=lambda lab: (lab_order(lab), lab["unit"]))
    if section == "dxa_scans":
        return sorted(entries, key=scan_order)
    if section == "bone_therapy":
        return sorted(entries, key=course_order)
    rows = risk_factor_rows(entries)
    factors: dict[str, Any] = {r["factor"]: r["answer"] for r in rows}
    provenance = {r["factor"]: r["provenance"] for r in rows if r["provenance"] is not None}
    return {**factors, **({"provenance": provenance} if provenance else {})}


def risk_factor_rows(factors: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per factor that has an answer or a recorded provenance."""
    provenance = factors.get("provenance") or {}
    return [
        {
            "factor": name,
            "answer": factors.get(name),
            "provenance": provenance.get(name),
            "unsure": bool((provenance.get(name) or {}).get("unsure")),
        }
        for name in RISK_FACTOR_FIELDS
        if factors.get(name) is not None or name in provenance
    ]


_TABLE: Table = PatientRow.__table__  # type: ignore[assignment]
_LABS = select(LabRow.patient_id, LabRow.id, LabRow.kind, LabRow.day, LabRow.value, LabRow.unit)
# The fixed order of labs: lab_order's (date, test, value), then unit, then the row id only
# between entries that are otherwise identical.
_LAB_ORDER = (
    LabRow.patient_id,
    LabRow.day,
    case({kind: i for i, kind in enumerate(LAB_KINDS)}, value=LabRow.kind, else_=99),
    LabRow.value,
    LabRow.unit,
    LabRow.id,
)
_RECORD = select(_TABLE.c.record).where(_TABLE.c.id == bindparam("id"))
_EXISTS = select(_TABLE.c.id).where(_TABLE.c.id == bindparam("id"))
_VERSIONS: Table = PatientVersionRow.__table__  # type: ignore[assignment]
# A record written before its first versioned write has no counter row yet: version 0.
_VERSION = (
    select(func.coalesce(_VERSIONS.c.version, 0))
    .select_from(_TABLE.outerjoin(_VERSIONS, _VERSIONS.c.patient_id == _TABLE.c.id))
    .where(_TABLE.c.id == bindparam("id"))
)
