"""DXA results -> the record's dxa_scans and dxa_procedures.

Takes the DXA values the Observation reader kept and the DXA procedures the Condition reader
kept. Decides: which values make one scan (same day, scanner and facility; a scan without a
scanner make is "other", so its BMD is not compared with other scans), which side of a paired
site is used (the lower T-score, then Z-score, then BMD), the lower of two values of one kind,
and that a DXA procedure with no results still counts as a DXA done that day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from bonewise.fhir.readers.context import ReadContext
from bonewise.fhir.readers.observations import DxaValue


def _rank(values: list[DxaValue]) -> tuple[float, float, float]:
    """Order the sides of one site: lowest T-score, then Z-score, then BMD."""
    kinds = {v.entry.kind: v.value for v in values}
    return (kinds.get("t_score", 99.0), kinds.get("z_score", 99.0), kinds.get("bmd", 99.0))


def dxa_scans(values: list[DxaValue], context: ReadContext) -> list[dict[str, Any]]:
    """DXA results grouped into scans (one day, scanner and facility), each site's side chosen."""
    groups: dict[tuple[Any, ...], list[DxaValue]] = defaultdict(list)
    for value in values:
        groups[(value.day, value.make, value.model, value.facility)].append(value)
    scans = []
    for index, key in enumerate(groups):  # in the order the scans first appear
        day, make, model, facility = key
        values = groups[key]
        sources = sorted({v.source for v in values})
        if make is None:
            context.report.add(
                "defaulted",
                ", ".join(sources),
                f"DXA scan of {day}: scanner make not in the input (no Device): recorded "
                "as 'other', so bonewise will not compare it with other scans' BMD",
            )
        scan: dict[str, Any] = {
            "date": day.isoformat(),
            "scanner_make": make or "other",
            "sites": _sites(values, index, context),
        }
        if model:
            scan["scanner_model"] = model
        if facility:
            scan["facility"] = facility
        excluded = list(dict.fromkeys(v for val in values for v in val.excluded))
        if excluded:
            scan["excluded_vertebrae"] = excluded
        precision = {
            v.entry.site: v.precision_pct
            for v in values
            if v.precision_pct is not None and v.entry.site in scan["sites"]
        }
        if precision:
            scan["facility_precision_pct"] = precision
        scans.append(scan)
    return scans


def dxa_procedures(
    procedures: list[tuple[date, str]], covered: set[str], context: ReadContext
) -> list[str]:
    """Days a DXA was done with no results in the input: kept as DXA procedures (they count
    for the baseline and repeat-DXA windows, as in the care-gap measures), said so."""
    days: list[str] = []
    for day, source in procedures:
        if day.isoformat() in covered:
            continue
        context.report.add(
            "derived",
            source,
            f"DXA procedure on {day} has no results in the input: kept as a DXA done on that "
            "day (it counts for the baseline and repeat-DXA windows; a T-score decision "
            "needs the T-score, Z-score or BMD per site)",
            path="dxa_procedures",
        )
        days.append(day.isoformat())
    return sorted(set(days))


def _sites(
    values: list[DxaValue], scan_index: int, context: ReadContext
) -> dict[str, dict[str, float]]:
    by_site: dict[str, list[DxaValue]] = defaultdict(list)
    for value in values:
        by_site[value.entry.site].append(value)
    sites: dict[str, dict[str, float]] = {}
    for site, site_values in by_site.items():
        sides: dict[str | None, list[DxaValue]] = defaultdict(list)
        for value in site_values:
            sides[value.entry.laterality].append(value)

        chosen_side = min(sides, key=lambda s: (_rank(sides[s]), s or ""))
        for side, side_values in sides.items():
            if side != chosen_side:
                for value in side_values:
                    context.report.add(
                        "not-used",
                        value.source,
                        f"{site} {value.entry.kind} {value.value} ({side or 'unsided'}): "
                        f"the {chosen_side or 'unsided'} result has the lower score and is "
                        "used for this scan",
                    )
        result: dict[str, float] = {}
        for value in sides[chosen_side]:
            key = {"bmd": "bmd_g_cm2", "t_score": "t_score", "z_score": "z_score"}[value.entry.kind]
            if key in result and result[key] != value.value:
                context.report.add(
                    "conflict",
                    value.source,
                    f"two {site} {key} values on one scan ({result[key]} and {value.value}): "
                    "the lower is kept",
                )
                value_kept = min(result[key], value.value)
            else:
                value_kept = value.value
            result[key] = value_kept
            context.value(
                f"dxa_scans[{scan_index}].sites.{site}.{key}",
                value_kept,
                value.source,
                value.entry.concept,
                value.entry.ucum,
            )
        sites[site] = result
    return sites
