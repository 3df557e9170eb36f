"""Write docs/clinical-decisions.md from the rules (bonewise.clinical.decisions_doc).

Run from the repository root: `PYTHONPATH=src python scripts/generate_clinical_decisions.py`.
"""

from pathlib import Path

from bonewise.clinical.decisions_doc import DOC_PATH, render

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / DOC_PATH
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
