"""Issue 11: decisions that hold on real patients (provisional answers, women on therapy,
fractures, metastases, ovarian suppression, the end of the AI)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bonewise.clinical.assessment import STARTING_RECOMMENDATIONS, assess
from bonewise.clinical.models import PatientRecord

from .builders import AS_OF, NO_RISK_FACTORS, base_data, record, scan


def decision(name: str, **changes):
    return assess(record(**changes), as_of=AS_OF).guidelines[name]


def rec_ids(result) -> set[str]:
    return {r.id for r in result.recommendations}


def alert_ids(result) -> set[str]:
    return {a.id for a in result.alerts}


# --- 1. Provisional decisions and provenance --------------------------------------------------
def test_asco_with_neither_dxa_nor_fracture_is_undetermined_and_orders_a_dxa():
    d = decision("asco-2019", dxa_scans=[])
    assert (d.bone_directed_therapy, d.determinacy) == (None, "undetermined")
    assert any("order a central DXA" in r for r in d.reasons)


def test_asco_with_dxa_and_all_factors_recorded_and_frax_below_is_complete():
    frax = {"date": "2026-01-01", "major_osteoporotic_pct": 9.0, "hip_pct": 1.0}
    d = decision("asco-2019", dxa_scans=[scan(femoral_neck=-1.8)], frax=frax)
    assert (d.bone_directed_therapy, d.determinacy) == (False, "complete")
    assert d.would_change_if == []


def test_asco_names_an_unrecorded_fracture_as_what_would_change_it():
    frax = {"date": "2026-01-01", "major_osteoporotic_pct": 9.0, "hip_pct": 1.0}
    d = decision(
        "asco-2019",
        dxa_scans=[scan(femoral_neck=-1.8)],
        frax=frax,
        risk_factors={"vertebral_fracture": None},
    )
    assert (d.bone_directed_therapy, d.determinacy) == (False, "provisional")
    assert d.would_change_if == ["a prior hip or vertebral fragility fracture"]


@pytest.mark.parametrize(
    ("frax_day", "why"), [("2025-05-01", "aromatase-inhibitor start"), ("2025-05-10", "latest DXA")]
)
def test_a_stale_frax_is_not_used_and_said_so(frax_day, why):
    # AI start 2025-06-01, DXA 2025-05-20 in the base record; a FRAX of 30% would decide "true".
    frax = {"date": frax_day, "major_osteoporotic_pct": 30.0, "hip_pct": 4.0}
    if why == "latest DXA":
        changes = {"dxa_scans": [scan("2025-06-10", femoral_neck=-1.8)], "frax": frax}
        frax["date"] = "2025-06-05"
    else:
        changes = {"dxa_scans": [scan(femoral_neck=-1.8)], "frax": frax}
    result = assess(record(**changes), as_of=AS_OF)
    d = result.guidelines["asco-2019"]
    assert d.bone_directed_therapy is False
    assert any("not used" in r and why in r for r in d.reasons)
    assert any(g.field == "frax" and "not used" in g.why for g in result.data_gaps)


def test_a_current_frax_after_the_dxa_is_used():
    frax = {"date": "2025-07-01", "major_osteoporotic_pct": 30.0, "hip_pct": 1.0}
    d = decision("asco-2019", dxa_scans=[scan(femoral_neck=-1.8)], frax=frax)
    assert (d.bone_directed_therapy, d.rule_id) == (True, "asco-2019.3.4-frax")


def test_hadji_no_dxa_and_one_risk_factor_is_undetermined_order_a_dxa():
    d = decision("hadji-2017", dxa_scans=[], risk_factors={"smoking": "current"})
    assert (d.bone_directed_therapy, d.determinacy) == (None, "undetermined")
    assert "DXA" in d.missing
    assert any("order a DXA" in r for r in d.reasons)


def test_provisional_decisions_become_a_question_for_her_team():
    result = assess(
        record(dxa_scans=[scan(femoral_neck=-1.7)], risk_factors={"parental_hip_fracture": None}),
        as_of=AS_OF,
    )
    assert result.guidelines["hadji-2017"].would_change_if == ["family history of hip fracture"]
    question = next(r for r in result.recommendations if r.id == "decisions.questions-for-team")
    assert question.audience == "patient"
    assert "family history of hip fracture" in question.text


def test_risk_factor_provenance_keeps_asked_no_apart_from_never_asked():
    result = assess(
        record(
            risk_factors={
                "parental_hip_fracture": {
                    "answer": "no",
                    "source": "patient",
                    "recorded_on": "2026-01-02",
                },
                "smoking": None,
                "oral_glucocorticoids_over_6_months": {"answer": True, "source": "ehr-import"},
            }
        ),
        as_of=AS_OF,
    )
    answers = {a.name: a for a in result.risk_factors}
    parent = answers["parental_hip_fracture"]
    assert (parent.answer, parent.value, parent.source) == ("no", False, "patient")
    assert parent.recorded_on is not None and parent.recorded_on.isoformat() == "2026-01-02"
    assert (answers["smoking"].answer, answers["smoking"].source) == ("not recorded", None)
    steroids = answers["oral_glucocorticoids_over_6_months"]
    assert (steroids.answer, steroids.source) == ("yes", "ehr-import")
    # An old file's plain value keeps working, with an unknown source.
    assert (answers["rheumatoid_arthritis"].answer, answers["rheumatoid_arthritis"].source) == (
        "no",
        None,
    )
    as_json = result.to_json()["risk_factors"]
    assert {a["answer"] for a in as_json} >= {"no", "not recorded", "yes"}


def test_provenance_survives_a_json_round_trip_of_the_record():
    first = record(risk_factors={"parental_hip_fracture": {"answer": "yes", "source": "clinician"}})
    again = PatientRecord.parse(first.model_dump(mode="json"), today=AS_OF)
    assert again == first
    assert again.risk_factors.provenance["parental_hip_fracture"].source == "clinician"


@pytest.mark.parametrize(
    "bad",
    [
        {"parental_hip_fracture": {"answer": "yes", "who": "me"}},
        {"parental_hip_fracture": {"answer": "yes", "source": "neighbour"}},
        {"parental_hip_fracture": {"answer": "yes", "recorded_on": "2099-01-01"}},
        {"provenance": {"shoe_size": {"source": "patient"}}},
        {"provenance": [None, None]},
        {"bone_metastases": {}},
    ],
)
def test_bad_provenance_is_refused_naming_the_field(bad):
    data = base_data()
    data["risk_factors"] = {**NO_RISK_FACTORS, **bad}
    with pytest.raises(ValidationError) as error:
        PatientRecord.parse(data, today=AS_OF)
    assert "risk_factors" in str(error.value)


# --- 2. Women already on bone-directed therapy ------------------------------------------------
DENOSUMAB_ON_TIME = [{"agent": "denosumab", "doses": ["2026-03-02", "2026-09-01"]}]


def test_denosumab_on_time_is_active_with_its_next_dose_and_never_consider_starting():
    result = assess(
        record(dxa_scans=[scan(femoral_neck=-2.6)], bone_therapy=DENOSUMAB_ON_TIME), as_of=AS_OF
    )
    bt = result.bone_therapy
    assert (bt.status, bt.agent, bt.next_dose_due.isoformat()) == (
        "active",
        "denosumab",
        "2027-03-01",
    )
    assert bt.last_dose_from == "recorded dose"
    assert not rec_ids(result) & STARTING_RECOMMENDATIONS
    on = next(r for r in result.recommendations if r.id == "hadji-2017.on-therapy")
    assert "continue" in on.text and "2027-03-01" in on.text
    assert {c.id for c in result.safety_checks} == {
        "safety.on-therapy.dental",
        "safety.on-therapy.calcium-vitamin-d",
    }
    assert not any("consider" in r.text.lower() for r in result.recommendations)


def test_zoledronic_acid_regimens_set_the_next_dose_and_overdue_raises_an_alert():
    four = [{"agent": "zoledronic_acid", "dose_mg": 4, "doses": ["2025-11-01"]}]
    five = [{"agent": "zoledronic_acid", "dose_mg": 5, "doses": ["2025-11-01"]}]
    overdue = assess(record(bone_therapy=four), as_of=AS_OF)
    assert overdue.bone_therapy.status == "overdue"
    assert overdue.bone_therapy.next_dose_due.isoformat() == "2026-05-01"
    assert "bone-therapy-overdue" in alert_ids(overdue)
    assert "safety.on-therapy.renal" in {c.id for c in overdue.safety_checks}
    yearly = assess(record(bone_therapy=five), as_of=AS_OF)
    assert yearly.bone_therapy.status == "active"
    assert yearly.bone_therapy.next_dose_due.isoformat() == "2026-11-01"
    assert "bone-therapy-overdue" not in alert_ids(yearly)


def test_a_course_without_dose_dates_counts_to_its_last_known_date_flagged():
    course = [{"agent": "alendronate", "start_date": "2025-01-10", "end_date": "2026-10-01"}]
    bt = assess(record(bone_therapy=course), as_of=AS_OF).bone_therapy
    assert (bt.status, bt.exposure_only, bt.last_dose.isoformat()) == ("ended", True, "2026-10-01")
    assert "no dose dates" in (bt.last_dose_from or "")
    open_course = [{"agent": "denosumab", "start_date": "2026-10-01"}]
    bt = assess(record(bone_therapy=open_course), as_of=AS_OF).bone_therapy
    assert (bt.status, bt.exposure_only, bt.next_dose_due.isoformat()) == (
        "active",
        True,
        "2027-04-01",
    )


def test_a_denosumab_stop_five_years_ago_is_a_review_not_give_the_dose_now():
    old = [{"agent": "denosumab", "doses": ["2021-03-01", "2021-09-01"]}]
    result = assess(record(bone_therapy=old), as_of=AS_OF)
    lapse = next(a for a in result.alerts if a.id == "denosumab-lapse")
    assert "without delay" not in lapse.text
    assert "2021-09-01" in lapse.text and "review" in lapse.text
    assert "safety.denosumab-transition" not in rec_ids(result)
    # Years without a dose: presumed stopped, so she is not treated as on therapy.
    assert result.bone_therapy.status == "ended"
    assert "presumed" in (result.bone_therapy.ended_from or "")
    assert not any(r.id.endswith(".on-therapy") for r in result.recommendations)
    recent = [{"agent": "denosumab", "doses": ["2026-01-05"]}]
    result = assess(record(bone_therapy=recent), as_of=AS_OF)
    assert "without delay" in next(a for a in result.alerts if a.id == "denosumab-lapse").text
    transition = next(r for r in result.recommendations if r.id == "safety.denosumab-transition")
    assert "aromatase inhibitor ended" not in transition.text  # it has not ended


def test_the_transition_says_the_ai_ended_only_once_it_has():
    ended = {"agent": "anastrozole", "start_date": "2021-06-01", "end_date": "2026-06-01"}
    result = assess(
        record(therapy=ended, bone_therapy=[{"agent": "denosumab", "doses": ["2026-09-01"]}]),
        as_of=AS_OF,
    )
    transition = next(r for r in result.recommendations if r.id == "safety.denosumab-transition")
    assert "ended on 2026-06-01" in transition.text


def test_switching_to_another_antiresorptive_ends_the_denosumab_lapse():
    courses = [
        {"agent": "denosumab", "doses": ["2025-01-05"]},
        {"agent": "zoledronic_acid", "dose_mg": 5, "doses": ["2025-07-05"]},
    ]
    result = assess(record(bone_therapy=courses), as_of=AS_OF)
    assert "denosumab-lapse" not in alert_ids(result)
    assert (result.bone_therapy.agent, result.bone_therapy.previous_agents) == (
        "zoledronic_acid",
        ["denosumab"],
    )


# --- 3. Fractures count -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fracture", "counts"),
    [
        ({"date": "2020-01-01", "site": "hip"}, True),  # at 53, mechanism not recorded
        ({"date": "2020-01-01", "site": "vertebra T8", "fragility": True}, True),
        ({"date": "2020-01-01", "site": "hip", "traumatic": True}, False),
        ({"date": "2020-01-01", "site": "hip", "fragility": False}, False),
        ({"date": "2010-01-01", "site": "hip"}, False),  # at 43, not recorded as fragility
        ({"date": "2020-01-01", "site": "wrist"}, False),  # a risk factor, not clinical OP
    ],
)
def test_hip_or_vertebral_fragility_fracture_is_clinical_osteoporosis(fracture, counts):
    result = assess(record(dxa_scans=[scan(femoral_neck=-1.2)], fractures=[fracture]), as_of=AS_OF)
    assert result.clinical_osteoporosis.present is counts
    assert result.who_category == "osteopenia"  # stays T-score based
    for name in ("hadji-2017", "asco-2019"):
        if counts:
            assert result.guidelines[name].bone_directed_therapy is True
            assert result.guidelines[name].determinacy == "complete"
    if counts:
        assert result.clinical_osteoporosis.plain_words


def test_vertebral_fracture_assessment_is_recommended_only_without_vertebral_imaging():
    assert "racgp.vfa-baseline" in rec_ids(assess(record(), as_of=AS_OF))
    imaged = record(vertebral_imaging=[{"date": "2025-05-20", "kind": "vfa"}])
    assert "racgp.vfa-baseline" not in rec_ids(assess(imaged, as_of=AS_OF))


# --- 4. Metastases, ovarian suppression, the end of the AI, a man -----------------------------
def test_bone_metastases_make_both_guidelines_not_applicable_and_route_to_oncology():
    result = assess(
        record(dxa_scans=[scan(femoral_neck=-3.0)], risk_factors={"bone_metastases": True}),
        as_of=AS_OF,
    )
    for name in ("hadji-2017", "asco-2019"):
        d = result.guidelines[name]
        assert (d.bone_directed_therapy, d.determinacy) == (None, "not-applicable")
        assert d.reasons == ["metastatic bone disease: bone-agent dosing is an oncology decision"]
    assert "oncology.bone-metastases" in rec_ids(result)
    assert not rec_ids(result) & STARTING_RECOMMENDATIONS
    assert result.safety_checks == []
    assert result.automation.stopped


@pytest.mark.parametrize(
    "suppression",
    [
        {
            "therapy": {
                "agent": "exemestane",
                "start_date": "2025-06-01",
                "ovarian_suppression": True,
            }
        },
        {"gnrh_agonists": [{"agent": "goserelin", "start_date": "2025-05-01"}]},
    ],
)
def test_ovarian_suppression_applies_hadji_with_z_scores_beside(suppression):
    scans = [
        {
            "date": "2025-05-20",
            "scanner_make": "hologic",
            "sites": {"lumbar_spine": {"t_score": -2.2, "z_score": -1.9}},
        }
    ]
    result = assess(
        record(patient={"menopausal_status": "premenopausal"}, dxa_scans=scans, **suppression),
        as_of=AS_OF,
    )
    assert result.ovarian_suppression is True
    d = result.guidelines["hadji-2017"]
    assert (d.bone_directed_therapy, d.determinacy) == (True, "complete")
    assert [z.value for z in result.z_scores] == [-1.9]
    assert [t.value for t in result.site_t_scores] == [-2.2]
    assert "confirm-menopausal-status" not in alert_ids(result)


def test_premenopausal_on_an_ai_without_suppression_is_asked_to_confirm_status():
    result = assess(record(patient={"menopausal_status": "premenopausal"}), as_of=AS_OF)
    assert "confirm-menopausal-status" in alert_ids(result)
    assert result.guidelines["hadji-2017"].determinacy == "undetermined"
    ended_gnrh = record(
        patient={"menopausal_status": "premenopausal"},
        gnrh_agonists=[
            {"agent": "leuprorelin", "start_date": "2024-01-01", "end_date": "2025-01-01"}
        ],
    )
    assert "confirm-menopausal-status" in alert_ids(assess(ended_gnrh, as_of=AS_OF))


def test_after_the_ai_ended_aibl_rules_and_monitoring_stop():
    ended = {"agent": "anastrozole", "start_date": "2018-01-01", "end_date": "2023-01-01"}
    result = assess(
        record(therapy=ended, dxa_scans=[scan("2019-01-01", femoral_neck=-1.8)]), as_of=AS_OF
    )
    for name in ("hadji-2017", "seed-tiers"):
        assert result.guidelines[name].determinacy == "not-applicable"
    assert result.guidelines["asco-2019"].determinacy in ("complete", "provisional")
    assert not alert_ids(result) & {"dxa-overdue", "no-baseline-dxa"}
    assert result.monitoring.next_dxa_due is None
    assert result.monitoring.ai_monitoring_ended is not None
    screening = next(r for r in result.recommendations if r.id == "monitoring.ai-ended")
    assert "standard osteoporosis screening" in screening.text


def test_no_ai_recorded_makes_the_aibl_rule_sets_not_applicable():
    result = assess(record(therapy=None), as_of=AS_OF)
    assert result.guidelines["hadji-2017"].determinacy == "not-applicable"
    assert "no-baseline-dxa" not in alert_ids(result)


def test_a_man_is_not_applicable_and_never_postmenopausal():
    result = assess(record(patient={"sex": "male"}), as_of=AS_OF)
    assert {d.determinacy for d in result.guidelines.values()} == {"not-applicable"}
    assert result.menopausal_status == "not-applicable"
    assert result.who_category is None
    assert all("a man" in d.reasons[0] for d in result.guidelines.values())
