"""A web worker's handlers never open a connection per request: the pool keeps as many
connections as the worker runs handlers at once (SQLAlchemy's default of 5 closed the sixth,
seventh and eighth at their return, so each busy round opened them again)."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from bonewise.store.db import POOL_SIZE, make_engine
from bonewise.web.app import DEFAULT_THREADS


def test_as_many_requests_at_once_as_a_worker_runs_reuse_their_connections(
    store_url: str,
) -> None:
    assert POOL_SIZE >= DEFAULT_THREADS
    engine = make_engine(store_url)
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    all_in = threading.Barrier(DEFAULT_THREADS)

    def request() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            all_in.wait(timeout=30)  # every handler holds a connection at once

    try:
        for _round in range(3):
            threads = [threading.Thread(target=request) for _ in range(DEFAULT_THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert len(opened) == DEFAULT_THREADS
    finally:
        engine.dispose()
