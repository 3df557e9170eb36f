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

from bonewise import evidence as ev
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
        status, reason, sources = self._inferred_menopause(birth)
        uncoded = self.conditions.unknown_families.get("menopause", [])
        self.report.add_assumption(
            "patient.menopausal_status",
            status,
            "inferred",
            f"Menopausal status not recorded: {status}, inferred ({reason})"
            + uncoded_words(uncoded),
            sources or (patient_src,),
            confirm=status != "postmenopausal" or bool(uncoded),
        )
        self.context.value(
            "patient.menopausal_status", status, ", ".join(sources) or patient_src, "inferred"
        )
        return status

    def _inferred_menopause(self, birth: date | None) -> tuple[str, str, tuple[str, ...]]:
        """NCCN criteria (clinical-reference.md s10; clinical.menopause, read by the population
        measures too), in order: bilateral oophorectomy, age, a current GnRH agonist (ovarian
        suppression), an aromatase inhibitor without it."""
        cutoff = ev.NCCN_POSTMENOPAUSAL_AGE.value
        gnrh = self.medications.current_gnrh_agonist()
        ais = [c for c in self.medications.facts.courses if c.kind == "ai"]
        inferred = infer_menopausal_status(
            bilateral_oophorectomy=bool(self.conditions.oophorectomy),
            age=None if birth is None else completed_years(birth, self.context.today),
            on_gnrh_agonist=gnrh is not None,
            on_ai=bool(ais),
        )
        if inferred.criterion == "oophorectomy":
            return inferred.status, "bilateral oophorectomy", tuple(self.conditions.oophorectomy)
        if inferred.criterion == "age":
            return inferred.status, f"age {cutoff} or over (NCCN)", ()
        if inferred.criterion == "gnrh-agonist" and gnrh is not None:
            return (
                inferred.status,
                f"on a GnRH agonist ({gnrh.agent}): ovarian suppression; NCCN assigns no "
                "menopausal status on one",
                (gnrh.source,),
            )
        if inferred.criterion == "aromatase-inhibitor":
            return (
                inferred.status,
                f"on an aromatase inhibitor ({ais[-1].agent}) without ovarian suppression; AIs "
                "are given after menopause or with ovarian suppression",
                (ais[-1].source,),
            )
        return (
            inferred.status,
            f"under {cutoff}, no aromatase inhibitor, no oophorectomy on record: Z-scores are read",
            (),
        )

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
        if uncoded:  # named by a code bonewise does not know: unknown, never "none"
            risk[name] = None
            self.report.add_assumption(
                "risk_factors.bone_metastases",
                None,
                "unrecognised-code",
                "Bone metastases: unknown" + uncoded_words(uncoded),
                tuple(source for source, _ in uncoded),
                confirm=True,
            )
            return
        staged = self.context.latest(
            self.observations.metastasis_staging, "TNM distant metastases category"
        )
        if staged is not None:
            risk[name] = False
            self.report.add_assumption(
                "risk_factors.bone_metastases",
                False,
                "inferred",
                f"Bone metastases: none, from TNM staging M0 ({staged.day or 'undated'}); "
                "not re-staged since",
                (staged.source,),
            )
            return
        risk[name] = False
        self.report.add_assumption(
            "risk_factors.bone_metastases",
            False,
            "absent-from-record",
            "Bone metastases: none on the problem list",
            confirm=True,
        )

    def _absent_from_record(self, risk: dict[str, Any]) -> None:
        """Problem- and medication-list facts not on the lists count as absent (EHR records)."""
        if not self.ehr_shaped():
            return
        fractures = [data for data, _ in self.conditions.fractures]
        uncoded = self.conditions.unknown_families.get("fracture", [])
        vertebral_known = any("vertebra" in str(f["site"]).lower() for f in fractures)
        for name, label, decided in (
            ("vertebral_fracture", "Vertebral fracture", vertebral_known),
            ("prior_fragility_fracture_after_50", "Fragility fracture after 50", bool(fractures)),
        ):
            if uncoded and not decided and risk.get(name) is None:
                # a fracture under a code bonewise does not know: unknown, never "none"
                risk[name] = None
                self.report.add_assumption(
                    f"risk_factors.{name}",
                    None,
                    "unrecognised-code",
                    f"{label}: unknown" + uncoded_words(uncoded),
                    tuple(source for source, _ in uncoded),
                    confirm=True,
                )
        checks = (
            (
                "oral_glucocorticoids_over_6_months",
                "Oral glucocorticoids over 6 months: none on the medication list",
                True,
            ),
            ("rheumatoid_arthritis", "Rheumatoid arthritis: not on the problem list", True),
            (
                "vertebral_fracture",
                "Vertebral fracture: none on the problem list",
                not vertebral_known and not uncoded,
            ),
            (
                "prior_fragility_fracture_after_50",
                "Fragility fracture after 50: none on the problem list",
                not fractures and not uncoded,
            ),
        )
        for name, statement, absent in checks:
            if risk.get(name) is None and absent:
                risk[name] = False
                self.report.add_assumption(
                    f"risk_factors.{name}", False, "absent-from-record", statement
                )

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
            self.report.add_assumption(
                "fractures[].fragility",
                True,
                "defaulted",
                f"Fracture of {data['date']} ({data['site']}): counted as a fragility fracture "
                "(mechanism not recorded)",
                (source,),
                confirm=True,
            )


def uncoded_words(uncoded: list[tuple[str, str]]) -> str:
    """' - the problem list holds "..." under a code bonewise does not know' (empty if none)."""
    if not uncoded:
        return ""
    named = "; ".join(f'"{words}"' for _, words in uncoded[:3])
    return f" - the problem list holds {named} under a code bonewise does not know"
