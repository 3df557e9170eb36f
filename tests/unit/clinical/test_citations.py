"""Citations name publications, once each: not the web pages they were read on, not two
`Source`s for one report, and no source in `evidence` that nothing cites."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import bonewise
from bonewise import evidence
from bonewise.evidence import Source

PACKAGE = Path(bonewise.__file__).parent
# A host name such as sheffield.ac.uk/FRAX or courses.washington.edu/...; a DOI is not one.
WEB_ADDRESS = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:ac\.uk|edu|com|org|gov|net|ai|io)\b", re.I)
DOI = re.compile(r"doi:\s*(10\.\S+?)[\s;,)]*(?:\s|$)")


def _modules_defining_sources() -> list[str]:
    """Modules with a `Source(` in their text: evidence.py and the cores that keep their own."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if re.search(r"\bSource\(\s*\n?\s*\"", path.read_text(encoding="utf-8")):
            relative = path.relative_to(PACKAGE.parent).with_suffix("")
            names.append(".".join(relative.parts))
    return names


def _all_sources() -> dict[int, tuple[str, Source]]:
    found: dict[int, tuple[str, Source]] = {}
    for name in _modules_defining_sources():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, Source):
                found.setdefault(id(value), (f"{name}.{attribute}", value))
            elif isinstance(value, evidence.Cited):
                found.setdefault(id(value.source), (f"{name}.{attribute}.source", value.source))
    return found


def test_the_scan_sees_the_modules_that_keep_sources() -> None:
    names = _modules_defining_sources()
    assert "bonewise.evidence" in names
    assert "bonewise.exercise.guidance" in names


@pytest.mark.parametrize("where, source", sorted(_all_sources().values(), key=lambda s: s[0]))
def test_a_source_names_a_publication_not_a_web_page(where: str, source: Source) -> None:
    without_dois = DOI.sub(" ", source.citation)
    assert not WEB_ADDRESS.search(without_dois), f"{where} cites a web page: {source.citation!r}"


def test_one_report_is_one_source() -> None:
    by_doi: dict[str, list[str]] = {}
    for where, source in _all_sources().values():
        for doi in DOI.findall(source.citation):
            by_doi.setdefault(doi.rstrip("."), []).append(where)
    assert {doi: wheres for doi, wheres in by_doi.items() if len(wheres) > 1} == {}


def test_every_source_in_evidence_is_cited_somewhere() -> None:
    text = {path: path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}
    toml = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.toml"))
    evidence_text = text[Path(evidence.__file__)]
    unused = []
    for name, value in vars(evidence).items():
        if not isinstance(value, Source):
            continue
        inside = len(re.findall(rf"\b{name}\b", evidence_text)) > 1
        elsewhere = any(f"evidence.{name}" in body for body in text.values())
        by_key = f'"{value.key}"' in toml
        if not (inside or elsewhere or by_key):
            unused.append(name)
    assert unused == []


def test_frax_and_sbmd_cite_the_papers() -> None:
    assert evidence.ALCOHOL_RISK_UNITS_PER_DAY.citation.startswith("Kanis JA")
    assert "Osteoporos Int 2008;19(4):385-397" in evidence.ALCOHOL_RISK_UNITS_PER_DAY.citation
    for equations in (evidence.SBMD_HIP_EQUATIONS, evidence.SBMD_SPINE_EQUATIONS):
        assert "doi:10.1359/jbmr.1997.12.9.1463" in equations.citation
        assert equations.evidence == "confirmed"
