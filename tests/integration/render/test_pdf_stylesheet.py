"""The report stylesheet is parsed once per thread and reused; every PDF still gets its own
page box (size and the footer naming its patient)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bonewise.render import render
from bonewise.render.render import PageSize, build_report, render_pdf

from ...unit.render.helpers import AS_OF, EXAMPLES, example


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
