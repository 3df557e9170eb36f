"""Assessment speed: the pure `assess()` per example patient, and `bonewise assess` end to end.

.venv/bin/python -m benchmarks.assessment
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bonewise.clinical.assessment import assess
from bonewise.importers.patient_file import load_patient_file

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "patients").glob("*.json"))
AS_OF = date(2026, 11, 27)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    records = [load_patient_file(p, today=AS_OF) for p in EXAMPLES]
    timings = []
    for _ in range(200):
        for record in records:
            started = time.perf_counter()
            assess(record, as_of=AS_OF)
            timings.append((time.perf_counter() - started) * 1000)
    print(
        f"assess() over {len(records)} examples x 200: median {statistics.median(timings):.2f} ms, "
        f"p95 {_percentile(timings, 0.95):.2f} ms"
    )
    walls = []
    for path in EXAMPLES[:5]:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bonewise",
                "assess",
                str(path),
                "--json",
                "--as-of",
                AS_OF.isoformat(),
            ],
            check=True,
            capture_output=True,
        )
        walls.append(time.perf_counter() - started)
    print(
        f"`bonewise assess --json` wall time (process start included): median {statistics.median(walls):.2f} s"
    )


if __name__ == "__main__":
    main()
