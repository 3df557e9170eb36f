"""The patient report model: plain words, no drug or dose advice, questions, what is missing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise.clinical.assessment import assess
from bonewise.reports.model import bmd_history
from bonewise.reports.patient import (
    NO_EXERCISE,
    NO_INTAKE,
    SUPPLEMENT_QUESTION,
    PatientReport,
    build_patient_report,
)

from .helpers import AS_OF, DRUG_WORDS, EXAMPLES, adherence, example, intake


def report(name: str, **summaries) -> PatientReport:
    record = example(name)
    return build_patient_report(
        record=record,
        assessment=assess(record, as_of=AS_OF),
        history=bmd_history(record, as_of=AS_OF),
        **summaries,
    )


def patient_facing_text(r: PatientReport) -> str:
    """Everything she reads, except the source list (citations name trial drugs)."""
    parts = [r.where_bones_stand, *r.bone_details, *r.doing_well, *(a.text for a in r.advice)]
    parts += [line.text for line in r.intake_lines] + [r.intake_message, r.exercise_message]
    parts += [r.next_dxa, r.plan_paused or "", *r.questions, r.supplement_caution, *r.missing]
    parts += [c.text for c in r.supplement_cautions]
    return "\n".join(parts)


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_drug_names_or_clinician_recommendations_reach_the_patient(name):
    record = example(name)
    r = report(name)
    text = patient_facing_text(r).lower()
    for word in DRUG_WORDS:
        assert word not in text, f"{name}: patient report names {word!r}"
    clinician_texts = {
        rec.text for rec in assess(record, as_of=AS_OF).recommendations if rec.audience != "patient"
    }
    assert not clinician_texts & {a.text for a in r.advice}
    assert SUPPLEMENT_QUESTION in r.questions


def test_every_patient_recommendation_is_repeated_with_its_citation():
    record = example("osteoporosis")
    patient_recs = [
        rec for rec in assess(record, as_of=AS_OF).recommendations if rec.audience == "patient"
    ]
    r = report("osteoporosis")
    assert [(a.text, a.citation) for a in r.advice] == [(p.text, p.citation) for p in patient_recs]
    assert {p.citation for p in patient_recs} <= set(r.sources)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("normal", "normal range"),
        ("osteopenia-no-risk-factors", "osteopenia"),
        ("osteoporosis", "called osteoporosis"),
        ("premenopausal-ovarian-suppression", "Z-score"),
        ("no-dxa-yet", "No bone density (DXA) scan is recorded yet"),
    ],
)
def test_where_her_bones_stand_in_plain_words(name, words):
    r = report(name)
    assert words in r.where_bones_stand + " ".join(r.bone_details)


def test_missing_data_is_listed_not_fatal():
    r = report("no-dxa-yet")
    assert "a bone density (DXA) scan: none is recorded yet" in r.missing
    assert "a vitamin D blood test" in r.missing
    assert r.history == ()
    assert any("DXA" in q for q in r.questions)


def test_without_a_diary_or_log_the_report_says_so():
    r = report("normal")
    assert r.intake_message == NO_INTAKE
    assert r.exercise_message == NO_EXERCISE
    assert r.intake_lines == ()


def test_intake_against_targets_unknown_is_not_zero():
    r = report("normal", intake=intake())
    lines = {line.label: line for line in r.intake_lines}
    assert lines["Calcium"].met is False
    assert "about 820 mg a day (target 1,200 mg)" in lines["Calcium"].text
    assert lines["Vitamin D"].met is True
    assert lines["Vitamin K"].met is None
    assert lines["Vitamin K"].text.startswith("not known: 40%")
    assert any("calcium averages about 820 mg" in q for q in r.questions)
    assert "Your vitamin D meets its daily target on average." in r.doing_well
    assert "From 7 days logged" in r.intake_message


def test_exercise_weeks():
    r = report("normal", adherence=adherence())
    assert r.exercise_message.startswith("You met your exercise goals in 2 of the last 3 weeks.")
    assert "Your current run: 2 weeks in a row." in r.exercise_message


@pytest.mark.parametrize(
    ("name", "question"),
    [
        ("lapsed-denosumab", "My bone-protecting injection looks overdue"),
        ("osteopenia-with-risk-factors", "My last vitamin D blood test was low"),
        ("bone-metastases", "Which kinds of exercise and activity are safe for me"),
        ("vertebral-fracture-recent", "I broke a bone in the last year"),
        ("no-dxa-yet", "Should I have one now?"),
    ],
)
def test_alerts_become_questions_for_her_team(name, question):
    assert any(question in q for q in report(name).questions)


@pytest.mark.parametrize("name", ["bone-metastases", "vertebral-fracture-recent"])
def test_stopped_automation_pauses_the_plan(name):
    r = report(name)
    assert r.plan_paused is not None
    assert "care team needs to review" in r.plan_paused


def test_next_dxa_date():
    assert (
        report("osteoporosis").next_dxa
        == "Between 15 October 2026 and 15 October 2027 (ask your team which date suits your treatment)."
    )
    assert report("no-dxa-yet").next_dxa.startswith("Overdue: it was due by")


@given(
    calcium=st.one_of(st.none(), st.floats(min_value=0, max_value=4000)),
    target=st.floats(min_value=1, max_value=3000),
)
def test_a_question_about_low_intake_appears_exactly_when_below_target(calcium, target):
    summary = intake(calcium=calcium)
    nutrients = [
        n.model_copy(update={"target": target}) if n.key == "calcium_mg" else n
        for n in summary.nutrients
    ]
    summary = summary.model_copy(update={"nutrients": nutrients})
    r = report("normal", intake=summary)
    asked = any(q.startswith("My calcium averages") for q in r.questions)
    assert asked == (calcium is not None and calcium < target)


def test_bmd_change_in_plain_words_against_the_scanners_margin():
    steady = report("osteoporosis").bone_details
    assert (
        "At the lower spine, top of the thigh bone (femoral neck) and hip, your bone density has "
        "held steady between 20 March 2024 and 15 October 2025" in " ".join(steady)
    )
    risen = " ".join(report("lapsed-denosumab").bone_details)
    assert (
        "At the lower spine, your bone density has gone up by 7.7% since 15 December 2020" in risen
    )
    # Across scanner makes there is no significance call, so nothing is said about change.
    assert "held steady" not in " ".join(report("lunar-conversion").bone_details)
