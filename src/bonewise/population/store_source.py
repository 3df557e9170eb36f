"""The app's own patients as a population source (`bonewise cohort run --from-store`).

Each stored PatientRecord is written as the FHIR resources `bonewise.fhir.export` makes of it
(the same resources `bonewise fhir export` gives, so one mapping from a record to codes), one
NDJSON line each, and staged by the FHIR Bulk Data loader like any other export. A DXA typed
into the web app therefore reaches the measures exactly as it would from an EHR.

Records come through `services.patients.every_record` (the local operator only), which writes
one audit entry for the run and reads the records in a unit of work that is never committed;
the store is not migrated (a store that is not at the current schema is refused with the
command to run).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bonewise.clinical.models import PatientRecord
from bonewise.fhir.export import record_entries
from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.population.sources import CohortSourceError, StagedCohort
from bonewise.services import patients
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.db import default_database_url, make_engine
from bonewise.store.uow import UnitOfWork, session_factory


@dataclass(frozen=True)
class StoreSource:
    """The patient store at `url` (None: BONEWISE_DATABASE_URL or the default SQLite file)."""

    url: str | None = None

    def resolved(self) -> str:
        return self.url or default_database_url()

    def described(self) -> str:
        """The URL for reports and run.json: never the password."""
        try:
            return make_url(self.resolved()).render_as_string(hide_password=True)
        except ArgumentError:
            return "(unreadable store URL)"


def check_readable(url: str) -> None:
    """Refuse a URL that is not one, or a SQLite file that is not there (opening it would
    create an empty store)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CohortSourceError(f"--store-url {url!r} is not a database URL") from exc
    database = parsed.database or ""
    on_disk = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if on_disk and not Path(database).is_file():
        raise CohortSourceError(f"the patient store {database!r} does not exist")


def _resources(record: PatientRecord, made: datetime) -> Iterator[dict[str, Any]]:
    """The record's FHIR resources (exported at `made`), the Patient's id the store's id."""
    entries = record_entries(record, generated_at=made)
    patient_url = next(
        e["fullUrl"] for e in entries if e["resource"].get("resourceType") == "Patient"
    )
    local = f"Patient/{record.id}"
    for entry in entries:
        resource = entry["resource"]
        if resource.get("resourceType") == "Patient":
            resource = {**resource, "id": record.id}
        text = json.dumps(resource, separators=(",", ":"))
        # every reference to her (subject, patient) names her store id, as a Bulk export would
        yield json.loads(text.replace(json.dumps(patient_url), json.dumps(local)))


def stored_records(url: str) -> Iterator[PatientRecord]:
    """Every stored patient record, read in one unit of work that is rolled back."""
    check_readable(url)
    try:
        factory = session_factory(make_engine(url))
        yield from patients.every_record(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
    except SQLAlchemyError as exc:
        raise CohortSourceError(
            f"could not read the patient store ({type(exc).__name__}): check --store-url, and "
            "run `bonewise serve` or the migrations once so the store exists"
        ) from exc


def stage_store(source: StoreSource, staging: Path) -> StagedCohort:
    """Stage every stored patient into `staging` (which must exist) for the engines."""
    return stage_records(stored_records(source.resolved()), staging, origin=source.described())


def write_records_ndjson(records: Iterable[PatientRecord], export: Path) -> int:
    """Append each record's FHIR resources to `export`/<resourceType>.ndjson; the count."""
    files: dict[str, Any] = {}
    patients = 0
    made = datetime.now(UTC)  # one export instant for the run (a derived BMI is issued then)
    try:
        for record in records:
            patients += 1
            for resource in _resources(record, made):
                kind = str(resource.get("resourceType"))
                if kind not in files:
                    files[kind] = (export / f"{kind}.ndjson").open("a", encoding="utf-8")
                files[kind].write(json.dumps(resource, separators=(",", ":")) + "\n")
    finally:
        for handle in files.values():
            handle.close()
    return patients


def stage_records(
    records: Iterable[PatientRecord], staging: Path, *, origin: str = "records"
) -> StagedCohort:
    """Stage patient records (as the FHIR resources their export makes) for the engines."""
    export = staging / "store-ndjson"
    export.mkdir()
    if write_records_ndjson(records, export) == 0:
        raise CohortSourceError("the patient store holds no patients")
    tables, issues = stage_ndjson(export, staging)
    return StagedCohort(
        format="store",
        directory=export,
        tables=tables,
        loader_issues=issues,
        files=tuple(sorted(p.name for p in export.glob("*.ndjson"))),
        origin=origin,
    )
