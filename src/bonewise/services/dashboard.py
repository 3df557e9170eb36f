"""Her dashboard in one unit of work: the assessment, today's calcium and vitamin D, this week's
exercise, 30 days of calcium (summed in the database) and eight weeks of minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bonewise.clinical.assessment import Assessment
from bonewise.clinical.checkin import CheckInTrend
from bonewise.clinical.models import PatientRecord
from bonewise.services.access import Actor, audit_read, readable_version
from bonewise.services.assessment import assessment_at
from bonewise.services.checkins import checkin_trend_in
from bonewise.services.exercise import ExerciseWeek, exercise_week_in
from bonewise.services.nutrition import DiaryDay, diary_day_in
from bonewise.services.views import kept, owner_name_at, record_at
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
    version: int = 0  # her data version these were computed for (services/views.py)


def dashboard(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> Dashboard:
    """One transaction: access, her data version, then each part as kept for that version
    (computed from her record, diary, exercise log and check-ins when not); one audited read,
    hit or miss. The assessment is made once and also feeds the exercise plan's safety
    profile."""
    with uow:
        version = readable_version(uow, actor, patient_id)
        record = record_at(uow, patient_id, version)
        owner_name = owner_name_at(uow, patient_id, version)
        assessment = assessment_at(uow=uow, record=record, version=version, as_of=today)
        week = kept(
            uow,
            "exercise week",
            patient_id,
            version,
            lambda: exercise_week_in(uow=uow, record=record, today=today, assessment=assessment),
            today,
        )
        food = kept(
            uow,
            "diary day",
            patient_id,
            version,
            lambda: diary_day_in(uow=uow, record=record, day=today),
            today,
        )
        checkins = kept(
            uow,
            "check-in trend",
            patient_id,
            version,
            lambda: checkin_trend_in(uow=uow, patient_id=patient_id, today=today),
            today,
        )
        audit_read(
            uow,
            actor,
            patient_id,
            f"dashboard: assessment, exercise plan and log, food diary {today.isoformat()}",
        )
        uow.commit()
    return Dashboard(
        record=record,
        patient_name=owner_name or patient_id,
        owner_name=owner_name,
        assessment=assessment,
        exercise=week,
        nutrition=food,
        checkins=checkins,
        version=version,
    )
