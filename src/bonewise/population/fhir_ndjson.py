"""FHIR Bulk Data NDJSON (R4; R5 medication/occurrence fields too) into the flat schema, in DuckDB.

Reads every `*.ndjson` file in a folder (`Patient.ndjson`, `Observation.ndjson`,
`MedicationStatement.ndjson`, `MedicationRequest.ndjson`, `MedicationAdministration.ndjson`,
`Medication.ndjson`, `Condition.ndjson`, `Procedure.ndjson`, any subset, split files too) with
DuckDB's `read_json`: one parallel pass parses each line into the few fields bonewise reads
(`_RESOURCE`) and streams them to a Parquet file in the staging folder (never a table in memory:
a large export would spill); the rest of the work is set-based SQL over that file, joined to small
code tables, and each flat table is written to Parquet by DuckDB. No resource becomes a Python
object.

One definition of every rule, shared with the single-patient import (`bonewise.fhir.read`) and
the terminology tables:

- codes: the distinct (system, code) pairs of the export are classified once in Python by
  `bonewise.terminology.codes` (LOINC DXA / vitamin D / BMI, RxNorm and local drug codes, SNOMED
  CT value sets, ICD-10-CM by ancestor, DXA procedures) and joined back as a small table; for each
  resource the first coding that maps wins, as in the import. Resources with codes bonewise does
  not use are left out (most of a bulk export is unrelated).
- statuses: a resource whose `status` is in `read.SKIPPED_STATUSES`, or whose
  `verificationStatus` has a code in `read.SKIPPED_VERIFICATION`, is not part of the record.
- dates: `fhir_day_sql` is `read.read_date` in SQL (a year is 1 January, a year-month the first of
  the month, a dateTime its calendar day); the text is kept, so the quality step counts the ones
  that are not dates. `tests/unit/population/test_ndjson_rules.py` pins it to `read.read_date`.

The hadji-2017 risk factors are read the way `bonewise.fhir.importer` reads them:

- smoking status: LOINC 72166-2 with a SNOMED CT answer from `codes.SMOKING_ANSWERS`, a
  `smoking_status` measurement whose `value_text` is current / past / never. An answer code
  not in that table is counted (`unknown_smoking_answer`); a dataAbsentReason is "not recorded".
- oral glucocorticoids: the bonewise local Observation `oral_glucocorticoids_over_6_months`.
  `valueBoolean` true with an `effectivePeriod` (the course; no end = still taking them) becomes a
  `glucocorticoid` drug exposure; the measure judges its length as of its own date. True without
  a period cannot be placed in time and is counted (`glucocorticoids_without_period`); false is
  a recorded "no" and adds nothing.
- drugs coded with bonewise local codes (`codes.LOCAL_DRUG_CODES`, e.g. ibandronate, which has no
  verified RxNorm code) are read like RxNorm ones and keep their own system as provenance.

Counted, never silently dropped: lines that are not JSON (`invalid_json`), resources with no
subject (`missing_subject`), codes in the bonewise local system that bonewise does not know
(`unknown_local_code`, `unknown_local_drug_code`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, get_args

import duckdb
import pyarrow as pa

from bonewise.clinical.models import ScannerMake
from bonewise.fhir import read
from bonewise.fhir.record_codes import EXT_TRAUMATIC
from bonewise.population import schema
from bonewise.population.schema import TABLES, TableName, raw_schema
from bonewise.terminology import codes

FILES_KEY = "ndjson_lines"  # issues that belong to no table (a line that is not JSON)
# DuckDB's working memory while loading; beyond it, it spills to the staging folder.
LOAD_MEMORY_LIMIT: Final = "600MB"
_MAX_LINE_BYTES: Final = 64 * 1024 * 1024  # bounds one line (one resource) in memory
_DXA_CONCEPT = {"t_score": "dxa_t_score", "bmd": "dxa_bmd", "z_score": "dxa_z_score"}
_ENDED_STATUS = ("completed", "stopped")
_GLUCOCORTICOIDS = codes.LOCAL_CODES["oral_glucocorticoids_over_6_months"]
_MENOPAUSAL_STATUS = codes.LOCAL_CODES["menopausal-status"]

# The fields read from each line (every other field is skipped by the parser). Leaves are text
# so a number where FHIR has a string (or the reverse) is read, not an error; `JSON` keeps a
# value whose JSON type matters (valueBoolean must be a boolean).
_CODINGS = "STRUCT(system VARCHAR, code VARCHAR)[]"
_CONCEPT = f"STRUCT(coding {_CODINGS}, text VARCHAR)"
_REF = "STRUCT(reference VARCHAR)"
_PERIOD = 'STRUCT(start VARCHAR, "end" VARCHAR)'
_QUANTITY = "STRUCT(value VARCHAR, unit VARCHAR, system VARCHAR, code VARCHAR)"
_RESOURCE: Final[dict[str, str]] = {
    "resourceType": "VARCHAR",
    "id": "VARCHAR",
    "status": "VARCHAR",
    "verificationStatus": _CONCEPT,
    "subject": _REF,
    "patient": _REF,
    "code": _CONCEPT,
    # Patient
    "gender": "VARCHAR",
    "birthDate": "VARCHAR",
    "deceasedBoolean": "JSON",
    "deceasedDateTime": "VARCHAR",
    # Observation
    "effectiveDateTime": "VARCHAR",
    "effectivePeriod": _PERIOD,
    "effectiveInstant": "VARCHAR",
    "issued": "VARCHAR",
    "valueQuantity": _QUANTITY,
    "valueCodeableConcept": _CONCEPT,
    "valueBoolean": "JSON",
    "dataAbsentReason": "JSON",
    # medications (R4 medicationX, R5 medication.concept / medication.reference)
    "medicationCodeableConcept": _CONCEPT,
    "medicationReference": _REF,
    "medication": f"STRUCT(concept {_CONCEPT}, reference {_REF})",
    "dosageInstruction": f"STRUCT(timing STRUCT(repeat STRUCT(boundsPeriod {_PERIOD})))[]",
    "dispenseRequest": f"STRUCT(validityPeriod {_PERIOD})",
    "authoredOn": "VARCHAR",
    "occurenceDateTime": "VARCHAR",
    "occurencePeriod": _PERIOD,
    # Condition, Procedure (a fracture's bonewise traumatic / fragility extensions)
    "extension": "STRUCT(url VARCHAR, valueBoolean BOOLEAN, valueDecimal VARCHAR)[]",
    "onsetDateTime": "VARCHAR",
    "onsetPeriod": _PERIOD,
    "onsetInstant": "VARCHAR",
    "recordedDate": "VARCHAR",
    "performedDateTime": "VARCHAR",
    "performedPeriod": _PERIOD,
    "performedInstant": "VARCHAR",
    "occurrenceDateTime": "VARCHAR",
    "occurrencePeriod": _PERIOD,
    "occurrenceInstant": "VARCHAR",
    # a DXA panel: one Observation, a component per site and score
    "component": f"STRUCT(code {_CONCEPT}, valueQuantity {_QUANTITY})[]",
    "contained": f"STRUCT(resourceType VARCHAR, id VARCHAR, code {_CONCEPT})[]",
    # a DXA result's scanner (Observation.device; the Device's maker and names), as the import
    # reads it, for the BMD series (issue 12)
    "device": "STRUCT(reference VARCHAR, display VARCHAR)",
    "manufacturer": "VARCHAR",
    "deviceName": "STRUCT(name VARCHAR)[]",
}
EVENT_TYPES: Final = (
    "Observation",
    "MedicationStatement",
    "MedicationRequest",
    "MedicationAdministration",
    "Condition",
    "Procedure",
)
MEDICATION_TYPES: Final = EVENT_TYPES[1:4]


def ndjson_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.ndjson") if p.is_file())


def _sql_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_quote(v) for v in sorted(values)) + ")"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- the rules of bonewise.fhir.read, as SQL --------------------------------------------------
def fhir_day_sql(value: str) -> str:
    """`read.read_date(value).day` as SQL text: YYYY -> YYYY-01-01, YYYY-MM -> YYYY-MM-01, a
    dateTime -> its first 10 characters; empty -> NULL. Not-a-date text stays as it is (cut to
    10 characters), for the quality step to count."""
    t = f"trim({value})"
    return (
        f"(CASE WHEN {t} = '' THEN NULL WHEN length({t}) = 4 THEN {t} || '-01-01' "
        f"WHEN length({t}) = 7 THEN {t} || '-01' ELSE left({t}, 10) END)"
    )


_SKIPPED = (
    f"(coalesce(status IN {_sql_list(read.SKIPPED_STATUSES)}, false) OR "
    "coalesce(len(list_filter(verificationStatus.coding, "
    f"lambda c: c.code IN {_sql_list(read.SKIPPED_VERIFICATION)})) > 0, false))"
)


def _first_day(*values: str) -> str:
    return fhir_day_sql("coalesce(" + ", ".join(f"nullif({v}, '')" for v in values) + ")")


def _last_segment(reference: str) -> str:
    """The id at the end of a reference ("Patient/123" -> "123"), NULL when empty."""
    return f"nullif(string_split(nullif({reference}, ''), '/')[-1], '')"


# --- the code tables --------------------------------------------------------------------------
def _classify(family: str, system: str | None, code: str) -> tuple[str, str | None, str | None]:
    """(role, concept, drug class) of one coding, by bonewise.terminology; role "" = unused.

    Roles: measure (a measurement concept), smoking, glucocorticoid_course (the local
    Observation), local (another known local code: read, not used), unknown_local (counted),
    drug, condition, dxa.
    """
    norm = codes.normalise_system(system)
    if family == "observation":
        if (dxa := codes.dxa_code(code, system)) is not None:
            return "measure", _DXA_CONCEPT[dxa.kind], None
        lab = codes.lab_code(code, system)
        if lab is not None and lab.kind == "25_oh_vitamin_d":
            return "measure", "vitamin_d_25oh", None
        vital = codes.vital_code(code, system)
        if vital is not None and vital.kind == "bmi":
            return "measure", "bmi", None
        if norm == codes.LOINC and code == codes.SMOKING_STATUS.code:
            return "smoking", "smoking_status", None
        if norm == codes.BONEWISE:
            if codes.local_code(code) is None:
                return "unknown_local", None, None
            if code == _GLUCOCORTICOIDS.code:
                return "glucocorticoid_course", "glucocorticoid", "glucocorticoid"
            if code == _MENOPAUSAL_STATUS.code:
                return "menopause", "menopausal_status", None
            return "local", None, None
        return "", None, None
    if family == "drug":
        entry = codes.drug_code(system, code)
        if entry is not None:
            return "drug", schema.drug_concept(entry), str(entry.drug_class)
        return ("unknown_local" if norm == codes.BONEWISE else ""), None, None
    if family == "condition":
        kind = codes.condition_kind(system, code)
        return ("condition", str(kind), None) if kind is not None else ("", None, None)
    if codes.is_dxa_procedure(system, code):
        return "dxa", "dxa", None
    return "", None, None


_CODE_MAP_SCHEMA = pa.schema(
    [
        ("family", pa.string()),  # observation, drug, condition, procedure
        ("system", pa.string()),  # as written in the export
        ("code", pa.string()),
        ("role", pa.string()),  # what the coding means for its resource (see _classify)
        ("concept", pa.string()),
        ("drug_class", pa.string()),
        ("code_system", pa.string()),  # codes.normalise_system(system)
    ]
)


def _code_map(pairs: Iterable[tuple[str, str | None, str]]) -> pa.Table:
    """What each coding found in the export means, classified once by bonewise.terminology;
    codings bonewise does not use are left out (an inner join drops them)."""
    rows = []
    for family, system, code in pairs:
        role, concept, drug_class = _classify(family, system, code)
        if role:
            rows.append(
                {
                    "family": family,
                    "system": system,
                    "code": code,
                    "role": role,
                    "concept": concept,
                    "drug_class": drug_class,
                    "code_system": codes.normalise_system(system),
                }
            )
    return pa.Table.from_pylist(rows, schema=_CODE_MAP_SCHEMA)


def _smoking_answers(pairs: Iterable[tuple[str | None, str]]) -> pa.Table:
    """The answers bonewise reads, for the answer codings found in the export (a SNOMED CT
    answer, in any spelling of SNOMED CT's system): current / past / never for a smoking status
    (`codes.SMOKING_ANSWERS`), premenopausal / perimenopausal / postmenopausal for the menopausal
    status (`codes.MENOPAUSE_STATES`)."""
    tables = (
        ("smoking_status", codes.SMOKING_ANSWERS),
        ("menopausal_status", codes.MENOPAUSE_STATES),
    )
    known = [
        (concept, system, code, str(answers[code][1]))
        for system, code in pairs
        if codes.normalise_system(system) == codes.SNOMED
        for concept, answers in tables
        if code in answers
    ]
    return pa.table(
        {
            "concept": pa.array([k[0] for k in known], pa.string()),
            "system": pa.array([k[1] for k in known], pa.string()),
            "code": pa.array([k[2] for k in known], pa.string()),
            "answer": pa.array([k[3] for k in known], pa.string()),
        }
    )


# --- the loader -------------------------------------------------------------------------------
def _columns_literal() -> str:
    return "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in _RESOURCE.items()) + "}"


def _read_lines(files: list[Path]) -> str:
    paths = "[" + ", ".join(_quote(str(p)) for p in files) + "]"
    return (
        f"read_json({paths}, format = 'newline_delimited', columns = {_columns_literal()}, "
        f"ignore_errors = true, maximum_object_size = {_MAX_LINE_BYTES})"
    )


_STAGE_SQL = """
SELECT
    resourceType,
    {family} AS family,
    nullif(id, '') AS rid,
    {skipped} AS skipped,
    {subject} AS pid,
    -- the resource's own codings: code for most, the medication for medication resources (or
    -- the Medication it contains, "#id"); a Medication resource elsewhere is joined later
    CASE WHEN resourceType NOT IN {medication_types} THEN {code_codings}
         WHEN coalesce(len({own_codings}), 0) = 0 AND starts_with({reference}, '#')
         THEN {contained_codings}
         ELSE {own_codings} END AS codings,
    {med_ref} AS med_ref,
    CASE WHEN resourceType = 'Observation' THEN component END AS components,
    CASE resourceType
        WHEN 'Observation' THEN {obs_date}
        WHEN 'MedicationStatement' THEN {statement_start}
        WHEN 'MedicationRequest' THEN {request_start}
        WHEN 'MedicationAdministration' THEN {administration_start}
        WHEN 'Condition' THEN {onset}
        WHEN 'Procedure' THEN {performed}
        WHEN 'Patient' THEN {birth}
    END AS start_text,
    CASE resourceType
        WHEN 'Observation' THEN {period_end}
        WHEN 'MedicationStatement' THEN coalesce({period_end},
            CASE WHEN effectivePeriod IS NULL AND status IN {ended} THEN {statement_start} END)
        WHEN 'MedicationRequest' THEN coalesce({request_end},
            CASE WHEN status IN {ended} THEN {request_start} END)
        WHEN 'MedicationAdministration' THEN coalesce({administration_end},
            {administration_start})
        WHEN 'Patient' THEN {death}
    END AS end_text,
    {period_start} AS period_start,
    try_cast(valueQuantity.value AS DOUBLE) AS value,
    CASE WHEN valueQuantity.system = '{ucum}' THEN nullif(valueQuantity.code, '') END AS ucum_unit,
    valueQuantity.unit AS quantity_unit,
    valueCodeableConcept.coding AS answers,
    json_type(valueBoolean) = 'BOOLEAN' AS has_boolean,
    coalesce(valueBoolean::VARCHAR = 'true', false) AS value_true,
    dataAbsentReason IS NOT NULL AS absent,
    gender,
    coalesce(deceasedBoolean::VARCHAR = 'true', false) AS deceased,
    -- a fracture recorded as traumatic (or as not a fragility fracture) is not a fragility one
    resourceType = 'Condition' AND coalesce(list_bool_or(list_transform(extension, lambda e:
        (e.url = '{ext_traumatic}' AND e.valueBoolean)
        OR (e.url = '{ext_fragility}' AND NOT e.valueBoolean))), false) AS traumatic,
    -- a DXA result's scanner: the Device it names (a Device's own text), or its display
    CASE WHEN resourceType = 'Observation'
         THEN nullif(regexp_extract(device.reference, '[^/:]+$'), '') END AS device_ref,
    CASE WHEN resourceType = 'Observation' THEN lower(nullif(device.display, '')) END
        AS device_display,
    CASE WHEN resourceType = 'Device' THEN lower(concat_ws(' ', coalesce(manufacturer, ''),
        list_aggregate(list_transform(deviceName, lambda n: n.name), 'string_agg', ' ')))
    END AS device_text,
    resourceType = 'Device' AND coalesce(manufacturer, '') <> '' AS device_has_maker,
    try_cast(list_filter(extension, lambda e: e.url = '{ext_precision}')[1].valueDecimal
        AS DOUBLE) AS precision_pct,
    -- ovarian suppression recorded with an aromatase inhibitor (bonewise's extension)
    resourceType IN {medication_types} AND coalesce(list_bool_or(list_transform(extension,
        lambda e: e.url = '{ext_ovarian}' AND e.valueBoolean)), false) AS ovarian_suppression
FROM {source}
-- all-null rows: lines read_json could not parse (or objects with none of these fields)
WHERE resourceType IN {kept_types} OR resourceType IS NULL
"""


_MEDICATION_REFERENCE = "coalesce(medicationReference.reference, medication.reference.reference)"


def _valid_codings(codings: str) -> str:
    return f"list_filter({codings}, lambda c: c.code IS NOT NULL AND c.code <> '')"


def _stage_sql(files: list[Path]) -> str:
    statement_start = _first_day("effectiveDateTime", "effectivePeriod.start", "effectiveInstant")
    request_start = _first_day(
        "dosageInstruction[1].timing.repeat.boundsPeriod.start",
        "dispenseRequest.validityPeriod.start",
        "authoredOn",
    )
    administration_start = _first_day(
        "effectiveDateTime",
        "occurenceDateTime",
        "coalesce(effectivePeriod, occurencePeriod).start",
    )
    return _STAGE_SQL.format(
        ext_traumatic=EXT_TRAUMATIC,
        ext_fragility=codes.EXT_FRAGILITY,
        ext_ovarian=codes.EXT_OVARIAN_SUPPRESSION,
        ext_precision=codes.EXT_FACILITY_PRECISION,
        skipped=_SKIPPED,
        family=_FAMILY_SQL,
        subject=_last_segment("coalesce(subject.reference, patient.reference)"),
        medication_types=_sql_list(MEDICATION_TYPES),
        med_ref=_last_segment(_MEDICATION_REFERENCE),
        reference=_MEDICATION_REFERENCE,
        code_codings=_valid_codings("code.coding"),
        own_codings=_valid_codings(
            "coalesce(medicationCodeableConcept.coding, medication.concept.coding)"
        ),
        contained_codings=_valid_codings(
            f"list_filter(contained, lambda m: m.id = substr({_MEDICATION_REFERENCE}, 2))"
            "[1].code.coding"
        ),
        obs_date=_first_day(
            "effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"
        ),
        statement_start=statement_start,
        request_start=request_start,
        administration_start=administration_start,
        onset=_first_day("onsetDateTime", "onsetPeriod.start", "onsetInstant", "recordedDate"),
        performed=_first_day(
            "performedDateTime",
            "performedPeriod.start",
            "performedInstant",
            "occurrenceDateTime",
            "occurrencePeriod.start",
            "occurrenceInstant",
        ),
        birth=_first_day("birthDate"),
        death=_first_day("deceasedDateTime"),
        period_end=_first_day('effectivePeriod."end"'),
        period_start=_first_day("effectivePeriod.start"),
        request_end=_first_day(
            'dosageInstruction[1].timing.repeat.boundsPeriod."end"',
            'dispenseRequest.validityPeriod."end"',
        ),
        administration_end=_first_day('coalesce(effectivePeriod, occurencePeriod)."end"'),
        ended=_sql_list(_ENDED_STATUS),
        ucum=codes.UCUM,
        source=_read_lines(files),
        kept_types=_sql_list(("Patient", "Medication", "Device", *EVENT_TYPES)),
    )


def _one_coding(stage: str) -> str:
    """The staged resources with a resource's only coding in two columns (most have one, and
    they are matched by a plain join); the list is kept only when there are several."""
    return f"""
        SELECT * EXCLUDE (codings), coalesce(len(codings), 0) AS n_codings,
               CASE WHEN len(codings) = 1 THEN codings[1].system END AS system1,
               CASE WHEN len(codings) = 1 THEN codings[1].code END AS code1,
               CASE WHEN len(codings) > 1 THEN codings END AS codings
        FROM ({stage})"""


# Which code-map family each resource type's codings belong to.
_FAMILY_SQL = """
CASE resourceType WHEN 'Observation' THEN 'observation' WHEN 'Condition' THEN 'condition'
                  WHEN 'Procedure' THEN 'procedure' ELSE 'drug' END
"""

# Each resource's codings that map, first one wins (as in the import). Most resources have one
# coding: those are matched by a plain join as the staged file is read; only the others are
# unnested and ranked, into a small table. A medication named only by reference takes what its
# Medication resource's codings mean. Nothing here holds a row per resource: every view is
# read by streaming the staged Parquet file past small hash tables.
_MATCH_SQL = f"""
CREATE TEMP TABLE several_hits AS
WITH several AS (
    SELECT row_id, m.role, m.concept, m.drug_class, m.code_system, m.code, position
    FROM (SELECT row_id, family, unnest(codings) AS c,
                 generate_subscripts(codings, 1) AS position
          FROM res WHERE n_codings > 1) e
    JOIN code_map m ON m.family = e.family AND m.code = e.c.code
     AND m.system IS NOT DISTINCT FROM e.c.system
)
SELECT row_id,
       arg_min({{'role': role, 'concept': concept, 'drug_class': drug_class,
                 'code_system': code_system, 'code': code}}, position)
           FILTER (role <> 'unknown_local') AS hit,
       bool_or(role = 'unknown_local') AS has_unknown_local
FROM several GROUP BY row_id;

CREATE TEMP VIEW coded AS
SELECT r.*,
       CASE WHEN c.code IS NOT NULL THEN
            CASE WHEN c.role <> 'unknown_local' THEN {{'role': c.role, 'concept': c.concept,
                'drug_class': c.drug_class, 'code_system': c.code_system, 'code': c.code}} END
            ELSE s.hit END AS hit,
       coalesce(c.role = 'unknown_local', s.has_unknown_local) AS has_unknown_local,
       c.code IS NOT NULL OR s.row_id IS NOT NULL AS matched
FROM res r
LEFT JOIN code_map c ON c.family = r.family AND c.code = r.code1
                    AND c.system IS NOT DISTINCT FROM r.system1
LEFT JOIN several_hits s ON s.row_id = r.row_id;

CREATE TEMP TABLE medication AS
SELECT any_value(hit) AS hit, bool_or(has_unknown_local) AS has_unknown_local, rid AS med_id
FROM coded WHERE matched AND resourceType = 'Medication' AND rid IS NOT NULL GROUP BY rid;

-- the first answer coding of a smoking-status (or menopausal-status) Observation that is a
-- known answer to it
CREATE TEMP TABLE smoking AS
SELECT row_id, arg_min(a.answer, position) AS answer
FROM (SELECT row_id, hit.concept AS concept, unnest(answers) AS c,
             generate_subscripts(answers, 1) AS position
      FROM coded WHERE hit.role IN ('smoking', 'menopause')) u
JOIN smoking_answers a ON a.code = u.c.code AND a.system IS NOT DISTINCT FROM u.c.system
 AND a.concept = u.concept
GROUP BY row_id;

-- a DXA panel (its own code not one bonewise reads): a measurement per component with a DXA
-- code, as the import reads it (the first DXA coding of each component)
CREATE TEMP TABLE panel AS
WITH component AS (
    SELECT row_id, unnest(components) AS comp,
           generate_subscripts(components, 1) AS component_number
    FROM coded
    WHERE resourceType = 'Observation' AND NOT skipped AND len(components) > 0 AND hit IS NULL
),
coded_component AS (
    SELECT row_id, component_number, comp.valueQuantity AS quantity,
           unnest(comp.code.coding) AS c, generate_subscripts(comp.code.coding, 1) AS position
    FROM component
)
SELECT row_id, component_number,
       arg_min({{'concept': m.concept, 'code_system': m.code_system, 'code': m.code}}, position)
           AS hit,
       any_value(quantity) AS quantity
FROM coded_component cc JOIN code_map m ON m.family = 'observation' AND m.code = cc.c.code
 AND m.system IS NOT DISTINCT FROM cc.c.system
WHERE m.role = 'measure' AND m.concept IN {_sql_list(_DXA_CONCEPT.values())}
GROUP BY row_id, component_number;

CREATE TEMP VIEW facts AS
SELECT r.* EXCLUDE (codings, system1, code1, n_codings, family, med_ref, answers, components,
                    hit, has_unknown_local, matched),
       coalesce(r.hit, m.hit).role AS role,
       coalesce(r.hit, m.hit).concept AS concept,
       coalesce(r.hit, m.hit).drug_class AS drug_class,
       coalesce(r.hit, m.hit).code_system AS code_system,
       coalesce(r.hit, m.hit).code AS code,
       coalesce(r.has_unknown_local, m.has_unknown_local, false) AS has_unknown_local,
       s.answer AS smoking_answer
FROM coded r
LEFT JOIN medication m ON r.n_codings = 0 AND r.med_ref IS NOT NULL
                      AND r.resourceType IN {_sql_list(MEDICATION_TYPES)} AND m.med_id = r.med_ref
LEFT JOIN smoking s ON s.row_id = r.row_id
WHERE r.resourceType IN {_sql_list(EVENT_TYPES)} AND NOT r.skipped
  AND (r.matched OR m.med_id IS NOT NULL);
"""


def _select(table: TableName, query: str) -> str:
    """The query with its columns cast to the staged (raw) schema, in the schema's order."""
    types = {
        pa.string(): "VARCHAR",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
    }
    columns = ", ".join(f"CAST({f.name} AS {types[f.type]}) AS {f.name}" for f in raw_schema(table))
    return f"SELECT {columns} FROM ({query})"


# The scanner makes the FHIR import recognises in a Device's maker and names (or the device's
# display), in its order (ObservationReader._scanner): a text naming none is "other" when the
# Device has a maker, else the make is not recorded (the core then reads "other" too).
_SCANNER_MAKES: Final = tuple(m for m in get_args(ScannerMake) if m != "other")


def _make_in(text: str) -> str:
    return " ".join(f"WHEN contains({text}, {_quote(m)}) THEN {_quote(m)}" for m in _SCANNER_MAKES)


_DEVICE_MAKE_SQL = f"""CASE WHEN d.device_id IS NOT NULL
         THEN CASE {_make_in("d.device_text")} WHEN d.device_has_maker THEN 'other' END
         WHEN {{obs}}.device_display IS NOT NULL
         THEN CASE {_make_in("{obs}.device_display")} ELSE 'other' END END"""
_DEVICES = """(SELECT rid AS device_id, any_value(device_text) AS device_text,
                      bool_or(device_has_maker) AS device_has_maker
               FROM res WHERE resourceType = 'Device' AND rid IS NOT NULL GROUP BY rid) d"""


def _dxa_site_sql(system: str, code: str) -> str:
    """The DXA site a LOINC code names (terminology.codes.dxa_code), NULL for other codes."""
    sites = " ".join(
        f"WHEN {_quote(c.concept.code)} THEN {_quote(c.site)}" for c in codes.DXA_CODES
    )
    return f"CASE WHEN {system} = {_quote(codes.LOINC)} THEN CASE {code} {sites} END END"


def _table_queries() -> dict[TableName, str]:
    ucum = codes.UCUM
    return {
        "persons": """
            SELECT rid AS person_id, gender, start_text AS birth_date, end_text AS death_date,
                   deceased, status.answer AS menopausal_status, 'Patient' AS source
            FROM res LEFT JOIN (
                -- her recorded menopausal status (the latest dated one, else an undated one)
                SELECT pid, arg_max(smoking_answer, coalesce(start_text, '')) AS answer
                FROM facts WHERE role = 'menopause' AND NOT absent
                     AND smoking_answer IS NOT NULL GROUP BY pid) status
              ON status.pid = res.rid
            WHERE resourceType = 'Patient'""",
        "measurements": f"""
            SELECT rid AS record_id, pid AS person_id, concept, start_text AS date,
                   CASE WHEN role = 'measure' THEN value END AS value,
                   CASE WHEN role = 'measure' THEN coalesce(ucum_unit, quantity_unit) END AS unit,
                   smoking_answer AS value_text,
                   {_dxa_site_sql("code_system", "code")} AS body_site,
                   {_DEVICE_MAKE_SQL.format(obs="f")} AS device_make,
                   f.precision_pct,
                   code_system, code, 'Observation' AS source
            FROM facts f LEFT JOIN {_DEVICES} ON d.device_id = f.device_ref
            WHERE resourceType = 'Observation' AND pid IS NOT NULL AND (role = 'measure'
                  OR (role = 'smoking' AND NOT absent AND smoking_answer IS NOT NULL))
            UNION ALL
            SELECT r.rid || '/component/' || p.component_number AS record_id, r.pid, p.hit.concept,
                   r.start_text, try_cast(p.quantity.value AS DOUBLE),
                   coalesce(CASE WHEN p.quantity.system = '{ucum}'
                                 THEN nullif(p.quantity.code, '') END, p.quantity.unit),
                   NULL, {_dxa_site_sql("p.hit.code_system", "p.hit.code")},
                   {_DEVICE_MAKE_SQL.format(obs="r")}, r.precision_pct,
                   p.hit.code_system, p.hit.code, 'Observation'
            FROM panel p JOIN res r ON r.row_id = p.row_id
            LEFT JOIN {_DEVICES} ON d.device_id = r.device_ref
            WHERE r.pid IS NOT NULL""",
        "drug_exposures": """
            SELECT rid AS record_id, pid AS person_id, concept, drug_class,
                   CASE WHEN role = 'drug' THEN start_text ELSE period_start END AS start_date,
                   end_text AS end_date, code_system, code, resourceType AS source
            FROM facts
            WHERE pid IS NOT NULL AND (role = 'drug' OR (role = 'glucocorticoid_course'
                  AND NOT absent AND has_boolean AND value_true AND period_start IS NOT NULL))
            UNION ALL
            -- ovarian suppression recorded with the AI: an exposure over the AI course
            SELECT rid || '/ovarian-suppression', pid, 'ovarian_suppression', 'gnrh_agonist',
                   start_text, end_text, code_system, code, resourceType
            FROM facts
            WHERE pid IS NOT NULL AND role = 'drug' AND drug_class = 'aromatase_inhibitor'
                  AND ovarian_suppression""",
        "conditions": """
            SELECT rid AS record_id, pid AS person_id,
                   CASE WHEN concept = 'fracture' AND traumatic THEN 'traumatic_fracture'
                        ELSE concept END AS concept,
                   start_text AS onset_date, code_system, code, 'Condition' AS source
            FROM facts WHERE resourceType = 'Condition' AND pid IS NOT NULL
                  AND role = 'condition'""",
        "procedures": """
            SELECT rid AS record_id, pid AS person_id, concept, start_text AS date,
                   code_system, code, 'Procedure' AS source
            FROM facts WHERE resourceType = 'Procedure' AND pid IS NOT NULL
                  AND role = 'dxa'""",
    }


def _issues_sql() -> str:
    gc = "role = 'glucocorticoid_course' AND NOT absent"
    return f"""
        SELECT
          count(*) FILTER (role IS NULL AND has_unknown_local AND resourceType = 'Observation')
              AS measurements__unknown_local_code,
          count(*) FILTER (role IS NULL AND has_unknown_local AND resourceType <> 'Observation')
              AS drug_exposures__unknown_local_drug_code,
          count(*) FILTER (role = 'smoking' AND NOT absent AND smoking_answer IS NULL)
              AS measurements__unknown_smoking_answer,
          count(*) FILTER ({gc} AND NOT has_boolean)
              AS drug_exposures__glucocorticoids_without_value,
          count(*) FILTER ({gc} AND has_boolean AND value_true AND period_start IS NULL)
              AS drug_exposures__glucocorticoids_without_period,
          count(*) FILTER (pid IS NULL AND (role = 'measure'
              OR (role = 'smoking' AND NOT absent AND smoking_answer IS NOT NULL)))
              AS measurements__missing_subject,
          count(*) FILTER (pid IS NULL AND (role = 'drug' OR ({gc} AND has_boolean
              AND value_true AND period_start IS NOT NULL)))
              AS drug_exposures__missing_subject,
          count(*) FILTER (pid IS NULL AND role = 'condition') AS conditions__missing_subject,
          count(*) FILTER (pid IS NULL AND role = 'dxa') AS procedures__missing_subject
        FROM facts
    """


class FhirNdjsonLoader:
    """Stage a Bulk Data export; `issues` counts what could not be read, by table and reason."""

    def __init__(self, staging: Path, *, memory_limit: str = LOAD_MEMORY_LIMIT) -> None:
        self.staging = staging
        self.memory_limit = memory_limit
        self.issues: dict[str, dict[str, int]] = {}
        self.seconds: dict[str, float] = {}  # wall time of each step of the last load

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def load(self, files: list[Path]) -> dict[TableName, Path]:
        paths = {t: self.staging / f"{t}.parquet" for t in TABLES}
        resources = self.staging / "ndjson-resources.parquet"  # the parsed lines, while loading
        con = duckdb.connect(
            config={
                "memory_limit": self.memory_limit,
                "temp_directory": str(self.staging / "ndjson-spill"),
                "preserve_insertion_order": False,
            }
        )
        try:
            if not files:  # typed, empty tables all the same
                files = [self.staging / "empty.ndjson"]
                files[0].write_text("", encoding="utf-8")
            self.seconds = {}
            with self._step("parse"):  # one parse of the export: the fields bonewise reads
                con.execute(
                    f"COPY ({_one_coding(_stage_sql(files))}) TO {_quote(str(resources))} "
                    "(FORMAT parquet)"
                )
            con.execute(
                "CREATE TEMP VIEW res AS SELECT file_row_number AS row_id, "
                "* EXCLUDE (file_row_number) FROM "
                f"read_parquet({_quote(str(resources))}, file_row_number = true)"
            )
            with self._step("classify codes"):
                self._register_codes(con)
            with self._step("match"):
                con.execute(_MATCH_SQL)
            for table, query in _table_queries().items():
                with self._step(f"write {table}"):
                    con.execute(
                        f"COPY ({_select(table, query)}) TO {_quote(str(paths[table]))} "
                        "(FORMAT parquet)"
                    )
            with self._step("issues"):
                self._count_issues(con, files)
        finally:
            con.close()
            resources.unlink(missing_ok=True)
        return paths

    @staticmethod
    def _register_codes(con: duckdb.DuckDBPyConnection) -> None:
        pairs = con.execute(
            """SELECT DISTINCT family, system1, code1 FROM res WHERE n_codings = 1
               UNION
               SELECT DISTINCT family, c.system, c.code FROM (
                   SELECT family, unnest(codings) AS c FROM res WHERE n_codings > 1)"""
        ).fetchall()
        components = con.execute(
            """SELECT DISTINCT 'observation', c.system, c.code FROM (
                   SELECT unnest(comp.code.coding) AS c FROM (
                       SELECT unnest(components) AS comp FROM res WHERE len(components) > 0))"""
        ).fetchall()
        con.register("code_map", _code_map((f, s, str(c)) for f, s, c in {*pairs, *components}))
        answers = con.execute(
            """SELECT DISTINCT c.system, c.code FROM (SELECT unnest(answers) AS c FROM res
               WHERE resourceType = 'Observation') WHERE c.code IS NOT NULL"""
        ).fetchall()
        con.register("smoking_answers", _smoking_answers(answers))

    def _count_issues(self, con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
        row = con.execute(_issues_sql()).fetchone()
        names = [d[0] for d in con.description or ()]
        counts: dict[str, dict[str, int]] = {}
        for name, value in zip(names, row or (), strict=True):
            table, reason = name.split("__")
            if value:
                counts.setdefault(table, {})[reason] = int(value)
        panel = con.execute(
            "SELECT count(*) FROM panel p JOIN res r ON r.row_id = p.row_id WHERE r.pid IS NULL"
        ).fetchone()
        if panel and panel[0]:
            missing = counts.setdefault("measurements", {})
            missing["missing_subject"] = missing.get("missing_subject", 0) + int(panel[0])
        invalid = self._invalid_lines(con, files)
        if invalid:
            counts[FILES_KEY] = {"invalid_json": invalid}
        self.issues = counts

    @staticmethod
    def _invalid_lines(con: duckdb.DuckDBPyConnection, files: list[Path]) -> int:
        """Lines that are not JSON. read_json gives them as all-null rows (like `{}` or `[1]`),
        so they are told apart by a second pass, paid only when such rows exist."""
        suspects = con.execute("SELECT count(*) FROM res WHERE resourceType IS NULL").fetchone()
        if not files or not suspects or not suspects[0]:
            return 0
        paths = "[" + ", ".join(_quote(str(p)) for p in files) + "]"
        found = con.execute(
            f"SELECT count(*) FROM read_ndjson_objects({paths}, ignore_errors = true, "
            f"maximum_object_size = {_MAX_LINE_BYTES}) WHERE json IS NULL"
        ).fetchone()
        return int(found[0]) if found else 0


def stage_ndjson(
    directory: Path, staging: Path
) -> tuple[dict[TableName, Path], dict[str, dict[str, int]]]:
    """Stage every NDJSON file in `directory`; returns the staged paths and loader issues."""
    loader = FhirNdjsonLoader(staging)
    paths = loader.load(ndjson_files(directory))
    return paths, loader.issues
