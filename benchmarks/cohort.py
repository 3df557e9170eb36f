"""Population care gaps: 1,000,000 women on DuckDB beside hand-written DuckDB SQL, the
row-by-row Python oracle, Spark local.

    .venv/bin/python -m benchmarks.cohort                  # all phases (about 5 minutes)
    .venv/bin/python -m benchmarks.cohort --skip-spark --skip-small
    .venv/bin/python -m benchmarks.cohort --patients 200000 --small 20000

Each phase runs in its own process so that its peak memory (max RSS) is its own. The cohort is
the seeded synthetic one (flat-schema Parquet), evaluated as of its last day. The bare baseline
is `benchmarks.cohort_sql` (the five measures as hand-written SQL, no quality report, no output
files); the product run (`cohort run`'s path) must give the same gap lists, which is checked.
Each phase reports wall time and the CPU time of its process beside it: on a machine shared with
other work the CPU ratio moves less than the wall-time ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Literal

UNTIL = date(2026, 1, 1)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_generate(
    directory: Path, patients: int, output_format: Literal["parquet", "ndjson"] = "parquet"
) -> dict[str, Any]:
    from bonewise.population.generate import write_cohort

    started = time.perf_counter()
    # no malformed rows: the NDJSON and Parquet forms of the cohort then hold the same facts
    result = write_cohort(
        directory,
        patients=patients,
        seed=2026,
        until=UNTIL,
        output_format=output_format,
        malformed_rate=0.0,
    )
    return {"seconds": time.perf_counter() - started, "rows": sum(result.rows.values())}


def _digest(rows: list[tuple[str, date]]) -> str:
    """One hash of a gap list (ids and index dates), to compare lists across processes."""
    text = "\n".join(f"{pid},{day.isoformat()}" for pid, day in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def phase_sql(directory: Path) -> dict[str, Any]:
    from benchmarks.cohort_sql import gap_lists
    from bonewise.measures.definitions import load_measures

    started, cpu = time.perf_counter(), time.process_time()
    gaps = gap_lists(directory, UNTIL, load_measures())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "gaps": {m: t.num_rows for m, t in gaps.items()},
        "lists": {
            m: _digest(
                list(
                    zip(
                        t.column("person_id").to_pylist(),
                        t.column("index_date").to_pylist(),
                        strict=True,
                    )
                )
            )
            for m, t in gaps.items()
        },
    }


def phase_engine(directory: Path, engine: str) -> dict[str, Any]:
    from bonewise.population.runner import run_care_gaps

    started = time.perf_counter()
    session = None
    if engine == "spark":
        from bonewise.population.engine import spark_session

        session = spark_session("local[*]")
    session_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as out:
        t0, cpu = time.perf_counter(), time.process_time()
        result = run_care_gaps(
            source=directory,
            out=Path(out),
            engine=engine,
            as_of=UNTIL,
            session=session,  # type: ignore[arg-type]
        )
        run_seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - cpu
    if session is not None:
        session.stop()
    return {
        "seconds": run_seconds,
        "cpu_seconds": cpu_seconds,
        "session_seconds": session_seconds,
        "gaps": {m: o.gaps for m, o in result.measures.items()},
        "lists": {m: _digest(o.gap_rows) for m, o in result.measures.items()},
        "steps": {k: round(v, 2) for k, v in result.seconds.items()},
        # staging alone (the NDJSON loader, or reading the Parquet files): `cpu_seconds` also
        # holds the evaluation that follows, so it is not the loader's cost
        "load_cpu_seconds": result.source.cpu_seconds,
        "load_average": os.getloadavg()[0],
    }


def phase_python(directory: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from tests.oracles import caregaps_reference as reference

    from bonewise.measures.definitions import load_measures
    from bonewise.population.schema import TABLES

    started = time.perf_counter()
    tables = {t: pq.read_table(directory / f"{t}.parquet").to_pylist() for t in TABLES}
    outcomes = reference.evaluate(tables, UNTIL, load_measures())
    gaps = reference.gaps(outcomes)
    return {"seconds": time.perf_counter() - started, "gaps": {m: len(g) for m, g in gaps.items()}}


def _child(phase: str, directory: Path, extra: str = "") -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.cohort", "--phase", phase, "--dir", str(directory)]
    if extra:
        command += ["--arg", extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument(
        "--skip-small", action="store_true", help="only the large cohort: product and SQL"
    )
    parser.add_argument("--cohort", help="an already generated flat-schema Parquet cohort")
    parser.add_argument(
        "--ndjson",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="also: N women as FHIR Bulk NDJSON and as Parquet, both run, gap lists compared "
        "(repeat for several sizes: --ndjson 100000 --ndjson 1000000)",
    )
    parser.add_argument(
        "--ndjson-only",
        action="store_true",
        help="only the NDJSON / Parquet comparisons (no hand-written SQL baseline)",
    )
    parser.add_argument(
        "--ndjson-keep",
        metavar="DIR",
        help="keep each --ndjson cohort (DIR/ndjson-N, DIR/parquet-N) and reuse it when present: "
        "writing 1,000,000 women as NDJSON takes minutes",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--arg", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # inside a child process: run one phase, print its figures as JSON
        directory = Path(args.dir)
        phases = {
            "generate": lambda: phase_generate(directory, int(args.arg)),
            "generate-ndjson": lambda: phase_generate(directory, int(args.arg), "ndjson"),
            "duckdb": lambda: phase_engine(directory, "duckdb"),
            "sql": lambda: phase_sql(directory),
            "spark": lambda: phase_engine(directory, "spark"),
            "python": lambda: phase_python(directory),
        }
        figures = phases[args.phase]()
        figures["peak_mb"] = round(_peak_mb())
        print(json.dumps(figures))
        return

    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        rows = []
        gen = sql = duck = None
        if not args.ndjson_only:
            if args.cohort:
                big = Path(args.cohort)
            else:
                gen = _child("generate", big, str(args.patients))
                rows.append((f"generate {args.patients:,} women (Parquet)", gen))
            sql = _child("sql", big)
            rows.append((f"hand-written DuckDB SQL, {args.patients:,} women", sql))
            duck = _child("duckdb", big)
            rows.append((f"cohort run (DuckDB), {args.patients:,} women", duck))
            if duck["lists"] != sql["lists"]:
                raise SystemExit(f"product and SQL gap lists differ: {duck['gaps']} {sql['gaps']}")
        ndjson_runs: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for size in args.ndjson:
            keep = Path(args.ndjson_keep) if args.ndjson_keep else None
            nd_parquet, nd_ndjson = (
                (keep or Path(tmp)) / f"{'parquet' if keep else 'nd-parquet'}-{size}",
                (keep or Path(tmp)) / f"{'ndjson' if keep else 'nd-ndjson'}-{size}",
            )
            for phase, folder in (("generate", nd_parquet), ("generate-ndjson", nd_ndjson)):
                if keep is None or not (folder / ".complete").exists():
                    _child(phase, folder, str(size))
                    if keep is not None:
                        (folder / ".complete").touch()
            parquet = _child("duckdb", nd_parquet)
            rows.append((f"cohort run, {size:,} women from Parquet", parquet))
            ndjson = _child("duckdb", nd_ndjson)
            rows.append((f"cohort run, {size:,} women from NDJSON", ndjson))
            if keep is None:
                shutil.rmtree(nd_parquet)
                shutil.rmtree(nd_ndjson)
            if ndjson["lists"] != parquet["lists"]:
                raise SystemExit(f"NDJSON and Parquet disagree: {ndjson['gaps']} {parquet['gaps']}")
            ndjson_runs.append((size, ndjson, parquet))
        python = duck_small = spark = None
        if not args.skip_small:
            _child("generate", small, str(args.small))
            duck_small = _child("duckdb", small)
            rows.append((f"DuckDB, {args.small:,} women", duck_small))
            python = _child("python", small)
            rows.append((f"plain Python row by row, {args.small:,} women", python))
            if python["gaps"] != duck_small["gaps"]:
                raise SystemExit(
                    f"oracle and DuckDB disagree: {python['gaps']} {duck_small['gaps']}"
                )
            if not args.skip_spark:
                spark = _child("spark", small)
                rows.append((f"Spark local[*], {args.small:,} women", spark))
                if spark["lists"] != duck_small["lists"]:
                    raise SystemExit(f"Spark and DuckDB disagree: {spark['gaps']}")

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"cohort benchmark ({time.strftime('%Y-%m-%d %H:%M')}, as of {UNTIL}; "
        f"{os.cpu_count()} cores, load average at the end {load})"
    )
    for label, f in rows:
        start = f.get("session_seconds", 0.0)
        extra = f" (+{start:.1f} s Spark session start)" if start > 0.5 else ""
        cpu = f" (CPU {f['cpu_seconds']:.1f} s)" if "cpu_seconds" in f else ""
        print(f"  {label:<48} {f['seconds']:8.1f} s{cpu}  peak {f['peak_mb']:6,} MB{extra}")
    if gen:
        print(f"  generated rows: {gen['rows']:,}")
    if duck and sql:
        print(f"  DuckDB steps ({args.patients:,}): {duck['steps']}")
        print(
            f"  cohort run / hand-written SQL at {args.patients:,}: "
            f"{duck['seconds'] / sql['seconds']:.2f}x time "
            f"({duck['cpu_seconds'] / sql['cpu_seconds']:.2f}x CPU time), "
            f"{duck['peak_mb'] / sql['peak_mb']:.2f}x peak memory; gap lists identical"
        )
        print(f"  gaps at {args.patients:,}: {duck['gaps']}")
    for size, ndjson, parquet in ndjson_runs:
        print(
            f"  NDJSON / Parquet at {size:,}: {ndjson['seconds'] / parquet['seconds']:.2f}x time "
            f"({ndjson['cpu_seconds'] / parquet['cpu_seconds']:.2f}x CPU time), "
            f"{ndjson['peak_mb'] / parquet['peak_mb']:.2f}x peak memory; gap lists identical"
        )
        for form, f in (("NDJSON", ndjson), ("Parquet", parquet)):
            load_cpu = f["load_cpu_seconds"]
            print(
                f"    {form} at {size:,}: loading {f['steps'].get('load', 0):.1f} s "
                f"(CPU {load_cpu:.1f} s), evaluating and writing CPU "
                f"{f['cpu_seconds'] - load_cpu:.1f} s; 1-minute load average at its end "
                f"{f['load_average']:.1f}"
            )
    if python and duck_small and duck:
        ratio = python["seconds"] / duck_small["seconds"]
        per_woman = duck["seconds"] / args.patients * args.small
        print(
            f"  plain Python / DuckDB at {args.small:,}: {ratio:.1f}x; "
            f"plain Python / DuckDB per woman (DuckDB at {args.patients:,}): "
            f"{python['seconds'] / per_woman:.1f}x"
        )
    if spark and duck_small:
        print(
            f"  Spark / DuckDB at {args.small:,}: {spark['seconds'] / duck_small['seconds']:.1f}x"
        )


if __name__ == "__main__":
    main()
