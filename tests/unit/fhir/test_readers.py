"""Each FHIR resource-family reader works alone, given only the shared read context, and keeps
its facts to itself (bonewise.fhir.readers; the importer composes them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bonewise.fhir.entries import Entry, read_entries
from bonewise.fhir.readers.conditions import ConditionReader
from bonewise.fhir.readers.context import ReadContext
from bonewise.fhir.readers.medications import MedicationReader
from bonewise.fhir.readers.observations import ObservationReader
from bonewise.fhir.report import ImportReport
from bonewise.terminology import codes

TODAY = date(2026, 12, 1)
SUBJECT = {"reference": "Patient/p1"}
RESOURCES: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1958-04-02"},
    {
        "resourceType": "Observation",
        "id": "t",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": "38267-1"}]},
        "subject": SUBJECT,
        "effectiveDateTime": "2025-02",
        "valueQuantity": {"value": -2.1, "system": codes.UCUM, "code": "{T-score}"},
    },
    {
        "resourceType": "Condition",
        "id": "hip",
        "code": {"coding": [{"system": codes.SNOMED, "code": "5913000"}]},
        "subject": SUBJECT,
        "onsetDateTime": "2024-05-03",
    },
    {
        "resourceType": "MedicationRequest",
        "id": "ai",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": codes.RXNORM, "code": "262485"}]},
        "subject": SUBJECT,
        "authoredOn": "2024-06-01",
    },
]


def _context() -> tuple[ReadContext, dict[str, Entry]]:
    report = ImportReport()
    entries = read_entries(RESOURCES, report)
    context = ReadContext(entries, report, TODAY)
    context.patient_refs = {"Patient/p1"}
    return context, {entry.ref: entry for entry in entries}


def test_each_reader_reads_its_family_alone_into_its_own_facts() -> None:
    context, entries = _context()
    observations = ObservationReader(context)
    conditions = ConditionReader(context)
    medications = MedicationReader(context)
    observations.read(entries["Observation/t"])
    conditions.read_condition(entries["Condition/hip"])
    medications.read(entries["MedicationRequest/ai"])

    (scan_value,) = observations.facts.dxa
    assert (scan_value.day, scan_value.value, scan_value.entry.site) == (
        date(2025, 2, 1),
        -2.1,
        "lumbar_spine",
    )
    ((fracture, _),) = conditions.facts.fractures
    assert fracture["date"] == "2024-05-03"
    (course,) = medications.facts.courses
    assert (course.kind, course.agent, course.start) == ("ai", "anastrozole", date(2024, 6, 1))
    # Nothing leaks between families: each reader holds only what it read.
    assert not observations.facts.labs and not conditions.facts.menopause
    assert not medications.facts.gnrh and not medications.facts.glucocorticoids
    # The shared context carries the report: the imprecise date was said once, by its reader.
    assert [i.kind for i in context.report.issues if i.source == "Observation/t"] == ["converted"]
