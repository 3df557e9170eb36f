"""What a relaunch finds new in the EHR's chart: entries bonewise lacks, never ones it holds
(even corrected since), and findings bonewise does not hold as present."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.models import PatientRecord
from bonewise.clinical.record_news import NewEntry, new_entries, new_entries_from, with_entries

TODAY = date(2026, 12, 1)
NORMAL = Path(__file__).resolve().parents[3] / "examples" / "patients" / "normal.json"


def _record(change: dict[str, Any] | None = None) -> PatientRecord:
    data = json.loads(NORMAL.read_text()) | (change or {})
    return PatientRecord.parse(data, today=TODAY)


def test_only_what_bonewise_lacks_is_new_and_adding_it_changes_nothing_kept() -> None:
    kept = _record()
    data = kept.model_dump(mode="json")
    corrected = json.loads(json.dumps(data["dxa_scans"][0]))
    corrected["sites"]["lumbar_spine"]["t_score"] = -0.9  # the EHR's value, corrected in bonewise
    rf = data["risk_factors"] | {"bone_metastases": True, "rheumatoid_arthritis": False}
    source = _record(
        {
            "dxa_scans": [corrected],
            "dxa_procedures": [corrected["date"], "2026-03-01"],
            "fractures": [{"date": "2026-02-10", "site": "hip", "fragility": True}],
            "risk_factors": rf,
        }
    )

    news = new_entries(source, kept)

    assert [(n.section, n.label) for n in news] == [
        ("fractures", "fracture (hip) on 2026-02-10"),
        ("dxa_procedures", "DXA (procedure, no result) on 2026-03-01"),
        ("risk_factors", "on the problem list: bone metastases"),
    ]
    updated = with_entries(kept, [news[0], news[2]], today=TODAY)
    assert updated.dxa_scans == kept.dxa_scans and updated.labs == kept.labs
    assert [f.site for f in updated.fractures] == ["hip"] and updated.dxa_procedures == []
    assert updated.risk_factors.bone_metastases is True
    # Sent again (a second click), nothing is added twice.
    assert new_entries_from(news, updated) == [news[1]]
    assert with_entries(updated, news[:1], today=TODAY) == updated


DENOSUMAB = {"agent": "denosumab", "start_date": "2025-10-01", "doses": ["2025-10-01"]}


def test_a_course_the_ehr_now_ends_is_a_change_to_tick() -> None:
    kept = _record({"bone_therapy": [DENOSUMAB]})
    therapy = kept.model_dump(mode="json")["therapy"]
    source = _record(
        {
            "bone_therapy": [DENOSUMAB | {"end_date": "2026-06-01"}],
            "therapy": therapy | {"end_date": "2026-10-01"},
        }
    )

    news = new_entries(source, kept)

    assert [n.label for n in news] == [
        "changed: aromatase inhibitor anastrozole ended on 2026-10-01",
        "changed: bone-directed therapy denosumab ended on 2026-06-01",
    ]
    # through the page (JSON) and back, as the relaunch page sends the ticked ones
    sent = [NewEntry(**json.loads(json.dumps(n.as_json()))) for n in news]
    updated = with_entries(kept, sent[1:], today=TODAY)
    assert updated.bone_therapy[0].end_date == date(2026, 6, 1)
    assert updated.therapy is not None and updated.therapy.end_date is None  # not ticked
    assert new_entries(source, updated) == news[:1]
    assert with_entries(updated, sent[1:], today=TODAY) == updated  # a second click
    ended = with_entries(updated, sent[:1], today=TODAY)
    assert ended.therapy is not None and ended.therapy.end_date == date(2026, 10, 1)
    assert new_entries(source, ended) == []


def test_a_switched_aromatase_inhibitor_is_a_change_to_tick() -> None:
    kept = _record()
    source = _record({"therapy": {"agent": "letrozole", "start_date": "2026-05-04"}})

    [switch] = new_entries(source, kept)

    assert switch.label == (
        "changed: aromatase inhibitor switched from anastrozole to letrozole on 2026-05-04"
    )
    updated = with_entries(kept, [switch], today=TODAY)
    assert updated.therapy is not None and updated.therapy.agent == "letrozole"
    [earlier] = updated.therapy.switched_from
    assert (earlier.agent, earlier.start_date, earlier.end_date) == (
        "anastrozole",
        date(2025, 9, 15),
        date(2026, 5, 4),
    )
    assert new_entries(source, updated) == []
