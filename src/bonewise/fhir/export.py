"""FHIR R4 out: a PatientRecord and its Assessment as one Bundle that validates with fhir.resources.

The Bundle holds
- the record itself (Patient, vital signs, menopausal status, the aromatase-inhibitor course,
  DXA scans with their Device and facility, labs, fractures, risk-factor answers, bone-directed
  therapy courses with each dose, FRAX), written so that `importer` reads back every value;
- the assessment: a RiskAssessment (each guideline side by side, never merged), a CarePlan with
  its activities (recommendations, safety checks, the next DXA as a ServiceRequest-kind activity,
  monitoring), Observations for the computed values (WHO category, lowest T-score, next DXA due),
  and a Provenance naming bonewise, the rule sets and their versions.

Facts with no verified standard code use bonewise's local code system (`codes.BONEWISE`), named
as such. Unknown values are written with `dataAbsentReason` "unknown", never as "no".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

import bonewise
from bonewise.clinical import decision_words
from bonewise.clinical.assessment import Assessment
from bonewise.clinical.bone_therapy import AGENT_LABELS
from bonewise.clinical.checkin import CheckIn
from bonewise.clinical.models import BoneTherapy, PatientRecord
from bonewise.exercise.adherence import LoggedSession
from bonewise.fhir import record_codes
from bonewise.fhir.importer import PATIENT_ID_SYSTEM as _PATIENT_ID_SYSTEM
from bonewise.terminology import codes

_NS = uuid.UUID("0d1f3c52-9a8e-4f7e-8a0c-5b8f6f1d2c33")
_OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_MANUFACTURER = {"hologic": "Hologic", "lunar": "GE Healthcare Lunar", "norland": "Norland"}
_RISK_FIELDS = (
    "prior_fragility_fracture_after_50",
    "vertebral_fracture",
    "parental_hip_fracture",
    "oral_glucocorticoids_over_6_months",
    "alcohol_3_or_more_units_per_day",
    "rheumatoid_arthritis",
    "falls_last_12_months",
    "bone_metastases",
)


class _Builder:
    def __init__(self, record: PatientRecord, generated_at: datetime) -> None:
        self.record = record
        self.generated_at = generated_at  # when the export is made: values it derives are issued
        self.entries: list[dict[str, Any]] = []
        self.patient_ref = {"reference": self.url("patient")}

    def url(self, key: str) -> str:
        return f"urn:uuid:{self.uid(key)}"

    def uid(self, key: str) -> str:
        return str(uuid.uuid5(_NS, f"{self.record.id}/{key}"))

    def add(self, key: str, resource: dict[str, Any]) -> dict[str, str]:
        resource.setdefault("id", self.uid(key))
        self.entries.append({"fullUrl": self.url(key), "resource": resource})
        return {"reference": self.url(key)}


def _coding(concept: codes.Concept) -> dict[str, str]:
    return {"system": concept.system, "code": concept.code, "display": concept.display}


def _cc(*concepts: codes.Concept, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [_coding(c) for c in concepts]}
    if text:
        out["text"] = text
    return out


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": _OBS_CATEGORY, "code": code}]}]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def _local(code: str) -> codes.Concept:
    return codes.LOCAL_CODES[code]


def _drug_cc(agent: str) -> dict[str, Any]:
    concepts = []
    rxnorm = codes.EXPORT_DRUG_RXNORM.get(agent)
    if rxnorm is not None:
        entry = codes.drug_code(codes.RXNORM, rxnorm)
        assert entry is not None
        concepts.append(entry.concept)
    local = codes.drug_code(codes.BONEWISE, agent)
    assert local is not None
    concepts.append(local.concept)
    return _cc(*concepts, text=agent.replace("_", " "))


def _observation(
    b: _Builder,
    key: str,
    code: dict[str, Any],
    category: str,
    *,
    effective: date | None = None,
    **value: Any,
) -> dict[str, str]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": _category(category),
        "code": code,
        "subject": b.patient_ref,
    }
    if effective is not None:
        resource["effectiveDateTime"] = effective.isoformat()
    resource.update(value)
    return b.add(key, resource)


# --- the record --------------------------------------------------------------------------------
def _patient(b: _Builder) -> None:
    record = b.record
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": _PATIENT_ID_SYSTEM, "value": record.id}],
        "gender": record.patient.sex,
        "birthDate": record.patient.birth_date.isoformat(),
    }
    patient.update(_assumption_extensions(record))
    b.add("patient", patient)
    status = record.patient.menopausal_status
    state, _ = codes.MENOPAUSE_STATES[codes.MENOPAUSE_EXPORT[status]]
    _observation(
        b,
        "menopausal-status",
        _cc(_local("menopausal-status")),
        "social-history",
        valueCodeableConcept=_cc(state, text=status),
    )
    measured: list[dict[str, str]] = []
    for name, measure in (("height", record.patient.height), ("weight", record.patient.weight)):
        if measure is None:
            continue
        vital = next(v for v in codes.VITAL_CODES if v.kind == name)
        measured.append(
            _observation(
                b,
                name,
                _cc(vital.concept),
                "vital-signs",
                valueQuantity=_quantity(measure.value, codes.EXPORT_VITAL_UCUM[measure.unit]),
            )
        )
    bmi = next(v for v in codes.VITAL_CODES if v.kind == "bmi")
    derived_bmi = record.patient.bmi
    if len(measured) == 2 and derived_bmi is not None:
        # The BMI the core computes from them, so a reader of BMI alone (the Bulk loader, an
        # EHR) reads what the assessment reads; issued when the export is made, as her height
        # and weight are undated (the record keeps the current ones). A re-import derives it
        # again from height and weight.
        _observation(
            b,
            "derived-bmi",
            _cc(bmi.concept),
            "vital-signs",
            valueQuantity=_quantity(derived_bmi, "kg/m2"),
            derivedFrom=measured,
            issued=b.generated_at.isoformat(),
        )
    recorded = record.patient.recorded_bmi
    if recorded is not None:  # a BMI recorded as such (without height and weight)
        _observation(
            b,
            "recorded-bmi",
            _cc(bmi.concept),
            "vital-signs",
            effective=recorded.date,
            valueQuantity=_quantity(recorded.value, "kg/m2"),
        )


def _assumption_extensions(record: PatientRecord) -> dict[str, Any]:
    """The record's assumptions (what an EHR import took without anyone stating it), one
    record-assumption extension each, so a re-import keeps them."""
    if not record.assumptions:
        return {}
    return {
        "extension": [
            {
                "url": record_codes.EXT_RECORD_ASSUMPTION,
                "extension": [
                    {"url": "field", "valueString": a.field},
                    {"url": "basis", "valueCode": a.basis},
                    {"url": "statement", "valueString": a.statement},
                    {"url": "confirm", "valueBoolean": a.confirm},
                    {"url": "source", "valueCode": a.source},
                    {"url": "value", "valueString": json.dumps(a.value)},
                ],
            }
            for a in record.assumptions
        ]
    }


def _therapy(b: _Builder) -> None:
    therapy = b.record.therapy
    if therapy is None:
        return
    period: dict[str, str] = {"start": therapy.start_date.isoformat()}
    if therapy.end_date is not None:
        period["end"] = therapy.end_date.isoformat()
    b.add(
        "therapy",
        {
            "resourceType": "MedicationStatement",
            "extension": [
                {"url": codes.EXT_PLANNED_YEARS, "valueDecimal": therapy.planned_years},
                {
                    "url": codes.EXT_OVARIAN_SUPPRESSION,
                    "valueBoolean": therapy.ovarian_suppression,
                },
            ],
            "status": "completed" if therapy.end_date else "active",
            "medicationCodeableConcept": _drug_cc(therapy.agent),
            "subject": b.patient_ref,
            "effectivePeriod": period,
        },
    )
    for i, earlier in enumerate(therapy.switched_from):
        earlier_period: dict[str, str] = {"start": earlier.start_date.isoformat()}
        if earlier.end_date is not None:
            earlier_period["end"] = earlier.end_date.isoformat()
        b.add(
            f"therapy-earlier-{i}",
            {
                "resourceType": "MedicationStatement",
                "status": "completed",
                "medicationCodeableConcept": _drug_cc(earlier.agent),
                "subject": b.patient_ref,
                "effectivePeriod": earlier_period,
            },
        )


def _scans(b: _Builder) -> dict[str, list[dict[str, str]]]:
    """DXA scans; returns the Observation references per scan date (for assessment basis)."""
    refs: dict[str, list[dict[str, str]]] = {}
    for i, scan in enumerate(b.record.dxa_scans):
        device: dict[str, Any] = {
            "resourceType": "Device",
            "manufacturer": _MANUFACTURER.get(scan.scanner_make, scan.scanner_make),
            "type": {"text": "Dual-energy X-ray absorptiometry scanner"},
        }
        if scan.scanner_model:
            device["modelNumber"] = scan.scanner_model
        device_ref = b.add(f"scan-{i}-device", device)
        performer = []
        if scan.facility:
            performer = [
                b.add(
                    f"scan-{i}-facility",
                    {"resourceType": "Organization", "name": scan.facility},
                )
            ]
        b.add(
            f"scan-{i}-procedure",
            {
                "resourceType": "Procedure",
                "status": "completed",
                "code": _cc(codes.DXA_ORDER),
                "subject": b.patient_ref,
                "performedDateTime": scan.date.isoformat(),
            },
        )
        scan_refs = refs.setdefault(scan.date.isoformat(), [])
        for site, result in scan.sites.items():
            for kind, value in (
                ("bmd", result.bmd_g_cm2),
                ("t_score", result.t_score),
                ("z_score", result.z_score),
            ):
                if value is None:
                    continue
                dxa = codes.EXPORT_DXA_LOINC[(site, kind)]
                extra: dict[str, Any] = {}
                # On every result, so a scan without L1-L4 keeps its excluded vertebrae.
                extensions: list[dict[str, Any]] = [
                    {"url": codes.EXT_EXCLUDED_VERTEBRAE, "valueCode": v}
                    for v in scan.excluded_vertebrae
                ]
                if site in scan.facility_precision_pct:
                    extensions.append(
                        {
                            "url": codes.EXT_FACILITY_PRECISION,
                            "valueDecimal": scan.facility_precision_pct[site],
                        }
                    )
                if extensions:
                    extra["extension"] = extensions
                if performer:
                    extra["performer"] = performer
                ref = _observation(
                    b,
                    f"scan-{i}-{site}-{kind}",
                    _cc(dxa.concept),
                    "imaging",
                    effective=scan.date,
                    valueQuantity=_quantity(value, dxa.ucum),
                    device=device_ref,
                    **extra,
                )
                scan_refs.append(ref)
    return refs


def _labs(b: _Builder) -> list[dict[str, str]]:
    refs = []
    for i, lab in enumerate(b.record.labs):
        loinc = codes.EXPORT_LAB_LOINC[(lab.kind, lab.unit)]
        entry = codes.lab_code(loinc)
        assert entry is not None
        refs.append(
            _observation(
                b,
                f"lab-{i}",
                _cc(entry.concept),
                "laboratory",
                effective=lab.date,
                valueQuantity=_quantity(lab.value, lab.unit),
            )
        )
    return refs


def _fractures(b: _Builder) -> None:
    for i, fracture in enumerate(b.record.fractures):
        code = codes.EXPORT_FRACTURE_SNOMED.get(fracture.site.strip().lower())
        known = codes.condition_code(codes.SNOMED, code) if code else None
        concept = known.concept if known else codes.FRACTURE_GENERAL
        # Each mechanism flag only when recorded: "not recorded" stays not recorded.
        mechanism = [
            {"url": url, "valueBoolean": value}
            for url, value in (
                (codes.EXT_FRAGILITY, fracture.fragility),
                (record_codes.EXT_TRAUMATIC, fracture.traumatic),
            )
            if value is not None
        ]
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            "code": _cc(concept, text=f"fracture: {fracture.site}"),
            "bodySite": [{"text": fracture.site}],
            "subject": b.patient_ref,
            "onsetDateTime": fracture.date.isoformat(),
        }
        if mechanism:
            condition["extension"] = mechanism
        b.add(f"fracture-{i}", condition)


def _absent(code: str) -> dict[str, Any]:
    return {"dataAbsentReason": {"coding": [{"system": record_codes.DATA_ABSENT, "code": code}]}}


def _answer_provenance(b: _Builder, name: str) -> dict[str, Any]:
    """Who answered and when, standard where FHIR has a place, all in one bonewise extension."""
    provenance = b.record.risk_factors.provenance.get(name)
    if provenance is None:
        return {}
    parts: list[dict[str, Any]] = []
    if provenance.source is not None:
        parts.append({"url": "source", "valueCode": provenance.source})
    if provenance.recorded_on is not None:
        parts.append({"url": "recorded-on", "valueDate": provenance.recorded_on.isoformat()})
    parts.append({"url": "unsure", "valueBoolean": provenance.unsure})
    if provenance.basis is not None:
        parts.append({"url": "basis", "valueCode": provenance.basis})
    out: dict[str, Any] = {
        "extension": [{"url": record_codes.EXT_ANSWER_PROVENANCE, "extension": parts}]
    }
    if provenance.recorded_on is not None:
        out["effectiveDateTime"] = provenance.recorded_on.isoformat()
    if provenance.source == "patient":
        out["performer"] = [b.patient_ref]
    if provenance.unsure and getattr(b.record.risk_factors, name) is None:
        out.update(_absent(record_codes.ABSENT_UNSURE))  # a value, when there is one, wins
    return out


def _answer_recorded_date(record: PatientRecord, name: str) -> dict[str, str]:
    """A Condition's recordedDate: the day the record's answer was recorded, when it knows it
    (an undated one stays undated: the population run keeps it, see population.quality)."""
    provenance = record.risk_factors.provenance.get(name)
    if provenance is None or provenance.recorded_on is None:
        return {}
    return {"recordedDate": provenance.recorded_on.isoformat()}


def _risk_factors(b: _Builder) -> None:
    rf = b.record.risk_factors
    for name in _RISK_FIELDS:
        value = getattr(rf, name)
        if value is None:
            content: dict[str, Any] = _absent(record_codes.ABSENT_UNKNOWN)
        elif name == "falls_last_12_months":
            content = {"valueInteger": value}
        else:
            content = {"valueBoolean": value}
        content.update(_answer_provenance(b, name))
        _observation(b, f"risk-{name}", _cc(_local(name)), "survey", **content)
    if rf.smoking is None:
        smoking: dict[str, Any] = _absent(record_codes.ABSENT_UNKNOWN)
    else:
        answer, _ = codes.SMOKING_ANSWERS[codes.SMOKING_EXPORT[rf.smoking]]
        smoking = {"valueCodeableConcept": _cc(answer, text=rf.smoking)}
    smoking.update(_answer_provenance(b, "smoking"))
    _observation(b, "risk-smoking", _cc(codes.SMOKING_STATUS), "social-history", **smoking)
    if rf.bone_metastases:
        metastases = codes.codes_for(condition="bone_metastases")
        system, code = sorted(metastases)[0]
        known = codes.condition_code(system, code)
        assert known is not None
        b.add(
            "bone-metastases",
            {
                "resourceType": "Condition",
                "code": _cc(known.concept),
                "subject": b.patient_ref,
                **_answer_recorded_date(b.record, "bone_metastases"),
            },
        )


def _bone_therapy(b: _Builder) -> None:
    for i, course in enumerate(b.record.bone_therapy):
        dose_given: dict[str, Any] = (
            {"dosage": {"dose": _quantity(course.dose_mg, "mg")}}
            if course.dose_mg is not None
            else {}
        )
        doses = []
        for j, day in enumerate(course.doses):
            doses.append(
                b.add(
                    f"bone-{i}-dose-{j}",
                    {
                        "resourceType": "MedicationAdministration",
                        "status": "completed",
                        "medicationCodeableConcept": _drug_cc(course.agent),
                        "subject": b.patient_ref,
                        "effectiveDateTime": day.isoformat(),
                        **dose_given,
                    },
                )
            )
        statement: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "status": "completed" if course.end_date else "active",
            "medicationCodeableConcept": _drug_cc(course.agent),
            "subject": b.patient_ref,
        }
        if course.dose_mg is not None:
            statement["dosage"] = [
                {"doseAndRate": [{"doseQuantity": _quantity(course.dose_mg, "mg")}]}
            ]
        statement.update(_course_period(course))
        if doses:
            statement["derivedFrom"] = doses
        b.add(f"bone-{i}", statement)


def _course_period(course: BoneTherapy) -> dict[str, Any]:
    """The course's effectivePeriod, always with a start (FHIR readers date a statement by it):
    the recorded start, else the first dose, flagged so the importer leaves the start unrecorded."""
    period = {"start": course.started_on.isoformat()}
    if course.end_date is not None:
        period["end"] = course.end_date.isoformat()
    out: dict[str, Any] = {"effectivePeriod": period}
    if course.start_date is None:
        out["extension"] = [{"url": record_codes.EXT_START_IS_FIRST_DOSE, "valueBoolean": True}]
    return out


def _gnrh_agonists(b: _Builder) -> None:
    for i, course in enumerate(b.record.gnrh_agonists):
        drug = record_codes.gnrh_drug(course.agent)
        period = {"start": course.start_date.isoformat()}
        if course.end_date is not None:
            period["end"] = course.end_date.isoformat()
        b.add(
            f"gnrh-{i}",
            {
                "resourceType": "MedicationStatement",
                "status": "completed" if course.end_date else "active",
                "medicationCodeableConcept": _cc(drug.concept, text=course.agent),
                "subject": b.patient_ref,
                "effectivePeriod": period,
            },
        )


def _dxa_procedures(b: _Builder) -> None:
    """A DXA done on a day whose results are not in the record: the Procedure alone."""
    for i, day in enumerate(b.record.dxa_procedures):
        b.add(
            f"dxa-procedure-{i}",
            {
                "resourceType": "Procedure",
                "status": "completed",
                "code": _cc(codes.DXA_ORDER),
                "subject": b.patient_ref,
                "performedDateTime": day.isoformat(),
            },
        )


def _vertebral_imaging(b: _Builder) -> None:
    for i, imaging in enumerate(b.record.vertebral_imaging):
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "status": "completed",
            "code": _cc(record_codes.VERTEBRAL_IMAGING[imaging.kind]),
            "subject": b.patient_ref,
            "performedDateTime": imaging.date.isoformat(),
        }
        if imaging.fracture_found is not None:
            procedure["extension"] = [
                {
                    "url": record_codes.EXT_VERTEBRAL_FRACTURE_FOUND,
                    "valueBoolean": imaging.fracture_found,
                }
            ]
            procedure["outcome"] = {
                "text": "vertebral fracture found"
                if imaging.fracture_found
                else "no vertebral fracture found"
            }
        b.add(f"vertebral-imaging-{i}", procedure)


def _frax(b: _Builder) -> None:
    frax = b.record.frax
    if frax is None:
        return
    components = [
        {"code": _cc(_local(code)), "valueQuantity": _quantity(value, "%")}
        for code, value in (
            ("frax-major-osteoporotic", frax.major_osteoporotic_pct),
            ("frax-hip", frax.hip_pct),
        )
        if value is not None
    ]
    extra: dict[str, Any] = {}
    if frax.with_bmd is not None:
        extra["extension"] = [{"url": codes.EXT_FRAX_WITH_BMD, "valueBoolean": frax.with_bmd}]
    if components:
        extra["component"] = components
    _observation(b, "frax", _cc(_local("frax")), "survey", effective=frax.date, **extra)


def record_entries(
    record: PatientRecord, *, generated_at: datetime | None = None
) -> list[dict[str, Any]]:
    """The Bundle entries for a record alone (no assessment), made at `generated_at` (now)."""
    b = _Builder(record, generated_at or datetime.now(UTC))
    _build_record(b)
    return b.entries


def _build_record(b: _Builder) -> tuple[dict[str, list[dict[str, str]]], list[dict[str, str]]]:
    _patient(b)
    _therapy(b)
    scan_refs = _scans(b)
    lab_refs = _labs(b)
    _fractures(b)
    _risk_factors(b)
    _bone_therapy(b)
    _gnrh_agonists(b)
    _vertebral_imaging(b)
    _dxa_procedures(b)
    _frax(b)
    return scan_refs, lab_refs


# --- the assessment ----------------------------------------------------------------------------
def _rule_sets(assessment: Assessment) -> list[tuple[str, str]]:
    return [(name, d.version) for name, d in assessment.guidelines.items()]


def _assessment(
    b: _Builder,
    assessment: Assessment,
    scan_refs: dict[str, list[dict[str, str]]],
    lab_refs: list[dict[str, str]],
    generated_at: datetime,
) -> None:
    as_of = assessment.as_of.isoformat()
    computed: list[dict[str, str]] = []
    basis = [ref for refs in scan_refs.values() for ref in refs] + lab_refs
    latest_scan_refs = scan_refs.get(
        assessment.lowest_t_score.scan_date.isoformat() if assessment.lowest_t_score else "", []
    )
    method = {"text": "computed by bonewise " + bonewise.__version__}
    if assessment.who_category is not None:
        computed.append(
            _observation(
                b,
                "computed-who-category",
                _cc(_local("who-category")),
                "imaging",
                effective=assessment.as_of,
                valueString=assessment.who_category,
                method=method,
                derivedFrom=latest_scan_refs or None,
            )
        )
    if assessment.lowest_t_score is not None:
        t = assessment.lowest_t_score
        computed.append(
            _observation(
                b,
                "computed-lowest-t-score",
                _cc(_local("lowest-t-score")),
                "imaging",
                effective=t.scan_date,
                valueQuantity=_quantity(t.value, "{T-score}"),
                method={"text": f"{method['text']}; {t.basis}"},
                bodySite={"text": t.site.replace("_", " ")},
                note=[{"text": "computed T-score" if t.computed else "reported by the scanner"}],
                derivedFrom=latest_scan_refs or None,
            )
        )
    if assessment.monitoring.next_dxa_due is not None:
        computed.append(
            _observation(
                b,
                "computed-next-dxa-due",
                _cc(_local("next-dxa-due")),
                "survey",
                effective=assessment.as_of,
                valueDateTime=assessment.monitoring.next_dxa_due.isoformat(),
                method=method,
            )
        )
    for resource in (e["resource"] for e in b.entries):
        if resource.get("derivedFrom") is None:
            resource.pop("derivedFrom", None)

    clinical_line = decision_words.clinical_osteoporosis_line(assessment)
    if clinical_line is not None:
        computed.append(
            _observation(
                b,
                "computed-clinical-osteoporosis",
                _cc(record_codes.CLINICAL_OSTEOPOROSIS),
                "imaging",
                effective=assessment.as_of,
                valueString=clinical_line,
                method={"text": f"{method['text']}; {assessment.clinical_osteoporosis.citation}"},
                note=[{"text": "beside the densitometric WHO category, which stays T-score based"}],
            )
        )

    predictions = []
    for said in decision_words.verdicts(assessment):
        decision = assessment.guidelines[said.guideline]
        rationale = "; ".join(decision.reasons)
        if decision.missing:
            rationale += ("; " if rationale else "") + "missing: " + ", ".join(decision.missing)
        rationale += f"; determinacy {decision.determinacy}; rule {decision.rule_id}"
        if said.ask:
            rationale += "; would change if: " + "; ".join(said.ask)
        predictions.append(
            {
                "outcome": _cc(
                    _local("bone-directed-therapy"),
                    text=f"{said.guideline} ({said.version}): {said.line}",
                ),
                "qualitativeRisk": {"text": said.words},
                "rationale": (rationale or "no reasons given") + f" [{decision.citation}]",
            }
        )
    notes = [{"text": assessment.disclaimer}]
    if clinical_line is not None:
        notes.append({"text": clinical_line})
    notes += [{"text": f"ALERT {a.id} ({a.severity}): {a.text}"} for a in assessment.alerts]
    if assessment.automation.stopped:
        notes.append(
            {"text": "Automated plans stopped: " + "; ".join(assessment.automation.reasons)}
        )
    risk = b.add(
        "risk-assessment",
        {
            "resourceType": "RiskAssessment",
            "status": "final",
            "code": _cc(_local("bone-health-assessment")),
            "method": {
                "text": "bonewise rule sets side by side: "
                + ", ".join(f"{n} {v}" for n, v in _rule_sets(assessment))
            },
            "subject": b.patient_ref,
            "occurrenceDateTime": as_of,
            "basis": basis + computed or None,
            "prediction": predictions,
            "note": notes,
        },
    )
    if not b.entries[-1]["resource"]["basis"]:
        b.entries[-1]["resource"].pop("basis")

    activities: list[dict[str, Any]] = []
    m = assessment.monitoring
    if m.next_dxa_due is not None:
        window: dict[str, str] = {"end": m.next_dxa_due.isoformat()}
        if m.dxa_window_opens is not None:
            window["start"] = m.dxa_window_opens.isoformat()
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": _cc(codes.DXA_ORDER),
                    "status": "not-started",
                    "scheduledPeriod": window,
                    "description": "Repeat DXA (bone density scan)"
                    + (" - overdue" if "dxa" in m.overdue else ""),
                }
            }
        )
    bt = assessment.bone_therapy
    next_dose: tuple[str, date | None] = (
        (
            f"Next {AGENT_LABELS.get(bt.agent or '', 'bone-directed therapy')} dose"
            + (" - overdue" if bt.status == "overdue" else ""),
            bt.next_dose_due,
        )
        if bt.on_therapy
        else ("Next denosumab dose", m.next_denosumab_dose_due)
    )
    for label, day in (("25-OH vitamin D recheck", m.vitamin_d_recheck_due), next_dose):
        if day is not None:
            activities.append(
                {
                    "detail": {
                        "status": "not-started",
                        "scheduledString": f"due {day.isoformat()}",
                        "description": label,
                    }
                }
            )
    for rec in assessment.recommendations + assessment.safety_checks:
        reason = (
            f"{rec.guideline} {rec.rule_id}"
            + (f"; threshold {rec.threshold}" if rec.threshold else "")
            + f"; evidence {rec.evidence}; {rec.citation}"
        )
        activities.append(
            {
                "detail": {
                    "code": {
                        "coding": [{"system": codes.BONEWISE, "code": rec.id}],
                        "text": f"{rec.audience} recommendation",
                    },
                    "reasonCode": [{"text": reason}],
                    "status": "not-started",
                    "description": rec.text,
                }
            }
        )
    care_plan = b.add(
        "care-plan",
        {
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "proposal",
            "title": "Bone health plan during aromatase-inhibitor therapy (for review)",
            "description": assessment.disclaimer,
            "subject": b.patient_ref,
            "created": as_of,
            "supportingInfo": [risk],
            "activity": activities or None,
            "note": [
                {"text": f"Ask ({said.guideline}, provisional): {question}"}
                for said in decision_words.verdicts(assessment)
                for question in said.ask
            ]
            + [{"text": f"Data gap: {g.field}: {g.why}"} for g in assessment.data_gaps]
            or None,
        },
    )
    care_plan_resource = b.entries[-1]["resource"]
    for empty in ("activity", "note"):
        if care_plan_resource[empty] is None:
            care_plan_resource.pop(empty)

    software = b.add(
        "bonewise-software",
        {
            "resourceType": "Device",
            "deviceName": [{"name": "bonewise", "type": "manufacturer-name"}],
            "version": [{"value": bonewise.__version__}],
            "type": {"text": "clinical decision support software"},
        },
    )
    rule_sets = _rule_sets(assessment)
    b.add(
        "provenance",
        {
            "resourceType": "Provenance",
            "target": [risk, care_plan, *computed],
            "recorded": generated_at.isoformat(),
            "policy": [f"urn:bonewise:ruleset:{name}:{version}" for name, version in rule_sets],
            "activity": {
                "text": "bone health assessment as of "
                + as_of
                + " with rule sets "
                + ", ".join(f"{n} (version {v})" for n, v in rule_sets)
            },
            "agent": [
                {
                    "type": {
                        "coding": [
                            {"system": _PARTICIPANT, "code": "assembler", "display": "Assembler"}
                        ]
                    },
                    "who": {**software, "display": f"bonewise {bonewise.__version__}"},
                }
            ],
            "entity": [{"role": "source", "what": b.patient_ref}],
        },
    )


# --- public API --------------------------------------------------------------------------------
def _checkins(b: _Builder, checkins: Sequence[CheckIn]) -> None:
    """Her weekly check-ins as survey Observations, one component per answer; a missed-days
    answer she left blank is absent (unknown), never 0."""
    for i, c in enumerate(checkins):
        missed: dict[str, Any] = (
            {"valueInteger": c.missed_ai_days}
            if c.missed_ai_days is not None
            else _absent("unknown")
        )
        _observation(
            b,
            f"checkin/{i}",
            _cc(_local("weekly-checkin")),
            "survey",
            effective=c.answered_on,
            component=[
                {"code": _cc(_local("worst-joint-pain-24h")), "valueInteger": c.worst_pain},
                {
                    "code": _cc(_local("morning-stiffness")),
                    "valueString": c.stiffness_words,
                },
                {"code": _cc(_local("missed-ai-days-7d")), **missed},
            ],
        )


def _sessions(b: _Builder, sessions: Sequence[LoggedSession]) -> None:
    """Her logged exercise sessions as activity Observations (minutes, and pain when given)."""
    for i, s in enumerate(sessions):
        components: list[dict[str, Any]] = [
            {"code": _cc(_local("exercise-minutes")), "valueQuantity": _quantity(s.minutes, "min")}
        ]
        if s.pain is not None:
            components.append({"code": _cc(_local("exercise-pain")), "valueInteger": s.pain})
        _observation(
            b,
            f"exercise/{i}",
            _cc(_local("exercise-session"), text=s.exercise_id.replace("-", " ")),
            "activity",
            effective=s.performed_on,
            valueString=f"{s.kind}: {s.exercise_id}",
            component=components,
        )


def export_bundle(
    record: PatientRecord,
    assessment: Assessment | None = None,
    *,
    generated_at: datetime | None = None,
    checkins: Sequence[CheckIn] = (),
    sessions: Sequence[LoggedSession] = (),
) -> dict[str, Any]:
    """The record (and its assessment) as a FHIR R4 collection Bundle, validated with R4B models.
    `checkins` and `sessions`: her weekly check-ins and logged exercise, as Observations.

    Raises pydantic.ValidationError if the Bundle does not validate (a bug, not bad input).
    """
    if assessment is not None and assessment.patient_id != record.id:
        raise ValueError(
            f"assessment is for patient {assessment.patient_id!r}, record is {record.id!r}"
        )
    generated_at = generated_at or datetime.now(UTC)
    b = _Builder(record, generated_at)
    scan_refs, lab_refs = _build_record(b)
    if assessment is not None:
        _assessment(b, assessment, scan_refs, lab_refs, generated_at)
    _checkins(b, checkins)
    _sessions(b, sessions)
    bundle = {
        "resourceType": "Bundle",
        "id": b.uid("bundle"),
        "type": "collection",
        "timestamp": generated_at.isoformat(),
        "entry": b.entries,
    }
    Bundle.model_validate(bundle)
    return bundle
