"""FHIR R4 in: a Bundle (JSON), one resource, or NDJSON -> a validated PatientRecord + a report.

    result = import_fhir(text, today=date.today())
    result.record   # bonewise.clinical.models.PatientRecord, validated
    result.report   # ImportReport: what was imported from where, everything that was not, and
                    # the assumptions taken for an EHR record (report.assumptions)

Nothing is dropped silently. Where the pieces live (each small enough to read at one sitting):
    entries.py               the input -> validated resources (Bundle, resource, list, NDJSON)
    read.py                  dates, statuses, codings, references: one rule each, all paths
    readers/context.py       what the readers share: references, the report, today, the patient
    readers/observations.py  DXA, labs, vitals, smoking, menopausal status, FRAX, mCODE staging
    readers/conditions.py    the problem list: fractures, metastases; DXA procedures
    readers/medications.py   one course or dose per medication resource
    readers/courses.py       courses merged: AI therapy, bone-directed therapy, GnRH agonists
    readers/scans.py         DXA results grouped into scans
    readers/risk.py          risk factors and menopausal status, with their assumptions
    readers/record.py        the PatientRecord from the readers' facts
    report.py                ImportReport, Assumption, FhirImportError
Each reader reads its own resource family into its own facts (no state shared between them but
the context); the record assembler combines the facts.
Codes come from bonewise.terminology (RxNorm, SNOMED CT value sets, ICD-10-CM by ancestor, LOINC).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bonewise.clinical.models import PatientRecord
from bonewise.fhir import read
from bonewise.fhir.entries import (
    PATIENT_ID_SYSTEM,
    READ_TYPES,
    SUPPORT_TYPES,
    Entry,
    looks_like_fhir,
    read_entries,
)
from bonewise.fhir.readers.conditions import ConditionReader
from bonewise.fhir.readers.context import ReadContext
from bonewise.fhir.readers.medications import MedicationReader
from bonewise.fhir.readers.observations import ObservationReader
from bonewise.fhir.readers.record import RecordAssembler
from bonewise.fhir.report import (
    Assumption,
    FhirImport,
    FhirImportError,
    ImportedValue,
    ImportIssue,
    ImportReport,
    IssueKind,
)

__all__ = [
    "PATIENT_ID_SYSTEM",
    "READ_TYPES",
    "SUPPORT_TYPES",
    "Assumption",
    "FhirImport",
    "FhirImportError",
    "ImportIssue",
    "ImportReport",
    "ImportedValue",
    "IssueKind",
    "import_fhir",
    "load_fhir_file",
    "looks_like_fhir",
]


def _read(
    entries: list[Entry], context: ReadContext, menopausal_status: str | None
) -> dict[str, Any]:
    """The one Patient's resources, each read by its family's reader, assembled into a record."""
    report = context.report
    patients = [e for e in entries if e.type == "Patient" and e.resource is not None]
    if not patients:
        raise FhirImportError("no Patient resource in the input", report=report)
    if len(patients) > 1:
        ids = ", ".join(p.ref for p in patients)
        raise FhirImportError(
            f"{len(patients)} Patient resources ({ids}): import one patient at a time",
            report=report,
        )
    patient_entry = patients[0]
    context.patient_refs = {patient_entry.ref}
    if patient_entry.full_url:
        context.patient_refs.add(patient_entry.full_url)
    observations = ObservationReader(context)
    conditions = ConditionReader(context)
    medications = MedicationReader(context)
    readers = {
        "Observation": observations.read,
        "Condition": conditions.read_condition,
        "Procedure": conditions.read_procedure,
        "MedicationStatement": medications.read,
        "MedicationRequest": medications.read,
        "MedicationAdministration": medications.read,
    }
    document_order: dict[str, int] = {}
    for position, entry in enumerate(entries):
        document_order.setdefault(entry.ref, position)
        reader = readers.get(entry.type)
        if reader is None or entry.resource is None:
            continue
        skipped = read.status_skip_reason(entry.resource)
        if skipped is not None:
            report.add("skipped", entry.ref, f"{skipped}: not imported")
            continue
        if context.for_this_patient(entry):
            reader(entry)
    assembler = RecordAssembler(
        context, observations.facts, conditions.facts, medications.facts, document_order
    )
    return assembler.assemble(patient_entry, menopausal_status)


# --- public API --------------------------------------------------------------------------------
def import_fhir(
    data: str | bytes | dict[str, Any] | list[Any],
    *,
    today: date,
    source_name: str = "",
    menopausal_status: str | None = None,
) -> FhirImport:
    """FHIR R4 JSON (Bundle, resource, list) or NDJSON -> validated PatientRecord and its report.

    Raises FhirImportError (with the report) when no valid PatientRecord can be made.
    """
    report = ImportReport(source_name=source_name)
    entries = read_entries(data, report)
    context = ReadContext(entries, report, today)
    try:
        raw = _read(entries, context, menopausal_status)
    finally:
        context.finish()
    try:
        record = PatientRecord.parse(raw, today=today)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            sources = sorted({v.source for v in report.values if v.field.startswith(loc)})
            where = f" (from {', '.join(sources)})" if sources else ""
            problems.append(f"{loc}: {err['msg']}{where}")
        raise FhirImportError(
            "the imported data is not a valid patient record: " + "; ".join(problems),
            report=report,
        ) from exc
    return FhirImport(record, report)


def load_fhir_file(
    path: str | Path, *, today: date, menopausal_status: str | None = None
) -> FhirImport:
    """Read a Bundle / resource JSON or NDJSON file and import it."""
    path = Path(path)
    return import_fhir(
        path.read_text(encoding="utf-8"),
        today=today,
        source_name=str(path),
        menopausal_status=menopausal_status,
    )
