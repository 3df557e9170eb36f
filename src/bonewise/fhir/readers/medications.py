"""Medications: aromatase-inhibitor courses, bone-directed therapy, glucocorticoids, GnRH agonists."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Literal

from bonewise.clinical.calendar import add_months
from bonewise.fhir import read, record_codes
from bonewise.fhir.entries import Entry
from bonewise.fhir.readers.base import (
    Course,
    ReaderBase,
    dose_mg,
    ext_value,
)
from bonewise.measures.definitions import load_measures
from bonewise.terminology import codes

# The largest dose per administration PatientRecord's BoneTherapy.dose_mg accepts (osteoporosis
# doses; denosumab 120 mg is the metastatic-disease dose, kept out of the record).
_MAX_RECORD_DOSE_MG = 100

# Drug classes read for the decision's context (not as a therapy course of PatientRecord).
_OTHER: dict[str, Literal["glucocorticoid", "gnrh"]] = {
    "glucocorticoid": "glucocorticoid",
    "gnrh_agonist": "gnrh",
}


class MedicationReader(ReaderBase):
    def _drug(self, entry: Entry) -> tuple[codes.DrugCode | None, Any]:
        res = entry.resource
        concept = res.medicationCodeableConcept
        if concept is None and res.medicationReference is not None:
            medication = self._resolve(res.medicationReference.reference, entry)
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
            self._unknown(entry, concept, entry.type)
            return None, concept
        if found.by_name:
            self.report.add(
                "matched-by-name",
                entry.ref,
                f"{found.drug.agent}: matched by name ({read.describe(concept)}); the code is "
                "not in bonewise's RxNorm table: check the medication",
            )
        return found.drug, concept

    def _medication(self, entry: Entry) -> None:
        drug, _ = self._drug(entry)
        if drug is None:
            return
        self._unconfirmed(entry, drug.concept)
        res = entry.resource
        if drug.drug_class == "serm":
            self.report.add(
                "context",
                entry.ref,
                f"{drug.agent}: recognised; no bonewise rule reads it (not an aromatase inhibitor)",
            )
            return
        if entry.type == "MedicationAdministration" and drug.drug_class in _OTHER:
            day = self._date(res.effectiveDateTime, "administration date", entry.ref)
            course = Course(
                _OTHER[drug.drug_class], drug.agent, day, day, entry.ref, drug, entry.type
            )
            self._other_course(course)
            return
        if entry.type == "MedicationAdministration":
            day = self._date(
                res.effectiveDateTime
                or (res.effectivePeriod.start if res.effectivePeriod else None),
                "administration date",
                entry.ref,
            )
            if day is None:
                self.report.add("rejected", entry.ref, "administration without a date")
                return
            if drug.drug_class == "aromatase_inhibitor":
                self.courses.append(
                    Course("ai", drug.agent, day, None, entry.ref, drug, entry.type)
                )
                return
            self.administrations.append((drug, day, entry.ref, entry.full_url or entry.ref))
            given = dose_mg(res.dosage.dose if res.dosage else None)
            if given is not None:
                self.administered_mg[entry.ref] = given
            return
        if entry.type == "MedicationStatement":
            period = res.effectivePeriod
            start = self._date(
                (period.start if period else None) or res.effectiveDateTime,
                "MedicationStatement start",
                entry.ref,
            )
            end = self._date(period.end if period else None, "MedicationStatement end", entry.ref)
            derived = tuple(r.reference for r in res.derivedFrom or [] if r.reference)
            dosages = res.dosage or []
        else:
            start = self._date(res.authoredOn, "MedicationRequest.authoredOn", entry.ref)
            end = None
            derived = ()
            dosages = res.dosageInstruction or []
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
        if end is None and res.status in ("stopped", "completed"):
            self.report.add(
                "defaulted",
                entry.ref,
                f"{drug.agent}: status {res.status!r} but no end date in the input; recorded "
                "as ongoing, so check whether and when it ended",
            )
        self.courses.append(course)

    def _other_course(self, course: Course) -> None:
        if course.start is None:
            self.report.add("rejected", course.source, f"{course.agent} without a start date")
            return
        (self.glucocorticoids if course.kind == "glucocorticoid" else self.gnrh).append(course)

    def _course_until(self, course: Course) -> date:
        """The last day a course counts as taken: its end, else today while it is not closed."""
        if course.end is not None:
            return min(course.end, self.today)
        if course.status in ("completed", "stopped") or course.resource_type.endswith(
            "Administration"
        ):
            return course.start or self.today
        return self.today

    def current_gnrh_agonist(self) -> Course | None:
        """A GnRH agonist course that runs today (ovarian suppression), else None."""
        current = [c for c in self.gnrh if self._course_until(c) >= self.today]
        return max(current, key=lambda c: c.start or date.min, default=None)

    def long_glucocorticoid_course(self) -> Course | None:
        """An oral glucocorticoid course longer than RISK_GLUCOCORTICOID_MONTHS (the measure the
        population rules use), else None."""
        months = int(load_measures().number("RISK_GLUCOCORTICOID_MONTHS"))
        for course in self.glucocorticoids:
            assert course.start is not None
            if self._course_until(course) > add_months(course.start, months):
                return course
        return None

    def _therapy(self) -> dict[str, Any] | None:
        ais = [c for c in self.courses if c.kind == "ai"]
        if not ais:
            return None
        by_agent: dict[str, list[Course]] = defaultdict(list)
        for course in ais:
            by_agent[course.agent].append(course)
        merged: list[Course] = []
        for agent, courses in by_agent.items():
            starts = [c.start for c in courses if c.start is not None]
            if not starts:
                for c in courses:
                    self.report.add("rejected", c.source, f"{agent} without a start date")
                continue
            ends = [c.end for c in courses]
            first = min(courses, key=lambda c: c.start or date.max)
            merged.append(
                Course(
                    "ai",
                    agent,
                    min(starts),
                    None if any(e is None for e in ends) else max(e for e in ends if e),
                    ", ".join(c.source for c in courses),
                    first.code,
                    first.resource_type,
                    planned_years=next(
                        (c.planned_years for c in courses if c.planned_years is not None), None
                    ),
                    ovarian_suppression=next(
                        (
                            c.ovarian_suppression
                            for c in courses
                            if c.ovarian_suppression is not None
                        ),
                        None,
                    ),
                )
            )
        if not merged:
            return None
        merged.sort(key=lambda c: c.start or date.min)
        current = merged[-1]
        switched_from = []
        for earlier in merged[:-1]:
            assert earlier.start is not None
            switched_from.append(
                {"agent": earlier.agent, "start_date": earlier.start.isoformat()}
                | ({} if earlier.end is None else {"end_date": earlier.end.isoformat()})
            )
            self.report.add(
                "derived",
                earlier.source,
                f"earlier aromatase-inhibitor course ({earlier.agent} from {earlier.start}) "
                f"kept as switched from: the current one is {current.agent}; the baseline DXA "
                "is timed from the first AI start",
            )
        assert current.start is not None
        therapy: dict[str, Any] = {"agent": current.agent, "start_date": current.start.isoformat()}
        if switched_from:
            therapy["switched_from"] = switched_from
        if current.end is not None:
            therapy["end_date"] = current.end.isoformat()
        if current.planned_years is not None:
            therapy["planned_years"] = float(current.planned_years)
        else:
            self.report.add(
                "defaulted",
                current.source,
                "planned duration of the aromatase inhibitor not in the input: 5 years assumed",
            )
            self.report.add_assumption(
                "therapy.planned_years",
                5,
                "defaulted",
                f"Planned {current.agent} duration: 5 years (not in the order)",
                (current.source,),
            )
        if current.ovarian_suppression is not None:
            therapy["ovarian_suppression"] = current.ovarian_suppression
        else:
            gnrh = self.current_gnrh_agonist()
            therapy["ovarian_suppression"] = gnrh is not None
            if gnrh is not None:
                self.report.add_assumption(
                    "therapy.ovarian_suppression",
                    True,
                    "inferred",
                    f"Ovarian suppression: yes, inferred from a current GnRH agonist ({gnrh.agent})",
                    (gnrh.source,),
                )
            else:
                self.report.add_assumption(
                    "therapy.ovarian_suppression",
                    False,
                    "absent-from-record",
                    "Ovarian suppression: none (no GnRH agonist on the medication list)",
                    (current.source,),
                )
        self._value("therapy", therapy, current.source, current.code.concept)
        return therapy

    def _bone_therapy(self) -> list[dict[str, Any]]:
        courses = [c for c in self.courses if c.kind == "bone"]
        # Repeated MedicationRequests for one agent (refills) are one course.
        requests: dict[str, list[Course]] = defaultdict(list)
        kept: list[Course] = []
        for course in courses:
            if course.resource_type == "MedicationRequest":
                requests[course.agent].append(course)
            else:
                kept.append(course)
        for agent, group in requests.items():
            starts = [c.start for c in group if c.start]
            kept.append(
                Course(
                    "bone",
                    agent,
                    min(starts) if starts else None,
                    None,
                    ", ".join(c.source for c in group),
                    group[0].code,
                    "MedicationRequest",
                    dose_mg=next((c.dose_mg for c in group if c.dose_mg is not None), None),
                )
            )
        by_link: dict[str, Course] = {}
        for course in kept:
            for ref in course.derived_from:
                by_link[ref] = course
        orphans: dict[str, list[tuple[date, str]]] = defaultdict(list)
        orphan_code: dict[str, codes.DrugCode] = {}
        for drug, day, source, link in self.administrations:
            target = by_link.get(source) or by_link.get(link)
            if target is None:
                candidates = [
                    c
                    for c in kept
                    if c.agent == drug.agent
                    and (c.start is None or c.start <= day)
                    and (c.end is None or day <= c.end)
                ]
                target = max(candidates, key=lambda c: c.start or date.min, default=None)
            if target is None:
                orphans[drug.agent].append((day, source))
                orphan_code[drug.agent] = drug
            else:
                target.doses.append((day, source))
        for agent, doses in orphans.items():
            course = Course(
                "bone",
                agent,
                None,
                None,
                ", ".join(s for _, s in doses),
                orphan_code[agent],
                "MedicationAdministration",
            )
            course.doses.extend(doses)
            kept.append(course)
        result = []
        for i, course in enumerate(kept):
            start = course.start
            if start is not None:  # a dose before its course began contradicts the course
                for day, source in sorted({(d, s) for d, s in course.doses if d < start}):
                    self.report.add(
                        "rejected",
                        source,
                        f"{course.agent} dose of {day} is before its course started ({start}) "
                        f"({course.source}): not imported; check the dates in the EHR",
                    )
                course.doses = [(d, s) for d, s in course.doses if d >= start]
            if course.start is None and not course.doses:
                self.report.add(
                    "rejected", course.source, f"{course.agent}: no start date and no doses"
                )
                continue
            item: dict[str, Any] = {
                "agent": course.agent,
                "doses": sorted({d.isoformat() for d, _ in course.doses}),
            }
            if course.start is not None and course.start_recorded:
                item["start_date"] = course.start.isoformat()
            if course.end is not None:
                item["end_date"] = course.end.isoformat()
            given = {self.administered_mg[s] for _, s in course.doses if s in self.administered_mg}
            dose = (
                course.dose_mg
                if course.dose_mg is not None
                else (given.pop() if len(given) == 1 else None)
            )
            if dose is not None and 0 < dose <= _MAX_RECORD_DOSE_MG:
                item["dose_mg"] = dose
            elif dose is not None:
                self.report.add(
                    "not-used",
                    course.source,
                    f"{course.agent} {dose:g} mg per dose: above the {_MAX_RECORD_DOSE_MG} mg a "
                    "bone-therapy course records (an oncology dose?); the course is kept "
                    "without its dose",
                )
            self._value(f"bone_therapy[{i}]", item, course.source, course.code.concept)
            result.append(item)
        return result

    def _gnrh_agonists(self) -> list[dict[str, Any]]:
        """GnRH agonist courses (ovarian suppression). Injections of one agent make one course
        from the first to the last; a course closed without an end date ends on its last known
        date (said in the report), so only a running course counts as current."""
        administered: dict[str, list[Course]] = defaultdict(list)
        courses: list[Course] = []
        for course in self.gnrh:
            if course.resource_type == "MedicationAdministration":
                administered[course.agent].append(course)
            else:
                courses.append(course)
        result = []
        for agent, given in administered.items():
            days = [c.start for c in given if c.start is not None]
            result.append(
                {
                    "agent": record_codes.GNRH_RECORD_AGENT[agent],
                    "start_date": min(days).isoformat(),
                    "end_date": max(days).isoformat(),
                }
            )
            self._value(
                "gnrh_agonists[]",
                result[-1],
                ", ".join(c.source for c in given),
                given[0].code.concept,
            )
        for course in courses:
            assert course.start is not None  # _other_course rejects a course without one
            item = {
                "agent": record_codes.GNRH_RECORD_AGENT[course.agent],
                "start_date": course.start.isoformat(),
            }
            until = self._course_until(course)
            if course.end is not None:
                item["end_date"] = course.end.isoformat()
            elif until < self.today:
                item["end_date"] = until.isoformat()
                self.report.add(
                    "defaulted",
                    course.source,
                    f"{course.agent}: status {course.status!r} without an end date: counted as "
                    f"ended on {until.isoformat()} (its last known date)",
                )
            self._value("gnrh_agonists[]", item, course.source, course.code.concept)
            result.append(item)
        return result
