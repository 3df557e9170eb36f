"""The clinician summary reads issue 11's answer: each guideline's determinacy and the questions
that would change a provisional one, the bone_therapy block (dates and where each came from),
clinical osteoporosis beside the WHO category, and the risk factors' answers and sources."""

from __future__ import annotations

import json

import pytest

from bonewise.clinical.assessment import assess
from bonewise.clinical.decision_words import verdict
from bonewise.clinical.models import PatientRecord
from bonewise.render.render import build_report, render_html

from .helpers import AS_OF, EXAMPLES, EXAMPLES_DIR, example, readable_text


def _summary(name: str) -> str:
    record = example(name)
    report = build_report(record=record, audience="clinician", as_of=AS_OF)
    # text nodes are joined with a space: "<strong>overdue: ...</strong>; next" reads "...; next"
    return readable_text(render_html(report), patient_id=record.id).replace(" ;", ";")


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_guideline_shows_its_determinacy_rule_and_questions(name: str) -> None:
    a = assess(example(name), as_of=AS_OF)
    text = _summary(name)
    for key, decision in a.guidelines.items():
        said = verdict(a, key)
        assert f"{decision.determinacy} {decision.rule_id} {said.words}" in text, key
        if said.ask:
            assert "Ask: " + "; ".join(said.ask) in text
    if any(v.ask for v in (verdict(a, k) for k in a.guidelines)):
        assert "Ask: " in text


def test_a_woman_on_therapy_is_never_told_to_consider_it() -> None:
    for name in EXAMPLES:
        a = assess(example(name), as_of=AS_OF)
        if a.bone_therapy.on_therapy:
            assert "consider bone-directed therapy" not in _summary(name).lower(), name


def test_the_bone_therapy_block_with_where_each_date_came_from() -> None:
    a = assess(example("lapsed-denosumab"), as_of=AS_OF)
    bt = a.bone_therapy
    assert bt.status == "overdue" and bt.last_dose and bt.next_dose_due
    text = _summary("lapsed-denosumab")
    assert (
        f"Bone-directed therapy overdue: denosumab; last dose {bt.last_dose.isoformat()}; "
        f"next dose was due {bt.next_dose_due.isoformat()}" in text
    )
    assert f"last dose {bt.last_dose.isoformat()} {bt.last_dose_from}" in text
    assert f"next dose due {bt.next_dose_due.isoformat()} {bt.next_dose_due_from}" in text
    assert "Checks on bone-directed therapy" in text


def test_clinical_osteoporosis_sits_beside_the_who_category() -> None:
    a = assess(example("vertebral-fracture-osteopenia"), as_of=AS_OF)
    assert a.clinical_osteoporosis.present and a.who_category
    text = _summary("vertebral-fracture-osteopenia")
    reasons = "; ".join(a.clinical_osteoporosis.reasons)
    assert f"WHO category {a.who_category}; clinical osteoporosis: {reasons}" in text
    assert "clinical osteoporosis: no" in _summary("normal")


def test_risk_factors_keep_asked_no_apart_from_never_asked() -> None:
    a = assess(example("no-dxa-yet"), as_of=AS_OF)
    text = _summary("no-dxa-yet")
    for f in a.risk_factors:
        words = f.words
        assert f"{f.name.replace('_', ' ')} {words}" in text


def unsure_of_metastases() -> PatientRecord:
    """A woman whose bone-metastasis status was never recorded (automation is limited)."""
    data = json.loads((EXAMPLES_DIR / "osteopenia-no-risk-factors.json").read_text())
    data["risk_factors"]["bone_metastases"] = None
    return PatientRecord.parse(data, today=AS_OF)


def test_a_limited_plan_is_said_as_such() -> None:
    record = unsure_of_metastases()
    a = assess(record, as_of=AS_OF)
    assert a.automation.limited and not a.automation.stopped
    text = readable_text(
        render_html(build_report(record=record, audience="clinician", as_of=AS_OF)),
        patient_id=record.id,
    )
    assert "Automation limited: " + a.automation.limited_reasons[0] in text
    patient = readable_text(
        render_html(build_report(record=record, audience="patient", as_of=AS_OF)),
        patient_id=record.id,
    )
    assert "Your exercise plan is kept gentle for now." in patient
    assert "gentle, low-impact exercise" in patient and "status not recorded" not in patient


@pytest.mark.parametrize("name", ["osteopenia-with-risk-factors", "no-dxa-yet"])
def test_a_rule_that_speaks_twice_lists_its_inputs_once(name: str) -> None:
    """hadji-2017.bta speaks to the clinician and, in her words, to the patient from the same
    inputs: both lines stay in the recommendations, the appendix lists its inputs once."""
    record = example(name)
    report = build_report(record=record, audience="clinician", as_of=AS_OF)
    spoken = [
        rec.rule_id
        for g in report.guidelines  # type: ignore[union-attr]
        for rec in g.recommendations
        if rec.rule_id == "hadji-2017.bta"
    ]
    assert len(spoken) == 2
    listed = [rec.rule_id for rec in report.rules_with_inputs]  # type: ignore[union-attr]
    assert listed.count("hadji-2017.bta") == 1
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("name", ["osteopenia-with-risk-factors", "on-denosumab"])
def test_the_recommendation_list_keeps_what_is_meant_for_the_patient_apart(name: str) -> None:
    """Issue 14: the clinician's list separates what is meant for the patient: the care team's
    recommendations come first, then the patient's under their own heading."""
    a = assess(example(name), as_of=AS_OF)
    text = _summary(name).split("Recommendations by rule set", 1)[1].split("Monitoring", 1)[0]
    team, patient = text.split("Advice meant for the patient", 1)
    assert "For the care team" in team
    for rec in a.recommendations:
        assert rec.rule_id in (patient if rec.audience == "patient" else team), rec.rule_id
    assert {rec.audience for rec in a.recommendations} == {"patient", "clinician"}
