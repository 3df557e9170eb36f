"""Site policies: the `policy`-tagged numbers a site may set for itself.

A policy value is a `Cited` constant of bonewise.evidence tagged `policy`, with bounds. A site
sets it with an environment variable (BONEWISE_POLICY_<NAME>, read when the value is needed, so
no file is read and nothing happens at import) or, in code and tests, with `configured(...)`.
The configured value stays cited: its source says it is the site's setting and names the
default it replaced. Every reader (the clinical core, the care-gap measures, the reports) asks
`policy(name)`, so one setting changes every answer at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from bonewise import evidence
from bonewise.evidence import Cited, Source

ENV_PREFIX = "BONEWISE_POLICY_"
SITE_SETTING = Source(
    "site-setting", "set by this site (BONEWISE_POLICY_* or bonewise.policies.configured)"
)


@dataclass(frozen=True, slots=True)
class Bounds:
    low: float
    high: float
    unit: str


# The policies a site may set, with the values a site may choose between.
CONFIGURABLE: dict[str, Bounds] = {
    "VITAMIN_D_LOW_NG_ML": Bounds(10.0, 40.0, "ng/mL"),
}

_overrides: ContextVar[Mapping[str, float] | None] = ContextVar("bonewise_policies", default=None)


class PolicyError(ValueError):
    """A site setting that cannot be used: says which, what was given and what is allowed."""


def _default(name: str) -> Cited[Any]:
    if name not in CONFIGURABLE:
        raise PolicyError(
            f"{name} is not a site policy; the policies are {', '.join(sorted(CONFIGURABLE))}"
        )
    constant = getattr(evidence, name)
    assert isinstance(constant, Cited) and constant.evidence == "policy", name
    return constant


def _checked(name: str, raw: object, where: str) -> float:
    bounds = CONFIGURABLE[name]
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = float("nan")
    if not bounds.low <= value <= bounds.high:
        raise PolicyError(
            f"{where}={raw!r} is not usable: give a number from {bounds.low:g} to "
            f"{bounds.high:g} ({bounds.unit})"
        )
    return value


def policy(name: str) -> Cited[Any]:
    """The cited value of a site policy: configured here, else from the environment, else the
    bonewise default (the evidence constant itself)."""
    default = _default(name)
    overrides = _overrides.get() or {}
    if name in overrides:
        value: float | None = overrides[name]
    else:
        raw = os.environ.get(ENV_PREFIX + name)
        value = None if raw is None or not raw.strip() else _checked(name, raw, ENV_PREFIX + name)
    if value is None or value == default.value:
        return default
    return Cited(
        value,
        SITE_SETTING,
        "policy",
        f"{default.note} (site setting; the bonewise default is {default.value:g} "
        f"{CONFIGURABLE[name].unit})",
    )


def configured_in_code() -> bool:
    """Whether a `configured(...)` block is in force here (its values are not the process's)."""
    return bool(_overrides.get())


@contextmanager
def configured(**values: float) -> Iterator[None]:
    """Use these policy values inside the block (checked against their bounds)."""
    checked = {name: _checked(name, v, name) for name, v in values.items() if _default(name)}
    token = _overrides.set({**(_overrides.get() or {}), **checked})
    try:
        yield
    finally:
        _overrides.reset(token)
