"""BMD history with its LSC band, the clinician model, and the charts."""

from __future__ import annotations

import itertools
import re

import pytest

from bonewise import evidence
from bonewise.clinical.assessment import assess
from bonewise.clinical.densitometry import precision_pct
from bonewise.clinical.models import SiteResult
from bonewise.render import charts
from bonewise.render.clinician import NO_EXERCISE, NO_INTAKE, build_clinician_report
from bonewise.render.patient import build_patient_report
from bonewise.render.render import render_html

from .helpers import AS_OF, EXAMPLES, adherence, example, intake


def test_history_band_is_lsc_around_the_baseline_scan():
    history = {s.site: s for s in tuple(assess(example("osteoporosis"), as_of=AS_OF).bmd_series)}
    spine = history["lumbar_spine"]
    assert [p.bmd_g_cm2 for p in spine.points] == [0.79, 0.772]
    assert spine.baseline.bmd_g_cm2 == 0.79
    expected = evidence.LSC_FACTOR.value * precision_pct("hologic", "lumbar_spine")
    assert spine.lsc_percent == pytest.approx(expected, abs=0.01)
    assert spine.lsc_g_cm2 == pytest.approx(0.79 * expected / 100, abs=1e-4)
    # -2.28% is inside a 2.99% band: not a real loss.
    assert not spine.points[-1].beyond_lsc


def test_history_never_joins_bmd_from_different_scanner_makes():
    neck = {s.site: s for s in tuple(assess(example("lunar-conversion"), as_of=AS_OF).bmd_series)}[
        "femoral_neck"
    ]
    assert neck.baseline.make == "lunar"
    assert [p.make for p in neck.other_make] == ["hologic"]
    assert not neck.other_make[0].beyond_lsc


def test_a_site_without_known_precision_has_no_band_and_no_change_call():
    record = example("osteoporosis")
    scans = [
        scan.model_copy(
            update={"sites": {**scan.sites, "radius_33": SiteResult(bmd_g_cm2=0.70 - 0.10 * n)}}
        )
        for n, scan in enumerate(record.scans_by_date)
    ]
    record = record.model_copy(update={"dxa_scans": scans})
    forearm = {s.site: s for s in tuple(assess(record, as_of=AS_OF).bmd_series)}["radius_33"]
    assert forearm.lsc_percent is None and forearm.lsc_g_cm2 is None
    assert not any(p.beyond_lsc for p in forearm.points)  # a 14% drop, but no call
    assert charts.bmd_chart((forearm,)) is not None
    a = assess(record, as_of=AS_OF)
    assert any(c.site == "radius_33" for c in a.bmd_changes)
    patient = build_patient_report(record=record, assessment=a)
    assert "forearm" not in " ".join(patient.bone_details)  # neither "held steady" nor "gone down"
    clinician = build_clinician_report(record=record, assessment=a)
    row = render_html(clinician).split("<td>33% radius</td>")[1].split("</tr>")[0]
    assert "<td>unknown</td>" in row and "no call: precision unknown" in row
    assert "within LSC" not in row


def test_history_ignores_scans_after_the_report_day():
    record = example("osteoporosis")
    first = record.scans_by_date[0].date
    assert all(len(s.points) == 1 for s in tuple(assess(record, as_of=first).bmd_series))
    assert tuple(assess(example("no-dxa-yet"), as_of=AS_OF).bmd_series) == ()


@pytest.mark.parametrize("name", EXAMPLES)
def test_clinician_report_puts_every_guideline_side_by_side_with_citations(name):
    record = example(name)
    a = assess(record, as_of=AS_OF)
    r = build_clinician_report(record=record, assessment=a)
    assert [c.key for c in r.guidelines] == list(a.guidelines)
    shown = [rec for c in r.guidelines for rec in c.recommendations] + list(r.other_recommendations)
    assert sorted(rec.id for rec in shown) == sorted(rec.id for rec in a.recommendations)
    for rec in [*a.recommendations, *a.safety_checks]:
        assert rec.citation in r.citations
    assert r.intake_message == NO_INTAKE
    assert r.exercise_message == NO_EXERCISE
    if a.who_category:
        assert r.category == a.who_category
    else:
        assert r.category.startswith("not assigned")


def test_clinician_report_with_summaries_has_no_missing_messages():
    record = example("normal")
    r = build_clinician_report(
        record=record,
        assessment=assess(record, as_of=AS_OF),
        intake=intake(),
        adherence=adherence(),
    )
    assert r.intake_message == "" and r.exercise_message == ""
    assert "Hadji P et al. J Bone Oncol 2017" in r.citations


def test_bmd_chart_draws_each_site_with_its_band():
    svg = charts.bmd_chart(tuple(assess(example("osteoporosis"), as_of=AS_OF).bmd_series))
    assert svg is not None and svg.lstrip().startswith(b"<?xml")
    text = svg.decode()
    for title in ("lumbar spine (L1-L4)", "femoral neck", "total hip", "LSC ±3.0%"):
        assert title in text


def test_the_patient_chart_speaks_plain_words():
    svg = charts.bmd_chart(
        tuple(assess(example("osteoporosis"), as_of=AS_OF).bmd_series), large=True
    )
    assert svg is not None
    text = " ".join(re.findall(r">([^<]+)<", svg.decode()))  # what she reads, not attributes
    for words in ("lower spine", "top of thigh bone", "too small a change to be sure"):
        assert words in text
    assert "LSC" not in text and "lumbar" not in text


def test_a_mixed_maker_chart_labels_the_points_it_cannot_compare():
    svg = charts.bmd_chart(tuple(assess(example("lunar-conversion"), as_of=AS_OF).bmd_series))
    assert svg is not None and b"other scanner make (not comparable)" in svg


def test_charts_are_skipped_when_there_is_nothing_to_draw():
    assert charts.bmd_chart(()) is None
    assert charts.intake_chart(None) is None
    assert charts.exercise_chart(None) is None


def test_intake_and_exercise_charts_show_targets():
    svg = charts.intake_chart(intake())
    assert svg is not None
    assert b"target 1,200" in svg and b"1 day(s) unknown" in svg
    assert b"known foods only" not in svg  # every logged food had a calcium value
    partly = charts.intake_chart(intake(calcium_unknown=0.1))
    assert partly is not None and b"known foods only: may be higher" in partly
    svg = charts.exercise_chart(adherence())
    assert svg is not None and b"target 150 min" in svg


def test_charts_are_the_same_bytes_when_drawn_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    histories = [
        tuple(assess(example(n), as_of=AS_OF).bmd_series)
        for n in ("osteoporosis", "lunar-conversion")
    ]
    jobs = [(h, large) for h in histories for large in (False, True)]
    serial = [charts.bmd_chart(h, large=large) for h, large in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda job: charts.bmd_chart(job[0], large=job[1]), jobs))
    assert threaded == serial
    assert serial[0] != serial[1]  # the patient's large, plain chart differs


@pytest.mark.parametrize(
    ("name", "field", "expected"),
    [
        (
            "osteopenia-with-risk-factors",
            "frax",
            "2025-06-12: major osteoporotic 14%, hip 2.1% (with BMD)",
        ),
        ("normal", "frax", "not entered"),
        ("vertebral-fracture-recent", "fractures", "2026-07-03 vertebra L1 (fragility)"),
        ("lapsed-denosumab", "bone_therapy", "denosumab: 11 dose(s), last 2026-02-03"),
        ("normal", "bone_therapy", "none recorded"),
    ],
)
def test_clinician_report_states_frax_fractures_and_bone_therapy(name, field, expected):
    record = example(name)
    r = build_clinician_report(record=record, assessment=assess(record, as_of=AS_OF))
    assert getattr(r, field) == expected


def test_the_facilitys_own_precision_sets_the_history_band():
    record = example("osteoporosis")
    scans = [
        scan.model_copy(update={"facility_precision_pct": {"lumbar_spine": 0.5}})
        for scan in record.scans_by_date
    ]
    record = record.model_copy(update={"dxa_scans": scans})
    spine = {s.site: s for s in tuple(assess(record, as_of=AS_OF).bmd_series)}["lumbar_spine"]
    assert spine.lsc_percent == pytest.approx(2.77 * 0.5, abs=0.01)
    # -2.28% is beyond this facility's 1.39% band: a real loss here.
    assert spine.points[-1].beyond_lsc


def _x_labels(svg: bytes) -> list[tuple[float, float, str]]:
    """(x, y, text) of every centred label below an axis."""
    return [
        (float(x), float(y), text)
        for x, y, text in re.findall(
            r'<text x="([\d.]+)" y="([\d.]+)"[^>]*text-anchor="middle"(?! font-weight)[^>]*>'
            r"([^<]*)</text>",
            svg.decode(),
        )
        if not re.search(r"rotate", text)
    ]


@pytest.mark.parametrize("days", [1, 2, 30])
def test_intake_chart_date_labels_never_overlap(days):
    svg = charts.intake_chart(intake(days=days))
    assert svg is not None
    labels = [(x, y, t) for x, y, t in _x_labels(svg) if t[:1].isdigit()]
    assert labels, "no date labels"
    if days == 1:
        assert len(labels) == 2  # one date under each of the two panels
        assert labels[0][2] == labels[1][2] == f"{AS_OF.day} {AS_OF.strftime('%b')}"
    by_row: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in labels:
        by_row.setdefault(y, []).append((x, text))
    for row in by_row.values():
        row.sort()
        for (x1, t1), (x2, t2) in itertools.pairwise(row):
            half_widths = (len(t1) + len(t2)) * charts.CLINICIAN.size * charts.CHAR_WIDTH / 2
            if abs(x2 - x1) < charts.WIDTH / 2 - 40:  # same panel
                assert x2 - x1 >= half_widths, f"{t1!r} and {t2!r} overlap"


def test_chart_text_is_at_least_as_large_as_body_text():
    svg = charts.bmd_chart(
        tuple(assess(example("osteoporosis"), as_of=AS_OF).bmd_series), large=True
    )
    assert svg is not None
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg.decode())]
    assert min(sizes) >= charts.PATIENT.size


def test_a_summary_without_a_source_for_exercise_still_renders():
    from bonewise.render.render import render_html

    record = example("osteoporosis")
    a = assess(record, as_of=AS_OF)
    bare = adherence().model_copy(update={"citation": ""})
    report = build_clinician_report(record=record, assessment=a, adherence=bare)
    assert report.cite("") == "" and report.cite(report.citations[0]) == "[1]"
    assert "Exercise adherence" in render_html(report)


def test_the_pdf_chart_is_a_picture_of_the_same_drawing_with_its_words_kept():
    """The PDF embeds the chart as a JPEG (WeasyPrint lays out every letter of an SVG); the
    picture shows the LSC band and the BMD line, and its words go under it as text."""
    import io

    import numpy as np
    from PIL import Image

    drawing = charts.bmd_drawing(tuple(assess(example("osteoporosis"), as_of=AS_OF).bmd_series))
    assert drawing is not None
    picture = drawing.jpeg()
    image = Image.open(io.BytesIO(picture))
    assert image.format == "JPEG" and image.width == charts.WIDTH * charts.RASTER_SCALE
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)

    def near(hex_colour: str) -> int:
        rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        return int(np.all(np.abs(pixels - rgb) <= 12, axis=2).sum())

    assert near(charts.BAND) > 10_000 and near(charts.LINE) > 200
    assert drawing.jpeg() is picture  # the same drawing is drawn once
    for words in ("lumbar spine (L1-L4)", "LSC ±3.0%", "BMD g/cm²", "BMD, same scanner make"):
        assert words in drawing.summary
    assert drawing.summary.count("BMD g/cm²") == 1  # every panel's axis, said once
    html = render_html(
        build_clinician_report(
            record=example("osteoporosis"), assessment=assess(example("osteoporosis"), as_of=AS_OF)
        )
    )
    assert "In the chart:" not in html  # the HTML keeps the SVG, whose words are text already


@pytest.mark.parametrize("large", [False, True])
def test_no_chart_text_runs_past_the_right_edge(large):
    """The patient's intake chart cut "Vitamin D: target 800 (dashe" and "27 No" at its edge."""
    drawings = [
        charts.intake_drawing(intake(days=30, calcium_unknown=0.1), large=large),
        charts.exercise_drawing(adherence(), large=large),
        charts.bmd_drawing(
            tuple(assess(example("lunar-conversion"), as_of=AS_OF).bmd_series), large=large
        ),
    ]
    for drawing in drawings:
        assert drawing is not None
        for op in drawing.ops:
            if op[0] != "text" or op[8]:  # the rotated axis names sit at the left
                continue
            _, x, _, text, anchor, size, bold, *_ = op
            width = len(text) * size * (charts.BOLD_CHAR_WIDTH if bold else charts.CHAR_WIDTH)
            reach = {"start": x + width, "middle": x + width / 2, "end": x}[anchor]
            assert reach <= charts.WIDTH + 0.5, text


def test_the_clinician_report_keeps_the_exercise_table_not_a_chart_of_the_same_numbers():
    """Issue 14 (the lead's decision): his 8-week exercise table gives each week's minutes
    against the target exactly, and screen readers read it; the chart repeating it is left out.
    Her report keeps her chart, and both keep the intake chart (daily values, not in a table)."""
    record = example("osteoporosis")
    assessment = assess(record, as_of=AS_OF)
    built = {"intake": intake(days=30), "adherence": adherence()}
    clinician = render_html(build_clinician_report(record=record, assessment=assessment, **built))
    patient = render_html(build_patient_report(record=record, assessment=assessment, **built))
    assert 'id="exercise-chart"' not in clinician
    assert "<th>ISO week</th><th>Aerobic min</th>" in clinician
    assert "2026-W47</td><td>170 / 150</td>" in clinician
    assert 'id="exercise-chart"' in patient
    assert 'id="intake-chart"' in clinician and 'id="intake-chart"' in patient
