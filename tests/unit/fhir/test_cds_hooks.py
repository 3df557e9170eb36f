"""The pure CDS Hooks rules: DXA look-back at its threshold, order detection, card shapes."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonewise import evidence as ev
from bonewise.clinical import monitoring
from bonewise.clinical.calendar import add_months
from bonewise.fhir import cds_cards as cds_hooks
from bonewise.measures.windows import repeat_dxa_due

AS_OF = date(2026, 11, 27)
URL = "https://bonewise.example/patients/pt-1/assessment"


def _order(code: str, rid: str = "draft-1") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code}]
        },
    }


def _drafts(*orders: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o} for o in orders],
    }


def _dxa(day: date) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "312681000"}]},
        "performedDateTime": day.isoformat(),
    }


def _cards(
    resources: list[dict[str, Any]], *orders: dict[str, Any], selections: Any = None
) -> list[Any]:
    response = cds_hooks.order_select_cards(
        patient_id="pt-1",
        draft_orders=_drafts(*orders),
        selections=selections,
        resources=resources,
        as_of=AS_OF,
        patient_url=URL,
    )
    return response["cards"]


def test_the_cards_cite_no_figure_of_their_own() -> None:
    """The order card's 24 months is the upper bound of HADJI_REPEAT_DXA_MONTHS, read from
    evidence.py: cds_cards builds no `Cited` of its own."""
    tree = ast.parse(Path(cds_hooks.__file__).read_text())
    built = [  # (its `Source` is the CDS Hooks card's, not evidence.Source)
        f"line {node.lineno}: {ast.unparse(node.func)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) in ("Cited", "ev.Cited", "ev.Source")
    ]
    assert built == []
    assert not [v for v in vars(cds_hooks).values() if isinstance(v, ev.Cited)]


def test_the_order_card_quotes_the_hadji_repeat_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    cited = ev.HADJI_REPEAT_DXA_MONTHS
    monkeypatch.setattr(ev, "HADJI_REPEAT_DXA_MONTHS", dataclasses.replace(cited, value=(6, 36)))
    (card,) = _cards([], _order("199224"))
    assert "No DXA in the last 3 years" in card["summary"]
    assert "in the last 36 months" in card["detail"] and "every 6-36 months" in card["detail"]
    assert cited.citation in card["detail"]
    discovery = cds_hooks.discovery()["services"]
    [order_select] = [s for s in discovery if s["hook"] == "order-select"]
    assert "in the last 36 months" in order_select["description"]


@pytest.mark.parametrize("overdue", [True, False])
def test_the_order_card_is_overdue_by_the_schedules_comparison(
    monkeypatch: pytest.MonkeyPatch, overdue: bool
) -> None:
    """ "Past its date" is monitoring.past_due's answer: the order card reads it as the
    dxa-overdue alert does. The patched answer is the other way round from the calendar."""
    monkeypatch.setattr(monitoring, "past_due", lambda due, as_of: overdue)
    last = add_months(AS_OF, -1 if overdue else -30)
    assert _warns(last, AS_OF) is overdue


def test_dxa_exactly_24_months_ago_counts_as_recent_one_day_more_does_not() -> None:
    boundary = add_months(AS_OF, -24)
    assert _cards([_dxa(boundary)], _order("199224")) == []
    older = date.fromordinal(boundary.toordinal() - 1)
    (card,) = _cards([_dxa(older)], _order("199224"))
    assert card["indicator"] == "warning"
    assert older.isoformat() in card["detail"]


def test_no_dxa_at_all_and_a_future_dated_dxa_both_warn() -> None:
    assert len(_cards([], _order("310261"))) == 1
    assert len(_cards([_dxa(date(2027, 1, 1))], _order("310261"))) == 1


@pytest.mark.parametrize(
    ("code", "warns"),
    [("199224", True), ("200064", True), ("310261", True), ("262485", True), ("10324", False)],
)
def test_only_aromatase_inhibitor_orders_warn(code: str, warns: bool) -> None:
    assert bool(_cards([], _order(code))) is warns


def test_selections_limit_which_draft_orders_count() -> None:
    orders = (_order("10324", "tamoxifen"), _order("199224", "ana"))
    assert _cards([], *orders, selections=["MedicationRequest/tamoxifen"]) == []
    assert len(_cards([], *orders, selections=["MedicationRequest/ana"])) == 1


def test_dxa_dates_read_observations_components_and_procedures() -> None:
    resources = [
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
            "effectiveDateTime": "2024-03-05T10:00:00+01:00",
        },
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "DXA panel"},
            "component": [
                {"code": {"coding": [{"system": "http://loinc.org", "code": "38263-0"}]}}
            ],
            "effectivePeriod": {"start": "2023-01-02"},
        },
        {
            "resourceType": "Observation",
            "status": "entered-in-error",
            "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
            "effectiveDateTime": "2025-01-01",
        },
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
            "effectiveDateTime": "2025-05-05",
        },
        _dxa(date(2022, 7, 8)),
    ]
    assert cds_hooks.dxa_dates(resources) == [date(2022, 7, 8), date(2023, 1, 2), date(2024, 3, 5)]


def test_prefetch_resources_flattens_searchsets_and_ignores_nulls() -> None:
    prefetch = {
        "patient": {"resourceType": "Patient", "id": "p"},
        "observations": {
            "resourceType": "Bundle",
            "entry": [{"resource": {"resourceType": "Observation"}}],
        },
        "conditions": None,
    }
    assert [r["resourceType"] for r in cds_hooks.prefetch_resources(prefetch)] == [
        "Patient",
        "Observation",
    ]


@given(st.text(min_size=1, max_size=400))
def test_summaries_always_fit_the_spec(text: str) -> None:
    summary = cds_hooks._summary(text)
    assert len(summary) < 140
    if len(text) < 140:
        assert summary == text  # short summaries are never cut


def test_discovery_lists_both_services_with_their_hooks() -> None:
    body = cds_hooks.discovery()
    assert [(s["id"], s["hook"]) for s in body["services"]] == [
        ("bonewise-patient-view", "patient-view"),
        ("bonewise-order-select", "order-select"),
    ]


def test_on_aromatase_inhibitor_reads_codes_contained_and_referenced_medications() -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationReference": {"reference": "#m"},
        "contained": [
            {
                "resourceType": "Medication",
                "id": "m",
                "code": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "310261"}
                    ]
                },
            }
        ],
    }
    assert cds_hooks.on_aromatase_inhibitor([statement])
    medication = {
        "resourceType": "Medication",
        "id": "x",
        "code": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "200064"}]
        },
    }
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "medicationReference": {"reference": "Medication/x"},
    }
    assert cds_hooks.on_aromatase_inhibitor([medication, request])
    assert not cds_hooks.on_aromatase_inhibitor(
        [{**request, "status": "entered-in-error"}, medication]
    )
    assert not cds_hooks.on_aromatase_inhibitor([_order("10324")])  # tamoxifen
    assert cds_hooks.on_aromatase_inhibitor([_order("199224")])


def _warns(last_dxa: date, as_of: date) -> bool:
    cards = cds_hooks.order_select_cards(
        patient_id="pt-1",
        draft_orders=_drafts(_order("199224")),
        selections=None,
        resources=[_dxa(last_dxa)],
        as_of=as_of,
        patient_url=URL,
    )["cards"]
    return bool(cards)


def test_the_order_card_and_the_dxa_overdue_alert_read_one_repeat_date() -> None:
    """A DXA on 28 February 2022 is next due on 28 February 2024 (measures.windows): on the
    29th it is overdue for the alert and the measure, so ordering an AI then warns too."""
    assert repeat_dxa_due(date(2022, 2, 28)) == date(2024, 2, 28)
    assert _warns(date(2022, 2, 28), as_of=date(2024, 2, 29))
    assert not _warns(date(2022, 2, 28), as_of=date(2024, 2, 28))


@given(
    last=st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)),
    days_later=st.integers(min_value=0, max_value=1_100),
)
def test_the_order_card_warns_exactly_when_the_repeat_dxa_is_overdue(
    last: date, days_later: int
) -> None:
    as_of = date.fromordinal(last.toordinal() + days_later)
    assert _warns(last, as_of) == (repeat_dxa_due(last) < as_of)
