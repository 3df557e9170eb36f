from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bonewise.clinical.models import PatientRecord
from bonewise.nutrition.models import NUTRIENT_KEYS, Food, Measure
from bonewise.store.accounts import User
from tests.unit.services.fakes import FakeUnitOfWork

EXAMPLES = Path(__file__).parents[3] / "examples" / "patients"

MILK = Food(
    ndb_no="01079",
    description="Milk, reduced fat, fluid, 2% milkfat",
    food_group_code="0100",
    food_group="Dairy and Egg Products",
    per_100g={**dict.fromkeys(NUTRIENT_KEYS), "calcium_mg": 120.0, "vitamin_d_iu": 48.0},
    measures=(Measure(seq=1, amount=1, description="cup", grams=244.0),),
)
KALE = Food(
    ndb_no="11233",
    description="Kale, raw",
    food_group_code="1100",
    food_group="Vegetables and Vegetable Products",
    per_100g={**dict.fromkeys(NUTRIENT_KEYS), "calcium_mg": 150.0},
)
MYSTERY = Food(  # no calcium value: unknown, not zero
    ndb_no="99999",
    description="Stew, home recipe",
    food_group_code="2200",
    food_group="Meals, Entrees, and Side Dishes",
    per_100g=dict.fromkeys(NUTRIENT_KEYS),
)


def example(name: str, *, patient_id: str) -> PatientRecord:
    data = json.loads((EXAMPLES / f"{name}.json").read_text())
    return PatientRecord.parse({**data, "id": patient_id}, today=date.today())


class World:
    """Two patients (Ann with a record linked to Dr Lee; Bea with her own), one clinician
    linked to Ann, one clinician linked to nobody."""

    def __init__(self) -> None:
        self.uow = FakeUnitOfWork(foods=[MILK, KALE, MYSTERY])
        self.uow.patients.save(example("osteopenia-with-risk-factors", patient_id="p-ann"))
        self.uow.patients.save(example("normal", patient_id="p-bea"))
        self.ann: User = self.uow.accounts.add(
            email="ann@example.org", role="patient", patient_id="p-ann"
        )
        self.bea: User = self.uow.accounts.add(
            email="bea@example.org", role="patient", patient_id="p-bea"
        )
        self.lee: User = self.uow.accounts.add(email="dr.lee@example.org", role="clinician")
        self.roe: User = self.uow.accounts.add(email="dr.roe@example.org", role="clinician")
        self.uow.accounts.link(clinician_id=self.lee.id, patient_id="p-ann")


@pytest.fixture
def world() -> World:
    return World()
