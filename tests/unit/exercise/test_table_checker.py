"""The table checker catches what it is there to catch (so a passing plan means something)."""

import copy
import json
from datetime import date

from bonewise.exercise.planner import Preferences, plan_week
from bonewise.exercise.safety import SafetyProfile

from .table import spine_sparing_violations, table_violations

NORMAL = SafetyProfile(who_category="normal", low_for_age=None, vertebral_fracture=False)


def good_plan():
    plan = plan_week(
        patient_id="c",
        profile=NORMAL,
        preferences=Preferences(current_aerobic_minutes=200),
        as_of=date(2026, 11, 27),
    )
    return json.loads(json.dumps(plan.as_dict()))


def test_a_good_plan_passes():
    assert table_violations(good_plan()) == []


def test_each_kind_of_miss_is_reported():
    plan = good_plan()
    broken = copy.deepcopy(plan)
    for day in broken["days"]:
        for s in day["sessions"]:
            if s["kind"] == "aerobic":
                s["minutes"] = 5
    assert any("bout of 5 min" in v for v in table_violations(broken))
    assert any("aerobic total" in v for v in table_violations(broken))

    broken = copy.deepcopy(plan)
    broken["days"][3]["sessions"] = [
        s for s in broken["days"][3]["sessions"] if s["kind"] != "balance"
    ]
    assert any("balance missing on [3]" in v for v in table_violations(broken))

    broken = copy.deepcopy(plan)
    strength = [
        i
        for i, d in enumerate(broken["days"])
        if any(s["kind"] == "resistance" for s in d["sessions"])
    ]
    moved = [s for s in broken["days"][strength[1]]["sessions"] if s["kind"] == "resistance"]
    broken["days"][(strength[0] + 1) % 7]["sessions"] += moved
    assert any("consecutive" in v for v in table_violations(broken))

    broken = copy.deepcopy(plan)
    for day in broken["days"]:
        for s in day["sessions"]:
            if s["kind"] == "resistance":
                s["effort"] = 9
    assert any("@ 9" in v for v in table_violations(broken))


def test_unsafe_exercise_is_reported_for_a_fragile_spine():
    plan = good_plan()
    plan["days"][0]["sessions"].append(
        {
            "kind": "resistance",
            "minutes": 5,
            "sets": 2,
            "reps": 10,
            "effort": 6,
            "exercise": {"id": "sit-up", "impact": "none", "loaded_spinal_flexion_or_twist": True},
        }
    )
    found = spine_sparing_violations(plan)
    assert "sit-up bends or twists the spine under load" in found
    assert any("no back-extensor" in v for v in found)
