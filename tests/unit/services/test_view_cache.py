"""The per-store cache of computed views: bounded (least recently used out first), one per
store, and keyed so two women's views never meet."""

from __future__ import annotations

import pytest

from bonewise.store.view_cache import CAPACITY_ENV, ViewCache, capacity_from_env, view_cache_for


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = ViewCache(capacity=3)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    for key in ("a", "b", "c"):
        assert cache.get_or_make(key, lambda k=key: make(k)) == key.upper()
    assert cache.get_or_make("a", lambda: make("a")) == "A"  # kept: not made again
    cache.get_or_make("d", lambda: make("d"))  # full: "b" was used least recently
    assert len(cache) == 3
    assert cache.get("b") is None and cache.get("a") == "A"
    assert made == ["a", "b", "c", "d"]
    for n in range(1000):
        cache.put(("many", n), n)
    assert len(cache) == 3


def test_the_same_version_of_two_women_are_two_entries() -> None:
    cache = ViewCache()
    ann = cache.get_or_make(("dashboard", "ann", 1), lambda: "ann's day")
    bea = cache.get_or_make(("dashboard", "bea", 1), lambda: "bea's day")
    assert (ann, bea) == ("ann's day", "bea's day")


def test_each_store_has_its_own_cache() -> None:
    class Store:
        pass

    one, two = Store(), Store()
    assert view_cache_for(one) is view_cache_for(one)
    assert view_cache_for(one) is not view_cache_for(two)


def test_the_capacity_is_a_bounded_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CAPACITY_ENV, "500")
    assert capacity_from_env() == 500
    for bad in ("0", "lots", "10000000"):
        monkeypatch.setenv(CAPACITY_ENV, bad)
        with pytest.raises(ValueError, match=CAPACITY_ENV):
            capacity_from_env()
    with pytest.raises(ValueError):
        ViewCache(capacity=0)


def test_a_site_policy_change_is_a_new_entry() -> None:
    from types import SimpleNamespace

    from bonewise.policies import configured
    from bonewise.services.views import kept

    uow = SimpleNamespace(views=ViewCache())
    made: list[float] = []

    def make() -> str:
        from bonewise.policies import policy

        made.append(policy("VITAMIN_D_LOW_NG_ML").value)
        return f"low below {made[-1]:g}"

    first = kept(uow, "assessment", "ann", 3, make)  # type: ignore[arg-type]
    with configured(VITAMIN_D_LOW_NG_ML=30):
        assert kept(uow, "assessment", "ann", 3, make) == "low below 30"  # type: ignore[arg-type]
    assert kept(uow, "assessment", "ann", 3, make) == first  # type: ignore[arg-type]
    assert len(made) == 2


def test_the_site_settings_are_read_from_the_environment_once_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bonewise.policies import configured
    from bonewise.services.views import forget_site_settings, site_settings

    env = "BONEWISE_POLICY_VITAMIN_D_LOW_NG_ML"
    monkeypatch.delenv(env, raising=False)
    forget_site_settings()
    try:
        before = site_settings()
        monkeypatch.setenv(env, "12.5")
        assert site_settings() == before  # not read again on every request
        with configured(VITAMIN_D_LOW_NG_ML=30):
            assert dict(site_settings())["VITAMIN_D_LOW_NG_ML"] == 30
        forget_site_settings()
        assert dict(site_settings())["VITAMIN_D_LOW_NG_ML"] == 12.5
    finally:
        monkeypatch.delenv(env)
        forget_site_settings()
