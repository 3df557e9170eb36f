"""Her data in her hands: everything she entered and everything computed from it, read in one
audited unit of work, as JSON, a FHIR R4 Bundle, or CSV (diary, exercise, check-ins).

What she entered: her record (as stored), her food diary and supplements, her exercise log and
her weekly check-ins. What was computed from it: her assessment (the caller chooses the view:
hers or the clinician's), each diary day's totals (unknown is not zero: the share of food with
no value is given), each logged exercise week against the table, and her check-in trend.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import bonewise
from bonewise.clinical.assessment import Assessment
from bonewise.clinical.checkin import CheckIn, CheckInTrend
from bonewise.clinical.models import PatientRecord
from bonewise.exercise.adherence import LoggedSession, WeekSummary, week_summary
from bonewise.fhir.export import export_bundle
from bonewise.nutrition.models import NUTRIENT_KEYS
from bonewise.nutrition.totals import Intake, totals
from bonewise.services.access import Actor, audit_read, readable_record
from bonewise.services.assessment import evaluate
from bonewise.services.checkins import checkin_trend_in
from bonewise.store.food import DiaryEntry, SupplementEntry
from bonewise.store.uow import UnitOfWork

EXPORT_FORMAT = "bonewise-export"
EXPORT_VERSION = 1
# Her diary and logs have no date before this; a bound for "all of it", not a clinical number.
EARLIEST = date(1900, 1, 1)
CSV_KINDS = ("diary", "exercise", "checkins")


@dataclass(frozen=True, slots=True)
class PatientExport:
    record: PatientRecord
    account: dict[str, str] | None  # her account's name and e-mail (None: no account)
    assessment: Assessment
    foods: list[DiaryEntry]
    supplements: list[SupplementEntry]
    sessions: list[LoggedSession]
    checkins: list[CheckIn]
    trend: CheckInTrend
    today: date
    generated_at: datetime

    def diary_days(self) -> list[dict[str, Any]]:
        """Each logged day's totals per nutrient: known amount, from food and supplements, and
        the share of food (by weight) with no value (unknown, not zero)."""
        by_day: dict[date, list[Intake]] = {}
        entries: list[DiaryEntry | SupplementEntry] = [*self.foods, *self.supplements]
        for entry in entries:
            by_day.setdefault(entry.day, []).append(entry.as_intake())
        days = []
        for day in sorted(by_day):
            found = totals(by_day[day])
            days.append(
                {
                    "day": day.isoformat(),
                    "nutrients": {
                        key: {
                            "known": round(t.known, 2) if t.any_known else None,
                            "unit": t.unit,
                            "from_food": round(t.from_food, 2),
                            "from_supplements": round(t.from_supplements, 2),
                            "unknown_share": round(t.unknown_share, 3),
                        }
                        for key, t in found.items()
                    },
                }
            )
        return days

    def exercise_weeks(self) -> list[WeekSummary]:
        """Each ISO week she logged in, measured against the table (streaks over her log)."""
        weeks = sorted({s.performed_on.isocalendar()[:2] for s in self.sessions})
        return [
            week_summary(self.sessions, iso_year=y, iso_week=w, today=self.today) for y, w in weeks
        ]


def export_in(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> PatientExport:
    """Inside an open unit of work: everything of hers, access checked, the read audited."""
    record = readable_record(uow, actor, patient_id)
    owner = uow.accounts.owner_of(patient_id)
    found = PatientExport(
        record=record,
        account={"name": owner.name, "email": owner.email} if owner else None,
        assessment=evaluate(record, as_of=today),
        foods=uow.diary.foods(patient_id, EARLIEST, today),
        supplements=uow.diary.supplements(patient_id, EARLIEST, today),
        sessions=uow.exercise.up_to(patient_id=patient_id, end=today),
        checkins=uow.checkins.between(patient_id=patient_id, end=today),
        trend=checkin_trend_in(uow=uow, patient_id=patient_id, today=today),
        today=today,
        generated_at=datetime.now(UTC),
    )
    audit_read(uow, actor, patient_id, "export of her data")
    return found


def collect(*, uow: UnitOfWork, actor: Actor, patient_id: str, today: date) -> PatientExport:
    with uow:
        found = export_in(uow=uow, actor=actor, patient_id=patient_id, today=today)
        uow.commit()
    return found


def _food_row(e: DiaryEntry) -> dict[str, Any]:
    return {
        "day": e.day.isoformat(),
        "meal": e.meal,
        "kind": "food",
        "ndb_no": e.ndb_no,
        "description": e.description,
        "grams": e.grams,
        "measure": e.measure,
        "quantity": e.quantity,
        "nutrients": dict(e.nutrients),
        "source": e.source,
    }


def _supplement_row(s: SupplementEntry) -> dict[str, Any]:
    return {
        "day": s.day.isoformat(),
        "meal": s.meal,
        "kind": "supplement",
        "supplement_kind": s.kind,
        "name": s.name,
        "label": s.label,
        "nutrients": dict(s.nutrients),
    }


def as_json(found: PatientExport, *, assessment: dict[str, Any]) -> dict[str, Any]:
    """The whole export as one JSON document; `assessment` is the view the reader may see."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": found.generated_at.isoformat(),
        "generator": f"bonewise {bonewise.__version__}",
        "patient_id": found.record.id,
        "entered": {
            "account": found.account,
            "record": found.record.model_dump(mode="json"),
            "diary": [_food_row(e) for e in found.foods]
            + [_supplement_row(s) for s in found.supplements],
            "exercise": [s.as_dict() for s in found.sessions],
            "checkins": [c.as_dict() for c in found.checkins],
        },
        "computed": {
            "assessment": assessment,
            "diary_days": found.diary_days(),
            "exercise_weeks": [w.as_dict() for w in found.exercise_weeks()],
            "checkin_trend": found.trend.as_dict(),
        },
    }


def as_fhir(found: PatientExport, *, with_assessment: bool) -> dict[str, Any]:
    """Her record (and, for her care team, the assessment) as a FHIR R4 collection Bundle, with
    her check-ins and exercise sessions as Observations (fhir.export). The diary stays in JSON
    and CSV: FHIR R4 has no nutrition-intake resource."""
    return export_bundle(
        found.record,
        found.assessment if with_assessment else None,
        generated_at=found.generated_at,
        checkins=found.checkins,
        sessions=found.sessions,
    )


CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "diary": (
        "day",
        "meal",
        "kind",
        "ndb_no",
        "description",
        "grams",
        "measure",
        "quantity",
        *NUTRIENT_KEYS,
    ),
    "exercise": (
        "performed_on",
        "exercise_id",
        "kind",
        "minutes",
        "effort",
        "sets",
        "reps",
        "load_kg",
        "pain",
    ),
    "checkins": ("answered_on", "week_start", "worst_pain", "stiffness", "missed_ai_days"),
}


def _csv_rows(found: PatientExport, kind: str) -> Iterable[dict[str, Any]]:
    if kind == "diary":
        for e in found.foods:
            yield _food_row(e) | dict(e.nutrients)
        for s in found.supplements:
            yield (
                {"day": s.day.isoformat(), "meal": s.meal, "kind": "supplement"}
                | {"description": s.name}
                | dict(s.nutrients)
            )
    elif kind == "exercise":
        yield from (s.as_dict() for s in found.sessions)
    elif kind == "checkins":
        yield from (c.as_dict() for c in found.checkins)
    else:
        raise ValueError(f"{kind!r} is not one of {', '.join(CSV_KINDS)}")


def as_csv(found: PatientExport, kind: str) -> str:
    """One CSV table (diary, exercise or check-ins); an empty cell is unknown or not given."""
    if kind not in CSV_COLUMNS:
        raise ValueError(f"{kind!r} is not one of {', '.join(CSV_KINDS)}")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS[kind], extrasaction="ignore")
    writer.writeheader()
    for row in _csv_rows(found, kind):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
