"""Medication resources -> MedicationFacts: one course or dose per resource, not yet merged.

Reads MedicationStatement, MedicationRequest and MedicationAdministration (the drug coded inline
or by a Medication reference, contained or in the input). Decides: which drug it is (RxNorm by
code, else the ingredient name in the display or text, said as matched by name), its class
(aromatase inhibitor, bone-directed therapy, oral glucocorticoid, GnRH agonist; a SERM is noted
and not read), the course's start, end, planned years, ovarian suppression and stated dose, and
that a glucocorticoid or GnRH agonist course needs a start date. Merging courses into the record's
therapy is bonewise.fhir.readers.courses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from bonewise.clinical import ehr_assumptions
from bonewise.fhir import read, record_codes
from bonewise.fhir.entries import Entry
from bonewise.fhir.readers.context import ReadContext, ext_value, to_date
from bonewise.terminology import codes

# Drug classes read for the decision's context (not as a therapy course of PatientRecord).
_OTHER: dict[str, Literal["glucocorticoid", "gnrh"]] = {
    "glucocorticoid": "glucocorticoid",
    "gnrh_agonist": "gnrh",
}

# The record path a course's end sets, by drug class (bone-directed therapy otherwise).
_END_FIELD = {
    "aromatase_inhibitor": "therapy.end_date",
    "gnrh_agonist": "gnrh_agonists[].end_date",
    "glucocorticoid": "glucocorticoid_courses[].end_date",  # read as a risk factor, not kept
}


def dose_mg(quantity: Any) -> float | None:
    """A dose in mg from a FHIR Quantity (UCUM mg or unit 'mg'), else None."""
    if quantity is None or quantity.value is None:
        return None
    unit = (quantity.code or quantity.unit or "").strip()
    return float(quantity.value) if unit == "mg" else None


@dataclass
class Course:
    """One course (or one dose given) of one drug, from one resource (merged ones name several)."""

    kind: Literal["ai", "bone", "glucocorticoid", "gnrh"]
    agent: str
    start: date | None
    end: date | None
    source: str
    code: codes.DrugCode
    resource_type: str
    planned_years: float | None = None
    ovarian_suppression: bool | None = None
    derived_from: tuple[str, ...] = ()
    doses: list[tuple[date, str]] = field(default_factory=list)
    status: str | None = None
    dose_mg: float | None = None
    # False when the start is only the first dose (bonewise's start-is-first-dose extension)
    start_recorded: bool = True


@dataclass
class MedicationFacts:
    """What the medication resources say, in document order."""

    # aromatase-inhibitor and bone-therapy courses (statements, requests; AI administrations)
    courses: list[Course] = field(default_factory=list)
    # bone-therapy doses given: (drug, day, source, fullUrl or source)
    administrations: list[tuple[codes.DrugCode, date, str, str]] = field(default_factory=list)
    administered_mg: dict[str, float] = field(default_factory=dict)  # dose given, by its source
    gnrh: list[Course] = field(default_factory=list)
    glucocorticoids: list[Course] = field(default_factory=list)


class MedicationReader:
    """Reads the patient's medication resources into `facts`."""

    def __init__(self, context: ReadContext) -> None:
        self.context = context
        self.report = context.report
        self.facts = MedicationFacts()

    def _drug(self, entry: Entry) -> tuple[codes.DrugCode | None, Any]:
        res = entry.resource
        concept = res.medicationCodeableConcept
        if concept is None and res.medicationReference is not None:
            medication = self.context.resolve(res.medicationReference.reference, entry)
            concept = medication.code if medication is not None else None
            if concept is None:
                self.report.add(
                    "rejected",
                    entry.ref,
                    f"medication reference {res.medicationReference.reference!r} not found "
                    "in the input",
                )
                return None, None
        found = codes.match_drug(
            [(c.system, c.code, c.display) for c in read.codings(concept)], read.text(concept)
        )
        if found is None:
            self.context.unknown(entry, concept, entry.type)
            return None, concept
        if found.by_name:
            self.report.add(
                "matched-by-name",
                entry.ref,
                f"{found.drug.agent}: matched by name ({read.describe(concept)}); the code is "
                "not in bonewise's RxNorm table: check the medication",
            )
        return found.drug, concept

    def read(self, entry: Entry) -> None:
        """Read one MedicationStatement, -Request or -Administration (its status already checked)."""
        drug, _ = self._drug(entry)
        if drug is None:
            return
        self.context.unconfirmed(entry, drug.concept)
        res = entry.resource
        if drug.drug_class == "serm":
            self.report.add(
                "context",
                entry.ref,
                f"{drug.agent}: recognised; no bonewise rule reads it (not an aromatase inhibitor)",
            )
            return
        if entry.type == "MedicationAdministration":
            self._administration(entry, drug)
            return
        if entry.type == "MedicationStatement":
            start = self.context.date(
                read.medication_statement_start(res), "MedicationStatement start", entry.ref
            )
            written_end = read.medication_statement_end(res)
            end = self.context.date(written_end, "MedicationStatement end", entry.ref)
            derived = tuple(r.reference for r in res.derivedFrom or [] if r.reference)
            dosages = res.dosage or []
        else:
            start = self.context.date(
                read.medication_request_start(res), "MedicationRequest start", entry.ref
            )
            written_end = read.medication_request_end(res)
            end = self._request_end(entry)
            derived = ()
            dosages = res.dosageInstruction or []
        if start is not None and read.ended_without_end_date(res.status, written_end):
            end = start
            self.report.add_assumed(
                ehr_assumptions.ended_on_start(
                    _END_FIELD.get(drug.drug_class, "bone_therapy[].end_date"),
                    drug.agent,
                    res.status,
                    start,
                ),
                (entry.ref,),
            )
        stated_mg = next(
            (
                found
                for dosage in dosages
                for rate in dosage.doseAndRate or []
                if (found := dose_mg(rate.doseQuantity)) is not None
            ),
            None,
        )
        course = Course(
            "ai" if drug.drug_class == "aromatase_inhibitor" else "bone",
            drug.agent,
            start,
            end,
            entry.ref,
            drug,
            entry.type,
            planned_years=ext_value(res, codes.EXT_PLANNED_YEARS, "valueDecimal"),
            ovarian_suppression=ext_value(res, codes.EXT_OVARIAN_SUPPRESSION, "valueBoolean"),
            derived_from=derived,
            status=res.status,
            dose_mg=stated_mg,
            start_recorded=ext_value(res, record_codes.EXT_START_IS_FIRST_DOSE, "valueBoolean")
            is not True,
        )
        if drug.drug_class in _OTHER:
            course.kind = _OTHER[drug.drug_class]
            self._other_course(course)
            return
        self.facts.courses.append(course)

    def _request_end(self, entry: Entry) -> date | None:
        """The order's planned last day of dosing (`read.MEDICATION_REQUEST_END`) once it has
        passed; a planned end still to come is no end yet: the course runs today."""
        day = to_date(
            read.medication_request_end(entry.resource),
            "MedicationRequest end",
            entry.ref,
            self.report,
        )
        if day is not None and day > self.context.today:
            self.report.add(
                "derived",
                entry.ref,
                f"planned to end on {day.isoformat()}: read as ongoing today",
            )
            return None
        return day

    def _administration(self, entry: Entry, drug: codes.DrugCode) -> None:
        """A dose given: a one-day glucocorticoid or GnRH agonist course, an AI course from
        that day, or a bone-therapy dose (with its mg) that joins its course later."""
        res = entry.resource
        if drug.drug_class in _OTHER:
            day = self.context.date(res.effectiveDateTime, "administration date", entry.ref)
            course = Course(
                _OTHER[drug.drug_class], drug.agent, day, day, entry.ref, drug, entry.type
            )
            self._other_course(course)
            return
        day = self.context.date(
            res.effectiveDateTime or (res.effectivePeriod.start if res.effectivePeriod else None),
            "administration date",
            entry.ref,
        )
        if day is None:
            self.report.add("rejected", entry.ref, "administration without a date")
            return
        if drug.drug_class == "aromatase_inhibitor":
            self.facts.courses.append(
                Course("ai", drug.agent, day, None, entry.ref, drug, entry.type)
            )
            return
        self.facts.administrations.append((drug, day, entry.ref, entry.full_url or entry.ref))
        given = dose_mg(res.dosage.dose if res.dosage else None)
        if given is not None:
            self.facts.administered_mg[entry.ref] = given

    def _other_course(self, course: Course) -> None:
        if course.start is None:
            self.report.add("rejected", course.source, f"{course.agent} without a start date")
            return
        (self.facts.glucocorticoids if course.kind == "glucocorticoid" else self.facts.gnrh).append(
            course
        )
