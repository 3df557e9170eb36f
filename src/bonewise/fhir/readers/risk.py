"""Risk factors and menopausal status -> the record's risk_factors and patient.menopausal_status.

Takes the facts the Observation, Condition and medication readers kept. Decides, and lists each
assumption it takes: the menopausal status (the user's answer, else the latest recorded, else
inferred by NCCN criteria); each risk factor from a bonewise answer, a condition on the problem
list or a long glucocorticoid course; for an EHR record (one without bonewise's own answers),
that a fact not on the problem or medication list is absent, that bone metastases are none
unless listed or staged otherwise, that an unknown code naming a family leaves that fact unknown,
and that a fracture of unrecorded mechanism counts as a fragility fracture.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bonewise.clinical import ehr_assumptions
from bonewise.clinical.calendar import completed_years
from bonewise.clinical.menopause import infer_menopausal_status
from bonewise.fhir.readers.conditions import ConditionFacts
from bonewise.fhir.readers.context import Dated, ReadContext
from bonewise.fhir.readers.courses import Courses
from bonewise.fhir.readers.observations import ObservationFacts
from bonewise.terminology import codes


class RiskReading:
    """The risk factors and menopausal status of one import, from its readers' facts."""

    def __init__(
        self,
        context: ReadContext,
        observations: ObservationFacts,
        conditions: ConditionFacts,
        medications: Courses,
        document_order: dict[str, int],
    ) -> None:
        self.context = context
        self.report = context.report
        self.observations = observations
        self.conditions = conditions
        self.medications = medications
        # Menopausal status from Observations and Conditions alike, in document order (the
        # latest wins; of one day, the later in the input).
        self.menopause = sorted(
            observations.menopause + conditions.menopause,
            key=lambda dated: document_order.get(dated.source, 0),
        )

    def menopausal_status(self, given: str | None, patient_src: str, birth: date | None) -> str:
        """The user's answer, else the recorded status, else inferred by NCCN criteria (said so)."""
        chosen = self.context.latest(self.menopause, "menopausal status")
        if given is not None:
            if chosen is not None and chosen.value != given:
                self.report.add(
                    "conflict",
                    chosen.source,
                    f"menopausal status {chosen.value!r} in the input; {given!r} given by the "
                    "user is used",
                )
            self.context.value("patient.menopausal_status", given, "user", "given on import")
            return given
        if chosen is not None:
            self.context.value(
                "patient.menopausal_status", chosen.value, chosen.source, chosen.concept
            )
            return str(chosen.value)
        gnrh = self.medications.current_gnrh_agonist()
        ais = [c for c in self.medications.facts.courses if c.kind == "ai"]
        inferred = infer_menopausal_status(
            bilateral_oophorectomy=bool(self.conditions.oophorectomy),
            age=None if birth is None else completed_years(birth, self.context.today),
            on_gnrh_agonist=gnrh is not None,
            on_ai=bool(ais),
        )
        uncoded = self.conditions.unknown_families.get("menopause", [])
        assumed = ehr_assumptions.inferred_menopause(
            inferred,
            gnrh_agent=gnrh.agent if gnrh is not None else None,
            ai_agent=ais[-1].agent if ais else None,
            uncoded=[words for _, words in uncoded],
        )
        # the resources the NCCN criterion read
        sources: tuple[str, ...] = {
            "oophorectomy": tuple(self.conditions.oophorectomy),
            "gnrh-agonist": (gnrh.source,) if gnrh is not None else (),
            "aromatase-inhibitor": (ais[-1].source,) if ais else (),
        }.get(inferred.criterion, ())
        self.report.add_assumed(assumed, sources or (patient_src,))
        self.context.value(
            "patient.menopausal_status",
            inferred.status,
            ", ".join(sources) or patient_src,
            "inferred",
        )
        return inferred.status

    def risk_factors(self) -> dict[str, Any]:
        risk: dict[str, Any] = {}
        for name, dated in self.observations.risk.items():
            risk[name] = dated.value
            self.context.value(f"risk_factors.{name}", dated.value, dated.source, dated.concept)
        smoking = self.context.latest(self.observations.smoking, "smoking status")
        if smoking is not None:
            risk["smoking"] = smoking.value
            self.context.value(
                "risk_factors.smoking", smoking.value, smoking.source, smoking.concept
            )
        derived = dict(self.conditions.derived_risk)
        # Vertebral and after-50 fragility fractures are derived by the clinical core from the
        # fracture list itself (bonewise.clinical.facts), so they are not copied here.
        for name, dated in derived.items():
            explicit = self.observations.risk.get(name)
            if explicit is None or explicit.value is None:
                risk[name] = True
                self.report.add(
                    "derived", dated.source, f"risk_factors.{name} = true from {dated.note}"
                )
                self.context.value(f"risk_factors.{name}", True, dated.source, dated.concept)
            elif explicit.value is not True:
                self.report.add(
                    "conflict",
                    explicit.source,
                    f"risk_factors.{name} recorded as {explicit.value!r} but {dated.note} is in "
                    "the input: true is used (the safer reading); review",
                )
                risk[name] = True
        self._glucocorticoids(risk)
        self._metastases(risk)
        self._absent_from_record(risk)
        provenance = dict(self.observations.risk_provenance)
        if self.ehr_shaped():
            provenance.update(self._ehr_provenance(risk, smoking))
        if provenance:
            risk["provenance"] = provenance
        return risk

    def _ehr_provenance(self, risk: dict[str, Any], smoking: Dated | None) -> dict[str, Any]:
        """Source `ehr-import` (and the date, where the EHR gives one) for each risk factor read
        from a fact in the record; an absence taken from the lists stays an assumption."""
        read_facts: dict[str, date | None] = {
            name: dated.day for name, dated in self.conditions.derived_risk.items() if name in risk
        }
        if smoking is not None:
            read_facts["smoking"] = smoking.day
        course = self.medications.long_glucocorticoid_course()
        name = "oral_glucocorticoids_over_6_months"
        if risk.get(name) is True and (course is not None or self.conditions.long_term_steroids):
            read_facts[name] = course.start if course is not None else None
        staged = max(
            self.observations.metastasis_staging,
            key=lambda d: (d.day is not None, d.day or date.min),
            default=None,
        )
        if staged is not None and risk.get("bone_metastases") is False:
            read_facts["bone_metastases"] = staged.day
        return {
            name: {
                "source": "ehr-import",
                "recorded_on": day.isoformat() if day is not None else None,
            }
            for name, day in read_facts.items()
        }

    def _glucocorticoids(self, risk: dict[str, Any]) -> None:
        name = "oral_glucocorticoids_over_6_months"
        if (
            self.observations.risk.get(name) is not None
            and self.observations.risk[name].value is not None
        ):
            return  # stated in the input (a bonewise export, or a questionnaire)
        course = self.medications.long_glucocorticoid_course()
        sources = tuple(self.conditions.long_term_steroids) or ((course.source,) if course else ())
        if course is not None or self.conditions.long_term_steroids:
            risk[name] = True
            what = (
                f"a {course.agent} course from {course.start}"
                if course is not None
                else "long-term (current) use of systemic steroids on the problem list"
            )
            self.report.add(
                "derived", ", ".join(sources), f"risk_factors.{name} = true from {what}"
            )
            self.context.value(
                f"risk_factors.{name}", True, ", ".join(sources), codes.LOCAL_CODES[name]
            )

    def _metastases(self, risk: dict[str, Any]) -> None:
        name = "bone_metastases"
        if name in risk and (risk[name] is not None or name in self.conditions.derived_risk):
            return  # on the problem list (yes) or stated in the input
        if (
            name in self.observations.risk
            and self.observations.risk[name].value is None
            and not self.ehr_shaped()
        ):
            return  # a bonewise export that says "not recorded": kept as not recorded
        uncoded = self.conditions.unknown_families.get("bone_metastases", [])
        staged = None
        if not uncoded:
            staged = self.context.latest(
                self.observations.metastasis_staging, "TNM distant metastases category"
            )
        assumed = ehr_assumptions.bone_metastases(
            uncoded=[words for _, words in uncoded],
            staged_m0=staged is not None,
            staged_on=staged.day if staged is not None else None,
        )
        risk[name] = assumed.value
        sources = tuple(s for s, _ in uncoded) or ((staged.source,) if staged else ())
        self.report.add_assumed(assumed, sources)

    def _absent_from_record(self, risk: dict[str, Any]) -> None:
        """Problem- and medication-list facts not on the lists count as absent (EHR records)."""
        if not self.ehr_shaped():
            return
        fractures = [data for data, _ in self.conditions.fractures]
        uncoded = self.conditions.unknown_families.get("fracture", [])
        found = ehr_assumptions.absent_from_lists(
            risk,
            fracture_listed=bool(fractures),
            vertebral_fracture_listed=any("vertebra" in str(f["site"]).lower() for f in fractures),
            uncoded_fractures=[words for _, words in uncoded],
        )
        for assumed in found:
            risk[assumed.field.removeprefix("risk_factors.")] = assumed.value
            sources = tuple(s for s, _ in uncoded) if assumed.value is None else ()
            self.report.add_assumed(assumed, sources)

    def ehr_shaped(self) -> bool:
        """An EHR record: no bonewise risk-factor answers in it (a bonewise export states each)."""
        return not self.observations.risk

    def fracture_mechanisms(self, ehr_shaped: bool) -> None:
        """Fractures whose mechanism is not in the input: an EHR record counts each as a
        fragility fracture (the cautious reading, an assumption to confirm); a bonewise export
        that says nothing keeps "not recorded" (the core reads it by age)."""
        if not ehr_shaped:
            return
        for data, source, code, display in self.conditions.unrecorded_mechanism:
            data["fragility"] = True
            reason = (
                "due to osteoporosis"
                if "osteoporo" in display.lower()
                else "not recorded: counted as a fragility fracture (the cautious reading); "
                "confirm with her clinician"
            )
            self.report.add("defaulted", source, f"fracture fragility {reason}", code=code)
            self.report.add_assumed(
                ehr_assumptions.fragility_by_default(data["date"], data["site"]), (source,)
            )
