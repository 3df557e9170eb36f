"""FHIR Bulk Data NDJSON in: codes mapped, units converted, problems counted (real files)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bonewise.population.runner import RunResult, run_care_gaps
from bonewise.terminology import codes

AS_OF = date(2025, 6, 30)


def _loinc(code: str) -> dict[str, Any]:
    return {"coding": [{"system": codes.LOINC, "code": code}]}


def _rx(code: str) -> dict[str, Any]:
    return {"coding": [{"system": "urn:oid:2.16.840.1.113883.6.88", "code": code}]}


def _obs(rid: str, pid: str, code: str, when: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": _loinc(code),
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": codes.UCUM, "code": unit},
    }


def _write(
    directory: Path, name: str, resources: list[Any], extra_lines: tuple[str, ...] = ()
) -> None:
    lines = [json.dumps(r) for r in resources] + list(extra_lines)
    (directory / f"{name}.ndjson").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def fhir_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    src = tmp_path_factory.mktemp("bulk")
    patients: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1958-04-02"}
        for pid in ("a", "b", "c", "d", "e")
    ]
    patients.append(
        {
            "resourceType": "Patient",
            "id": "dead",
            "gender": "female",
            "birthDate": "1950",
            "deceasedBoolean": True,
        }
    )
    _write(src, "Patient", patients, extra_lines=("{not json",))
    _write(
        src,
        "MedicationStatement",
        [
            {
                "resourceType": "MedicationStatement",
                "id": f"ms-{pid}",
                "status": "active",
                "medicationCodeableConcept": _rx("199224"),
                "subject": {"reference": f"Patient/{pid}"},
                "effectivePeriod": {"start": "2023-01-10T09:00:00+01:00"},
            }
            for pid in ("a", "b", "c", "d", "dead")
        ]
        + [
            # a statement entered in error is not an exposure
            {
                "resourceType": "MedicationStatement",
                "id": "ms-x",
                "status": "entered-in-error",
                "medicationCodeableConcept": _rx("200064"),
                "subject": {"reference": "Patient/e"},
                "effectivePeriod": {"start": "2023-01-10"},
            },
        ],
    )
    _write(
        src,
        "Medication",
        [{"resourceType": "Medication", "id": "prolia", "code": _rx("993452")}],
    )
    _write(
        src,
        "MedicationAdministration",
        [
            # denosumab by reference to a Medication resource, last given 2024-09-01: lapsed
            {
                "resourceType": "MedicationAdministration",
                "id": "ma-1",
                "status": "completed",
                "medicationReference": {"reference": "Medication/prolia"},
                "subject": {"reference": "Patient/a"},
                "effectiveDateTime": "2024-09-01",
            },
        ],
    )
    _write(
        src,
        "MedicationRequest",
        [
            # letrozole for e by request: e is in the population through this one
            {
                "resourceType": "MedicationRequest",
                "id": "mr-1",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": _rx("200064"),
                "subject": {"reference": "Patient/e"},
                "authoredOn": "2024-12-01",
            },
            {
                "resourceType": "MedicationRequest",
                "id": "mr-2",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": _rx("200064"),
            },
        ],
    )
    _write(
        src,
        "Observation",
        [
            _obs(
                "o1", "a", "38267-1", "2022-12-01", -2.6, "{T-score}"
            ),  # baseline met, therapy gap
            _obs("o2", "b", "14635-7", "2024-01-15", 40.0, "nmol/L"),  # 16 ng/mL, old: recheck gap
            _obs("o3", "c", "62292-8", "2024-01-15", 16.0, "ng/mL"),
            _obs("o4", "c", "62292-8", "2024-08-15", 31.0, "ng/mL"),  # rechecked, normal
            _obs("o5", "d", "62292-8", "2024-01-15", 12.0, "mg/dL"),  # unknown unit
            _obs("o6", "d", "2345-7", "2024-01-15", 5.4, "mmol/L"),  # glucose: not ours
        ],
    )
    _write(
        src,
        "Procedure",
        [
            {
                "resourceType": "Procedure",
                "id": "p1",
                "status": "completed",
                "code": {"coding": [{"system": codes.SNOMED, "code": "312681000"}]},
                "subject": {"reference": "Patient/b"},
                "performedDateTime": "2023-02-30",
            },
            {
                "resourceType": "Procedure",
                "id": "p2",
                "status": "completed",
                "code": {"coding": [{"system": codes.SNOMED, "code": "312681000"}]},
                "subject": {"reference": "Patient/c"},
                "performedPeriod": {"start": "2023-03-01"},
            },
        ],
    )
    return run_care_gaps(
        source=src, out=tmp_path_factory.mktemp("out"), engine="duckdb", as_of=AS_OF
    )


def _gaps(result: RunResult, measure: str) -> set[str]:
    return {pid for pid, _ in result.measures[measure].gap_rows}


def test_bulk_export_resources_become_measure_answers(fhir_run: RunResult) -> None:
    assert fhir_run.source.format == "fhir-ndjson"
    # b's only DXA has an impossible date; d has none; e started 2024-12-01 (+3m <= D)
    assert _gaps(fhir_run, "baseline-dxa") == {"b", "d", "e"}
    assert fhir_run.measures["baseline-dxa"].excluded == 1  # deceased, no date
    # a's T-score of -2.6 calls for therapy; her denosumab dose counts (given since Q - 12m)
    assert fhir_run.summary()["therapy-gap"] == {
        "denominator": 1,
        "numerator": 1,
        "excluded": 0,
        "gaps": 0,
    }
    assert _gaps(fhir_run, "denosumab-lapse") == {"a"}
    # 40 nmol/L is 16 ng/mL; c was rechecked; d's value has a unit that cannot be converted
    assert _gaps(fhir_run, "vitamin-d-recheck") == {"b"}


def test_problems_in_the_export_are_counted_not_fatal(fhir_run: RunResult) -> None:
    m = fhir_run.malformed
    assert m["ndjson_lines"]["invalid_json"] == 1
    assert m["drug_exposures"]["missing_subject"] == 1
    assert m["measurements"]["unknown_unit"] == 1
    assert m["procedures"]["bad_date"] == 1
    # birthDate "1950" is 1 January 1950, as the single-patient import reads it (fhir.read)
    assert m["persons"].get("bad_date", 0) == 0


def test_a_file_of_several_resource_types_is_read_whole(tmp_path: Path) -> None:
    """Files are read with their first line's type's fields; a file that mixes types (not what
    the Bulk Data spec writes, still read) loses nothing."""
    from bonewise.population.fhir_ndjson import file_resource_type, stage_ndjson

    src, staging = tmp_path / "export", tmp_path / "staging"
    src.mkdir()
    staging.mkdir()
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1958"}
    vitamin_d = _obs("o", "p", "62292-8", "2024-05-01", 16.0, "ng/mL")
    _write(src, "Patient", [patient])
    _write(src, "mixed", [vitamin_d | {"id": "o2"}, patient | {"id": "q"}, vitamin_d])
    assert file_resource_type(src / "mixed.ndjson") == "Observation"
    staged, issues = stage_ndjson(src, staging)
    persons = pq.read_table(staged["persons"]).to_pylist()
    assert sorted((p["person_id"], p["birth_date"]) for p in persons) == [
        ("p", date(1958, 1, 1)),
        ("q", date(1958, 1, 1)),
    ]
    measurements = pq.read_table(staged["measurements"]).to_pylist()
    assert sorted((m["record_id"], m["value"]) for m in measurements) == [("o", 16.0), ("o2", 16.0)]
    assert issues == {}


def test_dates_are_staged_typed_unless_a_table_holds_one_that_is_not_a_date(
    tmp_path: Path,
) -> None:
    """The quality step parses text dates each time it reads a table; a table whose dates are
    all dates is staged typed, one with a text that is not a date keeps text, so it is counted."""
    from bonewise.population.fhir_ndjson import stage_ndjson

    src, staging = tmp_path / "export", tmp_path / "staging"
    src.mkdir()
    staging.mkdir()
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1958-04"}
    dxa = {"coding": [{"system": codes.SNOMED, "code": "312681000"}]}
    _write(src, "Patient", [patient])
    _write(src, "Observation", [_obs("o", "p", "62292-8", "2024-05-01T10:00:00Z", 16.0, "ng/mL")])
    _write(
        src,
        "Procedure",
        [
            {
                "resourceType": "Procedure",
                "id": f"x{day}",
                "status": "completed",
                "code": dxa,
                "subject": {"reference": "Patient/p"},
                "performedDateTime": f"2023-02-{day}",
            }
            for day in ("27", "30")
        ],
    )
    staged, _ = stage_ndjson(src, staging)
    persons = pq.read_table(staged["persons"])
    assert persons.schema.field("birth_date").type == pa.date32()
    assert persons.column("birth_date").to_pylist() == [date(1958, 4, 1)]
    measurements = pq.read_table(staged["measurements"])
    assert measurements.column("date").to_pylist() == [date(2024, 5, 1)]
    procedures = pq.read_table(staged["procedures"])
    assert sorted(procedures.column("date").to_pylist()) == ["2023-02-27", "2023-02-30"]
    run = run_care_gaps(source=src, out=tmp_path / "out", engine="duckdb", as_of=AS_OF)
    assert run.malformed["procedures"]["bad_date"] == 1
    assert run.malformed.get("persons", {}).get("bad_date", 0) == 0


def test_a_woman_with_a_code_bonewise_does_not_know_is_marked_for_review(tmp_path: Path) -> None:
    """A fracture named only by its words (years ago: no recent fracture) or a drug under an
    unknown bonewise local code leaves a fact unknown: her gaps go to a clinician first, as the
    import's "unknown, please confirm"; a woman with neither is not marked."""
    src = tmp_path / "bulk"
    src.mkdir()
    women = ("plain", "named-fracture", "unknown-drug")
    _write(
        src,
        "Patient",
        [
            {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1958-04-02"}
            for pid in women
        ],
    )
    statements = [
        {
            "resourceType": "MedicationStatement",
            "id": f"ai-{pid}",
            "status": "active",
            "medicationCodeableConcept": _rx("199224"),
            "subject": {"reference": f"Patient/{pid}"},
            "effectivePeriod": {"start": "2023-01-10"},
        }
        for pid in women
    ]
    statements.append(
        {
            "resourceType": "MedicationStatement",
            "id": "unknown-local",
            "status": "active",
            "medicationCodeableConcept": {
                "coding": [{"system": codes.BONEWISE, "code": "strontium_ranelate"}]
            },
            "subject": {"reference": "Patient/unknown-drug"},
            "effectivePeriod": {"start": "2024-02-01"},
        }
    )
    _write(src, "MedicationStatement", statements)
    sternum = {"system": codes.SNOMED, "code": "66112004", "display": "Closed fracture of sternum"}
    _write(
        src,
        "Condition",
        [
            {
                "resourceType": "Condition",
                "id": "named",
                "code": {"coding": [sternum]},
                "subject": {"reference": "Patient/named-fracture"},
                "onsetDateTime": "2015-05-01",
            }
        ],
    )
    run = run_care_gaps(source=src, out=tmp_path / "out", engine="duckdb", as_of=AS_OF)
    gaps = run.measures["baseline-dxa"].gap_table.to_pylist()
    review = {row["patient_id"]: row["clinician_review"] for row in gaps}
    assert review == {
        "plain": "",
        "named-fracture": "unconfirmed code",
        "unknown-drug": "unconfirmed code",
    }
    assert run.malformed["conditions"]["unconfirmed_fracture"] == 1
    assert run.malformed["drug_exposures"]["unknown_local_drug_code"] == 1
