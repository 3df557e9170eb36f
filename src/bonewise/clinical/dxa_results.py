"""DXA results -> scans: the one grouping the FHIR import and the population run both use.

A scan is the results of one day on one scanner: the same day, scanner make, model and facility
(clinical-reference.md s.1: a scan's make, model and facility are stored with it, and precision
and the least significant change belong to one scanner at one facility). Two results of one day
on one make but another model or facility are therefore two scans, and the day's decisions take
the lower of them (`facts.scans_by_day`), never a mix of the two machines' values. Results with
no make belong to a scan of make "other" (its BMD is not compared with other scans').

Of a paired site (left and right femur) one side is used, the one with the lowest T-score (then
Z-score, then BMD): ISCD and the reference use the lowest T-score of the hip, and keeping that
side's values together keeps its BMD comparable with the next scan of the same side. Two values
of one kind on the used side keep the lower (issue 12: order never decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from bonewise.clinical.models import Site

DxaResultKind = Literal["bmd", "t_score", "z_score"]
# the DxaScan site result field each kind fills
RESULT_FIELDS: dict[DxaResultKind, str] = {
    "bmd": "bmd_g_cm2",
    "t_score": "t_score",
    "z_score": "z_score",
}
_UNRANKED = 99.0  # a side without a value of a kind ranks after any side with one


@dataclass(frozen=True, slots=True)
class DxaResult:
    """One DXA result: a T-score, Z-score or BMD at one site, with its scan's identity.
    `source` is the caller's handle on where it came from (not read here)."""

    day: date
    site: Site
    kind: DxaResultKind
    value: float
    laterality: str | None = None
    make: str | None = None  # None: not in the input (the scan is "other")
    model: str | None = None
    facility: str | None = None
    precision_pct: float | None = None
    source: Any = None


@dataclass(frozen=True, slots=True)
class GroupedScan:
    """The results of one scan and what was made of them."""

    day: date
    make: str | None
    model: str | None
    facility: str | None
    results: tuple[DxaResult, ...]
    # per site: the side used (None: unsided) and the scan's values there (the lower of a kind)
    sides: dict[Site, str | None] = field(default_factory=dict)
    sites: dict[Site, dict[str, float]] = field(default_factory=dict)
    precision_pct: dict[Site, float] = field(default_factory=dict)

    def used(self, site: Site) -> list[DxaResult]:
        """The results of `site` on its used side, in input order."""
        side = self.sides[site]
        return [r for r in self.results if r.site == site and r.laterality == side]

    def not_used(self) -> list[DxaResult]:
        """Results of the other side of a paired site, in input order."""
        return [r for r in self.results if r.laterality != self.sides[r.site]]

    def conflicts(self) -> list[DxaResult]:
        """Used results whose value is not the one kept (a second, higher value of its kind)."""
        return [
            r
            for site in self.sites
            for r in self.used(site)
            if self.sites[site][RESULT_FIELDS[r.kind]] != r.value
        ]


def _rank(results: list[DxaResult]) -> tuple[float, float, float]:
    """Order the sides of one site: lowest T-score, then Z-score, then BMD."""

    def lowest(kind: DxaResultKind) -> float:
        return min((r.value for r in results if r.kind == kind), default=_UNRANKED)

    return (lowest("t_score"), lowest("z_score"), lowest("bmd"))


def group_scans(results: Iterable[DxaResult]) -> list[GroupedScan]:
    """Results grouped into scans (one day, make, model and facility), in the order the scans
    first appear; each paired site's side chosen, the lower of two values of a kind kept."""
    groups: dict[tuple[date, str | None, str | None, str | None], list[DxaResult]] = {}
    for result in results:
        key = (result.day, result.make, result.model, result.facility)
        groups.setdefault(key, []).append(result)
    scans = []
    for (day, make, model, facility), found in groups.items():
        by_site: dict[Site, dict[str | None, list[DxaResult]]] = {}
        for result in found:
            by_site.setdefault(result.site, {}).setdefault(result.laterality, []).append(result)
        sides: dict[Site, str | None] = {}
        sites: dict[Site, dict[str, float]] = {}
        for site, by_side in by_site.items():
            # one side (or an unsided site): nothing to choose between
            side = (
                next(iter(by_side))
                if len(by_side) == 1
                else min(by_side, key=lambda s: (_rank(by_side[s]), s or ""))
            )
            sides[site] = side
            values: dict[str, float] = {}
            for result in by_side[side]:
                key_name = RESULT_FIELDS[result.kind]
                values[key_name] = min(result.value, values.get(key_name, result.value))
            sites[site] = values
        # the facility's precision for a site (the last one given)
        precision = {r.site: r.precision_pct for r in found if r.precision_pct is not None}
        scans.append(GroupedScan(day, make, model, facility, tuple(found), sides, sites, precision))
    return scans
