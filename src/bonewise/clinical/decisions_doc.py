"""docs/clinical-decisions.md, generated from the rules themselves.

For each situation: each rule set's output, determinacy and the rule that decided, with the
alerts and the bone-therapy status. `render()` is pure; `scripts/generate_clinical_decisions.py`
writes the file and a test fails when the file is stale.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.models import PatientRecord

AS_OF = date(2026, 11, 27)
DOC_PATH = "docs/clinical-decisions.md"

_NO_RISK_FACTORS: dict[str, Any] = {
    "prior_fragility_fracture_after_50": False,
    "vertebral_fracture": False,
    "parental_hip_fracture": False,
    "oral_glucocorticoids_over_6_months": False,
    "smoking": "never",
    "alcohol_3_or_more_units_per_day": False,
    "rheumatoid_arthritis": False,
    "falls_last_12_months": 0,
    "bone_metastases": False,
}


def _scan(day: str = "2025-05-20", **t_scores: float) -> dict[str, Any]:
    return {
        "date": day,
        "scanner_make": "hologic",
        "sites": {site: {"t_score": value} for site, value in t_scores.items()},
    }


def _base() -> dict[str, Any]:
    """A 60-year-old postmenopausal woman on anastrozole since 2025-06-01, every factor asked."""
    return {
        "id": "situation",
        "patient": {
            "birth_date": "1966-06-01",
            "menopausal_status": "postmenopausal",
            "height": {"value": 165, "unit": "cm"},
            "weight": {"value": 65, "unit": "kg"},
        },
        "therapy": {"agent": "anastrozole", "start_date": "2025-06-01"},
        "dxa_scans": [_scan(lumbar_spine=-0.5, femoral_neck=-0.5, total_hip=-0.5)],
        "risk_factors": dict(_NO_RISK_FACTORS),
        "vertebral_imaging": [{"date": "2025-05-20", "kind": "vfa", "fracture_found": False}],
        "labs": [
            {"kind": "25_oh_vitamin_d", "date": "2025-05-20", "value": 30, "unit": "ng/mL"},
            {"kind": "serum_calcium", "date": "2025-05-20", "value": 9.5, "unit": "mg/dL"},
            {"kind": "creatinine_clearance", "date": "2025-05-20", "value": 80, "unit": "mL/min"},
        ],
    }


def _with(**changes: Any) -> dict[str, Any]:
    data = _base()
    for key, value in changes.items():
        if key in ("risk_factors", "patient") and isinstance(value, dict):
            data[key] = {**data[key], **copy.deepcopy(value)}
        else:
            data[key] = copy.deepcopy(value)
    return data


_OSTEOPENIA = [_scan(femoral_neck=-1.7)]
_ENDED_AI = {"agent": "anastrozole", "start_date": "2018-01-01", "end_date": "2023-01-01"}

SITUATIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Normal BMD, every risk factor asked", _with()),
    ("T -1.7, no risk factor, every factor asked", _with(dxa_scans=_OSTEOPENIA)),
    (
        "T -1.7, family history of hip fracture never asked",
        _with(dxa_scans=_OSTEOPENIA, risk_factors={"parental_hip_fracture": None}),
    ),
    (
        "T -1.7 and a current smoker",
        _with(dxa_scans=_OSTEOPENIA, risk_factors={"smoking": "current"}),
    ),
    ("T -2.2", _with(dxa_scans=[_scan(femoral_neck=-2.2)])),
    ("T -2.7 (osteoporosis)", _with(dxa_scans=[_scan(lumbar_spine=-2.7)])),
    ("No DXA, one risk factor", _with(dxa_scans=[], risk_factors={"smoking": "current"})),
    (
        "No DXA, two risk factors",
        _with(dxa_scans=[], risk_factors={"smoking": "current", "parental_hip_fracture": True}),
    ),
    (
        "T -1.8 with a current FRAX (major osteoporotic 25%)",
        _with(
            dxa_scans=[_scan(femoral_neck=-1.8)],
            frax={"date": "2025-07-01", "major_osteoporotic_pct": 25.0, "hip_pct": 2.0},
        ),
    ),
    (
        "T -1.8 with a FRAX from before the AI start (stale)",
        _with(
            dxa_scans=[_scan(femoral_neck=-1.8)],
            frax={"date": "2025-01-01", "major_osteoporotic_pct": 25.0, "hip_pct": 2.0},
        ),
    ),
    (
        "T -1.2 and a vertebral fracture at 55, mechanism not recorded",
        _with(
            dxa_scans=[_scan(femoral_neck=-1.2)],
            fractures=[{"date": "2021-08-01", "site": "vertebra L1"}],
        ),
    ),
    (
        "T -1.2 and a traumatic hip fracture",
        _with(
            dxa_scans=[_scan(femoral_neck=-1.2)],
            fractures=[{"date": "2021-08-01", "site": "hip", "traumatic": True}],
        ),
    ),
    (
        "T -2.2 on denosumab, on time",
        _with(
            dxa_scans=[_scan(femoral_neck=-2.2)],
            bone_therapy=[{"agent": "denosumab", "doses": ["2026-03-02", "2026-09-01"]}],
        ),
    ),
    (
        "T -2.2 on zoledronic acid 4 mg, overdue",
        _with(
            dxa_scans=[_scan(femoral_neck=-2.2)],
            bone_therapy=[{"agent": "zoledronic_acid", "dose_mg": 4, "doses": ["2025-09-01"]}],
        ),
    ),
    (
        "Denosumab stopped five years ago",
        _with(bone_therapy=[{"agent": "denosumab", "doses": ["2021-03-01", "2021-09-01"]}]),
    ),
    (
        "Bone metastases, T -3.0",
        _with(dxa_scans=[_scan(femoral_neck=-3.0)], risk_factors={"bone_metastases": True}),
    ),
    (
        "Bone metastases: she answered 'not sure'",
        _with(risk_factors={"bone_metastases": {"answer": "not sure", "source": "patient"}}),
    ),
    (
        "Premenopausal with goserelin, T -2.2",
        _with(
            patient={"menopausal_status": "premenopausal"},
            dxa_scans=[_scan(lumbar_spine=-2.2)],
            gnrh_agonists=[{"agent": "goserelin", "start_date": "2025-05-01"}],
        ),
    ),
    (
        "Premenopausal on an AI, no ovarian suppression recorded",
        _with(patient={"menopausal_status": "premenopausal"}),
    ),
    ("AI ended in 2023, T -1.8", _with(therapy=_ENDED_AI, dxa_scans=[_scan(femoral_neck=-1.8)])),
    ("No AI recorded", _with(therapy=None)),
    ("A man", _with(patient={"sex": "male"})),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(title: str, result: Assessment) -> list[str]:
    lines = [f"### {title}", ""]
    bt = result.bone_therapy
    facts = [f"WHO category: {result.who_category or 'none'}"]
    if result.clinical_osteoporosis.present:
        facts.append("clinical osteoporosis")
    if bt.status != "none":
        facts.append(
            f"bone therapy: {bt.agent} {bt.status}"
            + (f", next dose due {bt.next_dose_due.isoformat()}" if bt.next_dose_due else "")
        )
    if result.automation.stopped:
        facts.append("automated plans stopped")
    if result.automation.limited:
        facts.append("exercise limited to low impact")
    alerts = ", ".join(sorted(a.id for a in result.alerts)) or "none"
    lines += ["; ".join(facts) + f". Alerts: {alerts}.", ""]
    lines += [
        "| rule set | bone-directed therapy | determinacy | rule | would change if |",
        "|---|---|---|---|---|",
    ]
    for name, d in result.guidelines.items():
        verdict = {True: "true", False: "false", None: "null"}[d.bone_directed_therapy]
        lines.append(
            f"| {name} | {verdict} | {d.determinacy} | `{d.rule_id}` | "
            f"{_cell('; '.join(d.would_change_if)) or '-'} |"
        )
    return [*lines, ""]


def render() -> str:
    lines = [
        "# Clinical decisions",
        "",
        "Generated from the code by `scripts/generate_clinical_decisions.py` "
        "(`bonewise.clinical.decisions_doc`); a test fails when this file is stale. Do not edit "
        "by hand.",
        "",
        f"Each situation is a 60-year-old postmenopausal woman on anastrozole since 2025-06-01 "
        f"with every risk factor asked and answered 'no', changed as the title says, assessed "
        f"on {AS_OF.isoformat()}. `determinacy`: complete (every input that could change the "
        "answer is known), provisional (unrecorded factors taken as absent; `would change if` "
        "names them), undetermined (no branch can be evaluated), not-applicable (the guideline "
        "does not cover her).",
        "",
    ]
    for title, data in SITUATIONS:
        record = PatientRecord.parse(data, today=AS_OF)
        lines += _section(title, assess(record, as_of=AS_OF))
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - the script is the entry point
    print(render(), end="")
