"""FHIR Bulk Data NDJSON (R4; R5 medication/occurrence fields too) into the flat schema.

Reads every `*.ndjson` file in a folder (`Patient.ndjson`, `Observation.ndjson`,
`MedicationStatement.ndjson`, `MedicationRequest.ndjson`, `MedicationAdministration.ndjson`,
`Condition.ndjson`, `Procedure.ndjson`, any subset, split files too) and dispatches on each line's
`resourceType`. Codes are mapped with `bonewise.terminology.codes`; resources with codes bonewise does
not use are skipped (most of a bulk export is unrelated). Dates are kept as written, cut to the
day, so the quality step can count the ones that are not dates. Lines that are not JSON objects,
and resources with no subject, are counted here as loader issues.

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

Codes in the bonewise local system that bonewise does not know are counted (`unknown_local_code`,
`unknown_local_drug_code`), never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bonewise.fhir.record_codes import EXT_TRAUMATIC
from bonewise.population import schema
from bonewise.population.schema import TABLES, TableName, raw_schema
from bonewise.terminology import codes

RESOURCE_TYPES = (
    "Patient",
    "Observation",
    "MedicationStatement",
    "MedicationRequest",
    "MedicationAdministration",
    "Condition",
    "Procedure",
)
_BATCH = 100_000
FILES_KEY = "ndjson_lines"  # issues that belong to no table (a line that is not JSON)
_DXA_CONCEPT = {"t_score": "dxa_t_score", "bmd": "dxa_bmd", "z_score": "dxa_z_score"}
_SKIP_STATUS = {"entered-in-error", "cancelled", "not-done", "not-taken", "draft", "unknown"}
_ENDED_STATUS = {"completed", "stopped"}
_GLUCOCORTICOIDS = codes.LOCAL_CODES["oral_glucocorticoids_over_6_months"]


# Most of a bulk export is unrelated (other labs, vitals, diagnoses). Observation, Condition and
# Procedure lines that mention none of the codes bonewise reads are skipped before JSON parsing;
# medication lines are always parsed (they may name their drug by reference).
_TYPE = re.compile(r'"resourceType"\s*:\s*"(Observation|Condition|Procedure)"')
_RELEVANT_CODES = sorted(
    {
        *(c.concept.code for c in codes.DXA_CODES),
        *(c.concept.code for c in codes.LAB_CODES if c.kind == "25_oh_vitamin_d"),
        *(c.concept.code for c in codes.VITAL_CODES if c.kind == "bmi"),
        *(c.concept.code for c in codes.CONDITION_CODES),
        *(c.concept.code for c in codes.PROCEDURE_CODES),
        codes.SMOKING_STATUS.code,
    }
)
_CODE = re.compile(r'"code"\s*:\s*"(?:' + "|".join(map(re.escape, _RELEVANT_CODES)) + r')"')


def _irrelevant(line: str) -> bool:
    # any line naming the bonewise local code system is read, so unknown local codes are counted
    return (
        _TYPE.search(line) is not None and _CODE.search(line) is None and codes.BONEWISE not in line
    )


def _recorded_traumatic(condition: dict[str, Any]) -> bool:
    """A fracture recorded as traumatic (bonewise's traumatic or fragility=false extension)."""
    flags = {
        e.get("url"): e.get("valueBoolean")
        for e in condition.get("extension") or []
        if isinstance(e, dict)
    }
    return flags.get(EXT_TRAUMATIC) is True or flags.get(codes.EXT_FRAGILITY) is False


def ndjson_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.ndjson") if p.is_file())


def _day(value: Any) -> str | None:
    """The day part of a FHIR date or dateTime, as written (validated later)."""
    if not isinstance(value, str) or not value:
        return None
    return value[:10] if len(value) > 10 and value[10] == "T" else value


def _period_start(resource: dict[str, Any], prefix: str) -> str | None:
    period = resource.get(f"{prefix}Period") or {}
    return _day(
        resource.get(f"{prefix}DateTime") or period.get("start") or resource.get(f"{prefix}Instant")
    )


def _subject(resource: dict[str, Any]) -> str | None:
    ref = (resource.get("subject") or resource.get("patient") or {}).get("reference")
    if not isinstance(ref, str) or not ref:
        return None
    return ref.rsplit("/", 1)[-1]


def _codings(concept: Any) -> Iterable[tuple[str | None, str]]:
    if not isinstance(concept, dict):
        return ()
    return [
        (c.get("system"), str(c["code"]))
        for c in concept.get("coding") or ()
        if isinstance(c, dict) and c.get("code") is not None
    ]


class _Sink:
    """Rows for one flat table, flushed to Parquet in batches."""

    def __init__(self, table: TableName, path: Path) -> None:
        self.schema = raw_schema(table)
        self.path = path
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(path, self.schema)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


class FhirNdjsonLoader:
    """Stage a Bulk Data export; `issues` counts what could not be read, by table and reason."""

    def __init__(self, staging: Path) -> None:
        self.sinks = {t: _Sink(t, staging / f"{t}.parquet") for t in TABLES}
        self.issues: dict[str, Counter[str]] = {t: Counter() for t in (*TABLES, FILES_KEY)}
        self.medications: dict[str, list[tuple[str | None, str]]] = {}
        self.resources: Counter[str] = Counter()

    # --- entry point ----------------------------------------------------------------------
    def load(self, files: list[Path]) -> dict[TableName, Path]:
        # Medication resources first, so medicationReference can be resolved
        # (only files that can hold them: Bulk Data names files by resource type)
        medication_files = [f for f in files if "medication" in f.name.lower()]
        for resource in self._resources(medication_files, only="Medication"):
            if isinstance(resource.get("id"), str):
                self.medications[resource["id"]] = list(_codings(resource.get("code")))
        for resource in self._resources(files):
            kind = resource.get("resourceType")
            handler = getattr(self, f"_{kind}", None) if kind in RESOURCE_TYPES else None
            if handler is not None:
                self.resources[str(kind)] += 1
                handler(resource)
        for sink in self.sinks.values():
            sink.close()
        return {t: s.path for t, s in self.sinks.items()}

    def _resources(self, files: list[Path], only: str | None = None) -> Iterator[dict[str, Any]]:
        for path in files:
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    if only is not None and f'"{only}"' not in line:
                        continue
                    if only is None and _irrelevant(line):
                        continue
                    try:
                        resource = json.loads(line)
                    except json.JSONDecodeError:
                        if only is None:
                            self.issues[FILES_KEY]["invalid_json"] += 1
                        continue
                    if not isinstance(resource, dict):
                        continue
                    if only is None or resource.get("resourceType") == only:
                        yield resource

    def _event(self, table: TableName, resource: dict[str, Any]) -> str | None:
        pid = _subject(resource)
        if pid is None:
            self.issues[table]["missing_subject"] += 1
        return pid

    # --- resources ------------------------------------------------------------------------
    def _Patient(self, r: dict[str, Any]) -> None:
        pid = r.get("id")
        deceased = r.get("deceasedBoolean") is True
        self.sinks["persons"].add(
            {
                "person_id": pid if isinstance(pid, str) else None,
                "gender": r.get("gender"),
                "birth_date": _day(r.get("birthDate")),
                "death_date": _day(r.get("deceasedDateTime")),
                "deceased": deceased,
                "source": "Patient",
            }
        )

    def _Observation(self, r: dict[str, Any]) -> None:
        if r.get("status") in _SKIP_STATUS:
            return
        unknown_local = False
        for system, code in _codings(r.get("code")):
            concept = None
            if (dxa := codes.dxa_code(code, system)) is not None:
                concept = _DXA_CONCEPT[dxa.kind]
            elif (
                lab := codes.lab_code(code, system)
            ) is not None and lab.kind == "25_oh_vitamin_d":
                concept = "vitamin_d_25oh"
            elif (vital := codes.vital_code(code, system)) is not None and vital.kind == "bmi":
                concept = "bmi"
            elif (
                codes.normalise_system(system) == codes.LOINC and code == codes.SMOKING_STATUS.code
            ):
                self._smoking(r, code)
                return
            elif codes.normalise_system(system) == codes.BONEWISE:
                if codes.local_code(code) is None:
                    unknown_local = True
                    continue
                self._local_observation(r, code)
                return
            if concept is None:
                continue
            pid = self._event("measurements", r)
            if pid is None:
                return
            quantity = r.get("valueQuantity") or {}
            unit = quantity.get("code") if quantity.get("system") == codes.UCUM else None
            value = quantity.get("value")
            self.sinks["measurements"].add(
                {
                    "record_id": r.get("id"),
                    "person_id": pid,
                    "concept": concept,
                    "date": _period_start(r, "effective") or _day(r.get("issued")),
                    "value": float(value) if isinstance(value, int | float) else None,
                    "unit": unit or quantity.get("unit"),
                    "value_text": None,
                    "code_system": codes.normalise_system(system),
                    "code": code,
                    "source": "Observation",
                }
            )
            return
        if unknown_local:
            self.issues["measurements"]["unknown_local_code"] += 1

    def _smoking(self, r: dict[str, Any], code: str) -> None:
        """LOINC 72166-2: the SNOMED CT answer as current / past / never (codes.SMOKING_ANSWERS)."""
        if r.get("dataAbsentReason") is not None:
            return  # explicitly unknown: smoking stays not recorded
        answer = next(
            (
                codes.SMOKING_ANSWERS[a]
                for s, a in _codings(r.get("valueCodeableConcept"))
                if codes.normalise_system(s) == codes.SNOMED and a in codes.SMOKING_ANSWERS
            ),
            None,
        )
        if answer is None:
            self.issues["measurements"]["unknown_smoking_answer"] += 1
            return
        pid = self._event("measurements", r)
        if pid is None:
            return
        self.sinks["measurements"].add(
            {
                "record_id": r.get("id"),
                "person_id": pid,
                "concept": "smoking_status",
                "date": _period_start(r, "effective") or _day(r.get("issued")),
                "value": None,
                "unit": None,
                "value_text": answer[1],
                "code_system": codes.LOINC,
                "code": code,
                "source": "Observation",
            }
        )

    def _local_observation(self, r: dict[str, Any], code: str) -> None:
        """A known bonewise local code: glucocorticoid courses are read, other facts are not used."""
        if code != _GLUCOCORTICOIDS.code or r.get("dataAbsentReason") is not None:
            return  # a local fact the measures do not use, or explicitly unknown
        value = r.get("valueBoolean")
        if not isinstance(value, bool):
            self.issues["drug_exposures"]["glucocorticoids_without_value"] += 1
            return
        if not value:
            return  # a recorded "no": no course that counts
        period = r.get("effectivePeriod")
        if not isinstance(period, dict) or not period.get("start"):
            self.issues["drug_exposures"]["glucocorticoids_without_period"] += 1
            return
        pid = self._event("drug_exposures", r)
        if pid is None:
            return
        self.sinks["drug_exposures"].add(
            {
                "record_id": r.get("id"),
                "person_id": pid,
                "concept": "glucocorticoid",
                "drug_class": "glucocorticoid",
                "start_date": _day(period.get("start")),
                "end_date": _day(period.get("end")),
                "code_system": codes.BONEWISE,
                "code": code,
                "source": "Observation",
            }
        )

    def _drug(self, r: dict[str, Any], start: str | None, end: str | None, source: str) -> None:
        if r.get("status") in _SKIP_STATUS:
            return
        concept = r.get("medicationCodeableConcept") or (r.get("medication") or {}).get("concept")
        codings = list(_codings(concept))
        reference = r.get("medicationReference") or (r.get("medication") or {}).get("reference")
        if not codings and isinstance(reference, dict):
            ref = str(reference.get("reference", "")).rsplit("/", 1)[-1]
            codings = self.medications.get(ref, [])
        for system, code in codings:
            entry = codes.drug_code(system, code)
            if entry is not None:
                concept, drug_class = schema.drug_concept(entry), str(entry.drug_class)
            else:
                continue
            pid = self._event("drug_exposures", r)
            if pid is None:
                return
            self.sinks["drug_exposures"].add(
                {
                    "record_id": r.get("id"),
                    "person_id": pid,
                    "concept": concept,
                    "drug_class": drug_class,
                    "start_date": start,
                    "end_date": end,
                    "code_system": codes.normalise_system(system),
                    "code": code,
                    "source": source,
                }
            )
            return
        if any(codes.normalise_system(system) == codes.BONEWISE for system, _ in codings):
            self.issues["drug_exposures"]["unknown_local_drug_code"] += 1

    def _MedicationStatement(self, r: dict[str, Any]) -> None:
        period = r.get("effectivePeriod") or {}
        start = _period_start(r, "effective")
        end = _day(period.get("end"))
        if end is None and "effectivePeriod" not in r and r.get("status") in _ENDED_STATUS:
            end = start  # a statement about one day
        self._drug(r, start, end, "MedicationStatement")

    def _MedicationRequest(self, r: dict[str, Any]) -> None:
        dosage = (r.get("dosageInstruction") or [{}])[0] or {}
        bounds = ((dosage.get("timing") or {}).get("repeat") or {}).get("boundsPeriod") or {}
        validity = (r.get("dispenseRequest") or {}).get("validityPeriod") or {}
        start = _day(bounds.get("start") or validity.get("start") or r.get("authoredOn"))
        end = _day(bounds.get("end") or validity.get("end"))
        if end is None and r.get("status") in _ENDED_STATUS:
            end = start
        self._drug(r, start, end, "MedicationRequest")

    def _MedicationAdministration(self, r: dict[str, Any]) -> None:
        period = r.get("effectivePeriod") or r.get("occurencePeriod") or {}
        start = _day(
            r.get("effectiveDateTime") or r.get("occurenceDateTime") or period.get("start")
        )
        self._drug(r, start, _day(period.get("end")) or start, "MedicationAdministration")

    def _Condition(self, r: dict[str, Any]) -> None:
        verification = {c for _, c in _codings(r.get("verificationStatus"))}
        if verification & {"refuted", "entered-in-error"}:
            return
        for system, code in _codings(r.get("code")):
            kind = codes.condition_kind(system, code)
            if kind is None:
                continue
            pid = self._event("conditions", r)
            if pid is None:
                return
            self.sinks["conditions"].add(
                {
                    "record_id": r.get("id"),
                    "person_id": pid,
                    "concept": "traumatic_fracture"
                    if kind == "fracture" and _recorded_traumatic(r)
                    else kind,
                    "onset_date": _period_start(r, "onset") or _day(r.get("recordedDate")),
                    "code_system": codes.normalise_system(system),
                    "code": code,
                    "source": "Condition",
                }
            )
            return

    def _Procedure(self, r: dict[str, Any]) -> None:
        if r.get("status") in _SKIP_STATUS:
            return
        for system, code in _codings(r.get("code")):
            if not codes.is_dxa_procedure(system, code):
                continue
            pid = self._event("procedures", r)
            if pid is None:
                return
            self.sinks["procedures"].add(
                {
                    "record_id": r.get("id"),
                    "person_id": pid,
                    "concept": "dxa",
                    "date": _period_start(r, "performed") or _period_start(r, "occurrence"),
                    "code_system": codes.normalise_system(system),
                    "code": code,
                    "source": "Procedure",
                }
            )
            return


def stage_ndjson(
    directory: Path, staging: Path
) -> tuple[dict[TableName, Path], dict[str, dict[str, int]]]:
    """Stage every NDJSON file in `directory`; returns the staged paths and loader issues."""
    loader = FhirNdjsonLoader(staging)
    paths = loader.load(ndjson_files(directory))
    issues = {t: dict(c) for t, c in loader.issues.items() if c}
    return paths, issues
