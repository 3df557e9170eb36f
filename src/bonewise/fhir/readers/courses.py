"""Medication courses -> the record's therapy, bone_therapy and gnrh_agonists.

Takes the MedicationFacts (read by bonewise.fhir.readers.medications) and decides: the current
aromatase inhibitor and those she switched from (courses of one agent merged, the baseline timed
from the first start), its planned years (evidence.ASSUMED_AI_PLANNED_YEARS when not stated, an
assumption) and ovarian suppression (stated, else inferred from a current GnRH agonist, else none
on the list: an assumption); refills of one bone-directed drug as one course, and which course
each dose given belongs to (by its link, else by agent and dates); GnRH agonist courses and whether
one runs today; whether an oral glucocorticoid course lasted longer than the population measure's
months.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from bonewise.clinical import ehr_assumptions
from bonewise.clinical.calendar import add_months
from bonewise.fhir import record_codes
from bonewise.fhir.readers.context import ReadContext
from bonewise.fhir.readers.medications import Course, MedicationFacts
from bonewise.measures.definitions import load_measures
from bonewise.terminology import codes

# The largest dose per administration PatientRecord's BoneTherapy.dose_mg accepts (osteoporosis
# doses; denosumab 120 mg is the metastatic-disease dose, kept out of the record).
_MAX_RECORD_DOSE_MG = 100


class Courses:
    """The medication facts of one import, read as courses on `context.today`."""

    def __init__(self, facts: MedicationFacts, context: ReadContext) -> None:
        self.facts = facts
        self.context = context
        self.report = context.report

    def course_until(self, course: Course) -> date:
        """The last day a course counts as taken: its end, else today while it is not closed."""
        if course.end is not None:  # a closed course without one ends on its start (read.py)
            return min(course.end, self.context.today)
        if course.resource_type.endswith("Administration"):
            return course.start or self.context.today
        return self.context.today

    def current_gnrh_agonist(self) -> Course | None:
        """A GnRH agonist course that runs today (ovarian suppression), else None."""
        current = [c for c in self.facts.gnrh if self.course_until(c) >= self.context.today]
        return max(current, key=lambda c: c.start or date.min, default=None)

    def long_glucocorticoid_course(self) -> Course | None:
        """An oral glucocorticoid course longer than RISK_GLUCOCORTICOID_MONTHS (the measure the
        population rules use), else None."""
        months = int(load_measures().number("RISK_GLUCOCORTICOID_MONTHS"))
        for course in self.facts.glucocorticoids:
            assert course.start is not None
            if self.course_until(course) > add_months(course.start, months):
                return course
        return None

    def _ai_courses_by_agent(self) -> list[Course]:
        """The aromatase-inhibitor courses, one per agent (from its first start; open while
        any of its resources is), in the order the agents first appear."""
        ais = [c for c in self.facts.courses if c.kind == "ai"]
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
        return merged

    def therapy(self) -> dict[str, Any] | None:
        """The record's therapy: the latest-started AI, with those she switched from."""
        merged = self._ai_courses_by_agent()
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
        self._planned_years(current, therapy)
        self._ovarian_suppression(current, therapy)
        self.context.value("therapy", therapy, current.source, current.code.concept)
        return therapy

    def _planned_years(self, current: Course, therapy: dict[str, Any]) -> None:
        """Stated in the order, else the record's default (an assumption, said)."""
        if current.planned_years is not None:
            therapy["planned_years"] = float(current.planned_years)
        else:
            assumed = ehr_assumptions.planned_years(current.agent)
            self.report.add(
                "defaulted",
                current.source,
                "planned duration of the aromatase inhibitor not in the input: "
                f"{assumed.value:g} years assumed",
            )
            self.report.add_assumed(assumed, (current.source,))

    def _ovarian_suppression(self, current: Course, therapy: dict[str, Any]) -> None:
        """Stated in the order, else inferred from a current GnRH agonist, else none on the
        medication list (each an assumption, said)."""
        if current.ovarian_suppression is not None:
            therapy["ovarian_suppression"] = current.ovarian_suppression
        else:
            gnrh = self.current_gnrh_agonist()
            therapy["ovarian_suppression"] = gnrh is not None
            self.report.add_assumed(
                ehr_assumptions.ovarian_suppression(gnrh.agent if gnrh is not None else None),
                (gnrh.source,) if gnrh is not None else (current.source,),
            )

    def bone_therapy(self) -> list[dict[str, Any]]:
        """The record's bone_therapy: one item per course, with the doses given in it."""
        kept = self._bone_courses()
        self._attach_doses(kept)
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
            item = self._bone_item(course)
            self.context.value(f"bone_therapy[{i}]", item, course.source, course.code.concept)
            result.append(item)
        return result

    def _bone_courses(self) -> list[Course]:
        """Bone-therapy courses: statements as they are, repeated requests of one agent
        (refills) as one course from the first."""
        courses = [c for c in self.facts.courses if c.kind == "bone"]
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
            ends = [c.end for c in group]
            kept.append(
                Course(
                    "bone",
                    agent,
                    min(starts) if starts else None,
                    # open while any of its requests is; else the last planned end
                    None if any(e is None for e in ends) else max(e for e in ends if e),
                    ", ".join(c.source for c in group),
                    group[0].code,
                    "MedicationRequest",
                    dose_mg=next((c.dose_mg for c in group if c.dose_mg is not None), None),
                )
            )
        return kept

    def _attach_doses(self, kept: list[Course]) -> None:
        """Each dose given joins its course: by its link (derivedFrom), else the latest course of
        its agent that covers its day; doses with none make a course of their own."""
        by_link: dict[str, Course] = {}
        for course in kept:
            for ref in course.derived_from:
                by_link[ref] = course
        orphans: dict[str, list[tuple[date, str]]] = defaultdict(list)
        orphan_code: dict[str, codes.DrugCode] = {}
        for drug, day, source, link in self.facts.administrations:
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

    def _bone_item(self, course: Course) -> dict[str, Any]:
        """One bone_therapy item; a dose above the record's osteoporosis range is left out."""
        item: dict[str, Any] = {
            "agent": course.agent,
            "doses": sorted({d.isoformat() for d, _ in course.doses}),
        }
        if course.start is not None and course.start_recorded:
            item["start_date"] = course.start.isoformat()
        if course.end is not None:
            item["end_date"] = course.end.isoformat()
        given = {
            self.facts.administered_mg[s]
            for _, s in course.doses
            if s in self.facts.administered_mg
        }
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
        return item

    def gnrh_agonists(self) -> list[dict[str, Any]]:
        """GnRH agonist courses (ovarian suppression). Injections of one agent make one course
        from the first to the last; a course closed without an end date ends on its start
        (`fhir.read.ENDED_STATUSES`, listed as an assumption), so only a running course counts
        as current."""
        administered: dict[str, list[Course]] = defaultdict(list)
        courses: list[Course] = []
        for course in self.facts.gnrh:
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
            self.context.value(
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
            if course.end is not None:
                item["end_date"] = course.end.isoformat()
            self.context.value("gnrh_agonists[]", item, course.source, course.code.concept)
            result.append(item)
        return result
