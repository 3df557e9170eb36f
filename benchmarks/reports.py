"""Report rendering speed: each example patient, both audiences, PDF and HTML.

    .venv/bin/python -m benchmarks.reports [--rounds N]

Prints, per audience and format, the median and worst wall time and CPU time of one
`render_report` call (assessment, charts, Jinja2 and, for PDF, WeasyPrint), after a warm-up
render that pays the one-off import and font-loading cost (also printed).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from bonewise.importers.patient_file import load_patient_file
from bonewise.render.render import render_report

AS_OF = date(2026, 11, 27)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="renders of each example")
    args = parser.parse_args()
    records = [load_patient_file(p, today=AS_OF) for p in sorted(EXAMPLES.glob("*.json"))]

    wall, cpu = time.perf_counter(), time.process_time()
    render_report(record=records[0], audience="clinician", as_of=AS_OF, fmt="pdf")
    print(
        f"warm-up (first PDF): {time.perf_counter() - wall:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU"
    )
    print(f"{len(records)} example patients x {args.rounds} round(s)")
    print(
        f"{'audience':<10} {'format':<6} {'wall p50':>9} {'wall max':>9} {'CPU p50':>8} {'size p50':>9}"
    )
    for audience in ("patient", "clinician"):
        for fmt in ("pdf", "html"):
            walls, cpus, sizes = [], [], []
            for _ in range(args.rounds):
                for record in records:
                    wall, cpu = time.perf_counter(), time.process_time()
                    data = render_report(record=record, audience=audience, as_of=AS_OF, fmt=fmt)
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
                    sizes.append(len(data))
            print(
                f"{audience:<10} {fmt:<6} {statistics.median(walls):>8.2f}s {max(walls):>8.2f}s "
                f"{statistics.median(cpus):>7.2f}s {statistics.median(sizes) / 1024:>7.0f}KB"
            )


if __name__ == "__main__":
    main()
