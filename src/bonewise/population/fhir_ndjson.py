"""FHIR Bulk Data NDJSON (R4; R5 medication/occurrence fields too) into the flat schema, in DuckDB.

Reads every `*.ndjson` file in a folder (`Patient.ndjson`, `Observation.ndjson`,
`MedicationStatement.ndjson`, `MedicationRequest.ndjson`, `MedicationAdministration.ndjson`,
`Medication.ndjson`, `Condition.ndjson`, `Procedure.ndjson`, any subset, split files too) with
DuckDB's `read_json`: one parallel pass parses each line into the few fields bonewise reads
(`_RESOURCE`; a file only its first line's resource type's fields, `_FIELDS_OF_TYPE`, read again
whole if it mixes types) and streams them to a Parquet file in the staging folder (never a table
in memory: a large export would spill); the rest of the work is set-based SQL over that file,
joined to small code tables, and each flat table is written to Parquet by DuckDB. No resource
becomes a Python object; the distinct concepts do.

One definition of every rule, shared with the single-patient import (`bonewise.fhir.read`) and
the terminology tables:

- codes: each CodeableConcept is staged as its JSON text; the distinct texts of the export are
  classified once in Python by `bonewise.terminology.codes` (LOINC DXA / vitamin D / BMI, RxNorm
  and local drug codes, SNOMED CT value sets, ICD-10-CM by ancestor, DXA procedures) with
  `fhir.read.codings`, and joined back as a small table; the first coding that maps wins, as in
  the import. Resources with codes bonewise does
  not use are left out (most of a bulk export is unrelated).
- statuses: a resource whose `status` is in `read.SKIPPED_STATUSES`, or whose
  `verificationStatus` has a code in `read.SKIPPED_VERIFICATION`, is not part of the record.
- dates: `fhir_day_sql` is `read.read_date` in SQL (a year is 1 January, a year-month the first of
  the month, a dateTime its calendar day). A table whose date texts are all ISO dates is staged
  with typed dates (the quality step then parses none); one holding any text that is not a date
  keeps them all as text, so the quality step counts those as it does for any source.
  `tests/unit/population/test_ndjson_rules.py` pins `fhir_day_sql` to `read.read_date`.

The hadji-2017 risk factors are read the way `bonewise.fhir.importer` reads them:

- smoking status: LOINC 72166-2 with a SNOMED CT answer from `codes.SMOKING_ANSWERS`, a
  `smoking_status` measurement whose `value_text` is current / past / never. An answer code
  not in that table is counted (`unknown_smoking_answer`); a dataAbsentReason is "not recorded".
- oral glucocorticoids: the bonewise local Observation `oral_glucocorticoids_over_6_months`.
  `valueBoolean` true with an `effectivePeriod` (the course; no end = still taking them) becomes a
  `glucocorticoid` drug exposure; the measure judges its length as of its own date. True without
  a period cannot be placed in time and is counted (`glucocorticoids_without_period`); false is
  a recorded "no" and adds nothing.
- menopausal status: the bonewise local Observation's SNOMED CT answer or a Condition under a
  SNOMED CT menopausal state (`codes.MENOPAUSE_STATES`) alike is her recorded status, the latest
  wins (`persons.menopausal_status`); with none, the measures infer it by the NCCN criteria
  (`clinical.menopause`), as the import does.
- drugs coded with bonewise local codes (`codes.LOCAL_DRUG_CODES`, e.g. ibandronate, which has no
  verified RxNorm code) are read like RxNorm ones and keep their own system as provenance.

Counted, never silently dropped: lines that are not JSON (`invalid_json`), resources with no
subject (`missing_subject`), codes in the bonewise local system that bonewise does not know
(`unknown_local_code`, `unknown_local_drug_code`), and Conditions under a code bonewise does not
know whose words name a fracture, a bone metastasis or a menopausal state
(`unconfirmed_fracture`, `unconfirmed_bone_metastases`, `unconfirmed_menopausal_status`,
`terminology.families`, as the import turns them into "unknown, please confirm"). Those
Conditions and drugs under an unknown local code are also staged under an "unconfirmed" concept
(`schema.UNCONFIRMED_CONCEPTS`): nothing for the measures, a mark for clinician review.

Drugs: a medication none of whose codes bonewise knows is matched by the ingredient or brand
name in its coding displays or text (`codes.match_drug`, as the import), its row flagged with
code_system `MATCHED_BY_NAME` and the words it was matched by as its code. Every distinct
concept (its JSON text) is classified once in Python and joined back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa

from bonewise.fhir import read
from bonewise.fhir.record_codes import EXT_TRAUMATIC
from bonewise.population import schema
from bonewise.population.quality import ISO_DATE
from bonewise.population.schema import TABLES, TableName, raw_schema
from bonewise.terminology import codes, families

FILES_KEY = "ndjson_lines"  # issues that belong to no table (a line that is not JSON)
# DuckDB's working memory while loading; beyond it, it spills to the staging folder.
LOAD_MEMORY_LIMIT: Final = "600MB"
_MAX_LINE_BYTES: Final = 64 * 1024 * 1024  # bounds one line (one resource) in memory
_DXA_CONCEPT = {"t_score": "dxa_t_score", "bmd": "dxa_bmd", "z_score": "dxa_z_score"}
_GLUCOCORTICOIDS = codes.LOCAL_CODES["oral_glucocorticoids_over_6_months"]
_MENOPAUSAL_STATUS = codes.LOCAL_CODES["menopausal-status"]
# The code_system of a drug matched by the ingredient or brand name in its display or text (its
# code unknown to bonewise), as the import flags it "matched by name"; `code` holds the words.
MATCHED_BY_NAME: Final = "urn:bonewise:matched-by-name"

# The fields read from each line (every other field is skipped by the parser). Leaves are text
# so a number where FHIR has a string (or the reverse) is read, not an error; `JSON` keeps a
# value whose JSON type matters (valueBoolean must be a boolean). A CodeableConcept, the
# extensions, a DXA panel's components and contained resources are kept as their JSON text:
# building them into nested values costs most of the parse, and an export repeats a few
# distinct concepts millions of times, so each distinct text is read once, in Python.
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
    "code": "JSON",
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
    "valueCodeableConcept": "JSON",
    "valueBoolean": "JSON",
    "dataAbsentReason": "JSON",
    # medications (R4 medicationX, R5 medication.concept / medication.reference)
    "medicationCodeableConcept": "JSON",
    "medicationReference": _REF,
    "medication": "JSON",
    "dosageInstruction": f"STRUCT(timing STRUCT(repeat STRUCT(boundsPeriod {_PERIOD})))[]",
    "authoredOn": "VARCHAR",
    "occurenceDateTime": "VARCHAR",
    "occurencePeriod": _PERIOD,
    # Condition, Procedure (a fracture's bonewise traumatic / fragility extensions)
    "extension": "JSON",
    "onsetDateTime": "VARCHAR",
    "onsetPeriod": _PERIOD,
    "recordedDate": "VARCHAR",
    "performedDateTime": "VARCHAR",
    "performedPeriod": _PERIOD,
    "performedInstant": "VARCHAR",
    "occurrenceDateTime": "VARCHAR",
    "occurrencePeriod": _PERIOD,
    "occurrenceInstant": "VARCHAR",
    # a DXA panel: one Observation, a component per site and score
    "component": "JSON",
    "contained": "JSON",
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
    # Most texts of an export are already a day (ten characters, no space at either end): the
    # same text comes out, without the four trims of the general rule (a fifth of the parse).
    return (
        f"(CASE WHEN length({value}) = 10 AND NOT starts_with({value}, ' ') "
        f"AND NOT ends_with({value}, ' ') THEN {value} "
        f"WHEN {t} = '' THEN NULL WHEN length({t}) = 4 THEN {t} || '-01-01' "
        f"WHEN length({t}) = 7 THEN {t} || '-01' ELSE left({t}, 10) END)"
    )


_SKIPPED = (
    f"(coalesce(status IN {_sql_list(read.SKIPPED_STATUSES)}, false) OR "
    "coalesce(len(list_filter(verificationStatus.coding, "
    f"lambda c: c.code IN {_sql_list(read.SKIPPED_VERIFICATION)})) > 0, false))"
)


def _first_text(*values: str) -> str:
    return "coalesce(" + ", ".join(f"nullif({v}, '')" for v in values) + ")"


def _first_day(*values: str) -> str:
    return fhir_day_sql(_first_text(*values))


def _sql_path(dotted: str) -> str:
    """A `fhir.read` dotted path as SQL on the staged fields: each name quoted, a repeating
    field (a list in `_RESOURCE`) read as its first item, as `read.path` reads it."""
    head, *rest = dotted.split(".")
    first = _quote_name(head) + ("[1]" if _RESOURCE[head].endswith("[]") else "")
    return ".".join([first, *map(_quote_name, rest)])


def _last_segment(reference: str) -> str:
    """The id at the end of a reference ("Patient/123" -> "123"; a bundle's "urn:uuid:123",
    as the import resolves it to the resource whose id is that uuid -> "123"), NULL when
    empty. A FHIR id has neither '/' nor ':'."""
    # string_split, not a regular expression: this runs on every line of the export
    return (
        f"nullif(string_split(CASE WHEN starts_with({reference}, 'urn:uuid:') "
        f"THEN substr({reference}, 10) ELSE {reference} END, '/')[-1], '')"
    )


# --- the code tables --------------------------------------------------------------------------
def _classify(family: str, system: str | None, code: str) -> tuple[str, str | None, str | None]:
    """(role, concept, drug class) of one coding, by bonewise.terminology; role "" = unused.

    Roles: measure (a measurement concept), smoking, glucocorticoid_course (the local
    Observation), menopause (the local Observation; a Condition, its concept the status), local
    (another known local code: read, not used), unknown_local (counted), drug, condition, dxa.
    """
    norm = codes.normalise_system(system)
    if family in ("observation", "component"):
        if (dxa := codes.dxa_code(code, system)) is not None:
            return "measure", _DXA_CONCEPT[dxa.kind], None
        if family == "component":  # a DXA panel's components: DXA results only
            return "", None, None
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
        # a menopausal state on the problem list is her recorded status (its concept: the
        # status), read before the condition table as the import reads it
        if norm == codes.SNOMED and code in codes.MENOPAUSE_STATES:
            return "menopause", str(codes.MENOPAUSE_STATES[code][1]), None
        kind = codes.condition_kind(system, code)
        if kind is not None:
            return "condition", str(kind), None
        return "", None, None
    if codes.is_dxa_procedure(system, code):
        return "dxa", "dxa", None
    return "", None, None


_CONCEPT_MAP_SCHEMA = pa.schema(
    [
        ("family", pa.string()),  # observation, component, drug, condition, procedure
        ("concept_json", pa.string()),  # the CodeableConcept as the export wrote it
        ("role", pa.string()),  # what the concept means for its resource (see _classify)
        ("concept", pa.string()),
        ("drug_class", pa.string()),
        ("code_system", pa.string()),  # codes.normalise_system(system), or MATCHED_BY_NAME
        ("code", pa.string()),  # the code, or the words a drug or family was named by
        ("has_unknown_local", pa.bool_()),  # a bonewise local code bonewise does not know
    ]
)


def _words(text: str | None, limit: int = 200) -> str | None:
    return None if text is None else text[:limit]


def _concept_row(family: str, concept_json: str) -> dict[str, object] | None:
    """What one CodeableConcept (its JSON text) means, by bonewise.terminology, as the import
    reads it: the first coding that maps wins; a drug none of whose codes is known is matched
    by the ingredient or brand name of its displays or text (`codes.match_drug`, flagged
    MATCHED_BY_NAME); a condition none of whose codes is known whose words name a fracture, a
    bone metastasis or a menopausal state is that family, unknown (`families.family_named`).
    None: a concept bonewise does not use."""
    try:
        value = json.loads(concept_json)
    except ValueError:
        return None
    codings = read.codings(value if isinstance(value, dict) else None)
    text = read.text(value if isinstance(value, dict) else None)
    row: dict[str, object] = {"family": family, "concept_json": concept_json}
    unknown_local = False
    for coding in codings:
        role, concept, drug_class = _classify(family, coding.system, coding.code)
        if role == "unknown_local":
            unknown_local = True
        elif role:
            return row | {
                "role": role,
                "concept": concept,
                "drug_class": drug_class,
                "code_system": codes.normalise_system(coding.system),
                "code": coding.code,
                "has_unknown_local": unknown_local,
            }
    if family == "drug":
        # no code of it is known (checked above): by name, as `codes.match_drug` reads it
        found = codes.match_drug([(None, None, c.display) for c in codings], text)
        if found is not None:
            return row | {
                "role": "drug",
                "concept": schema.drug_concept(found.drug),
                "drug_class": str(found.drug.drug_class),
                "code_system": MATCHED_BY_NAME,
                "code": _words(found.drug.concept.display),
                "has_unknown_local": unknown_local,
            }
    if family == "condition":
        words = [c.display or "" for c in codings] + [text or ""]
        named_family = families.family_named(words)
        if named_family is not None:
            return row | {
                "role": "unknown_family",
                "concept": named_family,
                "code_system": codings[0].system if codings else None,
                "code": codings[0].code if codings else None,
                "has_unknown_local": unknown_local,
            }
    if unknown_local:
        return row | {"has_unknown_local": True}
    return None


def _concept_map(concepts: Iterable[tuple[str, str]]) -> pa.Table:
    """What each distinct (family, concept text) of the export means; concepts bonewise does
    not use are left out (an inner join drops them)."""
    rows = [r for family, text in concepts if (r := _concept_row(family, text)) is not None]
    return pa.Table.from_pylist(rows, schema=_CONCEPT_MAP_SCHEMA)


def _answer_map(concepts: Iterable[str]) -> pa.Table:
    """The answers bonewise reads from each distinct valueCodeableConcept text: the first
    coding that is a SNOMED CT answer (in any spelling of SNOMED CT's system) to a smoking
    status (current / past / never, `codes.SMOKING_ANSWERS`) or a menopausal status
    (premenopausal / perimenopausal / postmenopausal, `codes.MENOPAUSE_STATES`)."""
    rows = []
    for concept_json in concepts:
        try:
            value = json.loads(concept_json)
        except ValueError:
            continue
        snomed = [
            c.code
            for c in read.codings(value if isinstance(value, dict) else None)
            if c.system == codes.SNOMED
        ]
        smoking = next(
            (str(codes.SMOKING_ANSWERS[c][1]) for c in snomed if c in codes.SMOKING_ANSWERS), None
        )
        menopause = next(
            (str(codes.MENOPAUSE_STATES[c][1]) for c in snomed if c in codes.MENOPAUSE_STATES), None
        )
        if smoking or menopause:
            rows.append({"answers": concept_json, "smoking": smoking, "menopause": menopause})
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("answers", pa.string()), ("smoking", pa.string()), ("menopause", pa.string())]
        ),
    )


# --- the loader -------------------------------------------------------------------------------
# The fields each resource type's rows are read with (beside _COMMON). A Bulk Data export
# holds one resource type per file; a file is read with its type's fields only (the parser
# pays for every field asked for, present or not), the others are NULL. A file whose lines are
# not all of its first line's type is caught after the parse, and the export is read again
# with every field (`FhirNdjsonLoader.load`).
_COMMON: Final = ("resourceType", "id", "status", "subject", "patient")
_MEDICATION_FIELDS: Final = (
    "medicationCodeableConcept",
    "medicationReference",
    "medication",
    "extension",
    "contained",
)
_FIELDS_OF_TYPE: Final[dict[str, tuple[str, ...]]] = {
    "Patient": ("gender", "birthDate", "deceasedBoolean", "deceasedDateTime"),
    "Observation": (
        "code",
        "effectiveDateTime",
        "effectivePeriod",
        "effectiveInstant",
        "issued",
        "valueQuantity",
        "valueCodeableConcept",
        "valueBoolean",
        "dataAbsentReason",
        "component",
        "device",
        "extension",
    ),
    "Device": ("manufacturer", "deviceName"),
    "Condition": (
        "verificationStatus",
        "code",
        "onsetDateTime",
        "onsetPeriod",
        "recordedDate",
        "extension",
    ),
    "Procedure": (
        "code",
        "performedDateTime",
        "performedPeriod",
        "performedInstant",
        "occurrenceDateTime",
        "occurrencePeriod",
        "occurrenceInstant",
    ),
    "MedicationStatement": (
        *_MEDICATION_FIELDS,
        "effectiveDateTime",
        "effectivePeriod",
    ),
    "MedicationRequest": (
        *_MEDICATION_FIELDS,
        "dosageInstruction",
        "authoredOn",
    ),
    "MedicationAdministration": (
        *_MEDICATION_FIELDS,
        "effectiveDateTime",
        "effectivePeriod",
        "occurenceDateTime",
        "occurencePeriod",
    ),
    "Medication": ("code",),
}
_FIRST_LINES: Final = 20  # lines looked at for a file's resource type
_FIRST_LINE_BYTES: Final = 1024 * 1024


def file_resource_type(path: Path) -> str | None:
    """The resourceType of a file's first JSON line (of its first few), None if none says."""
    with path.open("rb") as lines:
        for _ in range(_FIRST_LINES):
            line = lines.readline(_FIRST_LINE_BYTES)
            if not line:
                return None
            try:
                value = json.loads(line)
            except ValueError:
                continue
            kind = value.get("resourceType") if isinstance(value, dict) else None
            if isinstance(kind, str):
                return kind
    return None


def _columns_literal(fields: Iterable[str]) -> str:
    return "{" + ", ".join(f"{_quote(k)}: {_quote(_RESOURCE[k])}" for k in fields) + "}"


def _read_json(paths: list[Path], fields: Iterable[str]) -> str:
    listed = "[" + ", ".join(_quote(str(p)) for p in paths) + "]"
    return (
        f"read_json({listed}, format = 'newline_delimited', columns = {_columns_literal(fields)}, "
        f"ignore_errors = true, maximum_object_size = {_MAX_LINE_BYTES})"
    )


def _read_lines(files: list[Path], *, by_type: bool = True) -> str:
    """Every line of the files with the fields of `_RESOURCE` and `file_type`: the type the file
    was read as (NULL: read with every field)."""
    if not by_type:
        return f"(SELECT *, NULL::VARCHAR AS file_type FROM {_read_json(files, _RESOURCE)})"
    groups: dict[str | None, list[Path]] = {}
    for path in files:
        kind = file_resource_type(path)
        groups.setdefault(kind if kind in _FIELDS_OF_TYPE else None, []).append(path)
    selects = []
    for kind, paths in groups.items():
        fields = _RESOURCE if kind is None else (*_COMMON, *_FIELDS_OF_TYPE[kind])
        columns = ", ".join(
            _quote_name(f) if f in fields else f"NULL::{_RESOURCE[f]} AS {_quote_name(f)}"
            for f in _RESOURCE
        )
        file_type = "NULL::VARCHAR" if kind is None else _quote(kind)
        selects.append(
            f"SELECT {columns}, {file_type} AS file_type FROM {_read_json(paths, fields)}"
        )
    return "(" + " UNION ALL ".join(selects) + ")"


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_STAGE_SQL = """
SELECT
    resourceType,
    file_type,
    {family} AS family,
    nullif(id, '') AS rid,
    {skipped} AS skipped,
    {subject} AS pid,
    -- the resource's own concept (JSON text): code for most, the medication for medication
    -- resources (or the Medication it contains, "#id"); a Medication resource elsewhere is
    -- joined later
    CASE WHEN resourceType NOT IN {medication_types} THEN code
         WHEN {own_concept} IS NOT NULL THEN {own_concept}
         WHEN starts_with({reference}, '#') THEN {contained_concept}
    END::VARCHAR AS concept_json,
    {med_ref} AS med_ref,
    CASE WHEN resourceType = 'Observation' THEN component END::VARCHAR AS components,
    {start_day} AS start_text,
    CASE resourceType
        WHEN 'Observation' THEN {period_end}
        WHEN 'MedicationStatement' THEN coalesce({statement_end},
            CASE WHEN status IN {ended} THEN {statement_start} END)
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
    valueCodeableConcept::VARCHAR AS answers,
    json_type(valueBoolean) = 'BOOLEAN' AS has_boolean,
    coalesce(valueBoolean::VARCHAR = 'true', false) AS value_true,
    dataAbsentReason IS NOT NULL AS absent,
    gender,
    coalesce(deceasedBoolean::VARCHAR = 'true', false) AS deceased,
    -- a fracture recorded as traumatic (or as not a fragility fracture) is not a fragility one
    resourceType = 'Condition' AND extension IS NOT NULL AND coalesce(list_bool_or(
        list_transform(json_extract(extension, '$[*]'), lambda e:
            (e->>'url' = '{ext_traumatic}' AND e->>'valueBoolean' = 'true')
            OR (e->>'url' = '{ext_fragility}' AND e->>'valueBoolean' = 'false'))), false)
        AS traumatic,
    -- a DXA result's scanner: the Device it names (a Device's own text), or its display
    CASE WHEN resourceType = 'Observation'
         THEN nullif(regexp_extract(device.reference, '[^/:]+$'), '') END AS device_ref,
    CASE WHEN resourceType = 'Observation' THEN lower(nullif(device.display, '')) END
        AS device_display,
    CASE WHEN resourceType = 'Device' THEN lower(concat_ws(' ', coalesce(manufacturer, ''),
        list_aggregate(list_transform(deviceName, lambda n: n.name), 'string_agg', ' ')))
    END AS device_text,
    resourceType = 'Device' AND coalesce(manufacturer, '') <> '' AS device_has_maker,
    -- the facility's precision for a DXA result (bonewise's extension)
    CASE WHEN resourceType = 'Observation' AND extension IS NOT NULL THEN try_cast(
        list_filter(json_extract(extension, '$[*]'), lambda e: e->>'url' = '{ext_precision}')[1]
        ->>'valueDecimal' AS DOUBLE) END AS precision_pct,
    -- ovarian suppression recorded with an aromatase inhibitor (bonewise's extension)
    resourceType IN {medication_types} AND extension IS NOT NULL AND coalesce(list_bool_or(
        list_transform(json_extract(extension, '$[*]'), lambda e:
            e->>'url' = '{ext_ovarian}' AND e->>'valueBoolean' = 'true')), false)
        AS ovarian_suppression
FROM (
    -- each type's first date text, read as a day once (a day per branch cost half the parse)
    SELECT *, CASE resourceType
        WHEN 'Observation' THEN {obs_date}
        WHEN 'MedicationStatement' THEN {statement_start_text}
        WHEN 'MedicationRequest' THEN {request_start_text}
        WHEN 'MedicationAdministration' THEN {administration_start_text}
        WHEN 'Condition' THEN {onset}
        WHEN 'Procedure' THEN {performed}
        WHEN 'Patient' THEN {birth}
    END AS start_date_text
    FROM {source}
)
-- all-null rows: lines read_json could not parse (or objects with none of these fields)
WHERE resourceType IN {kept_types} OR resourceType IS NULL
"""


_MEDICATION_REFERENCE = "coalesce(medicationReference.reference, json_extract_string(medication, '$.reference.reference'))"


def _stage_sql(files: list[Path], *, by_type: bool = True) -> str:
    statement_start = tuple(map(_sql_path, read.MEDICATION_STATEMENT_START))
    request_start = tuple(map(_sql_path, read.MEDICATION_REQUEST_START))
    administration_start = (
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
        own_concept="coalesce(medicationCodeableConcept, json_extract(medication, '$.concept'))",
        contained_concept="json_extract(list_filter(json_extract(contained, '$[*]'), "
        f"lambda m: m->>'id' = substr({_MEDICATION_REFERENCE}, 2))[1], '$.code')",
        start_day=fhir_day_sql("start_date_text"),
        obs_date=_first_text(
            "effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"
        ),
        statement_start=_first_day(*statement_start),
        request_start=_first_day(*request_start),
        administration_start=_first_day(*administration_start),
        statement_start_text=_first_text(*statement_start),
        request_start_text=_first_text(*request_start),
        administration_start_text=_first_text(*administration_start),
        onset=_first_text(*read.CONDITION_ONSET),
        performed=_first_text(
            "performedDateTime",
            "performedPeriod.start",
            "performedInstant",
            "occurrenceDateTime",
            "occurrencePeriod.start",
            "occurrenceInstant",
        ),
        birth=_first_text("birthDate"),
        death=_first_day("deceasedDateTime"),
        period_end=_first_day('effectivePeriod."end"'),
        period_start=_first_day("effectivePeriod.start"),
        request_end=_first_day(*map(_sql_path, read.MEDICATION_REQUEST_END)),
        administration_end=_first_day('coalesce(effectivePeriod, occurencePeriod)."end"'),
        statement_end=_first_day(*map(_sql_path, read.MEDICATION_STATEMENT_END)),
        ended=_sql_list(read.ENDED_STATUSES),
        ucum=codes.UCUM,
        source=_read_lines(files, by_type=by_type),
        kept_types=_sql_list(("Patient", "Medication", "Device", *EVENT_TYPES)),
    )


# Which concept-map family each resource type's concept belongs to.
_FAMILY_SQL = """
CASE resourceType WHEN 'Observation' THEN 'observation' WHEN 'Condition' THEN 'condition'
                  WHEN 'Procedure' THEN 'procedure' ELSE 'drug' END
"""

# Each resource's concept is looked up in the concept map (its distinct texts classified once,
# in Python) by a plain join as the staged file is read. A medication named only by reference
# takes what its Medication resource's concept means. Nothing here holds a row per resource:
# every view is read by streaming the staged Parquet file past small hash tables.
_HIT = (
    "{{'role': {p}.role, 'concept': {p}.concept, 'drug_class': {p}.drug_class, "
    "'code_system': {p}.code_system, 'code': {p}.code}}"
)
_MATCH_SQL = f"""
CREATE TEMP VIEW coded AS
SELECT r.*,
       CASE WHEN c.role IS NOT NULL THEN {_HIT.format(p="c")} END AS hit,
       coalesce(c.has_unknown_local, false) AS has_unknown_local,
       c.concept_json IS NOT NULL AS matched
FROM res r
LEFT JOIN concept_map c ON c.family = r.family AND c.concept_json = r.concept_json;

CREATE TEMP TABLE medication AS
SELECT any_value(hit) AS hit, bool_or(has_unknown_local) AS has_unknown_local, rid AS med_id
FROM coded WHERE matched AND resourceType = 'Medication' AND rid IS NOT NULL GROUP BY rid;

-- the Device resources a DXA result names (its scanner), by id
CREATE TEMP TABLE devices AS
SELECT rid AS device_id, any_value(device_text) AS device_text,
       bool_or(device_has_maker) AS device_has_maker
FROM res WHERE resourceType = 'Device' AND rid IS NOT NULL GROUP BY rid;

-- the answer of a smoking-status (or menopausal-status) Observation bonewise reads
CREATE TEMP TABLE smoking AS
SELECT row_id, CASE hit.role WHEN 'smoking' THEN a.smoking ELSE a.menopause END AS answer
FROM coded JOIN answer_map a ON a.answers = coded.answers
WHERE hit.role IN ('smoking', 'menopause');

-- a DXA panel (its own code not one bonewise reads): a measurement per component with a DXA
-- code, as the import reads it (the first DXA coding of each component)
CREATE TEMP TABLE panel AS
WITH component AS (
    SELECT row_id, unnest(json_extract(components, '$[*]')) AS comp,
           generate_subscripts(json_extract(components, '$[*]'), 1) AS component_number
    FROM coded
    WHERE resourceType = 'Observation' AND NOT skipped AND components IS NOT NULL
      AND hit IS NULL
)
SELECT row_id, component_number,
       {{'concept': m.concept, 'code_system': m.code_system, 'code': m.code}} AS hit,
       {{'value': json_extract_string(comp, '$.valueQuantity.value'),
         'unit': json_extract_string(comp, '$.valueQuantity.unit'),
         'system': json_extract_string(comp, '$.valueQuantity.system'),
         'code': json_extract_string(comp, '$.valueQuantity.code')}} AS quantity
FROM component JOIN concept_map m ON m.family = 'component'
 AND m.concept_json = json_extract(comp, '$.code')::VARCHAR
WHERE m.role = 'measure';

CREATE TEMP VIEW facts AS
SELECT r.* EXCLUDE (concept_json, family, med_ref, answers, components, hit, has_unknown_local,
                    matched),
       coalesce(r.hit, m.hit).role AS role,
       coalesce(r.hit, m.hit).concept AS concept,
       coalesce(r.hit, m.hit).drug_class AS drug_class,
       coalesce(r.hit, m.hit).code_system AS code_system,
       coalesce(r.hit, m.hit).code AS code,
       r.has_unknown_local OR coalesce(m.has_unknown_local, false) AS has_unknown_local,
       s.answer AS smoking_answer
FROM coded r
LEFT JOIN medication m ON r.concept_json IS NULL AND r.med_ref IS NOT NULL
                      AND r.resourceType IN {_sql_list(MEDICATION_TYPES)} AND m.med_id = r.med_ref
LEFT JOIN smoking s ON s.row_id = r.row_id
WHERE r.resourceType IN {_sql_list(EVENT_TYPES)} AND NOT r.skipped
  AND (r.matched OR m.med_id IS NOT NULL);
"""


def _select(table: TableName, query: str, *, typed_dates: bool = False) -> str:
    """The query with its columns cast to the staged (raw) schema, in the schema's order; with
    `typed_dates`, its dates as dates (the flat schema), for a table none of whose date texts
    is anything but an ISO date (`_date_typed_tables`)."""
    types = {
        pa.string(): "VARCHAR",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
    }
    fields = schema.SCHEMAS[table] if typed_dates else raw_schema(table)
    columns = ", ".join(
        f"CAST(nullif({f.name}, '') AS DATE) AS {f.name}"
        if f.type == pa.date32()
        else f"CAST({f.name} AS {types[f.type]}) AS {f.name}"
        for f in fields
    )
    return f"SELECT {columns} FROM ({query})"


# The resource types whose date texts (start_text, end_text, period_start) each table's dates
# are taken from.
_DATES_FROM: Final[dict[TableName, tuple[str, ...]]] = {
    "persons": ("Patient",),
    "measurements": ("Observation",),
    "drug_exposures": (*MEDICATION_TYPES, "Observation"),
    "conditions": ("Condition",),
    "procedures": ("Procedure",),
}


def _not_a_date(text: str) -> str:
    """SQL: the text is there and is not a date as the quality step reads dates (an ISO date,
    `quality.ISO_DATE`, that is a day of the calendar)."""
    return (
        f"(nullif({text}, '') IS NOT NULL AND NOT coalesce(regexp_matches({text}, "
        f"{_quote(ISO_DATE)}) AND try_cast({text} AS DATE) IS NOT NULL, false))"
    )


_TYPES_WITH_NON_DATES_SQL = f"""
SELECT DISTINCT resourceType FROM (
    SELECT resourceType, start_text, end_text, period_start FROM facts
    UNION ALL
    SELECT resourceType, start_text, end_text, NULL FROM res WHERE resourceType = 'Patient'
    UNION ALL
    SELECT 'Observation', r.start_text, NULL, NULL FROM panel p JOIN res r ON r.row_id = p.row_id
)
WHERE {_not_a_date("start_text")} OR {_not_a_date("end_text")} OR {_not_a_date("period_start")}
"""


# `codes.scanner_make_named` as SQL over the lowered words, as the FHIR import reads a Device's
# maker and names (or the device's display): words naming no make are "other" when the Device
# has a maker, else the make is not recorded (the core then reads "other" too).
def _make_in(text: str) -> str:
    return " ".join(
        f"WHEN contains({text}, {_quote(m)}) THEN {_quote(m)}" for m in codes.NAMED_SCANNER_MAKES
    )


_DEVICE_MAKE_SQL = f"""CASE WHEN d.device_id IS NOT NULL
         THEN CASE {_make_in("d.device_text")} WHEN d.device_has_maker THEN 'other' END
         WHEN {{obs}}.device_display IS NOT NULL
         THEN CASE {_make_in("{obs}.device_display")} ELSE 'other' END END"""
# The Device resources, a table built in the match step (`_MATCH_SQL`): as a subquery its size
# was estimated from the whole export, and DuckDB built the join's hash table on the 6 M
# measurement rows instead (1,000,000 women: out of memory even at 3 GB).
_DEVICES = "devices d"


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
                -- her recorded menopausal status, from an Observation's answer or a Condition
                -- (its concept) alike, as the import reads both: the latest dated one, else
                -- an undated one
                SELECT pid, arg_max(recorded, coalesce(start_text, '')) AS answer
                FROM (SELECT pid, start_text, CASE WHEN resourceType = 'Condition'
                             THEN concept ELSE smoking_answer END AS recorded
                      FROM facts WHERE role = 'menopause' AND NOT absent)
                WHERE recorded IS NOT NULL GROUP BY pid) status
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
        "drug_exposures": f"""
            SELECT rid AS record_id, pid AS person_id,
                   -- a drug under a bonewise local code bonewise does not know: unconfirmed
                   CASE WHEN role IS NULL THEN {_quote(schema.UNCONFIRMED_DRUG)} ELSE concept END
                       AS concept, drug_class,
                   CASE WHEN role = 'glucocorticoid_course' THEN period_start ELSE start_text END
                       AS start_date,
                   end_text AS end_date, code_system, code, resourceType AS source
            FROM facts
            WHERE pid IS NOT NULL AND (role = 'drug' OR (role = 'glucocorticoid_course'
                  AND NOT absent AND has_boolean AND value_true AND period_start IS NOT NULL)
                  OR (role IS NULL AND has_unknown_local
                      AND resourceType IN {_sql_list(MEDICATION_TYPES)}))
            UNION ALL
            -- ovarian suppression recorded with the AI: an exposure over the AI course
            SELECT rid || '/ovarian-suppression', pid, 'ovarian_suppression', 'gnrh_agonist',
                   start_text, end_text, code_system, code, resourceType
            FROM facts
            WHERE pid IS NOT NULL AND role = 'drug' AND drug_class = 'aromatase_inhibitor'
                  AND ovarian_suppression""",
        "conditions": """
            SELECT rid AS record_id, pid AS person_id,
                   CASE WHEN role = 'unknown_family' THEN CASE concept {unconfirmed} END
                        WHEN concept = 'fracture' AND traumatic THEN 'traumatic_fracture'
                        ELSE concept END AS concept,
                   start_text AS onset_date, code_system, code, 'Condition' AS source
            FROM facts WHERE resourceType = 'Condition' AND pid IS NOT NULL
                  AND role IN ('condition', 'unknown_family')""".format(
            unconfirmed=" ".join(
                f"WHEN {_quote(family)} THEN {_quote(concept)}"
                for family, concept in schema.UNCONFIRMED_CONDITIONS.items()
            )
        ),
        "procedures": """
            SELECT rid AS record_id, pid AS person_id, concept, start_text AS date,
                   code_system, code, 'Procedure' AS source
            FROM facts WHERE resourceType = 'Procedure' AND pid IS NOT NULL
                  AND role = 'dxa'""",
    }


# A Condition under a code bonewise does not know whose words name one of these families is
# counted and staged under its "unconfirmed" concept (schema.UNCONFIRMED_CONDITIONS): the fact
# is unknown, for a clinician to confirm (the import's "unknown, please confirm"), never "not
# on the problem list".
UNCONFIRMED_FAMILIES: Final = schema.UNCONFIRMED_CONDITIONS


def _issues_sql() -> str:
    gc = "role = 'glucocorticoid_course' AND NOT absent"
    unconfirmed = ",\n".join(
        f"count(*) FILTER (role = 'unknown_family' AND concept = '{family}') "
        f"AS conditions__{reason}"
        for family, reason in UNCONFIRMED_FAMILIES.items()
    )
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
          count(*) FILTER (pid IS NULL AND role = 'dxa') AS procedures__missing_subject,
          {unconfirmed}
        FROM facts
    """


class FhirNdjsonLoader:
    """Stage a Bulk Data export; `issues` counts what could not be read, by table and reason."""

    def __init__(self, staging: Path, *, memory_limit: str = LOAD_MEMORY_LIMIT) -> None:
        self.staging = staging
        self.memory_limit = memory_limit
        self.issues: dict[str, dict[str, int]] = {}
        self.seconds: dict[str, float] = {}  # wall time of each step of the last load
        # CPU time of each step (every thread of the process): steadier on a shared machine
        self.cpu_seconds: dict[str, float] = {}

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + time.process_time() - cpu

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
            self.seconds, self.cpu_seconds = {}, {}
            with self._step("parse"):  # one parse of the export: the fields bonewise reads
                self._parse(con, files, resources, by_type=True)
                mixed = con.execute(
                    f"SELECT count(*) FROM read_parquet({_quote(str(resources))}) "
                    "WHERE resourceType <> file_type"
                ).fetchone()
                if mixed and mixed[0]:  # a file holds several types: every field for every line
                    self._parse(con, files, resources, by_type=False)
            con.execute(
                "CREATE TEMP VIEW res AS SELECT file_row_number AS row_id, "
                "* EXCLUDE (file_row_number) FROM "
                f"read_parquet({_quote(str(resources))}, file_row_number = true)"
            )
            with self._step("classify codes"):
                self._register_codes(con)
            with self._step("match"):
                con.execute(_MATCH_SQL)
            with self._step("date types"):
                typed = self._date_typed_tables(con)
            for table, query in _table_queries().items():
                with self._step(f"write {table}"):
                    selected = _select(table, query, typed_dates=table in typed)
                    con.execute(
                        f"COPY ({selected}) TO {_quote(str(paths[table]))} (FORMAT parquet)"
                    )
            with self._step("issues"):
                self._count_issues(con, files)
        finally:
            con.close()
            resources.unlink(missing_ok=True)
        return paths

    @staticmethod
    def _parse(
        con: duckdb.DuckDBPyConnection, files: list[Path], resources: Path, *, by_type: bool
    ) -> None:
        con.execute(
            # read back a few times, then deleted: the cheapest codec
            f"COPY ({_stage_sql(files, by_type=by_type)}) TO {_quote(str(resources))} "
            "(FORMAT parquet, COMPRESSION lz4)"
        )

    @staticmethod
    def _register_codes(con: duckdb.DuckDBPyConnection) -> None:
        concepts = con.execute(
            """SELECT DISTINCT family, concept_json FROM res WHERE concept_json IS NOT NULL
               UNION
               SELECT DISTINCT 'component', json_extract(comp, '$.code')::VARCHAR FROM (
                   SELECT unnest(json_extract(components, '$[*]')) AS comp FROM res
                   WHERE components IS NOT NULL)
               WHERE json_extract(comp, '$.code') IS NOT NULL"""
        ).fetchall()
        con.register("concept_map", _concept_map(concepts))
        answers = con.execute(
            "SELECT DISTINCT answers FROM res WHERE resourceType = 'Observation' "
            "AND answers IS NOT NULL"
        ).fetchall()
        con.register("answer_map", _answer_map(a for (a,) in answers))

    @staticmethod
    def _date_typed_tables(con: duckdb.DuckDBPyConnection) -> set[TableName]:
        """The tables staged with their dates as dates: those whose every date text is an ISO
        date. The quality step parses text dates on each read of a table (a third of the whole
        evaluation); a typed date needs no parse, and a table holding any text that is not a
        date stays text, so the quality step counts it as it would."""
        with_non_dates = {t for (t,) in con.execute(_TYPES_WITH_NON_DATES_SQL).fetchall()}
        return {
            table for table, types in _DATES_FROM.items() if not with_non_dates.intersection(types)
        }

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
