"""Conditions and Procedures -> ConditionFacts: the problem list and what was done.

Reads fractures (date, site, mechanism when the input gives it), bone metastases, rheumatoid
arthritis, long-term steroid use, bilateral oophorectomy, menopausal-status conditions, DXA
procedures and bonewise's vertebral-imaging procedures. Decides: which code family a Condition
belongs to (SNOMED CT value sets, ICD-10-CM by ancestor), that an unknown code whose words name a
family (a fracture, bone metastases, menopause) leaves that fact unknown rather than absent, and
that a fracture without an onset date is not imported. Whether a fracture of unrecorded mechanism
counts as a fragility fracture is the assembler's (it depends on the kind of record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bonewise.clinical import ehr_assumptions
from bonewise.fhir import read, record_codes
from bonewise.fhir.entries import Entry
from bonewise.fhir.readers.context import Dated, ReadContext, ext_value
from bonewise.fhir.report import ImportedValue
from bonewise.terminology import codes, families


@dataclass
class ConditionFacts:
    """What the problem list and procedures say, in document order."""

    menopause: list[Dated] = field(default_factory=list)
    # risk factors a condition on the list sets (bone_metastases, rheumatoid_arthritis)
    derived_risk: dict[str, Dated] = field(default_factory=dict)
    fractures: list[tuple[dict[str, Any], ImportedValue]] = field(default_factory=list)
    # fractures read without a mechanism: (data, source, code, display); see read_condition
    unrecorded_mechanism: list[tuple[dict[str, Any], str, str, str]] = field(default_factory=list)
    long_term_steroids: list[str] = field(default_factory=list)
    oophorectomy: list[str] = field(default_factory=list)
    # conditions under codes bonewise does not know whose words name a family (fracture,
    # bone metastases, menopause): family -> [(source, words)]; the fact is then unknown
    unknown_families: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    dxa_procedures: list[tuple[date, str]] = field(default_factory=list)
    vertebral_imaging: list[dict[str, Any]] = field(default_factory=list)


class ConditionReader:
    """Reads the patient's Conditions and Procedures into `facts`."""

    def __init__(self, context: ReadContext) -> None:
        self.context = context
        self.report = context.report
        self.facts = ConditionFacts()

    def read_condition(self, entry: Entry) -> None:
        """Read one Condition of the patient (its status already checked)."""
        cond = entry.resource  # refuted / entered-in-error never get here (read.status_skip_reason)
        for coding in read.codings(cond.code):
            system, code = coding.system, coding.code or ""
            if codes.normalise_system(system) == codes.SNOMED and code in codes.MENOPAUSE_STATES:
                concept, status = codes.MENOPAUSE_STATES[code]
                day = self.context.date(read.condition_onset(cond), "onset", entry.ref)
                self.facts.menopause.append(Dated(day, status, entry.ref, concept))
                return
            known = codes.condition_code(system, code)
            if known is None:
                continue
            self.context.unconfirmed(entry, known.concept)
            if known.kind in ("bone_metastases", "rheumatoid_arthritis"):
                self.facts.derived_risk[known.kind] = Dated(
                    None, True, entry.ref, known.concept, note="Condition recorded"
                )
            elif known.kind == "fracture":
                self._fracture(entry, cond, known)
            elif known.kind == "long_term_steroids":
                self.facts.long_term_steroids.append(entry.ref)
            elif known.kind == "bilateral_oophorectomy":
                self.facts.oophorectomy.append(entry.ref)
            else:
                self.report.add(
                    "context",
                    entry.ref,
                    f"{known.concept.display}: recorded for context (bonewise derives the "
                    "WHO category from DXA results, not from a diagnosis code)",
                    code=read.code_str(system, code),
                )
            return
        self.context.unknown(entry, cond.code, "Condition")
        words = [c.display or "" for c in read.codings(cond.code)] + [read.text(cond.code) or ""]
        family = families.family_named(words)
        if family is not None:
            described = "; ".join(w for w in words if w)
            self.facts.unknown_families.setdefault(family, []).append((entry.ref, described))

    def _fracture(self, entry: Entry, cond: Any, known: codes.ConditionCode) -> None:
        code = read.code_str(known.concept.system, known.concept.code)
        day = self.context.date(read.condition_onset(cond), "fracture onset", entry.ref)
        if day is None:
            self.report.add("rejected", entry.ref, "fracture without an onset date", code=code)
            return
        site = ehr_assumptions.fracture_site(
            known.fracture_site,
            known.vertebral,
            next((b.text for b in cond.bodySite or [] if b.text), None),
        )
        fragility = ext_value(cond, codes.EXT_FRAGILITY, "valueBoolean")
        traumatic = ext_value(cond, record_codes.EXT_TRAUMATIC, "valueBoolean")
        data: dict[str, Any] = {"date": day.isoformat(), "site": site, "fragility": fragility}
        if traumatic is not None:
            data["traumatic"] = traumatic
        if fragility is None and traumatic is None:
            # Decided when the record is assembled: an EHR record counts it as fragility (an
            # assumption to confirm); a bonewise export keeps "not recorded".
            self.facts.unrecorded_mechanism.append((data, entry.ref, code, known.concept.display))
        imported = ImportedValue(
            "fractures[]",
            data,
            None,
            entry.ref,
            code,
            known.concept.display,
            known.concept.evidence,
        )
        self.facts.fractures.append((data, imported))

    def read_procedure(self, entry: Entry) -> None:
        """Read one Procedure of the patient (its status already checked)."""
        proc = entry.resource
        for coding in read.codings(proc.code):
            if codes.normalise_system(coding.system) == codes.BONEWISE and (
                coding.code in record_codes.VERTEBRAL_IMAGING_KIND
            ):
                self._vertebral_imaging(
                    entry, proc, record_codes.VERTEBRAL_IMAGING_KIND[coding.code]
                )
                return
            if codes.is_dxa_procedure(coding.system, coding.code or ""):
                day = self._performed(entry, proc, "DXA procedure date")
                if day is not None:
                    self.facts.dxa_procedures.append((day, entry.ref))
                known = codes.procedure_code(coding.system, coding.code or "")
                if known:
                    self.context.unconfirmed(entry, known.concept)
                return
            condition = codes.condition_code(coding.system, coding.code)
            if condition is not None and condition.kind == "bilateral_oophorectomy":
                self.context.unconfirmed(entry, condition.concept)
                self.facts.oophorectomy.append(entry.ref)
                return
        self.context.unknown(entry, proc.code, "Procedure")

    def _performed(self, entry: Entry, proc: Any, what: str) -> date | None:
        return self.context.date(
            proc.performedDateTime
            or (proc.performedPeriod.start if proc.performedPeriod else None),
            what,
            entry.ref,
        )

    def _vertebral_imaging(self, entry: Entry, proc: Any, kind: str) -> None:
        day = self._performed(entry, proc, "vertebral imaging date")
        if day is None:
            self.report.add("rejected", entry.ref, "vertebral imaging without a date")
            return
        data: dict[str, Any] = {"date": day.isoformat(), "kind": kind}
        found = ext_value(proc, record_codes.EXT_VERTEBRAL_FRACTURE_FOUND, "valueBoolean")
        if found is not None:
            data["fracture_found"] = found
        self.facts.vertebral_imaging.append(data)
        self.context.value(
            "vertebral_imaging[]", data, entry.ref, record_codes.VERTEBRAL_IMAGING[kind]
        )
