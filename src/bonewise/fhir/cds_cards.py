"""CDS Hooks 2.0 for bonewise, pure: the discovery document and the cards, from plain data.

Two services:
- `bonewise-patient-view` (hook `patient-view`): cards for the bone-density category (with
  clinical osteoporosis beside it, and each guideline's answer: on therapy, provisional with the
  questions to ask, undetermined: order a DXA, not applicable and why), a therapy gap (criteria
  met and she is not on therapy), therapy she is on (continue, next dose due), provisional
  answers (the questions to ask), an overdue or missing DXA (with a suggested DXA
  ServiceRequest), a denosumab lapse, an overdue bone-therapy dose, significant BMD loss, a
  menopausal status to confirm, same-day conflicting results, and automation stopped (bone
  metastases, recent fracture). Built from an Assessment of the record the chart's prefetch
  imports to; the words come from bonewise.clinical.decision_words, as in the FHIR export.
- `bonewise-order-select` (hook `order-select`): an aromatase inhibitor being ordered with no DXA
  in the last 2 years -> a warning card suggesting a DXA ServiceRequest.

Cards are decision support for the clinician's review: they name the rule, guideline and source,
never prescribe a drug or a dose, and link to the patient in bonewise. No I/O here; the FastAPI
router in bonewise.web.routers.cds_services is the adapter.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bonewise import evidence as ev
from bonewise.clinical import decision_words, monitoring
from bonewise.clinical.assessment import Assessment
from bonewise.clinical.bone_therapy import AGENT_LABELS
from bonewise.clinical.models import SITE_LABELS, PatientRecord
from bonewise.fhir import read
from bonewise.measures.windows import repeat_dxa_due
from bonewise.terminology import codes

PATIENT_VIEW = "bonewise-patient-view"
ORDER_SELECT = "bonewise-order-select"
SOURCE_LABEL = "bonewise (decision support for review)"
SUMMARY_MAX = 139  # CDS Hooks: summary < 140 characters
_NS = uuid.UUID("8b0e58a4-4a3f-4a55-b0f1-1b7f1f2a9c41")
Indicator = Literal["info", "warning", "critical"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- CDS Hooks 2.0 shapes (the subset bonewise emits) -------------------------------------------
class Coding(_Model):
    system: str
    code: str
    display: str | None = None


class Source(_Model):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Link(_Model):
    label: str
    url: str
    type: Literal["absolute", "smart"] = "absolute"
    appContext: str | None = None


class Action(_Model):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: list[str] | None = None


class Suggestion(_Model):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] = Field(default_factory=list)


class Card(_Model):
    uuid: str | None = None
    summary: str = Field(max_length=SUMMARY_MAX)
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    links: list[Link] | None = None


class CdsResponse(_Model):
    cards: list[Card]


class Service(_Model):
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class Discovery(_Model):
    services: list[Service]


class CdsRequest(BaseModel):
    """A CDS Hooks 2.0 request body (extra members are allowed, as the spec extends them)."""

    model_config = ConfigDict(extra="allow")

    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1)
    fhirServer: str | None = None
    fhirAuthorization: dict[str, Any] | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


# --- discovery ---------------------------------------------------------------------------------
def _loinc_search(code_list: list[str]) -> str:
    return ",".join(f"{codes.LOINC}|{c}" for c in code_list)


_PATIENT = "{{context.patientId}}"
_DXA_CODES = sorted(codes.DXA_LOINC_CODES)
# Exactly what the decision reads: DXA, labs, vitals, smoking, menopausal state, TNM M category.
_RECORD_CODES = ",".join(
    [
        _loinc_search(
            sorted(
                {
                    *_DXA_CODES,
                    *(c.concept.code for c in codes.LAB_CODES),
                    *(c.concept.code for c in codes.VITAL_CODES),
                    codes.SMOKING_STATUS.code,
                    *codes.DISTANT_METASTASES_CATEGORY_LOINC,
                }
            )
        ),
        *(f"{codes.SNOMED}|{code}" for code in sorted(codes.MENOPAUSE_STATES)),
    ]
)
_PROCEDURES = ",".join(
    [
        *(f"{s}|{c}" for s, c in sorted(codes.DXA_PROCEDURE_CODES)),
        *(
            f"{c.concept.system}|{c.concept.code}"
            for c in codes.CONDITION_CODES
            if c.kind == "bilateral_oophorectomy"
        ),
    ]
)
_DXA_PROCEDURES = ",".join(f"{s}|{c}" for s, c in sorted(codes.DXA_PROCEDURE_CODES))
# Conditions and medications are fetched whole: the problem and medication lists are the record
# (an absent condition counts as absent), and ICD-10-CM codes match by ancestor, which a code
# search cannot express. Referenced Medication resources come with their orders (_include).
PATIENT_VIEW_PREFETCH: dict[str, str] = {
    "patient": f"Patient/{_PATIENT}",
    "observations": f"Observation?patient={_PATIENT}&code={_RECORD_CODES}",
    "conditions": f"Condition?patient={_PATIENT}",
    "medicationStatements": f"MedicationStatement?patient={_PATIENT}"
    "&_include=MedicationStatement:medication",
    "medicationRequests": f"MedicationRequest?patient={_PATIENT}"
    "&_include=MedicationRequest:medication",
    "medicationAdministrations": f"MedicationAdministration?patient={_PATIENT}"
    "&_include=MedicationAdministration:medication",
    "procedures": f"Procedure?patient={_PATIENT}&code={_PROCEDURES}",
}
ORDER_SELECT_PREFETCH: dict[str, str] = {
    "patient": f"Patient/{_PATIENT}",
    "dxaObservations": f"Observation?patient={_PATIENT}&code={_loinc_search(_DXA_CODES)}",
    "dxaProcedures": f"Procedure?patient={_PATIENT}&code={_DXA_PROCEDURES}",
}


def discovery() -> dict[str, Any]:
    """The body of GET /cds-services."""
    services = [
        Service(
            hook="patient-view",
            id=PATIENT_VIEW,
            title="bonewise: bone health on aromatase inhibitors",
            description=(
                "Bone density category, guideline therapy gaps (hadji-2017, asco-2019 side by "
                "side), overdue or missing DXA and denosumab lapses for women on anastrozole, "
                "letrozole or exemestane. Decision support for review."
            ),
            prefetch=PATIENT_VIEW_PREFETCH,
        ),
        Service(
            hook="order-select",
            id=ORDER_SELECT,
            title="bonewise: DXA before an aromatase inhibitor",
            description=(
                "Warns when an aromatase inhibitor is ordered and no DXA is on record in the "
                f"last {ev.HADJI_REPEAT_DXA_MONTHS.value[1]} months (her repeat DXA overdue), "
                "and suggests a DXA order."
            ),
            prefetch=ORDER_SELECT_PREFETCH,
        ),
    ]
    return Discovery(services=services).model_dump(exclude_none=True)


# --- cards -------------------------------------------------------------------------------------
def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _card(
    key: str,
    *,
    topic: str,
    summary: str,
    indicator: Indicator,
    detail: str,
    patient_url: str | None,
    suggestions: list[Suggestion] | None = None,
    links: list[Link] | None = None,
) -> Card:
    all_links = (
        [Link(label="Open the assessment in bonewise", url=patient_url)] if patient_url else []
    )
    all_links += links or []
    return Card(
        uuid=str(uuid.uuid5(_NS, key)),
        summary=_summary(summary),
        detail=detail,
        indicator=indicator,
        source=Source(
            label=SOURCE_LABEL,
            topic=Coding(system=codes.BONEWISE, code=topic),
        ),
        suggestions=suggestions,
        selectionBehavior="at-most-one" if suggestions else None,
        links=all_links or None,
    )


def dxa_service_request(patient_id: str, reason: str) -> dict[str, Any]:
    """A draft DXA ServiceRequest for a card suggestion (the clinician decides whether to sign)."""
    return {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "code": {
            "coding": [
                {
                    "system": codes.DXA_ORDER.system,
                    "code": codes.DXA_ORDER.code,
                    "display": codes.DXA_ORDER.display,
                }
            ],
            "text": "DXA bone density scan (lumbar spine and hip)",
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "reasonCode": [{"text": reason}],
    }


def _draft_suggestion(
    key: str, label: str, description: str, resource: dict[str, Any]
) -> Suggestion:
    """A suggestion that drafts one resource; the clinician decides whether to sign it."""
    return Suggestion(
        label=label,
        uuid=str(uuid.uuid5(_NS, key + "/suggestion")),
        isRecommended=True,
        actions=[Action(type="create", description=description, resource=resource)],
    )


def _dxa_suggestion(patient_id: str, key: str, reason: str) -> Suggestion:
    return _draft_suggestion(
        key,
        "Order a DXA bone density scan",
        "Draft a DXA ServiceRequest for review and signing",
        dxa_service_request(patient_id, reason),
    )


def _denosumab_suggestion(patient_id: str, key: str, reason: str) -> Suggestion:
    drug = codes.drug_code(codes.RXNORM, codes.EXPORT_DRUG_RXNORM["denosumab"])
    assert drug is not None
    concept = drug.concept
    return _draft_suggestion(
        key,
        "Draft the overdue denosumab dose",
        "Draft a denosumab MedicationRequest for review and signing",
        {
            "resourceType": "MedicationRequest",
            "status": "draft",
            "intent": "proposal",
            "medicationCodeableConcept": {
                "coding": [
                    {"system": concept.system, "code": concept.code, "display": concept.display}
                ]
            },
            "subject": {"reference": f"Patient/{patient_id}"},
            "reasonCode": [{"text": reason}],
        },
    )


# Urgency policy (issue 13): critical only for a denosumab lapse or a new fracture; warning for
# a therapy or monitoring gap and a route to the clinician; info for information and data requests.
TOPIC_INDICATOR: dict[str, Indicator] = {
    "denosumab-lapse": "critical",
    "new-fracture": "critical",
    "therapy-gap": "warning",
    "bone-therapy-overdue": "warning",
    "dxa-overdue": "warning",
    "significant-bmd-loss": "warning",
    "route-to-clinician": "warning",
    "who-category": "info",
    "on-therapy": "info",
    "provisional": "info",
    "confirm-menopausal-status": "info",
    "same-day-conflict": "info",
    "confirm-metastases": "info",
    "assumptions": "info",
    "cannot-assess": "info",
}


def _guidelines_lines(assessment: Assessment) -> str:
    lines = []
    for said in decision_words.verdicts(assessment):
        decision = assessment.guidelines[said.guideline]
        # A not-applicable answer already is its reason.
        why = "" if said.determinacy == "not-applicable" else "; ".join(decision.reasons)
        if decision.missing:
            why += ("; " if why else "") + "missing: " + ", ".join(decision.missing)
        lines.append(
            f"- **{said.guideline} ({said.version})**: {said.line}."
            + (f" {why}" if why else "")
            + f" (rule {decision.rule_id})"
        )
    return "\n".join(lines)


def _category_card(assessment: Assessment, key: str, patient_url: str | None) -> Card:
    lowest = assessment.lowest_t_score
    if assessment.who_category is not None and lowest is not None:
        site = SITE_LABELS.get(lowest.site, lowest.site)
        computed = ", computed" if lowest.computed else ""
        summary = (
            f"Bone density: {assessment.who_category} (lowest T-score {lowest.value:+.1f} at "
            f"{site}{computed}, {lowest.scan_date.isoformat()})"
        )
    elif assessment.z_scores:
        low = min(assessment.z_scores, key=lambda z: z.value)
        summary = (
            f"Bone density ({assessment.menopausal_status}): lowest Z-score {low.value:+.1f} at "
            f"{SITE_LABELS.get(low.site, low.site)}: {low.interpretation}"
        )
    else:
        summary = "Bone density: no DXA result on record for the assessment"
    clinical = decision_words.clinical_osteoporosis_line(assessment)
    if clinical is not None:
        # Beside the densitometric category (T-score based), never in place of it.
        summary = "Clinical osteoporosis (fragility fracture); " + summary[0].lower() + summary[1:]
    indicator: Indicator = "info"  # a category is information; gaps and lapses get their own card
    detail = (
        (clinical + "\n\n" if clinical else "")
        + "Guidelines side by side (never merged into one verdict):\n\n"
        + _guidelines_lines(assessment)
        + f"\n\n_{assessment.disclaimer}_"
    )
    return _card(
        f"{key}/category",
        topic="who-category",
        summary=summary,
        indicator=indicator,
        detail=detail,
        patient_url=patient_url,
    )


def _therapy_gap_card(assessment: Assessment, key: str, patient_url: str | None) -> Card | None:
    met = assessment.therapy_indicated_by
    if not met or assessment.bone_therapy.on_therapy:
        return None  # on therapy: the on-therapy card (or the overdue/lapse card) says it
    checks = "\n".join(f"- {c.text} ({c.rule_id}; {c.evidence})" for c in assessment.safety_checks)
    detail = (
        f"Criteria for bone-directed therapy are met under {', '.join(met)}, and no "
        "bone-directed therapy is recorded as active.\n\n"
        + _guidelines_lines(assessment)
        + ("\n\nBefore starting any agent:\n" + checks if checks else "")
        + f"\n\n_{assessment.disclaimer}_"
    )
    return _card(
        f"{key}/therapy-gap",
        topic="therapy-gap",
        summary=f"Bone-directed therapy criteria met ({', '.join(met)}); none recorded: review",
        indicator="warning",
        detail=detail,
        patient_url=patient_url,
    )


def _agent(assessment: Assessment) -> str:
    agent = AGENT_LABELS.get(assessment.bone_therapy.agent or "", "bone-directed therapy")
    return agent[0].upper() + agent[1:]


def _day(day: date | None) -> str:
    return day.isoformat() if day is not None else "earlier"


def _on_therapy_card(assessment: Assessment, key: str, patient_url: str | None) -> Card | None:
    """Active therapy: continue, next dose due. Overdue therapy has its own warning card
    (bone-therapy-overdue) or critical card (denosumab-lapse)."""
    bt = assessment.bone_therapy
    if bt.status != "active":
        return None
    summary = f"On {AGENT_LABELS.get(bt.agent or '', 'bone-directed therapy')}: continue"
    if bt.next_dose_due is not None:
        summary += f"; next dose due {bt.next_dose_due.isoformat()}"
    checks = "\n".join(f"- {c.text} ({c.rule_id}; {c.evidence})" for c in assessment.safety_checks)
    detail = (
        decision_words.on_therapy_words(assessment)
        + (f"\n\nRegimen: {bt.regimen}." if bt.regimen else "")
        + ("\n\nOn therapy:\n" + checks if checks else "")
        + f"\n\n_{assessment.disclaimer}_"
    )
    return _card(
        f"{key}/on-therapy",
        topic="on-therapy",
        summary=summary,
        indicator=TOPIC_INDICATOR["on-therapy"],
        detail=detail,
        patient_url=patient_url,
    )


def _provisional_card(assessment: Assessment, key: str, patient_url: str | None) -> Card | None:
    """Provisional answers: what was taken as absent, as the questions to ask her."""
    provisional = [v for v in decision_words.verdicts(assessment) if v.ask]
    if not provisional:
        return None
    questions = list(dict.fromkeys(q for v in provisional for q in v.ask))
    detail = (
        "Decided on the recorded data with unrecorded factors taken as absent (the FRAX "
        "convention). Asking these could change the answer:\n\n"
        + "\n".join(f"- **{v.guideline}** ({v.words}): " + "; ".join(v.ask) for v in provisional)
    )
    return _card(
        f"{key}/provisional",
        topic="provisional",
        summary=f"Provisional ({', '.join(v.guideline for v in provisional)}): ask about "
        + "; ".join(questions),
        indicator=TOPIC_INDICATOR["provisional"],
        detail=detail,
        patient_url=patient_url,
    )


def _alert_card(
    assessment: Assessment,
    alert_ids: tuple[str, ...],
    key: str,
    patient_url: str | None,
    *,
    topic: str,
    summary: str,
    patient_id: str | None = None,
) -> Card | None:
    alerts = [a for a in assessment.alerts if a.id in alert_ids]
    if not alerts:
        return None
    indicator = TOPIC_INDICATOR[topic]
    detail = "\n\n".join(f"**{a.id}**: {a.text} ({a.citation}; {a.evidence})" for a in alerts)
    suggestions = None
    if patient_id is not None and topic == "dxa-overdue":
        suggestions = [_dxa_suggestion(patient_id, f"{key}/{topic}", alerts[0].text[:200])]
    elif patient_id is not None and topic == "denosumab-lapse":
        suggestions = [_denosumab_suggestion(patient_id, f"{key}/{topic}", alerts[0].text[:200])]
    return _card(
        f"{key}/{topic}",
        topic=topic,
        summary=summary,
        indicator=indicator,
        detail=detail,
        patient_url=patient_url,
        suggestions=suggestions,
    )


def patient_view_cards(
    record: PatientRecord,
    assessment: Assessment,
    *,
    patient_url: str | None,
    fhir_patient_id: str | None = None,
    assumptions: list[str] | None = None,
    confirm_metastases: bool = False,
    smart_launch_url: str | None = None,
) -> dict[str, Any]:
    """The patient-view response: category, therapy gap, DXA due, denosumab lapse, new fracture,
    stops, and (for an EHR chart) what was assumed and a request to confirm metastases."""
    key = f"{record.id}/{assessment.as_of.isoformat()}"
    pid = fhir_patient_id or record.id
    due = assessment.monitoring.next_dxa_due
    dxa_summary = (
        "No baseline DXA on record: order a bone density scan"
        if any(a.id == "no-baseline-dxa" for a in assessment.alerts)
        else f"DXA overdue (was due {due.isoformat() if due else 'earlier'}): order a repeat scan"
    )
    cards = [
        _category_card(assessment, key, patient_url),
        _therapy_gap_card(assessment, key, patient_url),
        _on_therapy_card(assessment, key, patient_url),
        _provisional_card(assessment, key, patient_url),
        _alert_card(
            assessment,
            ("no-baseline-dxa", "dxa-overdue"),
            key,
            patient_url,
            topic="dxa-overdue",
            summary=dxa_summary,
            patient_id=pid,
        ),
        _alert_card(
            assessment,
            ("denosumab-lapse",),
            key,
            patient_url,
            topic="denosumab-lapse",
            summary="Denosumab overdue: rebound vertebral-fracture risk; give the dose or plan "
            "a transition",
            patient_id=pid,
        ),
        _alert_card(
            assessment,
            ("recent-fracture",),
            key,
            patient_url,
            topic="new-fracture",
            summary="Recent fragility fracture: review bone-directed therapy now",
        ),
        _alert_card(
            assessment,
            ("bone-therapy-overdue",),
            key,
            patient_url,
            topic="bone-therapy-overdue",
            summary=f"{_agent(assessment)} overdue (next dose was due "
            f"{_day(assessment.bone_therapy.next_dose_due)}): check whether given, and adherence",
        ),
        _alert_card(
            assessment,
            ("significant-bmd-loss",),
            key,
            patient_url,
            topic="significant-bmd-loss",
            summary="Bone density fell beyond the least significant change: reassess fracture risk",
        ),
        _alert_card(
            assessment,
            ("confirm-menopausal-status",),
            key,
            patient_url,
            topic="confirm-menopausal-status",
            summary="Premenopausal on an aromatase inhibitor, no ovarian suppression recorded: "
            "confirm menopausal status",
        ),
        _alert_card(
            assessment,
            ("same-day-conflict",),
            key,
            patient_url,
            topic="same-day-conflict",
            summary="Two different results on one day: both kept, check which is right",
        ),
    ]
    if confirm_metastases:
        cards.append(_confirm_metastases_card(key, patient_url, smart_launch_url, pid))
    if assumptions:
        cards.append(_assumptions_card(key, patient_url, assumptions))
    if assessment.automation.stopped:
        cards.append(
            _card(
                f"{key}/automation-stopped",
                topic="route-to-clinician",
                summary="Automated bone-health plans stopped: clinician review needed",
                indicator=TOPIC_INDICATOR["route-to-clinician"],
                detail="; ".join(assessment.automation.reasons),
                patient_url=patient_url,
            )
        )
    return CdsResponse(cards=[c for c in cards if c is not None]).model_dump(exclude_none=True)


def _assumptions_card(key: str, patient_url: str | None, assumptions: list[str]) -> Card:
    return _card(
        f"{key}/assumptions",
        topic="assumptions",
        summary=f"Assessed from the problem and medication lists: {len(assumptions)} "
        "assumption(s) listed",
        indicator=TOPIC_INDICATOR["assumptions"],
        detail="What the chart does not state was taken as follows; correct the chart or "
        "bonewise if any is wrong:\n\n" + "\n".join(f"- {line}" for line in assumptions),
        patient_url=patient_url,
    )


def _confirm_metastases_card(
    key: str, patient_url: str | None, smart_launch_url: str | None, patient_id: str
) -> Card:
    links = []
    if smart_launch_url:
        links.append(
            Link(
                label="Record bone-metastasis status in bonewise",
                url=smart_launch_url,
                type="smart",
                appContext=json.dumps({"patientId": patient_id, "record": "bone_metastases"}),
            )
        )
    return _card(
        f"{key}/confirm-metastases",
        topic="confirm-metastases",
        summary="No bone metastases on the problem list: please confirm",
        indicator=TOPIC_INDICATOR["confirm-metastases"],
        detail="bonewise read this chart as having no bone metastases because none is on the "
        "problem list and no TNM staging says otherwise. Metastases change the plan (exercise "
        "loading, bone-directed therapy dose): confirm, or record them.",
        patient_url=patient_url,
        links=links,
    )


def cannot_assess_cards(reason: str, *, patient_url: str | None, key: str) -> dict[str, Any]:
    """One info card saying what bonewise is missing, instead of a silent nothing."""
    card = _card(
        f"{key}/cannot-assess",
        topic="cannot-assess",
        summary="bonewise cannot assess bone health from the chart: data missing",
        indicator="info",
        detail=reason,
        patient_url=patient_url,
    )
    return CdsResponse(cards=[card]).model_dump(exclude_none=True)


# --- order-select ------------------------------------------------------------------------------
def prefetch_resources(prefetch: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every resource in a prefetch object (single resources and searchset Bundles alike)."""
    found: list[dict[str, Any]] = []
    for value in (prefetch or {}).values():
        if not isinstance(value, dict):
            continue
        if value.get("resourceType") == "Bundle":
            for entry in value.get("entry") or []:
                if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                    found.append(entry["resource"])
        elif isinstance(value.get("resourceType"), str):
            found.append(value)
    return found


def dxa_dates(resources: list[dict[str, Any]]) -> list[date]:
    """Dates of DXA results (LOINC DXA Observations) and DXA procedures in plain FHIR JSON."""
    days = []
    for res in resources:
        kind = res.get("resourceType")
        if read.status_skip_reason(res) is not None:
            continue
        if kind == "Observation":
            codings = read.codings(res.get("code")) + [
                c for comp in res.get("component") or [] for c in read.codings(comp.get("code"))
            ]
            if any(codes.dxa_code(c.code, c.system) for c in codings):
                period = res.get("effectivePeriod") or {}
                day = read.day(res.get("effectiveDateTime")) or read.day(period.get("start"))
                if day:
                    days.append(day)
        elif kind == "Procedure" and any(
            codes.is_dxa_procedure(c.system, c.code) for c in read.codings(res.get("code"))
        ):
            period = res.get("performedPeriod") or {}
            day = read.day(res.get("performedDateTime")) or read.day(period.get("start"))
            if day:
                days.append(day)
    return sorted(days)


def on_aromatase_inhibitor(resources: list[dict[str, Any]]) -> bool:
    """Whether the chart holds any aromatase-inhibitor medication (statement, request, given)."""
    kinds = ("MedicationStatement", "MedicationRequest", "MedicationAdministration")
    contained = {
        f"#{c.get('id')}": c
        for res in resources
        for c in res.get("contained") or []
        if isinstance(c, dict) and c.get("resourceType") == "Medication"
    }
    medications = {
        f"Medication/{r.get('id')}": r for r in resources if r.get("resourceType") == "Medication"
    }
    for res in resources:
        if res.get("resourceType") not in kinds:
            continue
        if read.status_skip_reason(res) is not None:
            continue
        concept = res.get("medicationCodeableConcept")
        reference = (res.get("medicationReference") or {}).get("reference")
        if concept is None and isinstance(reference, str):
            concept = (contained.get(reference) or medications.get(reference) or {}).get("code")
        match = codes.match_drug(
            [(c.system, c.code, c.display) for c in read.codings(concept)], read.text(concept)
        )
        if match is not None and match.drug.drug_class == "aromatase_inhibitor":
            return True
    return False


def aromatase_inhibitor_orders(
    draft_orders: Any, selections: list[str] | None
) -> list[tuple[str, codes.DrugCode]]:
    """(reference, drug) for each selected draft MedicationRequest that is an aromatase inhibitor."""
    if not isinstance(draft_orders, dict):
        return []
    chosen = set(selections or [])
    found = []
    for entry in draft_orders.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict) or res.get("resourceType") != "MedicationRequest":
            continue
        ref = f"MedicationRequest/{res.get('id')}"
        if chosen and ref not in chosen:
            continue
        concept = res.get("medicationCodeableConcept")
        match = codes.match_drug(
            [(c.system, c.code, c.display) for c in read.codings(concept)], read.text(concept)
        )
        if match is not None and match.drug.drug_class == "aromatase_inhibitor":
            found.append((ref, match.drug))
    return found


def order_select_cards(
    *,
    patient_id: str,
    draft_orders: Any,
    selections: list[str] | None,
    resources: list[dict[str, Any]],
    as_of: date,
    patient_url: str | None,
) -> dict[str, Any]:
    """The order-select response: a warning card when an AI is ordered with no recent DXA."""
    orders = aromatase_inhibitor_orders(draft_orders, selections)
    if not orders:
        return CdsResponse(cards=[]).model_dump(exclude_none=True)
    days = [d for d in dxa_dates(resources) if d <= as_of]
    # Recent while her next DXA is not yet overdue: the date and the comparison the dxa-overdue
    # alert and measure read (measures.windows, clinical.monitoring), not a look-back of our own.
    due = repeat_dxa_due(days[-1]) if days else None
    if due is not None and not monitoring.past_due(due, as_of):
        return CdsResponse(cards=[]).model_dump(exclude_none=True)
    repeat = ev.HADJI_REPEAT_DXA_MONTHS
    low, high = repeat.value
    agents = ", ".join(sorted({drug.agent for _, drug in orders}))
    last = (
        f"the last on record is {days[-1].isoformat()}, its repeat due by {due.isoformat()}"
        if due is not None
        else "none is on record"
    )
    reason = (
        f"{agents} ordered; no DXA in the last {high} months ({last}). Hadji 2017: assess "
        f"fracture risk in every woman starting an aromatase inhibitor; repeat BMD every "
        f"{low}-{high} months."
    )
    key = f"{patient_id}/{as_of.isoformat()}/order-select/{'|'.join(r for r, _ in orders)}"
    detail = (
        f"An aromatase inhibitor ({agents}) is being ordered and no DXA is on record in the "
        f"last {high} months ({last}). Aromatase inhibitors accelerate bone loss; "
        "Hadji et al. 2017 advise assessing fracture risk (DXA) in every woman starting one "
        f"and repeating it every {low}-{high} months.\n\nSource: {repeat.citation} "
        f"(evidence: {repeat.evidence})."
    )
    card = _card(
        key,
        topic="dxa-before-aromatase-inhibitor",
        summary=f"No DXA in the last {high // 12} years: order a bone "
        f"density scan with this {agents}",
        indicator="warning",
        detail=detail,
        patient_url=patient_url,
        suggestions=[_dxa_suggestion(patient_id, key, reason)],
    )
    return CdsResponse(cards=[card]).model_dump(exclude_none=True)
