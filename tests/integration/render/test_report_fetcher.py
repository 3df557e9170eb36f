"""The PDF renderer loads only its own assets: no network, no files outside the package and
fonts; values that reach CSS cannot break out of it."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from weasyprint import HTML

from bonewise.render.fetcher import RefusedURL, css_string, package_assets
from bonewise.render.render import DEJAVU_DIRS, build_report, render_html, render_pdf

from ...unit.render.helpers import AS_OF, EXAMPLES, example


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port on loopback that records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def test_the_fetcher_refuses_network_and_foreign_files(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    fetcher = package_assets(DEJAVU_DIRS)
    for url in (
        f"http://127.0.0.1:{port}/chart.png",
        f"https://127.0.0.1:{port}/style.css",
        f"ftp://127.0.0.1:{port}/x",
        "file:///etc/passwd",
        f"file://127.0.0.1:{port}/etc/passwd",
        "file:///usr/share/fonts/truetype/dejavu/../../../../etc/passwd",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert not _connected(listener)
    response = fetcher.fetch("data:text/plain;base64,aGk=")
    assert response.read() == b"hi"
    response.close()


def test_a_document_that_names_a_network_url_renders_without_calling_it(
    listener: socket.socket,
) -> None:
    port = listener.getsockname()[1]
    html = (
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
        f'<style>@import url("http://127.0.0.1:{port}/i.css");</style>'
        f'<p>hello</p><img src="http://127.0.0.1:{port}/x.png">'
    )
    pdf = HTML(string=html, base_url=".", url_fetcher=package_assets(DEJAVU_DIRS)).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert not _connected(listener)


def test_css_values_are_escaped() -> None:
    hostile = 'x"; } </style><img src="http://example.org/a.png"> /*'
    escaped = css_string(hostile)
    assert '"' not in escaped and "<" not in escaped and "}" not in escaped
    assert escaped.startswith("x\\000022")
    record = example(EXAMPLES[0]).model_copy(update={"id": hostile[:60]})
    report = build_report(record=record, audience="clinician", as_of=AS_OF)
    html = render_html(report, embed_fonts=True)
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "http://example.org" not in style
    assert html.count("</style>") == 1


def test_the_fetcher_serves_the_fonts_and_a_report_embeds_them(tmp_path: Path) -> None:
    fonts = [
        folder / "DejaVuSans.ttf" for folder in DEJAVU_DIRS if (folder / "DejaVuSans.ttf").is_file()
    ]
    assert fonts, "fonts-dejavu-core is a system dependency"
    response = package_assets(DEJAVU_DIRS).fetch(fonts[0].as_uri())
    assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    response.close()
    report = build_report(record=example(EXAMPLES[0]), audience="patient", as_of=AS_OF)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(report))
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "DejaVu-Sans" in listing.stdout


def test_the_fetcher_serves_only_the_charts_it_was_handed() -> None:
    from bonewise.render.fetcher import chart_url

    fetcher = package_assets(DEJAVU_DIRS, {chart_url("bmd"): b"\xff\xd8picture"})
    served = fetcher.fetch(chart_url("bmd"))
    assert served.read() == b"\xff\xd8picture" and served.content_type == "image/jpeg"
    with pytest.raises(RefusedURL):
        fetcher.fetch(chart_url("intake"))
    with pytest.raises(RefusedURL):
        package_assets(DEJAVU_DIRS).fetch(chart_url("bmd"))
