"""Demo data for `bonewise demo`: a clinician, a patient with a few months of history, and a
panel of example patients (from examples/patients) so the urgency order has something to sort.

Idempotent: running it again leaves existing demo accounts as they are.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.calendar import add_months
from bonewise.clinical.models import PatientRecord
from bonewise.exercise.adherence import new_session
from bonewise.nutrition.models import find_measure, grams_for
from bonewise.services.access import LOCAL_OPERATOR, audit_write
from bonewise.store.uow import UnitOfWork

CLINICIAN_EMAIL = "clinician@bonewise.example"
CLINICIAN_PASSWORD = "demo-clinician-2026"
PATIENT_EMAIL = "patient@bonewise.example"
PATIENT_PASSWORD = "demo-patient-2026"
DEMO_PATIENT_ID = "demo-patient"
HISTORY_DAYS = 90
# Example patients shown on the demo clinician's panel, with the names they are listed under.
PANEL = {
    "bone-metastases": "Margaret Okafor",
    "lapsed-denosumab": "Helen Brandt",
    "osteoporosis": "Susan Iyer",
    "no-dxa-yet": "Linda Moreau",
    "normal": "Carol Jensen",
    "vertebral-fracture-recent": "Dorothy Alvarez",
}


@dataclass(frozen=True, slots=True)
class DemoAccounts:
    clinician_email: str
    clinician_password: str
    patient_email: str
    patient_password: str
    patient_id: str
    created: bool


def default_examples_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "examples" / "patients"


def _load(examples: Path, name: str, *, today: date) -> dict[str, Any]:
    path = examples / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"example patient {path} not found (run from the repository)")
    data: dict[str, Any] = json.loads(path.read_text())
    PatientRecord.parse(data, today=today)
    return data


def demo_patient_record(examples: Path, *, today: date) -> PatientRecord:
    """Osteopenia with risk factors, plus a follow-up DXA a year later and a recheck of her
    low vitamin D: a realistic first year on anastrozole."""
    data = _load(examples, "osteopenia-with-risk-factors", today=today)
    data["id"] = DEMO_PATIENT_ID
    baseline = data["dxa_scans"][0]
    follow_up_day = min(add_months(date.fromisoformat(baseline["date"]), 12), today)
    sites = baseline["sites"]
    data["dxa_scans"].append(
        {
            "date": follow_up_day.isoformat(),
            "scanner_make": baseline["scanner_make"],
            "scanner_model": baseline.get("scanner_model"),
            "facility": baseline.get("facility"),
            "sites": {
                "lumbar_spine": {
                    "bmd_g_cm2": round(sites["lumbar_spine"]["bmd_g_cm2"] * 0.968, 3),
                    "t_score": round(sites["lumbar_spine"]["t_score"] - 0.3, 1),
                },
                "femoral_neck": {
                    "bmd_g_cm2": round(sites["femoral_neck"]["bmd_g_cm2"] * 0.985, 3),
                    "t_score": round(sites["femoral_neck"]["t_score"] - 0.1, 1),
                },
                "total_hip": {
                    "bmd_g_cm2": round(sites["total_hip"]["bmd_g_cm2"] * 0.984, 3),
                    "t_score": round(sites["total_hip"]["t_score"] - 0.1, 1),
                },
            },
            "excluded_vertebrae": [],
        }
    )
    data["labs"].append(
        {
            "kind": "25_oh_vitamin_d",
            "date": min(add_months(date.fromisoformat(baseline["date"]), 5), today).isoformat(),
            "value": 27,
            "unit": "ng/mL",
        }
    )
    return PatientRecord.parse(data, today=today)


def _exercise_history(rng: random.Random, today: date) -> list[tuple[date, str, int]]:
    """About 13 weeks: walks most days (short at first, longer later), strength twice a week,
    balance three times, as a woman building up towards 150 minutes would log them."""
    sessions = []
    start = today - timedelta(days=HISTORY_DAYS)
    for offset in range(HISTORY_DAYS + 1):
        day = start + timedelta(days=offset)
        progress = offset / HISTORY_DAYS
        if rng.random() < 0.55 + 0.2 * progress:
            minutes = int(rng.choice((15, 20, 25, 30)) + 15 * progress)
            sessions.append(
                (day, rng.choice(("brisk-walking", "walking", "hill-walking")), minutes)
            )
        if day.weekday() in (1, 4) and rng.random() < 0.8:
            sessions.append((day, rng.choice(("sit-to-stand", "wall-push-up", "calf-raise")), 20))
        if day.weekday() in (0, 2, 5) and rng.random() < 0.7:
            sessions.append((day, rng.choice(("tandem-stand", "single-leg-stand", "tai-chi")), 10))
    return sessions


# (meal, SR28 number, household measure number or None for grams, quantity), as alternatives.
DEMO_MEALS: dict[str, list[list[tuple[str, float | None, float]]]] = {
    "breakfast": [
        [("08121", 1, 1), ("01079", 1, 1)],  # oats with a cup of 2% milk
        [("01117", 1, 1), ("09040", None, 100)],  # low-fat yogurt and a banana
        [("18075", 1, 2), ("01129", None, 50), ("09210", 1, 1)],  # toast, egg, fortified OJ
    ],
    "lunch": [
        [("18075", 1, 2), ("01009", None, 30)],  # cheese sandwich
        [("15088", None, 85), ("11096", None, 80)],  # sardines with greens
        [("16426", 1, 0.5), ("11458", 1, 0.5)],  # tofu and spinach
    ],
    "dinner": [
        [("15237", 1, 1), ("11236", 2, 1)],  # salmon and kale
        [("16426", 1, 0.5), ("11234", 1, 1)],  # tofu and kale
        [("01129", None, 100), ("11458", 1, 0.5)],  # eggs and spinach
    ],
    "snack": [[("12061", None, 28)], [("01079", 1, 1)], [("09040", None, 120)]],
}


def _food_history(uow: UnitOfWork, rng: random.Random, patient_id: str, today: date) -> int:
    """About 30 days of meals from real SR28 foods (skips foods the store does not have)."""
    foods, diary = uow.foods, uow.diary
    logged = 0
    for offset in range(30, -1, -1):
        day = today - timedelta(days=offset)
        if offset and rng.random() < 0.15:
            continue  # some days she did not log: missing data, not zero
        for meal, options in DEMO_MEALS.items():
            if meal == "snack" and rng.random() < 0.5:
                continue
            for ndb_no, measure, quantity in rng.choice(options):
                food = foods.get(ndb_no)
                if food is None:
                    continue
                if measure is None:
                    grams, label, count = quantity, None, None
                else:
                    key = str(int(measure))
                    grams = grams_for(food, measure=key, quantity=quantity)
                    label, count = find_measure(food, key).label, quantity
                diary.add_food(
                    patient_id=patient_id,
                    day=day,
                    meal=meal,
                    food=food,
                    grams=grams,
                    measure=label,
                    quantity=count,
                    source=foods.source_of(ndb_no),
                )
                logged += 1
    return logged


def _account(
    factory: sessionmaker[Session], *, email: str, name: str, role: str, password: str
) -> int:
    with UnitOfWork(factory) as uow:
        accounts = uow.accounts
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(email=email, name=name, role=role, password=password)
            audit_write(uow, LOCAL_OPERATOR, what=f"demo account {email}", patient_id=None)
        uow.commit()
        return user.id


def seed_demo(
    factory: sessionmaker[Session],
    *,
    today: date,
    examples: Path | None = None,
    extra_history: Callable[[sessionmaker[Session], str, date], None] | None = None,
) -> DemoAccounts:
    examples = examples or default_examples_dir()
    with UnitOfWork(factory) as uow:
        exists = uow.accounts.find_by_email(PATIENT_EMAIL) is not None
    accounts = DemoAccounts(
        CLINICIAN_EMAIL,
        CLINICIAN_PASSWORD,
        PATIENT_EMAIL,
        PATIENT_PASSWORD,
        DEMO_PATIENT_ID,
        created=not exists,
    )
    if exists:
        return accounts
    record = demo_patient_record(examples, today=today)
    panel = {
        name: PatientRecord.parse(
            {**_load(examples, name, today=today), "id": f"demo-{name}"}, today=today
        )
        for name in PANEL
    }
    clinician_id = _account(
        factory,
        email=CLINICIAN_EMAIL,
        name="Dr Rosa Lindqvist",
        role="clinician",
        password=CLINICIAN_PASSWORD,
    )
    patient_user = _account(
        factory, email=PATIENT_EMAIL, name="Anne Demo", role="patient", password=PATIENT_PASSWORD
    )
    rng = random.Random(20261127)
    with UnitOfWork(factory) as uow:
        patients, users, log = uow.patients, uow.accounts, uow.exercise
        patients.save(record)
        users.attach_patient(user_id=patient_user, patient_id=record.id)
        users.link(clinician_id=clinician_id, patient_id=record.id)
        for day, exercise_id, minutes in _exercise_history(rng, today):
            log.add(
                patient_id=record.id,
                logged=new_session(
                    exercise_id=exercise_id, minutes=minutes, performed_on=day, today=today
                ),
            )
        _food_history(uow, rng, record.id, today)
        for name, other in panel.items():
            patients.save(other)
            slug = PANEL[name].lower().replace(" ", ".")
            owner = users.create_user(
                email=f"{slug}@bonewise.example",
                name=PANEL[name],
                role="patient",
                password=secrets.token_urlsafe(18),  # never printed: these are panel examples
            )
            users.attach_patient(user_id=owner.id, patient_id=other.id)
            users.link(clinician_id=clinician_id, patient_id=other.id)
        audit_write(
            uow, LOCAL_OPERATOR, what="demo record, history and care links", patient_id=record.id
        )
        uow.commit()
    if extra_history is not None:
        extra_history(factory, record.id, today)
    return accounts
