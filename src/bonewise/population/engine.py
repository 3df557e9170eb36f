"""Engine selection: DuckDB (embedded, the default) or PySpark (local, or a spark:// master).

The rules are the same Ibis expressions on both; only the connection and how the staged
Parquet files are registered differ. PySpark is an optional extra (`pip install bonewise[spark]`).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from bonewise.population.schema import TABLES, TableName

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
JAVA_17_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
# DuckDB's working memory for a run: with Python and Arrow around it, a 1,000,000-woman run
# stays under 0.8 GB (benchmarks/cohort.py measures it); larger cohorts spill to disk.
DUCKDB_MEMORY_LIMIT = "480MB"
# the in-memory database (compressed) holding the tables a run computes once (materialize)
WORK_DATABASE = "bw_work"


class EngineUnavailableError(RuntimeError):
    """The engine asked for is not installed or could not start."""


def spark_session(master: str | None = None, *, app_name: str = "bonewise-caregaps") -> Any:
    """A SparkSession: `local[*]` by default, or the given master (`spark://host:7077`)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if "JAVA_HOME" not in os.environ and Path(JAVA_17_HOME).is_dir():
        os.environ["JAVA_HOME"] = JAVA_17_HOME
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EngineUnavailableError(
            "the spark engine needs pyspark: pip install 'bonewise[spark]'"
        ) from exc
    master = master or "local[*]"
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
    )
    if master.startswith("local"):
        # one machine: few, small partitions (each shuffle stage costs a task per partition).
        # On a cluster, partitions and executors are the site's: its spark-defaults.conf decides.
        builder = builder.config("spark.ui.enabled", "false").config(
            "spark.sql.shuffle.partitions", "4"
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def is_memory_size(text: str) -> bool:
    """A size DuckDB's memory_limit takes: 480MB, 4GB, 1.5GiB."""
    return (
        re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|KiB|MiB|GiB)", text, re.IGNORECASE) is not None
    )


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def connect(
    engine: Engine,
    *,
    master: str | None = None,
    session: Any = None,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
    spill_directory: Path | None = None,
) -> BaseBackend:
    """An Ibis backend for `engine`. `session` reuses an existing SparkSession (tests).

    DuckDB works within `memory_limit` and spills what does not fit (the per-id checks of a
    large cohort) to `spill_directory`, so a run's memory stays bounded whatever the cohort size.
    """
    if not is_memory_size(memory_limit):
        raise ValueError(f"memory limit {memory_limit!r} is not a size like 512MB or 2GB")
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")
        con.raw_sql("SET preserve_insertion_order = false")
        con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        if spill_directory is not None:
            con.raw_sql(f"SET temp_directory = '{_sql_text(str(spill_directory))}'")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(session if session is not None else spark_session(master))
    raise ValueError(f"engine {engine!r} unknown: use one of {', '.join(ENGINES)}")


def register(con: BaseBackend, staged: dict[TableName, Path]) -> dict[TableName, ir.Table]:
    """The staged Parquet files as engine tables (read lazily by the engine)."""
    tables: dict[TableName, ir.Table] = {}
    for name in TABLES:
        tables[name] = con.read_parquet(str(staged[name]), table_name=f"bw_{name}")  # type: ignore[attr-defined]
    return tables


def materialize(con: BaseBackend, name: str, expr: ir.Table) -> ir.Table:
    """Compute `expr` once into an engine-side temporary table and return it.

    The cleaned tables feed five measures; computing them once keeps each measure's query
    small (faster to compile, and each source file is scanned once).
    """
    sql = con.compile(expr)  # type: ignore[attr-defined]
    if con.name == "duckdb":
        # in a compressed in-memory database, checkpointed (compressed) once written: a temporary
        # table holds its rows uncompressed (at 1,000,000 women the run's tables took 373 MB of
        # DuckDB's memory limit as temporary tables, 61 MB compressed)
        con.raw_sql(f"ATTACH IF NOT EXISTS ':memory:' AS {WORK_DATABASE} (COMPRESS)")  # type: ignore[attr-defined]
        con.raw_sql(f'CREATE OR REPLACE TABLE {WORK_DATABASE}."{name}" AS {sql}')  # type: ignore[attr-defined]
        con.raw_sql(f"CHECKPOINT {WORK_DATABASE}")  # type: ignore[attr-defined]
        return con.table(name, database=WORK_DATABASE)
    if con.name == "pyspark":
        frame = con._session.sql(sql)  # type: ignore[attr-defined]
        frame.cache()
        # compute it now: the optimizer then knows its size (broadcast joins for small tables)
        frame.count()
        frame.createOrReplaceTempView(name)
        return con.table(name)
    raise ValueError(f"backend {con.name!r} is not supported: use duckdb or pyspark")


def share(con: BaseBackend, name: str, expr: ir.Table) -> ir.Table:
    """Name `expr` for the several queries that read it, computed where it pays.

    DuckDB: a view. Its queries scan the Parquet files again for the columns each needs, which
    costs less than writing millions of rows to a temporary table and reading them back (and
    holds no copy in memory). Spark: cached, as `materialize` (a cluster recomputes a plan from
    the files on every action otherwise).
    """
    if con.name == "duckdb":
        sql = con.compile(expr)  # type: ignore[attr-defined]
        con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')  # type: ignore[attr-defined]
        return con.table(name)
    return materialize(con, name, expr)
