"""Concurrent lab writes to one record, beside a bare row insert in the same run.

Writers in processes of their own (as several web workers would be) add labs to one patient's
record that already holds 2,000 labs, through the service layer (`services.records.add_lab`:
access check, validation, one row, the audit entry, and the record read back as the API returns
it), for `--duration` seconds. The baseline is the same writers inserting a bare row into a
scratch table of the same store and committing (no service, no validation). Prints writes,
errors, p50 and p99 for both, and the ratios. Target (issue 17): 0 errors, p99 <= 200 ms with
8 writers for 60 s, on SQLite and PostgreSQL.

    python -m benchmarks.record_writes [--writers 8] [--duration 60] [--labs 2000]
    bash scripts/with-postgres.sh python -m benchmarks.record_writes --database postgresql
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Column, Float, Integer, MetaData, Table, create_engine, text

P99_TARGET_MS = 200.0
BARE = Table(
    "bench_bare",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("writer", Integer),
    Column("value", Float),
)
PASSWORD = "benchmark-password-1"


@dataclass(frozen=True)
class Result:
    writes: int
    errors: int
    p50_ms: float
    p99_ms: float
    first_error: str | None


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _prepare(url: str, labs: int) -> tuple[int, str]:
    """A patient with `labs` labs (the user id and her patient id)."""
    from bonewise.clinical.models import PatientRecord
    from bonewise.services.demo import default_examples_dir
    from bonewise.store.uow import UnitOfWork, open_store

    factory = open_store(url)
    data = json.loads((default_examples_dir() / "normal.json").read_text())
    start = date(2020, 1, 1)
    data["id"] = "p-bench"
    data["labs"] = [
        {
            "kind": "25_oh_vitamin_d",
            "date": (start + timedelta(days=i % 2000)).isoformat(),
            "value": 20 + i % 40,
            "unit": "ng/mL",
        }
        for i in range(labs)
    ]
    with UnitOfWork(factory) as uow:
        uow.patients.save(PatientRecord.parse(data, today=date.today()))
        user = uow.accounts.create_user(
            email="bench@example.org", name="Bench", role="patient", password=PASSWORD
        )
        user = uow.accounts.attach_patient(user_id=user.id, patient_id="p-bench")
        BARE.create(uow.session.connection())
        uow.commit()
        return user.id, "p-bench"


SETUP_S = 10.0  # time each writer has to connect before the common start


def _warm_up() -> None:
    """Imports happen before the clock starts, not inside the measured window. The cap on labs
    per record (models.MAX_ENTRIES, 5,000) is lifted in the writers: at full speed they add
    more than 3,000 labs in 60 s, and the run measures writes, not the cap's refusal."""
    import bonewise.services.records
    import bonewise.store.uow  # noqa: F401
    from bonewise.clinical.models import MAX_ENTRIES

    MAX_ENTRIES["labs"] = 10**9


def _write_labs(args: tuple[str, int, str, float, float, int]) -> tuple[list[float], list[str]]:
    url, user_id, patient_id, start, until, writer = args
    from bonewise.services import records
    from bonewise.store.uow import UnitOfWork, open_store

    factory = open_store(url)
    with UnitOfWork(factory) as uow:
        user = uow.accounts.get_or_raise(user_id)
    latencies: list[float] = []
    errors: list[str] = []
    i = 0
    time.sleep(max(0.0, start - time.time()))  # every writer starts at the same moment
    while time.time() < until:
        i += 1
        lab = {
            "kind": "serum_calcium",
            "date": (date.today() - timedelta(days=(writer * 1000 + i) % 2000)).isoformat(),
            "value": 9.0 + (i % 10) / 10,
            "unit": "mg/dL",
        }
        began = time.perf_counter()
        try:
            records.add_lab(
                uow=UnitOfWork(factory),
                actor=user,
                patient_id=patient_id,
                lab=lab,
                today=date.today(),
            )
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            continue
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies, errors


def _write_bare(args: tuple[str, int, str, float, float, int]) -> tuple[list[float], list[str]]:
    url, _user_id, _patient_id, start, until, writer = args
    from bonewise.store.db import make_engine

    engine = make_engine(url)
    latencies: list[float] = []
    errors: list[str] = []
    i = 0
    time.sleep(max(0.0, start - time.time()))  # every writer starts at the same moment
    while time.time() < until:
        i += 1
        began = time.perf_counter()
        try:
            with engine.begin() as conn:
                conn.execute(BARE.insert().values(writer=writer, value=i))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            continue
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies, errors


def _run(fn, url: str, user_id: int, patient_id: str, writers: int, seconds: float) -> Result:  # type: ignore[no-untyped-def]
    ctx = mp.get_context("spawn")
    with ctx.Pool(writers, initializer=_warm_up) as pool:
        pool.map(time.sleep, [0.0] * writers)  # every process is up before the clock starts
        start = time.time() + SETUP_S
        jobs = [(url, user_id, patient_id, start, start + seconds, w) for w in range(writers)]
        outcomes = pool.map(fn, jobs)
    latencies = [ms for lat, _ in outcomes for ms in lat]
    errors = [e for _, errs in outcomes for e in errs]
    return Result(
        writes=len(latencies),
        errors=len(errors),
        p50_ms=statistics.median(latencies) if latencies else float("nan"),
        p99_ms=_percentile(latencies, 0.99),
        first_error=errors[0] if errors else None,
    )


def _postgres_url() -> tuple[str, str]:
    base = os.environ.get("BONEWISE_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("--database postgresql: run under scripts/with-postgres.sh")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(base).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}?options=-csearch_path%3D{schema}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--labs", type=int, default=2000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if options.database == "sqlite":
            url, schema = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", None
        else:
            url, schema = _postgres_url()
        user_id, patient_id = _prepare(url, options.labs)
        print(
            f"{options.database}: {options.writers} writers x {options.duration:g} s, "
            f"record with {options.labs} labs",
            flush=True,
        )
        bare = _run(_write_bare, url, user_id, patient_id, options.writers, options.duration)
        labs = _run(_write_labs, url, user_id, patient_id, options.writers, options.duration)
        for name, result in (("bare row insert", bare), ("add_lab (service)", labs)):
            print(
                f"  {name:<18} writes {result.writes:>6}  errors {result.errors:>3}  "
                f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
                + (f"  first error: {result.first_error}" if result.first_error else "")
            )
        if not (bare.writes and labs.writes):
            raise SystemExit("no successful writes to compare")
        print(
            f"  ratio add_lab/bare: p50 {labs.p50_ms / bare.p50_ms:.1f}x, "
            f"p99 {labs.p99_ms / bare.p99_ms:.1f}x; throughput {labs.writes / bare.writes:.2f}x"
        )
        met = labs.errors == 0 and labs.p99_ms <= P99_TARGET_MS
        print(f"  target (0 errors, p99 <= {P99_TARGET_MS:g} ms): {'met' if met else 'NOT met'}")
        if schema:
            with create_engine(os.environ["BONEWISE_TEST_POSTGRES_URL"]).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
