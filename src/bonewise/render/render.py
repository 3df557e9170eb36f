"""Report rendering (adapter): report model -> HTML (Jinja2) -> PDF (WeasyPrint).

Charts are SVG data URIs in the HTML, so one HTML file stands alone; in the PDF they are JPEGs
handed to the fetcher, with their words printed below (see `charts`, `fetcher`). The PDF embeds
the DejaVu fonts it uses (from fonts-dejavu-core through @font-face, or fontconfig if the files
are elsewhere).

For PDF, the report stylesheet (the same for every report) is parsed once per thread into a
WeasyPrint `CSS` with its own `FontConfiguration`, both reused by every later render on that
thread: parsing it and loading the @font-face files again cost each report time for nothing.
Only the page box (size, footer naming the patient) is written into each document.

WeasyPrint's user-agent stylesheet gives every element a `::marker` and five footnote and note
pseudo-element styles; each is cascaded and computed for every table cell (about 85% of the
styles computed for a clinician PDF). The reports have markers only on list items and no
footnotes, so their PDFs use that stylesheet with `::marker` kept for `li` and the footnote and
note rules left out (`report_ua_stylesheet`): the same pages, 5-15% less CPU.
"""

from __future__ import annotations

import base64
import functools
import threading
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bonewise.clinical.assessment import assess
from bonewise.clinical.checkin import CheckInTrend
from bonewise.clinical.models import PatientRecord
from bonewise.render import charts
from bonewise.render.banner import patient_banner_for
from bonewise.render.clinician import (
    ClinicianReport,
    build_clinician_report,
    dated_sources,
    format_inputs,
    site_label,
)
from bonewise.render.fetcher import chart_url, css_string, package_assets
from bonewise.render.fonts import DEJAVU_DIRS, DEJAVU_FACES
from bonewise.render.model import (
    AdherenceSummary,
    IntakeSummary,
    ReportAudience,
)
from bonewise.render.patient import PatientReport, build_patient_report, long_date

ReportFormat = Literal["pdf", "html"]
PageSize = Literal["a4", "letter"]
AUDIENCES: tuple[ReportAudience, ...] = ("patient", "clinician")
FORMATS: tuple[ReportFormat, ...] = ("pdf", "html")
PAGE_SIZES: dict[PageSize, str] = {"a4": "A4", "letter": "letter"}

_env = Environment(
    loader=PackageLoader("bonewise.render", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(
    long_date=long_date,
    site_label=site_label,
    format_inputs=format_inputs,
    dated_sources=dated_sources,
)

if TYPE_CHECKING:
    from weasyprint import CSS, HTML
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration

Report = PatientReport | ClinicianReport


def build_report(
    *,
    record: PatientRecord,
    audience: ReportAudience,
    as_of: date,
    intake: IntakeSummary | None = None,
    adherence: AdherenceSummary | None = None,
    patient_name: str | None = None,
    checkins: CheckInTrend | None = None,
) -> Report:
    """The report model for one audience: the assessment on `as_of` plus the BMD history,
    headed by her patient banner (`patient_name` is the account holder's name, if known)."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience {audience!r} is not one of {', '.join(AUDIENCES)}")
    assessment = assess(record, as_of=as_of)
    build = build_patient_report if audience == "patient" else build_clinician_report
    report = build(
        record=record,
        assessment=assessment,
        intake=intake,
        adherence=adherence,
    )
    banner = patient_banner_for(record, name=patient_name, as_of=as_of)
    return replace(report, banner=banner, checkins=checkins)


def _svg_uri(drawing: charts.Drawing | None) -> str | None:
    if drawing is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(drawing.svg()).decode("ascii")


def _font_faces() -> str:
    for folder in DEJAVU_DIRS:
        if (folder / DEJAVU_FACES[0][0]).is_file():
            return "\n".join(
                f'@font-face {{ font-family: "DejaVu Sans"; font-weight: {weight}; '
                f'font-style: {style}; src: url("{(folder / name).as_uri()}"); }}'
                for name, weight, style in DEJAVU_FACES
                if (folder / name).is_file()
            )
    return "/* DejaVu Sans through fontconfig */"


def _page_css(report: Report, page_size: PageSize) -> str:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r} is not one of {', '.join(PAGE_SIZES)}")
    return _env.get_template("report-page.css").render(
        page_css=PAGE_SIZES[page_size],
        footer=css_string(report.banner.one_line if report.banner else report.patient_id),
        as_of=css_string(report.as_of.isoformat()),
    )


def _report_css(*, embed_fonts: bool) -> str:
    return _env.get_template("report.css").render(font_faces=_font_faces() if embed_fonts else "")


def _drawings(report: Report) -> dict[str, charts.Drawing | None]:
    patient = isinstance(report, PatientReport)
    # While automation is stopped she sees her exercise log without goals (no target lines).
    # The clinician's exercise table already gives each week's minutes against the target,
    # exactly: a chart of the same numbers is left out of his report (issue 14).
    exercise = isinstance(report, PatientReport) and not report.plan_paused
    return {
        "bmd": charts.bmd_drawing(report.history, large=patient),
        "intake": charts.intake_drawing(report.intake, large=patient),
        "exercise": charts.exercise_drawing(report.adherence, large=True) if exercise else None,
    }


def _document(
    report: Report, css: str, chart_urls: dict[str, str | None], chart_words: dict[str, str]
) -> str:
    audience = "patient" if isinstance(report, PatientReport) else "clinician"
    return _env.get_template(f"{audience}.html").render(
        r=report, charts=chart_urls, chart_words=chart_words, css=css, audience=audience
    )


def render_html(report: Report, *, page_size: PageSize = "a4", embed_fonts: bool = False) -> str:
    """The report as one self-contained HTML page (charts inline, print CSS for the page size).

    `embed_fonts` adds @font-face rules pointing at the local DejaVu files (for WeasyPrint).
    """
    css = _page_css(report, page_size) + _report_css(embed_fonts=embed_fonts)
    drawings = _drawings(report)
    urls = {name: _svg_uri(d) for name, d in drawings.items()}
    return _document(report, css, urls, dict.fromkeys(drawings, ""))


_per_thread = threading.local()


def _pdf_stylesheet() -> tuple[CSS, FontConfiguration]:
    """The parsed report stylesheet and the font configuration holding its DejaVu faces, made
    once per thread (a FontConfiguration wraps a Pango font map, which is not thread-safe)."""
    cached: tuple[CSS, FontConfiguration] | None = getattr(_per_thread, "stylesheet", None)
    if cached is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        stylesheet = CSS(
            string=_report_css(embed_fonts=True),
            base_url=".",
            url_fetcher=package_assets(DEJAVU_DIRS),
            font_config=font_config,
        )
        cached = _per_thread.stylesheet = (stylesheet, font_config)
    return cached


# WeasyPrint's user-agent rules whose pseudo-elements a report never shows: (rule, replacement).
_UA_TRIMS = (
    ("\n::marker {", "\nli::marker {"),
    ("\n::footnote-call {", None),
    ("\n::footnote-marker {", None),
    ("\n::note-call {", None),
    ("\n::note-marker {", None),
    ("\n::note-callback {", None),
)


def report_ua_text(stock: str) -> str | None:
    """WeasyPrint's user-agent stylesheet `stock` with markers on list items only and no
    footnote or note pseudo-elements, or None when a rule to trim is not found in it (another
    WeasyPrint version: the stock stylesheet is used then)."""
    lines = stock.split("\n")
    for start, replacement in _UA_TRIMS:
        found = [n for n, line in enumerate(lines) if line.startswith(start[1:])]
        if len(found) != 1 or not lines[found[0]].rstrip().endswith("}"):
            return None  # not the one-line rule this trim was written for
        if replacement is None:
            del lines[found[0]]
        else:
            lines[found[0]] = replacement[1:] + lines[found[0]][len(start) - 1 :]
    return "\n".join(lines)


@functools.cache
def report_html_class() -> type[HTML]:
    """`weasyprint.HTML` cascading the reports' trimmed user-agent stylesheet (the stock one
    if this WeasyPrint's does not have the rules to trim)."""
    from weasyprint import CSS, HTML
    from weasyprint import html as weasy_html

    text = report_ua_text(weasy_html.UA)
    if text is None or not hasattr(HTML, "_ua_stylesheets"):
        return HTML
    sheet = CSS(string=text, counter_style=weasy_html.UA_COUNTER_STYLE)

    class ReportHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
            return [sheet, weasy_html.UA_FORM_STYLESHEET] if forms else [sheet]

    return ReportHTML


def render_pdf(report: Report, *, page_size: PageSize = "a4") -> bytes:
    """The report as PDF bytes (WeasyPrint), fonts embedded.

    Its charts are JPEGs handed to the fetcher (`chart_url`), with their words printed below
    them: the PDF's text keeps what the pictures say."""
    pdf: bytes = laid_out(report, page_size=page_size).write_pdf()
    return pdf


def laid_out(report: Report, *, page_size: PageSize = "a4") -> Document:
    """The report laid out in pages by WeasyPrint (what `render_pdf` writes): its pages' boxes
    show where each table and heading fell."""
    drawings = _drawings(report)
    pictures = {chart_url(name): d.jpeg() for name, d in drawings.items() if d is not None}
    html = _document(
        report,
        _page_css(report, page_size),
        {name: chart_url(name) if d else None for name, d in drawings.items()},
        {name: d.summary if d else "" for name, d in drawings.items()},
    )
    stylesheet, font_config = _pdf_stylesheet()
    fetcher = package_assets(DEJAVU_DIRS, pictures)
    return report_html_class()(string=html, base_url=".", url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=font_config
    )


def render_report(
    *,
    record: PatientRecord,
    audience: ReportAudience,
    as_of: date,
    fmt: ReportFormat = "pdf",
    page_size: PageSize = "a4",
    intake: IntakeSummary | None = None,
    adherence: AdherenceSummary | None = None,
    patient_name: str | None = None,
    checkins: CheckInTrend | None = None,
) -> bytes:
    """One report as bytes: PDF, or UTF-8 HTML. Raises ValueError naming a bad option."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    report = build_report(
        record=record,
        audience=audience,
        as_of=as_of,
        intake=intake,
        adherence=adherence,
        patient_name=patient_name,
        checkins=checkins,
    )
    if fmt == "html":
        return render_html(report, page_size=page_size).encode("utf-8")
    return render_pdf(report, page_size=page_size)
