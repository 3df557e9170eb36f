"""On Spark too, a low BMI is the core's displayed comparison (Spark's round() takes 19.95 half
up to 20.0; the core shows 19.9, under 20): tests/unit/population/test_bmi_parity.py on DuckDB."""

from __future__ import annotations

from typing import Any

import ibis
import pytest
from tests.unit.population.test_bmi_parity import DAY, EDGES, LOW, _tables

from bonewise.clinical.facts import shown_bmi
from bonewise.measures.definitions import load_measures
from bonewise.population import rules


@pytest.mark.spark
def test_spark_counts_a_low_bmi_where_the_core_does(spark_session: Any) -> None:
    factors = rules._risk_factor_ids(_tables(EDGES), DAY, load_measures())
    con = ibis.pyspark.connect(spark_session)
    got = set(con.to_pyarrow(factors["low_bmi"]).column("person_id").to_pylist())
    assert got == {f"w{i}" for i, b in enumerate(EDGES) if shown_bmi(b) < LOW}
