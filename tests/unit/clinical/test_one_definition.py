"""A number quoted in two places is defined once: change the one definition and every quote
follows (the one-definition audit)."""

from __future__ import annotations

import ast
import dataclasses
import re
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest

from bonewise import evidence as ev
from bonewise.clinical import densitometry, monitoring, safety
from bonewise.clinical.assessment import assess
from bonewise.clinical.bone_therapy import therapy_status
from bonewise.clinical.facts import Facts, derive_facts
from bonewise.clinical.models import ANTIRESORPTIVES, AromataseInhibitor, BoneAgent, Fracture
from bonewise.exercise.guidance import AEROBIC_MINUTES_PER_WEEK
from bonewise.exercise.planner import RULES
from bonewise.exercise.safety import safety_profile
from bonewise.measures import windows
from bonewise.population import rules, schema
from bonewise.render.clinician import build_clinician_report
from bonewise.render.patient import doing_well, fragility_fracture
from bonewise.terminology import codes
from bonewise.web import learn_facts

from .builders import AS_OF, record, scan


def _seed_tier_text() -> str:
    result = assess(record(dxa_scans=[scan(femoral_neck=-1.3)]), as_of=AS_OF)
    [tier] = [r for r in result.recommendations if r.rule_id == "seed-tiers.osteopenia"]
    return tier.text


def test_the_arbi_figures_are_evidence_constants_the_learn_pages_share() -> None:
    for name in (
        "ARBI_WOMEN",
        "ARBI_MODERATE_SPINE_WITH_RISEDRONATE",
        "ARBI_MODERATE_SPINE_WITHOUT",
        "ARBI_MODERATE_HIP_WITH_RISEDRONATE",
        "ARBI_MODERATE_HIP_WITHOUT",
        "ARBI_HIGH_SPINE_WITH_RISEDRONATE",
        "KWAN_2021",
        "KWAN_WOMEN",
        "KWAN_AEROBIC_MINUTES",
        "KWAN_EXPOSURE_MONTHS",
        "KWAN_FRACTURE_HR",
    ):
        assert getattr(learn_facts, name) is getattr(ev, name)
    quoted = "+5.7% vs -1.5% at 24 months"
    assert ev.arbi_moderate_spine_change() == quoted
    assert quoted in _seed_tier_text() and quoted in ev.SEED_TIER_PLAN.value


def test_the_learn_pages_cite_no_figure_of_their_own() -> None:
    """Every study figure the Learn pages quote is a `Cited` value in evidence.py: learn_facts
    only gathers them (it builds no `Cited` and no `Source`)."""
    tree = ast.parse(Path(learn_facts.__file__).read_text())
    built = [
        f"line {node.lineno}: {node.func.id}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("Cited", "Source")
    ]
    assert built == []
    assert all(
        fact is getattr(ev, name)
        for name, fact in vars(learn_facts).items()
        if isinstance(fact, ev.Cited)
    )


def test_the_seed_tier_quotes_arbi_from_its_one_definition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_it = ev.ARBI_MODERATE_SPINE_WITH_RISEDRONATE
    monkeypatch.setattr(
        ev, "ARBI_MODERATE_SPINE_WITH_RISEDRONATE", dataclasses.replace(with_it, value=9.9)
    )
    assert "(+9.9% vs -1.5% at 24 months)" in _seed_tier_text()


# Conversion factors written as numbers: each belongs in bonewise/units.py alone.
UNIT_FACTORS = ("2.496", "4.008", "0.45359237")


def test_unit_conversion_factors_are_written_only_in_units() -> None:
    package = Path(ev.__file__).parent
    found = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        if path.name != "units.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if any(factor in line for factor in UNIT_FACTORS)
    ]
    assert found == []


@pytest.mark.parametrize("site_low", [None, "30"])
@pytest.mark.parametrize(
    "results",
    [
        [(19.9, "ng/mL")],
        [(20.0, "ng/mL")],
        [(49.9, "nmol/L")],
        [(50.0, "nmol/L")],
        [(29.95, "ng/mL")],
        [(32.0, "ng/mL"), (15.0, "ng/mL")],  # one day: the lowest decides
    ],
)
def test_her_report_calls_vitamin_d_adequate_exactly_when_the_core_does_not_call_it_low(
    monkeypatch: pytest.MonkeyPatch, results: list[tuple[float, str]], site_low: str | None
) -> None:
    if site_low is not None:
        monkeypatch.setenv("BONEWISE_POLICY_VITAMIN_D_LOW_NG_ML", site_low)
    labs = [
        {"kind": "25_oh_vitamin_d", "date": "2026-01-10", "value": value, "unit": unit}
        for value, unit in results
    ]
    her = record(labs=labs)
    result = assess(her, as_of=AS_OF)
    low = "vitamin-d-low" in {alert.id for alert in result.alerts}
    adequate = any("vitamin D blood test" in line for line in doing_well(her, result, None, None))
    assert adequate is not low


def test_no_template_types_the_weekly_aerobic_target() -> None:
    """The pages print the week's target from the plan (`aerobic_target`), never a typed 150."""
    package = Path(ev.__file__).parent
    typed = re.compile(rf"(?<![\w.]){AEROBIC_MINUTES_PER_WEEK.value}(?![\w.])")
    found = [
        f"{path.relative_to(package)}:{n}"
        for folder in ("web/templates", "render/templates")
        for path in (package / folder).rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if typed.search(re.sub(r"{{.*?}}|{%.*?%}", "", line))
    ]
    assert found == []


def test_no_cli_text_types_the_weekly_aerobic_target() -> None:
    """The CLI's help and output say the week's target from its Cited value, never a typed 150."""
    package = Path(ev.__file__).parent
    typed = re.compile(rf"(?<![\w.]){AEROBIC_MINUTES_PER_WEEK.value}(?![\w.])")
    found = [
        f"{path.relative_to(package)}:{node.lineno}"
        for path in sorted((package / "cli").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and typed.search(node.value)
    ]
    assert found == []


def test_every_number_a_plan_rule_states_is_its_cited_value() -> None:
    """The exercise plan's rules say their numbers in words; the words follow the constant."""
    for rule in RULES.values():
        stated = [int(n) for n in re.findall(r"\d+", rule.text)]
        value = rule.cited.value
        if not stated or isinstance(value, bool):
            continue
        cited = list(value) if isinstance(value, tuple) else [value]
        if rule.id.endswith("-effort"):
            stated = stated[:2]  # "effort 5-8 on a 0-10 scale": the scale is not the rule
        assert stated == cited, (rule.id, rule.text, value)


def test_the_renal_checks_quote_the_4_mg_regimens_cited_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cited = ev.ZOLEDRONIC_4MG_REDUCED_CRCL_ML_MIN
    assert cited.value == (30.0, 60.0) and cited.evidence == "unconfirmed"
    monkeypatch.setattr(
        ev, "ZOLEDRONIC_4MG_REDUCED_CRCL_ML_MIN", dataclasses.replace(cited, value=(25.0, 55.0))
    )
    result = assess(record(dxa_scans=[scan(femoral_neck=-2.6)]), as_of=AS_OF)
    renal = [c for c in result.safety_checks if "renal" in c.id]
    assert renal, [c.id for c in result.safety_checks]
    for check in renal:
        assert "25-55 mL/min" in check.text and "30-60" not in check.text


def test_the_population_and_the_codes_name_the_cores_agents() -> None:
    """What is an aromatase inhibitor, and which medicines end a denosumab lapse: the core's
    answer (clinical.models), read by the population's vocabulary and the local drug codes."""
    ais, bone = get_args(AromataseInhibitor), get_args(BoneAgent)
    assert set(ANTIRESORPTIVES) == set(bone)
    assert ais == schema.AROMATASE_INHIBITORS
    assert schema.BONE_DIRECTED_THERAPIES == ANTIRESORPTIVES
    assert set(rules.OTHER_ANTIRESORPTIVES) == set(ANTIRESORPTIVES) - {"denosumab"}
    assert [c.agent for c in codes.LOCAL_DRUG_CODES] == [*ais, *ANTIRESORPTIVES]


@pytest.mark.parametrize(
    "fracture, fragility",
    [
        ({"date": "2025-03-01", "site": "wrist"}, True),  # at 58, mechanism not recorded
        ({"date": "2025-03-01", "site": "wrist", "traumatic": True}, False),
        ({"date": "2010-03-01", "site": "wrist"}, False),  # at 43, not recorded as fragility
        ({"date": "2010-03-01", "site": "wrist", "fragility": True}, True),
        ({"date": "2025-03-01", "site": "vertebra (T12)", "traumatic": True}, False),
        ({"date": "2025-03-01", "site": "vertebra (T12)"}, True),
    ],
)
def test_her_report_and_the_clinicians_see_the_cores_fragility_fractures(
    fracture: dict[str, object], fragility: bool
) -> None:
    her = record(fractures=[fracture])
    result = assess(her, as_of=AS_OF)
    assert bool(derive_facts(her, as_of=AS_OF).fragility_fractures) is fragility
    assert fragility_fracture(her, result) is fragility
    shown = build_clinician_report(record=her, assessment=result).fractures
    assert ("(fragility)" in shown) is fragility


@pytest.mark.parametrize("ng_ml, verdict", [(30.0, True), (15.0, False)])
def test_every_vitamin_d_verdict_in_the_core_reads_its_one_comparison(
    monkeypatch: pytest.MonkeyPatch, ng_ml: float, verdict: bool
) -> None:
    """The alert, the pre-therapy check, the on-therapy check and the recheck schedule read
    safety.vitamin_d_low: turn its answer around and all four follow (none compares again)."""
    monkeypatch.setattr(safety, "vitamin_d_low", lambda value: verdict)
    labs = [{"kind": "25_oh_vitamin_d", "date": "2026-10-01", "value": ng_ml, "unit": "ng/mL"}]
    low_bone = [scan(femoral_neck=-2.6)]
    before = assess(record(labs=labs, dxa_scans=low_bone), as_of=AS_OF)
    [pre_therapy] = [c for c in before.safety_checks if c.id == "safety.vitamin-d"]
    denosumab = [{"agent": "denosumab", "doses": ["2026-09-01"]}]
    on = assess(record(labs=labs, dxa_scans=low_bone, bone_therapy=denosumab), as_of=AS_OF)
    [on_therapy] = [c for c in on.safety_checks if c.id == "safety.on-therapy.calcium-vitamin-d"]
    answers = {
        "alert": "vitamin-d-low" in {a.id for a in before.alerts},
        "pre-therapy check": "correct it before starting" in pre_therapy.text,
        "on-therapy check": "correct it" in on_therapy.text,
        "recheck": before.monitoring.vitamin_d_recheck_due is not None,
    }
    assert answers == dict.fromkeys(answers, verdict)


def test_the_denosumab_dose_is_due_and_late_by_the_lapse_measures_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When her next denosumab is due and when it is late: measures.windows answers; her
    therapy status and the lapse alert read it (no second "last dose + 6 months + 4 weeks")."""
    monkeypatch.setattr(windows, "denosumab_next_due", lambda last: last + timedelta(days=100))
    monkeypatch.setattr(windows, "denosumab_lapse_after", lambda last: last + timedelta(days=110))
    last = date(2026, 6, 1)
    her = record(bone_therapy=[{"agent": "denosumab", "doses": [last.isoformat()]}])
    status = therapy_status(her, as_of=AS_OF)
    assert (status.next_dose_due, status.overdue_after, status.status) == (
        last + timedelta(days=100),
        last + timedelta(days=110),
        "overdue",
    )
    lapse = safety.denosumab_lapse(derive_facts(her, as_of=AS_OF))
    assert lapse is not None
    assert (lapse.next_due, lapse.lapsed_after) == (status.next_dose_due, status.overdue_after)


@pytest.mark.parametrize(
    "z, verdict",
    [  # each the other way round from ISCD's Z <= -2.0, so a second comparison shows
        (-1.0, "below the expected range for age"),
        (-2.5, "within the expected range for age"),
    ],
)
def test_the_premenopausal_note_reads_the_cores_z_score_interpretation(
    monkeypatch: pytest.MonkeyPatch, z: float, verdict: densitometry.ZInterpretation
) -> None:
    """Z below the expected range for age is densitometry.z_score_interpretation's answer; the
    premenopausal note and the Z-scores shown with it read it, never comparing Z again."""
    monkeypatch.setattr(densitometry, "z_score_interpretation", lambda z: verdict)
    sites = {"lumbar_spine": {"t_score": -1.0, "z_score": z}}
    premenopausal = record(
        patient={"birth_date": "1986-06-01", "menopausal_status": "premenopausal"},
        dxa_scans=[{"date": "2026-05-20", "scanner_make": "hologic", "sites": sites}],
    )
    result = assess(premenopausal, as_of=AS_OF)
    assert [z.interpretation for z in result.z_scores] == [verdict]
    [note] = [r for r in result.recommendations if r.id == "densitometry.premenopausal"]
    assert ("Z-score below the expected range for age" in note.text) is verdict.startswith("below")


@pytest.mark.parametrize("answer", [True, False])
def test_the_exercise_plan_reads_the_cores_vertebral_fracture(
    monkeypatch: pytest.MonkeyPatch, answer: bool
) -> None:
    """Has she a vertebral fracture: the core's fact (declared, or one on record by her day);
    the exercise plan's spine-sparing reads it. The patched answer is the other way round from
    her record, so a second reckoning shows."""
    monkeypatch.setattr(Facts, "vertebral_fracture", property(lambda facts: answer))
    fractures = [] if answer else [{"date": "2019-03-01", "site": "vertebra (T12)"}]
    profile = safety_profile(record(fractures=fractures), as_of=AS_OF)
    assert profile.vertebral_fracture is answer


@pytest.mark.parametrize(
    "ai_start, dxa_day, verdict",
    [  # each the other way round from the calendar, so a second comparison shows
        ("2026-10-01", "2026-10-01", True),
        ("2025-06-01", "2025-05-20", False),
    ],
)
def test_the_baseline_dxa_and_the_therapy_decision_are_late_by_the_schedules_comparison(
    monkeypatch: pytest.MonkeyPatch, ai_start: str, dxa_day: str, verdict: bool
) -> None:
    """ "Past its date" is monitoring.past_due's answer: the no-baseline-DXA alert and the
    therapy gap read it as the schedule's overdue list does."""
    monkeypatch.setattr(monitoring, "past_due", lambda due, as_of: verdict)
    therapy = {"agent": "anastrozole", "start_date": ai_start}
    no_dxa = assess(record(therapy=therapy, dxa_scans=[]), as_of=AS_OF)
    [baseline] = [a for a in no_dxa.alerts if a.id == "no-baseline-dxa"]
    assert (baseline.severity == "critical") is verdict
    low = assess(record(therapy=therapy, dxa_scans=[scan(dxa_day, femoral_neck=-2.6)]), as_of=AS_OF)
    [gap] = [a for a in low.alerts if a.id == "therapy-gap"]
    assert (gap.severity == "warning") is verdict


@pytest.mark.parametrize("day, after_50", [("2026-02-28", False), ("2026-03-01", True)])
def test_a_fracture_at_50_is_reckoned_in_completed_years_everywhere(
    day: str, after_50: bool
) -> None:
    """Born 29 February 1976: 50 on 1 March 2026. The hadji-2017 risk factor counts a fracture
    at 50 as the fragility rule (models.Fracture) and the population (rules.age_years) do."""
    recorded = record(
        patient={"birth_date": "1976-02-29"},
        fractures=[{"date": day, "site": "wrist", "fragility": True}],
    )
    assert derive_facts(recorded, as_of=AS_OF).fragility_fracture_after_50 is after_50
    unflagged = record(
        patient={"birth_date": "1976-02-29"}, fractures=[{"date": day, "site": "wrist"}]
    )
    [fracture] = unflagged.fractures
    assert fracture.counts_as_fragility(unflagged.patient.birth_date) is after_50


@pytest.mark.parametrize("answer", [True, False])
def test_her_report_reads_the_cores_fragility_fractures(
    monkeypatch: pytest.MonkeyPatch, answer: bool
) -> None:
    """Has she a fragility fracture on record: the core's facts (Facts.fragility_fractures and
    the declared one after 50 as Facts reads it); her report's headline and question read them.
    The patched answer is the other way round from her record, so a second reckoning shows."""
    fracture = [Fracture(date=date(2025, 3, 1), site="wrist", fragility=True)]
    monkeypatch.setattr(Facts, "fragility_fractures", property(lambda facts: fracture * answer))
    monkeypatch.setattr(Facts, "fragility_fracture_after_50", property(lambda facts: answer))
    on_record = [] if answer else [{"date": "2025-03-01", "site": "wrist"}]
    declared = {"prior_fragility_fracture_after_50": not answer}
    her = record(fractures=on_record, risk_factors=declared)
    result = assess(her, as_of=AS_OF)
    assert not result.clinical_osteoporosis.present
    assert fragility_fracture(her, result) is answer


def test_no_web_router_types_the_weekly_aerobic_target() -> None:
    """The web routers' words (docstrings, route summaries, messages) say the week's target
    from its Cited value, never a typed 150. A quoted figure ('150 minutes') is another text's
    words, cited as such."""
    package = Path(ev.__file__).parent
    typed = re.compile(rf"(?<![\w.'\"]){AEROBIC_MINUTES_PER_WEEK.value}(?!\w|\.\d)")
    found = [
        f"{path.relative_to(package)}:{node.lineno}"
        for path in sorted((package / "web" / "routers").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and typed.search(node.value)
    ]
    assert found == []
