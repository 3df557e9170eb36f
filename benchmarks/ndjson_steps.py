"""The FHIR Bulk NDJSON loader alone, step by step, on an already generated export.

    PYTHONPATH=src:. .venv/bin/python -m benchmarks.ndjson_steps /tmp/ndjson1m \
        [--parquet /tmp/parquet1m]

Generate the export once (`bonewise cohort generate --format ndjson`, or
`python -m benchmarks.cohort --phase generate-ndjson --dir DIR --arg N`) and reuse it: writing
1,000,000 women as NDJSON takes minutes. Prints each step's wall and CPU time, the staged rows,
the loader issues, the CPU time of the process (steadier than wall time on a shared machine),
the peak memory (max RSS) and the load average.

Then the floor any NDJSON loader pays, beside it in the same process: reading the export's
bytes, finding its lines' JSON objects, and parsing them into the columns the loader reads
(DuckDB `read_json` with the loader's fields per file type, nothing else done); with
`--parquet`, the same cohort's Parquet files read whole, the bare baseline a Parquet run pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from bonewise.population import fhir_ndjson
from bonewise.population.fhir_ndjson import FhirNdjsonLoader, ndjson_files


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - started, time.process_time() - cpu


def floor(files: list[Path], parquet: Path | None) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the reads every loader pays, and of reading the Parquet form."""
    con = duckdb.connect()
    listed = "[" + ", ".join(f"'{p}'" for p in files) + "]"

    def query(sql: str) -> Callable[[], object]:
        return lambda: con.execute(sql).fetchall()

    typed = [
        f"SELECT count(COLUMNS(*)) FROM {fhir_ndjson._read_json([p], fields)}"
        for p in files
        for kind in [fhir_ndjson.file_resource_type(p)]
        for fields in [
            (*fhir_ndjson._COMMON, *fhir_ndjson._FIELDS_OF_TYPE[kind])
            if kind in fhir_ndjson._FIELDS_OF_TYPE
            else tuple(fhir_ndjson._RESOURCE)
        ]
    ]
    found = {
        "read the bytes": _timed(query(f"SELECT sum(length(content)) FROM read_text({listed})")),
        "find each line's object": _timed(
            query(f"SELECT count(*) FROM read_ndjson_objects({listed})")
        ),
        "parse into the loader's columns": _timed(
            lambda: [con.execute(sql).fetchall() for sql in typed]
        ),
    }
    if parquet is not None:
        tables = sorted(parquet.glob("*.parquet"))
        found["Parquet form, read whole"] = _timed(
            lambda: [con.execute(f"SELECT count(COLUMNS(*)) FROM '{p}'").fetchall() for p in tables]
        )
    con.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path, help="a folder of FHIR Bulk *.ndjson files")
    parser.add_argument("--parquet", type=Path, help="the same cohort's Parquet files")
    args = parser.parse_args()
    files = ndjson_files(args.directory)
    with tempfile.TemporaryDirectory() as staging:
        loader = FhirNdjsonLoader(Path(staging))
        started, cpu = time.perf_counter(), time.process_time()
        paths = loader.load(files)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = {t: pq.ParquetFile(p).metadata.num_rows for t, p in paths.items()}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in files) / 1e9
    print(f"NDJSON loader on {args.directory} ({size:.2f} GB; {time.strftime('%H:%M')})")
    for step, seconds in loader.seconds.items():
        print(f"  {step:<32} {seconds:7.1f} s   CPU {loader.cpu_seconds.get(step, 0.0):6.1f} s")
    print(f"  {'total':<32} {total:7.1f} s   CPU {cpu:6.1f} s   peak {peak:,.0f} MB")
    print(f"  rows: {rows}")
    print(f"  issues: {loader.issues}")
    print("The floor (same process):")
    for name, (wall, step_cpu) in floor(files, args.parquet).items():
        print(
            f"  {name:<32} {wall:7.1f} s   CPU {step_cpu:6.1f} s   (loader CPU / this: "
            f"{cpu / step_cpu if step_cpu else float('nan'):.1f}x)"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  load average at the end: {load}")


if __name__ == "__main__":
    main()
