"""The assumptions behind each gap: for every woman on a gap list, what the single-patient
assessment would list as assumed from absence (issue 13), from the same core rules
(`clinical.ehr_assumptions.listed_facts_assumptions`).

A Bulk export is an EHR record: what its problem and medication lists do not hold counts as
absent, and the gap CSVs say so per woman (`assumptions`, one line per assumption, " | "
between). Only the gap women's few rows leave the engine (persons, conditions, drug exposures),
read into `ListedFacts`; no assumption rule is expressed in SQL. A condition under a code
bonewise does not know is named by that code (the flat rows keep no words).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from bonewise.clinical.calendar import completed_years
from bonewise.clinical.ehr_assumptions import ListedFacts, listed_facts_assumptions
from bonewise.measures.definitions import MeasureSet
from bonewise.population import rules
from bonewise.population.schema import UNCONFIRMED_CONDITIONS

if TYPE_CHECKING:
    from bonewise.population.runner import MeasureOutcome

SEPARATOR = " | "  # between one woman's assumptions (a line may hold "; ")
WOMEN_PER_BATCH = 100_000
_FAMILY_OF_CONCEPT = {concept: family for family, concept in UNCONFIRMED_CONDITIONS.items()}
_CONDITIONS_READ = [
    *rules.FRACTURES,
    "bone_metastases",
    "bilateral_oophorectomy",
    *_FAMILY_OF_CONCEPT,
]
_DRUG_CLASSES_READ = ["aromatase_inhibitor", "gnrh_agonist"]


def _rows(table: Any, women: Any, *columns: str) -> list[dict[str, Any]]:
    return table.join(women, "person_id").select(*columns).to_pyarrow().to_pylist()


def listed_facts(
    persons: list[dict[str, Any]],
    conditions: list[dict[str, Any]],
    drugs: list[dict[str, Any]],
    day: date,
    long_glucocorticoids: set[str],
) -> dict[str, ListedFacts]:
    """Each woman's ListedFacts on `day` from her flat rows (persons, conditions, drugs) and
    the women with a long glucocorticoid course (the measures' risk factor, read once)."""
    cond: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conditions:
        if row["onset_date"] is None or row["onset_date"] <= day:
            cond[row["person_id"]].append(row)
    took: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in drugs:
        if row["start_date"] is not None and row["start_date"] <= day:
            took[row["person_id"]].append(row)
    found = {}
    for person in persons:
        pid = person["person_id"]
        mine, taken = cond[pid], took[pid]
        ais = [d for d in taken if d["drug_class"] == "aromatase_inhibitor"]
        if len(ais) > 1:  # most women have one: sorting each of 370,000 lists cost seconds
            ais.sort(key=lambda d: d["start_date"])
        gnrh = max(
            (
                d
                for d in taken
                if d["drug_class"] == "gnrh_agonist"
                and d["concept"] != "ovarian_suppression"
                and (d["end_date"] is None or d["end_date"] >= day)
            ),
            key=lambda d: d["start_date"],
            default=None,
        )
        fractures = [
            (f.date.isoformat(), f.site, f.traumatic is not None)
            for row in mine
            if row["concept"] in rules.FRACTURES
            and row["onset_date"] is not None
            and (f := rules.fracture_from_row(row)) is not None
        ]
        uncoded: dict[str, list[str]] = defaultdict(list)
        for row in mine:
            if row["concept"] in _FAMILY_OF_CONCEPT:
                uncoded[_FAMILY_OF_CONCEPT[row["concept"]]].append(f"code {row['code']}")
        birth = person["birth_date"]
        found[pid] = ListedFacts(
            age=None if birth is None else completed_years(birth, day),
            recorded_menopausal_status=person["menopausal_status"],
            bilateral_oophorectomy=any(r["concept"] == "bilateral_oophorectomy" for r in mine),
            current_gnrh_agent=gnrh["concept"] if gnrh is not None else None,
            latest_ai_agent=ais[-1]["concept"] if ais else None,
            ovarian_suppression_recorded=any(d["concept"] == "ovarian_suppression" for d in taken),
            bone_metastases_listed=any(r["concept"] == "bone_metastases" for r in mine),
            long_glucocorticoids=pid in long_glucocorticoids,
            fractures=tuple(sorted(fractures)) if len(fractures) > 1 else tuple(fractures),
            uncoded=tuple((family, tuple(words)) for family, words in sorted(uncoded.items()))
            if uncoded
            else (),
        )
    return found


def of_women(
    t: rules.Tables, day: date, ms: MeasureSet, person_ids: Iterable[str]
) -> dict[str, str]:
    """person id -> her assumptions' lines (" | " between), for the women given.

    The women are read in batches of `WOMEN_PER_BATCH`, so the rows held in Python stay bounded
    (at 1,000,000 women about 400,000 are on a gap list: read at once, their rows added 0.4 GB to
    the run's peak)."""
    ids = sorted(set(person_ids))
    lines: dict[ListedFacts, str] = {}  # women with the same facts share one answer
    found: dict[str, str] = {}
    for start in range(0, len(ids), WOMEN_PER_BATCH):
        batch = ids[start : start + WOMEN_PER_BATCH]
        for pid, alike in _listed_facts_of(t, day, ms, batch).items():
            if alike not in lines:
                lines[alike] = SEPARATOR.join(a.line for a in listed_facts_assumptions(alike))
            found[pid] = lines[alike]
    return found


def _listed_facts_of(
    t: rules.Tables, day: date, ms: MeasureSet, ids: list[str]
) -> dict[str, ListedFacts]:
    women = ibis.memtable(pa.table({"person_id": pa.array(ids, pa.string())}))
    persons = _rows(t["persons"], women, "person_id", "birth_date", "menopausal_status")
    cond, drug = t["conditions"], t["drug_exposures"]
    # only the rows ListedFacts reads leave the engine
    conditions = _rows(
        cond.filter(cond.concept.isin(_CONDITIONS_READ)),
        women,
        "person_id",
        "concept",
        "onset_date",
        "code_system",
        "code",
    )
    drugs = _rows(
        drug.filter(drug.drug_class.isin(_DRUG_CLASSES_READ)),
        women,
        "person_id",
        "concept",
        "drug_class",
        "start_date",
        "end_date",
    )
    long_gc = rules.long_glucocorticoid_ids(t, day, ms).join(women, "person_id")
    long_glucocorticoids = set(long_gc.to_pyarrow().column("person_id").to_pylist())
    return listed_facts(persons, conditions, drugs, day, long_glucocorticoids)


def with_assumptions(outcome: MeasureOutcome, lines: dict[str, str]) -> MeasureOutcome:
    """The measure outcome with its gap table's `assumptions` column."""
    ids = outcome.gap_table.column("patient_id").to_pylist()
    column = pa.array([lines.get(pid, "") for pid in ids], pa.string())
    return dataclasses.replace(
        outcome, gap_table=outcome.gap_table.append_column("assumptions", column)
    )
