"""Recognise what a cohort folder holds and stage it as flat-schema Parquet for the engines."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from bonewise.population.fhir_ndjson import ndjson_files, stage_ndjson
from bonewise.population.flat_files import flat_tables_in, stage_flat
from bonewise.population.omop import omop_tables_in, stage_omop
from bonewise.population.schema import TableName

SourceFormat = Literal["fhir-ndjson", "flat", "omop", "store"]


class CohortSourceError(ValueError):
    """The folder holds nothing bonewise can read; says what was expected."""


@dataclass(frozen=True)
class StagedCohort:
    format: SourceFormat
    directory: Path
    tables: dict[TableName, Path]
    # problems found while reading the files (before the engine sees them), by table and reason
    loader_issues: dict[str, dict[str, int]] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    # where the cohort came from, for people (the folder, or the store URL without password)
    origin: str = ""
    # CPU time of staging (every thread of the process): the loader's own cost, apart from the
    # evaluation that follows in the same process and steadier than wall time on a shared machine
    cpu_seconds: float = 0.0

    @property
    def described(self) -> str:
        return self.origin or str(self.directory)


def detect_format(directory: Path) -> SourceFormat:
    if not directory.is_dir():
        raise CohortSourceError(f"cohort folder {str(directory)!r} does not exist")
    if ndjson_files(directory):
        return "fhir-ndjson"
    if "person" in omop_tables_in(directory):
        return "omop"
    if flat_tables_in(directory):
        return "flat"
    raise CohortSourceError(
        f"{directory}: found no cohort files. Expected FHIR Bulk Data NDJSON (Patient.ndjson, "
        "Observation.ndjson, ...), OMOP CDM tables (person, drug_exposure, measurement, "
        "condition_occurrence, procedure_occurrence), or flat-schema tables (persons, drug_exposures, "
        "measurements, conditions, procedures as .csv or .parquet)"
    )


def stage(directory: Path, staging: Path) -> StagedCohort:
    """Stage `directory` into `staging` (which must exist) and say what was read."""
    cpu = time.process_time()
    staged = _stage(directory, staging)
    return replace(staged, cpu_seconds=time.process_time() - cpu)


def _stage(directory: Path, staging: Path) -> StagedCohort:
    fmt = detect_format(directory)
    if fmt == "fhir-ndjson":
        files = ndjson_files(directory)
        tables, issues = stage_ndjson(directory, staging)
        return StagedCohort(
            format=fmt,
            directory=directory,
            tables=tables,
            loader_issues=issues,
            files=tuple(p.name for p in files),
        )
    if fmt == "omop":
        return StagedCohort(
            format=fmt,
            directory=directory,
            tables=stage_omop(directory, staging),
            files=tuple(omop_tables_in(directory)),
        )
    found = flat_tables_in(directory)
    return StagedCohort(
        format=fmt,
        directory=directory,
        tables=stage_flat(directory, staging),
        files=tuple(sorted(p.name for p in found.values())),
    )
