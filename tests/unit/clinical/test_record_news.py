"""What a relaunch finds new in the EHR's chart: entries bonewise lacks, never ones it holds
(even corrected since), and findings bonewise does not hold as present."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.models import PatientRecord
from bonewise.clinical.record_news import new_entries, new_entries_from, with_entries

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
