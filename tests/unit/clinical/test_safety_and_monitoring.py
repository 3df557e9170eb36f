from datetime import date

import pytest

from bonewise.clinical.assessment import assess
from bonewise.clinical.calendar import add_months

from .builders import AS_OF, record, scan


def alert_ids(result):
    return {a.id for a in result.alerts}


def denosumab(*doses, **extra):
    return [{"agent": "denosumab", "doses": list(doses), **extra}]


# Last dose 2026-04-01: due 2026-10-01, lapse after 2026-10-29 (6 months + 4 weeks).
@pytest.mark.parametrize(
    ("as_of", "lapsed"), [(date(2026, 10, 29), False), (date(2026, 10, 30), True)]
)
def test_denosumab_lapse_after_six_months_and_four_weeks(as_of, lapsed):
    result = assess(record(bone_therapy=denosumab("2025-10-01", "2026-04-01")), as_of=as_of)
    assert ("denosumab-lapse" in alert_ids(result)) is lapsed
    assert result.monitoring.next_denosumab_dose_due == date(2026, 10, 1)


def test_no_lapse_when_another_antiresorptive_followed():
    therapies = denosumab("2025-10-01", "2026-04-01") + [
        {"agent": "zoledronic_acid", "doses": ["2026-10-02"]}
    ]
    result = assess(record(bone_therapy=therapies), as_of=AS_OF)
    assert "denosumab-lapse" not in alert_ids(result)


def test_finishing_the_ai_on_denosumab_asks_for_a_transition_plan():
    result = assess(
        record(
            therapy={"agent": "anastrozole", "start_date": "2021-06-01", "end_date": "2026-06-01"},
            bone_therapy=denosumab("2026-06-10"),
        ),
        as_of=AS_OF,
    )
    assert "safety.denosumab-transition" in {r.id for r in result.recommendations}


def test_bone_metastases_stop_automation_and_alert():
    result = assess(record(risk_factors={"bone_metastases": True}), as_of=AS_OF)
    assert "bone-metastases" in alert_ids(result)
    assert result.automation.stopped is True


def test_unrecorded_bone_metastases_status_limits_exercise_but_not_the_rest():
    result = assess(record(risk_factors={"bone_metastases": None}), as_of=AS_OF)
    assert result.automation.stopped is False
    assert result.automation.limited is True
    assert "low impact" in result.automation.limited_reasons[0]
    assert "hadji-2017.lifestyle" in {r.id for r in result.recommendations}
    assert result.guidelines["hadji-2017"].determinacy == "complete"
    assert any(g.field == "risk_factors.bone_metastases" for g in result.data_gaps)


def test_not_sure_about_bone_metastases_is_said_in_the_limit():
    result = assess(
        record(risk_factors={"bone_metastases": {"answer": "not sure", "source": "patient"}}),
        as_of=AS_OF,
    )
    assert "not sure" in result.automation.limited_reasons[0]
    answer = next(a for a in result.risk_factors if a.name == "bone_metastases")
    assert (answer.answer, answer.source) == ("not sure", "patient")


@pytest.mark.parametrize(("fracture_day", "recent"), [("2025-11-27", True), ("2025-11-26", False)])
def test_a_fracture_in_the_last_12_months_routes_to_a_clinician(fracture_day, recent):
    fractures = [{"date": fracture_day, "site": "wrist", "fragility": True}]
    result = assess(record(fractures=fractures), as_of=AS_OF)
    assert ("recent-fracture" in alert_ids(result)) is recent
    assert result.automation.stopped is recent


@pytest.mark.parametrize(
    ("value", "unit", "low"),
    [
        (19.9, "ng/mL", True),
        (20.0, "ng/mL", False),
        (49.0, "nmol/L", True),
        (50.0, "nmol/L", False),
    ],
)
def test_vitamin_d_low_below_20_ng_ml_in_either_unit(value, unit, low):
    labs = [{"kind": "25_oh_vitamin_d", "date": "2026-09-01", "value": value, "unit": unit}]
    result = assess(record(labs=labs), as_of=AS_OF)
    assert ("vitamin-d-low" in alert_ids(result)) is low
    assert (result.monitoring.vitamin_d_recheck_due == date(2027, 3, 1)) is low


def test_safety_checks_come_with_any_therapy_result():
    result = assess(record(dxa_scans=[scan(femoral_neck=-2.6)]), as_of=AS_OF)
    ids = {c.id for c in result.safety_checks}
    assert ids == {"safety.dental", "safety.vitamin-d", "safety.calcium", "safety.renal"}
    none = assess(record(), as_of=AS_OF)
    assert none.safety_checks == []


def test_low_creatinine_clearance_contraindicates_zoledronic_acid():
    labs = [{"kind": "creatinine_clearance", "date": "2026-09-01", "value": 34, "unit": "mL/min"}]
    result = assess(record(dxa_scans=[scan(femoral_neck=-2.6)], labs=labs), as_of=AS_OF)
    renal = next(c for c in result.safety_checks if c.id == "safety.renal")
    assert "contraindicated" in renal.text


def test_no_dxa_on_an_ai_raises_no_baseline_and_dates_the_baseline():
    result = assess(record(dxa_scans=[]), as_of=AS_OF)
    assert "no-baseline-dxa" in alert_ids(result)
    assert result.monitoring.next_dxa_due == date(2025, 9, 1)  # start + 3 months
    assert result.who_category is None


def test_a_scan_long_before_the_ai_start_is_not_a_baseline():
    result = assess(record(dxa_scans=[scan(day="2023-05-31", femoral_neck=-0.5)]), as_of=AS_OF)
    assert "no-baseline-dxa" in alert_ids(result)


@pytest.mark.parametrize(
    ("as_of", "overdue"), [(date(2027, 5, 20), False), (date(2027, 5, 21), True)]
)
def test_dxa_overdue_24_months_after_the_last_scan(as_of, overdue):
    result = assess(record(), as_of=as_of)
    assert result.monitoring.next_dxa_due == date(2027, 5, 20)
    assert ("dxa-overdue" in alert_ids(result)) is overdue


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_premenopausal_women_get_z_scores_and_no_category():
    result = assess(
        record(
            patient={"menopausal_status": "premenopausal"},
            dxa_scans=[
                {
                    "date": "2025-05-20",
                    "scanner_make": "hologic",
                    "sites": {"lumbar_spine": {"t_score": -2.6, "z_score": -2.1}},
                }
            ],
        ),
        as_of=AS_OF,
    )
    assert result.who_category is None
    assert result.z_scores[0].interpretation == "below the expected range for age"
    assert any(r.id == "densitometry.premenopausal" for r in result.recommendations)


def test_patient_facing_text_never_names_a_drug_or_dose():
    # Daily calcium and vitamin D intake targets are nutrition, not a prescription; drugs are out.
    drugs = (
        "denosumab",
        "zoledron",
        "alendronate",
        "risedronate",
        "ibandronate",
        "bisphosphonate",
        "dose",
        "injection",
        "infusion",
    )
    for t in (-0.5, -1.8, -2.2, -3.0):
        result = assess(
            record(dxa_scans=[scan(femoral_neck=t)], risk_factors={"smoking": "past"}), as_of=AS_OF
        )
        for rec in result.recommendations:
            if rec.audience == "patient":
                assert not any(d in rec.text.lower() for d in drugs), rec.text


def test_vitamin_d_just_under_the_threshold_is_low_even_if_it_rounds_to_20():
    labs = [{"kind": "25_oh_vitamin_d", "date": "2026-09-01", "value": 49.9, "unit": "nmol/L"}]
    result = assess(record(labs=labs, dxa_scans=[scan(femoral_neck=-2.6)]), as_of=AS_OF)
    assert "vitamin-d-low" in alert_ids(result)
    check = next(c for c in result.safety_checks if c.id == "safety.vitamin-d")
    assert "correct it" in check.text


@pytest.mark.parametrize(
    "changes",
    [
        {"risk_factors": {"bone_metastases": True}},
        {"fractures": [{"date": "2026-06-01", "site": "wrist", "fragility": True}]},
    ],
)
def test_stopped_automation_withholds_the_lifestyle_plan_and_asks_for_review(changes):
    result = assess(record(**changes), as_of=AS_OF)
    ids = {r.id for r in result.recommendations}
    assert "hadji-2017.lifestyle" not in ids
    review = next(r for r in result.recommendations if r.id == "automation.clinician-review")
    assert review.audience == "patient"
    assert review.inputs["reasons"] == result.automation.reasons


def test_running_automation_keeps_the_lifestyle_plan():
    result = assess(record(), as_of=AS_OF)
    ids = {r.id for r in result.recommendations}
    assert "hadji-2017.lifestyle" in ids
    assert "automation.clinician-review" not in ids


@pytest.mark.parametrize("crcl", [34, 50, 80])
def test_the_renal_check_says_which_zoledronic_acid_regimen_each_cut_off_is_for(crcl):
    labs = [{"kind": "creatinine_clearance", "date": "2026-09-01", "value": crcl, "unit": "mL/min"}]
    result = assess(record(dxa_scans=[scan(femoral_neck=-2.6)], labs=labs), as_of=AS_OF)
    renal = next(c for c in result.safety_checks if c.id == "safety.renal")
    # 35 mL/min is the 5 mg label; the 4 mg adjuvant regimen is dose-reduced at 30-60 (s.3e)
    assert "5 mg" in renal.text and "below 35 mL/min" in renal.text
    assert "4 mg" in renal.text and "30-60 mL/min" in renal.text
