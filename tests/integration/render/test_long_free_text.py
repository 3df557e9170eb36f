"""Issue 14: a 10,000-character free-text field filled a page and the clinician summary ran to 7
pages. Free text is bounded at input (models.MAX_TEXT); at that bound in every free-text field
the report (in the reader's words) still keeps its summary to two pages."""

from __future__ import annotations

import json

from bonewise.clinical.models import MAX_TEXT, PatientRecord
from bonewise.render.render import render_report

from ...unit.render.helpers import AS_OF, EXAMPLES_DIR, adherence, intake
from .conftest import read_pdf
from .test_pdf_reports import _pages_text


def _words(start: str) -> str:
    """Free text as a person types it, cut at the bound: words with spaces, no long token."""
    text = start
    while len(text) < MAX_TEXT:
        text += " and a note the clinic wrote down about it"
    return text[:MAX_TEXT]


def test_free_text_at_its_bound_keeps_the_clinician_summary_to_two_pages(tmp_path):
    data = json.loads((EXAMPLES_DIR / "osteoporosis.json").read_text())
    for scan in data["dxa_scans"]:
        scan["facility"] = _words("Riverside Imaging, second floor")
        scan["scanner_model"] = _words("Horizon A")
    first = data["fractures"][0]
    data["fractures"] = [
        {**first, "date": f"20{year}-03-0{n + 1}", "site": _words(f"left wrist, fall number {n}")}
        for n, year in enumerate((18, 20, 22, 24))
    ]
    record = PatientRecord.parse(data, today=AS_OF)
    path = tmp_path / "clinician.pdf"
    path.write_bytes(
        render_report(
            record=record,
            audience="clinician",
            as_of=AS_OF,
            intake=intake(),
            adherence=adherence(),
        )
    )
    pages = _pages_text(path)
    appendix = next(i for i, page in enumerate(pages) if "Appendix: detail" in page)
    assert appendix <= 2, f"the summary runs to {appendix} pages"
    text = read_pdf(path).text
    assert "left wrist, fall number 3" in text  # the words are in the report, not dropped
    assert "Riverside Imaging, second floor" in text
