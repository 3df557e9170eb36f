"""The assumptions behind each gap: for every woman on a gap list, what the single-patient
assessment would list as assumed from absence (issue 13), from the same core rules
(`clinical.ehr_assumptions.listed_facts_assumptions`).

A Bulk export is an EHR record: what its problem and medication lists do not hold counts as
absent, and the gap CSVs say so per woman (`assumptions`, one line per assumption, " | "
between). The engine reduces each gap woman's rows to one row of facts (`facts_of`: her age,
recorded status, whether a condition or drug is listed, the latest agents, and her few fracture
and uncoded condition rows); no assumption rule is expressed in SQL. Most women share their
facts with many others, so the core is asked once per distinct row of facts. A condition under
a code bonewise does not know is named by that code (the flat rows keep no words).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from bonewise.clinical.ehr_assumptions import ListedFacts, listed_facts_assumptions
from bonewise.measures.definitions import MeasureSet
from bonewise.population import rules
from bonewise.population.schema import UNCONFIRMED_CONDITIONS

if TYPE_CHECKING:
    from bonewise.population.runner import MeasureOutcome

SEPARATOR = " | "  # between one woman's assumptions (a line may hold "; ")
# the gap women's facts are asked of the engine this many women at a time (memory: a 1,000,000
# woman run lists about 500,000; at once, the engine's aggregates raised the run's peak)
WOMEN_PER_BATCH = 100_000
_FAMILY_OF_CONCEPT = {concept: family for family, concept in UNCONFIRMED_CONDITIONS.items()}
# the conditions read row by row: a fracture's site comes from the terminology (in Python), and
# an uncoded condition is named by its code
_CONDITIONS_LISTED = [*rules.FRACTURES, *_FAMILY_OF_CONCEPT]
_CONDITIONS_READ = [*_CONDITIONS_LISTED, "bone_metastases", "bilateral_oophorectomy"]
_DRUG_CLASSES_READ = ["aromatase_inhibitor", "gnrh_agonist"]
# the columns of `facts_of` after person_id, in order: together they decide her ListedFacts
FACT_COLUMNS = (
    "age",
    "recorded_menopausal_status",
    "bilateral_oophorectomy",
    "current_gnrh_agent",
    "latest_ai_agent",
    "ovarian_suppression_recorded",
    "bone_metastases_listed",
    "long_glucocorticoids",
    "listed_conditions",
)
_FLAGS = (  # a woman with no row behind one reads False (long_glucocorticoids: with_flag)
    "bilateral_oophorectomy",
    "ovarian_suppression_recorded",
    "bone_metastases_listed",
)
ListedCondition = tuple[date | None, str, str | None, str | None]  # onset, concept, system, code


def _with(base: ir.Table, per_person: ir.Table) -> ir.Table:
    """`base` with the columns of `per_person` (one row per person_id) left-joined on."""
    right = per_person.rename(_pid="person_id")
    return base.left_join(right, base.person_id == right._pid).drop("_pid")


def facts_of(t: rules.Tables, day: date, ms: MeasureSet, women: ir.Table) -> ir.Table:
    """One row per woman of `women` (person_id): the facts `ListedFacts` is made of on `day`, as
    `FACT_COLUMNS`. `listed_conditions`: her fracture and uncoded condition rows (onset not
    after `day`), as structs of concept, onset_date, code_system, code (null: none)."""
    d = ibis.literal(day, type="date")
    p = t["persons"].join(women, "person_id")
    base = p.select(
        "person_id",
        age=rules.age_years(p.birth_date, d),
        recorded_menopausal_status=p.menopausal_status,
    )
    cond = t["conditions"]
    cond = cond.filter(
        cond.concept.isin(_CONDITIONS_READ) & (cond.onset_date.isnull() | (cond.onset_date <= d))
    ).join(women, "person_id")
    listed = ibis.struct(
        {
            "onset_date": cond.onset_date,
            "concept": cond.concept,
            "code_system": cond.code_system,
            "code": cond.code,
        }
    )
    conditions = cond.group_by("person_id").aggregate(
        bilateral_oophorectomy=(cond.concept == "bilateral_oophorectomy").any(),
        bone_metastases_listed=(cond.concept == "bone_metastases").any(),
        listed_conditions=listed.collect(where=cond.concept.isin(_CONDITIONS_LISTED)),
    )
    drug = t["drug_exposures"]
    drug = drug.filter(drug.drug_class.isin(_DRUG_CLASSES_READ) & (drug.start_date <= d)).join(
        women, "person_id"
    )
    current_gnrh = (
        (drug.drug_class == "gnrh_agonist")
        & (drug.concept != "ovarian_suppression")
        & (drug.end_date.isnull() | (drug.end_date >= d))
    )
    drugs = drug.group_by("person_id").aggregate(
        current_gnrh_agent=drug.concept.argmax(drug.start_date, where=current_gnrh),
        latest_ai_agent=drug.concept.argmax(
            drug.start_date, where=drug.drug_class == "aromatase_inhibitor"
        ),
        ovarian_suppression_recorded=(drug.concept == "ovarian_suppression").any(),
    )
    facts = rules.with_flag(
        _with(_with(base, conditions), drugs),
        rules.long_glucocorticoid_ids(t, day, ms),
        "long_glucocorticoids",
    )
    return facts.select(
        "person_id",
        *[
            facts[name].fill_null(False).name(name) if name in _FLAGS else facts[name]
            for name in FACT_COLUMNS
        ],
    )


def listed_facts(
    age: int | None,
    recorded_menopausal_status: str | None,
    bilateral_oophorectomy: bool,
    current_gnrh_agent: str | None,
    latest_ai_agent: str | None,
    ovarian_suppression_recorded: bool,
    bone_metastases_listed: bool,
    long_glucocorticoids: bool,
    listed_conditions: tuple[ListedCondition, ...],
) -> ListedFacts:
    """One woman's ListedFacts from her row of `facts_of` (its conditions as `_conditions_key`):
    each fracture's site in words from its code, each uncoded condition named by its code."""
    fractures = [
        (f.date.isoformat(), f.site, f.traumatic is not None)
        for onset, concept, system, code in listed_conditions
        if concept in rules.FRACTURES
        and onset is not None
        and (
            f := rules.fracture_from_row(
                {"onset_date": onset, "concept": concept, "code_system": system, "code": code}
            )
        )
        is not None
    ]
    uncoded: dict[str, list[str]] = defaultdict(list)
    for _, concept, _, code in listed_conditions:
        if concept in _FAMILY_OF_CONCEPT:
            uncoded[_FAMILY_OF_CONCEPT[concept]].append(f"code {code}")
    return ListedFacts(
        age=age,
        recorded_menopausal_status=recorded_menopausal_status,
        bilateral_oophorectomy=bilateral_oophorectomy,
        current_gnrh_agent=current_gnrh_agent,
        latest_ai_agent=latest_ai_agent,
        ovarian_suppression_recorded=ovarian_suppression_recorded,
        bone_metastases_listed=bone_metastases_listed,
        long_glucocorticoids=long_glucocorticoids,
        fractures=tuple(sorted(fractures)),
        uncoded=tuple((family, tuple(words)) for family, words in sorted(uncoded.items())),
    )


def _conditions_key(rows: list[dict[str, Any]] | None) -> tuple[ListedCondition, ...]:
    """A woman's listed condition rows in one order (by onset, undated first, then concept,
    code system, code), so women with the same rows share one key whatever order the engine
    gave them in."""
    if not rows:
        return ()
    found = [(r["onset_date"], r["concept"], r["code_system"], r["code"]) for r in rows]
    if len(found) > 1:
        found.sort(key=lambda r: (r[0] is not None, r[0] or date.min, *(x or "" for x in r[1:])))
    return tuple(found)


def of_women(
    t: rules.Tables, day: date, ms: MeasureSet, person_ids: Iterable[str] | pa.ChunkedArray
) -> pa.Table:
    """Each woman given (person_id) with her assumptions' lines (`assumptions`, " | " between;
    dictionary-encoded: women alike share one string).

    The engine gives one row of facts per woman (`facts_of`), `WOMEN_PER_BATCH` women at a
    time; the core lists the assumptions once per distinct row of facts."""
    given = person_ids if isinstance(person_ids, pa.ChunkedArray) else pa.array(person_ids)
    ids = pc.unique(given.cast(pa.string()))
    ids = ids.take(pc.array_sort_indices(ids))
    numbers: dict[tuple[Any, ...], int] = {}  # a row of facts -> its lines' number in `texts`
    texts: list[str] = [""]  # 0: no assumptions (a woman not read, see with_assumptions)
    women_read, numbered = [], []
    for start in range(0, len(ids), WOMEN_PER_BATCH):
        women = ibis.memtable(pa.table({"person_id": ids.slice(start, WOMEN_PER_BATCH)}))
        rows = facts_of(t, day, ms, women).to_pyarrow()
        women_read.append(rows.column("person_id"))
        columns = [rows.column(name).to_pylist() for name in FACT_COLUMNS]
        del rows
        columns[-1] = [_conditions_key(listed) for listed in columns[-1]]
        batch = []
        for facts in zip(*columns, strict=True):
            if (number := numbers.get(facts)) is None:
                assumed = listed_facts_assumptions(listed_facts(*facts))
                number = numbers[facts] = len(texts)
                texts.append(SEPARATOR.join(a.line for a in assumed))
            batch.append(number)
        numbered.append(pa.array(batch, pa.int32()))
    assumptions = pa.DictionaryArray.from_arrays(
        pa.concat_arrays(numbered) if numbered else pa.array([], pa.int32()),
        pa.array(texts, pa.string()),
    )
    person_id = pa.chunked_array(
        [c for read in women_read for c in read.chunks], type=pa.string()
    ).combine_chunks()
    return pa.table({"person_id": person_id, "assumptions": assumptions})


def with_assumptions(
    outcomes: dict[str, MeasureOutcome], lines: pa.Table
) -> dict[str, MeasureOutcome]:
    """Each measure outcome with its gap table's `assumptions` column (`lines`: `of_women`'s),
    dictionary-encoded as `lines` is (the CSV holds the words). The gap ids of all measures are
    looked up in `lines` at once: one hash of its ids, not one per measure."""
    ids = pa.chunked_array(
        [c for m in outcomes.values() for c in m.gap_table.column("patient_id").chunks],
        type=pa.string(),
    ).combine_chunks()  # one array, not chunks: a run whose gap tables have no rows has none
    at = pc.index_in(ids, value_set=lines.column("person_id").combine_chunks())
    assumed = lines.column("assumptions").combine_chunks()
    numbers = pc.fill_null(assumed.indices.take(at), 0)  # 0: ""
    found: dict[str, MeasureOutcome] = {}
    start = 0
    for measure_id, outcome in outcomes.items():
        rows = outcome.gap_table.num_rows
        column = pa.DictionaryArray.from_arrays(numbers.slice(start, rows), assumed.dictionary)
        start += rows
        found[measure_id] = dataclasses.replace(
            outcome, gap_table=outcome.gap_table.append_column("assumptions", column)
        )
    return found
