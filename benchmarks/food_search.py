"""Food search speed: p50/p95 of the store query for typical queries, on a SQLite file.

    .venv/bin/python -m benchmarks.food_search [--rounds N] [--url DATABASE_URL]

Loads SR28 into a throw-away SQLite file (or uses --url, importing SR28 if its foods table is
empty), warms up, then times `FoodRepository.search` (the store query and its ranking, in one
open session) and the `search_foods` service call (which also opens and closes a session).
The target is a p95 under 5 ms for the store query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.nutrition import ensure_food_database, search_foods
from bonewise.store.food import FoodRepository
from bonewise.store.uow import UnitOfWork, open_store

QUERIES = (
    "kale raw",
    "2% milk",
    "greek yogurt",
    "sardines",
    "milk",
    "cheddar cheese",
    "salmon",
    "broccoli",
    "orange juice",
    "almonds",
    "tofu",
    "spinach",
    "yogurt",
    "egg",
    "bread",
    "coffee",
    "red wine",
    "collards",
    "chia seeds",
    "yog",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed runs of each query")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        factory = open_store(url)
        started = time.perf_counter()
        ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
        print(f"food database ready in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        store_ms: dict[str, list[float]] = {q: [] for q in QUERIES}
        cpu_ms: list[float] = []
        service_ms: list[float] = []
        with UnitOfWork(factory) as uow:
            repo = FoodRepository(uow.session)
            for query in QUERIES:  # warm-up: statement caches, SQLite page cache
                repo.search(query, limit=20)
            for _ in range(args.rounds):
                for query in QUERIES:
                    t, c = time.perf_counter(), time.process_time()
                    repo.search(query, limit=20)
                    store_ms[query].append((time.perf_counter() - t) * 1000)
                    cpu_ms.append((time.process_time() - c) * 1000)
        for _ in range(max(args.rounds // 3, 1)):
            for query in QUERIES:
                t = time.perf_counter()
                search_foods(uow=UnitOfWork(factory), query=query, limit=20)
                service_ms.append((time.perf_counter() - t) * 1000)
        factory.kw["bind"].dispose()
    print(f"{'query':<16} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for query, values in store_ms.items():
        print(
            f"{query:<16} {statistics.median(values):7.2f} {percentile(values, 0.95):7.2f} "
            f"{max(values):7.2f}"
        )
    everything = [v for values in store_ms.values() for v in values]
    print(
        f"store query, all {len(everything)} runs: p50 {statistics.median(everything):.2f} ms, "
        f"p95 {percentile(everything, 0.95):.2f} ms (target < 5 ms)"
    )
    print(
        f"store query CPU time: p50 {statistics.median(cpu_ms):.2f} ms, "
        f"p95 {percentile(cpu_ms, 0.95):.2f} ms; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs (wall-clock figures include waiting for a CPU)"
    )
    print(
        f"search_foods service call (own session), {len(service_ms)} runs: "
        f"p50 {statistics.median(service_ms):.2f} ms, p95 {percentile(service_ms, 0.95):.2f} ms"
    )


if __name__ == "__main__":
    main()
