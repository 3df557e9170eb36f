"""What a patient reads about her assessment (pure): the clinical text, re-worded for her.

Patient-facing text never gives a drug, dose or treatment instruction; it says what to ask her
team. The one place a drug is named is her own current medicine, with its dates (`medicines`). Alerts become the questions the patient report asks (one mapping, owned by
`bonewise.render.patient`); only recommendations addressed to her are shown; automation-stop
reasons and missing data are put in plain words the same way her report puts them. Her
clinician keeps the full clinical text: these functions are used for patient users only.
"""

from __future__ import annotations

import re
from typing import Any

from bonewise.clinical.assessment import Assessment
from bonewise.render.patient import (
    ALERT_QUESTIONS,
    her_medicines,
    missing,
    patient_advice,
    plan_limited,
    stop_reason_plain,
    team_questions,
)

UNKNOWN_ALERT = "My record flags something for my care team: what does it mean for me?"
# Clinical wording a patient page never shows: drug names, doses, routes and treatment orders.
TREATMENT_WORDS = re.compile(
    r"denosumab|zoledron|alendronate|risedronate|ibandronate|bisphosphonate|antiresorptive"
    r"|\bdos(?:e|es|ing)\b|injection|infusion|tablet|pharmacologic|\btherapy\b|prescrib",
    re.IGNORECASE,
)
# Her own page's disclaimer, as her report says it (the Assessment's is the clinician's).
PATIENT_DISCLAIMER = (
    "This page is for you to read and bring to your care team. It is not a diagnosis or a "
    "prescription: your team decides your treatment with you."
)
_AUTHOR_YEAR = re.compile(r"^(?P<author>[A-Z][\w'-]+)\b.*?\b(?P<year>(?:19|20)\d\d)\b")


def alert_question(alert_id: str) -> str:
    """An alert as the question she can ask her team (never the clinician's instruction)."""
    return ALERT_QUESTIONS.get(alert_id, UNKNOWN_ALERT)


def patient_alerts(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alerts (as in `Assessment.to_json()`) with their text replaced by her question."""
    return [
        {"id": a["id"], "severity": a["severity"], "text": alert_question(a["id"])} for a in alerts
    ]


def short_source(citation: str) -> str:
    """'Hadji P et al. ... 2017 ...' -> 'Hadji 2017': the paper named without its title (a
    title may name a drug)."""
    match = _AUTHOR_YEAR.match(citation)
    if match is None:
        return "see the Learn pages"
    return f"{match['author']} {match['year']}"


def patient_assessment(assessment: Assessment) -> dict[str, Any]:
    """`Assessment.to_json()` re-worded for the patient herself."""
    a = assessment.to_json()
    allowed = {advice.text for advice in patient_advice(assessment)}
    a["alerts"] = patient_alerts(a["alerts"])
    a["recommendations"] = [
        {**r, "citation": short_source(r["citation"])}
        for r in a["recommendations"]
        if r["audience"] == "patient" and r["text"] in allowed
    ]
    a["safety_checks"] = []  # pre-treatment checks are her clinician's; she asks about them
    a["automation"] = {
        "stopped": a["automation"]["stopped"],
        "reasons": list(dict.fromkeys(stop_reason_plain(r) for r in a["automation"]["reasons"])),
    }
    a["disclaimer"] = PATIENT_DISCLAIMER
    a["missing_plain"] = missing(assessment)
    a["on_therapy"] = assessment.bone_therapy.on_therapy
    # Her own medicines by name and date (never what to do about them), as her report says them.
    a["medicines"] = [medicine.words for medicine in her_medicines(assessment)]
    a["plan_limited"] = plan_limited(assessment)
    found = assessment.clinical_osteoporosis
    a["clinical_osteoporosis_plain"] = found.plain_words if found.present else None
    a["team_questions"] = team_questions(assessment)
    for key, decision in a["guidelines"].items():
        # seed-tiers is patient education: shown as such, never as a guideline about medicine
        decision["education"] = not assessment.decides_therapy(key)
        decision["reasons"] = [r for r in decision["reasons"] if not TREATMENT_WORDS.search(r)]
        decision["citation"] = short_source(decision["citation"])
    return a
