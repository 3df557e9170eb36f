"""The clinician panel's urgency order (pure)."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bonewise.services.panel import PanelRow, sort_by_urgency

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
