"""The hand-built known-answer cohort (every window edge) and one SparkSession per test session."""

from __future__ import annotations

import csv
import importlib.util
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bonewise.population.schema import SCHEMAS, TABLES

AS_OF = date(2024, 8, 31)
BORN = "1960-06-15"  # 64 at AS_OF: not an age risk factor


class CohortBuilder:
    """Rows of the flat schema, written as CSV (the files a site would export)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def person(
        self,
        pid: str,
        *,
        born: str = BORN,
        gender: str = "female",
        died: str = "",
        deceased: str = "",
    ) -> str:
        self.rows["persons"].append(
            {
                "person_id": pid,
                "gender": gender,
                "birth_date": born,
                "death_date": died,
                "deceased": deceased,
            }
        )
        return pid

    def drug(self, pid: str, concept: str, start: str, end: str = "") -> None:
        self.rows["drug_exposures"].append(
            {
                "record_id": self._id("rx"),
                "person_id": pid,
                "concept": concept,
                "start_date": start,
                "end_date": end,
            }
        )

    def ai(self, pid: str, start: str, end: str = "", agent: str = "anastrozole") -> None:
        self.drug(pid, agent, start, end)

    def dose(self, pid: str, concept: str, day: str) -> None:
        self.drug(pid, concept, day, day)

    def dxa(self, pid: str, day: str) -> None:
        self.rows["procedures"].append(
            {"record_id": self._id("pr"), "person_id": pid, "concept": "dxa", "date": day}
        )

    def measure(
        self, pid: str, concept: str, day: str, value: Any = "", unit: str = "", text: str = ""
    ) -> None:
        self.rows["measurements"].append(
            {
                "record_id": self._id("ob"),
                "person_id": pid,
                "concept": concept,
                "date": day,
                "value": value,
                "unit": unit,
                "value_text": text,
            }
        )

    def tscore(self, pid: str, day: str, value: float) -> None:
        self.measure(pid, "dxa_t_score", day, value, "{T-score}")
        # a DXA result has a site (the core reads a scan by its sites: rules.therapy_evidence)
        self.rows["measurements"][-1]["body_site"] = "lumbar_spine"

    def condition(self, pid: str, concept: str, day: str) -> None:
        self.rows["conditions"].append(
            {"record_id": self._id("co"), "person_id": pid, "concept": concept, "onset_date": day}
        )

    def write_csv(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            names = [f.name for f in SCHEMAS[table] if f.name not in ("source",)]
            with (directory / f"{table}.csv").open("w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
                writer.writeheader()
                for row in self.rows[table]:
                    writer.writerow(row)
        return directory


def known_answer_cohort() -> CohortBuilder:
    """D = 2024-08-31. Comments give each woman's answer; EXPECTED_GAPS lists them per measure."""
    c = CohortBuilder()
    # --- baseline-dxa: S = first AI start, S + 3 months <= D, DXA in [S - 24m, S + 3m] -------
    c.person("b1")
    c.ai("b1", "2024-05-31")
    c.dxa("b1", "2024-08-31")  # S+3m == D: still "due by", not in denominator
    c.person("b2")
    c.ai("b2", "2024-06-01")  # S+3m = 2024-09-01 > D: not in denominator
    c.person("b3")
    c.ai("b3", "2022-01-15")
    c.dxa("b3", "2020-01-15")  # DXA on S-24m: met
    c.person("b4")
    c.ai("b4", "2022-01-15")
    c.dxa("b4", "2020-01-14")  # a day early: gap
    c.person("b5")
    c.ai("b5", "2022-01-15")
    c.dxa("b5", "2022-04-16")  # a day late: gap
    c.person("b6")
    c.ai("b6", "2021-11-30")
    c.dxa("b6", "2022-02-28")  # S+3m clamps to Feb 28
    c.person("b7")
    c.ai("b7", "2021-11-30")
    c.dxa("b7", "2022-03-01")  # after the clamped end
    c.person("b8")
    c.ai("b8", "2022-01-15")  # no DXA at all: gap
    c.condition("b8", "bone_metastases", "2023-05-01")  # her gap goes to a clinician first
    c.person("b9", died="2024-08-30")
    c.ai("b9", "2022-01-15")  # died before D: excluded
    c.person("b10", died="2024-08-31")
    c.ai("b10", "2022-01-15")  # died on D: still counted
    c.person("b15", deceased="yes")  # deceased, date unknown: excluded
    c.ai("b15", "2022-01-15")
    c.person("b11", gender="male")
    c.ai("b11", "2022-01-15")  # not in the population
    c.person("b16")
    c.ai("b16", "2022-01-15", "2024-06-01")  # AI ended before D, no DXA: not applicable
    c.person("b17")
    c.ai("b17", "2022-01-15")
    c.measure("b17", "dxa_z_score", "2022-01-20", -1.2, "{Z-score}")  # a Z-score only: a DXA
    c.person("b12")
    c.ai("b12", "2022-01-15")
    c.tscore("b12", "2022-01-15", -1.0)  # obs counts
    c.person("b13")
    c.ai("b13", "2020-01-01")
    c.ai("b13", "2023-01-01", agent="letrozole")
    c.dxa("b13", "2022-12-01")  # in the 2nd start's window only: the index is the first start
    c.person("b14")
    c.ai("b14", "2022-01-15")
    c.measure("b14", "dxa_bmd", "2022-01-20", 0.81, "g/cm2")

    # --- dxa-overdue: on an AI at D with a DXA; gap if the last DXA < D - 24m (2022-08-31) ----
    c.person("o1")
    c.ai("o1", "2022-06-01")
    c.dxa("o1", "2022-08-31")  # exactly D-24m: met
    c.person("o2")
    c.ai("o2", "2022-06-01")
    c.dxa("o2", "2022-08-30")  # a day older: gap
    c.condition("o2", "traumatic_fracture", "2023-08-31")  # 12 months before D: recent
    c.person("o3")
    c.ai("o3", "2019-06-01", "2024-08-30")
    c.dxa("o3", "2019-08-01")  # AI ended
    c.person("o4")
    c.ai("o4", "2019-06-01", "2024-08-31")
    c.dxa("o4", "2019-08-01")  # ends on D: ended (as the single-patient path reads it)
    c.person("o5")
    c.ai("o5", "2024-01-01")
    c.dxa("o5", "2024-09-01")  # DXA after D ignored
    c.person("o6")
    c.ai("o6", "2024-07-01")
    c.dxa("o6", "2021-01-01")  # overdue, new AI

    # --- therapy-gap: everyone here starts an AI with a baseline DXA on 2023-01-01 -----------
    def therapy(
        pid: str, q: str, t: float, *, born: str = BORN, died: str = "", end: str = ""
    ) -> str:
        c.person(pid, born=born, died=died)
        c.ai(pid, "2023-01-01", end)
        c.dxa(pid, "2023-01-01")
        c.tscore(pid, q, t)
        return pid

    therapy("t1", "2024-02-29", -2.1)  # Q + 6m = 2024-08-29 <= D, no therapy: gap
    therapy("t2", "2024-03-01", -2.1)  # Q + 6m = 2024-09-01 > D: not yet
    therapy("t3", "2024-01-10", -2.0)  # not below -2.0 and no risk factor
    therapy("t4", "2024-01-10", -1.6, born="1958-08-31")  # 66 on D: risk factor: gap
    therapy("t5", "2024-01-10", -1.6, born="1958-09-01")  # 65 on D: no risk factor
    therapy("t6", "2024-01-10", -1.5)
    c.measure("t6", "smoking_status", "2020-01-01", text="current")
    therapy("t7", "2024-01-10", -1.6)
    c.measure("t7", "smoking_status", "2020-01-01", text="past")
    c.dose("t7", "ibandronate", "2023-01-10")  # given on Q - 12m: met
    therapy("t8", "2024-01-10", -1.6)
    c.measure("t8", "bmi", "2020-01-01", 25.0, "kg/m2")
    c.measure("t8", "bmi", "2023-06-01", 19.9, "kg/m2")
    c.drug("t8", "alendronate", "2021-01-01", "2023-01-09")  # ended a day before Q - 12m: gap
    therapy("t9", "2024-01-10", -1.6)
    c.measure("t9", "bmi", "2020-01-01", 18.0, "kg/m2")
    c.measure("t9", "bmi", "2023-06-01", 20.0, "kg/m2")
    therapy("t10", "2024-01-10", -1.6)
    c.condition("t10", "fracture", "2010-06-15")  # at 50
    c.drug("t10", "zoledronic_acid", "2020-01-01")  # still active: met
    therapy("t11", "2024-01-10", -1.6)
    c.condition("t11", "fracture", "2010-06-14")  # at 49
    therapy("t20", "2024-01-10", -1.6)
    c.condition("t20", "traumatic_fracture", "2015-06-15")  # at 55, recorded traumatic: no
    therapy("t12", "2024-01-10", -1.6)
    c.drug("t12", "glucocorticoid", "2022-01-01", "2022-07-02")
    therapy("t13", "2024-01-10", -1.6)
    c.drug("t13", "glucocorticoid", "2022-01-01", "2022-07-01")
    therapy("t14", "2024-01-10", -1.0)
    c.tscore("t14", "2024-01-10", -2.2)  # lowest of the day
    c.tscore("t14", "2023-06-01", -3.0)
    therapy("t15", "2024-01-10", -1.0)
    c.tscore("t15", "2023-06-01", -2.5)  # latest is -1.0
    therapy("t16", "2024-01-10", -2.5, end="2024-06-01")  # AI ended before D
    therapy("t17", "2024-01-10", -2.5, died="2024-05-01")  # died: excluded
    therapy("t18", "2024-01-10", -2.5)
    c.dose("t18", "risedronate", "2024-08-31")  # given on D
    therapy("t19", "2024-01-10", -2.5)
    c.dose("t19", "risedronate", "2024-09-01")  # after D: gap
    # no usable T-score on Q (a Z-score only): >= 2 risk factors decide (measure 1.4.0)
    for pid in ("t21", "t22"):
        c.person(pid, born="1958-08-31")  # 66 on D: one risk factor
        c.ai(pid, "2023-01-01")
        c.dxa(pid, "2023-01-01")
        c.measure(pid, "dxa_z_score", "2024-01-10", -1.0, "{Z-score}")
        c.rows["measurements"][-1]["body_site"] = "lumbar_spine"
    c.measure("t21", "smoking_status", "2020-01-01", text="current")  # a second: gap

    # --- denosumab-lapse: gap if L + 6m + 28d < D (L <= 2024-02-02) and no switch after L ---
    def dmab(pid: str, *doses: str) -> str:
        c.person(pid)
        c.ai(pid, "2023-01-01")
        c.dxa(pid, "2023-01-01")
        for day in doses:
            c.dose(pid, "denosumab", day)
        return pid

    dmab("d1", "2023-08-02", "2024-02-02")  # L + 6m + 28d = 2024-08-30 < D: gap
    dmab("d2", "2023-08-03", "2024-02-03")  # L + 6m + 28d = D: not lapsed
    c.person("d8")
    c.ai("d8", "2023-01-01")
    c.dxa("d8", "2023-01-01")
    c.drug("d8", "denosumab", "2023-01-15", "2024-03-01")  # a course, no doses: L is its end
    c.person("d9")
    c.ai("d9", "2023-01-01")
    c.dxa("d9", "2023-01-01")
    c.drug("d9", "denosumab", "2023-01-15", "2024-02-15")  # a course ending on 2024-02-15
    c.dose("d9", "denosumab", "2023-07-15")  # with a dose inside it: L is the dose, a gap
    dmab("d3", "2023-06-01")
    c.dose("d3", "alendronate", "2023-06-02")  # switched after L
    dmab("d4", "2023-06-01")
    c.dose("d4", "alendronate", "2023-06-01")  # same day, not after: gap
    dmab("d5", "2023-06-01")
    c.dose("d5", "zoledronic_acid", "2024-09-01")  # after D: gap
    dmab("d6", "2023-06-01", "2024-09-15")  # the dose after D is ignored: gap
    c.person("d7")
    c.dose("d7", "denosumab", "2022-01-01")  # never on an AI: not in population

    # --- vitamin-d-recheck: latest 25-OH D < 20 ng/mL on V, gap if V + 6m < D ----------------
    def vitd(pid: str, *results: tuple[str, Any, str]) -> str:
        c.person(pid)
        c.ai(pid, "2023-01-01")
        c.dxa(pid, "2023-01-01")
        for day, value, unit in results:
            c.measure(pid, "vitamin_d_25oh", day, value, unit)
        return pid

    vitd("v1", ("2024-02-29", 15, "ng/mL"))  # V + 6m = 2024-08-29 < D: gap
    vitd("v2", ("2024-03-01", 15, "ng/mL"))  # V + 6m = 2024-09-01: within the window
    vitd("v3", ("2023-01-01", 45, "nmol/L"))  # 18.0 ng/mL: gap
    vitd("v4", ("2023-01-01", 50, "nmol/L"))  # 20.03 ng/mL: not low
    vitd("v5", ("2023-01-01", 49.9, "nmol/l"))  # 19.99 ng/mL: gap
    vitd("v6", ("2022-01-01", 10, "ng/mL"), ("2024-01-01", 25, "ng/mL"))  # rechecked, normal
    vitd("v7", ("2023-01-01", 12, "ng/mL"), ("2024-01-01", 30, "IU"))  # unknown unit: reported
    vitd("v8", ("2022-01-01", 19.99, "ug/L"))  # ug/L is ng/mL: gap
    vitd("v9", ("2022-01-01", 20, "ng/mL"))  # exactly 20: not low

    # --- malformed rows: counted, never fatal --------------------------------------------------
    c.person("m1", born="1960-01-01")
    c.person("m1", born="1961-01-01")  # duplicate id
    c.ai("m1", "2023-01-01")  # no DXA: a baseline gap, listed once
    c.person("m3", born="1960-13-01")
    c.ai("m3", "2023-01-01")
    c.dxa("m3", "2023-01-01")
    c.measure("m3", "vitamin_d_25oh", "2024-02-30", 5, "ng/mL")  # not a date
    c.drug("m3", "denosumab", "yesterday")  # not a date
    c.dxa("ghost", "2023-01-01")  # no such person
    return c


EXPECTED_GAPS: dict[str, set[str]] = {
    "baseline-dxa": {"b4", "b5", "b7", "b8", "b10", "b13", "o5", "m1"},
    "dxa-overdue": {"o2", "o6", "b3", "b4", "b5", "b6", "b7", "b12", "b14", "b17"},
    "therapy-gap": {"t1", "t4", "t8", "t12", "t14", "t19", "t21"},
    "denosumab-lapse": {"d1", "d4", "d5", "d6", "d9"},
    "vitamin-d-recheck": {"v1", "v3", "v5", "v7", "v8"},
}
EXPECTED_MALFORMED: dict[str, dict[str, int]] = {
    "persons": {"duplicate_id": 1, "bad_date": 1},
    "measurements": {"bad_date": 1, "unknown_unit": 1},
    "drug_exposures": {"bad_date": 1},
    "procedures": {"unknown_person": 1},
}


@pytest.fixture(scope="session")
def known_answer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return known_answer_cohort().write_csv(tmp_path_factory.mktemp("known-answer"))


SPARK_AVAILABLE = importlib.util.find_spec("pyspark") is not None


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not SPARK_AVAILABLE:
        pytest.skip("pyspark is not installed (the spark extra)")
    from bonewise.population.engine import spark_session as make_session

    from .spark_cluster import SHORT_LIVED_JVM_OPTIONS

    # The local driver JVM reads its options from the spark-defaults.conf in SPARK_CONF_DIR when
    # it is launched; the variable is put back at once (later Spark processes bring their own).
    conf_dir = tmp_path_factory.mktemp("spark-local-conf")
    (conf_dir / "spark-defaults.conf").write_text(
        f"spark.driver.extraJavaOptions {SHORT_LIVED_JVM_OPTIONS}\n"
    )
    before = os.environ.get("SPARK_CONF_DIR")
    os.environ["SPARK_CONF_DIR"] = str(conf_dir)
    try:
        session = make_session("local[2]", app_name="bonewise-tests")
    finally:
        if before is None:
            del os.environ["SPARK_CONF_DIR"]
        else:
            os.environ["SPARK_CONF_DIR"] = before
    yield session
    session.stop()
