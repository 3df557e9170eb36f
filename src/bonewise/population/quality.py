"""Malformed rows: cast, check and count them in the engine, then hand clean tables to the rules.

Nothing is dropped silently and nothing malformed is fatal. Every row that the measures cannot
use is counted under a reason (bad date, unknown unit, duplicate id, ...) and the counts go into
the run's report. One Ibis implementation, so DuckDB and Spark count the same rows.

  persons      duplicate ids are merged into one person (earliest birth date; a death date only
               if every copy has one); an unparseable birth or death date is counted and left
               unknown, the person kept
  other tables a row whose required date is missing or not a date, whose unit is unknown, whose
               value is missing or not a number, or whose concept is not in the schema's
               vocabulary is counted and left out; duplicate record ids and rows for persons
               not in the persons table are counted. Facts that hold whatever their date
               (`UNDATED_KEPT`: bone metastases, smoking status) are kept without one: a
               metastasis with no onset date still sends her to a clinician
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np

from bonewise.population import schema
from bonewise.population.schema import TableName
from bonewise.terminology import codes
from bonewise.units import CALCIDIOL_PER_NG_ML

# what the quality step reads as a date (the NDJSON loader types a column only when all are)
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# Units the code tables accept, mapped to a factor that gives the rules' unit.
_VITAMIN_D_CODE = codes.lab_code("62292-8")
_VITAMIN_D_UNITS = _VITAMIN_D_CODE.units if _VITAMIN_D_CODE else {}
# A vitamin D value in ng/mL is the value divided by this: the terminology's spellings (the ones
# the FHIR import accepts) onto the core's conversion table, so both read the same units the same
# way (multiplying by the reciprocal instead can land a result on the other side of a threshold:
# 74.88 nmol/L is 29.999... ng/mL for the core, 30.0 by the reciprocal).
VITAMIN_D_PER_NG_ML: dict[str, float] = {
    raw: CALCIDIOL_PER_NG_ML[canonical] for raw, canonical in _VITAMIN_D_UNITS.items()
}
# The same as factors (the benchmark's hand-written SQL multiplies).
VITAMIN_D_TO_NG_ML: dict[str, float] = {raw: 1.0 / d for raw, d in VITAMIN_D_PER_NG_ML.items()}
_BMI_CODE = codes.vital_code("39156-5")
BMI_UNITS: tuple[str, ...] = tuple(_BMI_CODE.units) if _BMI_CODE else ()
NUMERIC_CONCEPTS = ("dxa_t_score", "dxa_bmd", "dxa_z_score", "vitamin_d_25oh", "bmi")

# Facts a record may hold without a date that still count (rules.clinician_review and the
# smoking risk factor read them undated): left out, a woman with bone metastases would be an
# automated gap. Any other undated row is `missing_date`.
UNDATED_KEPT: dict[TableName, tuple[str, ...]] = {
    "conditions": ("bone_metastases", *schema.UNCONFIRMED_CONDITIONS.values()),
    "drug_exposures": (schema.UNCONFIRMED_DRUG,),
    "measurements": ("smoking_status",),
}

REASONS: dict[str, str] = {
    "bad_date": "a date that is not a YYYY-MM-DD calendar date",
    "missing_date": "the row's own date is missing",
    "end_before_start": "an exposure that ends before it starts",
    "unknown_unit": "a unit that cannot be converted (vitamin D: ng/mL, ug/L or nmol/L; "
    "BMI: kg/m2)",
    "missing_value": "a measurement with no (numeric) value",
    "unknown_concept": "a concept outside the flat schema's vocabulary",
    "duplicate_id": "an id already used by another row of the same table",
    "unknown_person": "a row for a person_id that is not in the persons table",
    "missing_id": "a person row without person_id",
    # found by the loaders, before the engine sees the rows
    "missing_subject": "a FHIR resource with no subject (patient) reference: not loaded",
    "invalid_json": "an NDJSON line that is not a JSON object: not loaded",
    "unconfirmed_fracture": "a Condition under a code bonewise does not know that names a "
    "fracture: loaded as unconfirmed_fracture; whether she had one is unknown, her gaps marked "
    "for a clinician to confirm",
    "unconfirmed_bone_metastases": "a Condition under a code bonewise does not know that names "
    "a bone metastasis: loaded as unconfirmed_bone_metastases; whether she has bone metastases "
    "is unknown, her gaps marked for a clinician to confirm",
    "unconfirmed_menopausal_status": "a Condition under a code bonewise does not know that "
    "names a menopausal state: loaded as unconfirmed_menopausal_status; her status is inferred, "
    "her gaps marked for a clinician to confirm",
}


@dataclass(frozen=True)
class CleanCohort:
    tables: dict[TableName, ir.Table]
    checks: dict[TableName, ir.Table]  # one row per table: rows and a count per reason
    # per event table: the record ids' 64-bit hashes (`_id_hash`) for the duplicate-id count
    id_hashes: dict[TableName, ir.Table] = field(default_factory=dict)
    # per event table: the exact duplicate-id count, run only when the hashed count finds some
    exact_duplicates: dict[TableName, ir.IntegerScalar] = field(default_factory=dict)


def _text(col: ir.Value) -> ir.StringValue:
    """Text with "" read as missing (loaders have already trimmed whitespace)."""
    s = col if col.type().is_string() else col.cast("string")
    return s.nullif("")


def _parse_date(col: ir.Value) -> tuple[ir.DateValue, ir.BooleanValue]:
    """(the date, or null) and whether the source held something that is not a date."""
    dtype = col.type()
    if dtype.is_date():
        return col, ibis.literal(False)
    if dtype.is_timestamp():
        return col.cast("date"), ibis.literal(False)
    s = _text(col)
    iso = s.re_search(ISO_DATE).fill_null(False)
    parsed = ibis.ifelse(iso, s.try_cast("date"), ibis.null("date"))
    return parsed, (s.notnull() & parsed.isnull())


def _with_columns(t: ir.Table, table: TableName) -> ir.Table:
    """Add any column of the flat schema the source lacks (as null), keep the rest."""
    missing = {
        f.name: ibis.null(ibis.dtype(f.type))
        for f in schema.SCHEMAS[table]
        if f.name not in t.columns
    }
    return t.mutate(**missing) if missing else t


def _count(flag: ir.BooleanValue) -> ir.IntegerScalar:
    return flag.fill_null(False).cast("int64").sum().fill_null(0)


def _flag_value(col: ir.Value) -> ir.BooleanValue:
    """A yes/no column from any source: booleans as they are, text true/1/yes as true."""
    if col.type().is_boolean():
        return col.fill_null(False)
    return _text(col).lower().isin(["true", "1", "yes", "y"]).fill_null(False)


def clean_persons(t: ir.Table) -> ir.Table:
    """One row per person id, with `_rows` and `_bad_date` kept for `person_checks`.

    One grouping does both: duplicate ids are the extra rows of a group and a missing id is the
    null group, so the checks read the (small) grouped table, never every person row again.
    """
    t = _with_columns(t, "persons")
    birth, bad_birth = _parse_date(t.birth_date)
    death, bad_death = _parse_date(t.death_date)
    rows = t.mutate(
        person_id=_text(t.person_id),
        gender=_text(t.gender).lower(),
        birth_date=birth,
        death_date=death,
        deceased=_flag_value(t.deceased),
        menopausal_status=_text(t.menopausal_status).lower(),
        _bad_date=(bad_birth | bad_death).fill_null(False).cast("int64"),
    )
    grouped = rows.group_by("person_id").aggregate(
        gender=rows.gender.min(),
        birth_date=rows.birth_date.min(),
        death_date=ibis.ifelse(
            rows.death_date.count() == rows.count(), rows.death_date.max(), ibis.null("date")
        ),
        deceased=rows.deceased.cast("int8").min() == 1,
        menopausal_status=rows.menopausal_status.min(),
        _rows=rows.count(),
        _bad_date=rows._bad_date.sum(),
    )
    return grouped


def person_checks(grouped: ir.Table) -> ir.Table:
    missing = grouped.person_id.isnull()
    return grouped.aggregate(
        rows=grouped._rows.sum().fill_null(0),
        bad_date=grouped._bad_date.sum().fill_null(0),
        missing_id=ibis.ifelse(missing, grouped._rows, 0).sum().fill_null(0),
        duplicate_id=ibis.ifelse(missing, 0, grouped._rows - 1).sum().fill_null(0),
    )


def _clean_events(
    t: ir.Table,
    table: TableName,
    persons: ir.Table,
    concepts: tuple[str, ...],
) -> ir.Table:
    """The rows with parsed dates and one boolean `_<reason>` column per problem."""
    t = _with_columns(t, table)
    parsed: dict[str, ir.Value] = {}
    bad = ibis.literal(False)
    for col in schema.DATE_COLUMNS[table]:
        value, is_bad = _parse_date(t[col])
        parsed[col] = value
        bad = bad | is_bad
    required = schema.REQUIRED_DATE[table]
    assert required is not None
    rows = t.mutate(
        person_id=_text(t.person_id),
        record_id=_text(t.record_id),
        concept=_text(t.concept).lower(),
        _bad_date=bad,
        **parsed,
    )
    rows = rows.mutate(
        _missing_date=rows[required].isnull()
        & ~rows._bad_date
        & ~rows.concept.isin(list(UNDATED_KEPT.get(table, ()))).fill_null(False),
        _unknown_concept=~rows.concept.isin(list(concepts)).fill_null(False),
    )
    return rows


def _event_checks(rows: ir.Table, persons: ir.Table) -> ir.Table:
    """Counts per reason and rows of unknown persons in one pass over the rows (joined to the
    persons). Duplicate ids are counted apart (`_repeated_hashes`, `count_malformed`)."""
    known = persons.select(_known=persons.person_id)
    joined = rows.left_join(known, rows.person_id == known._known)
    reasons = {
        name.removeprefix("_"): _count(joined[name])
        for name in rows.columns
        if name.startswith("_") and rows[name].type().is_boolean()
    }
    return joined.aggregate(
        rows=joined.count(),
        unknown_person=_count(joined._known.isnull()),
        **reasons,
    )


def _repeated_hashes(id_hashes: ir.Table) -> ir.IntegerScalar:
    """Rows whose id hash equals another row's, counted in the engine.

    Duplicate ids are counted on a 64-bit hash of the id (`id_hashes._id_hash`), which is exact
    when it finds none: equal ids have equal hashes, so no repeated hash means no repeated id.
    When hashes do repeat, `count_malformed` counts the ids themselves (a collision is not a
    duplicate). The hashes are sorted and each compared with the next: a value held n times
    gives n - 1 equal neighbours, the rows beyond its first. Sorting 8-byte numbers costs about
    half of grouping millions of distinct ones (and a third of a distinct count). The sort is
    global, so Spark does it in one task: a column of 8-byte numbers.
    """
    hashes = id_hashes.filter(id_hashes._id_hash.notnull())
    following = hashes._id_hash.lead().over(ibis.window(order_by=hashes._id_hash))
    neighbours = hashes.select(_repeated=hashes._id_hash == following)
    return _count(neighbours._repeated)


def repeated_hashes_here(id_hashes: ir.Table) -> int:
    """`_repeated_hashes` computed in this process: the hashes fetched and sorted with numpy.

    For an embedded engine (DuckDB) this halves the CPU time of the engine's sort: DuckDB's
    window over one unpartitioned order runs its last step on one thread (1,000,000 women:
    5.7 M measurement ids, 1.2 CPU-s in the window, 0.6 fetched and sorted here).
    """
    column = id_hashes.filter(id_hashes._id_hash.notnull()).to_pyarrow().column("_id_hash")
    values = np.sort(column.to_numpy())
    return int(np.count_nonzero(values[1:] == values[:-1]))


def _id_hashes(raw: ir.Table, table: TableName) -> ir.Table:
    """The record ids' 64-bit hashes, read from the source's id column alone."""
    t = _with_columns(raw, table)
    record_id = _text(t.record_id)
    # a missing id has no hash (the engines hash NULL to a constant), as it has no duplicate
    return t.select(_id_hash=ibis.ifelse(record_id.isnull(), ibis.null("int64"), record_id.hash()))


def _exact_duplicates(record_ids: ir.StringColumn) -> ir.IntegerScalar:
    return record_ids.count() - record_ids.nunique()


def _usable(rows: ir.Table) -> ir.BooleanValue:
    flags = [rows[c] for c in rows.columns if c.startswith("_") and rows[c].type().is_boolean()]
    ok = ibis.literal(True)
    for flag in flags:
        ok = ok & ~flag
    return ok


Materialize = Callable[[str, ir.Table], ir.Table]


def _as_is(_name: str, expr: ir.Table) -> ir.Table:
    return expr


def _keep(rows: ir.Table, *columns: str) -> ir.Table:
    """The columns the rules need and every flag."""
    flags = [c for c in rows.columns if c.startswith("_") and rows[c].type().is_boolean()]
    return rows.select(*columns, *flags)


def clean(
    raw: dict[TableName, ir.Table],
    materialize: Materialize = _as_is,
    share: Materialize = _as_is,
) -> CleanCohort:
    """Clean tables and checks. `materialize(name, expr)` may compute a table once in the engine
    and `share(name, expr)` names an expression several queries read (the runner passes
    engine.materialize and engine.share); by default everything stays lazy.

    The persons grouped by id are materialised (every measure joins them). Each event table's
    rows, with only the columns the measures read and a flag per problem, are shared, not
    copied: the checks count over them in one pass and the measures read their usable rows (a
    filter), each query scanning the source's columnar file for the columns it needs. Copying
    millions of rows costs more than scanning them again.
    """
    grouped = materialize("persons", clean_persons(raw["persons"]))
    persons = grouped.filter(grouped.person_id.notnull()).drop("_rows", "_bad_date")
    checks: dict[TableName, ir.Table] = {"persons": person_checks(grouped)}
    tables: dict[TableName, ir.Table] = {"persons": persons}
    exact: dict[TableName, ir.IntegerScalar] = {}
    hashes: dict[TableName, ir.Table] = {}

    def usable(name: TableName, rows: ir.Table, *columns: str) -> None:
        exact[name] = _exact_duplicates(rows.record_id)
        every_row = share(name, _keep(rows, *columns))
        checks[name] = _event_checks(every_row, persons)
        hashes[name] = _id_hashes(raw[name], name)
        tables[name] = every_row.filter(_usable(every_row)).select(*columns)

    rows = _clean_events(
        raw["drug_exposures"],
        "drug_exposures",
        persons,
        schema.AROMATASE_INHIBITORS
        + schema.BONE_DIRECTED_THERAPIES
        + ("glucocorticoid",)
        + schema.GNRH_AGONIST_CONCEPTS
        + (schema.UNCONFIRMED_DRUG,),
    )
    rows = rows.mutate(
        _end_before_start=(rows.end_date < rows.start_date).fill_null(False),
        # the class follows from the concept, whatever the source wrote
        drug_class=ibis.cases(
            (rows.concept.isin(list(schema.AROMATASE_INHIBITORS)), "aromatase_inhibitor"),
            (rows.concept.isin(list(schema.BONE_DIRECTED_THERAPIES)), "bone_directed_therapy"),
            (rows.concept.isin(list(schema.GNRH_AGONIST_CONCEPTS)), "gnrh_agonist"),
            else_=rows.concept,
        ),
    )
    usable("drug_exposures", rows, "person_id", "concept", "drug_class", "start_date", "end_date")

    meas = _with_columns(raw["measurements"], "measurements")
    unit = _text(meas.unit)
    vit_divisor = unit.substitute(VITAMIN_D_PER_NG_ML, else_=ibis.null("float64"))
    value = meas.value if meas.value.type().is_floating() else _text(meas.value).try_cast("float64")
    rows = _clean_events(
        meas.mutate(unit=unit, value=value.cast("float64"), _vit_divisor=vit_divisor),
        "measurements",
        persons,
        schema.MEASUREMENT_CONCEPTS,
    )
    is_vit = rows.concept == "vitamin_d_25oh"
    rows = rows.mutate(
        _unknown_unit=(
            # a membership test, not the factor's CASE chain: the rules filter every row on it
            (is_vit & ~rows.unit.isin(list(VITAMIN_D_PER_NG_ML)).fill_null(False))
            | ((rows.concept == "bmi") & rows.unit.notnull() & ~rows.unit.isin(list(BMI_UNITS)))
        ).fill_null(False),
        _missing_value=(
            (rows.concept.isin(list(NUMERIC_CONCEPTS)) & rows.value.isnull())
            | (
                (rows.concept == "smoking_status")
                & ~_text(rows.value_text).lower().isin(list(schema.SMOKING_VALUES)).fill_null(False)
            )
        ).fill_null(False),
        value=ibis.ifelse(is_vit, rows.value / rows._vit_divisor, rows.value),
        value_text=_text(rows.value_text).lower(),
    ).drop("_vit_divisor")
    usable(
        "measurements",
        rows,
        "person_id",
        "concept",
        "date",
        "value",
        "value_text",
        # a DXA result's scan, for the BMD series (rules.significant_bmd_loss)
        "body_site",
        "device_make",
        "precision_pct",
        "code_system",
        "code",
    )

    rows = _clean_events(raw["conditions"], "conditions", persons, schema.CONDITION_CONCEPTS)
    # a fracture's code, for its site (rules.therapy_core_answers: clinical osteoporosis)
    usable("conditions", rows, "person_id", "concept", "onset_date", "code_system", "code")

    rows = _clean_events(raw["procedures"], "procedures", persons, schema.PROCEDURE_CONCEPTS)
    usable("procedures", rows, "person_id", "concept", "date")
    return CleanCohort(tables=tables, checks=checks, id_hashes=hashes, exact_duplicates=exact)


def count_malformed(
    cohort: CleanCohort, *, sort_ids_here: bool = False
) -> dict[str, dict[str, int]]:
    """Execute the checks: {table: {"rows": n, reason: n, ...}} for the reasons that apply.

    One table at a time, so the engine holds one table's set of ids at once, not five.
    `sort_ids_here`: the id hashes are sorted in this process (`repeated_hashes_here`: for
    DuckDB, embedded), not by the engine (Spark: the hashes stay on the cluster).
    """
    report: dict[str, dict[str, int]] = {}
    for table, check in cohort.checks.items():
        row = check.to_pyarrow().to_pylist()[0]
        report[table] = {k: int(row[k] or 0) for k in check.columns}
        if table not in cohort.id_hashes:
            continue
        hashes = cohort.id_hashes[table]
        repeated = (
            repeated_hashes_here(hashes)
            if sort_ids_here
            else int(_repeated_hashes(hashes).to_pyarrow().as_py() or 0)
        )
        report[table]["duplicate_id"] = repeated
        if repeated and table in cohort.exact_duplicates:
            # repeated hashes: count the ids themselves (rare: real duplicates, or a collision)
            report[table]["duplicate_id"] = int(cohort.exact_duplicates[table].to_pyarrow().as_py())
    return report
