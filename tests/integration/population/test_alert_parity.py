"""Issue 12: the single-patient alerts and the population care gaps are one definition, so every
example patient (on several days) gets the same answers from both paths (DuckDB here; the Spark
cluster runs the same comparison in test_spark_cluster.py)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.calendar import add_months
from bonewise.clinical.models import PatientRecord
from bonewise.population.runner import evaluate
from bonewise.population.sources import StagedCohort
from bonewise.population.store_source import stage_records

from .parity import (
    COMPARED,
    EXAMPLE_DAYS,
    EXAMPLES,
    alert_gaps,
    comparable,
    example_records,
    first_year_loss,
    generated_cohort,
    imported_records,
    malformed_rows,
    population_gaps,
    population_review,
    resources_by_patient,
    single_patient_gaps,
    single_patient_review,
    stage_generated,
    switched_ai,
)


@pytest.fixture(scope="module")
def examples_staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], StagedCohort]:
    """Every example, staged once (all are dated on or before the first day looked at)."""
    records = example_records(EXAMPLE_DAYS[0])
    assert len(records) == len(EXAMPLES)
    return records, stage_records(records, tmp_path_factory.mktemp("examples"))


@pytest.mark.parametrize("as_of", EXAMPLE_DAYS, ids=str)
def test_every_example_gets_the_same_alerts_and_gaps_on_duckdb(
    as_of: date, examples_staged: tuple[list[Any], StagedCohort]
) -> None:
    records, staged = examples_staged
    result = evaluate(staged, engine="duckdb", as_of=as_of)
    alerts = single_patient_gaps(records, as_of)
    assert population_gaps(result, alerts) == alerts
    # hadji-2017 beyond reported T-scores is compared (measure 1.3.0): clinical osteoporosis (a
    # vertebral fracture), and from 2027-03-01 a T-score computed from Lunar BMD
    assert "therapy-gap" in alerts["ex-vertebral-osteopenia"]
    assert ("therapy-gap" in alerts["ex-lunar"]) == (as_of > EXAMPLE_DAYS[0])
    # the app's own records lose nothing on the way: no undated metastasis, smoking or course
    assert malformed_rows(result) == {}
    # a woman the single-patient answer sends to a clinician is never an automated gap
    review = population_review(result)
    stopped = single_patient_review(records, as_of)
    assert review == {pid: stopped[pid] for pid in review}


GENERATED_UNTIL = date(2026, 12, 1)
# the day the cohort is generated to, and one 14 months on: a woman whose last DXA followed a
# BMD loss beyond the LSC is then overdue by 12 months, not yet by 24 (measure 1.2.0)
GENERATED_DAYS = (GENERATED_UNTIL, date(2028, 2, 1))


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, PatientRecord]]:
    """A generated cohort (FHIR NDJSON) and each comparable woman's imported record."""
    directory = tmp_path_factory.mktemp("parity")
    ndjson = generated_cohort(directory, patients=200, seed=12, until=GENERATED_UNTIL)
    by_patient = resources_by_patient(ndjson)
    compared = {pid: rs for pid, rs in by_patient.items() if comparable(rs) is None}
    left_out = Counter(why for rs in by_patient.values() if (why := comparable(rs)) is not None)
    assert len(compared) >= 160, left_out
    # women who switched from one AI to another are compared too (issue 12)
    assert sum(switched_ai(rs) for rs in compared.values()) >= 5
    return ndjson, imported_records(compared, GENERATED_UNTIL)


@pytest.mark.parametrize("as_of", GENERATED_DAYS, ids=str)
def test_a_generated_cohort_gets_the_same_alerts_and_gaps_on_duckdb(
    as_of: date, generated: tuple[Path, dict[str, PatientRecord]], tmp_path: Path
) -> None:
    ndjson, records = generated
    assessed = {pid: assess(record, as_of=as_of) for pid, record in records.items()}
    alerts = {pid: alert_gaps(result) for pid, result in assessed.items()}
    result = evaluate(stage_generated(ndjson, tmp_path / "staged"), engine="duckdb", as_of=as_of)
    found_gaps = population_gaps(result, alerts)
    gaps = {pid: found for pid, found in found_gaps.items() if pid in alerts}
    assert gaps == alerts
    # every measure compared has people in it, so the comparison can fail
    assert all(any(m in found for found in alerts.values()) for m in COMPARED)
    # BMD series with losses beyond the LSC are compared: some women have one, and on the
    # later day the loss alone makes some overdue (their last DXA + 24 months is not past)
    # clinical osteoporosis (a generated hip or vertebral fracture) decides a therapy gap on the
    # later day (her T-score alone would not)
    clinical = {
        pid
        for pid, found in assessed.items()
        if found.guidelines["hadji-2017"].rule_id == "hadji-2017.clinical-osteoporosis"
        and "therapy-gap" in alerts[pid]
    }
    assert clinical or as_of == GENERATED_UNTIL
    losses, by_loss = loss_overdue(assessed.values(), as_of)
    assert len(losses) >= 3
    assert by_loss or as_of == GENERATED_UNTIL


def loss_overdue(assessed: Iterable[Assessment], as_of: date) -> tuple[set[str], set[str]]:
    """Women with a BMD loss beyond the LSC, and those of them whose DXA is overdue only
    because of it (the last DXA + 24 months is not yet past)."""
    losses, by_loss = set(), set()
    for result in assessed:
        if any(a.id == "significant-bmd-loss" for a in result.alerts):
            losses.add(result.patient_id)
            last = result.monitoring.last_dxa
            if "dxa" in result.monitoring.overdue and last and add_months(last, 24) >= as_of:
                by_loss.add(result.patient_id)
    return losses, by_loss


def test_a_significant_first_year_loss_brings_the_next_dxa_to_12_months_in_both_paths(
    tmp_path: Path,
) -> None:
    """Issue 12: her last DXA is 13 months old after a loss beyond the LSC: a dxa-overdue gap
    in both paths (the measure counted 24 months for everyone before 1.2.0). The same woman
    scanned on a Lunar the second time has no comparable baseline: no loss, no gap, in both."""
    from bonewise.clinical.models import PatientRecord

    lost = first_year_loss()
    data = lost.model_dump(mode="json")
    data["dxa_scans"][1]["scanner_make"] = "lunar"
    other_make = PatientRecord.parse({**data, "id": "other-make"}, today=GENERATED_UNTIL)
    records = [lost, other_make]
    alerts = single_patient_gaps(records, GENERATED_UNTIL)
    assert alerts == {"first-year-loss": {"dxa-overdue"}, "other-make": set()}
    result = evaluate(stage_records(records, tmp_path), engine="duckdb", as_of=GENERATED_UNTIL)
    assert population_gaps(result, alerts) == alerts


def test_a_fracture_recorded_as_traumatic_reaches_the_measures_as_such(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from bonewise.clinical.models import PatientRecord

    base = example_records(GENERATED_UNTIL)[0].model_dump(mode="json")
    base["fractures"] = [
        {"date": "2024-02-01", "site": "wrist", "traumatic": True},
        {"date": "2024-03-01", "site": "hip"},
        {"date": "2024-04-01", "site": "rib", "fragility": False},
    ]
    record = PatientRecord.parse(base, today=GENERATED_UNTIL)
    staged = stage_records([record], tmp_path)
    conditions = pq.read_table(staged.tables["conditions"]).to_pylist()
    kinds = sorted(
        (str(row["onset_date"]), row["concept"])
        for row in conditions
        if "fracture" in str(row["concept"])
    )
    assert kinds == [
        ("2024-02-01", "traumatic_fracture"),
        ("2024-03-01", "fracture"),
        ("2024-04-01", "traumatic_fracture"),
    ]


def test_undated_metastases_and_smoking_reach_the_population_run(tmp_path: Path) -> None:
    """bone-metastases.json on 2028-06-01: dxa-overdue, automation stopped. Her metastasis and
    smoking answers carry no date (no provenance): the run keeps both, and a smoker with a
    T-score between the hadji-2017 thresholds (no other factor) is a therapy gap."""
    from bonewise.clinical.models import PatientRecord

    day = date(2028, 6, 1)
    records = {r.id: r for r in example_records(day)}
    mets = records["ex-bone-mets"]
    assert not mets.risk_factors.provenance
    data = records["ex-osteopenia"].model_dump(mode="json")
    smoker = PatientRecord.parse(
        {**data, "id": "smoker", "risk_factors": {**data["risk_factors"], "smoking": "past"}},
        today=day,
    )
    staged = stage_records([mets, smoker, records["ex-osteopenia"]], tmp_path)
    result = evaluate(staged, engine="duckdb", as_of=day)
    assert malformed_rows(result) == {}
    overdue = result.measures["dxa-overdue"]
    assert [pid for pid, _ in overdue.gap_rows if pid == "ex-bone-mets"] == ["ex-bone-mets"]
    assert population_review(result)["ex-bone-mets"] is True
    therapy = {pid for pid, _ in result.measures["therapy-gap"].gap_rows}
    assert "smoker" in therapy and "ex-osteopenia" not in therapy


def test_a_course_given_by_its_doses_alone_is_dated_and_imports_back_unchanged(
    tmp_path: Path,
) -> None:
    from bonewise.fhir.export import export_bundle
    from bonewise.fhir.importer import import_fhir

    day = date(2028, 6, 1)
    record = next(r for r in example_records(day) if r.id == "ex-on-denosumab")
    assert any(c.start_date is None for c in record.bone_therapy)
    back = import_fhir(export_bundle(record), today=day).record
    assert back.model_dump() == record.model_dump()
    result = evaluate(stage_records([record], tmp_path), engine="duckdb", as_of=day)
    assert malformed_rows(result) == {}


def test_premenopausal_women_get_the_same_therapy_gap_in_both_paths(tmp_path: Path) -> None:
    """Issue 12: premenopausal without ovarian suppression, hadji-2017 waits for her status in
    both paths (no therapy-gap); with a GnRH agonist, the suppression recorded with the AI, or
    recorded postmenopausal, the gap stands in both."""
    from bonewise.clinical.models import PatientRecord

    path = next(p for p in EXAMPLES if p.stem == "ai-with-goserelin")
    base = PatientRecord.parse(json.loads(path.read_text(encoding="utf-8")), today=GENERATED_UNTIL)
    data = base.model_dump(mode="json")
    no_gnrh = {**data, "gnrh_agonists": []}
    variants = {
        "with-goserelin": data,
        "without-suppression": no_gnrh,
        "suppression-with-the-ai": {
            **no_gnrh,
            "therapy": {**data["therapy"], "ovarian_suppression": True},
        },
        "postmenopausal": {
            **no_gnrh,
            "patient": {**data["patient"], "menopausal_status": "postmenopausal"},
        },
    }
    records = [
        PatientRecord.parse({**v, "id": name}, today=GENERATED_UNTIL)
        for name, v in variants.items()
    ]
    as_of = date(2027, 9, 30)
    alerts = single_patient_gaps(records, as_of)
    result = evaluate(stage_records(records, tmp_path), engine="duckdb", as_of=as_of)
    assert population_gaps(result, alerts) == alerts
    therapy_gaps = {pid for pid, found in alerts.items() if "therapy-gap" in found}
    assert therapy_gaps == {"with-goserelin", "suppression-with-the-ai", "postmenopausal"}


def test_a_switch_of_ai_reaches_the_population_run_from_the_store(tmp_path: Path) -> None:
    """Issue 12: a stored record keeps the earlier AI (therapy.switched_from); its export gives
    the population run the first AI start, so both paths miss the same baseline DXA."""
    from bonewise.clinical.models import PatientRecord

    data = example_records(GENERATED_UNTIL)[0].model_dump(mode="json")
    data["therapy"] = {
        "agent": "exemestane",
        "start_date": "2025-06-01",
        "switched_from": [
            {"agent": "anastrozole", "start_date": "2022-03-01", "end_date": "2025-05-31"}
        ],
    }
    data["dxa_scans"] = [
        {"date": "2025-05-20", "scanner_make": "hologic", "sites": {"total_hip": {"t_score": -0.5}}}
    ]
    data["dxa_procedures"] = []
    record = PatientRecord.parse({**data, "id": "switched"}, today=GENERATED_UNTIL)
    alerts = single_patient_gaps([record], GENERATED_UNTIL)
    assert "baseline-dxa" in alerts["switched"]
    result = evaluate(stage_records([record], tmp_path), engine="duckdb", as_of=GENERATED_UNTIL)
    assert population_gaps(result, alerts) == alerts


def test_two_risk_factors_without_a_usable_t_score_are_the_same_therapy_gap_in_both_paths(
    tmp_path: Path,
) -> None:
    """Issue 12: hadji-2017 indicates therapy with >= 2 risk factors and no usable T-score (a
    Z-score-only scan, a BMD of a make the core cannot convert): the single-patient alert
    turns amber, and the measure (1.4.0) asks the core for her and counts her too; with one
    risk factor neither path has a gap."""
    from bonewise.clinical.models import PatientRecord

    path = next(p for p in EXAMPLES if p.stem == "normal")
    data = PatientRecord.parse(
        json.loads(path.read_text(encoding="utf-8")), today=GENERATED_UNTIL
    ).model_dump(mode="json")
    scan = data["dxa_scans"][-1]
    z_only = [{**scan, "sites": {"lumbar_spine": {"z_score": -1.0}}}]
    bmd_only = [{**scan, "scanner_make": "other", "sites": {"total_hip": {"bmd_g_cm2": 0.7}}}]
    older_smoker = {
        "patient": {**data["patient"], "birth_date": "1955-05-02"},
        "risk_factors": {**data["risk_factors"], "smoking": "past"},
    }
    variants = {
        "z-only-two-factors": {**data, **older_smoker, "dxa_scans": z_only},
        "bmd-only-two-factors": {**data, **older_smoker, "dxa_scans": bmd_only},
        "z-only-one-factor": {
            **data,
            "risk_factors": older_smoker["risk_factors"],
            "dxa_scans": z_only,
        },
    }
    records = [
        PatientRecord.parse({**v, "id": name}, today=GENERATED_UNTIL)
        for name, v in variants.items()
    ]
    alerts = single_patient_gaps(records, GENERATED_UNTIL)
    result = evaluate(stage_records(records, tmp_path), engine="duckdb", as_of=GENERATED_UNTIL)
    assert population_gaps(result, alerts) == alerts
    therapy_gaps = {pid for pid, found in alerts.items() if "therapy-gap" in found}
    assert therapy_gaps == {"z-only-two-factors", "bmd-only-two-factors"}
