"""The vitamin D level to correct before therapy is a site policy (clinical reference s.5):
tagged `policy`, configurable within bounds, and read by every path at once (issue 12)."""

from datetime import date

import pytest

from bonewise import evidence as ev
from bonewise.clinical.assessment import assess
from bonewise.measures.definitions import load_measures
from bonewise.policies import PolicyError, configured, policy

from .builders import AS_OF, record

ENV = "BONEWISE_POLICY_VITAMIN_D_LOW_NG_ML"


def vitamin_d_25() -> list[dict[str, object]]:
    return [{"kind": "25_oh_vitamin_d", "date": "2026-06-01", "value": 25, "unit": "ng/mL"}]


def test_the_default_is_the_cited_evidence_constant_tagged_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert policy("VITAMIN_D_LOW_NG_ML") is ev.VITAMIN_D_LOW_NG_ML
    assert ev.VITAMIN_D_LOW_NG_ML.evidence == "policy"
    assert ev.VITAMIN_D_LOW_NG_ML.value == 20.0
    assert load_measures().parameters["VITAMIN_D_LOW_NG_ML"] is ev.VITAMIN_D_LOW_NG_ML


def test_a_site_at_30_ng_ml_changes_the_alert_the_checks_and_the_measure_together() -> None:
    result = assess(record(labs=vitamin_d_25()), as_of=AS_OF)
    assert "vitamin-d-low" not in {a.id for a in result.alerts}
    with configured(VITAMIN_D_LOW_NG_ML=30):
        result = assess(record(labs=vitamin_d_25()), as_of=AS_OF)
        low = next(a for a in result.alerts if a.id == "vitamin-d-low")
        assert "below 30 ng/mL (75 nmol/L)" in low.text
        assert low.evidence == "policy" and "set by this site" in low.citation
        assert result.monitoring.vitamin_d_recheck_due == date(2026, 12, 1)
        assert load_measures().number("VITAMIN_D_LOW_NG_ML") == 30
        assert policy("VITAMIN_D_LOW_NG_ML").note.endswith("the bonewise default is 20 ng/mL)")
    assert load_measures().number("VITAMIN_D_LOW_NG_ML") == 20


def test_the_environment_sets_it_for_the_site(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "12.5")
    assert policy("VITAMIN_D_LOW_NG_ML").value == 12.5
    assert load_measures().number("VITAMIN_D_LOW_NG_ML") == 12.5


@pytest.mark.parametrize("raw", ["abc", "5", "41", "nan"])
def test_an_unusable_setting_is_refused_in_words(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(ENV, raw)
    with pytest.raises(PolicyError, match=f"{ENV}='{raw}' is not usable: give a number from 10"):
        policy("VITAMIN_D_LOW_NG_ML")


def test_only_named_policies_can_be_set() -> None:
    with pytest.raises(PolicyError, match="HADJI_THERAPY_T is not a site policy"):
        policy("HADJI_THERAPY_T")
