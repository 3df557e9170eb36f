"""Report rendering speed beside a bare WeasyPrint baseline, in the same process and run.

    .venv/bin/python -m benchmarks.reports [--rounds N]

For each audience and format, the median and worst wall time and CPU time of one
`render_report` call (assessment, charts, Jinja2 and, for PDF, WeasyPrint) for every example
patient with a month of food diary and eight weeks of exercise log (a typical stored patient),
after a warm-up render that pays the one-off import and font-loading cost (also printed).

The JPEG charts of the PDF are cached per drawing (a report of the same data draws them once);
every render here starts with that cache emptied, so each row is a report whose charts are new.

The baseline is a trivial one-paragraph page through WeasyPrint with the same embedded DejaVu
font; each row's ratio is its median over the baseline's median (CPU and wall), so a busy
machine shows in both and the ratio stays comparable between runs. Target: each PDF in at most
0.5 s in process.

    .venv/bin/python -m benchmarks.reports --against ../main/src [--rounds N]

An A/B against another checkout's `src` (e.g. main): two worker processes, one importing this
checkout's bonewise and one the other's, render the same PDFs in turn (A then B, then B then A),
each beside its own trivial page; printed are each side's CPU medians and B/A. The workers run at
the same time on the same machine, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from bonewise.importers.patient_file import load_patient_file
from bonewise.render.charts import forget_drawn_charts
from bonewise.render.model import (
    AdherenceSummary,
    DayIntake,
    ExerciseWeek,
    IntakeSummary,
    NutrientIntake,
)
from bonewise.render.render import AUDIENCES, _font_faces, render_report

AS_OF = date(2026, 11, 27)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"
BASELINE_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><style>{fonts} html {{ font-family: "
    "'DejaVu Sans'; }}</style></head><body><h1>Baseline</h1><p>One short paragraph.</p>"
    "</body></html>"
)


def typical_intake() -> IntakeSummary:
    """A month of food diary: calcium under target, vitamin D partly unknown."""
    days = [AS_OF - timedelta(days=n) for n in reversed(range(30))]
    return IntakeSummary(
        start=days[0],
        end=days[-1],
        days_logged=len(days),
        nutrients=[
            NutrientIntake(
                key="calcium_mg",
                label="Calcium",
                unit="mg",
                average_per_day=880.0,
                target=1200.0,
                target_basis="hadji-2017",
                citation="Hadji 2017",
            ),
            NutrientIntake(
                key="vitamin_d_iu",
                label="Vitamin D",
                unit="IU",
                average_per_day=640.0,
                target=800.0,
                unknown_share=0.2,
                citation="IOM 2011",
            ),
            NutrientIntake(key="vitamin_k_ug", label="Vitamin K", unit="ug", average_per_day=None),
        ],
        days=[
            DayIntake(day=d, calcium_mg=700.0 + 20 * (i % 9), vitamin_d_iu=None if i % 5 else 600.0)
            for i, d in enumerate(days)
        ],
    )


def typical_adherence() -> AdherenceSummary:
    monday = AS_OF - timedelta(days=AS_OF.weekday())
    weeks = []
    for n in reversed(range(8)):
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


def _timed(call: Callable[[], bytes]) -> tuple[float, float, int]:
    forget_drawn_charts()
    wall, cpu = time.perf_counter(), time.process_time()
    size = len(call())
    return time.perf_counter() - wall, time.process_time() - cpu, size


def _worker() -> None:
    """Answers `baseline` or `AUDIENCE INDEX` lines on stdin with `wall cpu size` lines."""
    from weasyprint import HTML

    records = [load_patient_file(p, today=AS_OF) for p in sorted(EXAMPLES.glob("*.json"))]
    intake, adherence = typical_intake(), typical_adherence()
    baseline_html = BASELINE_HTML.format(fonts=_font_faces())
    for audience in AUDIENCES:  # warm-up: imports, fonts, stylesheet
        render_report(record=records[0], audience=audience, as_of=AS_OF, fmt="pdf")
    print(len(records), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words == ["baseline"]:
            result = _timed(lambda: HTML(string=baseline_html, base_url=".").write_pdf())
        else:
            record = records[int(words[1])]
            audience = next(a for a in AUDIENCES if a == words[0])
            result = _timed(
                lambda record=record, audience=audience: render_report(  # type: ignore[misc]
                    record=record,
                    audience=audience,
                    as_of=AS_OF,
                    fmt="pdf",
                    intake=intake,
                    adherence=adherence,
                    patient_name="Benchmark Patient",
                )
            )
        print(*result, flush=True)


def _against(other_src: Path, rounds: int, examples: int | None) -> None:
    """Interleaved A/B: A imports bonewise from `other_src`, B from this checkout."""
    here = Path(__file__).resolve().parents[1]
    sides = {"A": other_src.resolve(), "B": here / "src"}
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-m", "benchmarks.reports", "--worker"],
            cwd=here,
            env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{here}"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, src in sides.items()
    }
    counts = {name: int(w.stdout.readline()) for name, w in workers.items()}  # type: ignore[union-attr]
    if len(set(counts.values())) != 1:
        raise SystemExit(f"the two sides see different example sets: {counts}")
    shown = min(counts["A"], examples or counts["A"])

    def ask(name: str, command: str) -> tuple[float, float, int]:
        worker = workers[name]
        print(command, file=worker.stdin, flush=True)
        wall, cpu, size = worker.stdout.readline().split()  # type: ignore[union-attr]
        return float(wall), float(cpu), int(size)

    jobs = [
        command
        for _ in range(rounds)
        for command in ["baseline"]
        + [f"{audience} {i}" for audience in AUDIENCES for i in range(shown)]
    ]
    times: dict[tuple[str, str], list[float]] = {}
    for n, command in enumerate(jobs):
        for name in ("A", "B") if n % 2 == 0 else ("B", "A"):
            times.setdefault((name, command.split()[0]), []).append(ask(name, command)[1])
    for worker in workers.values():
        worker.stdin.close()  # type: ignore[union-attr]
        worker.wait()
    print(f"A = {sides['A']}\nB = {sides['B']}\nload: {os.getloadavg()[0]:.1f} (1 min)")
    print(f"{'CPU median':<10} {'A':>8} {'B':>8} {'B/A':>6} {'A/base':>7} {'B/base':>7}")
    base = {name: statistics.median(times[name, "baseline"]) for name in sides}
    for what in ("baseline", *AUDIENCES):
        a, b = (statistics.median(times[name, what]) for name in sides)
        print(
            f"{what:<10} {a:>7.3f}s {b:>7.3f}s {b / a:>6.2f} {a / base['A']:>6.1f}x "
            f"{b / base['B']:>6.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="renders of each example")
    parser.add_argument(
        "--against", type=Path, help="another checkout's src folder: an interleaved A/B"
    )
    parser.add_argument("--examples", type=int, help="A/B on the first N examples only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker()
    if args.against:
        return _against(args.against, args.rounds, args.examples)
    from weasyprint import HTML

    records = [load_patient_file(p, today=AS_OF) for p in sorted(EXAMPLES.glob("*.json"))]
    intake, adherence = typical_intake(), typical_adherence()
    baseline_html = BASELINE_HTML.format(fonts=_font_faces())

    def baseline() -> bytes:
        pdf: bytes = HTML(string=baseline_html, base_url=".").write_pdf()
        return pdf

    wall, cpu, _ = _timed(
        lambda: render_report(record=records[0], audience="clinician", as_of=AS_OF, fmt="pdf")
    )
    print(f"warm-up (first PDF): {wall:.2f} s wall, {cpu:.2f} s CPU")
    base = [_timed(baseline) for _ in range(max(5, len(records) * args.rounds))]
    base_wall = statistics.median(b[0] for b in base)
    base_cpu = statistics.median(b[1] for b in base)
    print(
        f"baseline (trivial WeasyPrint page): {base_wall * 1000:.0f} ms wall, "
        f"{base_cpu * 1000:.0f} ms CPU (median of {len(base)})"
    )
    print(
        f"{len(records)} example patients x {args.rounds} round(s), with a 30-day diary and "
        "8-week exercise log"
    )
    print(
        f"{'audience':<10} {'format':<6} {'wall p50':>9} {'wall max':>9} {'CPU p50':>8} "
        f"{'x base CPU':>10} {'x base wall':>11} {'size p50':>9}"
    )
    for audience in AUDIENCES:
        for fmt in ("pdf", "html"):
            runs = [
                _timed(
                    lambda record=record, audience=audience, fmt=fmt: render_report(  # type: ignore[misc]
                        record=record,
                        audience=audience,
                        as_of=AS_OF,
                        fmt=fmt,
                        intake=intake,
                        adherence=adherence,
                        patient_name="Benchmark Patient",
                    )
                )
                for _ in range(args.rounds)
                for record in records
            ]
            walls, cpus, sizes = zip(*runs, strict=True)
            print(
                f"{audience:<10} {fmt:<6} {statistics.median(walls):>8.2f}s {max(walls):>8.2f}s "
                f"{statistics.median(cpus):>7.2f}s {statistics.median(cpus) / base_cpu:>9.1f}x "
                f"{statistics.median(walls) / base_wall:>10.1f}x "
                f"{statistics.median(sizes) / 1024:>7.0f}KB"
            )


if __name__ == "__main__":
    main()
