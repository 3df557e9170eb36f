"""The FHIR Bulk NDJSON loader alone, step by step, on an already generated export.

    PYTHONPATH=src:. .venv/bin/python -m benchmarks.ndjson_steps /tmp/ndjson1m

Generate the export once (`bonewise cohort generate --format ndjson`, or
`python -m benchmarks.cohort --phase generate-ndjson --dir DIR --arg N`) and reuse it: writing
1,000,000 women as NDJSON takes minutes. Prints each step's wall time, the staged rows, the
loader issues, the CPU time of the process (steadier than wall time on a shared machine), the
peak memory (max RSS) and the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from bonewise.population.fhir_ndjson import FhirNdjsonLoader, ndjson_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path, help="a folder of FHIR Bulk *.ndjson files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as staging:
        loader = FhirNdjsonLoader(Path(staging))
        started, cpu = time.perf_counter(), time.process_time()
        paths = loader.load(ndjson_files(args.directory))
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = {t: pq.ParquetFile(p).metadata.num_rows for t, p in paths.items()}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"NDJSON loader on {args.directory} ({time.strftime('%H:%M')}, load {load})")
    for step, seconds in loader.seconds.items():
        print(f"  {step:<24} {seconds:7.1f} s")
    print(f"  {'total':<24} {total:7.1f} s   CPU {cpu:.1f} s   peak {peak:,.0f} MB")
    print(f"  rows: {rows}")
    print(f"  issues: {loader.issues}")


if __name__ == "__main__":
    main()
