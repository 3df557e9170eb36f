"""Bad input is rejected with the field, the value and what is allowed."""

from datetime import date

import pytest
from pydantic import ValidationError

from bonewise.clinical.models import PatientRecord

from .builders import AS_OF, base_data, scan


def errors_for(data):
    with pytest.raises(ValidationError) as info:
        PatientRecord.parse(data, today=AS_OF)
    return info.value.errors()


@pytest.mark.parametrize("t", [-7.1, 5.1])
def test_t_scores_outside_minus_7_to_plus_5_are_rejected(t):
    data = base_data()
    data["dxa_scans"] = [scan(femoral_neck=t)]
    (error,) = errors_for(data)
    assert error["loc"] == ("dxa_scans", 0, "sites", "femoral_neck", "t_score")
    assert error["input"] == t


@pytest.mark.parametrize("bmd", [0.19, 2.01])
def test_bmd_outside_0_2_to_2_0_is_rejected(bmd):
    data = base_data()
    data["dxa_scans"] = [
        {
            "date": "2025-01-01",
            "scanner_make": "hologic",
            "sites": {"total_hip": {"bmd_g_cm2": bmd}},
        }
    ]
    (error,) = errors_for(data)
    assert error["loc"][-1] == "bmd_g_cm2"


def test_future_dates_are_rejected():
    data = base_data()
    data["dxa_scans"] = [scan(day="2026-11-28", femoral_neck=-1.0)]
    (error,) = errors_for(data)
    assert "in the future" in error["msg"]


def test_impossible_dates_are_rejected():
    data = base_data()
    data["therapy"] = {"agent": "anastrozole", "start_date": "2025-02-30"}
    (error,) = errors_for(data)
    assert error["loc"] == ("therapy", "start_date")


def test_vitamin_d_needs_its_unit():
    data = base_data()
    data["labs"] = [{"kind": "25_oh_vitamin_d", "date": "2025-01-01", "value": 30}]
    (error,) = errors_for(data)
    assert error["loc"] == ("labs", 0, "unit")
    data["labs"] = [{"kind": "25_oh_vitamin_d", "date": "2025-01-01", "value": 30, "unit": "mg/dL"}]
    (error,) = errors_for(data)
    assert "ng/mL, nmol/L" in error["msg"]


def test_height_in_the_wrong_unit_is_caught():
    data = base_data()
    data["patient"]["height"] = {"value": 64, "unit": "cm"}  # meant inches
    (error,) = errors_for(data)
    assert "check the unit" in error["msg"]


def test_imperial_units_are_converted():
    data = base_data()
    data["patient"]["height"] = {"value": 65, "unit": "in"}
    data["patient"]["weight"] = {"value": 140, "unit": "lb"}
    record = PatientRecord.parse(data, today=AS_OF)
    assert record.patient.bmi == pytest.approx(23.3, abs=0.05)


def test_events_before_birth_are_rejected():
    data = base_data()
    data["fractures"] = [{"date": "1960-01-01", "site": "wrist", "fragility": True}]
    (error,) = errors_for(data)
    assert "before birth_date" in error["msg"]


def test_unknown_fields_are_rejected_not_ignored():
    data = base_data()
    data["risk_factors"]["smoker"] = True
    (error,) = errors_for(data)
    assert error["loc"] == ("risk_factors", "smoker")


def test_age_counts_whole_years():
    record = PatientRecord.parse(base_data(), today=AS_OF)
    assert record.patient.age_on(date(2026, 5, 31)) == 59
    assert record.patient.age_on(date(2026, 6, 1)) == 60


@pytest.mark.parametrize(
    ("kind", "value", "unit"),
    [
        ("25_oh_vitamin_d", 9000, "ng/mL"),
        ("25_oh_vitamin_d", 300, "ng/mL"),  # nmol/L entered as ng/mL
        ("serum_calcium", 95, "mg/dL"),
        ("serum_calcium", 9.4, "mmol/L"),  # mg/dL entered as mmol/L
        ("creatinine_clearance", 900, "mL/min"),
    ],
)
def test_implausible_lab_values_ask_to_check_the_unit(kind, value, unit):
    data = base_data()
    data["labs"] = [{"kind": kind, "date": "2025-01-01", "value": value, "unit": unit}]
    (error,) = errors_for(data)
    assert "check the unit" in error["msg"]


@pytest.mark.parametrize(
    ("birth_date", "ok"),
    [("0907-03-01", False), ("1906-11-27", True), ("2008-11-28", False), ("2008-11-27", True)],
)
def test_birth_dates_must_make_an_adult(birth_date, ok):
    data = base_data()
    data["patient"]["birth_date"] = birth_date
    if ok:
        assert PatientRecord.parse(data, today=AS_OF).patient.birth_date.isoformat() == birth_date
    else:
        (error,) = errors_for(data)
        assert error["loc"] == ("patient", "birth_date")
        assert "18..120" in error["msg"]


def test_age_is_counted_in_completed_years_in_one_place() -> None:
    from bonewise.clinical.calendar import completed_years

    born = date(1960, 2, 29)
    assert completed_years(born, date(2026, 2, 28)) == 65
    assert completed_years(born, date(2026, 3, 1)) == 66
    assert completed_years(date(1960, 6, 15), date(2026, 6, 14)) == 65
    assert completed_years(date(1960, 6, 15), date(2026, 6, 15)) == 66
