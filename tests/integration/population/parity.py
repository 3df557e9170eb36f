"""One woman, two paths: the single-patient alerts (assess) and the population care gaps.

Each care-gap measure has the single-patient answer it must agree with:

    baseline-dxa       the `no-baseline-dxa` alert turned red (critical: past "due by")
    dxa-overdue        the `dxa-overdue` alert
    therapy-gap        the `therapy-gap` alert turned amber (warning: past "due by")
    denosumab-lapse    the `denosumab-lapse` alert
    vitamin-d-recheck  `vitamin-d-recheck` among the monitoring's overdue items

Compared since measure 1.3.0: the single-patient `therapy-gap` follows hadji-2017 as the core
decides it, and so does the measure. A woman whose reading needs more than her reported T-scores
(a T-score the core computes from a Lunar, Norland or Hologic hip BMD, a 33% radius result,
a fracture: clinical osteoporosis is a hip or vertebral fragility fracture, read from the
fracture's code) has her DXA and fracture rows sent to the core (population.rules.
therapy_core_answers), which answers as it does for one patient; where it finds no usable
T-score on her latest DXA, two or more risk factors indicate therapy in both (measure 1.4.0,
hadji-2017's "risk factors without BMD"). What the flat data does not
hold (FRAX and asco-2019, which the alert does not read; risk-factor answers given in a
questionnaire rather than as coded events, such as a parental hip fracture) holds in no example
or generated woman who differs today; a woman it decides for would show up here as a
difference, not be hidden. A BMI Observation reaches both: the FHIR import keeps it as the
record's recorded BMI when height and weight are not both known, and both compare it as
displayed (one decimal).

Compared since measure 1.2.0: after a BMD loss beyond the least significant change the next DXA
is due 12 months after the last in both paths. The population run reads each DXA result's site,
scanner make and facility precision (flat schema) and calls the core's series
(clinical.bmd_series) for the women with a BMD on two or more days; the generated cohort writes
BMD series for one woman in three (some with losses), and `first_year_loss` is a woman whose
loss alone makes her last DXA, 13 months old, overdue.

A record reaches the population run as the FHIR resources its export makes, loaded by the FHIR
Bulk Data loader (population.store_source.stage_records), exactly as a stored patient would.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.importer import import_fhir
from bonewise.population.fhir_ndjson import stage_ndjson
from bonewise.population.generate import DRUG_CODES, write_cohort
from bonewise.population.runner import RunResult
from bonewise.population.sources import StagedCohort

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "patients").glob("*.json"))
COMPARED = ("baseline-dxa", "dxa-overdue", "therapy-gap", "denosumab-lapse", "vitamin-d-recheck")
AI_RXNORM = {DRUG_CODES[agent][1] for agent in ("anastrozole", "letrozole", "exemestane")}
# The days the examples are looked at: today, and later days on which their windows close.
EXAMPLE_DAYS = (date(2026, 12, 1), date(2027, 3, 1), date(2027, 9, 30), date(2028, 6, 1))


def first_year_loss(pid: str = "first-year-loss") -> PatientRecord:
    """On letrozole since 2024-10-01; total-hip BMD 0.900 then 0.850 g/cm2 a year later on the
    same Hologic (-5.6%, beyond the LSC), T-scores -0.5 and -0.9 (hadji-2017: no therapy).
    Her last DXA (2025-11-01) is 13 months old on 2026-12-01: overdue after the loss (12
    months), not yet without it (24)."""
    scans = [
        {
            "date": day,
            "scanner_make": "hologic",
            "sites": {"total_hip": {"bmd_g_cm2": bmd, "t_score": t}},
        }
        for day, bmd, t in (("2024-11-01", 0.900, -0.5), ("2025-11-01", 0.850, -0.9))
    ]
    return PatientRecord.parse(
        {
            "id": pid,
            "patient": {
                "birth_date": "1958-03-02",
                "sex": "female",
                "menopausal_status": "postmenopausal",
            },
            "therapy": {"agent": "letrozole", "start_date": "2024-10-01"},
            "dxa_scans": scans,
        },
        today=date(2026, 12, 1),
    )


def example_records(today: date) -> list[PatientRecord]:
    """Every shipped example whose dates are all on or before `today`."""
    records = []
    for path in EXAMPLES:
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            records.append(PatientRecord.parse(data, today=today))
        except ValueError:
            continue  # a record dated after `today` cannot be looked at on that day
    return records


def alert_gaps(result: Assessment) -> set[str]:
    """The care-gap measures the single-patient answer says she is a gap in."""
    alerts = {a.id: a for a in result.alerts}
    gaps = set()
    baseline = alerts.get("no-baseline-dxa")
    if baseline is not None and baseline.severity == "critical":
        gaps.add("baseline-dxa")
    if "dxa-overdue" in alerts:
        gaps.add("dxa-overdue")
    therapy = alerts.get("therapy-gap")
    if therapy is not None and therapy.severity == "warning":
        gaps.add("therapy-gap")
    if "denosumab-lapse" in alerts:
        gaps.add("denosumab-lapse")
    if "vitamin-d-recheck" in result.monitoring.overdue:
        gaps.add("vitamin-d-recheck")
    return gaps


def single_patient_gaps(records: Iterable[PatientRecord], as_of: date) -> dict[str, set[str]]:
    return {r.id: alert_gaps(assess(r, as_of=as_of)) for r in records}


def population_gaps(result: RunResult, people: Iterable[str]) -> dict[str, set[str]]:
    """Each woman's gaps in the population run."""
    found: dict[str, set[str]] = {pid: set() for pid in people}
    for measure in COMPARED:
        for pid, _ in result.measures[measure].gap_rows:
            found.setdefault(pid, set()).add(measure)
    return found


def generated_cohort(directory: Path, *, patients: int, seed: int, until: date) -> Path:
    """A generated cohort written as FHIR Bulk NDJSON (no malformed rows)."""
    out = directory / "generated"
    write_cohort(
        out, patients=patients, seed=seed, until=until, output_format="ndjson", malformed_rate=0
    )
    return out


def resources_by_patient(ndjson: Path) -> dict[str, list[dict[str, Any]]]:
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(ndjson.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            if resource["resourceType"] == "Patient":
                by_patient[resource["id"]].append(resource)
            else:
                by_patient[resource["subject"]["reference"].removeprefix("Patient/")].append(
                    resource
                )
    return dict(by_patient)


def comparable(resources: list[dict[str, Any]]) -> str | None:
    """Why this generated woman is left out of the comparison (None: compared).

    The population measures count women (gender female, unknown or not recorded) who are alive;
    the app holds living patients and has no death date. A woman who switched from one AI to
    another is compared: both paths time the baseline DXA from her first AI start (the record
    keeps the earlier AIs in `therapy.switched_from`).
    """
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    if patient.get("gender") not in (None, "female", "unknown"):
        return "not a woman"
    if any(key.startswith("deceased") for key in patient):
        return "deceased"
    return None


def switched_ai(resources: list[dict[str, Any]]) -> bool:
    """She took more than one aromatase inhibitor (a switch)."""
    agents = {
        c["code"]
        for r in resources
        if r["resourceType"] == "MedicationStatement"
        for c in r["medicationCodeableConcept"]["coding"]
        if c["code"] in AI_RXNORM
    }
    return len(agents) > 1


def imported_records(
    by_patient: dict[str, list[dict[str, Any]]], today: date
) -> dict[str, PatientRecord]:
    """Each generated woman through the app's FHIR import (the single-patient path's input)."""
    return {pid: import_fhir(rs, today=today).record for pid, rs in by_patient.items()}


def stage_generated(ndjson: Path, staging: Path) -> StagedCohort:
    staging.mkdir()
    tables, issues = stage_ndjson(ndjson, staging)
    return StagedCohort(
        format="fhir-ndjson",
        directory=ndjson,
        tables=tables,
        loader_issues=issues,
        files=tuple(sorted(p.name for p in ndjson.glob("*.ndjson"))),
        origin=str(ndjson),
    )


# --- issue 13/12: what the app's own records must not lose on the way (developer ehrfacts) ---
def malformed_rows(result: RunResult) -> dict[str, dict[str, int]]:
    """Every non-zero malformed-row count of a run, per table (`rows` is not one)."""
    found = {
        table: {reason: n for reason, n in counts.items() if reason != "rows" and n}
        for table, counts in result.malformed.items()
    }
    return {table: counts for table, counts in found.items() if counts}


def single_patient_review(records: Iterable[PatientRecord], as_of: date) -> dict[str, bool]:
    """Whether the single-patient answer stops automation (a clinician reviews her first)."""
    return {r.id: assess(r, as_of=as_of).automation.stopped for r in records}


def population_review(result: RunResult) -> dict[str, bool]:
    """For each woman with a population gap: whether her gaps are marked for clinician review."""
    review: dict[str, bool] = {}
    for measure in result.measures.values():
        table = measure.gap_table.to_pylist()
        for row in table:
            pid = row["patient_id"]
            review[pid] = review.get(pid, False) or bool(row["clinician_review"])
    return review
