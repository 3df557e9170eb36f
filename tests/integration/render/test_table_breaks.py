"""Issue 14: "a table header is orphaned at a page foot". Read from WeasyPrint's own layout (the
pages' boxes of `laid_out`, what `render_pdf` writes), not guessed from pdftotext: no page of
either report ends with a heading or a table's header row, and no table's piece on a page is
only header rows. A header row is a row of the table's <thead> or a row of header cells only
(a group heading inside the body, e.g. "For the care team").

The reports are those of a patient with long content (ten DXA scans, four fractures with long
free text, half a year of exercise weeks), with shorter variants so that tables and headings
fall at different places on the pages.

WeasyPrint itself keeps a heading with what follows (its UA stylesheet: h1-h6 break-after:
avoid) and a <thead> with the first body row (a table whose header fits without a row moves
to the next page); what it does not keep is a header row outside <thead>, hence report.css's
`tr.group` rule and the patient tables' <thead>."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import pytest
from weasyprint.formatting_structure import boxes

from bonewise.clinical.models import MAX_TEXT, PatientRecord
from bonewise.render.model import AdherenceSummary, ExerciseWeek
from bonewise.render.render import build_report, laid_out

from ...unit.render.helpers import AS_OF, EXAMPLES_DIR, intake

FIRST_SCAN = date(2021, 1, 10)
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class Placed:
    kind: str  # "heading", "header row", "row", "line" (text), "image"
    text: str
    table: int | None = None  # id() of the table box piece the row is in


def _text(box: boxes.Box) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    return " ".join(_text(child) for child in getattr(box, "children", ()))


def _is_header_row(row: boxes.Box, group: boxes.TableRowGroupBox) -> bool:
    cells = [c for c in row.children if isinstance(c, boxes.TableCellBox)]
    return group.is_header or (bool(cells) and all(c.element_tag == "th" for c in cells))


def _placed(box: boxes.Box, table: int | None = None) -> list[Placed]:
    """What a page holds, in reading order, at the grain a page break cares about."""
    if isinstance(box, boxes.MarginBox):  # the running footer
        return []
    if isinstance(box, boxes.TableBox):
        table = id(box)
    if isinstance(box, boxes.TableRowGroupBox):
        return [
            Placed("header row" if _is_header_row(row, box) else "row", _text(row), table)
            for row in box.children
        ]
    if isinstance(box, boxes.BlockBox) and box.element_tag in HEADINGS:
        return [Placed("heading", _text(box))]
    if isinstance(box, boxes.LineBox):
        return [Placed("line", _text(box))]
    if isinstance(box, boxes.ReplacedBox):
        return [Placed("image", "")]
    return [found for child in getattr(box, "children", ()) for found in _placed(child, table)]


def orphans(document: object) -> list[str]:
    """Each page foot left holding a heading or header rows with nothing of theirs after."""
    problems = []
    for number, page in enumerate(document.pages, start=1):  # type: ignore[attr-defined]
        placed = _placed(page._page_box)
        if placed and placed[-1].kind in ("heading", "header row"):
            problems.append(f"page {number} ends with the {placed[-1].kind} {placed[-1].text!r}")
        rows: dict[int, list[Placed]] = {}
        for item in placed:
            if item.table is not None:
                rows.setdefault(item.table, []).append(item)
        for piece in rows.values():
            if piece[-1].kind == "header row":
                problems.append(
                    f"page {number}: a table's piece ends with the header row {piece[-1].text!r}"
                )
    return problems


def _words(start: str) -> str:
    text = start
    while len(text) < MAX_TEXT:
        text += " and a note the clinic wrote down about it"
    return text[:MAX_TEXT]


def long_record(scans: int) -> PatientRecord:
    """The osteoporosis example with `scans` DXA scans half a year apart and four fractures,
    every free-text field at its bound."""
    data = json.loads((EXAMPLES_DIR / "osteoporosis.json").read_text())
    first = data["dxa_scans"][0]
    data["dxa_scans"] = []
    for n in range(scans):
        scan = json.loads(json.dumps(first))
        scan["date"] = (FIRST_SCAN + timedelta(days=182 * n)).isoformat()
        scan["facility"] = _words(f"Riverside Imaging, room {n}")
        for site in scan["sites"].values():
            site["bmd_g_cm2"] = round(site["bmd_g_cm2"] - 0.004 * n, 3)
            site["t_score"] = round(site["t_score"] - 0.05 * n, 1)
        data["dxa_scans"].append(scan)
    fracture = data["fractures"][0]
    data["fractures"] = [
        {**fracture, "date": f"20{year}-03-0{n + 1}", "site": _words(f"left wrist, fall {n}")}
        for n, year in enumerate((18, 20, 22, 24))
    ]
    return PatientRecord.parse(data, today=AS_OF)


def weeks_of_exercise(count: int) -> AdherenceSummary:
    monday = AS_OF - timedelta(days=AS_OF.weekday())
    weeks = []
    for n in reversed(range(count)):
        start = monday - timedelta(weeks=n)
        year, week, _ = start.isocalendar()
        weeks.append(
            ExerciseWeek(
                week=f"{year}-W{week:02d}",
                week_start=start,
                aerobic_minutes=90 + 15 * (n % 5),
                aerobic_target=150,
                resistance_days=2,
                resistance_target=2,
                balance_days=4,
                met=n % 3 == 0,
            )
        )
    return AdherenceSummary(weeks=weeks, streak_weeks=1, target_basis="150 min", citation="ACSM")


# (DXA scans, exercise weeks): the long patient, then shorter ones whose tables fall elsewhere.
# With eight or more scans the clinician summary's first page used to end with the group
# heading "For the care team" of the recommendations table, its rows on the next page.
VARIANTS = [(10, 26), (8, 4), (3, 8)]


@cache
def _document(audience: str, scans: int, weeks: int) -> object:
    record = long_record(scans)
    report = build_report(
        record=record,
        audience=audience,  # type: ignore[arg-type]
        as_of=AS_OF,
        intake=intake(),
        adherence=weeks_of_exercise(weeks),
    )
    return laid_out(report)


@pytest.mark.parametrize("audience", ["patient", "clinician"])
@pytest.mark.parametrize(("scans", "weeks"), VARIANTS)
def test_no_page_ends_with_a_heading_or_a_table_header(
    audience: str, scans: int, weeks: int
) -> None:
    document = _document(audience, scans, weeks)
    assert len(document.pages) > 1  # type: ignore[attr-defined]
    assert not orphans(document)


def test_the_check_sees_a_header_row_alone_at_a_page_foot() -> None:
    """The check itself: a table whose header row (header cells in the body, as a group
    heading is) is laid out at the foot of a page with no room for a row after it."""
    from weasyprint import HTML

    rows = "".join(f"<tr><td>row {n}</td></tr>" for n in range(5))
    html = (
        "<style>@page { size: 200px 200px; margin: 0 } body { margin: 0; font-size: 10px }"
        "tr { break-inside: avoid } td { height: 30px }</style>"
        "<div style='height: 175px'></div>"
        f"<table><tbody><tr><th>Header</th></tr>{rows}</tbody></table>"
    )
    found = orphans(HTML(string=html).render())
    assert "page 1 ends with the header row 'Header'" in found, found
