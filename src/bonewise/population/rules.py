"""The care-gap measures as Ibis expressions: the one implementation, for every engine.

Each function reads the clean flat tables (see quality.py) and returns one row per woman in
the measure's denominator:

    person_id   the patient's id in the source (FHIR Patient.id, OMOP person_id)
    index_date  the date the measure is anchored on (S, the last DXA, Q, L or V)
    excluded    died before D (or recorded deceased with no date)
    numerator   met the numerator's criteria

A gap is a row with neither `excluded` nor `numerator`. Dates after D are ignored throughout.
Calendar months come from the engine's interval arithmetic (day clamped to the month's end) on
columns and from `clinical.calendar.add_months` on D, which agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from bonewise.clinical import bmd_series
from bonewise.clinical.calendar import add_months
from bonewise.clinical.densitometry import decision_t_score
from bonewise.clinical.dxa_results import DxaResult, DxaResultKind, group_scans
from bonewise.clinical.ehr_assumptions import fracture_site
from bonewise.clinical.facts import (
    clinical_osteoporosis_reasons,
    largest_bmi_shown_below,
    scans_by_day,
)
from bonewise.clinical.models import ANTIRESORPTIVES, SITES, DxaScan, Fracture, ScannerMake
from bonewise.evidence import (
    BMD_RANGE_G_CM2,
    NCCN_POSTMENOPAUSAL_AGE,
    RECENT_FRACTURE_MONTHS,
    T_SCORE_RANGE,
)
from bonewise.measures.definitions import MeasureSet
from bonewise.population.schema import UNCONFIRMED_CONCEPTS
from bonewise.terminology import codes

# The five clean flat tables, plus (optionally) the derived tables below, computed once by the
# runner and shared by the measures.
Tables = dict[str, ir.Table]
RESULT_COLUMNS = ("person_id", "index_date", "excluded", "numerator")
# A DXA is any DXA result (a T-score, Z-score or BMD) or a DXA procedure (issue 12).
DXA_OBSERVATIONS = ("dxa_t_score", "dxa_z_score", "dxa_bmd")
# any fracture routes a recent one to a clinician; only "fracture" (not recorded as traumatic)
# is a fragility fracture for the hadji-2017 risk factor
FRACTURES = ("fracture", "traumatic_fracture")
OTHER_ANTIRESORPTIVES = tuple(a for a in ANTIRESORPTIVES if a != "denosumab")  # end a lapse
SCANNER_MAKES: tuple[str, ...] = get_args(ScannerMake)
FACILITY_PRECISION_MAX_PCT = 10.0  # clinical.models.DxaScan.facility_precision_pct's bound


def plus_months(day: ir.DateValue, months: int) -> ir.DateValue:
    if months >= 0:
        return (day + ibis.interval(months=months)).cast("date")
    return (day - ibis.interval(months=-months)).cast("date")


def plus_days(day: ir.DateValue, days: int) -> ir.DateValue:
    return (day + ibis.interval(days=days)).cast("date")


def age_years(birth: ir.DateValue, on: ir.DateValue) -> ir.IntegerValue:
    """Completed years of age on a day (null if the birth date is unknown)."""
    before_birthday = (on.month() < birth.month()) | (
        (on.month() == birth.month()) & (on.day() < birth.day())
    )
    return on.year() - birth.year() - before_birthday.cast("int32")


def with_flag(base: ir.Table, ids: ir.Table, name: str) -> ir.Table:
    """`base` with a boolean column `name`: is the row's person_id among `ids.person_id`."""
    hits = ids.select(_fid=ids.person_id).distinct().mutate(**{name: ibis.literal(True)})
    joined = base.left_join(hits, base.person_id == hits._fid).drop("_fid")
    return joined.mutate(**{name: joined[name].fill_null(False)})


def _result(t: ir.Table) -> ir.Table:
    return t.select(
        "person_id",
        index_date=t.index_date.cast("date"),
        excluded=t.excluded,
        numerator=t.numerator.fill_null(False),
    )


def initial_population(t: Tables, day: date) -> ir.Table:
    """Women with an AI started on or before D: first start, on an AI at D, excluded.

    On an AI at D: an exposure not ended on or before D (an AI ends on its end date, as the
    single-patient `Facts.ai_ended` reads it)."""
    d = ibis.literal(day, type="date")
    p = t["persons"]
    ai = t["drug_exposures"].filter(
        lambda r: (r.drug_class == "aromatase_inhibitor") & (r.start_date <= d)
    )
    per_person = ai.group_by("person_id").aggregate(
        first_ai_start=ai.start_date.min(),
        on_ai_at_d=(ai.end_date.isnull() | (ai.end_date > d)).any(),
    )
    women = p.filter(p.gender.isnull() | p.gender.isin(["female", "unknown"]))
    ip = women.join(per_person, "person_id")
    # the columns the measures read of her (the runner keeps this table for the whole run)
    return ip.select(
        "person_id",
        "first_ai_start",
        "on_ai_at_d",
        excluded=((ip.death_date < d) | (ip.deceased & ip.death_date.isnull())).fill_null(False),
    )


# the columns of a DXA result row the rules read (dxa_result_from_row and the SQL readers)
_DXA_ROW_COLUMNS = (
    "person_id",
    "date",
    "concept",
    "value",
    "body_site",
    "device_make",
    "precision_pct",
    "code_system",
    "code",
)


def dxa_results(t: Tables, day: date) -> ir.Table:
    """The DXA results (BMD, T-score and Z-score Observations) on or before D of the women on an
    AI at D, in the columns the rules read: the one selection of them, which the runner computes
    once (the cleaned measurements are a view every query reading them evaluates again). Its
    readers ask about women on an AI at D only; keeping only theirs keeps the copy small."""
    d = ibis.literal(day, type="date")
    meas = t["measurements"]
    ip = _ip(t, day)
    results = meas.filter(meas.concept.isin(list(DXA_OBSERVATIONS)) & (meas.date <= d))
    on_ai = results.semi_join(ip.filter(ip.on_ai_at_d).select("person_id"), "person_id")
    return on_ai.select(*_DXA_ROW_COLUMNS)


def dxa_events(t: Tables, day: date) -> ir.Table:
    """The days with a DXA on or before D (person_id, date; one row a day): a DXA Procedure, or a
    DXA BMD, T-score or Z-score Observation. Its readers ask whether she had one in a window and
    when her last was: a day's several results are one DXA."""
    d = ibis.literal(day, type="date")
    proc = t["procedures"]
    meas = t["measurements"]
    scans = proc.filter((proc.concept == "dxa") & (proc.date <= d)).select("person_id", "date")
    results = meas.filter(meas.concept.isin(list(DXA_OBSERVATIONS)) & (meas.date <= d)).select(
        "person_id", "date"
    )
    return scans.union(results, distinct=True)


def _latest_value(rows: ir.Table) -> ir.Table:
    """Per person: the latest date and the lowest value recorded on it."""
    per_day = rows.group_by("person_id", "date").aggregate(_low=rows.value.min())
    return per_day.group_by("person_id").aggregate(
        latest_date=per_day.date.max(), latest_value=per_day._low.argmax(per_day.date)
    )


def _ip(t: Tables, day: date) -> ir.Table:
    return t["initial_population"] if "initial_population" in t else initial_population(t, day)


def _dxa(t: Tables, day: date) -> ir.Table:
    return t["dxa_events"] if "dxa_events" in t else dxa_events(t, day)


def _dxa_results(t: Tables, day: date) -> ir.Table:
    return t["dxa_results"] if "dxa_results" in t else dxa_results(t, day)


# in order: each may read those before it
_DERIVED: dict[str, Callable[[Tables, date], ir.Table]] = {
    "initial_population": initial_population,
    "dxa_results": dxa_results,
    "dxa_events": dxa_events,
}


def derived_tables(
    t: Tables,
    day: date,
    keep: Callable[[str, ir.Table], ir.Table] | None = None,
) -> dict[str, ir.Table]:
    """Tables several measures read: worth computing once (see runner.evaluate). Each is passed
    to `keep` (name, expression), which returns the table the later ones and the measures read
    (the runner's engine-side copy)."""
    built = dict(t)
    derived: dict[str, ir.Table] = {}
    for name, build in _DERIVED.items():
        expr = build(built, day)
        derived[name] = built[name] = keep(name, expr) if keep is not None else expr
    return derived


def baseline_dxa(t: Tables, day: date, ms: MeasureSet) -> ir.Table:
    before = ms.number("BASELINE_DXA_BEFORE_MONTHS")
    after = ms.number("BASELINE_DXA_AFTER_MONTHS")
    d = ibis.literal(day, type="date")
    ip = _ip(t, day)
    # after the AI has ended the measure does not apply; until S + 3 months it is "due by"
    base = ip.filter(ip.on_ai_at_d).mutate(index_date=ip.first_ai_start)
    base = base.filter(plus_months(base.index_date, after) < d)
    base = base.select("person_id", "index_date", "excluded")
    dxa = _dxa(t, day)
    scans = dxa.select(_dpid=dxa.person_id, _ddate=dxa.date)
    # one pass over the denominator (each woman with her DXAs, if any), not a second copy of it
    pairs = base.left_join(scans, base.person_id == scans._dpid)
    in_window = pairs._ddate.between(
        plus_months(pairs.index_date, -before), plus_months(pairs.index_date, after)
    )
    return _result(
        pairs.group_by("person_id", "index_date", "excluded").aggregate(numerator=in_window.any())
    )


_ROW_KINDS: dict[str, DxaResultKind] = {
    "dxa_bmd": "bmd",
    "dxa_t_score": "t_score",
    "dxa_z_score": "z_score",
}


def dxa_result_from_row(row: dict[str, Any]) -> DxaResult | None:
    """A flat DXA result row as a DXA result: its site (the one its LOINC code names when none is
    given) and side (the code's), its scanner make (unknown: None, the scan is "other"). None:
    no site, no value, or a value outside the plausible ranges (the import rejects those)."""
    entry = codes.dxa_code(row["code"] or "", row["code_system"])
    site = row["body_site"] or (entry.site if entry is not None else None)
    value = row["value"]
    if site not in SITES or value is None:
        return None
    kind = _ROW_KINDS[row["concept"]]
    low, high = (BMD_RANGE_G_CM2 if kind == "bmd" else T_SCORE_RANGE).value
    if not low <= value <= high:
        return None
    pct = row["precision_pct"]
    return DxaResult(
        day=row["date"],
        site=site,
        kind=kind,
        value=value,
        laterality=entry.laterality if entry is not None else None,
        make=row["device_make"] if row["device_make"] in SCANNER_MAKES else None,
        precision_pct=pct if pct is not None and 0 < pct <= FACILITY_PRECISION_MAX_PCT else None,
    )


def dxa_scans_from_rows(rows: list[dict[str, Any]]) -> list[DxaScan]:
    """One woman's DXA result rows as the scans the FHIR import makes of them: the one grouping
    of `clinical.dxa_results.group_scans` (a scan per day and scanner, the side of a paired site
    with the lower score, the lower of two values of a kind). The flat rows carry no scanner
    model or facility: their scans are told apart by day and make."""
    return dxa_scans_from_results(
        [r for row in rows if (r := dxa_result_from_row(row)) is not None]
    )


def dxa_scans_from_results(results: list[DxaResult]) -> list[DxaScan]:
    """DXA results as the scans the FHIR import makes of them (dxa_scans_from_rows)."""
    return [
        DxaScan.model_validate(
            {
                "date": grouped.day,
                "scanner_make": grouped.make or "other",
                "sites": grouped.sites,
                "facility_precision_pct": grouped.precision_pct,
            }
        )
        for grouped in group_scans(results)
    ]


def lost_bone(rows: list[dict[str, Any]], day: date) -> bool:
    """Whether one woman's DXA result rows show a BMD loss beyond the least significant change
    on `day`, as the clinical core reads her scans (`bmd_series.significant_losses`)."""
    return bool(bmd_series.significant_losses(scans_by_day(dxa_scans_from_rows(rows), day)))


def significant_bmd_loss(t: Tables, day: date, among: ir.Table | None = None) -> ir.Table:
    """Women on an AI at D whose BMD fell beyond the least significant change (person ids), as
    the clinical core decides it: their DXA results become scans and `bmd_series` reads them
    (the day's scan, the baseline on the latest scan's make, the LSC), not a second definition
    in SQL. Only women with a BMD on at least two days can have such a loss: only their rows
    leave the engine, and only those `among` (person ids) when given."""
    ip = _ip(t, day)
    results = _dxa_results(t, day)
    bmd = results.filter(results.concept == "dxa_bmd")
    series = bmd.group_by("person_id").aggregate(_days=bmd.date.nunique())
    series = series.filter(series._days >= 2).select("person_id")
    women = ip.filter(ip.on_ai_at_d).select("person_id").join(series, "person_id")
    if among is not None:
        women = women.join(among.select("person_id").distinct(), "person_id")
    rows = results.join(women, "person_id").select(*_DXA_ROW_COLUMNS)
    by_person: dict[str, list[dict[str, Any]]] = {}
    for row in rows.to_pyarrow().to_pylist():
        by_person.setdefault(row["person_id"], []).append(row)
    losses = [pid for pid, found in sorted(by_person.items()) if lost_bone(found, day)]
    return ibis.memtable(pa.table({"person_id": pa.array(losses, pa.string())}))


def dxa_overdue(t: Tables, day: date, ms: MeasureSet) -> ir.Table:
    """Overdue when the next DXA is due before D: the last DXA + DXA_REPEAT_MONTHS, or +
    DXA_REPEAT_AFTER_LOSS_MONTHS after a BMD loss beyond the least significant change
    (measures.windows.repeat_dxa_due, the single-patient alert's reckoning)."""
    d = ibis.literal(day, type="date")
    ip = _ip(t, day)
    dxa = _dxa(t, day)
    last = dxa.group_by("person_id").aggregate(index_date=dxa.date.max())
    base = ip.filter(ip.on_ai_at_d).join(last, "person_id")
    after_loss = plus_months(base.index_date, ms.number("DXA_REPEAT_AFTER_LOSS_MONTHS"))
    otherwise = plus_months(base.index_date, ms.number("DXA_REPEAT_MONTHS"))
    # a loss decides only between the two due dates: the core is asked about those women only
    undecided = base.filter((after_loss < d) & (otherwise >= d))
    base = with_flag(base, significant_bmd_loss(t, day, among=undecided), "_loss")
    next_due = ibis.ifelse(
        base._loss,
        plus_months(base.index_date, ms.number("DXA_REPEAT_AFTER_LOSS_MONTHS")),
        plus_months(base.index_date, ms.number("DXA_REPEAT_MONTHS")),
    )
    return _result(base.mutate(numerator=next_due >= d))


def _risk_factor_ids(t: Tables, day: date, ms: MeasureSet) -> dict[str, ir.Table]:
    """hadji-2017 risk factors other than the T-score, as tables of person ids."""
    d = ibis.literal(day, type="date")
    p = t["persons"]
    meas = t["measurements"]
    old = p.filter(age_years(p.birth_date, d) > ms.number("RISK_AGE_OVER"))
    cond = t["conditions"]
    # a fracture at RISK_FRACTURE_AGE or over counts unless recorded as traumatic
    fractures = cond.filter((cond.concept == "fracture") & (cond.onset_date <= d)).join(
        p.select("person_id", "birth_date"), "person_id"
    )
    fractures = fractures.filter(
        age_years(fractures.birth_date, fractures.onset_date) >= ms.number("RISK_FRACTURE_AGE")
    )
    smoking = meas.filter(
        (meas.concept == "smoking_status")
        & (meas.date.isnull() | (meas.date <= d))  # undated: kept by quality.UNDATED_KEPT
        & meas.value_text.isin(["current", "past"])
    )
    bmi = _latest_value(meas.filter((meas.concept == "bmi") & (meas.date <= d)))
    # compared as displayed (one decimal), as the clinical core compares it (facts.bmi), by a
    # cut-off the core computes: each engine's own round() differs at x.x5 (Spark rounds half up)
    low_bmi = bmi.filter(bmi.latest_value <= largest_bmi_shown_below(ms.number("RISK_BMI_UNDER")))
    return {
        "age": old.select("person_id"),
        "fracture": fractures.select("person_id"),
        "smoking": smoking.select("person_id"),
        "low_bmi": low_bmi.select("person_id"),
        "glucocorticoids": long_glucocorticoid_ids(t, day, ms),
    }


def long_glucocorticoid_ids(t: Tables, day: date, ms: MeasureSet) -> ir.Table:
    """Women with a glucocorticoid course longer than RISK_GLUCOCORTICOID_MONTHS by `day` (the
    risk factor, and what the gap lists' assumptions read)."""
    d = ibis.literal(day, type="date")
    drugs = t["drug_exposures"]
    gc = drugs.filter((drugs.concept == "glucocorticoid") & (drugs.start_date <= d))
    taken_until = ibis.least(gc.end_date.fill_null(d), d)
    return gc.filter(
        taken_until > plus_months(gc.start_date, ms.number("RISK_GLUCOCORTICOID_MONTHS"))
    ).select("person_id")


def premenopausal_without_suppression(t: Tables, day: date) -> ir.Table:
    """Women read as premenopausal on D with no ovarian suppression on D (person ids): the
    clinical core's `Facts.premenopausal_without_suppression`, for whom hadji-2017 waits for her
    menopausal status to be confirmed (so no therapy-gap).

    Her status is the recorded one; with none recorded, the NCCN criteria of
    `clinical.menopause.infer_menopausal_status` in its order (a bilateral oophorectomy, age
    NCCN_POSTMENOPAUSAL_AGE or over: postmenopausal; a GnRH agonist on D: premenopausal with
    ovarian suppression; an AI: postmenopausal), so by inference alone a woman on an AI is never
    in this table. Ovarian suppression on D: a GnRH agonist exposure (or the suppression recorded
    with the AI) started on or before D and not ended before D, as `GnrhAgonistCourse.current_on`.
    """
    d = ibis.literal(day, type="date")
    p = t["persons"]
    drugs = t["drug_exposures"]
    suppressed = drugs.filter(
        (drugs.drug_class == "gnrh_agonist")
        & (drugs.start_date <= d)
        & (drugs.end_date.isnull() | (drugs.end_date >= d))
    )
    cond = t["conditions"]
    oophorectomy = cond.filter((cond.concept == "bilateral_oophorectomy") & (cond.onset_date <= d))
    people = with_flag(
        p.select("person_id", "birth_date", "menopausal_status"), suppressed, "_gnrh"
    )
    people = with_flag(people, oophorectomy, "_oophorectomy")
    inferred_premenopausal = (
        ~people._oophorectomy
        & (age_years(people.birth_date, d) < NCCN_POSTMENOPAUSAL_AGE.value).fill_null(True)
        & people._gnrh
    )
    premenopausal = ibis.ifelse(
        people.menopausal_status.isnull(),
        inferred_premenopausal,
        people.menopausal_status == "premenopausal",
    )
    return people.filter(premenopausal & ~people._gnrh).select("person_id")


@dataclass(frozen=True, slots=True)
class TherapyEvidence:
    """What hadji-2017 reads of one woman on D, as the clinical core reads it (`Facts`)."""

    latest_dxa: date  # Q: her latest DXA with results (the core's latest scan)
    t_score: float | None  # its decision T-score, reported or computed (None: none usable)
    clinical_osteoporosis: bool  # a hip or vertebral fragility fracture, whatever the T-score


def fracture_from_row(row: dict[str, Any]) -> Fracture | None:
    """A flat `fracture` / `traumatic_fracture` condition row as the record's fracture: its site
    from its code (as the FHIR import names it; unknown code: "site not coded"), traumatic when
    so recorded, else mechanism not recorded (a fragility fracture at 50 or over). None: the
    row's date is not one a record holds."""
    known = codes.condition_code(row["code_system"], row["code"] or "")
    site = fracture_site(
        known.fracture_site if known is not None else None,
        known is not None and known.vertebral,
    )
    traumatic = True if row["concept"] == "traumatic_fracture" else None
    try:
        return Fracture(date=row["onset_date"], site=site, traumatic=traumatic)
    except ValueError:
        return None


def therapy_evidence(
    dxa_rows: list[dict[str, Any]],
    fracture_rows: Iterable[dict[str, Any]],
    birth_date: date | None,
    day: date,
) -> TherapyEvidence | None:
    """One woman's DXA result rows and fracture rows read by the clinical core on `day`: her
    latest scan (`scans_by_day`), its decision T-score (`densitometry.decision_t_score`: the
    lowest of spine and hip, reported or computed from a hip BMD after conversion to the
    Hologic scale, the 33% radius only without them) and whether she has clinical osteoporosis
    (`facts.clinical_osteoporosis_reasons`). None: no DXA result the core can read."""
    # only her latest day with a readable result is read: earlier days are not made into
    # scans (scans_by_day's last day is the latest day a result of hers can be read on)
    by_day: dict[date, list[dict[str, Any]]] = {}
    for row in dxa_rows:
        if row["date"] is not None and row["date"] <= day:
            by_day.setdefault(row["date"], []).append(row)
    results: list[DxaResult] = []
    for on in sorted(by_day, reverse=True):
        results = [r for row in by_day[on] if (r := dxa_result_from_row(row)) is not None]
        if results:
            break
    if not results:
        return None
    latest = scans_by_day(dxa_scans_from_results(results), day)[-1]
    score = decision_t_score(latest)
    fractures = [
        f
        for row in fracture_rows
        if row["onset_date"] is not None
        and row["onset_date"] <= day
        and (f := fracture_from_row(row)) is not None
    ]
    # without a birth date no fracture of unrecorded mechanism can be dated at 50 or over
    clinical = birth_date is not None and bool(
        clinical_osteoporosis_reasons(fractures, birth_date, vertebral_fracture_declared=None)
    )
    return TherapyEvidence(latest.date, None if score is None else score.value, clinical)


def needs_core_for_therapy(t: Tables, day: date) -> ir.Table:
    """Women on an AI at D whose hadji-2017 reading the reported T-scores alone cannot give
    (person ids): a fracture on or before D (clinical osteoporosis needs its site and her age at
    it), or a latest DXA-result day with no reported T-score, a 33% radius result (used only
    without spine and hip), or a site with a BMD and no T-score (the core computes one).
    Everyone else's decision T-score is the lowest reported one of her latest day, which SQL
    reads as the core does. (Results of no recorded site, which only cohorts written before the
    flat schema had sites hold, count as one site: T-scores there are read as reported.)"""
    d = ibis.literal(day, type="date")
    ip = _ip(t, day)
    on_ai = ip.filter(ip.on_ai_at_d).select("person_id")
    results = _dxa_results(t, day)
    last = results.group_by("person_id").aggregate(_last=results.date.max())
    day_rows = results.join(last, "person_id").filter(lambda r: r.date == r._last)
    by_site = day_rows.group_by("person_id", "body_site").aggregate(
        _t=(day_rows.concept == "dxa_t_score").any(),
        _bmd=(day_rows.concept == "dxa_bmd").any(),
    )
    per_woman = by_site.group_by("person_id").aggregate(
        _unread=((by_site.body_site == "radius_33") | (by_site._bmd & ~by_site._t)).any(),
        _any_t=by_site._t.any(),
    )
    unread = per_woman.filter(per_woman._unread | ~per_woman._any_t).select("person_id")
    cond = t["conditions"]
    fractured = cond.filter(cond.concept.isin(list(FRACTURES)) & (cond.onset_date <= d))
    with_results = last.select("person_id")
    either = unread.union(fractured.select("person_id").join(with_results, "person_id"))
    return on_ai.join(either.distinct(), "person_id")


def therapy_core_answers(t: Tables, day: date) -> tuple[ir.Table, ir.Table]:
    """The clinical core's hadji-2017 reading (TherapyEvidence) of the women who need it
    (needs_core_for_therapy), as a small table: person_id, latest_date, latest_value (the
    decision T-score, null if none), clinical_osteoporosis; and the ids of the women asked
    (computed once). Only their rows leave the engine."""
    d = ibis.literal(day, type="date")
    asked = needs_core_for_therapy(t, day).to_pyarrow()
    women = ibis.memtable(asked)
    dxa_rows = _dxa_results(t, day).join(women, "person_id").select(*_DXA_ROW_COLUMNS)
    cond = t["conditions"]
    fractures = cond.filter(cond.concept.isin(list(FRACTURES)) & (cond.onset_date <= d))
    fracture_rows = fractures.join(women, "person_id").select(
        "person_id", "concept", "onset_date", "code_system", "code"
    )
    persons = t["persons"]
    births = persons.join(women, "person_id").select("person_id", "birth_date")
    answers = ibis.memtable(
        therapy_answers(
            dxa_rows.to_pyarrow().to_pylist(),
            fracture_rows.to_pyarrow().to_pylist(),
            births.to_pyarrow().to_pylist(),
            day,
        )
    )
    return answers, women


def therapy_answers(
    dxa_rows: list[dict[str, Any]],
    fracture_rows: list[dict[str, Any]],
    births: list[dict[str, Any]],
    day: date,
) -> pa.Table:
    """therapy_evidence for each woman of the rows given, as an Arrow table (person_id,
    latest_date, latest_value, clinical_osteoporosis): what the run joins, and what the
    benchmark's hand SQL registers."""
    answers = therapy_evidence_by_person(dxa_rows, fracture_rows, births, day)
    ids = sorted(answers)
    return pa.table(
        {
            "person_id": pa.array(ids, pa.string()),
            "latest_date": pa.array([answers[i].latest_dxa for i in ids], pa.date32()),
            "latest_value": pa.array([answers[i].t_score for i in ids], pa.float64()),
            "clinical_osteoporosis": pa.array(
                [answers[i].clinical_osteoporosis for i in ids], pa.bool_()
            ),
        }
    )


def therapy_evidence_by_person(
    dxa_rows: list[dict[str, Any]],
    fracture_rows: list[dict[str, Any]],
    births: list[dict[str, Any]],
    day: date,
) -> dict[str, TherapyEvidence]:
    """therapy_evidence per person id of the rows given (women with no readable DXA left out)."""
    by_person: dict[str, list[dict[str, Any]]] = {}
    for row in dxa_rows:
        by_person.setdefault(row["person_id"], []).append(row)
    fractures: dict[str, list[dict[str, Any]]] = {}
    for row in fracture_rows:
        fractures.setdefault(row["person_id"], []).append(row)
    born: dict[str, date | None] = {}
    for row in births:
        # a person with several rows: the earliest birth date (as quality's persons table)
        previous = born.get(row["person_id"])
        born[row["person_id"]] = min(
            (b for b in (previous, row["birth_date"]) if b is not None), default=None
        )
    answers = {}
    for pid, rows in by_person.items():
        found = therapy_evidence(rows, fractures.get(pid, ()), born.get(pid), day)
        if found is not None:
            answers[pid] = found
    return answers


def therapy_gap(t: Tables, day: date, ms: MeasureSet) -> ir.Table:
    """hadji-2017's indication on her latest DXA, as the clinical core reads it: the lowest
    reported T-score of the latest day where that is all the core would read, else the core's
    own answer (therapy_core_answers: a computed T-score, clinical osteoporosis, or no usable
    T-score, where RISK_FACTORS_WITHOUT_BMD risk factors decide as in hadji-2017)."""
    d = ibis.literal(day, type="date")
    ip = _ip(t, day)
    core, asked = therapy_core_answers(t, day)
    results = _dxa_results(t, day)
    tscores = _latest_value(results.filter(results.concept == "dxa_t_score"))
    tscores = tscores.anti_join(asked, "person_id").mutate(
        clinical_osteoporosis=ibis.literal(False)
    )
    read = tscores.union(
        core.select("person_id", "latest_date", "latest_value", "clinical_osteoporosis")
    )
    base = ip.filter(ip.on_ai_at_d).join(read, "person_id")
    # her risk factors, counted once: >= 1 decides below RISK_T; hadji-2017's ">= 2 risk
    # factors without a BMD measurement" decides when the core found no usable T-score on Q
    labelled = [
        ids.mutate(_factor=ibis.literal(name)) for name, ids in _risk_factor_ids(t, day, ms).items()
    ]
    present = ibis.union(*labelled, distinct=True)
    counted = present.group_by(_cid=present.person_id).aggregate(_factors=present._factor.count())
    base = base.left_join(counted, base.person_id == counted._cid).drop("_cid")
    factors = base._factors.fill_null(0)
    tscore = base.latest_value
    meets = (
        base.clinical_osteoporosis
        | (tscore < ms.number("THERAPY_T")).fill_null(False)
        | ((tscore < ms.number("RISK_T")) & (factors >= 1)).fill_null(False)
        | (tscore.isnull() & (factors >= ms.number("RISK_FACTORS_WITHOUT_BMD")))
    )
    # due by Q + THERAPY_DECISION_MONTHS, a gap after (measures.windows.therapy_decision_due)
    base = base.filter(
        meets & (plus_months(base.latest_date, ms.number("THERAPY_DECISION_MONTHS")) < d)
    ).mutate(index_date=base.latest_date)
    # bone metastases: hadji-2017 does not apply (bone-agent dosing is an oncology decision)
    cond = t["conditions"]
    metastases = cond.filter((cond.concept == "bone_metastases") & (cond.onset_date <= d))
    base = with_flag(base, metastases, "_metastases")
    # premenopausal without ovarian suppression: hadji-2017 waits for her status (undetermined)
    base = with_flag(base, premenopausal_without_suppression(t, day), "_premenopausal")
    base = base.filter(~base._metastases & ~base._premenopausal)
    drugs = t["drug_exposures"]
    bta = drugs.filter((drugs.drug_class == "bone_directed_therapy") & (drugs.start_date <= d))
    # therapy given or active in the window: her latest end (no end: still active) reaches it
    last_end = bta.group_by("person_id").aggregate(_last_end=bta.end_date.fill_null(d).max())
    last_end = last_end.select(_bpid=last_end.person_id, _last_end=last_end._last_end)
    joined = base.left_join(last_end, base.person_id == last_end._bpid)
    window_start = plus_months(joined.index_date, -ms.number("THERAPY_LOOKBACK_MONTHS"))
    return _result(joined.mutate(numerator=joined._last_end >= window_start))


def last_denosumab_dates(t: Tables, day: date) -> ir.Table:
    """Per woman, L: her last denosumab dose on or before D (measures.toml, denosumab-lapse).

    A dose is an exposure of one day (an administration: no end, or ending on its start). A
    course over a period (a statement or an order) with no dose inside it counts its last known
    date: its end if on or before D, else its start; with doses inside it, the doses speak.
    """
    d = ibis.literal(day, type="date")
    dmab = t["drug_exposures"].filter(lambda r: (r.concept == "denosumab") & (r.start_date <= d))
    one_day = dmab.end_date.isnull() | (dmab.end_date == dmab.start_date)
    doses = dmab.filter(one_day).select("person_id", date=dmab.start_date)
    courses = dmab.filter(~one_day)
    courses = courses.select(
        "person_id",
        "start_date",
        known=ibis.ifelse(courses.end_date <= d, courses.end_date, courses.start_date),
    )
    inside = doses.select(_pid=doses.person_id, _dose=doses.date)
    pairs = courses.left_join(
        inside,
        (courses.person_id == inside._pid)
        & (inside._dose >= courses.start_date)
        & (inside._dose <= courses.known),
    )
    # courses with the same dates give the same answer: grouped by their dates
    undosed = pairs.group_by("person_id", "start_date", "known").aggregate(
        _doses=pairs._dose.count()
    )
    undosed = undosed.filter(undosed._doses == 0).select("person_id", date=undosed.known)
    every = doses.union(undosed)
    return every.group_by("person_id").aggregate(index_date=every.date.max())


def denosumab_lapse(t: Tables, day: date, ms: MeasureSet) -> ir.Table:
    d = ibis.literal(day, type="date")
    drugs = t["drug_exposures"].filter(lambda r: r.start_date <= d)
    last = last_denosumab_dates(t, day)
    ip = _ip(t, day)
    base = ip.join(last, "person_id")
    others = drugs.filter(drugs.concept.isin(list(OTHER_ANTIRESORPTIVES)))
    pairs = others.join(base.select("person_id", "index_date"), "person_id")
    switched = pairs.filter(pairs.start_date > pairs.index_date)
    base = with_flag(base, switched, "_switched")
    next_due = plus_months(base.index_date, ms.number("DENOSUMAB_INTERVAL_MONTHS"))
    on_time = plus_days(next_due, 7 * ms.number("DENOSUMAB_ON_TIME_WEEKS")) >= d
    return _result(base.mutate(numerator=on_time | base._switched))


def vitamin_d_recheck(t: Tables, day: date, ms: MeasureSet) -> ir.Table:
    d = ibis.literal(day, type="date")
    meas = t["measurements"]
    latest = _latest_value(meas.filter((meas.concept == "vitamin_d_25oh") & (meas.date <= d)))
    low = latest.filter(latest.latest_value < ms.number("VITAMIN_D_LOW_NG_ML"))
    ip = _ip(t, day)
    base = ip.join(low, "person_id")
    base = base.mutate(index_date=base.latest_date)
    in_window = plus_months(base.index_date, ms.number("VITAMIN_D_RECHECK_MONTHS")) >= d
    return _result(base.mutate(numerator=in_window))


def clinician_review(t: Tables, day: date) -> ir.Table:
    """Women whose gaps a clinician must look at before any automated outreach.

    Bone metastases, or a fracture in the last RECENT_FRACTURE_MONTHS, stop automation (the
    project's safety rule): their gap lists say so, with the reason. So does a fact recorded
    under a code bonewise does not know (a fracture named only by its words, an unknown drug
    code): whether she has it is unknown.
    """
    d = ibis.literal(day, type="date")
    recent = ibis.literal(add_months(day, -RECENT_FRACTURE_MONTHS.value), type="date")
    conditions = t["conditions"]
    # an undated metastasis (kept by quality.UNDATED_KEPT) holds whatever the day
    c = conditions.filter(
        (conditions.onset_date <= d)
        | (conditions.onset_date.isnull() & (conditions.concept == "bone_metastases"))
    )
    flagged = c.filter(
        (c.concept == "bone_metastases")
        | (c.concept.isin(list(FRACTURES)) & (c.onset_date >= recent))
    ).select("person_id", "concept")
    # a fact under a code bonewise does not know (schema.UNCONFIRMED_CONCEPTS), dated or not:
    # unknown, for a clinician to confirm (the import's "unknown, please confirm")
    drugs = t["drug_exposures"]
    unconfirmed = conditions.select("person_id", "concept", day=conditions.onset_date).union(
        drugs.select("person_id", "concept", day=drugs.start_date)
    )
    unconfirmed = unconfirmed.filter(
        unconfirmed.concept.isin(list(UNCONFIRMED_CONCEPTS))
        & (unconfirmed.day.isnull() | (unconfirmed.day <= d))
    ).select("person_id", "concept")
    flagged = flagged.union(unconfirmed)
    return flagged.group_by("person_id").aggregate(
        bone_metastases=(flagged.concept == "bone_metastases").any(),
        recent_fracture=flagged.concept.isin(list(FRACTURES)).any(),
        unconfirmed_code=flagged.concept.isin(list(UNCONFIRMED_CONCEPTS)).any(),
    )


MEASURES: dict[str, Callable[[Tables, date, MeasureSet], ir.Table]] = {
    "baseline-dxa": baseline_dxa,
    "dxa-overdue": dxa_overdue,
    "therapy-gap": therapy_gap,
    "denosumab-lapse": denosumab_lapse,
    "vitamin-d-recheck": vitamin_d_recheck,
}
