"""The row of facts the engine gives per gap woman (`population.assumptions.facts_of`), read as
`clinical.ehr_assumptions.ListedFacts` reads a record: what happened after the day read is not
on her lists, an ended GnRH agonist is not current, the latest AI is the last started."""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa

from bonewise.measures.definitions import load_measures
from bonewise.population import assumptions

DAY = date(2026, 12, 1)
_con = ibis.duckdb.connect()


def _table(**columns: list[object]) -> ibis.Table:
    return ibis.memtable(pa.table(columns))


def test_each_woman_is_one_row_of_her_facts_on_the_day() -> None:
    tables = {
        "persons": _table(
            person_id=["w1", "w2"],
            birth_date=[date(1960, 12, 2), None],
            menopausal_status=[None, "premenopausal"],
        ),
        "conditions": _table(
            person_id=["w1", "w1", "w1", "w1"],
            concept=["fracture", "bone_metastases", "bilateral_oophorectomy", "hypertension"],
            onset_date=[date(2020, 5, 1), date(2027, 1, 1), None, date(2020, 1, 1)],
            code_system=["http://snomed.info/sct"] * 4,
            code=["71620000", "94222008", "29827000", "38341003"],
        ),
        "drug_exposures": _table(
            person_id=["w1"] * 6,
            concept=[
                "anastrozole",
                "letrozole",
                "exemestane",
                "goserelin",
                "leuprorelin",
                "glucocorticoid",
            ],
            drug_class=[
                "aromatase_inhibitor",
                "aromatase_inhibitor",
                "aromatase_inhibitor",
                "gnrh_agonist",
                "gnrh_agonist",
                "glucocorticoid",
            ],
            start_date=[
                date(2020, 1, 1),
                date(2023, 1, 1),
                date(2027, 1, 1),  # after the day read: not on her list yet
                date(2024, 1, 1),
                date(2022, 1, 1),
                date(2025, 1, 1),
            ],
            end_date=[date(2023, 1, 1), None, None, date(2024, 6, 1), None, date(2025, 12, 1)],
        ),
    }
    women = ibis.memtable(pa.table({"person_id": ["w1", "w2"]}))
    rows = assumptions.facts_of(tables, DAY, load_measures(), women)
    found = {r.pop("person_id"): r for r in _con.to_pyarrow(rows).to_pylist()}
    assert found["w1"] == {
        "age": 65,  # 66 on 2 December
        "recorded_menopausal_status": None,
        "bilateral_oophorectomy": True,  # undated: on her problem list
        "current_gnrh_agent": "leuprorelin",  # goserelin ended before the day
        "latest_ai_agent": "letrozole",
        "ovarian_suppression_recorded": False,
        "bone_metastases_listed": False,  # recorded after the day
        "long_glucocorticoids": True,  # 11 months
        "listed_conditions": [
            {
                "onset_date": date(2020, 5, 1),
                "concept": "fracture",
                "code_system": "http://snomed.info/sct",
                "code": "71620000",
            }
        ],
    }
    assert found["w2"] == {
        "age": None,
        "recorded_menopausal_status": "premenopausal",
        "bilateral_oophorectomy": False,
        "current_gnrh_agent": None,
        "latest_ai_agent": None,
        "ovarian_suppression_recorded": False,
        "bone_metastases_listed": False,
        "long_glucocorticoids": False,
        "listed_conditions": None,
    }
