"""The report stylesheet is parsed once per thread and reused; every PDF still gets its own
page box (size and the footer naming its patient). The reports' trimmed user-agent stylesheet
(no pseudo-elements a report never shows) lays out the same pages as WeasyPrint's own."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from weasyprint import HTML
from weasyprint import html as weasyprint_html
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes

from bonewise.render import render
from bonewise.render.render import PageSize, build_report, render_pdf

from ...unit.render.helpers import AS_OF, EXAMPLES, adherence, example, intake


def test_the_stylesheet_is_parsed_once_per_thread() -> None:
    first = render._pdf_stylesheet()
    assert render._pdf_stylesheet() is first
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(render._pdf_stylesheet).result()
    assert other[0] is not first[0] and other[1] is not first[1]


def test_reused_stylesheet_keeps_each_report_own_footer_and_page_size(tmp_path: Path) -> None:
    found = []
    sizes: tuple[tuple[str, PageSize], ...] = ((EXAMPLES[0], "a4"), (EXAMPLES[1], "letter"))
    for name, size in sizes:
        record = example(name)
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(
            render_pdf(
                build_report(record=record, audience="clinician", as_of=AS_OF), page_size=size
            )
        )
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        found.append((record.id, text, info.stdout))
    (first_id, first_text, first_info), (second_id, second_text, second_info) = found
    assert f"record {first_id}" in first_text and f"record {second_id}" not in first_text
    assert f"record {second_id}" in second_text and f"record {first_id}" not in second_text
    assert "(A4)" in first_info and "(letter)" in second_info
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / f"{EXAMPLES[1]}.pdf")], capture_output=True, text=True
    ).stdout
    assert "DejaVu" in fonts


def _page_words(document: Document) -> list[list[str]]:
    """Each page's text boxes, in order, with where they sit (markers included)."""

    def walk(box: boxes.Box) -> list[str]:
        if isinstance(box, boxes.TextBox):
            return [f"{box.text}@{box.position_x:.1f},{box.position_y:.1f}"]
        return [word for child in getattr(box, "children", ()) for word in walk(child)]

    return [walk(page._page_box) for page in document.pages]


def test_reports_cascade_the_trimmed_user_agent_stylesheet() -> None:
    trimmed = render.report_ua_text(weasyprint_html.UA)
    assert trimmed is not None, "this WeasyPrint's UA stylesheet no longer has the rules trimmed"
    assert "\nli::marker {" in trimmed and "::footnote-call" not in trimmed
    assert "::note-call" not in trimmed
    assert render.report_html_class() is not HTML


def test_trimmed_user_agent_stylesheet_lays_out_the_same_pages(monkeypatch) -> None:
    """Both reports, with list markers (the sources) and long tables: every word on the same
    page at the same place as with WeasyPrint's stock user-agent stylesheet."""
    for name in EXAMPLES[:2]:
        for audience in ("patient", "clinician"):
            report = build_report(
                record=example(name),
                audience=audience,  # type: ignore[arg-type]
                as_of=AS_OF,
                intake=intake(),
                adherence=adherence(),
            )
            trimmed = _page_words(render.laid_out(report))
            with monkeypatch.context() as patch:
                patch.setattr(render, "report_html_class", lambda: HTML)
                stock = _page_words(render.laid_out(report))
            assert trimmed == stock, (name, audience)
            assert any(word.startswith("1. @") for page in trimmed for word in page)
