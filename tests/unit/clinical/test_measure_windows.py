"""The measures' windows (measures.windows) as the single-patient alerts read them (issue 12)."""

from datetime import date

import pytest

from bonewise import evidence as ev
from bonewise.clinical.assessment import assess
from bonewise.measures.definitions import load_measures
from bonewise.measures.windows import (
    baseline_dxa_due_by,
    denosumab_lapse_after,
    denosumab_next_due,
    therapy_decision_due,
    therapy_lookback_start,
)

from .builders import AS_OF, record


def alerts(result):
    return {a.id: a for a in result.alerts}


def test_denosumab_window_is_six_months_and_four_weeks_from_the_cited_constants() -> None:
    assert denosumab_next_due(date(2026, 4, 1)) == date(2026, 10, 1)
    assert denosumab_lapse_after(date(2026, 4, 1)) == date(2026, 10, 29)
    # 31 August + 6 months clamps to February's end before the 4 weeks are added
    assert denosumab_lapse_after(date(2025, 8, 31)) == date(2026, 3, 28)
    ms = load_measures()
    assert ms.parameters["DENOSUMAB_ON_TIME_WEEKS"] is ev.DENOSUMAB_ON_TIME_WEEKS
    assert ms.parameters["DENOSUMAB_INTERVAL_MONTHS"] is ev.DENOSUMAB_INTERVAL_MONTHS


def test_a_dose_of_another_antiresorptive_after_the_last_denosumab_ends_the_lapse() -> None:
    # the alendronate course began before the last denosumab dose; its refill came after it
    therapies = [
        {"agent": "denosumab", "doses": ["2025-10-01", "2026-01-10"]},
        {"agent": "alendronate", "doses": ["2025-07-01", "2026-02-01"]},
    ]
    result = assess(record(bone_therapy=therapies), as_of=AS_OF)
    assert "denosumab-lapse" not in alerts(result)


def test_a_course_started_before_the_last_dose_with_nothing_after_is_no_switch() -> None:
    therapies = [
        {"agent": "denosumab", "doses": ["2025-10-01", "2026-01-10"]},
        {"agent": "alendronate", "start_date": "2025-06-01", "doses": ["2025-07-01"]},
    ]
    result = assess(record(bone_therapy=therapies), as_of=AS_OF)
    assert "denosumab-lapse" in alerts(result)


@pytest.mark.parametrize(("days_after", "severity"), [(0, "info"), (1, "critical")])
def test_baseline_dxa_is_due_by_start_plus_3_months_and_red_the_day_after(
    days_after: int, severity: str
) -> None:
    due_by = baseline_dxa_due_by(date(2025, 6, 1))
    assert due_by == date(2025, 9, 1)
    as_of = date.fromordinal(due_by.toordinal() + days_after)
    result = assess(record(dxa_scans=[]), as_of=as_of)
    assert alerts(result)["no-baseline-dxa"].severity == severity


def test_a_z_score_only_scan_is_a_baseline_dxa() -> None:
    z_only = {
        "date": "2025-05-20",
        "scanner_make": "hologic",
        "sites": {"lumbar_spine": {"z_score": -0.8}, "total_hip": {"z_score": -0.4}},
    }
    result = assess(record(dxa_scans=[z_only]), as_of=AS_OF)
    assert "no-baseline-dxa" not in alerts(result)
    assert result.monitoring.last_dxa == date(2025, 5, 20)


def test_after_the_ai_ended_neither_baseline_nor_overdue_dxa_applies() -> None:
    ended = {"agent": "anastrozole", "start_date": "2020-01-01", "end_date": "2025-01-01"}
    result = assess(record(therapy=ended, dxa_scans=[]), as_of=AS_OF)
    assert {"no-baseline-dxa", "dxa-overdue"}.isdisjoint(alerts(result))


def test_a_dxa_procedure_without_results_is_a_dxa_for_the_windows_not_for_decisions() -> None:
    result = assess(record(dxa_scans=[], dxa_procedures=["2025-05-20"]), as_of=AS_OF)
    assert "no-baseline-dxa" not in alerts(result)
    assert result.monitoring.last_dxa == date(2025, 5, 20)
    assert result.monitoring.next_dxa_due == date(2027, 5, 20)
    assert result.who_category is None  # no T-score: nothing decided from it
    overdue = assess(record(dxa_scans=[], dxa_procedures=["2024-05-20"]), as_of=AS_OF)
    assert "the last scan was 2024-05-20" in alerts(overdue)["dxa-overdue"].text


def test_a_dxa_procedure_survives_the_fhir_export_and_import() -> None:
    from bonewise.fhir.export import record_entries
    from bonewise.fhir.importer import import_fhir

    original = record(dxa_procedures=["2024-05-20"])
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": record_entries(original)}
    imported = import_fhir(bundle, today=AS_OF)
    assert imported.record.dxa_procedures == [date(2024, 5, 20)]
    assert any("kept as a DXA done on that day" in i.message for i in imported.report.issues)


LOW_T_SCAN = {
    "date": "2026-01-10",
    "scanner_make": "hologic",
    "sites": {"lumbar_spine": {"t_score": -2.4}, "total_hip": {"t_score": -1.9}},
}


@pytest.mark.parametrize(("days_after", "severity"), [(0, "info"), (1, "warning")])
def test_therapy_indicated_on_a_dxa_is_due_by_6_months_then_a_gap(
    days_after: int, severity: str
) -> None:
    """Issue 12: the single-patient path and the therapy-gap measure read one window (the
    decision is due by Q + THERAPY_DECISION_MONTHS, a gap the day after), not "at once"."""
    due_by = therapy_decision_due(date(2026, 1, 10))
    assert due_by == date(2026, 7, 10)
    as_of = date.fromordinal(due_by.toordinal() + days_after)
    result = assess(record(dxa_scans=[LOW_T_SCAN]), as_of=as_of)
    gap = alerts(result)["therapy-gap"]
    assert gap.severity == severity
    assert "2026-07-10" in gap.text and "hadji-2017" in gap.text
    ms = load_measures()
    assert ms.parameters["THERAPY_DECISION_MONTHS"] is ev.THERAPY_DECISION_MONTHS
    assert ms.parameters["THERAPY_LOOKBACK_MONTHS"] is ev.THERAPY_LOOKBACK_MONTHS


@pytest.mark.parametrize(
    ("course", "pending"),
    [
        # given in the 12 months before the DXA (a zoledronic acid infusion): counts
        ({"agent": "zoledronic_acid", "doses": ["2025-03-01"], "end_date": "2025-03-01"}, False),
        # ended more than 12 months before that DXA: does not count
        ({"agent": "alendronate", "start_date": "2023-01-01", "end_date": "2024-12-31"}, True),
        # still active: counts
        ({"agent": "alendronate", "start_date": "2026-03-01"}, False),
    ],
)
def test_therapy_given_or_active_from_12_months_before_the_dxa_closes_the_gap(
    course: dict[str, object], pending: bool
) -> None:
    result = assess(record(dxa_scans=[LOW_T_SCAN], bone_therapy=[course]), as_of=AS_OF)
    assert ("therapy-gap" in alerts(result)) is pending
    assert therapy_lookback_start(date(2026, 1, 10)) == date(2025, 1, 10)


def test_no_therapy_gap_where_hadji_2017_does_not_decide() -> None:
    mets = record(dxa_scans=[LOW_T_SCAN], risk_factors={"bone_metastases": True})
    premenopausal = record(dxa_scans=[LOW_T_SCAN], patient={"menopausal_status": "premenopausal"})
    ended = record(
        dxa_scans=[LOW_T_SCAN],
        therapy={"agent": "anastrozole", "start_date": "2020-01-01", "end_date": "2026-02-01"},
    )
    for r in (mets, premenopausal, ended):
        assert "therapy-gap" not in alerts(assess(r, as_of=AS_OF))


def test_doses_given_before_the_lookback_do_not_close_the_gap() -> None:
    """Each dose is a day (as the measure reads an administration): infusions that stopped
    more than 12 months before the indicating DXA are no therapy for it."""
    course = {"agent": "zoledronic_acid", "doses": ["2024-06-01", "2024-12-01"]}
    result = assess(record(dxa_scans=[LOW_T_SCAN], bone_therapy=[course]), as_of=AS_OF)
    assert "therapy-gap" in alerts(result)


def test_after_a_switch_of_ai_the_baseline_dxa_is_timed_from_the_first_ai_start() -> None:
    """Issue 12: bone loss starts with the first AI; a switch (e.g. for side effects) continues
    AI therapy, so a scan around the second AI's start is no baseline for the first."""
    therapy = {
        "agent": "exemestane",
        "start_date": "2025-06-01",
        "switched_from": [
            {"agent": "anastrozole", "start_date": "2022-03-01", "end_date": "2025-05-31"}
        ],
    }
    around_the_switch = [
        {"date": "2025-05-20", "scanner_make": "hologic", "sites": {"total_hip": {"t_score": -0.5}}}
    ]
    result = assess(record(therapy=therapy, dxa_scans=around_the_switch), as_of=AS_OF)
    baseline = alerts(result)["no-baseline-dxa"]
    assert baseline.severity == "critical"
    assert "anastrozole start (2022-03-01)" in baseline.text
    around_the_first = [{**around_the_switch[0], "date": "2022-02-01"}]
    result = assess(record(therapy=therapy, dxa_scans=around_the_first), as_of=AS_OF)
    assert "no-baseline-dxa" not in alerts(result)
