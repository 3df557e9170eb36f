"""Run every care-gap measure on a cohort folder and write the results.

OUT receives
  summary.json          {measure id: {"denominator", "numerator", "excluded", "gaps"}}
  <measure id>.csv      one row per gap: patient_id (the source's id), index_date, and
                        clinician_review (bone metastases / recent fracture / unconfirmed code:
                        a clinician reviews her record before any automated outreach; empty
                        otherwise), and assumptions (what the single-patient assessment would
                        list as assumed from her record's absences; population.assumptions)
  malformed.json        rows the measures could not use, counted by table and reason
  run.json              as-of date, engine, measure-set version, every parameter with its source
  summary.html          the same, with charts, for people
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bonewise.measures.definitions import MeasureSet, load_measures
from bonewise.population import assumptions, quality, rules
from bonewise.population import engine as engines
from bonewise.population.sources import StagedCohort, stage
from bonewise.population.store_source import StoreSource, stage_store

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MeasureOutcome:
    id: str
    denominator: int
    numerator: int
    excluded: int
    gaps: int
    # patient_id, index_date, clinician_review, assumptions; sorted by patient_id
    gap_table: pa.Table

    @property
    def needing_review(self) -> int:
        """Gaps a clinician must review first (bone metastases or a recent fracture)."""
        column = self.gap_table.column("clinician_review")
        return int(pc.sum(pc.not_equal(column, "")).as_py() or 0)

    @property
    def gap_rows(self) -> list[tuple[str, date]]:
        """(patient id, index date) per gap, sorted by id."""
        return list(
            zip(
                self.gap_table.column("patient_id").to_pylist(),
                self.gap_table.column("index_date").to_pylist(),
                strict=True,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "denominator": self.denominator,
            "numerator": self.numerator,
            "excluded": self.excluded,
            "gaps": self.gaps,
        }


@dataclass(frozen=True)
class RunResult:
    as_of: date
    engine: str
    measures: dict[str, MeasureOutcome]
    malformed: dict[str, dict[str, int]]
    source: StagedCohort
    measure_set: MeasureSet
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, int]]:
        return {mid: m.counts() for mid, m in self.measures.items()}


def review_reasons(flags: pa.Table) -> dict[str, str]:
    """person id -> why a clinician must review her gaps first (see rules.clinician_review)."""
    reasons = {}
    for row in flags.to_pylist():
        why = [
            text
            for key, text in (
                ("bone_metastases", "bone metastases"),
                ("recent_fracture", "recent fracture"),
                ("unconfirmed_code", "unconfirmed code"),
            )
            if row.get(key)
        ]
        reasons[row["person_id"]] = "; ".join(why)
    return reasons


def outcome(
    measure_id: str, result: pa.Table, review: dict[str, str] | None = None
) -> MeasureOutcome:
    excluded = result.column("excluded")
    numerator = pc.and_(result.column("numerator"), pc.invert(excluded))
    gap_mask = pc.and_(pc.invert(result.column("numerator")), pc.invert(excluded))
    gaps = result.filter(gap_mask).sort_by("person_id")
    ids = gaps.column("person_id")
    reasons = review or {}
    table = pa.table(
        {
            "patient_id": ids,
            "index_date": gaps.column("index_date"),
            "clinician_review": pa.array(
                [reasons.get(pid, "") for pid in ids.to_pylist()] if reasons else [""] * len(ids),
                pa.string(),
            ),
        }
    )
    return MeasureOutcome(
        id=measure_id,
        denominator=result.num_rows,
        numerator=int(pc.sum(numerator).as_py() or 0),
        excluded=int(pc.sum(excluded).as_py() or 0),
        gaps=table.num_rows,
        gap_table=table,
    )


def evaluate(
    staged: StagedCohort,
    *,
    engine: engines.Engine,
    as_of: date,
    master: str | None = None,
    session: Any = None,
    progress: Progress | None = None,
    measure_set: MeasureSet | None = None,
    memory_limit: str = engines.DUCKDB_MEMORY_LIMIT,
    spill_directory: Path | None = None,
) -> RunResult:
    """Evaluate every measure on already-staged tables (no files written)."""
    say = progress or (lambda _step: None)
    ms = measure_set or load_measures()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    say(f"connecting to {engine}")
    con = engines.connect(
        engine,
        master=master,
        session=session,
        memory_limit=memory_limit,
        spill_directory=spill_directory,
    )
    timings["connect"] = time.perf_counter() - started
    say("cleaning the tables")
    t0 = time.perf_counter()
    cohort = quality.clean(
        engines.register(con, staged.tables),
        materialize=lambda name, expr: engines.materialize(con, f"bw_clean_{name}", expr),
        share=lambda name, expr: engines.share(con, f"bw_clean_{name}", expr),
    )
    timings["clean"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables: rules.Tables = {str(name): expr for name, expr in cohort.tables.items()}
    # each computed once, engine-side, and read by the derived tables after it and the measures
    tables.update(
        rules.derived_tables(
            tables, as_of, keep=lambda name, expr: engines.materialize(con, f"bw_{name}", expr)
        )
    )
    timings["shared"] = time.perf_counter() - t0
    say("counting malformed rows")
    t0 = time.perf_counter()
    malformed = quality.count_malformed(cohort, sort_ids_here=con.name == "duckdb")
    for table, issues in staged.loader_issues.items():
        merged = malformed.setdefault(table, {})
        for reason, n in issues.items():
            merged[reason] = merged.get(reason, 0) + n
    timings["quality"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    review = review_reasons(rules.clinician_review(tables, as_of).to_pyarrow())
    timings["review"] = time.perf_counter() - t0
    outcomes: dict[str, MeasureOutcome] = {}
    for measure in ms.measures:
        say(f"measure {measure.id}")
        t0 = time.perf_counter()
        expr = rules.MEASURES[measure.id](tables, as_of, ms)
        outcomes[measure.id] = outcome(measure.id, expr.to_pyarrow(), review)
        timings[measure.id] = time.perf_counter() - t0
    say("listing the gap women's assumptions")
    t0 = time.perf_counter()
    gap_women = pa.chunked_array(
        [c for m in outcomes.values() for c in m.gap_table["patient_id"].chunks], type=pa.string()
    )
    lines = assumptions.of_women(tables, as_of, ms, gap_women)
    outcomes = assumptions.with_assumptions(outcomes, lines)
    timings["assumptions"] = time.perf_counter() - t0
    return RunResult(
        as_of=as_of,
        engine=engine,
        measures=outcomes,
        malformed=malformed,
        source=staged,
        measure_set=ms,
        seconds=timings,
    )


def write_outputs(result: RunResult, out: Path) -> list[Path]:
    from bonewise.population.report import render_html

    out.mkdir(parents=True, exist_ok=True)
    written = []
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")
    written.append(summary)
    for mid, m in result.measures.items():
        path = out / f"{mid}.csv"
        pacsv.write_csv(m.gap_table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
        written.append(path)
    malformed = out / "malformed.json"
    malformed.write_text(json.dumps(result.malformed, indent=2) + "\n", encoding="utf-8")
    run = out / "run.json"
    ms = result.measure_set
    run.write_text(
        json.dumps(
            {
                "as_of": result.as_of.isoformat(),
                "engine": result.engine,
                "measure_set": {"name": ms.name, "version": ms.version},
                "measures": {m.id: m.version for m in ms.measures},
                "source": {
                    "format": result.source.format,
                    "directory": result.source.described,
                    "files": list(result.source.files),
                },
                "parameters": {
                    name: {
                        "value": c.value,
                        "source": c.source.key,
                        "citation": c.citation,
                        "evidence": c.evidence,
                        "note": c.note,
                    }
                    for name, c in ms.parameters.items()
                },
                "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    written += [malformed, run]
    html = out / "summary.html"
    html.write_text(render_html(result), encoding="utf-8")
    written.append(html)
    return written


def run_care_gaps(
    *,
    source: Path | StoreSource,
    out: Path,
    engine: engines.Engine = "duckdb",
    as_of: date,
    master: str | None = None,
    session: Any = None,
    progress: Progress | None = None,
    memory_limit: str = engines.DUCKDB_MEMORY_LIMIT,
) -> RunResult:
    """Stage `source` (a cohort folder, or the app's patient store), evaluate every measure as
    of `as_of`, write OUT. Returns the result."""
    say = progress or (lambda _step: None)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        t0 = time.perf_counter()
        if isinstance(source, StoreSource):
            say("reading the patient store")
            staged = stage_store(source, staging)
        else:
            say(f"reading {source}")
            staged = stage(source, staging)
        load_seconds = time.perf_counter() - t0
        result = evaluate(
            staged,
            engine=engine,
            as_of=as_of,
            master=master,
            session=session,
            progress=say,
            memory_limit=memory_limit,
            spill_directory=staging / "spill",
        )
        result.seconds["load"] = load_seconds
        say("writing results")
        t0 = time.perf_counter()
        write_outputs(result, out)
        result.seconds["write"] = time.perf_counter() - t0
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)
