"""Progressive overload within caps, easier weeks, and a step back after pain."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise.exercise.progression import ProgressionError, week_targets

currents = st.one_of(st.none(), st.integers(0, 400))


@given(
    week=st.integers(1, 104),
    current=currents,
    start_low=st.booleans(),
    pain=st.frozensets(st.integers(1, 103)),
)
def test_targets_stay_inside_the_cited_ranges(week, current, start_low, pain):
    t = week_targets(
        week, current_minutes=current, start_low=start_low, pain_weeks={w for w in pain if w < week}
    )
    assert 1 <= t.sets <= 3
    assert 8 <= t.reps <= 12
    assert 5 <= t.effort <= 8
    assert 2 <= t.resistance_days <= 3
    assert 30 <= t.aerobic_minutes <= 150
    if current is None or current >= 150:
        assert t.aerobic_minutes == 150


def volume(t):
    return (t.sets * t.reps, t.effort)


def test_load_grows_week_on_week_up_to_a_cap():
    weeks = [week_targets(w, current_minutes=0, start_low=True) for w in range(1, 40)]
    hard = [t for t in weeks if not t.easier_week]
    assert all(volume(b) >= volume(a) for a, b in itertools.pairwise(hard))
    assert volume(hard[-1]) == (36, 8)  # 3 x 12 at effort 8: the cap
    assert volume(hard[-1]) == volume(hard[-5])
    assert hard[0].sets == 1 and hard[0].effort == 5  # starts low


def test_every_fourth_week_is_easier_than_the_week_before():
    for week in (4, 8, 12, 16):
        easy = week_targets(week, current_minutes=60, start_low=True)
        before = week_targets(week - 1, current_minutes=60, start_low=True)
        assert easy.easier_week
        assert volume(easy) < volume(before) or easy.aerobic_minutes < before.aerobic_minutes
        assert "easier week" in " ".join(easy.notes)


def test_pain_steps_back_the_following_week():
    without = week_targets(7, current_minutes=40, start_low=True)
    with_pain = week_targets(7, current_minutes=40, start_low=True, pain_weeks={6})
    assert with_pain.stepped_back_for_pain
    assert with_pain.level < without.level
    assert with_pain.aerobic_minutes < without.aerobic_minutes
    assert "care team" in " ".join(with_pain.notes)
    # Pain earlier on keeps later weeks below the pain-free path.
    assert week_targets(9, current_minutes=40, start_low=True, pain_weeks={3}).level < (
        week_targets(9, current_minutes=40, start_low=True).level
    )


def test_a_ramp_reports_the_week_it_reaches_the_guideline():
    t = week_targets(1, current_minutes=25, start_low=True)
    assert t.ramp_start_minutes == 30
    reach = t.ramp_reaches_target_in_week
    assert week_targets(reach, current_minutes=25, start_low=True).aerobic_minutes == 150
    assert week_targets(reach - 1, current_minutes=25, start_low=True).aerobic_minutes < 150


@pytest.mark.parametrize(
    ("week", "pain", "message"),
    [(0, (), "week 0 is not allowed"), (3, (3,), "pain week 3"), (3, (0,), "pain week 0")],
)
def test_bad_weeks_are_refused_with_the_value(week, pain, message):
    with pytest.raises(ProgressionError, match=message):
        week_targets(week, current_minutes=None, start_low=False, pain_weeks=pain)
