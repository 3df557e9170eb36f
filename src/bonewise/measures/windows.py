"""The measures' windows as plain date arithmetic: the one reckoning of each window.

The single-patient alerts (clinical/safety.py, clinical/monitoring.py) and the care-gap oracle
call these; the population run (population/rules.py) applies the same cited parameters to
columns. Every number is a `bonewise.evidence` constant, which measures.toml names with
`from_evidence`, so both paths read one cited value. Pure: no file is read.
"""

from __future__ import annotations

from datetime import date, timedelta

from bonewise import evidence as ev
from bonewise.clinical.calendar import add_months


def denosumab_next_due(last_dose: date) -> date:
    """The next denosumab dose: 6 months after the last (hadji-2017)."""
    return add_months(last_dose, ev.DENOSUMAB_INTERVAL_MONTHS.value)


def denosumab_lapse_after(last_dose: date) -> date:
    """The last day a dose is still on time (Lyu 2020: within 4 weeks of the 6-month date);
    on any later day with no dose and no other antiresorptive, denosumab has lapsed."""
    return denosumab_next_due(last_dose) + timedelta(weeks=ev.DENOSUMAB_ON_TIME_WEEKS.value)


def baseline_dxa_window(ai_start: date) -> tuple[date, date]:
    """A DXA in this window (both ends included) is her baseline DXA."""
    before, after = ev.BASELINE_DXA_WINDOW_MONTHS.value
    return add_months(ai_start, -before), add_months(ai_start, after)


def baseline_dxa_due_by(ai_start: date) -> date:
    """The baseline DXA is due by this day; on any later day without one it is a gap."""
    return baseline_dxa_window(ai_start)[1]


def repeat_dxa_due(last_dxa: date, *, significant_loss: bool = False) -> date:
    """The next DXA: 24 months after the last (hadji-2017's 12-24), 12 after a significant
    first-year loss (hadji-2017's management of T > -1.5 by that loss)."""
    low, high = ev.HADJI_REPEAT_DXA_MONTHS.value
    return add_months(last_dxa, low if significant_loss else high)


def vitamin_d_recheck_due(low_result: date) -> date:
    """A low 25-OH vitamin D is rechecked by this day."""
    return add_months(low_result, ev.VITAMIN_D_RECHECK_MONTHS.value)


def therapy_decision_due(indicating_dxa: date) -> date:
    """Bone-directed therapy indicated on a DXA: the decision is due by this day; on any later
    day with no therapy given or active since `therapy_lookback_start`, it is a therapy gap."""
    return add_months(indicating_dxa, ev.THERAPY_DECISION_MONTHS.value)


def therapy_lookback_start(indicating_dxa: date) -> date:
    """Bone-directed therapy given or active on or after this day counts for that DXA."""
    return add_months(indicating_dxa, -ev.THERAPY_LOOKBACK_MONTHS.value)
