"""`bonewise exercise` as a user runs it: real patient files, a real store, real .ics output."""

import json
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.uow import UnitOfWork, open_store

from ...unit.exercise.table import sessions, spine_sparing_violations, table_violations
from .conftest import EXAMPLES, ROOT, store_example

runner = CliRunner()
AS_OF = "2026-11-27"


def bonewise(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_plans_as_json_to_the_table_or_blocked(example):
    result = bonewise(
        "exercise", "plan", example, "--json", "--as-of", AS_OF, "--current-minutes", "150"
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [d["day"] for d in plan["days"]] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    if plan["blocked"]:
        assert plan["reason"] and list(sessions(plan)) == []
        assert example.stem in {"bone-metastases", "vertebral-fracture-recent"}
        return
    assert table_violations(plan) == []
    if plan["profile"]["spine_sparing"]:
        assert spine_sparing_violations(plan) == []
    for _, s in sessions(plan):
        assert s["kind"] in {"aerobic", "resistance", "balance", "flexibility", "posture"}
        assert s["exercise"]["impact"] in {"none", "low", "moderate", "high"}
        assert isinstance(s["exercise"]["loaded_spinal_flexion_or_twist"], bool)


def test_bone_metastases_are_blocked_in_text_and_write_no_calendar(tmp_path):
    ics = tmp_path / "plan.ics"
    result = bonewise(
        "exercise",
        "plan",
        ROOT / "examples/patients/bone-metastases.json",
        "--as-of",
        AS_OF,
        "--ics",
        ics,
    )
    assert result.exit_code == 0
    assert "BLOCKED: bone metastases are recorded" in result.stdout
    assert "clear you for exercise" in result.stdout
    assert not ics.exists()
    assert "plan is blocked" in result.stderr


def test_ics_holds_one_event_per_planned_session(tmp_path):
    ics = tmp_path / "plan.ics"
    args = (
        "exercise",
        "plan",
        ROOT / "examples/patients/osteoporosis.json",
        "--as-of",
        AS_OF,
        "--days",
        "mon,wed,fri,sat",
        "--current-minutes",
        "40",
        "--week",
        "2",
    )
    result = bonewise(*args, "--ics", ics, "--start-time", "07:15")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(bonewise(*args, "--json").stdout)
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) == len(list(sessions(plan))) > 0
    days = {e.decoded("dtstart").date().isoformat() for e in events}
    assert days == {d["date"] for d in plan["days"]}
    assert min(e.decoded("dtstart").time() for e in events).isoformat() == "07:15:00"


def test_preferences_shape_the_plan():
    result = bonewise(
        "exercise",
        "plan",
        ROOT / "examples/patients/normal.json",
        "--json",
        "--as-of",
        AS_OF,
        "--days",
        "tue,thu,sat",
        "--current-minutes",
        "60",
        "--session-minutes",
        "15",
        "--equipment",
        "dumbbells",
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    busy = {"monday", "wednesday", "friday", "sunday"}
    for day in plan["days"]:
        kinds = {s["kind"] for s in day["sessions"]}
        if day["day"] in busy:
            assert not kinds & {"aerobic", "resistance"}
    bouts = [s["minutes"] for _, s in sessions(plan, "aerobic")]
    assert max(bouts) <= 15 and min(bouts) >= 10 and sum(bouts) >= 60
    assert plan["targets"]["below_guideline"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--days", "mon,tue"), "at least 3 days"),
        (("--days", "mon,funday,fri"), "'funday' is not a day"),
        (("--session-minutes", "5"), "session_minutes 5 not allowed"),
        (("--equipment", "trampoline"), "trampoline not known"),
        (("--current-minutes", "-10"), "current_aerobic_minutes -10 not allowed"),
        (("--week", "0"), "--week 0 is not allowed"),
        (("--week", "3", "--pain-week", "5"), "pain week 5"),
        (("--as-of", "27/11/2026"), "not a date"),
        (("--as-of", "2019-01-01"), "in the future"),
    ],
)
def test_bad_plan_input_exits_2_with_a_clear_message(args, message):
    result = bonewise("exercise", "plan", ROOT / "examples/patients/normal.json", *args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.fixture
def stored(store_url, monkeypatch):
    monkeypatch.setenv("BONEWISE_DATABASE_URL", store_url)
    factory = open_store(store_url)
    store_example(factory, "normal", "local")
    return factory


def count(factory, patient_id="local"):
    with UnitOfWork(factory) as uow:
        return ExerciseLogRepository(uow.session).count(patient_id=patient_id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--minutes", "-5", "--exercise", "brisk-walking"), "minutes -5 is not allowed"),
        (("--minutes", "30", "--exercise", "moonwalk"), "unknown exercise 'moonwalk'"),
        (
            (
                "--minutes",
                "30",
                "--exercise",
                "walking",
                "--date",
                (date.today() + timedelta(days=1)).isoformat(),
            ),
            "is in the future",
        ),
        (
            ("--minutes", "30", "--exercise", "walking", "--patient", "nobody"),
            "no patient with id 'nobody'",
        ),
        (
            ("--minutes", "30", "--exercise", "walking", "--sets", "3"),
            "sets/reps/load are for resistance",
        ),
    ],
)
def test_bad_log_input_exits_2_and_stores_nothing(stored, args, message):
    result = bonewise("exercise", "log", *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert count(stored) == 0


def test_logged_week_is_summed_against_the_table(stored):
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    year, week, _ = today.isocalendar()
    logs = [
        ("brisk-walking", 50, 0),
        ("hiking", 60, 2),
        ("dancing", 45, 4),
        ("walking", 8, 4),
        ("sit-to-stand", 10, 0),
        ("wall-push-up", 10, 3),
        ("tandem-stand", 10, 0),
        ("tandem-stand", 10, 1),
    ]
    for exercise_id, minutes, offset in logs:
        day = monday + timedelta(days=offset)
        if day > today:
            day = today
        extra = ("--sets", "2", "--reps", "10", "--effort", "6") if "-to-" in exercise_id else ()
        result = bonewise(
            "exercise",
            "log",
            "--exercise",
            exercise_id,
            "--minutes",
            minutes,
            "--date",
            day.isoformat(),
            *extra,
        )
        assert result.exit_code == 0, result.stderr
    assert count(stored) == len(logs)
    result = bonewise("exercise", "week", "--week", f"{year}-W{week:02d}", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["aerobic"]["minutes"] == 155  # the 8-minute walk does not count
    assert summary["aerobic"]["minutes_not_counted"] == 8
    assert summary["aerobic"]["met"] is True
    text = bonewise("exercise", "week", "--week", f"{year}-W{week:02d}").stdout
    assert "aerobic: 155 of 150 min" in text


def test_week_for_an_unknown_patient_or_bad_week_exits_2(stored):
    assert "no patient with id 'ghost'" in bonewise("exercise", "week", "--patient", "ghost").stderr
    result = bonewise("exercise", "week", "--week", "2026-W60")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_list_shows_ids_and_filters_by_kind():
    result = bonewise("exercise", "list", "--kind", "posture", "--json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert items and {i["kind"] for i in items} == {"posture"}
    assert bonewise("exercise", "list", "--kind", "yoga").exit_code == 2
