"""measures.toml: every measure, every number cited, hadji-2017 thresholds shared with the rule."""

from __future__ import annotations

import pytest

from bonewise import evidence
from bonewise.measures.definitions import (
    MEASURE_IDS,
    MeasureDefinitionError,
    load_measures,
    parse_measures,
)


def test_the_shipped_set_defines_the_five_measures_in_ecqm_terms() -> None:
    ms = load_measures()
    assert tuple(m.id for m in ms.measures) == MEASURE_IDS
    assert "died before D" in ms.exclusions
    for m in ms.measures:
        assert m.version and m.denominator and m.numerator and m.index_date and m.window
        assert m.action.startswith("Ask her team")
        for name in m.parameters:
            assert name in m.denominator + m.numerator or name in ms.parameters


def test_every_parameter_carries_a_source_and_an_evidence_tag() -> None:
    for name, cited in load_measures().parameters.items():
        assert cited.source.citation, name
        assert cited.evidence in ("confirmed", "secondary", "unconfirmed", "policy"), name


def test_hadji_thresholds_are_the_clinical_rules_own_constants() -> None:
    p = load_measures().parameters
    assert p["THERAPY_T"] is evidence.HADJI_THERAPY_T
    assert p["RISK_T"] is evidence.HADJI_RISK_T
    assert p["RISK_AGE_OVER"] is evidence.HADJI_RISK_AGE_OVER
    assert p["RISK_BMI_UNDER"] is evidence.HADJI_RISK_BMI_UNDER
    assert p["RISK_FRACTURE_AGE"] is evidence.HADJI_RISK_FRACTURE_AGE
    assert p["VITAMIN_D_LOW_NG_ML"] is evidence.VITAMIN_D_LOW_NG_ML
    assert p["DXA_REPEAT_MONTHS"].value == evidence.HADJI_REPEAT_DXA_MONTHS.value[1]


def test_the_windows_are_the_ones_the_issue_defines() -> None:
    n = load_measures().number
    assert (n("BASELINE_DXA_BEFORE_MONTHS"), n("BASELINE_DXA_AFTER_MONTHS")) == (24, 3)
    assert n("DXA_REPEAT_MONTHS") == 24
    assert (n("THERAPY_DECISION_MONTHS"), n("THERAPY_LOOKBACK_MONTHS")) == (6, 12)
    # denosumab: next dose 6 months after the last, lapsed 4 weeks after that (Lyu 2020)
    p = load_measures().parameters
    assert p["DENOSUMAB_INTERVAL_MONTHS"] is evidence.DENOSUMAB_INTERVAL_MONTHS
    assert p["DENOSUMAB_ON_TIME_WEEKS"] is evidence.DENOSUMAB_ON_TIME_WEEKS
    assert (n("DENOSUMAB_INTERVAL_MONTHS"), n("DENOSUMAB_ON_TIME_WEEKS")) == (6, 4)
    assert p["DENOSUMAB_ON_TIME_WEEKS"].source.key == "lyu-2020"
    assert n("VITAMIN_D_RECHECK_MONTHS") == 6


_MINIMAL = """
measure_set = "x"
version = "0"
title = "t"
initial_population = "ip"
exclusions = "ex"
[parameters.A]
value = 1
source = "{source}"
evidence = "{evidence}"
"""


@pytest.mark.parametrize(
    ("source", "tag", "message"),
    [("nowhere", "policy", "source 'nowhere' unknown"), ("hadji-2017", "sure", "evidence 'sure'")],
)
def test_a_bad_definition_names_the_entry_and_what_is_allowed(
    source: str, tag: str, message: str
) -> None:
    text = _MINIMAL.format(source=source, evidence=tag) + "[[measure]]\n"
    with pytest.raises(MeasureDefinitionError, match=message):
        parse_measures(text)
