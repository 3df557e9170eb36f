"""docs/clinical-decisions.md is generated from the code and must not go stale."""

from pathlib import Path

from bonewise.clinical.decisions_doc import DOC_PATH, SITUATIONS, render
from bonewise.clinical.results import DETERMINACIES

ROOT = Path(__file__).resolve().parents[3]


def test_clinical_decisions_doc_is_current():
    on_disk = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    assert on_disk == render(), (
        f"{DOC_PATH} is stale: run `PYTHONPATH=src python scripts/generate_clinical_decisions.py`"
    )


def test_the_doc_covers_every_situation_and_every_determinacy():
    text = render()
    for title, _ in SITUATIONS:
        assert f"### {title}\n" in text
    for determinacy in DETERMINACIES:
        assert f"| {determinacy} |" in text
