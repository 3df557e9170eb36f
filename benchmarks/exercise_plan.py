"""How fast the exercise feature answers: plans, .ics export, a year of logs summarised.

Run: .venv/bin/python -m benchmarks.exercise_plan
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bonewise.exercise.adherence import new_session, week_summary
from bonewise.exercise.calendar import plan_to_ics
from bonewise.exercise.catalogue import default_catalogue
from bonewise.exercise.planner import Preferences, plan_week
from bonewise.exercise.safety import safety_profile
from bonewise.importers.patient_file import load_patient_file
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 27)


def timed(label: str, repeat: int, func) -> None:  # type: ignore[no-untyped-def]
    func()  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    per = (time.perf_counter() - start) / repeat
    print(f"{label:<58} {per * 1000:8.2f} ms  (x{repeat})")


def main() -> None:
    default_catalogue()
    records = [
        load_patient_file(p, today=AS_OF)
        for p in sorted((ROOT / "examples" / "patients").glob("*.json"))
    ]
    profiles = [(r, safety_profile(r, as_of=AS_OF)) for r in records]
    prefs = Preferences(current_aerobic_minutes=60)

    def plans() -> None:
        for record, profile in profiles:
            plan_week(patient_id=record.id, profile=profile, preferences=prefs, as_of=AS_OF, week=5)

    timed(f"plan_week for {len(profiles)} example patients", 50, plans)
    timed(
        f"safety_profile (assessment) + plan for {len(records)} patients",
        20,
        lambda: [
            plan_week(
                patient_id=r.id,
                profile=safety_profile(r, as_of=AS_OF),
                preferences=prefs,
                as_of=AS_OF,
            )
            for r in records
        ],
    )
    _, profile = profiles[-1]
    plan = plan_week(patient_id="b", profile=profile, preferences=prefs, as_of=AS_OF)
    timed("plan_to_ics (one week)", 50, lambda: plan_to_ics(plan))

    kinds = ["brisk-walking", "sit-to-stand", "tandem-stand", "calf-stretch", "chin-tuck"]
    year = [
        new_session(
            exercise_id=kinds[i % 5],
            minutes=10 + i % 40,
            performed_on=AS_OF - timedelta(days=i // 3),
            today=AS_OF,
        )
        for i in range(3 * 365)
    ]
    timed(
        f"week_summary over a year of logs ({len(year)} sessions)",
        50,
        lambda: week_summary(year, iso_year=2026, iso_week=48, today=AS_OF),
    )

    with tempfile.TemporaryDirectory() as tmp:
        factory = open_store(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        with UnitOfWork(factory) as uow:
            PatientRepository(uow.session).save(records[0])
            uow.commit()
        start = time.perf_counter()
        with UnitOfWork(factory) as uow:
            repo = ExerciseLogRepository(uow.session)
            for s in year:
                repo.add(patient_id=records[0].id, logged=s)
            uow.commit()
        elapsed = time.perf_counter() - start
        print(
            f"{'store: add one session (SQLite file, one transaction)':<58} "
            f"{elapsed / len(year) * 1000:8.2f} ms  (x{len(year)})"
        )

        def read_year() -> None:
            with UnitOfWork(factory) as uow:
                ExerciseLogRepository(uow.session).between(
                    patient_id=records[0].id, start=AS_OF - timedelta(weeks=52), end=AS_OF
                )

        timed("store: read a year of sessions (SQLite file)", 20, read_year)


if __name__ == "__main__":
    main()
