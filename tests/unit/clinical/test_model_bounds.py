"""Every input on her record is bounded: text lengths, list counts, and plausible dates (nothing
before 1900, nothing before her birth, no dose before its course began). Errors name the field
and never repeat more than a short excerpt of what was typed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bonewise.clinical.models import EARLIEST_DATE, MAX_ENTRIES, MAX_TEXT, PatientRecord
from bonewise.services.access import MAX_ECHO, InvalidInput

from .builders import AS_OF, base_data, scan

LAB = {"kind": "serum_calcium", "date": "2025-05-20", "value": 9.5, "unit": "mg/dL"}


def errors_for(data):
    with pytest.raises(ValidationError) as info:
        PatientRecord.parse(data, today=AS_OF)
    return info.value


@pytest.mark.parametrize("field", ["facility", "scanner_model"])
def test_dxa_free_text_is_bounded_and_the_error_does_not_echo_it(field):
    data = base_data()
    data["dxa_scans"][0][field] = "x" * 5_000_000
    exc = errors_for(data)
    (error,) = exc.errors()
    assert error["loc"] == ("dxa_scans", 0, field)
    assert error["type"] == "string_too_long"
    message = str(InvalidInput.from_pydantic(exc))
    assert field in message and len(message) < 300


def test_text_at_the_limit_is_kept():
    data = base_data()
    data["dxa_scans"][0]["facility"] = "f" * MAX_TEXT
    assert PatientRecord.parse(data, today=AS_OF).dxa_scans[0].facility == "f" * MAX_TEXT


def test_fracture_site_and_lab_unit_are_bounded():
    data = base_data()
    data["fractures"] = [{"date": "2024-01-01", "site": "w" * (MAX_TEXT + 1)}]
    data["labs"] = [{**LAB, "unit": "m" * 100_000}]
    locs = {e["loc"] for e in errors_for(data).errors()}
    assert ("fractures", 0, "site") in locs and ("labs", 0, "unit") in locs


@pytest.mark.parametrize(
    ("section", "entry", "loc"),
    [
        ("dxa_scans", [scan(day="0001-01-01", lumbar_spine=-1.0)], ("dxa_scans", 0, "date")),
        ("labs", [{**LAB, "date": "0001-01-01"}], ("labs", 0, "date")),
        ("frax", {"date": "0001-01-01", "hip_pct": 3}, ("frax", "date")),
        (
            "bone_therapy",
            [{"agent": "denosumab", "doses": ["0001-01-01"]}],
            ("bone_therapy", 0, "doses"),
        ),
    ],
)
def test_no_entry_dated_before_1900(section, entry, loc):
    data = base_data() | {section: entry}
    (error,) = errors_for(data).errors()
    assert error["loc"] == loc
    assert f"before {EARLIEST_DATE.year}" in error["msg"]


@pytest.mark.parametrize(
    ("section", "entry", "named"),
    [
        ("labs", [{**LAB, "date": "1950-01-01"}], "labs[0].date"),
        ("frax", {"date": "1950-01-01", "hip_pct": 3}, "frax.date"),
        ("bone_therapy", [{"agent": "denosumab", "doses": ["1950-01-01"]}], "bone_therapy[0]"),
    ],
)
def test_no_entry_dated_before_her_birth(section, entry, named):
    data = base_data() | {section: entry}  # born 1966
    (error,) = errors_for(data).errors()
    assert named in error["msg"] and "before birth_date" in error["msg"]


def test_a_dose_before_its_course_began_is_refused():
    course = {"agent": "denosumab", "start_date": "2025-03-01", "doses": ["2025-02-01"]}
    (error,) = errors_for(base_data() | {"bone_therapy": [course]}).errors()
    assert error["loc"] == ("bone_therapy", 0)
    assert "2025-02-01 is before the course started (2025-03-01)" in error["msg"]
    same_day = {**course, "doses": ["2025-03-01"]}
    assert PatientRecord.parse(base_data() | {"bone_therapy": [same_day]}, today=AS_OF)


def test_every_list_has_a_maximum_count():
    too_many = [{**LAB, "date": "2025-05-20"}] * (MAX_ENTRIES["labs"] + 1)
    (error,) = errors_for(base_data() | {"labs": too_many}).errors()
    assert error["loc"] == ("labs",) and error["type"] == "too_long"
    for name, field in PatientRecord.model_fields.items():
        if getattr(field.annotation, "__origin__", None) is list:
            assert name in MAX_ENTRIES, f"{name} has no maximum count"


def test_an_error_repeats_at_most_a_short_excerpt_of_the_input():
    data = base_data()
    data["labs"] = [{**LAB, "kind": "k" * 10_000}]
    message = str(InvalidInput.from_pydantic(errors_for(data)))
    assert "k" * (MAX_ECHO + 1) not in message and "10,000 characters" in message
