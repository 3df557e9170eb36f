"""One run reads each fracture row once (`population.assumptions.FractureReadings`): the same
lines as reading each row afresh (`rules.fracture_from_row`), each code's site looked up once
and each (day, concept, site) made a Fracture once; and the gap ids of all measures are looked
up in the run's assumptions at once, each measure keeping its own women's lines."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from bonewise.population import assumptions, rules
from bonewise.population.runner import MeasureOutcome

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
ROWS = [
    (date(2020, 5, 1), "fracture", SNOMED, "71620000"),
    (date(2020, 5, 1), "fracture", SNOMED, "71620000"),  # the same row again
    (date(2021, 3, 2), "traumatic_fracture", SNOMED, "71620000"),
    (date(2019, 1, 9), "fracture", ICD10, "S32.000A"),
    (date(2022, 7, 7), "fracture", SNOMED, "999999999"),  # a code bonewise does not know
    (date(2022, 7, 7), "fracture", None, None),  # no code at all
    (date(1899, 12, 31), "fracture", SNOMED, "71620000"),  # no date a record holds
]


def _afresh(onset: date, concept: str, system: str | None, code: str | None) -> object:
    f = rules.fracture_from_row(
        {"onset_date": onset, "concept": concept, "code_system": system, "code": code}
    )
    return None if f is None else (f.date.isoformat(), f.site, f.traumatic is not None)


def test_a_fracture_read_once_reads_as_read_afresh() -> None:
    readings = assumptions.FractureReadings()
    for _ in range(2):  # the second time from what was read
        assert [readings.line(*row) for row in ROWS] == [_afresh(*row) for row in ROWS]
    assert readings.line(*ROWS[-1]) is None


def test_each_code_and_each_fracture_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sites: list[tuple[str | None, str | None]] = []
    fractures: list[tuple[date, str, str]] = []
    site_of_code, fracture_of = rules.fracture_site_of_code, rules.fracture_of

    def counted_site(system: str | None, code: str | None) -> str:
        sites.append((system, code))
        return site_of_code(system, code)

    def counted_fracture(onset: date, concept: str, site: str) -> object:
        fractures.append((onset, concept, site))
        return fracture_of(onset, concept, site)

    monkeypatch.setattr(rules, "fracture_site_of_code", counted_site)
    monkeypatch.setattr(rules, "fracture_of", counted_fracture)
    readings = assumptions.FractureReadings()
    for row in ROWS * 3:
        readings.line(*row)
    assert sorted(sites, key=repr) == sorted({(r[2], r[3]) for r in ROWS}, key=repr)
    assert len(fractures) == len(set(fractures))
    # a code not known and no code both read "site not coded": one Fracture for that day
    assert len(fractures) == len(ROWS) - 2


def _outcome(measure_id: str, patient_ids: list[str]) -> MeasureOutcome:
    table = pa.table(
        {
            "patient_id": pa.array(patient_ids, pa.string()),
            "index_date": pa.array([date(2026, 1, 1)] * len(patient_ids), pa.date32()),
            "clinician_review": pa.array([""] * len(patient_ids), pa.string()),
        }
    )
    n = len(patient_ids)
    return MeasureOutcome(measure_id, n, 0, 0, n, table)


def test_each_measure_keeps_its_own_womens_lines() -> None:
    lines = pa.table(
        {
            "person_id": ["w3", "w1", "w2"],
            "assumptions": pa.DictionaryArray.from_arrays(
                pa.array([1, 2, 1], pa.int32()), pa.array(["", "a | b", "c"])
            ),
        }
    )
    outcomes = {
        "first": _outcome("first", ["w1", "w2"]),
        "none": _outcome("none", []),  # a gap table with no rows holds no chunk
        "second": _outcome("second", ["w2", "w3", "w4"]),  # w4: not read
    }
    found = assumptions.with_assumptions(outcomes, lines)
    assert list(found) == ["first", "none", "second"]
    words = {mid: m.gap_table.column("assumptions").to_pylist() for mid, m in found.items()}
    assert words == {"first": ["c", "a | b"], "none": [], "second": ["a | b", "a | b", ""]}
    assert found["first"].gap_table.column("patient_id").to_pylist() == ["w1", "w2"]
