"""Both reports for every example patient, read back from the PDF and from its pages as images."""

from __future__ import annotations

import re
import subprocess

import pytest

from bonewise.clinical.assessment import assess
from bonewise.render.patient import her_medicines, patient_advice

from ...unit.render.helpers import AS_OF, DRUG_WORDS, EXAMPLES, example
from .pixels import BAND_RGB, LINE_RGB, TARGET_RGB, count_near, non_white_share, page_images


def squash(text: str) -> str:
    return " ".join(text.split())


def unhyphenated(text: str) -> str:
    """pdftotext joins a word broken at a line-end hyphen, and a break after a slash ("mL/
    min") becomes a space: compare without hyphens and without a space after a slash."""
    return squash(text.replace("-", "")).replace("/ ", "/")


@pytest.mark.parametrize("name", EXAMPLES)
def test_clinician_pdf_has_category_recommendations_and_citations(rendered, name):
    pdf = rendered[(name, "clinician")]
    a = assess(example(name), as_of=AS_OF)
    category = a.who_category or "not assigned"
    assert f"WHO category {category}" in pdf.text
    for rec in [*a.recommendations, *a.safety_checks]:
        assert rec.rule_id in pdf.text
        assert unhyphenated(rec.text) in unhyphenated(pdf.text)
        assert unhyphenated(rec.citation) in unhyphenated(pdf.text)
    for decision in a.guidelines.values():
        assert unhyphenated(decision.citation) in unhyphenated(pdf.text)
    for gap in a.data_gaps:
        assert gap.label in pdf.text
    assert "No intake logged" in pdf.text and "No exercise logged" in pdf.text


@pytest.mark.parametrize("name", EXAMPLES)
def test_patient_pdf_has_where_she_stands_her_advice_and_sources(rendered, name):
    pdf = rendered[(name, "patient")]
    a = assess(example(name), as_of=AS_OF)
    if a.who_category:
        assert a.who_category in pdf.text.lower()
    for advice in patient_advice(a):
        assert unhyphenated(advice.text) in unhyphenated(pdf.text)
        assert unhyphenated(advice.citation) in unhyphenated(pdf.text)
    if a.automation.stopped:
        for words in ("Weight-bearing", "muscle-strengthening", "Log your exercise"):
            assert words.lower() not in unhyphenated(pdf.text).lower()
    assert "Questions to ask your care team" in pdf.text
    assert "No intake logged" in pdf.text and "No exercise logged" in pdf.text
    body = pdf.text.split(" Sources ")[0].lower().replace(a.patient_id.lower(), "")
    # she may read the name of her own current medicine (with its dates), never another drug
    own = {m.name for m in her_medicines(a)}
    for m in her_medicines(a):
        assert unhyphenated(m.words) in unhyphenated(pdf.text)
    for word in DRUG_WORDS:
        if not any(word in name for name in own):
            assert word not in body


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_pages_are_not_blank_and_hold_the_bmd_chart_when_there_is_bmd(
    rendered, tmp_path, name, audience
):
    pdf = rendered[(name, audience)]
    pages = page_images(pdf.path, tmp_path)
    assert len(pages) == pdf.pages >= 1
    assert all(non_white_share(page) > 0.005 for page in pages)
    band = sum(count_near(page, BAND_RGB) for page in pages)
    has_bmd = any(
        r.bmd_g_cm2 is not None for s in example(name).dxa_scans for r in s.sites.values()
    )
    if has_bmd:
        assert band > 300, "the LSC band of the BMD chart is missing"
        # 72 dpi: the charts are pictures in the PDF, and poppler's downsampling to 40 dpi
        # blends the clinician chart's thin BMD line into the white around it.
        (tmp_path / "72").mkdir()
        sharper = page_images(pdf.path, tmp_path / "72", dpi=72)
        assert sum(count_near(page, LINE_RGB) for page in sharper) > 50
        assert ("bone density g/cm²" if audience == "patient" else "BMD g/cm²") in pdf.text
    else:
        assert band == 0


def test_missing_data_is_spelled_out_in_both_reports(rendered):
    patient = rendered[("no-dxa-yet", "patient")].text
    assert "No bone density (DXA) scan is recorded yet" in patient
    assert "This report is missing: • a bone density (DXA) scan: none is recorded yet" in patient
    assert "a vitamin D blood test" in patient
    clinician = rendered[("no-dxa-yet", "clinician")].text
    assert "No DXA result recorded" in clinician
    assert "DXA scans no DXA scan recorded" in clinician
    assert "not assigned: no DXA T-score" in clinician


def test_fonts_are_embedded_and_pages_are_a4(rendered):
    pdf = rendered[("osteoporosis", "patient")]
    fonts = subprocess.run(["pdffonts", str(pdf.path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:]]
    assert rows and all("DejaVu" in row[0] for row in rows)
    assert all(row[-5] == "yes" for row in rows), fonts.stdout  # the "emb" column
    info = subprocess.run(["pdfinfo", str(pdf.path)], capture_output=True, text=True, check=True)
    assert "(A4)" in info.stdout


def test_summaries_show_intake_and_exercise_on_letter_paper(with_summaries, tmp_path):
    patient = with_summaries["patient"]
    assert "Calcium about 820 mg a day (target 1,200 mg)" in patient.text
    assert "You met your exercise goals in 2 of the last 3 weeks" in patient.text
    assert "My calcium averages about 820 mg a day" in patient.text
    assert "No intake logged" not in patient.text
    clinician = with_summaries["clinician"]
    assert "7 day(s) logged" in clinician.text and "2026-W47" in clinician.text
    info = subprocess.run(
        ["pdfinfo", str(clinician.path)], capture_output=True, text=True, check=True
    )
    assert "612 x 792 pts (letter)" in info.stdout
    # His exercise weeks are the table's numbers (no chart repeating them, issue 14); her
    # report draws them, with the target line and the weeks met.
    assert "2026-W47 170 / 150" in clinician.text
    pages = page_images(patient.path, tmp_path)
    assert sum(count_near(page, TARGET_RGB) for page in pages) > 100  # target lines, weeks met


def _pages_text(pdf_path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_every_page_names_the_patient_record(rendered, name, audience):
    """The banner heads page 1; every page foot repeats date of birth, age and record."""
    record = example(name)
    pages = _pages_text(rendered[(name, audience)].path)
    born, age = record.patient.birth_date.isoformat(), record.patient.age_on(AS_OF)
    assert f"Patient Name not on file Born {born} Age {age} Record {record.id}" in pages[0]
    for page in pages:
        assert f"born {born} ({age}) · record {record.id}" in page


def test_the_clinician_summary_fits_two_pages_with_detail_in_an_appendix(with_summaries):
    pages = _pages_text(with_summaries["clinician"].path)
    appendix = next(i for i, page in enumerate(pages) if "Appendix: detail" in page)
    assert appendix <= 2, "the summary runs past two pages"
    summary = " ".join(pages[:appendix])
    assert "Recommendations by rule set" in summary and "Data gaps" in summary
    assert "Rule inputs" in pages[appendix] and "Sources" in " ".join(pages[appendix:])


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_micrograms_are_printed_as_micrograms(with_summaries, audience):
    text = with_summaries[audience].text
    if audience == "clinician":
        assert "µg" in text
    assert " ug" not in text and "ug/" not in text


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_clinician_summary_fits_two_pages_with_its_decisions(rendered, name):
    """Determinacy, the bone_therapy block and clinical osteoporosis fit in the two pages."""
    pages = _pages_text(rendered[(name, "clinician")].path)
    appendix = next(i for i, page in enumerate(pages) if "Appendix: detail" in page)
    assert appendix <= 2, f"{name}: the summary runs past two pages"
    summary = " ".join(pages[:appendix])
    a = assess(example(name), as_of=AS_OF)
    for decision in a.guidelines.values():  # hyphens compared away: pdftotext breaks at them
        said = unhyphenated(f"{decision.determinacy} {decision.rule_id}")
        assert said in unhyphenated(summary), f"{name}: {said}"
    assert "clinical osteoporosis: " in summary
    assert f"Bone-directed therapy {a.bone_therapy.status}" in summary


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_pdf_prints_a_python_value_or_a_field_name(rendered, name):
    for audience in ("patient", "clinician"):
        text = rendered[(name, audience)].text.replace("None required", "")
        found = sorted(set(re.findall(r"\bNone\b|\b[a-z][a-z0-9]*_[a-z0-9_]+\b", text)))
        assert not found, f"{name} {audience}: {found}"
