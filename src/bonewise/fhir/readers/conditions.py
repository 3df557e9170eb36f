"""Conditions (the problem list) and procedures: fractures, metastases, DXA procedures."""

from __future__ import annotations

from datetime import date
from typing import Any

from bonewise.fhir import read, record_codes
from bonewise.fhir.entries import Entry
from bonewise.fhir.readers.base import (
    Dated,
    ReaderBase,
    ext_value,
)
from bonewise.fhir.report import ImportedValue
from bonewise.terminology import codes, families


class ConditionReader(ReaderBase):
    def _condition(self, entry: Entry) -> None:
        cond = entry.resource  # refuted / entered-in-error never get here (read.status_skip_reason)
        for coding in read.codings(cond.code):
            system, code = coding.system, coding.code or ""
            if codes.normalise_system(system) == codes.SNOMED and code in codes.MENOPAUSE_STATES:
                concept, status = codes.MENOPAUSE_STATES[code]
                day = self._date(cond.onsetDateTime or cond.recordedDate, "onset", entry.ref)
                self.menopause.append(Dated(day, status, entry.ref, concept))
                return
            known = codes.condition_code(system, code)
            if known is None:
                continue
            self._unconfirmed(entry, known.concept)
            if known.kind in ("bone_metastases", "rheumatoid_arthritis"):
                self.derived_risk[known.kind] = Dated(
                    None, True, entry.ref, known.concept, note="Condition recorded"
                )
            elif known.kind == "fracture":
                self._fracture(entry, cond, known)
            elif known.kind == "long_term_steroids":
                self.long_term_steroids.append(entry.ref)
            elif known.kind == "bilateral_oophorectomy":
                self.oophorectomy.append(entry.ref)
            else:
                self.report.add(
                    "context",
                    entry.ref,
                    f"{known.concept.display}: recorded for context (bonewise derives the "
                    "WHO category from DXA results, not from a diagnosis code)",
                    code=read.code_str(system, code),
                )
            return
        self._unknown(entry, cond.code, "Condition")
        words = [c.display or "" for c in read.codings(cond.code)] + [read.text(cond.code) or ""]
        family = families.family_named(words)
        if family is not None:
            described = "; ".join(w for w in words if w)
            self.unknown_families.setdefault(family, []).append((entry.ref, described))

    def _fracture(self, entry: Entry, cond: Any, known: codes.ConditionCode) -> None:
        code = read.code_str(known.concept.system, known.concept.code)
        day = self._date(
            cond.onsetDateTime
            or (cond.onsetPeriod.start if cond.onsetPeriod else None)
            or cond.recordedDate,
            "fracture onset",
            entry.ref,
        )
        if day is None:
            self.report.add("rejected", entry.ref, "fracture without an onset date", code=code)
            return
        site = next((b.text for b in cond.bodySite or [] if b.text), None) or (
            known.fracture_site or "site not coded"
        )
        if known.vertebral and "vertebra" not in site.lower():
            site = f"vertebra ({site})"
        fragility = ext_value(cond, codes.EXT_FRAGILITY, "valueBoolean")
        traumatic = ext_value(cond, record_codes.EXT_TRAUMATIC, "valueBoolean")
        data: dict[str, Any] = {"date": day.isoformat(), "site": site, "fragility": fragility}
        if traumatic is not None:
            data["traumatic"] = traumatic
        if fragility is None and traumatic is None:
            # Decided when the record is assembled: an EHR record counts it as fragility (an
            # assumption to confirm); a bonewise export keeps "not recorded".
            self.unrecorded_mechanism.append((data, entry.ref, code, known.concept.display))
        imported = ImportedValue(
            "fractures[]",
            data,
            None,
            entry.ref,
            code,
            known.concept.display,
            known.concept.evidence,
        )
        self.fractures.append((data, imported))

    def _procedure(self, entry: Entry) -> None:
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
                    self.dxa_procedures.append((day, entry.ref))
                known = codes.procedure_code(coding.system, coding.code or "")
                if known:
                    self._unconfirmed(entry, known.concept)
                return
            condition = codes.condition_code(coding.system, coding.code)
            if condition is not None and condition.kind == "bilateral_oophorectomy":
                self._unconfirmed(entry, condition.concept)
                self.oophorectomy.append(entry.ref)
                return
        self._unknown(entry, proc.code, "Procedure")

    def _performed(self, entry: Entry, proc: Any, what: str) -> date | None:
        return self._date(
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
        self.vertebral_imaging.append(data)
        self._value("vertebral_imaging[]", data, entry.ref, record_codes.VERTEBRAL_IMAGING[kind])
