"""The bare baseline for the cohort benchmark: the five measures as hand-written DuckDB SQL.

No staging, no quality report, no Ibis, no output files: one connection, views over the
flat-schema Parquet files, five queries, the gap lists fetched as Arrow. It applies only the
cleaning the generated cohort needs for the same answers (duplicate persons merged, vitamin D
converted to ng/mL and unknown units left out, BMI units checked), so its gap lists must equal
the product run's; the benchmark checks that they do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from bonewise.measures.definitions import MeasureSet
from bonewise.population.quality import BMI_UNITS, NUMERIC_CONCEPTS, VITAMIN_D_TO_NG_ML
from bonewise.population.rules import lost_bone, therapy_answers
from bonewise.population.schema import GNRH_AGONIST_CONCEPTS


def _text_list(values: Iterable[object]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def gap_lists(directory: Path, day: date, ms: MeasureSet) -> dict[str, pa.Table]:
    """measure id -> gaps (person_id, index_date), sorted by person_id."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    p = {name: ms.number(name) for name in ms.parameters}
    d = f"DATE '{day.isoformat()}'"
    factors = " ".join(f"WHEN '{u}' THEN {f!r}" for u, f in VITAMIN_D_TO_NG_ML.items())

    def months(column: str, n: int) -> str:
        return f"CAST({column} + INTERVAL ({n}) MONTH AS DATE)"

    def parquet(table: str) -> str:
        return f"read_parquet('{directory / (table + '.parquet')}')"

    con.execute(f"""
        CREATE TEMP TABLE persons AS
        SELECT person_id, min(gender) AS gender, min(birth_date) AS birth_date,
               CASE WHEN count(death_date) = count(*) THEN max(death_date) END AS death_date,
               bool_and(coalesce(deceased, false)) AS deceased
        FROM {parquet("persons")} GROUP BY person_id""")
    con.execute(f"""
        CREATE VIEW drugs AS
        SELECT person_id, concept, start_date, end_date,
               CASE WHEN concept IN ('anastrozole', 'letrozole', 'exemestane')
                    THEN 'aromatase_inhibitor'
                    WHEN concept IN ('denosumab', 'zoledronic_acid', 'alendronate',
                                     'risedronate', 'ibandronate')
                    THEN 'bone_directed_therapy' ELSE concept END AS drug_class
        FROM {parquet("drug_exposures")}
        WHERE start_date <= {d} AND (end_date IS NULL OR end_date >= start_date)""")
    con.execute(f"""
        CREATE VIEW meas AS
        SELECT person_id, concept, date, value_text,
               CASE WHEN concept = 'vitamin_d_25oh'
                    THEN value * (CASE unit {factors} END) ELSE value END AS value
        FROM {parquet("measurements")}
        WHERE date <= {d}
          AND (concept NOT IN ({_text_list(NUMERIC_CONCEPTS)}) OR value IS NOT NULL)
          AND (concept <> 'vitamin_d_25oh' OR unit IN ({_text_list(VITAMIN_D_TO_NG_ML)}))
          AND (concept <> 'bmi' OR unit IS NULL OR unit IN ({_text_list(BMI_UNITS)}))""")
    con.execute(f"""
        CREATE TEMP TABLE ip AS
        SELECT p.person_id, p.birth_date, a.first_ai_start, a.on_ai_at_d,
               coalesce(p.death_date < {d} OR (p.deceased AND p.death_date IS NULL), false)
                   AS excluded
        FROM persons p JOIN (
            SELECT person_id, min(start_date) AS first_ai_start,
                   bool_or(end_date IS NULL OR end_date > {d}) AS on_ai_at_d
            FROM drugs WHERE drug_class = 'aromatase_inhibitor' GROUP BY person_id
        ) a USING (person_id)
        WHERE p.gender IS NULL OR p.gender IN ('female', 'unknown')""")
    con.execute(f"""
        CREATE TEMP TABLE dxa AS
        SELECT person_id, date FROM {parquet("procedures")}
        WHERE concept = 'dxa' AND date <= {d}
        UNION ALL
        SELECT person_id, date FROM meas
        WHERE concept IN ('dxa_t_score', 'dxa_z_score', 'dxa_bmd')""")

    _register_losses(con, parquet("measurements"), day, d, p, months)
    _register_therapy_answers(con, parquet, day, d)

    def latest(concept: str) -> str:
        return f"""(SELECT person_id, date AS latest_date, min(value) AS latest_value
                    FROM meas WHERE concept = '{concept}'
                    GROUP BY person_id, date
                    QUALIFY date = max(date) OVER (PARTITION BY person_id))"""

    before, after = p["BASELINE_DXA_BEFORE_MONTHS"], p["BASELINE_DXA_AFTER_MONTHS"]
    # hadji-2017 risk factors other than the T-score, one labelled row per woman and factor
    risk = f"""
        SELECT person_id, 'age' AS factor FROM ip
        WHERE date_diff('year', birth_date, {d})
              - CAST(strftime({d}, '%m%d') < strftime(birth_date, '%m%d') AS INTEGER)
              > {p["RISK_AGE_OVER"]}
        UNION SELECT c.person_id, 'fracture' FROM {parquet("conditions")} c
        JOIN persons USING (person_id)
        WHERE c.concept = 'fracture' AND c.onset_date <= {d}
          AND date_diff('year', birth_date, onset_date)
              - CAST(strftime(onset_date, '%m%d') < strftime(birth_date, '%m%d') AS INTEGER)
              >= {p["RISK_FRACTURE_AGE"]}
        UNION SELECT person_id, 'smoking' FROM meas
        WHERE concept = 'smoking_status' AND lower(value_text) IN ('current', 'past')
        UNION SELECT person_id, 'low_bmi' FROM {latest("bmi")} WHERE latest_value < {p["RISK_BMI_UNDER"]}
        UNION SELECT person_id, 'glucocorticoids' FROM drugs
        WHERE concept = 'glucocorticoid' AND least(coalesce(end_date, {d}), {d})
              > {months("start_date", p["RISK_GLUCOCORTICOID_MONTHS"])}"""
    # premenopausal without ovarian suppression: only a recorded status can say so (by the
    # NCCN inference a woman on an AI is never both); older cohorts carry no status column
    columns = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {parquet('persons')}").fetchall()}
    premenopausal = (
        f"""SELECT person_id FROM {parquet("persons")} WHERE menopausal_status = 'premenopausal'
            AND person_id NOT IN (SELECT person_id FROM drugs
                                  WHERE concept IN ({_text_list(GNRH_AGONIST_CONCEPTS)})
                                  AND (end_date IS NULL OR end_date >= {d}))"""
        if "menopausal_status" in columns
        else "SELECT NULL::VARCHAR WHERE false"
    )
    queries = {
        "baseline-dxa": f"""
            SELECT person_id, first_ai_start AS index_date, excluded,
                   EXISTS (SELECT 1 FROM dxa WHERE dxa.person_id = ip.person_id
                           AND dxa.date BETWEEN {months("first_ai_start", -before)}
                                            AND {months("first_ai_start", after)}) AS numerator
            FROM ip WHERE on_ai_at_d AND {months("first_ai_start", after)} < {d}""",
        "dxa-overdue": f"""
            SELECT person_id, last AS index_date, excluded,
                   last >= {months(d, -p["DXA_REPEAT_MONTHS"])}
                   AND person_id NOT IN (SELECT person_id FROM losses) AS numerator
            FROM ip JOIN (SELECT person_id, max(date) AS last FROM dxa GROUP BY person_id)
                 USING (person_id)
            WHERE on_ai_at_d""",
        "therapy-gap": f"""
            WITH base AS (
                SELECT ip.person_id, t.latest_date AS index_date, ip.excluded
                FROM ip JOIN (
                    SELECT *, false AS clinical_osteoporosis FROM {latest("dxa_t_score")}
                    WHERE person_id NOT IN (SELECT person_id FROM core_needed)
                    UNION ALL SELECT * FROM core_therapy) t USING (person_id)
                WHERE ip.on_ai_at_d
                  AND (t.clinical_osteoporosis OR t.latest_value < {p["THERAPY_T"]}
                       OR (t.latest_value < {p["RISK_T"]}
                           AND ip.person_id IN (SELECT person_id FROM ({risk})))
                       OR (t.latest_value IS NULL
                           AND ip.person_id IN (SELECT person_id FROM ({risk})
                                                GROUP BY person_id HAVING count(*)
                                                >= {p["RISK_FACTORS_WITHOUT_BMD"]})))
                  AND {months("t.latest_date", p["THERAPY_DECISION_MONTHS"])} < {d}
                  AND ip.person_id NOT IN (SELECT person_id FROM {parquet("conditions")}
                                           WHERE concept = 'bone_metastases'
                                             AND onset_date <= {d})
                  AND ip.person_id NOT IN ({premenopausal}))
            SELECT person_id, index_date, excluded,
                   EXISTS (SELECT 1 FROM drugs b WHERE b.person_id = base.person_id
                           AND b.drug_class = 'bone_directed_therapy'
                           AND coalesce(b.end_date, {d})
                               >= {months("index_date", -p["THERAPY_LOOKBACK_MONTHS"])})
                       AS numerator
            FROM base""",
        "denosumab-lapse": f"""
            SELECT person_id, last AS index_date, excluded,
                   {months("last", p["DENOSUMAB_INTERVAL_MONTHS"])}
                       + INTERVAL ({7 * p["DENOSUMAB_ON_TIME_WEEKS"]}) DAY >= {d}
                   OR EXISTS (SELECT 1 FROM drugs o WHERE o.person_id = ip.person_id
                              AND o.concept IN ('zoledronic_acid', 'alendronate',
                                                'risedronate', 'ibandronate')
                              AND o.start_date > last) AS numerator
            FROM ip JOIN (
                -- a dose (one day), or a course's last known date when no dose is inside it
                WITH dm AS (
                    SELECT person_id, start_date,
                           end_date IS NULL OR end_date = start_date AS one_day,
                           CASE WHEN end_date <= {d} THEN end_date ELSE start_date END AS known
                    FROM drugs WHERE concept = 'denosumab')
                SELECT person_id, max(CASE WHEN one_day THEN start_date ELSE known END) AS last
                FROM dm c
                WHERE one_day OR NOT EXISTS (
                    SELECT 1 FROM dm x WHERE x.person_id = c.person_id AND x.one_day
                    AND x.start_date BETWEEN c.start_date AND c.known)
                GROUP BY person_id) USING (person_id)""",
        "vitamin-d-recheck": f"""
            SELECT person_id, latest_date AS index_date, excluded,
                   {months("latest_date", p["VITAMIN_D_RECHECK_MONTHS"])} >= {d} AS numerator
            FROM ip JOIN {latest("vitamin_d_25oh")} USING (person_id)
            WHERE latest_value < {p["VITAMIN_D_LOW_NG_ML"]}""",
    }
    gaps = {}
    for measure, sql in queries.items():
        gaps[measure] = con.sql(
            f"SELECT person_id, CAST(index_date AS DATE) AS index_date FROM ({sql}) "
            "WHERE NOT excluded AND NOT coalesce(numerator, false) ORDER BY person_id"
        ).to_arrow_table()
    con.close()
    return gaps


def _register_losses(
    con: duckdb.DuckDBPyConnection,
    measurements: str,
    day: date,
    d: str,
    p: dict[str, int],
    months: Callable[[str, int], str],
) -> None:
    """`losses`: women whose BMD fell beyond the least significant change, among those whose
    last DXA is between the two due dates (only they can change). SQL cannot say what a
    significant loss is without a second definition, so, as the product does, their rows go to
    the clinical core (`bmd_series`); cohorts written before the flat schema had BMD sites have
    none."""
    columns = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {measurements}").fetchall()}
    rows: list[dict[str, object]] = []
    if {"body_site", "device_make", "precision_pct"} <= columns:
        rows = (
            con.sql(f"""
            WITH candidates AS (
                SELECT person_id FROM ip
                JOIN (SELECT person_id, max(date) AS last FROM dxa GROUP BY person_id)
                     USING (person_id)
                WHERE on_ai_at_d
                  AND {months("last", p["DXA_REPEAT_AFTER_LOSS_MONTHS"])} < {d}
                  AND {months("last", p["DXA_REPEAT_MONTHS"])} >= {d}
                  AND person_id IN (SELECT person_id FROM meas WHERE concept = 'dxa_bmd'
                                    GROUP BY person_id HAVING count(DISTINCT date) >= 2))
            SELECT person_id, date, concept, value, body_site, device_make, precision_pct,
                   code_system, code
            FROM {measurements} JOIN candidates USING (person_id)
            WHERE concept IN ('dxa_t_score', 'dxa_z_score', 'dxa_bmd') AND date <= {d}
            """)
            .to_arrow_table()
            .to_pylist()
        )
    by_person: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_person.setdefault(str(row["person_id"]), []).append(row)
    losses = [pid for pid, found in by_person.items() if lost_bone(found, day)]
    con.register("losses", pa.table({"person_id": pa.array(losses, pa.string())}))


def _register_therapy_answers(
    con: duckdb.DuckDBPyConnection, parquet: Callable[[str], str], day: date, d: str
) -> None:
    """`core_needed` and `core_therapy`: the women whose hadji-2017 reading needs more than
    their reported T-scores (a fracture; a latest DXA-result day with no reported T-score, a
    33% radius result or a BMD without a T-score at its site), and
    the clinical core's reading of them (population.rules.therapy_evidence), as the product
    asks it: SQL does not convert BMD or decide clinical osteoporosis a second time."""
    columns = {
        r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {parquet('measurements')}").fetchall()
    }
    # cohorts written before the flat schema had DXA sites: one site of no name, no make
    site, make, precision = (
        name if name in columns else f"NULL::{kind} AS {name}"
        for name, kind in (
            ("body_site", "VARCHAR"),
            ("device_make", "VARCHAR"),
            ("precision_pct", "DOUBLE"),
        )
    )
    con.execute(f"""
        CREATE TEMP TABLE core_needed AS
        WITH results AS (
            SELECT person_id, date, concept, {site} FROM {parquet("measurements")}
            WHERE concept IN ('dxa_t_score', 'dxa_z_score', 'dxa_bmd') AND date <= {d}
              AND value IS NOT NULL),
        last_day AS (
            SELECT * FROM results QUALIFY date = max(date) OVER (PARTITION BY person_id)),
        by_site AS (
            SELECT person_id, body_site, bool_or(concept = 'dxa_t_score') AS t,
                   bool_or(concept = 'dxa_bmd') AS bmd
            FROM last_day GROUP BY person_id, body_site),
        unread AS (
            SELECT person_id FROM by_site GROUP BY person_id
            HAVING bool_or(body_site = 'radius_33' OR (bmd AND NOT t))
                OR NOT bool_or(t)),
        fractured AS (
            SELECT DISTINCT person_id FROM {parquet("conditions")}
            WHERE concept IN ('fracture', 'traumatic_fracture') AND onset_date <= {d}
              AND person_id IN (SELECT person_id FROM results))
        SELECT person_id FROM ip WHERE on_ai_at_d
          AND person_id IN (SELECT person_id FROM unread UNION SELECT person_id FROM fractured)
        """)
    dxa_rows = (
        con.sql(f"""
        SELECT person_id, date, concept, value, {site}, {make}, {precision}, code_system, code
        FROM {parquet("measurements")} JOIN core_needed USING (person_id)
        WHERE concept IN ('dxa_t_score', 'dxa_z_score', 'dxa_bmd') AND date <= {d}""")
        .to_arrow_table()
        .to_pylist()
    )
    fracture_rows = (
        con.sql(f"""
        SELECT person_id, concept, onset_date, code_system, code
        FROM {parquet("conditions")} JOIN core_needed USING (person_id)
        WHERE concept IN ('fracture', 'traumatic_fracture') AND onset_date <= {d}""")
        .to_arrow_table()
        .to_pylist()
    )
    births = (
        con.sql("SELECT person_id, birth_date FROM persons JOIN core_needed USING (person_id)")
        .to_arrow_table()
        .to_pylist()
    )
    con.register("core_therapy_arrow", therapy_answers(dxa_rows, fracture_rows, births, day))
    con.execute("CREATE TEMP TABLE core_therapy AS SELECT * FROM core_therapy_arrow")
