"""A seeded synthetic cohort of women on aromatase inhibitors, to any size.

Vectorised with numpy in chunks of `CHUNK` women (no per-patient Python objects), written as
flat-schema Parquet or as FHIR Bulk Data NDJSON. The same seed and `until` date give the same
cohort, whatever the format. Distributions are plausible, not fitted to any real population:

  age at AI start    normal(63, 9) years, 35-90; AI start uniform over the 10 years before `until`
  AI                 anastrozole 50%, letrozole 35%, exemestane 15%; 5 years planned, 20% stop
                     early; 8% switch to another AI when the first ends
  DXA                70% a baseline in [S - 10 m, S + 2.5 m], 8% one too early, 22% none;
                     follow-ups every 12-30 months (75% chance each); a Procedure (85%) and
                     spine and hip T-scores (90%); T-score normal(-1.2, 1.1), falling ~0.08/yr
  bone therapy       65% of women whose first DXA meets hadji-2017-like thresholds, 6% of others;
                     denosumab 45% (6-monthly, 25% lapse, a third of those switch),
                     zoledronic acid 30% (6-monthly x 6), alendronate 18%, risedronate 4%,
                     ibandronate 3%
  vitamin D          65% tested at the start, lognormal around 24 ng/mL, 35% reported in nmol/L,
                     low results rechecked 60% of the time
  other              BMI (80%), smoking status (85%), fractures (7%), bone metastases (2%),
                     glucocorticoid courses (6%), deaths (4%)
  malformed          a `malformed_rate` share of rows gets an unknown unit, a duplicated id or
                     (NDJSON) an impossible date, so the quality report has something to show

The generator writes its FHIR codes from `bonewise.terminology.codes`, so NDJSON and Parquet of one
seed hold the same facts: drugs by RxNorm where a code exists, else by their bonewise local code
(ibandronate); smoking status as LOINC 72166-2 with its SNOMED CT answer (`SMOKING_EXPORT`);
a glucocorticoid course as the bonewise local Observation `oral_glucocorticoids_over_6_months`
over the course's period, true when the course is longer than RISK_GLUCOCORTICOID_MONTHS as of
`until` (shorter courses are written as false and are not risk factors on any day up to `until`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bonewise.clinical.calendar import add_months
from bonewise.evidence import NHANES_III_WHITE_WOMEN_20_29
from bonewise.measures.definitions import load_measures
from bonewise.population.schema import SCHEMAS, TABLES, TableName
from bonewise.terminology import codes
from bonewise.units import NMOL_L_PER_NG_ML_25OHD

OutputFormat = Literal["ndjson", "parquet"]
FORMATS: tuple[OutputFormat, ...] = ("ndjson", "parquet")
CHUNK = 100_000
_EPOCH = date(1970, 1, 1)
_YEAR = 365.25
_MONTH = 30.44

AI_AGENTS = ("anastrozole", "letrozole", "exemestane")
AI_SHARES = (0.50, 0.35, 0.15)
BTA_AGENTS = ("denosumab", "zoledronic_acid", "alendronate", "risedronate", "ibandronate")
BTA_SHARES = (0.45, 0.30, 0.18, 0.04, 0.03)
ORAL_BISPHOSPHONATES = ("alendronate", "risedronate", "ibandronate")


def _drug_code(agent: str) -> tuple[str, str]:
    """(system, code) the generator writes for an agent: the best RxNorm code where one exists
    (confirmed first, clinical drugs first), else the bonewise local code."""
    preferred = [d for d in codes.DRUG_CODES if d.agent == agent]
    if not preferred:
        local = next(d for d in codes.LOCAL_DRUG_CODES if d.agent == agent)
        return local.concept.system, local.concept.code
    rank = {"confirmed": 0, "secondary": 1, "policy": 2, "unconfirmed": 3}
    best = min(preferred, key=lambda d: (rank[d.concept.evidence], d.term_type != "clinical_drug"))
    return best.concept.system, best.concept.code


DRUG_CODES: dict[str, tuple[str, str]] = {a: _drug_code(a) for a in AI_AGENTS + BTA_AGENTS}
SMOKING_CODE = codes.SMOKING_STATUS.code
# the SNOMED CT answer written for each smoking status
SMOKING_ANSWER_CODES: dict[str, str] = codes.SMOKING_EXPORT
GLUCOCORTICOIDS = codes.LOCAL_CODES["oral_glucocorticoids_over_6_months"]
# Every code the generator writes is looked up in bonewise.terminology.codes (no copy here).
TSCORE_CODES = {
    site: next(
        c.concept.code
        for c in codes.DXA_CODES
        if c.site == site and c.kind == "t_score" and c.laterality is None
    )
    for site in ("lumbar_spine", "total_hip")
}
_VITAMIN_D = [c for c in codes.LAB_CODES if c.kind == "25_oh_vitamin_d"]
VITAMIN_D_CODE = {
    # the confirmed mass and moles codes: a lab reports in the unit its code is defined in
    "ng/mL": next(
        c.concept.code
        for c in _VITAMIN_D
        if "Mass" in c.concept.display and c.concept.evidence == "confirmed"
    ),
    "nmol/L": next(
        c.concept.code
        for c in _VITAMIN_D
        if "Moles" in c.concept.display and c.concept.evidence == "confirmed"
    ),
}
BMD_CODE = codes.EXPORT_DXA_LOINC[("total_hip", "bmd")].concept.code
BMD_MAKE = "hologic"
BMI_CODE = next(c.concept.code for c in codes.VITAL_CODES if c.kind == "bmi")
DXA_PROCEDURE = codes.DXA_ORDER
FRACTURE_CODES = tuple(
    c.concept.code for c in codes.CONDITION_CODES if c.kind == "fracture" and c.fracture_site
)
BONE_METASTASES_CODE = next(
    c.concept.code for c in codes.CONDITION_CODES if c.kind == "bone_metastases"
)


@dataclass(frozen=True)
class GenerationResult:
    patients: int
    rows: dict[str, int]
    files: list[Path]


def _days(d: date) -> int:
    return (d - _EPOCH).days


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


class _Rows:
    """Column lists for one table of one chunk, concatenated at the end."""

    def __init__(self) -> None:
        self.parts: list[dict[str, Any]] = []

    def add(self, **columns: Any) -> None:
        n = len(next(iter(columns.values())))
        if n:
            self.parts.append(
                {k: (np.full(n, v) if np.isscalar(v) else v) for k, v in columns.items()}
            )

    def column(self, name: str) -> np.ndarray:
        return np.concatenate([p[name] for p in self.parts]) if self.parts else np.array([])


def _chunk(rng: np.random.Generator, first: int, n: int, until: int) -> dict[TableName, pa.Table]:
    idx = np.arange(first, first + n)
    pid = np.char.add("pt", np.char.zfill(idx.astype(str), 8))
    start = until - rng.integers(1, int(10 * _YEAR), n)
    age_at_start = np.clip(rng.normal(63, 9, n), 35, 90)
    birth = (start - age_at_start * _YEAR - rng.uniform(0, _YEAR, n)).astype(np.int64)
    gender = np.where(rng.random(n) < 0.99, "female", "male")
    dies = rng.random(n) < 0.04
    death = start + rng.integers(30, int(12 * _YEAR), n)
    death_recorded = dies & (death <= until)
    death_str = np.where(death_recorded, death, -1)

    drugs, meas, conds, procs = _Rows(), _Rows(), _Rows(), _Rows()

    # --- aromatase inhibitors --------------------------------------------------------------
    agent = rng.choice(AI_AGENTS, n, p=AI_SHARES)
    early = rng.random(n) < 0.20
    duration = np.where(early, rng.uniform(0.2, 4.0, n), 5.0) * _YEAR
    ai_end = (start + duration).astype(np.int64)
    ai_end = np.where(dies & (death < ai_end), death, ai_end)
    drugs.add(pid=pid, concept=agent, start=start, end=np.where(ai_end <= until, ai_end, -1))
    switch = (rng.random(n) < 0.08) & (ai_end < until - 30)
    other = np.array([AI_AGENTS[(AI_AGENTS.index(a) + 1) % 3] for a in agent[switch]])
    drugs.add(
        pid=pid[switch], concept=other, start=ai_end[switch] + 1, end=np.full(switch.sum(), -1)
    )
    on_ai_end = np.where(switch, until + 1, np.minimum(ai_end, until))

    # --- DXA: baseline and follow-ups ------------------------------------------------------
    u = rng.random(n)
    has_base = u < 0.78
    base_day = np.where(
        u < 0.70,
        start + rng.integers(-300, 80, n),
        start - rng.integers(750, 900, n),
    )
    k = 5
    gaps = rng.uniform(12, 30, (n, k)) * _MONTH
    keep = np.cumprod(rng.random((n, k)) < 0.75, axis=1).astype(bool)
    follow = base_day[:, None] + np.cumsum(gaps, axis=1).astype(np.int64)
    scan_days = np.concatenate([base_day[:, None], follow], axis=1)
    scan_ok = np.concatenate([has_base[:, None], keep & has_base[:, None]], axis=1)
    scan_ok &= scan_days <= np.minimum(until, on_ai_end + int(_YEAR))[:, None]
    scan_ok &= ~(dies[:, None] & (scan_days > death[:, None]))
    base_t = np.clip(rng.normal(-1.2, 1.1, n), -4.5, 2.5)
    years = (scan_days - base_day[:, None]) / _YEAR
    spine_t = np.clip(base_t[:, None] - 0.08 * years + rng.normal(0, 0.15, (n, k + 1)), -5, 3)
    hip_t = np.clip(spine_t + rng.normal(0.1, 0.4, (n, k + 1)), -5, 3)
    rows, cols = np.nonzero(scan_ok)
    with_proc = rng.random(rows.size) < 0.85
    procs.add(pid=pid[rows[with_proc]], day=scan_days[rows, cols][with_proc])
    reported = rng.random(rows.size) < 0.90
    r, c = rows[reported], cols[reported]
    # one woman in three: her reports name the scanner and carry the total-hip BMD (below)
    with_bmd = idx % 3 == 1
    for site, values in (("lumbar_spine", spine_t), ("total_hip", hip_t)):
        meas.add(
            pid=pid[r],
            concept="dxa_t_score",
            day=scan_days[r, c],
            value=np.round(values[r, c], 1),
            unit="{T-score}",
            text="",
            code=TSCORE_CODES[site],
            site=site,
            make=np.where(with_bmd[r], BMD_MAKE, ""),
        )

    # --- risk factors ----------------------------------------------------------------------
    bmi_has = rng.random(n) < 0.80
    bmi = np.round(np.clip(rng.normal(27.5, 5.5, n), 15, 50), 1)
    meas.add(
        pid=pid[bmi_has],
        concept="bmi",
        day=start[bmi_has] - rng.integers(0, 60, bmi_has.sum()),
        value=bmi[bmi_has],
        unit="kg/m2",
        text="",
        code=BMI_CODE,
        site="",
        make="",
    )
    smoke_has = rng.random(n) < 0.85
    smoking = rng.choice(["never", "past", "current"], n, p=[0.55, 0.35, 0.10])
    meas.add(
        pid=pid[smoke_has],
        concept="smoking_status",
        day=start[smoke_has] - rng.integers(0, 60, smoke_has.sum()),
        value=np.full(smoke_has.sum(), np.nan),
        unit="",
        text=smoking[smoke_has],
        code=SMOKING_CODE,
        site="",
        make="",
    )
    fracture = rng.random(n) < 0.07
    f_day = birth + ((40 + rng.uniform(0, 1, n) * (age_at_start - 35)) * _YEAR).astype(np.int64)
    conds.add(
        pid=pid[fracture],
        concept="fracture",
        day=np.minimum(f_day, until)[fracture],
        code=rng.choice(FRACTURE_CODES, fracture.sum()),
    )
    mets = rng.random(n) < 0.02
    conds.add(
        pid=pid[mets],
        concept="bone_metastases",
        day=np.minimum(start + rng.integers(100, 2000, n), until)[mets],
        code=BONE_METASTASES_CODE,
    )
    gc = rng.random(n) < 0.06
    gc_start = start - rng.integers(-700, 1100, n)
    gc_end = gc_start + (rng.uniform(1, 18, n) * _MONTH).astype(np.int64)
    gc &= gc_start <= until
    drugs.add(
        pid=pid[gc],
        concept="glucocorticoid",
        start=gc_start[gc],
        end=np.where(gc_end <= until, gc_end, -1)[gc],
    )

    # --- bone-directed therapy -------------------------------------------------------------
    first_t = np.minimum(spine_t[:, 0], hip_t[:, 0])
    risky = (smoking == "current") | (smoking == "past") | fracture | (age_at_start > 65)
    indicated = scan_ok[:, 0] & ((first_t < -2.0) | ((first_t < -1.5) & risky))
    treated = np.where(indicated, rng.random(n) < 0.65, rng.random(n) < 0.06)
    t_start = np.where(scan_ok[:, 0], base_day, start) + rng.integers(0, 270, n)
    treated &= t_start <= until
    treated &= ~(dies & (t_start > death))
    bta = rng.choice(BTA_AGENTS, n, p=BTA_SHARES)
    stop = np.minimum(until, np.where(dies, death, until))
    # denosumab: a dose every ~6 months until the AI ends (+1 year); 25% lapse early
    dm = treated & (bta == "denosumab")
    doses = 20
    dose_days = t_start[:, None] + (np.arange(doses) * 182.6).astype(np.int64)[None, :]
    dose_days += rng.integers(-10, 21, (n, doses))
    planned_last = np.minimum(stop, on_ai_end + int(_YEAR))
    lapse = rng.random(n) < 0.25
    n_doses = np.where(lapse, rng.integers(1, 7, n), doses)
    dose_ok = dm[:, None] & (np.arange(doses)[None, :] < n_doses[:, None])
    dose_ok &= dose_days <= planned_last[:, None]
    dose_ok[:, 0] |= dm
    rows, cols = np.nonzero(dose_ok)
    dd = dose_days[rows, cols]
    drugs.add(pid=pid[rows], concept="denosumab", start=dd, end=dd)
    last_dose = np.where(dose_ok, dose_days, -1).max(axis=1)
    follow_on = dm & lapse & (rng.random(n) < 0.33)
    zol_after = last_dose + rng.integers(60, 300, n)
    follow_on &= zol_after <= until
    drugs.add(
        pid=pid[follow_on],
        concept="zoledronic_acid",
        start=zol_after[follow_on],
        end=zol_after[follow_on],
    )
    # zoledronic acid: 6-monthly infusions, up to 6
    zo = treated & (bta == "zoledronic_acid")
    z_days = t_start[:, None] + (np.arange(6) * 182.6).astype(np.int64)[None, :]
    z_ok = zo[:, None] & (z_days <= stop[:, None])
    rows, cols = np.nonzero(z_ok)
    zd = z_days[rows, cols]
    drugs.add(pid=pid[rows], concept="zoledronic_acid", start=zd, end=zd)
    # oral bisphosphonates: one statement, 1-5 years or ongoing
    oral = treated & np.isin(bta, ORAL_BISPHOSPHONATES)
    o_end = t_start + (rng.uniform(1, 5, n) * _YEAR).astype(np.int64)
    drugs.add(
        pid=pid[oral],
        concept=bta[oral],
        start=t_start[oral],
        end=np.where(o_end <= until, o_end, -1)[oral],
    )

    # --- 25-OH vitamin D -------------------------------------------------------------------
    tested = rng.random(n) < 0.65
    v_day = start + rng.integers(-60, 60, n)
    tested &= v_day <= until
    v_ng = np.round(np.exp(rng.normal(np.log(24), 0.45, n)), 1)
    for round_ in range(3):
        nmol = rng.random(n) < 0.35
        value = np.where(nmol, np.round(v_ng * NMOL_L_PER_NG_ML_25OHD, 0), v_ng)
        unit = np.where(nmol, "nmol/L", "ng/mL")
        meas.add(
            pid=pid[tested],
            concept="vitamin_d_25oh",
            day=v_day[tested],
            value=value[tested],
            unit=unit[tested],
            text="",
            code=np.where(nmol, VITAMIN_D_CODE["nmol/L"], VITAMIN_D_CODE["ng/mL"])[tested],
            site="",
            make="",
        )
        low = v_ng < 20
        recheck = tested & (rng.random(n) < np.where(low, 0.60, 0.30))
        v_day = v_day + rng.integers(90, 365, n)
        tested = recheck & (v_day <= until)
        v_ng = np.round(np.where(low, v_ng + rng.normal(10, 5, n), v_ng + rng.normal(0, 4, n)), 1)
        v_ng = np.clip(v_ng, 3, 90)
        if round_ == 2 or not tested.any():
            break

    # --- BMD: the total-hip BMD (Hologic scale) each reported hip T-score stands for (NHANES III
    # reference), so a fall in T beyond noise is a BMD loss beyond the LSC for the series
    bmd_scan = with_bmd[r]
    mean, sd = NHANES_III_WHITE_WOMEN_20_29.value["total_hip"]
    meas.add(
        pid=pid[r][bmd_scan],
        concept="dxa_bmd",
        day=scan_days[r, c][bmd_scan],
        value=np.round(mean + sd * np.round(hip_t[r, c], 1), 3)[bmd_scan],
        unit="g/cm2",
        text="",
        code=BMD_CODE,
        site="total_hip",
        make=BMD_MAKE,
    )

    return {
        "persons": pa.table(
            {
                "person_id": pa.array(pid),
                "gender": pa.array(gender),
                "birth_date": _dates(birth),
                "death_date": pa.array(death_str.astype(np.int32), mask=~death_recorded).cast(
                    pa.date32()
                ),
                "deceased": pa.array(np.zeros(n, bool)),
                "menopausal_status": pa.nulls(n, pa.string()),
                "source": pa.array(np.full(n, "synthetic")),
            },
            schema=SCHEMAS["persons"],
        ),
        "drug_exposures": _drug_table(drugs, first),
        "measurements": _measurement_table(meas, first),
        "conditions": _event_table(conds, first, "conditions", "co"),
        "procedures": _event_table(procs, first, "procedures", "pr"),
    }


def _text(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string(), mask=missing)


def _record_ids(prefix: str, first: int, n: int) -> pa.Array:
    numbers = np.arange(n).astype(str)
    return pa.array(np.char.add(f"{prefix}{first}-", numbers))


def _drug_table(rows: _Rows, first: int) -> pa.Table:
    concept = rows.column("concept").astype(str)
    end = rows.column("end").astype(np.int64)
    drug_class = np.where(
        np.isin(concept, AI_AGENTS),
        "aromatase_inhibitor",
        np.where(concept == "glucocorticoid", "glucocorticoid", "bone_directed_therapy"),
    )
    code = np.full(concept.size, "", dtype=object)
    system = np.full(concept.size, "", dtype=object)
    for agent, (agent_system, agent_code) in DRUG_CODES.items():
        code[concept == agent] = agent_code
        system[concept == agent] = agent_system
    has_code = code != ""
    return pa.table(
        {
            "record_id": _record_ids("rx", first, concept.size),
            "person_id": pa.array(rows.column("pid").astype(str)),
            "concept": pa.array(concept),
            "drug_class": pa.array(drug_class),
            "start_date": _dates(rows.column("start").astype(np.int64)),
            "end_date": pa.array(end.astype(np.int32), mask=end < 0).cast(pa.date32()),
            "code_system": _text(system.astype(str), ~has_code),
            "code": _text(code.astype(str), ~has_code),
            "source": pa.array(np.full(concept.size, "synthetic")),
        },
        schema=SCHEMAS["drug_exposures"],
    )


def _measurement_table(rows: _Rows, first: int) -> pa.Table:
    concept = rows.column("concept").astype(str)
    value = rows.column("value").astype(float)
    unit = rows.column("unit").astype(str)
    text = rows.column("text").astype(str)
    code = rows.column("code").astype(str)
    site = rows.column("site").astype(str)
    make = rows.column("make").astype(str)
    return pa.table(
        {
            "record_id": _record_ids("ob", first, concept.size),
            "person_id": pa.array(rows.column("pid").astype(str)),
            "concept": pa.array(concept),
            "date": _dates(rows.column("day").astype(np.int64)),
            "value": pa.array(value, mask=np.isnan(value)),
            "unit": _text(unit, unit == ""),
            "value_text": _text(text, text == ""),
            "body_site": _text(site, site == ""),
            "device_make": _text(make, make == ""),
            "precision_pct": pa.nulls(concept.size, pa.float64()),
            "code_system": _text(np.full(concept.size, codes.LOINC), code == ""),
            "code": _text(code, code == ""),
            "source": pa.array(np.full(concept.size, "synthetic")),
        },
        schema=SCHEMAS["measurements"],
    )


def _event_table(rows: _Rows, first: int, table: TableName, prefix: str) -> pa.Table:
    n = rows.column("pid").size
    date_col = "onset_date" if table == "conditions" else "date"
    concept = rows.column("concept").astype(str) if table == "conditions" else np.full(n, "dxa")
    code = (
        rows.column("code").astype(str) if table == "conditions" else np.full(n, DXA_PROCEDURE.code)
    )
    return pa.table(
        {
            "record_id": _record_ids(prefix, first, n),
            "person_id": pa.array(rows.column("pid").astype(str)),
            "concept": pa.array(concept),
            date_col: _dates(rows.column("day").astype(np.int64)),
            "code_system": pa.array(np.full(n, codes.SNOMED)),
            "code": pa.array(code),
            "source": pa.array(np.full(n, "synthetic")),
        },
        schema=SCHEMAS[table],
    )


def _inject_malformed(
    rng: np.random.Generator, tables: dict[TableName, pa.Table], rate: float
) -> dict[TableName, pa.Table]:
    """Unknown units on vitamin D rows and duplicated person rows, at `rate`."""
    if rate <= 0:
        return tables
    meas = tables["measurements"]
    is_vit = pc.equal(meas.column("concept"), "vitamin_d_25oh").to_numpy(zero_copy_only=False)
    hit = is_vit & (rng.random(meas.num_rows) < rate)
    unit = np.array(meas.column("unit").to_pylist(), dtype=object)
    unit[hit] = "IU/L"
    tables["measurements"] = meas.set_column(
        meas.schema.get_field_index("unit"), "unit", pa.array(unit, pa.string())
    )
    persons = tables["persons"]
    dup = np.nonzero(rng.random(persons.num_rows) < rate)[0]
    if dup.size:
        tables["persons"] = pa.concat_tables([persons, persons.take(pa.array(dup))])
    return tables


def generate_chunks(
    patients: int, *, seed: int, until: date, malformed_rate: float = 0.0005
) -> Iterator[dict[TableName, pa.Table]]:
    """Flat-schema tables, CHUNK women at a time (deterministic for seed, until)."""
    until_days = _days(until)
    for number, first in enumerate(range(0, patients, CHUNK)):
        rng = np.random.default_rng([seed, number])
        n = min(CHUNK, patients - first)
        yield _inject_malformed(rng, _chunk(rng, first, n, until_days), malformed_rate)


def write_cohort(
    out: Path,
    *,
    patients: int,
    seed: int = 0,
    until: date,
    output_format: OutputFormat = "parquet",
    malformed_rate: float = 0.0005,
    progress: Callable[[int], None] | None = None,
) -> GenerationResult:
    """Write the cohort to `out` (created if needed); `progress` gets the women written so far."""
    if patients < 1:
        raise ValueError(f"patients must be at least 1 (given {patients})")
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = dict.fromkeys(TABLES, 0)
    writer: _ParquetWriter | _NdjsonWriter
    writer = (
        _ParquetWriter(out)
        if output_format == "parquet"
        else _NdjsonWriter(out, seed, malformed_rate, until)
    )
    done = 0
    try:
        for chunk in generate_chunks(
            patients, seed=seed, until=until, malformed_rate=malformed_rate
        ):
            for name, table in chunk.items():
                rows[name] += table.num_rows
            writer.write(chunk)
            done += min(CHUNK, patients - done)
            if progress:
                progress(done)
    finally:
        files = writer.close()
    return GenerationResult(patients=patients, rows=rows, files=files)


class _ParquetWriter:
    def __init__(self, out: Path) -> None:
        self.paths = {name: out / f"{name}.parquet" for name in TABLES}
        self.writers = {
            name: pq.ParquetWriter(path, SCHEMAS[name]) for name, path in self.paths.items()
        }

    def write(self, chunk: dict[TableName, pa.Table]) -> None:
        for name, table in chunk.items():
            self.writers[name].write_table(table)

    def close(self) -> list[Path]:
        for w in self.writers.values():
            w.close()
        return list(self.paths.values())


# --- FHIR Bulk Data NDJSON -----------------------------------------------------------------------
def _j(value: str) -> str:
    return json.dumps(value)


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _str(a: pa.Array) -> pa.Array:
    return pc.cast(a, pa.string())


class _NdjsonWriter:
    """FHIR R4 resources built with vectorised string joins (valid JSON, one per line)."""

    FILES = (
        "Patient",
        "MedicationStatement",
        "MedicationAdministration",
        "Observation",
        "Condition",
        "Procedure",
    )

    def __init__(self, out: Path, seed: int, malformed_rate: float, until: date) -> None:
        self.malformed_rate = malformed_rate
        self.until = until
        self.gc_months = int(load_measures().number("RISK_GLUCOCORTICOID_MONTHS"))
        self.paths = {name: out / f"{name}.ndjson" for name in self.FILES}
        self.handles = {name: path.open("w", encoding="utf-8") for name, path in self.paths.items()}
        self.rng = np.random.default_rng([seed, 999_999])

    def _emit(self, name: str, lines: pa.Array) -> None:
        valid = pc.drop_null(lines)
        if len(valid):
            self.handles[name].write("\n".join(valid.to_pylist()))
            self.handles[name].write("\n")

    def write(self, chunk: dict[TableName, pa.Table]) -> None:
        p = chunk["persons"]
        death = p.column("death_date")
        deceased = pc.if_else(
            pc.is_null(death), "", _join(',"deceasedDateTime":"', _str(death), '"')
        )
        self._emit(
            "Patient",
            _join(
                '{"resourceType":"Patient","id":"',
                p.column("person_id"),
                '","gender":"',
                p.column("gender"),
                '","birthDate":"',
                _str(p.column("birth_date")),
                '"',
                deceased,
                "}",
            ),
        )
        self._drugs(chunk["drug_exposures"])
        self._glucocorticoids(chunk["drug_exposures"])
        self._observations(chunk["measurements"])
        c = chunk["conditions"]
        self._emit(
            "Condition",
            _join(
                '{"resourceType":"Condition","id":"',
                c.column("record_id"),
                '","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/'
                'condition-clinical","code":"active"}]},"code":{"coding":[{"system":"',
                codes.SNOMED,
                '","code":"',
                c.column("code"),
                '"}]},"subject":{"reference":"Patient/',
                c.column("person_id"),
                '"},"onsetDateTime":"',
                _str(c.column("onset_date")),
                '"}',
            ),
        )
        pr = chunk["procedures"]
        self._emit(
            "Procedure",
            _join(
                '{"resourceType":"Procedure","id":"',
                pr.column("record_id"),
                '","status":"completed","code":{"coding":[{"system":"',
                DXA_PROCEDURE.system,
                '","code":"',
                DXA_PROCEDURE.code,
                '","display":',
                _j(DXA_PROCEDURE.display),
                '}]},"subject":{"reference":"Patient/',
                pr.column("person_id"),
                '"},"performedDateTime":"',
                _str(pr.column("date")),
                '"}',
            ),
        )

    def _drugs(self, d: pa.Table) -> None:
        coded = d.filter(pc.is_valid(d.column("code")))
        single = pc.equal(coded.column("start_date"), coded.column("end_date")).fill_null(False)
        doses = coded.filter(single)
        medication = '","medicationCodeableConcept":{"coding":[{"system":"'
        self._emit(
            "MedicationAdministration",
            _join(
                '{"resourceType":"MedicationAdministration","id":"',
                doses.column("record_id"),
                '","status":"completed',
                medication,
                doses.column("code_system"),
                '","code":"',
                doses.column("code"),
                '"}]},"subject":{"reference":"Patient/',
                doses.column("person_id"),
                '"},"effectiveDateTime":"',
                _str(doses.column("start_date")),
                '"}',
            ),
        )
        spans = coded.filter(pc.invert(single))
        end = spans.column("end_date")
        end_part = pc.if_else(pc.is_null(end), "", _join(',"end":"', _str(end), '"'))
        status = pc.if_else(pc.is_null(end), "active", "completed")
        self._emit(
            "MedicationStatement",
            _join(
                '{"resourceType":"MedicationStatement","id":"',
                spans.column("record_id"),
                '","status":"',
                status,
                medication,
                spans.column("code_system"),
                '","code":"',
                spans.column("code"),
                '"}]},"subject":{"reference":"Patient/',
                spans.column("person_id"),
                '"},"effectivePeriod":{"start":"',
                _str(spans.column("start_date")),
                '"',
                end_part,
                "}}",
            ),
        )

    def _observations(self, m: pa.Table) -> None:
        coded = m.filter(pc.is_valid(m.column("code")))
        dates = _str(coded.column("date"))
        bad = self.rng.random(len(dates)) < self.malformed_rate
        if bad.any():
            # an impossible calendar date, as exports sometimes hold
            dates = pc.if_else(pa.array(bad), pc.utf8_replace_slice(dates, 8, 10, "31"), dates)
            dates = pc.if_else(pa.array(bad), pc.utf8_replace_slice(dates, 5, 7, "02"), dates)
        unit = coded.column("unit")
        category = pc.if_else(
            pc.equal(coded.column("concept"), "vitamin_d_25oh"), "laboratory", "imaging"
        )
        category = pc.if_else(pc.equal(coded.column("concept"), "bmi"), "vital-signs", category)
        smoking = pc.equal(coded.column("concept"), "smoking_status")
        category = pc.if_else(smoking, "social-history", category)
        quantity = _join(
            '"valueQuantity":{"value":',
            _str(coded.column("value")),
            ',"unit":',
            pc.binary_join_element_wise('"', unit, '"', ""),
            ',"system":"http://unitsofmeasure.org","code":',
            pc.binary_join_element_wise('"', unit, '"', ""),
            "}",
        )
        make = coded.column("device_make")
        # the scanner by its display, as an export without Device resources names it
        device = pc.if_else(pc.is_valid(make), _join('"device":{"display":"', make, '"},'), "")
        text = coded.column("value_text")
        answer = pa.nulls(len(coded), pa.string())
        for status, answer_code in SMOKING_ANSWER_CODES.items():
            answer = pc.if_else(pc.equal(text, status), answer_code, answer)
        concept = _join(
            '"valueCodeableConcept":{"coding":[{"system":"',
            codes.SNOMED,
            '","code":"',
            answer,
            '"}],"text":"',
            text,
            '"}',
        )
        self._emit(
            "Observation",
            _join(
                '{"resourceType":"Observation","id":"',
                coded.column("record_id"),
                '","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/'
                'CodeSystem/observation-category","code":"',
                category,
                '"}]}],"code":{"coding":[{"system":"',
                codes.LOINC,
                '","code":"',
                coded.column("code"),
                '"}]},"subject":{"reference":"Patient/',
                coded.column("person_id"),
                '"},"effectiveDateTime":"',
                dates,
                '",',
                device,
                pc.if_else(smoking, concept, quantity),
                "}",
            ),
        )

    def _glucocorticoids(self, d: pa.Table) -> None:
        """Each course as the local Observation `oral_glucocorticoids_over_6_months` over its
        period: true when, as of `until`, it has lasted longer than RISK_GLUCOCORTICOID_MONTHS
        (the measure's own test)."""
        gc = d.filter(pc.equal(d.column("concept"), "glucocorticoid"))
        starts = gc.column("start_date").to_pylist()
        ends = gc.column("end_date").to_pylist()
        longer = [
            min(end or self.until, self.until) > add_months(start, self.gc_months)
            for start, end in zip(starts, ends, strict=True)
        ]
        end = gc.column("end_date")
        end_part = pc.if_else(pc.is_null(end), "", _join(',"end":"', _str(end), '"'))
        self._emit(
            "Observation",
            _join(
                '{"resourceType":"Observation","id":"',
                gc.column("record_id"),
                '","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/'
                'CodeSystem/observation-category","code":"survey"}]}],"code":{"coding":[{'
                '"system":"',
                GLUCOCORTICOIDS.system,
                '","code":"',
                GLUCOCORTICOIDS.code,
                '","display":',
                _j(GLUCOCORTICOIDS.display),
                '}]},"subject":{"reference":"Patient/',
                gc.column("person_id"),
                '"},"effectivePeriod":{"start":"',
                _str(gc.column("start_date")),
                '"',
                end_part,
                '},"valueBoolean":',
                pa.array(["true" if x else "false" for x in longer], pa.string()),
                "}",
            ),
        )

    def close(self) -> list[Path]:
        for h in self.handles.values():
            h.close()
        return list(self.paths.values())
