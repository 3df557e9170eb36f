"""`bonewise exercise`: a bone-safe weekly plan, a session log, and how a week measured up."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from bonewise.cli.common import fail, load_patient_or_exit, parse_day, print_json
from bonewise.clinical.checkin import CheckIn
from bonewise.exercise.adherence import (
    LoggedSession,
    SessionError,
    counts_as_pain,
    new_session,
    parse_iso_week,
    week_summary,
)
from bonewise.exercise.calendar import plan_to_ics
from bonewise.exercise.catalogue import (
    EQUIPMENT,
    HOUSEHOLD_EQUIPMENT,
    KINDS,
    UnknownExercise,
    default_catalogue,
)
from bonewise.exercise.guidance import AEROBIC_MINUTES_PER_WEEK, PAIN_REPORT_THRESHOLD
from bonewise.exercise.planner import WEEKDAYS, Plan, PreferenceError, Preferences
from bonewise.exercise.progression import ProgressionError
from bonewise.services.access import LOCAL_OPERATOR, InvalidInput
from bonewise.services.checkins import all_checkins
from bonewise.services.exercise import (
    SessionNotFound,
    exercise_log,
    store_session,
    this_weeks_plan,
    withdraw_session,
)
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork, open_store

app = typer.Typer(
    help="Exercise that is safe for her bones: weekly plan, session log and weekly adherence.",
    no_args_is_help=True,
)

HISTORY_WEEKS = 52
DAY_NAMES = {name[:3]: i for i, name in enumerate(WEEKDAYS)}


def _days(value: str | None) -> frozenset[int]:
    if value is None:
        return frozenset(range(7))
    days = set()
    for part in value.split(","):
        key = part.strip().lower()[:3]
        if key not in DAY_NAMES:
            fail(f"--days {value!r}: {part.strip()!r} is not a day; use e.g. mon,wed,fri,sat")
        days.add(DAY_NAMES[key])
    return frozenset(days)


def _equipment(value: str | None) -> frozenset[str]:
    extra = {p.strip().lower().replace("-", "_") for p in (value or "").split(",") if p.strip()}
    unknown = sorted(extra - set(EQUIPMENT))
    if unknown:
        fail(f"--equipment: {', '.join(unknown)} not known; use any of {', '.join(EQUIPMENT)}")
    return HOUSEHOLD_EQUIPMENT | extra


def _count(n: int, noun: str) -> str:
    """'1 day', '3 days'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _print_plan(plan: Plan, asked: date) -> None:
    # the day asked for (the plan itself is anchored on its week's Monday)
    typer.echo(f"bonewise exercise plan for {plan.patient_id}, week {plan.week} (as of {asked})")
    if plan.blocked:
        typer.echo(f"BLOCKED: {plan.reason}")
        typer.echo(plan.message)
        return
    typer.echo(plan.message)
    for note in plan.notes:
        typer.echo(f"  * {note}")
    for day in plan.days:
        typer.echo(f"\n{day.day.capitalize()} {day.date.isoformat()} ({day.minutes} min)")
        for s in day.sessions:
            dose = f" {s.sets} x {s.reps} at effort {s.effort}/10" if s.kind == "resistance" else ""
            typer.echo(f"  - {s.kind:<11} {s.minutes:>3} min  {s.exercise.name}{dose}")
    typer.echo("\nDecision support for review with her care team, not a prescription.")


@app.command("plan")
def plan_command(
    patient_file: Annotated[
        Path,
        typer.Argument(help="Patient file: native JSON, a FHIR R4 Bundle or NDJSON (by content)."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            help="Also write the week's sessions to this .ics calendar file "
            "(not written when the plan is blocked).",
        ),
    ] = None,
    week: Annotated[
        int | None,
        typer.Option(
            "--week",
            help="Programme week. Week 1 starts on the Monday of the week of --start, else of "
            "her first logged session (with --patient), else on the Monday of --as-of's week. "
            "Default: the programme week holding --as-of when the start is known, else 1.",
        ),
    ] = None,
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient",
            help=f"Stored patient id (must match the file): pain of {PAIN_REPORT_THRESHOLD.value}"
            "/10 or more in her logged sessions, or pain her weekly check-ins report, steps back "
            "the week after, as --pain-week does (the same plan as on the web).",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="Programme start (YYYY-MM-DD): week 1 is the week holding this day. "
            "Logged sessions before it do not count.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Plan on this day (YYYY-MM-DD); default today.")
    ] = None,
    days: Annotated[
        str | None,
        typer.Option(
            "--days",
            help="Days that suit longer sessions, e.g. mon,wed,fri,sat "
            "(at least 3; default every day). Balance and stretching stay daily.",
        ),
    ] = None,
    equipment: Annotated[
        str | None,
        typer.Option(
            "--equipment",
            help="Equipment beyond a chair, wall, counter and floor "
            f"mat, comma-separated: {', '.join(sorted(set(EQUIPMENT) - HOUSEHOLD_EQUIPMENT))}.",
        ),
    ] = None,
    current_minutes: Annotated[
        int | None,
        typer.Option(
            "--current-minutes",
            help="Minutes of aerobic activity in her usual week; below "
            f"{AEROBIC_MINUTES_PER_WEEK.value} the plan starts there and ramps up.",
        ),
    ] = None,
    session_minutes: Annotated[
        int, typer.Option("--session-minutes", help="Longest aerobic bout she can do (10-120).")
    ] = 30,
    physio_cleared: Annotated[
        bool,
        typer.Option(
            "--physio-cleared",
            help="After a vertebral fracture: a physiotherapist has cleared her to use weights.",
        ),
    ] = False,
    pain_week: Annotated[
        list[int] | None,
        typer.Option(
            "--pain-week",
            help="An earlier programme week in which she had pain "
            "(repeatable); the week after steps back.",
        ),
    ] = None,
    start_time: Annotated[
        str, typer.Option("--start-time", help="Time of day the .ics sessions start (HH:MM).")
    ] = "09:00",
) -> None:
    """Make a bone-safe exercise plan for one week from a patient file.

    Bone metastases or a fracture in the last 12 months block the plan: no sessions, and a
    message to get clearance from her care team. Metastasis status not recorded (or not sure)
    limits it: low impact, no loaded bending or twisting, until her team confirms.
    """
    day = parse_day(as_of)
    explicit_start = parse_day(start, option="--start") if start is not None else None
    try:
        at = time.fromisoformat(start_time)
    except ValueError:
        fail(f"--start-time {start_time!r} is not a time: use HH:MM")
    if week is not None and week < 1:
        fail(f"--week {week} is not allowed: weeks count from 1")
    record = load_patient_or_exit(patient_file, today=day)
    if patient is not None and patient != record.id:
        fail(
            f"--patient {patient!r} does not match the patient file's id {record.id!r}: "
            "give the same woman's record and log"
        )
    logged: list[LoggedSession] = []
    checkins: list[CheckIn] = []
    if patient is not None:
        factory = open_store()
        try:
            logged = exercise_log(
                uow=UnitOfWork(factory), actor=LOCAL_OPERATOR, patient_id=patient, end=day
            )
            checkins = all_checkins(
                uow=UnitOfWork(factory), actor=LOCAL_OPERATOR, patient_id=patient, today=day
            )
        except PatientNotFound:
            fail(
                f"no patient with id {patient!r}: store her record first with "
                "`bonewise patient add FILE`"
            )
    try:
        preferences = Preferences(
            days_available=_days(days),
            equipment=_equipment(equipment),
            current_aerobic_minutes=current_minutes,
            session_minutes=session_minutes,
            physiotherapist_cleared_weights=physio_cleared,
        )
        plan = this_weeks_plan(
            record,
            logged,
            today=day,
            preferences=preferences,
            start=explicit_start,
            week=week,
            pain_weeks=pain_week or (),
            checkins=checkins,
        )
    except (PreferenceError, ProgressionError) as exc:
        fail(str(exc))
    if as_json:
        print_json(plan.as_dict())
    else:
        _print_plan(plan, day)
    if ics is not None:
        if plan.blocked:
            typer.echo(f"no calendar written to {ics}: the plan is blocked", err=True)
        else:
            ics.write_bytes(plan_to_ics(plan, start=at))
            typer.echo(f"calendar written to {ics}", err=True)


@app.command("log")
def log_command(
    exercise: Annotated[
        str, typer.Option("--exercise", help="Exercise id (see `bonewise exercise list`).")
    ],
    minutes: Annotated[int, typer.Option("--minutes", help="Minutes done (1-600).")],
    patient: Annotated[str, typer.Option("--patient", help="Stored patient id.")] = "local",
    on: Annotated[
        str | None, typer.Option("--date", help="Day done (YYYY-MM-DD); default today.")
    ] = None,
    effort: Annotated[int | None, typer.Option("--effort", help="Effort 0-10.")] = None,
    sets: Annotated[int | None, typer.Option("--sets", help="Sets (resistance only).")] = None,
    reps: Annotated[int | None, typer.Option("--reps", help="Reps per set (resistance).")] = None,
    load_kg: Annotated[
        float | None, typer.Option("--load-kg", help="Weight used, kg (resistance).")
    ] = None,
    pain: Annotated[int | None, typer.Option("--pain", help="Pain felt, 0-10.")] = None,
) -> None:
    """Store one exercise session for a stored patient (nothing is stored if any value is bad)."""
    today = date.today()
    performed_on = parse_day(on, option="--date")
    try:
        logged = new_session(
            exercise_id=exercise,
            minutes=minutes,
            performed_on=performed_on,
            today=today,
            effort=effort,
            sets=sets,
            reps=reps,
            load_kg=load_kg,
            pain=pain,
        )
    except (UnknownExercise, SessionError) as exc:
        fail(str(exc.args[0]))
    try:
        session_id = store_session(
            uow=UnitOfWork(open_store()), actor=LOCAL_OPERATOR, patient_id=patient, logged=logged
        )
    except PatientNotFound as exc:
        fail(f"{exc}: store her record first with `bonewise patient add FILE`")
    typer.echo(
        f"logged session {session_id} for {patient}: {logged.exercise_id}, {logged.minutes} min "
        f"on {logged.performed_on.isoformat()}"
    )
    if counts_as_pain(logged):
        typer.echo(
            "You reported pain: the plan for the week after this session steps back "
            f"(`bonewise exercise plan FILE --patient {patient}`). If the pain is sharp, in "
            "your back, or does not settle, tell your care team.",
        )


@app.command("withdraw")
def withdraw_command(
    session_id: Annotated[
        int, typer.Argument(help="The session's id (printed by `bonewise exercise log`).")
    ],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (3-200 characters).")],
    patient: Annotated[str, typer.Option("--patient", help="Stored patient id.")] = "local",
) -> None:
    """Withdraw a logged session with a reason: it leaves her week, streaks and plan; the
    audit log keeps it."""
    try:
        withdrawn = withdraw_session(
            uow=UnitOfWork(open_store()),
            actor=LOCAL_OPERATOR,
            patient_id=patient,
            session_id=session_id,
            reason=reason,
        )
    except InvalidInput as exc:
        fail("; ".join(str(e["msg"]) for e in exc.errors))
    except PatientNotFound as exc:
        fail(f"{exc}: store her record first with `bonewise patient add FILE`")
    except SessionNotFound as exc:
        fail(str(exc))
    typer.echo(
        f"withdrew session {session_id} ({withdrawn.exercise_id}, {withdrawn.minutes} min on "
        f"{withdrawn.performed_on.isoformat()}) for {patient}; the audit log keeps it"
    )


@app.command("week")
def week_command(
    patient: Annotated[str, typer.Option("--patient", help="Stored patient id.")] = "local",
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2026-W48; default this week.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """How an ISO week measured up: aerobic minutes against the weekly target, resistance and
    balance days."""
    today = date.today()
    try:
        iso_year, iso_week = parse_iso_week(week) if week else today.isocalendar()[:2]
    except SessionError as exc:
        fail(str(exc))
    end = date.fromisocalendar(iso_year, iso_week, 7)
    try:  # a year of history feeds the streaks
        history = exercise_log(
            uow=UnitOfWork(open_store()),
            actor=LOCAL_OPERATOR,
            patient_id=patient,
            start=end - timedelta(weeks=HISTORY_WEEKS),
            end=end,
        )
    except PatientNotFound:
        fail(
            f"no patient with id {patient!r}: store her record first with "
            "`bonewise patient add FILE`"
        )
    summary = week_summary(history, iso_year=iso_year, iso_week=iso_week, today=today)
    if as_json:
        print_json({"patient_id": patient, **summary.as_dict()})
        return
    s = summary
    yes = {True: "yes", False: "no", None: "n/a"}
    typer.echo(f"{patient}, week {iso_year}-W{iso_week:02d} ({s.start} to {s.end})")
    typer.echo(
        f"  aerobic: {s.aerobic_minutes} of {s.aerobic_target} min (bouts of 10+ min, "
        f"weight-bearing) on {_count(s.aerobic_days, 'day')}; met: {yes[s.aerobic_met]}"
        + (
            f"; {s.aerobic_minutes_not_counted} min not counted"
            if s.aerobic_minutes_not_counted
            else ""
        )
    )
    typer.echo(
        f"  resistance: {_count(len(s.resistance_days), 'day')}, non-consecutive: "
        f"{yes[s.resistance_non_consecutive]}; met: {yes[s.resistance_met]}"
    )
    typer.echo(
        f"  balance: {s.balance_days} of 7 days; stretching: {_count(s.flexibility_days, 'day')}; "
        f"posture: {_count(s.posture_days, 'day')}"
    )
    typer.echo(
        f"  streaks: {_count(s.day_streak, 'active day')} in a row; "
        f"{_count(s.aerobic_weeks_in_a_row, 'week')} in a row at "
        f"{AEROBIC_MINUTES_PER_WEEK.value} aerobic minutes"
    )
    for d, exercise_id, level in s.pain_reports:
        typer.echo(f"  pain {level}/10 on {d} ({exercise_id})")


@app.command("list")
def list_command(
    kind: Annotated[
        str | None, typer.Option("--kind", help=f"Only this kind: {', '.join(KINDS)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as JSON.")] = False,
) -> None:
    """List the exercise catalogue (ids for `bonewise exercise log --exercise`)."""
    if kind is not None and kind not in KINDS:
        fail(f"--kind {kind!r} is not one of {', '.join(KINDS)}")
    exercises = [e for e in default_catalogue() if kind is None or e.kind == kind]
    if as_json:
        print_json([e.as_dict() for e in exercises])
        return
    for e in exercises:
        flags = [f"impact {e.impact}"]
        if e.loaded_spinal_flexion_or_twist:
            flags.append("bends/twists the spine")
        typer.echo(f"{e.id:<28} {e.kind:<11} {e.name} ({', '.join(flags)})")
