"""What the services computed from one patient's data, kept per store for this process.

Every key the services use starts with (what, patient id, her data version): the version is read
from the database in the request's own transaction and database triggers bump it with every
write to her data (migration 0015_patient_version), so an entry can only be found while her data
is what it was computed from, whichever process wrote since. Nothing about who may see it is
kept here: access is checked, and reads audited, on every request before an entry is looked up.

Bounded: the least recently used entry goes first once `capacity` are kept.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")

CAPACITY_ENV = "BONEWISE_VIEW_CACHE_ENTRIES"
DEFAULT_CAPACITY = 4096


class ViewCache:
    """A thread-safe LRU map; values are computed outside the lock (two requests missing the
    same key both compute it, and the second result is kept: both are correct)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"a view cache keeps at least one entry, not {capacity}")
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Any | None:
        """The value kept under `key` (None: none is kept)."""
        with self._lock:
            if key not in self._entries:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return self._entries[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                found: T = self._entries[key]
                return found
            self.misses += 1
        value = make()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def capacity_from_env() -> int:
    raw = os.environ.get(CAPACITY_ENV, "").strip()
    if not raw:
        return DEFAULT_CAPACITY
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 1_000_000:
        raise ValueError(f"{CAPACITY_ENV}={raw!r}: give a whole number from 1 to 1000000")
    return value


# One cache per store (per session factory): two stores in one process never share entries,
# even when their patients have the same ids and versions.
_caches: WeakKeyDictionary[object, ViewCache] = WeakKeyDictionary()
_caches_lock = threading.Lock()


def view_cache_for(store: object) -> ViewCache:
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = ViewCache(capacity_from_env())
        return cache
