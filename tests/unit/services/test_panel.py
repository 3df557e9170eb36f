"""The clinician panel's urgency order (pure)."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bonewise.clinical.assessment import Assessment, assess
from bonewise.services.panel import PanelRow, panel_row, sort_by_urgency
from tests.unit.services.conftest import example

AS_OF = date(2026, 12, 1)

SEVERITIES = st.sampled_from(["info", "warning", "critical"])


@st.composite
def rows(draw: st.DrawFn) -> PanelRow:
    alerts = draw(st.lists(SEVERITIES, max_size=3))
    return PanelRow(
        patient_id=draw(st.text("abcdef", min_size=1, max_size=6)),
        name=draw(st.text("abcdefgh ", min_size=1, max_size=10)),
        age=70,
        agent="anastrozole",
        who_category=None,
        lowest_t=None,
        alerts=[(f"a{i}", s, "text") for i, s in enumerate(alerts)],
        therapy_gap=draw(st.booleans()),
        dxa_overdue=draw(st.booleans()),
        next_dxa_due=date(2027, 1, 1),
        automation_stopped=draw(st.booleans()),
        data_gaps=draw(st.integers(0, 3)),
    )


@given(st.lists(rows(), max_size=12))
def test_stopped_automation_then_critical_alerts_then_therapy_gaps_come_first(
    panel: list[PanelRow],
) -> None:
    ordered = sort_by_urgency(panel)
    assert sorted(ordered, key=id) == sorted(panel, key=id)  # nobody dropped or duplicated
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.urgency >= later.urgency
        if later.automation_stopped:
            assert earlier.automation_stopped


def test_a_therapy_gap_outranks_an_overdue_scan() -> None:
    base = dict(
        age=70,
        agent=None,
        who_category=None,
        lowest_t=None,
        alerts=[],
        next_dxa_due=None,
        automation_stopped=False,
        data_gaps=0,
    )
    gap = PanelRow("p1", "Zoe", therapy_gap=True, dxa_overdue=False, **base)  # type: ignore[arg-type]
    overdue = PanelRow("p2", "Amy", therapy_gap=False, dxa_overdue=True, **base)  # type: ignore[arg-type]
    assert [r.name for r in sort_by_urgency([overdue, gap])] == ["Zoe", "Amy"]


def _row(name: str) -> tuple[PanelRow, Assessment]:
    record = example(name, patient_id=name)
    assessment = assess(record, as_of=AS_OF)
    return panel_row(record, assessment, name=name), assessment


def test_a_woman_on_therapy_is_not_listed_as_therapy_recommended() -> None:
    row, assessment = _row("on-denosumab")
    assert assessment.bone_therapy.status == "active"
    assert not row.therapy_gap
    assert not any("to consider" in why for why in row.reasons)
    due = assessment.bone_therapy.next_dose_due
    assert due is not None
    assert row.bone_therapy == "active"
    assert row.bone_therapy_words == f"on denosumab, next dose due {due.isoformat()}"


def test_an_overdue_dose_is_said_on_the_row_and_is_no_therapy_gap() -> None:
    row, assessment = _row("zoledronic-acid-overdue")
    assert assessment.bone_therapy.status == "overdue"
    assert not row.therapy_gap
    due = assessment.bone_therapy.next_dose_due
    assert due is not None
    words = f"zoledronic acid overdue: next dose was due {due.isoformat()}"
    assert row.bone_therapy_words == words and words in row.reasons


def test_without_therapy_a_recommendation_is_a_therapy_gap() -> None:
    row, assessment = _row("osteopenia-with-risk-factors")
    assert assessment.bone_therapy.status == "none"
    assert row.therapy_gap and row.bone_therapy_words is None
    assert any("bone-directed therapy to consider" in why for why in row.reasons)


def test_seed_tiers_alone_never_make_a_therapy_gap() -> None:
    """osteopenia-no-risk-factors: hadji and asco say not indicated, only seed-tiers (patient
    education) says "consider": no therapy gap and no "therapy to consider" reason."""
    record = example("osteopenia-no-risk-factors", patient_id="p-seed")
    assessment = assess(record, as_of=AS_OF)
    assert assessment.guidelines["seed-tiers"].bone_directed_therapy is True
    assert assessment.therapy_indicated_by == []
    row = panel_row(record, assessment, name="Ex")
    assert not row.therapy_gap
    assert not any("therapy to consider" in reason for reason in row.reasons)
