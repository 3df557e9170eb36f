"""DXA results -> the record's dxa_scans and dxa_procedures.

Takes the DXA values the Observation reader kept and the DXA procedures the Condition reader
kept. Which values make one scan, which side of a paired site is used and which of two values of
a kind is kept is `clinical.dxa_results.group_scans` (the population run's too); this module says
what was chosen in the import report, and that a DXA procedure with no results still counts as a
DXA done that day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bonewise.clinical.dxa_results import RESULT_FIELDS, DxaResult, GroupedScan, group_scans
from bonewise.fhir.readers.context import ReadContext
from bonewise.fhir.readers.observations import DxaValue


def _result(value: DxaValue) -> DxaResult:
    entry = value.entry
    return DxaResult(
        day=value.day,
        site=entry.site,
        kind=entry.kind,
        value=value.value,
        laterality=entry.laterality,
        make=value.make,
        model=value.model,
        facility=value.facility,
        precision_pct=value.precision_pct,
        source=value,
    )


def dxa_scans(values: list[DxaValue], context: ReadContext) -> list[dict[str, Any]]:
    """DXA results grouped into scans (one day, scanner make, model and facility), each site's
    side chosen: `clinical.dxa_results.group_scans`, which the population run calls too."""
    scans = []
    for index, grouped in enumerate(group_scans(_result(v) for v in values)):
        day, make = grouped.day, grouped.make
        found: list[DxaValue] = [r.source for r in grouped.results]
        sources = sorted({v.source for v in found})
        if make is None:
            context.report.add(
                "defaulted",
                ", ".join(sources),
                f"DXA scan of {day}: scanner make not in the input (no Device): recorded "
                "as 'other', so bonewise will not compare it with other scans' BMD",
            )
        _report_choices(grouped, index, context)
        scan: dict[str, Any] = {
            "date": day.isoformat(),
            "scanner_make": make or "other",
            "sites": grouped.sites,
        }
        if grouped.model:
            scan["scanner_model"] = grouped.model
        if grouped.facility:
            scan["facility"] = grouped.facility
        excluded = list(dict.fromkeys(v for val in found for v in val.excluded))
        if excluded:
            scan["excluded_vertebrae"] = excluded
        if grouped.precision_pct:
            scan["facility_precision_pct"] = grouped.precision_pct
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


def _report_choices(grouped: GroupedScan, scan_index: int, context: ReadContext) -> None:
    """Say which side of a paired site was not used and which second value of a kind was not
    kept, and record each value kept with its source."""
    for result in grouped.not_used():
        value: DxaValue = result.source
        chosen = grouped.sides[result.site]
        context.report.add(
            "not-used",
            value.source,
            f"{result.site} {result.kind} {result.value} ({result.laterality or 'unsided'}): "
            f"the {chosen or 'unsided'} result has the lower score and is used for this scan",
        )
    for result in grouped.conflicts():
        value = result.source
        key = RESULT_FIELDS[result.kind]
        kept = grouped.sites[result.site][key]
        context.report.add(
            "conflict",
            value.source,
            f"two {result.site} {key} values on one scan ({kept} and {result.value}): "
            "the lower is kept",
        )
    for site in grouped.sites:
        for result in grouped.used(site):
            value = result.source
            key = RESULT_FIELDS[result.kind]
            context.value(
                f"dxa_scans[{scan_index}].sites.{site}.{key}",
                grouped.sites[site][key],
                value.source,
                value.entry.concept,
                value.entry.ucum,
            )
