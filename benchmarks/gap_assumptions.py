"""The gap CSVs' `assumptions` column: its share of one population run, in the same run.

    PYTHONPATH=src:. .venv/bin/python -m benchmarks.gap_assumptions [COHORT_DIR] [--patients N]

Without COHORT_DIR a Parquet cohort of N women (default 100,000) is generated into a temporary
folder first. One `run_care_gaps` on DuckDB; the step that lists the gap women's assumptions
(`population.assumptions.of_women`) is timed in CPU seconds inside it, so the rest of the same
run is its baseline. Prints both, their ratio, the gap women and the load average.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from bonewise.population import assumptions, runner
from bonewise.population.generate import write_cohort

AS_OF = date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort", nargs="?", type=Path)
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bw-assumptions-") as tmp:
        cohort = args.cohort
        if cohort is None:
            cohort = Path(tmp) / "cohort"
            write_cohort(cohort, patients=args.patients, seed=1, until=AS_OF)
        spent: dict[str, float] = {}
        listed = assumptions.of_women

        def timed(*a: object, **k: object) -> dict[str, str]:
            started = time.process_time()
            found = listed(*a, **k)  # type: ignore[arg-type]
            spent["cpu"] = time.process_time() - started
            spent["women"] = len(found)
            return found

        assumptions.of_women = timed
        started = time.process_time()
        runner.run_care_gaps(source=cohort, engine="duckdb", as_of=AS_OF, out=Path(tmp) / "out")
        whole = time.process_time() - started
    rest = whole - spent["cpu"]
    print(f"gap women: {int(spent['women']):,}")
    print(f"run without the assumptions step: {rest:.2f} CPU-s")
    print(f"assumptions step: {spent['cpu']:.2f} CPU-s ({spent['cpu'] / rest:.2f}x the rest)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
