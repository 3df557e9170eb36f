"""The supplement cautions' citations read as references a clinician can look up, not as the
names of the pages they were read on (issue 14)."""

from __future__ import annotations

import json
import re
from importlib import resources

# Shapes of a page name or of where a source was read, not what it is.
PAGE_NAME = re.compile(
    r"research record|Gale abstract|^MSKCC\b|^NCI PDQ|^NIH LiverTox|et al\. \w+ \d{4}$",
    re.IGNORECASE,
)


def _citations() -> list[str]:
    data = json.loads(
        (resources.files("bonewise.nutrition") / "cautions.json").read_text(encoding="utf-8")
    )
    return [e["citation"] for c in data["cautions"] for e in c["evidence"]]


def test_every_caution_citation_reads_as_a_reference() -> None:
    citations = _citations()
    assert citations
    assert [c for c in citations if PAGE_NAME.search(c)] == []
    # authors or the publishing body, then a title: at least two sentences' worth of reference
    assert all(c.count(".") >= 1 and len(c) >= 40 for c in citations), citations
