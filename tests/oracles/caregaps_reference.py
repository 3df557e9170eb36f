"""The measures evaluated row by row in plain Python: an oracle, not the product.

The product runs the Ibis expressions in rules.py. This module restates the same definitions
one woman at a time, in the plainest Python, so that tests can check the Ibis implementation
against an independent reading of measures.toml on random cohorts, and so the benchmark can
show what the engines buy. It takes clean, typed flat-schema rows (dicts) as input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bonewise.clinical.bmd_series import significant_losses
from bonewise.clinical.calendar import add_months
from bonewise.clinical.densitometry import decision_t_score
from bonewise.clinical.facts import clinical_osteoporosis_reasons, scans_by_day
from bonewise.clinical.models import DxaScan
from bonewise.evidence import BMD_RANGE_G_CM2, NCCN_POSTMENOPAUSAL_AGE, T_SCORE_RANGE
from bonewise.measures.definitions import MeasureSet
from bonewise.population.quality import VITAMIN_D_PER_NG_ML
from bonewise.population.rules import fracture_from_row
from bonewise.terminology import codes

Row = Mapping[str, Any]
# measure id -> person id -> (index date, excluded, numerator)
Outcomes = dict[str, dict[str, tuple[date, bool, bool]]]


@dataclass
class Woman:
    person_id: str
    gender: str | None = None
    birth: date | None = None
    death: date | None = None
    deceased: bool = False
    menopausal_status: str | None = None
    drugs: list[tuple[str, date, date | None]] = field(default_factory=list)
    measurements: list[tuple[str, date, float | None, str | None]] = field(default_factory=list)
    fractures: list[date] = field(default_factory=list)
    # every fracture row (fracture or traumatic_fracture), for clinical osteoporosis
    fracture_rows: list[Row] = field(default_factory=list)
    metastases: list[date] = field(default_factory=list)
    oophorectomy: list[date] = field(default_factory=list)
    dxa: list[date] = field(default_factory=list)
    # (date, scanner make) -> site -> {"bmd_g_cm2" | "t_score" | "z_score": the lowest value}
    scans: dict[tuple[date, str], dict[str, dict[str, float]]] = field(default_factory=dict)
    precision: dict[tuple[date, str], dict[str, float]] = field(default_factory=dict)

    def dxa_scans(self, d: date) -> list[DxaScan]:
        """Her DXA results up to D as scans, one a day (the core's choice of the day's scan)."""
        return scans_by_day(
            (
                DxaScan.model_validate(
                    {
                        "date": day,
                        "scanner_make": make,
                        "sites": sites,
                        "facility_precision_pct": self.precision.get((day, make), {}),
                    }
                )
                for (day, make), sites in self.scans.items()
                if day <= d
            ),
            d,
        )


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def gather(tables: Mapping[str, Iterable[Row]]) -> dict[str, Woman]:
    """One Woman per person id (duplicates merged as quality.py does)."""
    women: dict[str, Woman] = {}
    copies: dict[str, list[Row]] = defaultdict(list)
    for row in tables["persons"]:
        if row.get("person_id"):
            copies[row["person_id"]].append(row)
    for pid, rows in copies.items():
        births = [r["birth_date"] for r in rows if r.get("birth_date")]
        deaths = [r.get("death_date") for r in rows]
        women[pid] = Woman(
            person_id=pid,
            gender=min((r["gender"] for r in rows if r.get("gender")), default=None),
            birth=min(births) if births else None,
            death=max(d for d in deaths if d) if all(deaths) else None,
            deceased=all(bool(r.get("deceased")) for r in rows),
            menopausal_status=min(
                (r["menopausal_status"].lower() for r in rows if r.get("menopausal_status")),
                default=None,
            ),
        )
    for row in tables["drug_exposures"]:
        w = women.get(row["person_id"])
        if w and row.get("start_date"):
            w.drugs.append((row["concept"], row["start_date"], row.get("end_date")))
    for row in tables["measurements"]:
        w = women.get(row["person_id"])
        if not w or not row.get("date"):
            continue
        value = row.get("value")
        if row["concept"] == "vitamin_d_25oh":
            per_ng_ml = VITAMIN_D_PER_NG_ML.get(row.get("unit") or "")
            if per_ng_ml is None or value is None:
                continue
            value = value / per_ng_ml
        w.measurements.append((row["concept"], row["date"], value, row.get("value_text")))
        if row["concept"] in ("dxa_t_score", "dxa_z_score", "dxa_bmd"):
            w.dxa.append(row["date"])
            _add_result(w, row)
    for row in tables["conditions"]:
        w = women.get(row["person_id"])
        if w and row["concept"] == "fracture" and row.get("onset_date"):
            w.fractures.append(row["onset_date"])
        if w and row["concept"] in ("fracture", "traumatic_fracture") and row.get("onset_date"):
            w.fracture_rows.append(row)
        if w and row["concept"] == "bone_metastases" and row.get("onset_date"):
            w.metastases.append(row["onset_date"])
        if w and row["concept"] == "bilateral_oophorectomy" and row.get("onset_date"):
            w.oophorectomy.append(row["onset_date"])
    for row in tables["procedures"]:
        w = women.get(row["person_id"])
        if w and row["concept"] == "dxa" and row.get("date"):
            w.dxa.append(row["date"])
    return women


_KIND = {"dxa_bmd": "bmd_g_cm2", "dxa_t_score": "t_score", "dxa_z_score": "z_score"}


def _add_result(w: Woman, row: Row) -> None:
    """A DXA result on its scan (day and make; no make: "other"), at its site (the one its LOINC
    code names when none is given), the lower of two values of a kind."""
    site = row.get("body_site") or (codes.dxa_observation(row.get("code") or "") or (None,))[0]
    value = row.get("value")
    if site is None or value is None:
        return
    kind = _KIND[row["concept"]]
    low, high = BMD_RANGE_G_CM2.value if kind == "bmd_g_cm2" else T_SCORE_RANGE.value
    if not low <= value <= high:
        return
    make = row.get("device_make") or "other"
    scan = (row["date"], make)
    results = w.scans.setdefault(scan, {}).setdefault(site, {})
    results[kind] = min(value, results.get(kind, value))
    if row.get("precision_pct"):
        w.precision.setdefault(scan, {})[site] = row["precision_pct"]


AIS = ("anastrozole", "letrozole", "exemestane")
GNRH = ("goserelin", "leuprolide", "triptorelin", "ovarian_suppression")


def premenopausal_without_suppression(w: Woman, d: date) -> bool:
    """Recorded premenopausal (else NCCN: oophorectomy or age >= 60 post, a GnRH agonist on D
    pre with suppression, an AI post), with no GnRH agonist on D."""
    gnrh = any(c in GNRH and s <= d and (e is None or e >= d) for c, s, e in w.drugs)
    if w.menopausal_status is not None:
        premenopausal = w.menopausal_status == "premenopausal"
    else:
        premenopausal = (
            not any(x <= d for x in w.oophorectomy)
            and (w.birth is None or age_on(w.birth, d) < NCCN_POSTMENOPAUSAL_AGE.value)
            and gnrh
        )
    return premenopausal and not gnrh


BTAS = ("denosumab", "zoledronic_acid", "alendronate", "risedronate", "ibandronate")


def _latest(values: list[tuple[date, float]]) -> tuple[date, float] | None:
    if not values:
        return None
    last = max(day for day, _ in values)
    return last, min(v for day, v in values if day == last)


def last_denosumab_date(w: Woman, d: date) -> date | None:
    """Her last denosumab dose: a one-day exposure, or a course's last known date (its end if on
    or before D, else its start) when no dose falls inside the course."""
    rows = [(s, e) for c, s, e in w.drugs if c == "denosumab" and s <= d]
    doses = [s for s, e in rows if e is None or e == s]
    courses = [(s, e if e <= d else s) for s, e in rows if e is not None and e != s]
    undosed = [known for s, known in courses if not any(s <= x <= known for x in doses)]
    return max([*doses, *undosed], default=None)


def evaluate_woman(w: Woman, d: date, ms: MeasureSet) -> dict[str, tuple[date, bool, bool]]:
    """This woman's row in each measure she is in the denominator of."""
    n = ms.number
    out: dict[str, tuple[date, bool, bool]] = {}
    if w.gender not in (None, "female", "unknown"):
        return out
    ai = [(s, e) for c, s, e in w.drugs if c in AIS and s <= d]
    if not ai:
        return out
    excluded = (w.death is not None and w.death < d) or (w.deceased and w.death is None)
    first = min(s for s, _ in ai)
    on_ai = any(e is None or e > d for _, e in ai)  # an AI ends on its end date
    dxa = [x for x in w.dxa if x <= d]

    # baseline-dxa
    after, before = n("BASELINE_DXA_AFTER_MONTHS"), n("BASELINE_DXA_BEFORE_MONTHS")
    if on_ai and add_months(first, after) < d:
        lo, hi = add_months(first, -before), add_months(first, after)
        out["baseline-dxa"] = (first, excluded, any(lo <= x <= hi for x in dxa))

    # dxa-overdue
    if on_ai and dxa:
        last = max(dxa)
        # after a BMD loss beyond the LSC (the core's series) the next DXA is due sooner
        loss = bool(significant_losses(w.dxa_scans(d)))
        months = n("DXA_REPEAT_AFTER_LOSS_MONTHS") if loss else n("DXA_REPEAT_MONTHS")
        out["dxa-overdue"] = (last, excluded, add_months(last, months) >= d)

    # therapy-gap: hadji-2017 on her latest scan as the core reads it, for every woman (its
    # decision T-score, reported or computed; clinical osteoporosis from a hip or vertebral
    # fracture), where the product asks the core only for the women reported T-scores miss
    scans = w.dxa_scans(d)
    if on_ai and scans:
        q = scans[-1].date
        score = decision_t_score(scans[-1])
        fractures = [
            f
            for row in w.fracture_rows
            if row["onset_date"] <= d and (f := fracture_from_row(dict(row))) is not None
        ]
        clinical = w.birth is not None and bool(
            clinical_osteoporosis_reasons(fractures, w.birth, vertebral_fracture_declared=None)
        )
        bmi = _latest(
            [
                (day, v)
                for c, day, v, _ in w.measurements
                if c == "bmi" and day <= d and v is not None
            ]
        )
        factors = [
            w.birth is not None and age_on(w.birth, d) > n("RISK_AGE_OVER"),
            w.birth is not None
            and any(f <= d and age_on(w.birth, f) >= n("RISK_FRACTURE_AGE") for f in w.fractures),
            any(
                c == "smoking_status" and day <= d and txt in ("current", "past")
                for c, day, _, txt in w.measurements
            ),
            bmi is not None and round(bmi[1], 1) < n("RISK_BMI_UNDER"),
            any(
                c == "glucocorticoid"
                and s <= d
                and min(e or d, d) > add_months(s, n("RISK_GLUCOCORTICOID_MONTHS"))
                for c, s, e in w.drugs
            ),
        ]
        t = None if score is None else score.value
        meets = (
            clinical
            or (t is not None and (t < n("THERAPY_T") or (t < n("RISK_T") and any(factors))))
            # hadji-2017: >= 2 risk factors without a usable T-score (measure 1.4.0)
            or (t is None and sum(factors) >= n("RISK_FACTORS_WITHOUT_BMD"))
        )
        metastases = any(day <= d for day in w.metastases)
        waits = premenopausal_without_suppression(w, d)
        if (
            meets
            and not metastases
            and not waits
            and add_months(q, n("THERAPY_DECISION_MONTHS")) < d
        ):
            since = add_months(q, -n("THERAPY_LOOKBACK_MONTHS"))
            treated = any(
                c in BTAS and s <= d and (e if e is not None else d) >= since for c, s, e in w.drugs
            )
            out["therapy-gap"] = (q, excluded, treated)

    # denosumab-lapse
    last_dose = last_denosumab_date(w, d)
    if last_dose is not None:
        switched = any(c in BTAS and c != "denosumab" and last_dose < s <= d for c, s, _ in w.drugs)
        next_due = add_months(last_dose, n("DENOSUMAB_INTERVAL_MONTHS"))
        on_time = d <= next_due + timedelta(weeks=n("DENOSUMAB_ON_TIME_WEEKS"))
        out["denosumab-lapse"] = (last_dose, excluded, on_time or switched)

    # vitamin-d-recheck
    vit = _latest(
        [
            (day, v)
            for c, day, v, _ in w.measurements
            if c == "vitamin_d_25oh" and day <= d and v is not None
        ]
    )
    if vit is not None and vit[1] < n("VITAMIN_D_LOW_NG_ML"):
        v_day = vit[0]
        in_window = add_months(v_day, n("VITAMIN_D_RECHECK_MONTHS")) >= d
        out["vitamin-d-recheck"] = (v_day, excluded, in_window)
    return out


def evaluate(tables: Mapping[str, Iterable[Row]], d: date, ms: MeasureSet) -> Outcomes:
    outcomes: Outcomes = {m.id: {} for m in ms.measures}
    for pid, woman in gather(tables).items():
        for measure, row in evaluate_woman(woman, d, ms).items():
            outcomes[measure][pid] = row
    return outcomes


def gaps(outcomes: Outcomes) -> dict[str, set[str]]:
    return {
        m: {pid for pid, (_, excluded, met) in rows.items() if not excluded and not met}
        for m, rows in outcomes.items()
    }
