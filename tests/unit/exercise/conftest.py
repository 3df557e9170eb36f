from datetime import date
from pathlib import Path

import pytest

from bonewise.importers.patient_file import load_patient_file

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "patients").glob("*.json"))
AS_OF = date(2026, 11, 27)


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.stem)
def example_record(request):
    return load_patient_file(request.param, today=AS_OF)


@pytest.fixture
def load_example():
    def load(name):
        return load_patient_file(ROOT / "examples" / "patients" / f"{name}.json", today=AS_OF)

    return load
