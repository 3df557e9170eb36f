"""Her dashboard in one unit of work: the assessment, today's calcium and vitamin D, this week's
exercise, 30 days of calcium (summed in the database) and eight weeks of minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bonewise.clinical.assessment import Assessment
from bonewise.clinical.checkin import CheckInTrend
from bonewise.clinical.models import PatientRecord
from bonewise.services.access import Actor, audit_read, readable_record
from bonewise.services.assessment import evaluate
from bonewise.services.checkins import checkin_trend_in
from bonewise.services.exercise import ExerciseWeek, exercise_week_in
from bonewise.services.nutrition import DiaryDay, diary_day_in
from bonewise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Dashboard:
    record: PatientRecord
    patient_name: str
    owner_name: str | None  # the account holder's name (None: the record has no account)
    assessment: Assessment
    exercise: ExerciseWeek
    nutrition: DiaryDay
    checkins: CheckInTrend | None = None


def dashboard(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> Dashboard:
    """One transaction: access, her record (read and validated once), the account's name, her
    diary and exercise log; one audited read. The assessment is made once and also feeds the
    exercise plan's safety profile."""
    with uow:
        record = readable_record(uow, actor, patient_id)
        owner = uow.accounts.owner_of(patient_id)
        assessment = evaluate(record, as_of=today)
        week = exercise_week_in(uow, record, today=today, assessment=assessment)
        food = diary_day_in(uow, record, day=today)
        checkins = checkin_trend_in(uow, patient_id, today=today)
        audit_read(
            uow,
            actor,
            patient_id,
            f"dashboard: assessment, exercise plan and log, food diary {today.isoformat()}",
        )
        uow.commit()
    return Dashboard(
        record=record,
        patient_name=owner.name if owner else patient_id,
        owner_name=owner.name if owner else None,
        assessment=assessment,
        exercise=week,
        nutrition=food,
        checkins=checkins,
    )
