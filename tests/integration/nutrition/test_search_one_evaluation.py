"""The one-evaluation search on SQLite (`FoodRepository._every_match`) lists exactly what the
passes list, for every query of the benchmark's set and its prefixes as typed."""

from __future__ import annotations

from benchmarks.food_search import load_cases

from bonewise.nutrition import search as ranking
from bonewise.store.food import FoodRepository
from bonewise.store.uow import UnitOfWork


def test_one_evaluation_lists_what_the_passes_list(food_store, monkeypatch) -> None:
    queries = {c.query for c in load_cases()}
    queries |= {q[:n] for q in list(queries) for n in (3, 5) if len(q) > n}
    with UnitOfWork(food_store) as uow:
        repo = FoodRepository(uow.session)
        fast = {q: [h.ndb_no for h in repo.search(q, limit=20)] for q in sorted(queries)}
        parsed = [ranking.Query.parse(q) for q in sorted(queries)]
        used = sum(repo._every_match(p, 20) is not None for p in parsed if not p.empty)
        monkeypatch.setattr(FoodRepository, "_every_match", lambda *_: None)
        passes = {q: [h.ndb_no for h in repo.search(q, limit=20)] for q in sorted(queries)}
    assert used > len(parsed) * 0.9  # the one evaluation answers nearly every query
    different = {q: (fast[q], passes[q]) for q in queries if fast[q] != passes[q]}
    assert not different
