"""FHIR R4 in: a Bundle (JSON), one resource, or NDJSON -> a validated PatientRecord + a report.

    result = import_fhir(text, today=date.today())
    result.record   # bonewise.clinical.models.PatientRecord, validated
    result.report   # ImportReport: what was imported from where, everything that was not, and
                    # the assumptions taken for an EHR record (report.assumptions)

Nothing is dropped silently. Where the pieces live (each small enough to read at one sitting):
    entries.py               the input -> validated resources (Bundle, resource, list, NDJSON)
    read.py                  dates, statuses, codings, references: one rule each, all paths
    readers/observations.py  DXA, labs, vitals, smoking, menopausal status, FRAX, mCODE staging
    readers/conditions.py    the problem list: fractures, metastases; DXA procedures
    readers/medications.py   AI courses, bone-directed therapy, glucocorticoids, GnRH agonists
    readers/record.py        the PatientRecord and its assumptions
    report.py                ImportReport, Assumption, FhirImportError
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
    looks_like_fhir,
    read_entries,
)
from bonewise.fhir.readers.conditions import ConditionReader
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


class _Importer(ObservationReader, ConditionReader, RecordAssembler):
    def run(self, menopausal_status: str | None) -> dict[str, Any]:
        patients = [e for e in self.entries if e.type == "Patient" and e.resource is not None]
        if not patients:
            raise FhirImportError("no Patient resource in the input", report=self.report)
        if len(patients) > 1:
            ids = ", ".join(p.ref for p in patients)
            raise FhirImportError(
                f"{len(patients)} Patient resources ({ids}): import one patient at a time",
                report=self.report,
            )
        patient_entry = patients[0]
        self.patient_refs = {patient_entry.ref}
        if patient_entry.full_url:
            self.patient_refs.add(patient_entry.full_url)
        handlers = {
            "Observation": self._observation,
            "Condition": self._condition,
            "Procedure": self._procedure,
            "MedicationStatement": self._medication,
            "MedicationRequest": self._medication,
            "MedicationAdministration": self._medication,
        }
        for entry in self.entries:
            handler = handlers.get(entry.type)
            if handler is None or entry.resource is None:
                continue
            skipped = read.status_skip_reason(entry.resource)
            if skipped is not None:
                self.report.add("skipped", entry.ref, f"{skipped}: not imported")
                continue
            if self._for_this_patient(entry):
                handler(entry)
        return self._assemble(patient_entry, menopausal_status)


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
    importer = _Importer(entries, report, today)
    try:
        raw = importer.run(menopausal_status)
    finally:
        importer.finish()
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
