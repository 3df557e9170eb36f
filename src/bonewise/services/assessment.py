"""Her assessment on a day, and the clinician's panel of linked patients (audited reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.models import PatientRecord
from bonewise.nutrition.targets import check_age
from bonewise.render.banner import PatientBanner
from bonewise.services.access import (
    Actor,
    Forbidden,
    InvalidInput,
    audit_read,
    audit_reads,
    readable_version,
)
from bonewise.services.checkins import checkin_flags_in
from bonewise.services.panel import PanelRow, panel_row, sort_by_urgency
from bonewise.services.views import banner_at, kept, record_at, site_settings
from bonewise.store.accounts import User
from bonewise.store.uow import UnitOfWork


def evaluate(record: PatientRecord, *, as_of: date) -> Assessment:
    """assess() within her adult life (the ages bonewise's targets cover); a date it cannot
    evaluate is bad input, except today, which must never fail quietly."""
    try:
        check_age(record.patient.age_on(as_of))
    except ValueError as exc:
        raise InvalidInput(
            [{"loc": ["query", "as_of"], "type": "value_error", "msg": f"{as_of}: {exc}"}]
        ) from exc
    try:
        return assess(record, as_of=as_of)
    except (ValueError, OverflowError) as exc:
        if as_of == date.today():
            raise
        raise InvalidInput(
            [
                {
                    "loc": ["query", "as_of"],
                    "type": "value_error",
                    "msg": f"cannot evaluate on {as_of.isoformat()}: {exc}",
                }
            ]
        ) from exc


def assessment_at(
    *, uow: UnitOfWork, record: PatientRecord, version: int, as_of: date
) -> Assessment:
    """Inside an open unit of work: `evaluate`, kept for her data version, the day and the
    site's policies (a date it cannot evaluate is raised again each time, never kept)."""
    return kept(uow, "assessment", record.id, version, lambda: evaluate(record, as_of=as_of), as_of)


def assessment_for(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, as_of: date
) -> tuple[PatientRecord, Assessment]:
    with uow:
        version = readable_version(uow, actor, patient_id)
        record = record_at(uow, patient_id, version)
        audit_read(uow, actor, patient_id, "assessment")
        assessment = assessment_at(uow=uow, record=record, version=version, as_of=as_of)
        uow.commit()
    return record, assessment


@dataclass(frozen=True, slots=True)
class AssessmentPage:
    record: PatientRecord
    assessment: Assessment
    banner: PatientBanner | None  # whose record it is, for a clinician (None: her own page)
    version: int  # her data version these were computed for (services/views.py)


def assessment_with_banner(
    *, uow: UnitOfWork, actor: Actor, patient_id: str, as_of: date
) -> AssessmentPage:
    """`assessment_for` and, for a clinician, the banner of whose record it is, in the same
    unit of work (her own page needs no banner)."""
    banner = None
    with uow:
        version = readable_version(uow, actor, patient_id)
        record = record_at(uow, patient_id, version)
        if actor.is_clinician:
            banner = banner_at(uow, patient_id, version, record, as_of)
        audit_read(uow, actor, patient_id, "assessment")
        assessment = assessment_at(uow=uow, record=record, version=version, as_of=as_of)
        uow.commit()
    return AssessmentPage(record, assessment, banner, version)


def clinician_panel(*, uow: UnitOfWork, actor: User, as_of: date) -> list[PanelRow]:
    """The clinician's linked patients, most urgent first (each listing is an audited read)."""
    return panel_with_versions(uow=uow, actor=actor, as_of=as_of)[0]


def panel_with_versions(
    *, uow: UnitOfWork, actor: User, as_of: date
) -> tuple[list[PanelRow], tuple[tuple[str, int], ...]]:
    """`clinician_panel`, and the (patient id, data version) of each row: what the rows were
    computed from, for a page that keeps what it made of them."""
    if not actor.is_clinician:
        raise Forbidden("the panel is for clinicians")
    with uow:
        versions = uow.accounts.linked_versions(actor.id)
        cache = uow.views
        key = {pid: ("panel row", pid, v, site_settings(), as_of) for pid, v in versions.items()}
        kept_rows = {pid: cache.get(key[pid]) for pid in versions} if cache is not None else {}
        rows = [row for row in kept_rows.values() if row is not None]
        missing = [pid for pid in versions if kept_rows.get(pid) is None]
        if missing:
            # Only the rows whose data changed are made again, each batch in one query.
            records = uow.patients.get_many(missing)
            names = uow.accounts.owner_names(list(records))
            flags = checkin_flags_in(uow=uow, patient_ids=list(records), today=as_of)
            for patient_id, record in records.items():
                row = panel_row(
                    record,
                    assess(record, as_of=as_of),
                    name=names.get(patient_id, patient_id),
                    checkin_flags=flags.get(patient_id, ()),
                )
                if cache is not None:
                    cache.put(key[patient_id], row)
                rows.append(row)
        # The audit entries last, in one statement: on SQLite it takes the write lock, held
        # only while they are written, not while ten assessments are made.
        shown = {r.patient_id for r in rows}
        listed = [p for p in versions if p in shown]
        audit_reads(uow, actor, listed, "panel summary")
        uow.commit()
    return sort_by_urgency(rows), tuple((p, versions[p]) for p in listed)
