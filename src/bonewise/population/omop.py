"""OMOP CDM (v5.3/5.4) tables into the flat schema.

Reads `person`, `drug_exposure`, `measurement`, `condition_occurrence`, `procedure_occurrence`
and, when present, `death` and `concept` (as `.csv` or `.parquet`). A row's code comes from the
`concept` table (vocabulary_id + concept_code of its *_concept_id) when that table is present,
otherwise from its *_source_value; codes are then mapped with `bonewise.terminology.codes`. Rows
with codes bonewise does not use are skipped. person_id becomes the patient id in the results.
Vectorised with pyarrow; dates are kept as written for the quality step.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bonewise.population import schema
from bonewise.population.schema import TableName, raw_schema
from bonewise.terminology import codes

OMOP_TABLES = (
    "person",
    "drug_exposure",
    "measurement",
    "condition_occurrence",
    "procedure_occurrence",
)
FEMALE, MALE = "8532", "8507"  # OMOP gender concepts
_VOCABULARIES = {
    "LOINC": codes.LOINC,
    "RxNorm": codes.RXNORM,
    "SNOMED": codes.SNOMED,
    "CPT4": codes.CPT,
}
_DXA = {"t_score": "dxa_t_score", "bmd": "dxa_bmd", "z_score": "dxa_z_score"}


def _path(directory: Path, name: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        candidate = directory / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def omop_tables_in(directory: Path) -> list[str]:
    return [name for name in OMOP_TABLES if _path(directory, name) is not None]


def _read(directory: Path, name: str) -> pa.Table | None:
    path = _path(directory, name)
    if path is None:
        return None
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        header = pacsv.open_csv(path).schema.names
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    # OMOP exports differ in case; the CDM names are lower case
    table = table.rename_columns([c.lower() for c in table.column_names])
    return table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))


def _read_or_empty(directory: Path, name: str) -> pa.Table:
    table = _read(directory, name)
    return pa.table({}) if table is None else table


def _col(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table.column(name)
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])


def _lookup(keys: pa.ChunkedArray, mapping: dict[str, str]) -> pa.Array:
    """mapping[key] per row (null where the key is unknown)."""
    if not mapping:
        return pa.nulls(len(keys), pa.string())
    names = list(mapping)
    index = pc.index_in(keys, value_set=pa.array(names, pa.string()))
    return pc.take(pa.array([mapping[n] for n in names], pa.string()), index)


def _day(values: pa.ChunkedArray) -> pa.Array:
    """The day part of a date or datetime string."""
    return pc.utf8_slice_codeunits(pc.cast(values, pa.string()), 0, 10)


class _Concepts:
    """concept_id -> code, from concept.csv when present (else source values are used)."""

    def __init__(self, directory: Path) -> None:
        table = _read(directory, "concept")
        self.codes: dict[str, str] = {}
        if table is not None:
            wanted = pc.is_in(_col(table, "vocabulary_id"), pa.array(list(_VOCABULARIES)))
            rows = table.filter(wanted)
            self.codes = dict(
                zip(
                    _col(rows, "concept_id").to_pylist(),
                    _col(rows, "concept_code").to_pylist(),
                    strict=True,
                )
            )

    def code(self, table: pa.Table, concept_column: str, source_column: str) -> pa.Array:
        from_concepts = _lookup(_col(table, concept_column), self.codes)
        source = pc.utf8_trim_whitespace(_col(table, source_column))
        return pc.coalesce(from_concepts, source)


def _write(table: TableName, columns: dict[str, pa.Array], staging: Path) -> Path:
    schema = raw_schema(table)
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = [
        columns.get(f.name, pa.nulls(n, f.type)).cast(f.type)  # type: ignore[union-attr]
        for f in schema
    ]
    path = staging / f"{table}.parquet"
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)
    return path


def stage_omop(directory: Path, staging: Path) -> dict[TableName, Path]:
    concepts = _Concepts(directory)
    staged: dict[TableName, Path] = {}

    person = _read_or_empty(directory, "person")
    gender_id = _col(person, "gender_concept_id")
    gender = pc.if_else(
        pc.equal(gender_id, FEMALE),
        "female",
        pc.if_else(pc.equal(gender_id, MALE), "male", "unknown"),
    )
    composed = pc.binary_join_element_wise(
        _col(person, "year_of_birth"),
        pc.utf8_lpad(_col(person, "month_of_birth"), 2, "0"),
        pc.utf8_lpad(_col(person, "day_of_birth"), 2, "0"),
        "-",
    )
    year_only = _col(person, "year_of_birth")  # a year is not a day: the quality step counts it
    birth = pc.coalesce(_day(_col(person, "birth_datetime")), composed, year_only)
    death = _read(directory, "death")
    death_by_person = (
        dict(
            zip(
                _col(death, "person_id").to_pylist(),
                _day(_col(death, "death_date")).to_pylist(),
                strict=True,
            )
        )
        if death is not None
        else {}
    )
    staged["persons"] = _write(
        "persons",
        {
            "person_id": _col(person, "person_id"),
            "gender": gender,
            "birth_date": birth,
            "death_date": _lookup(_col(person, "person_id"), death_by_person),
            "deceased": pa.array([False] * person.num_rows),
            "source": pa.array(["omop:person"] * person.num_rows, pa.string()),
        },
        staging,
    )

    drugs = _read_or_empty(directory, "drug_exposure")
    code = concepts.code(drugs, "drug_concept_id", "drug_source_value")
    agent = _lookup(code, {d.concept.code: schema.drug_concept(d) for d in codes.DRUG_CODES})
    keep = pc.is_valid(agent)
    staged["drug_exposures"] = _write(
        "drug_exposures",
        {
            "record_id": _col(drugs, "drug_exposure_id").filter(keep),
            "person_id": _col(drugs, "person_id").filter(keep),
            "concept": agent.filter(keep),
            "start_date": _day(_col(drugs, "drug_exposure_start_date")).filter(keep),
            "end_date": _day(_col(drugs, "drug_exposure_end_date")).filter(keep),
            "code_system": pa.array([codes.RXNORM] * int(pc.sum(keep).as_py() or 0), pa.string()),
            "code": code.filter(keep),
            "source": pa.array(
                ["omop:drug_exposure"] * int(pc.sum(keep).as_py() or 0), pa.string()
            ),
        },
        staging,
    )

    meas = _read_or_empty(directory, "measurement")
    code = concepts.code(meas, "measurement_concept_id", "measurement_source_value")
    names: dict[str, str] = {c.concept.code: _DXA[c.kind] for c in codes.DXA_CODES}
    names.update(
        {c.concept.code: "vitamin_d_25oh" for c in codes.LAB_CODES if c.kind == "25_oh_vitamin_d"}
    )
    names.update({c.concept.code: "bmi" for c in codes.VITAL_CODES if c.kind == "bmi"})
    concept = _lookup(code, names)
    keep = pc.is_valid(concept)
    unit = pc.coalesce(
        _lookup(_col(meas, "unit_concept_id"), concepts.codes), _col(meas, "unit_source_value")
    )
    n = int(pc.sum(keep).as_py() or 0)
    staged["measurements"] = _write(
        "measurements",
        {
            "record_id": _col(meas, "measurement_id").filter(keep),
            "person_id": _col(meas, "person_id").filter(keep),
            "concept": concept.filter(keep),
            "date": _day(_col(meas, "measurement_date")).filter(keep),
            "value": pc.cast(_col(meas, "value_as_number"), pa.float64(), safe=False).filter(keep),
            "unit": unit.filter(keep),
            # the DXA site its LOINC code names; OMOP holds no scanner make (the core reads a
            # scan of unknown make as "other") and no facility precision
            "body_site": _lookup(code, {c.concept.code: c.site for c in codes.DXA_CODES}).filter(
                keep
            ),
            "code_system": pa.array([codes.LOINC] * n, pa.string()),
            "code": code.filter(keep),
            "source": pa.array(["omop:measurement"] * n, pa.string()),
        },
        staging,
    )

    cond = _read_or_empty(directory, "condition_occurrence")
    code = concepts.code(cond, "condition_concept_id", "condition_source_value")
    kind = _lookup(code, {c.concept.code: c.kind for c in codes.CONDITION_CODES})
    keep = pc.is_valid(kind)
    n = int(pc.sum(keep).as_py() or 0)
    staged["conditions"] = _write(
        "conditions",
        {
            "record_id": _col(cond, "condition_occurrence_id").filter(keep),
            "person_id": _col(cond, "person_id").filter(keep),
            "concept": kind.filter(keep),
            "onset_date": _day(_col(cond, "condition_start_date")).filter(keep),
            "code_system": pa.array([codes.SNOMED] * n, pa.string()),
            "code": code.filter(keep),
            "source": pa.array(["omop:condition_occurrence"] * n, pa.string()),
        },
        staging,
    )

    proc = _read_or_empty(directory, "procedure_occurrence")
    code = concepts.code(proc, "procedure_concept_id", "procedure_source_value")
    dxa_codes = {c.concept.code: "dxa" for c in codes.PROCEDURE_CODES}
    dxa = _lookup(code, dxa_codes)
    keep = pc.is_valid(dxa)
    n = int(pc.sum(keep).as_py() or 0)
    staged["procedures"] = _write(
        "procedures",
        {
            "record_id": _col(proc, "procedure_occurrence_id").filter(keep),
            "person_id": _col(proc, "person_id").filter(keep),
            "concept": dxa.filter(keep),
            "date": _day(_col(proc, "procedure_date")).filter(keep),
            "code": code.filter(keep),
            "source": pa.array(["omop:procedure_occurrence"] * n, pa.string()),
        },
        staging,
    )
    return staged
