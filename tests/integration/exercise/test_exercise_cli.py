"""`bonewise exercise` as a user runs it: real patient files, a real store, real .ics output."""

import json
import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.cli.exercise import _count
from bonewise.exercise.adherence import new_session
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.checkins import record_checkin
from bonewise.services.exercise import exercise_week
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
        assert example.stem in {
            "bone-metastases",
            "bone-metastases-low-t",
            "vertebral-fracture-recent",
        }
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
def stored(migrated_store_url, monkeypatch):
    monkeypatch.setenv("BONEWISE_DATABASE_URL", migrated_store_url)
    factory = open_store(migrated_store_url)
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
    assert not re.search(r"\b1 (?:active )?days\b|\b1 weeks\b", text), text


def test_week_for_an_unknown_patient_or_bad_week_exits_2(stored):
    assert "no patient with id 'ghost'" in bonewise("exercise", "week", "--patient", "ghost").stderr
    result = bonewise("exercise", "week", "--week", "2026-W60")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_withdraw_takes_a_session_out_of_her_week_with_a_reason_in_the_audit_log(stored):
    today = date.today()
    year, week, _ = today.isocalendar()
    logged = bonewise("exercise", "log", "--exercise", "brisk-walking", "--minutes", "40")
    assert logged.exit_code == 0, logged.stderr
    session_id = logged.stdout.split()[2].rstrip(":")  # "logged session N for local: ..."

    def aerobic_minutes():
        result = bonewise("exercise", "week", "--week", f"{year}-W{week:02d}", "--json")
        return json.loads(result.stdout)["aerobic"]["minutes"]

    assert aerobic_minutes() == 40
    no_reason = bonewise("exercise", "withdraw", session_id, "--reason", " ")
    assert no_reason.exit_code == 2 and "say in a few words why" in no_reason.stderr
    assert aerobic_minutes() == 40  # a refused withdrawal loses nothing
    withdrawn = bonewise("exercise", "withdraw", session_id, "--reason", "logged it twice")
    assert withdrawn.exit_code == 0, withdrawn.stderr
    assert "the audit log keeps it" in withdrawn.stdout
    assert aerobic_minutes() == 0
    assert count(stored) == 0  # out of force; the audit entry keeps the original
    with UnitOfWork(stored) as uow:
        [audit] = [a for a in uow.audit.for_patient("local") if "withdrawn" in a.what]
    assert (audit.actor_email, audit.action) == (LOCAL_OPERATOR.audit_name, "write")
    assert audit.detail["reason"] == "logged it twice"
    assert audit.detail["original"]["minutes"] == 40
    again = bonewise("exercise", "withdraw", session_id, "--reason", "logged it twice")
    assert again.exit_code == 2 and "no exercise session with id" in again.stderr
    ghost = bonewise(
        "exercise", "withdraw", session_id, "--reason", "x" * 10, "--patient", "nobody"
    )
    assert ghost.exit_code == 2 and "no patient with id 'nobody'" in ghost.stderr


def test_list_shows_ids_and_filters_by_kind():
    result = bonewise("exercise", "list", "--kind", "posture", "--json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert items and {i["kind"] for i in items} == {"posture"}
    assert bonewise("exercise", "list", "--kind", "yoga").exit_code == 2


# --- Logged pain steps back the plan ------------------------------------------------------------

NORMAL = ROOT / "examples/patients/normal.json"


@pytest.fixture
def her(migrated_store_url, monkeypatch):
    """The normal example stored under her own id, and the store the CLI uses."""
    monkeypatch.setenv("BONEWISE_DATABASE_URL", migrated_store_url)
    factory = open_store(migrated_store_url)
    return factory, store_example(factory, "normal").id


def log_cli(patient_id, exercise_id, day, *extra):
    result = bonewise(
        "exercise",
        "log",
        "--patient",
        patient_id,
        "--exercise",
        exercise_id,
        "--minutes",
        "30",
        "--date",
        day.isoformat(),
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_pain_logged_through_the_cli_steps_back_the_next_plan(her):
    factory, patient_id = her
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    week1, week2 = monday - timedelta(weeks=2), monday - timedelta(weeks=1)
    log_cli(patient_id, "walking", week1 + timedelta(days=2))  # Wednesday: the start
    log_cli(patient_id, "brisk-walking", week2, "--pain", "2")  # mild: does not count
    out = log_cli(patient_id, "brisk-walking", week2 + timedelta(days=1), "--pain", "6")
    assert f"--patient {patient_id}" in out and "care team" in out
    assert count(factory, patient_id) == 3
    common = ("--as-of", today.isoformat(), "--current-minutes", "60")

    result = bonewise("exercise", "plan", NORMAL, "--patient", patient_id, "--json", *common)
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["week"] == 3  # the week holding today, counted from her first logged week
    assert plan["days"][0]["date"] == monday.isoformat()
    assert plan["targets"]["stepped_back_for_pain"] is True
    assert plan["logged_pain"] == [
        {
            "week": 2,
            "date": (week2 + timedelta(days=1)).isoformat(),
            "exercise_id": "brisk-walking",
            "pain": 6,
        }
    ]
    assert "pain-step-back" in [r["id"] for r in plan["rules"]]
    assert table_violations(plan, aerobic_minutes=30) == []

    # Without her log, the same week does not step back and is harder.
    start = ("--start", week1.isoformat(), "--week", "3")
    plain = json.loads(bonewise("exercise", "plan", NORMAL, "--json", *start, *common).stdout)
    assert plain["targets"]["stepped_back_for_pain"] is False
    assert plain["days"][0]["date"] == monday.isoformat()
    assert plain["targets"]["aerobic_minutes"] > plan["targets"]["aerobic_minutes"]

    text = bonewise("exercise", "plan", NORMAL, "--patient", patient_id, *common).stdout
    when = week2 + timedelta(days=1)
    assert (
        f"You logged pain in week 2, so this week steps back: pain 6/10 on {when:%A} "
        f"{when.day} {when:%B %Y} (brisk walking)" in text
    )
    assert "Tell your care team about pain that does not settle, and stop" in text


def test_pain_in_a_weekly_check_in_steps_back_the_cli_plan_as_on_the_web(her):
    factory, patient_id = her
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    week1, week2 = monday - timedelta(weeks=2), monday - timedelta(weeks=1)
    log_cli(patient_id, "walking", week1 + timedelta(days=2))  # the start; no pain logged
    args = ("exercise", "plan", NORMAL, "--patient", patient_id, "--json", "--as-of", today)
    before = json.loads(bonewise(*args).stdout)
    assert before["targets"]["stepped_back_for_pain"] is False
    record_checkin(
        uow=UnitOfWork(factory),
        actor=LOCAL_OPERATOR,
        patient_id=patient_id,
        entry={
            "answered_on": (week2 + timedelta(days=3)).isoformat(),
            "worst_pain": "7",
            "stiffness": "none",
        },
        today=today,
    )
    result = bonewise(*args)
    assert result.exit_code == 0, result.stderr
    cli = json.loads(result.stdout)
    assert cli["week"] == 3 and cli["targets"]["stepped_back_for_pain"] is True
    web = exercise_week(
        uow=UnitOfWork(factory), actor=LOCAL_OPERATOR, patient_id=patient_id, today=today
    )
    assert cli == json.loads(json.dumps(web.plan.as_dict(), default=str))


def test_logged_pain_unions_with_pain_weeks_and_a_later_start_drops_it(her):
    factory, patient_id = her
    start = date(2026, 10, 5)  # a Monday
    with UnitOfWork(factory) as uow:
        repo = ExerciseLogRepository(uow.session)
        for day, pain in ((start, None), (start + timedelta(days=8), 7)):  # pain in week 2
            logged = new_session(
                exercise_id="brisk-walking",
                minutes=30,
                performed_on=day,
                today=date(2026, 11, 27),
                pain=pain,
            )
            repo.add(patient_id=patient_id, logged=logged)
        uow.commit()

    def plan(*args):
        result = bonewise(
            "exercise", "plan", NORMAL, "--json", "--as-of", "2026-11-27", "--week", "6", *args
        )
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    logged = plan("--patient", patient_id, "--pain-week", "5")
    by_hand = plan("--start", start.isoformat(), "--pain-week", "2", "--pain-week", "5")
    assert logged["targets"] == by_hand["targets"]
    assert logged["days"] == by_hand["days"]
    assert [p["week"] for p in logged["logged_pain"]] == [2]
    # Starting the programme after the painful session: her pain does not count.
    later = plan("--patient", patient_id, "--start", "2026-10-19")
    assert later["logged_pain"] == []
    assert later["days"][0]["date"] == "2026-11-23"  # week 6 from Monday 19 October
    assert later["targets"] == plan("--start", "2026-10-19")["targets"]


def test_plan_with_a_patient_who_has_logged_nothing_is_week_1(her):
    _, patient_id = her
    result = bonewise(
        "exercise", "plan", NORMAL, "--patient", patient_id, "--json", "--as-of", "2026-11-27"
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["week"] == 1 and plan["logged_pain"] == []
    assert plan["days"][0]["date"] == "2026-11-23"  # the week she is in, as on the web


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--patient", "ghost"), "does not match the patient file's id"),
        (("--start", "5 October"), "--start '5 October' is not a date"),
    ],
)
def test_bad_patient_or_start_exits_2(her, args, message):
    result = bonewise("exercise", "plan", NORMAL, "--as-of", "2026-11-27", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_plan_for_a_patient_not_in_the_store_exits_2(store_url, monkeypatch):
    monkeypatch.setenv("BONEWISE_DATABASE_URL", store_url)
    result = bonewise("exercise", "plan", NORMAL, "--as-of", "2026-11-27", "--patient", "ex-normal")
    assert result.exit_code == 2
    assert "no patient with id 'ex-normal'" in result.stderr


def test_the_plan_header_says_the_day_asked_for_and_help_says_unknown_only_limits():
    """2026-12-01 is a Tuesday: the header still says the day given, not its week's Monday."""
    data = json.loads((ROOT / "examples/patients/osteopenia-no-risk-factors.json").read_text())
    result = bonewise(
        "exercise",
        "plan",
        ROOT / "examples/patients/osteopenia-no-risk-factors.json",
        "--as-of",
        "2026-12-01",
    )
    assert result.exit_code == 0, result.output
    assert f"bonewise exercise plan for {data['id']}, week 1 (as of 2026-12-01)" in result.stdout
    helped = re.sub(r"[│╭╮╰╯─]", " ", bonewise("exercise", "plan", "--help").stdout)
    helped = " ".join(helped.split())
    assert "no record either way" not in helped
    assert "Metastasis status not recorded (or not sure) limits it" in helped


def test_the_day_counts_read_in_the_singular():
    for n, noun, words in ((1, "day", "1 day"), (3, "day", "3 days"), (1, "week", "1 week")):
        assert _count(n, noun) == words
