"""Food search: hit rate on a realistic query set, and store query speed beside plain FTS5.

    .venv/bin/python -m benchmarks.food_search [--rounds N] [--url DATABASE_URL] [--misses]

Loads SR28 into a throw-away SQLite file (or uses --url, importing SR28 if its foods table is
empty), then:

- quality, on the queries in tests/data/food_search_queries.csv (American and British usage,
  typos, brand-free; each with the SR28 NDB numbers that count as a hit): the share with a hit
  in the top 5, and for the 30 most common calcium sources the share whose first hit is the
  plain food. Targets: >= 95% top-5; the plain food first for all 30.
- speed, on SQLite: `FoodRepository.search` (the store query, its ranking and measures, in one
  open session, limit 20) against a plain FTS5 query on the same index in the same run
  (`MATCH` of the query's terms, ordered by bm25, joined to the foods, limit 20, on the bare
  DBAPI cursor), interleaved
  query by query so both see the same machine load. Wall-clock and CPU p50/p95, and ratios.
  Target: store query p95 <= 1 ms.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bonewise.nutrition import search as ranking
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.nutrition import ensure_food_database
from bonewise.store.food import FoodRepository
from bonewise.store.uow import UnitOfWork, open_store

QUERIES = Path(__file__).resolve().parent.parent / "tests" / "data" / "food_search_queries.csv"
# The bare baseline: the engine's own ranking (bm25) on the same index, run on the DBAPI
# cursor of the same connection, returning what a hit shows.
PLAIN_FTS5 = (
    "SELECT f.ndb_no, f.description, f.food_group, f.calcium_mg, f.vitamin_d_iu, "
    "f.vitamin_k_ug, s.measures FROM food_fts "
    "JOIN food_search s ON s.rank = food_fts.rowid JOIN foods f ON f.ndb_no = s.ndb_no "
    "WHERE food_fts MATCH :match ORDER BY food_fts.rank LIMIT 20"
)


@dataclass(frozen=True, slots=True)
class Case:
    query: str
    expected: frozenset[str]
    common: bool


def load_cases(path: Path = QUERIES) -> list[Case]:
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return [
            Case(r["query"], frozenset(r["expected"].split()), r["common"].strip() == "1")
            for r in rows
        ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def plain_match(query: str) -> str | None:
    """The query's terms ANDed, as a plain FTS5 query would ask (no synonyms, no typos)."""
    found = [t for t in ranking.terms(query) if t]
    return " AND ".join(f'"{t}"' for t in found) or None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of each query")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--misses", action="store_true", help="list the queries missed")
    args = parser.parse_args()
    cases = load_cases()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        factory = open_store(url)
        started = time.perf_counter()
        ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
        print(f"food database ready in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        print(f"vocabulary food_words.toml version {ranking.vocabulary().version}")
        with UnitOfWork(factory) as uow:
            repo = FoodRepository(uow.session)
            top5 = 0
            plain_first = 0
            misses: list[str] = []
            for case in cases:
                hits = [h.ndb_no for h in repo.search(case.query, limit=5)]
                if case.expected & set(hits):
                    top5 += 1
                else:
                    misses.append(f"  top-5 miss: {case.query!r} -> {hits}")
                if case.common:
                    if hits and hits[0] in case.expected:
                        plain_first += 1
                    else:
                        misses.append(f"  not plain first: {case.query!r} -> {hits[:1]}")
            common = sum(c.common for c in cases)
            print(
                f"top-5 hit rate: {top5}/{len(cases)} = {100 * top5 / len(cases):.1f}% "
                "(target >= 95%)"
            )
            print(
                f"plain food first, {common} most common calcium sources: {plain_first}/{common}"
                f" = {100 * plain_first / common:.1f}%"
            )
            if args.misses:
                print("\n".join(misses) or "  no misses")
            if not url.startswith("sqlite"):
                print("speed: measured on SQLite only (the plain FTS5 baseline is SQLite's)")
                return
            store_ms: list[float] = []
            store_cpu: list[float] = []
            plain_ms: list[float] = []
            plain_cpu: list[float] = []
            matches = {c.query: plain_match(c.query) for c in cases}
            cursor = uow.session.connection().connection.cursor()
            for case in cases:  # warm-up: statement caches, SQLite page cache
                repo.search(case.query, limit=20)
                if matches[case.query]:
                    cursor.execute(PLAIN_FTS5, {"match": matches[case.query]}).fetchall()
            for _ in range(args.rounds):
                for case in cases:
                    t, c = time.perf_counter(), time.process_time()
                    repo.search(case.query, limit=20)
                    store_ms.append((time.perf_counter() - t) * 1000)
                    store_cpu.append((time.process_time() - c) * 1000)
                    match = matches[case.query]
                    if match is None:
                        continue
                    t, c = time.perf_counter(), time.process_time()
                    cursor.execute(PLAIN_FTS5, {"match": match}).fetchall()
                    plain_ms.append((time.perf_counter() - t) * 1000)
                    plain_cpu.append((time.process_time() - c) * 1000)
        factory.kw["bind"].dispose()

    def line(name: str, values: list[float]) -> tuple[float, float]:
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"  {name:<34} p50 {p50:6.3f} ms  p95 {p95:6.3f} ms  ({len(values)} runs)")
        return p50, p95

    print(f"speed, SQLite, {len(cases)} queries x {args.rounds} rounds, interleaved:")
    s50, s95 = line("store query (FoodRepository.search)", store_ms)
    b50, b95 = line("plain FTS5 query (bm25)", plain_ms)
    c50, c95 = line("store query, CPU time", store_cpu)
    d50, d95 = line("plain FTS5 query, CPU time", plain_cpu)
    print(
        f"  ratio store / plain FTS5: wall p50 {s50 / b50:.1f}x, p95 {s95 / b95:.1f}x; "
        f"CPU p50 {c50 / d50:.1f}x, p95 {c95 / d95:.1f}x (target: store p95 <= 1 ms)"
    )
    print(
        f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall-clock figures include waiting for a CPU)"
    )


if __name__ == "__main__":
    main()
