"""Her pages' computed parts, kept while her data version stays the same.

A page checks access and reads her data version in its own transaction (`readable_version`),
then asks `kept(...)` for each part it shows: found when nothing she may see has changed since
it was computed (in any process), computed and kept otherwise. The audited read is written by
the page on every request, hit or miss. Keys also hold the day and the site's policy settings,
the other inputs the clinical core reads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from functools import cache
from typing import TypeVar

from bonewise.clinical.models import PatientRecord
from bonewise.policies import CONFIGURABLE, configured_in_code, policy
from bonewise.render.banner import PatientBanner, patient_banner_for
from bonewise.store.uow import UnitOfWork

T = TypeVar("T")


def _settings_now() -> tuple[tuple[str, object], ...]:
    return tuple((name, policy(name).value) for name in sorted(CONFIGURABLE))


@cache
def _settings_of_this_process() -> tuple[tuple[str, object], ...]:
    return _settings_now()


def site_settings() -> tuple[tuple[str, object], ...]:
    """The site policies in force: the environment's, read once per process (every kept view
    of every request asks; a site changes BONEWISE_POLICY_* by restarting), or those of the
    `configured(...)` block the code is in."""
    if configured_in_code():
        return _settings_now()
    return _settings_of_this_process()


def forget_site_settings() -> None:
    """Read the environment's site policies again at the next request (tests that change it)."""
    _settings_of_this_process.cache_clear()


def kept(
    uow: UnitOfWork,
    what: str,
    patient_id: str,
    version: int,
    make: Callable[[], T],
    *depends_on: Hashable,
) -> T:
    """`make()`, or what it gave before for this patient at this data version with the same
    `depends_on` (the day, ...) and site settings."""
    if uow.views is None:
        return make()
    key = (what, patient_id, version, site_settings(), *depends_on)
    return uow.views.get_or_make(key, make)


def kept_under(uow: UnitOfWork, key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
    """`make()` kept under `key`, which must name every input of `make` that can change: for
    several patients, each one's id and data version (the clinician's panel)."""
    if uow.views is None:
        return make()
    return uow.views.get_or_make((*key, site_settings()), make)


def record_at(uow: UnitOfWork, patient_id: str, version: int) -> PatientRecord:
    """Inside an open unit of work, access checked: her validated record at this version."""
    return kept(uow, "record", patient_id, version, lambda: uow.patients.get_or_raise(patient_id))


def owner_name_at(uow: UnitOfWork, patient_id: str, version: int) -> str | None:
    """The name of the account holding her record (None: it has none). Her account's name is
    her data too: renaming it bumps her version."""

    def make() -> str | None:
        owner = uow.accounts.owner_of(patient_id)
        return owner.name if owner else None

    return kept(uow, "owner name", patient_id, version, make)


def banner_at(
    uow: UnitOfWork, patient_id: str, version: int, record: PatientRecord, as_of: date
) -> PatientBanner:
    """Inside an open unit of work, access checked: whose record this is (the banner of a
    clinician's page), kept for her data version and the day."""
    name = owner_name_at(uow, patient_id, version)
    return kept(
        uow,
        "banner",
        patient_id,
        version,
        lambda: patient_banner_for(record, name=name, as_of=as_of),
        as_of,
    )
