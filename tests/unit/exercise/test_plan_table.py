"""Every example patient's plan meets the seed's table, recomputed from the plan itself."""

import json
from datetime import date

import pytest

from bonewise.exercise.planner import Preferences, plan_week
from bonewise.exercise.safety import safety_profile

from .conftest import AS_OF
from .table import sessions, spine_sparing_violations, table_violations


def plan_for(record, *, as_of=AS_OF, **prefs):
    week = prefs.pop("week", 1)
    pain = prefs.pop("pain_weeks", ())
    profile = safety_profile(record, as_of=as_of)
    plan = plan_week(
        patient_id=record.id,
        profile=profile,
        preferences=Preferences(**prefs),
        as_of=as_of,
        week=week,
        pain_weeks=pain,
    )
    # Round-trip through JSON: the checks read what a user of `--json` reads.
    return json.loads(json.dumps(plan.as_dict())), profile


def test_every_example_plan_meets_the_table_or_is_blocked(example_record):
    plan, profile = plan_for(example_record, current_aerobic_minutes=150)
    metastases = example_record.risk_factors.bone_metastases
    recent = [f for f in example_record.fractures if (AS_OF - f.date).days < 365]
    if metastases is not False or recent:
        assert plan["blocked"] is True
        assert plan["reason"]
        assert list(sessions(plan)) == []
        assert len(plan["days"]) == 7
        assert "care team" in plan["message"]
        return
    assert plan["blocked"] is False
    assert table_violations(plan) == []
    vertebral = example_record.risk_factors.vertebral_fracture or any(
        f.vertebral for f in example_record.fractures
    )
    if profile.osteoporosis or vertebral:
        assert spine_sparing_violations(plan, vertebral_fracture=bool(vertebral)) == []


def test_osteoporosis_plan_holds_no_high_impact_or_loaded_flexion(load_example):
    record = load_example("osteoporosis")
    for equipment in (
        frozenset({"chair", "wall", "counter", "mat"}),
        frozenset({"chair", "wall", "counter", "mat", "dumbbells", "racket", "skipping_rope"}),
    ):
        for week in (1, 4, 9):
            plan, _ = plan_for(record, equipment=equipment, week=week)
            assert not plan["blocked"]
            for _, s in sessions(plan):
                assert s["exercise"]["impact"] != "high"
                assert s["exercise"]["loaded_spinal_flexion_or_twist"] is False
            assert spine_sparing_violations(plan, vertebral_fracture=True) == []


def test_a_normal_plan_may_use_weights_that_a_vertebral_fracture_plan_may_not(load_example):
    gym = frozenset({"chair", "wall", "counter", "mat", "dumbbells", "resistance_band"})
    normal, _ = plan_for(load_example("normal"), equipment=gym, current_aerobic_minutes=200)
    fractured, _ = plan_for(load_example("osteoporosis"), equipment=gym)
    cleared, _ = plan_for(
        load_example("osteoporosis"), equipment=gym, physiotherapist_cleared_weights=True
    )

    def loaded(plan):
        return {
            s["exercise"]["id"]
            for _, s in sessions(plan, "resistance")
            if {"dumbbells", "resistance_band"} & set(s["exercise"]["equipment"])
        }

    assert loaded(normal)
    assert not loaded(fractured)
    assert "physiotherapist" in " ".join(fractured["notes"])
    assert loaded(cleared)
    assert spine_sparing_violations(cleared, vertebral_fracture=True, physio_cleared=True) == []


def test_bone_metastases_block_the_plan(load_example):
    plan, _ = plan_for(load_example("bone-metastases"))
    assert plan["blocked"] is True
    assert "bone metastases" in plan["reason"]
    assert all(day["sessions"] == [] for day in plan["days"])
    assert "clear you for exercise" in plan["message"]
    assert [r["id"] for r in plan["rules"]] == ["bone-metastases-block"]


def test_a_fracture_in_the_last_12_months_blocks_until_a_year_has_passed(load_example):
    record = load_example("vertebral-fracture-recent")
    fracture = max(f.date for f in record.fractures)
    plan, _ = plan_for(record)
    assert plan["blocked"] is True
    assert fracture.isoformat() in plan["reason"]
    later = date(fracture.year + 1, fracture.month, fracture.day + 1)
    plan, _ = plan_for(record, as_of=later)
    assert plan["blocked"] is False
    assert spine_sparing_violations(plan, vertebral_fracture=True) == []


def test_unrecorded_bone_metastasis_status_limits_to_low_impact_and_says_why(load_example):
    record = load_example("normal")
    data = record.model_dump(mode="json")
    data["risk_factors"]["bone_metastases"] = None
    unknown = type(record).parse(data, today=AS_OF)
    plan, _ = plan_for(unknown)
    assert plan["blocked"] is False
    assert table_violations(plan) == []
    assert spine_sparing_violations(plan) == []
    assert "spread to your bones" in " ".join(plan["notes"])


def test_no_dxa_yet_gets_the_spine_sparing_plan_and_is_told_why(load_example):
    plan, _ = plan_for(load_example("no-dxa-yet"), current_aerobic_minutes=150)
    assert table_violations(plan) == []
    assert spine_sparing_violations(plan) == []
    assert "no bone density result" in " ".join(plan["notes"])


@pytest.mark.parametrize(("current", "first_week"), [(0, 30), (20, 30), (42, 45), (100, 100)])
def test_a_sedentary_woman_starts_from_her_minutes_and_the_plan_says_so(
    load_example, current, first_week
):
    plan, _ = plan_for(load_example("normal"), current_aerobic_minutes=current)
    aerobic = sum(s["minutes"] for _, s in sessions(plan, "aerobic"))
    assert first_week <= aerobic < 150
    assert table_violations(plan, aerobic_minutes=first_week) == []
    assert plan["targets"]["below_guideline"] is True
    assert "below the 150-minute guideline by design" in " ".join(plan["notes"])
    # The ramp reaches the guideline, and then the full table holds.
    reach = plan["targets"]["ramp_reaches_guideline_in_week"]
    later, _ = plan_for(load_example("normal"), current_aerobic_minutes=current, week=reach)
    assert table_violations(later, aerobic_minutes=later["targets"]["aerobic_minutes"]) == []
    before, _ = plan_for(load_example("normal"), current_aerobic_minutes=current, week=reach - 1)
    assert sum(s["minutes"] for _, s in sessions(before, "aerobic")) < 150


def test_weekly_aerobic_minutes_never_grow_faster_than_the_ramp(load_example):
    totals = []
    for week in range(1, 16):
        plan, _ = plan_for(load_example("normal"), current_aerobic_minutes=10, week=week)
        totals.append(sum(s["minutes"] for _, s in sessions(plan, "aerobic")))
    # Never more than 15 minutes above the hardest week so far (an easier week dips, then
    # the next week picks up where the ramp left off).
    assert all(totals[i] <= max(totals[:i]) + 15 for i in range(1, len(totals)))
    assert any(totals[i] < totals[i - 1] for i in range(1, len(totals)))  # easier weeks
    assert totals[-1] >= 150


def test_plan_days_are_the_seven_dates_of_the_programme_week(load_example):
    plan, _ = plan_for(load_example("normal"), week=3)
    dates = [date.fromisoformat(d["date"]) for d in plan["days"]]
    assert [d.weekday() for d in dates] == list(range(7))
    assert dates[0] >= AS_OF
    assert (dates[0] - AS_OF).days == 14 + (7 - AS_OF.weekday()) % 7


def test_every_rule_cited_by_a_session_is_listed_with_its_source(load_example):
    plan, _ = plan_for(load_example("osteoporosis"))
    listed = {r["id"]: r for r in plan["rules"]}
    for _, s in sessions(plan):
        assert set(s["rules"]) <= set(listed)
    for rule in listed.values():
        assert rule["citation"]
        assert rule["evidence"] in {"confirmed", "secondary", "unconfirmed", "policy"}
    assert listed["no-high-impact"]["evidence"] == "unconfirmed"


def test_harder_variants_unlock_as_she_progresses(load_example):
    from bonewise.exercise.catalogue import default_catalogue

    catalogue = default_catalogue()

    def hardest(plan, kind):
        return max(catalogue.difficulty(s["exercise"]["id"]) for _, s in sessions(plan, kind))

    gym = frozenset({"chair", "wall", "counter", "mat", "dumbbells", "resistance_band"})
    first, _ = plan_for(load_example("normal"), current_aerobic_minutes=0, equipment=gym)
    later, _ = plan_for(load_example("normal"), current_aerobic_minutes=0, equipment=gym, week=9)
    assert hardest(first, "resistance") <= 1 and hardest(first, "balance") <= 1
    assert hardest(later, "resistance") > hardest(first, "resistance")
    assert hardest(later, "balance") > hardest(first, "balance")
    assert table_violations(later, aerobic_minutes=later["targets"]["aerobic_minutes"]) == []


def test_aerobic_bouts_are_continuous_activities_not_impact_drills(example_record):
    from bonewise.exercise.catalogue import default_catalogue

    catalogue = default_catalogue()
    for week in (1, 2, 3, 5, 8):
        plan, _ = plan_for(example_record, current_aerobic_minutes=150, week=week)
        for _, s in sessions(plan):
            if s["kind"] == "aerobic":
                assert catalogue.get_or_raise(s["exercise"]["id"]).continuous, s["exercise"]["name"]
