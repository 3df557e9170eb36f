"""The patient-view cards read the one answer from the Assessment (issue 11): on therapy, never
"consider starting"; provisional with the question to ask; undetermined: order a DXA;
not-applicable and why; clinical osteoporosis; the new alerts by the urgency policy."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.cds_cards import TOPIC_INDICATOR, patient_view_cards
from bonewise.fhir.export import export_bundle

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "patients"
TODAY = date(2026, 11, 27)


def _example(name: str, **changes: Any) -> tuple[PatientRecord, Assessment]:
    data = json.loads((EXAMPLES / f"{name}.json").read_text())
    data.update(changes)
    record = PatientRecord.parse(data, today=TODAY)
    return record, assess(record, as_of=TODAY)


def _cards(record: PatientRecord, assessment: Assessment) -> dict[str, dict[str, Any]]:
    cards = patient_view_cards(record, assessment, patient_url=None)["cards"]
    return {c["source"]["topic"]["code"]: c for c in cards}


def _all_text(cards: dict[str, dict[str, Any]]) -> str:
    return "\n".join(c["summary"] + "\n" + c.get("detail", "") for c in cards.values())


@pytest.mark.parametrize("name", ["on-denosumab", "osteoporosis", "zoledronic-acid-overdue"])
def test_on_therapy_cards_never_say_consider_starting(name: str) -> None:
    record, assessment = _example(name)
    assert assessment.bone_therapy.on_therapy
    cards = _cards(record, assessment)
    assert "consider bone-directed therapy" not in _all_text(cards)
    assert "therapy-gap" not in cards
    assert "On therapy (" in cards["who-category"]["detail"]


def test_active_therapy_card_says_continue_and_the_next_dose() -> None:
    record, assessment = _example("on-denosumab")
    card = _cards(record, assessment)["on-therapy"]
    due = assessment.bone_therapy.next_dose_due
    assert due is not None
    assert card["summary"] == f"On denosumab: continue; next dose due {due.isoformat()}"
    assert card["indicator"] == "info"
    assert "Dental care on denosumab" in card["detail"]


def test_overdue_zoledronic_acid_is_a_warning_not_the_active_card() -> None:
    record, assessment = _example("zoledronic-acid-overdue")
    cards = _cards(record, assessment)
    assert "on-therapy" not in cards
    card = cards["bone-therapy-overdue"]
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Zoledronic acid overdue (next dose was due 2025-09-24)")


def test_provisional_answer_shows_the_question_to_ask() -> None:
    record, assessment = _example("on-denosumab")
    asco = assessment.guidelines["asco-2019"]
    assert asco.determinacy == "provisional"
    cards = _cards(record, assessment)
    question = asco.would_change_if[0]
    assert cards["provisional"]["summary"].startswith("Provisional (asco-2019): ask about ")
    assert question in cards["provisional"]["detail"]
    assert cards["provisional"]["indicator"] == "info"
    assert (
        f"(provisional: unrecorded factors taken as absent); ask: {question}"
        in (cards["who-category"]["detail"])
    )


def test_complete_answers_make_no_provisional_card() -> None:
    record, assessment = _example("osteoporosis")
    assert all(d.determinacy != "provisional" for d in assessment.guidelines.values())
    assert "provisional" not in _cards(record, assessment)


def test_undetermined_says_order_a_dxa() -> None:
    record, assessment = _example("no-dxa-yet")
    assert assessment.guidelines["asco-2019"].determinacy == "undetermined"
    detail = _cards(record, assessment)["who-category"]["detail"]
    assert "**asco-2019 (2019)**: undetermined: order a DXA." in detail


def test_not_applicable_says_why() -> None:
    record, assessment = _example("bone-metastases-low-t")
    detail = _cards(record, assessment)["who-category"]["detail"]
    assert (
        "**hadji-2017 (2017)**: not applicable: metastatic bone disease: bone-agent dosing is an "
        "oncology decision. (rule hadji-2017.scope.bone-metastases)" in detail
    )
    assert "therapy-gap" not in _cards(record, assessment)


def test_clinical_osteoporosis_is_shown_beside_the_densitometric_category() -> None:
    record, assessment = _example("vertebral-fracture-osteopenia")
    assert assessment.clinical_osteoporosis.present and assessment.who_category == "osteopenia"
    card = _cards(record, assessment)["who-category"]
    assert card["summary"].startswith("Clinical osteoporosis (fragility fracture); bone density: ")
    assert "osteopenia" in card["summary"]
    assert card["detail"].startswith(
        "Clinical osteoporosis: " + assessment.clinical_osteoporosis.reasons[0]
    )


def test_confirm_menopausal_status_is_info() -> None:
    record, assessment = _example(
        "ai-with-goserelin",
        gnrh_agonists=[],
        therapy={"agent": "letrozole", "start_date": "2025-08-04"},
    )
    assert "confirm-menopausal-status" in {a.id for a in assessment.alerts}
    card = _cards(record, assessment)["confirm-menopausal-status"]
    assert card["indicator"] == "info"
    assert "confirm menopausal status" in card["summary"]


def test_same_day_conflict_is_info() -> None:
    data = json.loads((EXAMPLES / "osteoporosis.json").read_text())
    scan = dict(data["dxa_scans"][-1])
    scan["sites"] = {
        site: {**r, "t_score": r["t_score"] + 0.7}
        for site, r in scan["sites"].items()
        if r.get("t_score") is not None
    }
    record, assessment = _example("osteoporosis", dxa_scans=[*data["dxa_scans"], scan])
    assert "same-day-conflict" in {a.id for a in assessment.alerts}
    card = _cards(record, assessment)["same-day-conflict"]
    assert card["indicator"] == "info"


def test_urgency_policy_critical_only_for_a_denosumab_lapse_or_a_new_fracture() -> None:
    critical = {topic for topic, level in TOPIC_INDICATOR.items() if level == "critical"}
    assert critical == {"denosumab-lapse", "new-fracture"}
    assert TOPIC_INDICATOR["bone-therapy-overdue"] == "warning"
    assert TOPIC_INDICATOR["significant-bmd-loss"] == "warning"
    assert TOPIC_INDICATOR["confirm-menopausal-status"] == "info"
    assert TOPIC_INDICATOR["same-day-conflict"] == "info"


def test_export_and_cards_give_the_same_answer() -> None:
    record, assessment = _example("no-dxa-yet")
    bundle = export_bundle(record, assessment, generated_at=datetime(2026, 11, 27, tzinfo=UTC))
    (risk,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "RiskAssessment"
    ]
    detail = _cards(record, assessment)["who-category"]["detail"]
    for prediction in risk["prediction"]:
        name_version, answer = prediction["outcome"]["text"].split(": ", 1)
        assert f"**{name_version}**: {answer}." in detail


def test_export_carries_clinical_osteoporosis_and_not_applicable() -> None:
    record, assessment = _example("bone-metastases-low-t")
    bundle = export_bundle(record, assessment, generated_at=datetime(2026, 11, 27, tzinfo=UTC))
    resources = [e["resource"] for e in bundle["entry"]]
    (risk,) = [r for r in resources if r["resourceType"] == "RiskAssessment"]
    hadji = risk["prediction"][0]
    assert hadji["qualitativeRisk"]["text"].startswith("not applicable: metastatic bone disease")
    assert "determinacy not-applicable" in hadji["rationale"]

    record, assessment = _example("vertebral-fracture-osteopenia")
    bundle = export_bundle(record, assessment, generated_at=datetime(2026, 11, 27, tzinfo=UTC))
    computed = [
        r
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "Observation"
        and r["code"]["coding"][0]["code"] == "clinical-osteoporosis"
    ]
    assert computed[0]["valueString"].startswith("Clinical osteoporosis: ")


def test_seed_tiers_alone_raise_no_therapy_gap_card() -> None:
    record, assessment = _example("osteopenia-no-risk-factors")
    assert assessment.guidelines["seed-tiers"].bone_directed_therapy is True
    cards = _cards(record, assessment)
    assert "therapy-gap" not in cards
    text = _all_text(cards)
    assert "criteria met" not in text and "consider bone-directed therapy" not in text
    assert "**seed-tiers (1)**: patient education, not a therapy decision" in text
