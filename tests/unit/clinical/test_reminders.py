"""Her reminders read every date from the assessment (never a second reckoning) and never tell
her to start, stop or change a medicine."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bonewise.clinical import monitoring
from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.clinical.monitoring import past_due
from bonewise.clinical.reminders import (
    DEFAULT_REMINDER_POLICY,
    next_check_in,
    reminders_from,
)

EXAMPLES = Path(__file__).parents[3] / "examples" / "patients"
AS_OF = date(2026, 12, 1)  # a Tuesday
EVERY_EXAMPLE = sorted(p.stem for p in EXAMPLES.glob("*.json"))
OVERDUE_ON_THE_SCHEDULE = {
    "dxa": "dxa",
    "denosumab": "denosumab-dose",
    "vitamin-d": "vitamin-d-recheck",
}
PRESCRIBING = re.compile(r"\b(start|stop|change|increase|decrease|take|skip)\b", re.IGNORECASE)


def _record(name: str) -> PatientRecord:
    return PatientRecord.parse(json.loads((EXAMPLES / f"{name}.json").read_text()), today=AS_OF)


@pytest.mark.parametrize("name", EVERY_EXAMPLE)
def test_every_date_is_the_assessments_own_answer(name: str) -> None:
    record = _record(name)
    assessment = assess(record, as_of=AS_OF)
    by_kind = {r.kind: r for r in reminders_from(record, assessment)}
    schedule, therapy = assessment.monitoring, assessment.bone_therapy
    if schedule.next_dxa_due is not None:
        assert by_kind["dxa"].due == schedule.next_dxa_due
    else:
        assert "dxa" not in by_kind
    if schedule.vitamin_d_recheck_due is not None:
        assert by_kind["vitamin-d"].due == schedule.vitamin_d_recheck_due
    else:
        assert "vitamin-d" not in by_kind
    if schedule.next_denosumab_dose_due is not None:
        assert by_kind["denosumab"].due == schedule.next_denosumab_dose_due
    else:
        assert "denosumab" not in by_kind
    if therapy.agent == "zoledronic_acid" and therapy.on_therapy:
        assert by_kind["zoledronic-acid"].due == therapy.next_dose_due
    else:
        assert "zoledronic-acid" not in by_kind
    for reminder in by_kind.values():
        assert reminder.text.endswith(
            (
                "contact your team.",
                "contact your team to book it.",
                "it takes a minute in bonewise.",
            )
        )
        assert not PRESCRIBING.search(reminder.text), reminder.text
    # overdue is the schedule's answer (the zoledronic acid dose is not on it: its comparison)
    for kind, item in OVERDUE_ON_THE_SCHEDULE.items():
        if kind in by_kind:
            assert by_kind[kind].overdue is (item in schedule.overdue)
    if "zoledronic-acid" in by_kind:
        zoledronic = by_kind["zoledronic-acid"]
        assert zoledronic.overdue is past_due(zoledronic.due, AS_OF)


def test_dose_reminders_name_her_medicine_and_the_date() -> None:
    record = _record("on-denosumab")
    assessment = assess(record, as_of=AS_OF)
    dose = next(r for r in reminders_from(record, assessment) if r.kind == "denosumab")
    assert assessment.bone_therapy.next_dose_due == dose.due
    assert dose.text.startswith("Your next denosumab is due on ")
    assert dose.due.isoformat() in dose.text


def test_the_weekly_check_in_only_while_she_takes_an_ai() -> None:
    on_ai = _record("osteopenia-with-risk-factors")
    ended = _record("ai-ended-three-years-ago")
    check_in = [r for r in reminders_from(on_ai, assess(on_ai, as_of=AS_OF)) if r.weekly]
    assert [(r.kind, r.due) for r in check_in] == [("check-in", date(2026, 12, 7))]
    assert not [r for r in reminders_from(ended, assess(ended, as_of=AS_OF)) if r.weekly]


def test_next_check_in_is_the_coming_monday_or_today() -> None:
    assert next_check_in(date(2026, 12, 7)) == date(2026, 12, 7)
    assert next_check_in(date(2026, 12, 13)) == date(2026, 12, 14)


def test_a_reminder_is_sent_its_lead_time_before_the_date() -> None:
    record = _record("on-denosumab")
    dose = next(
        r for r in reminders_from(record, assess(record, as_of=AS_OF)) if r.kind == "denosumab"
    )
    lead = DEFAULT_REMINDER_POLICY.lead("denosumab")
    assert dose.is_due_for_sending(dose.due - lead, DEFAULT_REMINDER_POLICY)
    assert not dose.is_due_for_sending(dose.due - lead - timedelta(days=1), DEFAULT_REMINDER_POLICY)


def test_the_examples_cover_every_kind_of_reminder() -> None:
    kinds = set()
    for name in EVERY_EXAMPLE:
        record = _record(name)
        kinds |= {r.kind for r in reminders_from(record, assess(record, as_of=AS_OF))}
    assert kinds == {"dxa", "denosumab", "zoledronic-acid", "vitamin-d", "check-in"}


@pytest.mark.parametrize("verdict", [True, False])
def test_her_reminders_say_overdue_exactly_when_the_schedules_comparison_does(
    monkeypatch: pytest.MonkeyPatch, verdict: bool
) -> None:
    """monitoring.past_due owns "overdue": turn its answer around and the schedule and every
    dated reminder (its flag and its "was due"/"is due") follow; none compares the dates again."""
    monkeypatch.setattr(monitoring, "past_due", lambda due, as_of: verdict)
    seen = set()
    for name in EVERY_EXAMPLE:
        record = _record(name)
        assessment = assess(record, as_of=AS_OF)
        for reminder in reminders_from(record, assessment):
            if reminder.weekly:
                continue
            seen.add(reminder.kind)
            assert reminder.overdue is verdict, (name, reminder.kind)
            assert ("was due on" in reminder.text) is verdict, reminder.text
            if reminder.kind in OVERDUE_ON_THE_SCHEDULE:
                item = OVERDUE_ON_THE_SCHEDULE[reminder.kind]
                assert (item in assessment.monitoring.overdue) is verdict
    assert seen == {"dxa", "denosumab", "zoledronic-acid", "vitamin-d"}
