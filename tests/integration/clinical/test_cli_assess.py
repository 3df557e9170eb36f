"""`bonewise assess` as a user runs it: a real process, real files. The per-example JSON that
most tests read comes from the same Typer app run in this process (one process start per
example cost about a second of the suite each); the process itself is run by the rest."""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonewise.cli import app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "patients").glob("*.json"))
BONEWISE = [sys.executable, "-m", "bonewise"]


def run(*args, cwd=ROOT):
    return subprocess.run([*BONEWISE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@functools.cache
def assessed(name: str) -> subprocess.CompletedProcess[str]:
    """`bonewise assess examples/patients/<name>.json --json --as-of 2026-11-27`, run once per
    example in this process: several tests read the same run's output."""
    args = ["assess", str(ROOT / "examples" / "patients" / f"{name}.json")]
    result = CliRunner().invoke(app, [*args, "--json", "--as-of", "2026-11-27"])
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def test_there_is_an_example_for_every_branch():
    names = {p.stem for p in EXAMPLES}
    assert len(names) >= 8
    assert {
        "normal",
        "osteoporosis",
        "no-dxa-yet",
        "lapsed-denosumab",
        "bone-metastases",
        "lunar-conversion",
    } <= names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_assesses_to_the_documented_json(example):
    result = assessed(example.stem)
    assert result.returncode == 0, result.stderr
    assessment = json.loads(result.stdout)
    for field in (
        "who_category",
        "lowest_t_score",
        "guidelines",
        "recommendations",
        "alerts",
        "monitoring",
        "data_gaps",
    ):
        assert field in assessment
    assert set(assessment["guidelines"]) == {"hadji-2017", "asco-2019", "seed-tiers"}
    for decision in assessment["guidelines"].values():
        assert decision["bone_directed_therapy"] in (True, False, None)
        decided = decision["determinacy"] in ("complete", "provisional")
        assert decided == (decision["bone_directed_therapy"] is not None)
        if decision["determinacy"] == "undetermined":
            assert decision["missing"], "an undetermined decision names what is missing"
        if decision["determinacy"] == "provisional":
            assert decision["would_change_if"], "a provisional decision names what would flip it"
        assert decision["rule_id"].startswith(decision["guideline"])
    for block in ("bone_therapy", "clinical_osteoporosis", "risk_factors"):
        assert block in assessment
    for rec in assessment["recommendations"]:
        assert {
            "id",
            "audience",
            "text",
            "rule_id",
            "guideline",
            "inputs",
            "threshold",
            "citation",
            "evidence",
        } <= set(rec)


EXPECTED = {
    "normal": ("normal", set()),
    "osteoporosis": ("osteoporosis", set()),
    "no-dxa-yet": (None, {"no-baseline-dxa"}),
    "lapsed-denosumab": ("osteopenia", {"denosumab-lapse"}),
    "bone-metastases": ("osteopenia", {"bone-metastases"}),
    "premenopausal-ovarian-suppression": (None, set()),
    # hadji-2017 indicates therapy and none is recorded: the decision is due, or a gap (issue 12)
    "vertebral-fracture-recent": ("osteopenia", {"recent-fracture", "dxa-overdue", "therapy-gap"}),
    "osteopenia-with-risk-factors": ("osteopenia", {"vitamin-d-low", "therapy-gap"}),
}


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items())
def test_examples_land_in_their_branch(name, expected):
    result = assessed(name)
    assessment = json.loads(result.stdout)
    category, alerts = expected
    assert assessment["who_category"] == category
    assert {a["id"] for a in assessment["alerts"]} == alerts


def test_lunar_example_reports_a_computed_t_score():
    assessment = json.loads(assessed("lunar-conversion").stdout)
    assert assessment["lowest_t_score"]["computed"] is True
    assert "Hologic scale" in assessment["lowest_t_score"]["basis"]


def test_readable_output_shows_each_guideline_and_citation():
    result = run("assess", "examples/patients/osteoporosis.json", "--as-of", "2026-11-27")
    assert result.returncode == 0
    assert "hadji-2017" in result.stdout and "asco-2019" in result.stdout
    assert "J Bone Oncol 2017" in result.stdout


def test_schema_documents_the_input():
    schema = json.loads(run("assess", "--schema").stdout)
    assert {"patient", "dxa_scans", "risk_factors", "labs", "bone_therapy", "frax"} <= set(
        schema["properties"]
    )


def test_invalid_input_exits_2_naming_field_value_and_range(tmp_path):
    data = json.loads((ROOT / "examples/patients/normal.json").read_text())
    data["dxa_scans"][0]["sites"]["femoral_neck"]["t_score"] = -8.2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = run("assess", str(bad))
    assert result.returncode == 2
    assert "dxa_scans.0.sites.femoral_neck.t_score" in result.stderr
    assert "-8.2" in result.stderr
    assert "-7" in result.stderr
    assert result.stdout == ""


def test_malformed_json_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x",')
    result = run("assess", str(bad))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_as_of_must_be_a_date():
    result = run("assess", "examples/patients/normal.json", "--as-of", "2026-13-01")
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr


# The six real-patient examples of issue 11, pinned: WHO category, clinical osteoporosis, each
# rule set (therapy, determinacy, deciding rule), alerts, and the bone_therapy block.
PINNED = {
    "on-denosumab": {
        "who_category": "osteopenia",
        "clinical_osteoporosis": False,
        "guidelines": {
            "hadji-2017": (True, "complete", "hadji-2017.t-below-1.5-with-risk-factor"),
            "asco-2019": (False, "provisional", "asco-2019.3.4-frax-not-entered"),
            "seed-tiers": (True, "complete", "seed-tiers.osteopenia"),
        },
        "alerts": [],
        "bone_therapy": ("active", "denosumab", "2027-03-14"),
    },
    "zoledronic-acid-overdue": {
        "who_category": "osteopenia",
        "clinical_osteoporosis": False,
        "guidelines": {
            "hadji-2017": (True, "complete", "hadji-2017.t-below-2.0"),
            "asco-2019": (False, "provisional", "asco-2019.3.4-frax-not-entered"),
            "seed-tiers": (True, "complete", "seed-tiers.osteopenia"),
        },
        "alerts": ["bone-therapy-overdue"],
        "bone_therapy": ("overdue", "zoledronic_acid", "2025-09-24"),
    },
    "vertebral-fracture-osteopenia": {
        "who_category": "osteopenia",
        "clinical_osteoporosis": True,
        "guidelines": {
            "hadji-2017": (True, "complete", "hadji-2017.clinical-osteoporosis"),
            "asco-2019": (True, "complete", "asco-2019.3.4-clinical-risk"),
            "seed-tiers": (True, "complete", "seed-tiers.osteopenia"),
        },
        "alerts": ["therapy-gap"],
        "bone_therapy": ("none", None, None),
    },
    "ai-with-goserelin": {
        "who_category": None,
        "clinical_osteoporosis": False,
        "guidelines": {
            "hadji-2017": (True, "complete", "hadji-2017.t-below-2.0"),
            "asco-2019": (False, "provisional", "asco-2019.3.4-frax-not-entered"),
            "seed-tiers": (None, "undetermined", "seed-tiers.no-category"),
        },
        "alerts": ["therapy-gap"],
        "bone_therapy": ("none", None, None),
    },
    "bone-metastases-low-t": {
        "who_category": "osteoporosis",
        "clinical_osteoporosis": False,
        "guidelines": {
            "hadji-2017": (None, "not-applicable", "hadji-2017.scope.bone-metastases"),
            "asco-2019": (None, "not-applicable", "asco-2019.scope.bone-metastases"),
            "seed-tiers": (None, "not-applicable", "seed-tiers.scope.bone-metastases"),
        },
        "alerts": ["bone-metastases"],
        "bone_therapy": ("none", None, None),
    },
    "ai-ended-three-years-ago": {
        "who_category": "osteopenia",
        "clinical_osteoporosis": False,
        "guidelines": {
            "hadji-2017": (None, "not-applicable", "hadji-2017.scope.ai-ended"),
            "asco-2019": (False, "provisional", "asco-2019.3.4-frax-not-entered"),
            "seed-tiers": (None, "not-applicable", "seed-tiers.scope.ai-ended"),
        },
        "alerts": [],
        "bone_therapy": ("none", None, None),
    },
}


@pytest.mark.parametrize(("name", "expected"), PINNED.items())
def test_real_patient_examples_give_their_pinned_output(name, expected):
    result = assessed(name)
    assert result.returncode == 0, result.stderr
    a = json.loads(result.stdout)
    bt = a["bone_therapy"]
    got = {
        "who_category": a["who_category"],
        "clinical_osteoporosis": a["clinical_osteoporosis"]["present"],
        "guidelines": {
            k: (d["bone_directed_therapy"], d["determinacy"], d["rule_id"])
            for k, d in a["guidelines"].items()
        },
        "alerts": sorted(x["id"] for x in a["alerts"]),
        "bone_therapy": (bt["status"], bt["agent"], bt["next_dose_due"]),
    }
    assert got == expected


def test_on_therapy_examples_never_suggest_starting_and_show_the_next_dose():
    for name in ("on-denosumab", "zoledronic-acid-overdue"):
        a = json.loads(assessed(name).stdout)
        ids = {r["id"] for r in a["recommendations"]}
        assert not ids & {"hadji-2017.bta", "hadji-2017.bta-patient", "asco-2019.therapy"}
        on = next(r for r in a["recommendations"] if r["id"] == "hadji-2017.on-therapy")
        assert a["bone_therapy"]["next_dose_due"] in on["text"]
        assert {c["id"] for c in a["safety_checks"]} >= {
            "safety.on-therapy.dental",
            "safety.on-therapy.calcium-vitamin-d",
        }


def test_readable_output_words_frax_inputs_and_seed_tiers():
    """FRAX inputs with label and unit; seed-tiers read as patient education."""
    result = subprocess.run(
        [*BONEWISE, "assess", "examples/patients/osteopenia-no-risk-factors.json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert result.returncode == 0, result.stderr
    assert "femoral neck BMD: 0.665 g/cm²" in result.stdout
    assert "weight: 61.0 kg" in result.stdout
    assert "bmd g cm2" not in result.stdout
    seed = next(line for line in result.stdout.splitlines() if "seed-tiers (1)" in line)
    assert "patient education (not a therapy decision)" in seed


def test_a_z_score_only_scan_is_a_dxa_without_a_usable_t_score():
    """aromasin-goserelin: a DXA with Z-scores only is never "no DXA"; the T-scores are missing."""
    result = run("assess", "tests/data/ehr/aromasin-goserelin.json", "--json")
    assert result.returncode == 0, result.stderr
    guidelines = json.loads(result.stdout)["guidelines"]
    for name in ("hadji-2017", "asco-2019"):
        said = " ".join(guidelines[name]["reasons"] + guidelines[name]["missing"])
        assert "no DXA" not in said and "order a" not in said, (name, said)
        assert "DXA" not in guidelines[name]["missing"]
        assert "without a usable" in said and "T-score" in said, (name, said)
    assert any("T-score" in m for m in guidelines["asco-2019"]["missing"])
    assert "T-scores of the DXA on record" in guidelines["hadji-2017"]["missing"]
