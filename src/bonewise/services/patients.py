"""Patient records and the care team: read and save her profile, share her record, her audit
trail. Account functions (sign up, sign in and out): bonewise.services.accounts.

Every function is keyword-only and takes a unit of work (entered here, committed once at the
end) and the acting user, so a request that fails (validation, access) leaves the store as it
was. Access rules and audit entries: bonewise.services.access.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from bonewise.clinical.models import PatientRecord
from bonewise.clinical.record_news import NewEntry, new_entries, new_entries_from, with_entries
from bonewise.nutrition.targets import check_age
from bonewise.render.banner import PatientBanner, patient_banner_for
from bonewise.services.access import (
    LOCAL_OPERATOR,
    Actor,
    Forbidden,
    InvalidInput,
    Operator,
    audit_by_name,
    audit_read,
    audit_write,
    check_access,
    readable_record,
    readable_version,
)
from bonewise.services.views import banner_at, record_at
from bonewise.store.accounts import (
    AuditEntry,
    User,
)
from bonewise.store.uow import UnitOfWork

__all__ = ["LOCAL_OPERATOR", "InvalidInput", "NoRecordYet"]


class NoRecordYet(LookupError):
    """A patient account that has not completed onboarding."""


# --- sharing (sign up, sign in and out: bonewise.services.accounts) -----------------------
def share_with_clinician(*, uow: UnitOfWork, actor: User, clinician_email: str) -> User:
    """A patient links her record to a clinician's account (found by e-mail)."""
    if actor.is_clinician or actor.patient_id is None:
        raise Forbidden("only a patient with a record can share it")
    with uow:
        clinician = uow.accounts.find_by_email(clinician_email)
        if clinician is None or not clinician.is_clinician:
            raise InvalidInput.field(
                "clinician_email", f"{clinician_email!r} is not a clinician account in bonewise"
            )
        uow.accounts.link(clinician_id=clinician.id, patient_id=actor.patient_id)
        audit_write(
            uow, actor, what=f"shared record with {clinician.email}", patient_id=actor.patient_id
        )
        uow.commit()
        return clinician


def link_clinician(
    *, uow: UnitOfWork, actor: Operator, clinician_email: str, patient_id: str
) -> None:
    """Administrative link (CLI/demo): the clinician may then see this patient."""
    with uow:
        clinician = uow.accounts.find_by_email(clinician_email)
        if clinician is None:
            raise InvalidInput.field("clinician_email", f"no account {clinician_email!r}")
        check_access(uow, actor, patient_id, "write")
        uow.accounts.link(clinician_id=clinician.id, patient_id=patient_id)
        audit_write(uow, actor, what=f"linked clinician {clinician.email}", patient_id=patient_id)
        uow.commit()


# --- patient record --------------------------------------------------------------------------
def read_record(*, uow: UnitOfWork, actor: Actor, patient_id: str) -> PatientRecord:
    with uow:
        record = readable_record(uow, actor, patient_id)
        audit_read(uow, actor, patient_id, "patient record")
        uow.commit()
        return record


def patient_ids(*, uow: UnitOfWork, actor: Actor) -> list[str]:
    """Every stored record's id, for the local operator (`patient list`); a clinician's list
    is her panel (`linked_patient_ids`). Forbidden for any account before anything is read;
    the listing is audited once, like `every_record`."""
    operator = _only_the_operator(actor, "list every patient id")
    with uow:
        ids = uow.patients.ids()
        audit_by_name(
            uow,
            actor=operator,
            action="read",
            what="every patient id (listing)",
            patient_id=None,
            detail={"records": len(ids)},
        )
        uow.commit()
        return ids


def every_record(*, uow: UnitOfWork, actor: Actor) -> Iterator[PatientRecord]:
    """Every stored record, for the local operator's population run (`cohort run --from-store`).
    Only the local operator may read them all (Forbidden for any account, before anything is
    read); the run is audited once, then the records are read in batches inside one unit of
    work that is never committed."""
    operator = _only_the_operator(actor, "read every patient record")
    with uow:
        audit_by_name(
            uow,
            actor=operator,
            action="read",
            what="every patient record (population run)",
            patient_id=None,
            detail={"records": len(uow.patients.ids())},
        )
        uow.commit()
    with uow:
        ids = uow.patients.ids()
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            found = uow.patients.get_many(batch)
            yield from (found[i] for i in batch if i in found)


def _only_the_operator(actor: Actor, what: str) -> Operator:
    """The whole store is the local operator's: no account may read or list all of it."""
    if not isinstance(actor, Operator):
        raise Forbidden(f"only the local operator may {what}")
    return actor


def store_record(
    *, uow: UnitOfWork, actor: Operator, record: PatientRecord, what: str = "patient record"
) -> None:
    """Store a validated record (a file or FHIR import), replacing one with the same id."""
    with uow:
        existed = uow.patients.exists(record.id)
        uow.patients.save(record)
        audit_write(
            uow,
            actor,
            what=f"{what} {'replaced' if existed else 'stored'}",
            patient_id=record.id,
        )
        uow.commit()


@dataclass(frozen=True, slots=True)
class EhrLaunchImport:
    """What a SMART launch did with the EHR's record: `stored` a new one, or `kept` the one
    bonewise already holds (its answers are never overwritten by the EHR's assumptions)."""

    patient_id: str
    outcome: str  # "stored" | "kept"
    # What the EHR's chart holds that the kept record does not (for the clinician to choose).
    news: tuple[NewEntry, ...] = ()


def import_from_ehr_launch(
    *, uow: UnitOfWork, actor: User, record: PatientRecord, ehr: str, fhir_user: str | None = None
) -> EhrLaunchImport:
    """A clinician opened bonewise from her EHR (SMART launch): the EHR authorised her for this
    patient, so she is linked to the record. A record not yet in bonewise is stored as imported
    (with its assumptions); one already there is kept as it is, because what was recorded in
    bonewise (e.g. bone metastases confirmed) must not be replaced by "none on the problem
    list". A patient's own account decides itself whom she shares with: the launch does not
    link a clinician to it. `fhir_user` is who signed in at the EHR (its verified id_token):
    the audit entries name her there too."""
    if not actor.is_clinician:
        raise Forbidden("SMART launch is for clinicians")
    detail = {"ehr": ehr} | ({"fhir_user": fhir_user} if fhir_user else {})
    try:
        return _import_or_link(uow, actor, record, detail)
    except IntegrityError:
        # Another launch of the same patient (a second tab, a double click) stored the record
        # or the link between our look and our write: the store's keys refused the copy, so
        # look again and reuse what it wrote.
        return _import_or_link(uow, actor, record, detail)


def _import_or_link(
    uow: UnitOfWork, actor: User, record: PatientRecord, detail: dict[str, Any]
) -> EhrLaunchImport:
    with uow:
        existed = uow.patients.exists(record.id)
        linked = uow.accounts.is_linked(clinician_id=actor.id, patient_id=record.id)
        if existed and not linked and uow.accounts.owner_of(record.id) is not None:
            raise Forbidden(
                f"patient {record.id} keeps her own bonewise account and has not shared it "
                "with you: she can share it from her account page"
            )
        if not existed:
            uow.patients.save(record)
            audit_write(
                uow,
                actor,
                what="record imported by SMART launch",
                patient_id=record.id,
                detail=detail,
            )
        if not linked:
            uow.accounts.link(clinician_id=actor.id, patient_id=record.id)
            audit_write(
                uow,
                actor,
                what="clinician linked by SMART launch",
                patient_id=record.id,
                detail=detail,
            )
        news = tuple(new_entries(record, uow.patients.get_or_raise(record.id))) if existed else ()
        if existed and linked:  # nothing written: the audit still says who opened it, from where
            uow.audit.record(
                actor=actor,
                action="read",
                what="record opened by SMART launch",
                patient_id=record.id,
                detail=detail,
            )
        uow.commit()
    return EhrLaunchImport(record.id, "kept" if existed else "stored", news)


def add_from_ehr(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str,
    entries: list[NewEntry],
    ehr: str,
    fhir_user: str | None,
    today: date,
) -> int:
    """Add what the clinician chose of the EHR's news (see import_from_ehr_launch) to the
    record: entries it holds by now are skipped; nothing kept is changed but the changes ticked
    (a course's end, an AI switched: record_news.CHANGES). How many were added or applied."""
    with uow:
        check_access(uow, actor, patient_id, "write")
        kept = uow.patients.get_for_update(patient_id)
        chosen = new_entries_from(entries, kept)
        if chosen:
            try:
                updated = with_entries(kept, chosen, today=today)
            except ValidationError as exc:
                raise InvalidInput.from_pydantic(exc, prefix=("body",)) from exc
            uow.patients.save(updated)
            audit_write(
                uow,
                actor,
                what="entries added from the EHR (SMART launch)",
                patient_id=patient_id,
                detail={"ehr": ehr, "entries": [e.label for e in chosen]}
                | ({"fhir_user": fhir_user} if fhir_user else {}),
            )
        uow.commit()
    return len(chosen)


def _parse(data: dict[str, Any], today: date) -> PatientRecord:
    try:
        return PatientRecord.parse(data, today=today)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc, prefix=("body",)) from exc


def _with_kept_therapy_fields(
    profile: dict[str, Any], existing: dict[str, Any], fields: tuple[str, ...]
) -> dict[str, Any]:
    given, stored = profile.get("therapy"), existing.get("therapy")
    if not (fields and isinstance(given, dict) and isinstance(stored, dict)):
        return profile
    if given.get("agent") != stored.get("agent"):
        return profile  # another AI: what was stored of the old one does not carry over
    kept = {k: stored[k] for k in fields if k in stored and k not in given}
    return {**profile, "therapy": {**kept, **given}}


def _with_kept_assumptions(
    profile: dict[str, Any], existing: dict[str, Any], confirmed: frozenset[str]
) -> dict[str, Any]:
    """An assumed risk factor that the form leaves as it was, and that was not ticked as
    confirmed, stays an assumption (its provenance is kept): recording one answer on the form
    never confirms the others the EHR import assumed."""
    given, stored = profile.get("risk_factors"), existing.get("risk_factors")
    if not (isinstance(given, dict) and isinstance(stored, dict)):
        return profile
    kept = {
        name: provenance
        for name, provenance in (stored.get("provenance") or {}).items()
        if isinstance(provenance, dict)
        and provenance.get("basis")
        and name not in confirmed
        and given.get(name) == stored.get(name)
    }
    if not kept:
        return profile
    provenance = {**(given.get("provenance") or {}), **kept}
    return {**profile, "risk_factors": {**given, "provenance": provenance}}


def save_profile(
    *,
    uow: UnitOfWork,
    actor: User,
    patient_id: str | None,
    profile: dict[str, Any],
    today: date,
    keep_therapy_fields: tuple[str, ...] = (),
    confirmed_risks: frozenset[str] | None = None,
) -> PatientRecord:
    """Create or update profile, therapy and risk factors. `patient_id=None`: a patient's
    first onboarding, which creates her record and attaches it to her account.

    A section replaces the stored one, except the `keep_therapy_fields` the caller does not
    carry (the web form shows no end date and no earlier AIs): those stay as stored when the
    same AI is given, so editing her height never drops them. `confirmed_risks` (the web form):
    the assumed risk factors ticked as confirmed; any other assumed one left unchanged stays an
    assumption. None (the API): the risk factors given replace the stored ones."""
    allowed = {"patient", "therapy", "risk_factors"}
    unknown = set(profile) - allowed
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], f"unknown section; allowed: {sorted(allowed)}")
    with uow:
        patients = uow.patients
        if patient_id is None:
            if actor.is_clinician:
                raise Forbidden("clinicians open a patient's record through the panel")
            if actor.patient_id is not None:
                patient_id = actor.patient_id
                existing: dict[str, Any] = patients.get_for_update(patient_id).model_dump(
                    mode="json"
                )
            else:
                patient_id = f"p-{secrets.token_hex(6)}"
                existing = {"id": patient_id}
        else:
            check_access(uow, actor, patient_id, "write")
            existing = patients.get_for_update(patient_id).model_dump(mode="json")
        profile = _with_kept_therapy_fields(profile, existing, keep_therapy_fields)
        if confirmed_risks is not None:
            profile = _with_kept_assumptions(profile, existing, confirmed_risks)
        kept_bmi = existing.get("patient", {}).get("recorded_bmi")
        if kept_bmi and "patient" in profile and "recorded_bmi" not in profile["patient"]:
            # a BMI recorded as such (an EHR import) is no field of the profile form: kept
            profile = {**profile, "patient": {**profile["patient"], "recorded_bmi": kept_bmi}}
        record = _parse({**existing, **profile, "id": patient_id}, today)
        try:  # the adult range the nutrition targets (and bonewise) are built for
            check_age(record.patient.age_on(today))
        except ValueError as exc:
            raise InvalidInput(
                [
                    {
                        "loc": ["body", "patient", "birth_date"],
                        "msg": f"birth date {record.patient.birth_date}: {exc}",
                        "type": "value_error",
                    }
                ]
            ) from exc
        patients.save(record)
        if actor.role == "patient" and actor.patient_id is None:
            uow.accounts.attach_patient(user_id=actor.id, patient_id=patient_id)
        audit_write(
            uow,
            actor,
            what="profile, therapy and risk factors",
            patient_id=patient_id,
            detail={"sections": sorted(profile)},
        )
        uow.commit()
        return record


def audit_trail(*, uow: UnitOfWork, actor: User, patient_id: str) -> list[AuditEntry]:
    """The audit log of one record: the patient sees who read or changed her record."""
    with uow:
        check_access(uow, actor, patient_id, "read")
        audit_read(uow, actor, patient_id, "audit log")
        uow.commit()
        return uow.audit.for_patient(patient_id)


@dataclass(frozen=True, slots=True)
class CareTeam:
    clinicians: list[User]


def care_team(*, uow: UnitOfWork, actor: User, patient_id: str) -> CareTeam:
    with uow:
        check_access(uow, actor, patient_id, "read")
        return CareTeam(uow.accounts.clinicians_of(patient_id))


def linked_patient_ids(*, uow: UnitOfWork, actor: User) -> list[str]:
    if not actor.is_clinician:
        raise Forbidden("the panel is for clinicians")
    with uow:
        return uow.accounts.linked_patient_ids(actor.id)


def patient_name(*, uow: UnitOfWork, actor: User, patient_id: str) -> str:
    """The name on the account that owns this record (its id when no account owns it)."""
    with uow:
        check_access(uow, actor, patient_id, "read")
        owner = uow.accounts.owner_of(patient_id)
        return owner.name if owner else patient_id


def banner_in(*, uow: UnitOfWork, actor: User, patient_id: str, as_of: date) -> PatientBanner:
    """`patient_banner` inside an open unit of work, or a held one before the page's block
    (the transaction the sign-in lookup began and that block continues: no second one), kept
    for her data version like the page it tops."""
    version = readable_version(uow, actor, patient_id)
    return banner_at(uow, patient_id, version, record_at(uow, patient_id, version), as_of)


def patient_banner(*, uow: UnitOfWork, actor: User, patient_id: str, as_of: date) -> PatientBanner:
    """Who this record belongs to (name, date of birth, age, record number) for the banner
    every clinician page and report carries; a read of the record like `patient_name`."""
    with uow:
        record = readable_record(uow, actor, patient_id)
        owner = uow.accounts.owner_of(patient_id)
        return patient_banner_for(record, name=owner.name if owner else None, as_of=as_of)
