"""Food database, diary and supplements in the store, and the nutrition service API.

Tables: `foods` (USDA SR28, per-100 g values of the kept nutrients, NULL = unknown),
`food_measures` (SR28 household measures), the search index built at import (`food_search`:
each food's terms in the order a search lists foods, under the engine's full-text index,
SQLite FTS5 or PostgreSQL tsvector; `food_vocabulary`: every term and how many foods have it;
`food_term_variants` on SQLite, pg_trgm on PostgreSQL: words one letter off), `diary_entries`
(foods eaten, with the nutrient values they were logged with) and `supplements` (supplement
doses taken, with their elemental amounts).

Service API (keyword-only; every function takes a `sessionmaker` and opens its own unit of
work, so a failed call leaves the store as it was). The CLI and the web pages call only these:

    ensure_food_database(session_factory, *, on_progress=None) -> int   import SR28 if empty
    import_food_database(session_factory, *, on_progress=None) -> int   (re)import, idempotent
    search_foods(session_factory, *, query, limit=20) -> list[FoodHit]
    get_food(session_factory, *, ndb_no) -> Food                        raises FoodNotFound
    log_food(session_factory, *, patient_id, day, meal, ndb_no, grams=None,
             measure=None, quantity=None) -> DiaryEntry                 raises on bad input
    log_supplement(session_factory, *, patient_id, day, meal, dose) -> SupplementEntry
    remove_diary_entry(session_factory, *, patient_id, kind, entry_id)  food or supplement
    diary_day(session_factory, *, patient_id, day) -> DayLog
    day_summary(session_factory, *, patient_id, day) -> Summary         totals vs targets
    period_summary(session_factory, *, patient_id, end, days) -> Summary   7/30-day averages
    suggest_foods(session_factory, *, patient_id, day, nutrient="calcium_mg",
                  exclusions=(), limit=10) -> SuggestionResult
    food_group_coverage(session_factory, *, patient_id, day) -> list[GroupCoverage]
    foods_in_group(session_factory, *, group_id) -> list[Food]
    intake_cautions(session_factory, *, patient_id, day, days=1) -> IntakeCautions
    food_source(session_factory, *, ndb_no) -> str                     provenance text

Pure helpers the pages may call directly: `bonewise.nutrition.targets.targets_for`,
`bonewise.nutrition.supplements` (build a SupplementDose), `bonewise.nutrition.cautions`
(`catalogue()`, `supplement_cautions(name)`), `bonewise.nutrition.totals.summary_json`.

Bad input raises `ValueError` subclasses naming the field, the value and what is allowed;
`FoodNotFound`, `DiaryEntryNotFound` and `bonewise.store.patients.PatientNotFound` are
`LookupError`s.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bonewise.clinical.models import PatientRecord
from bonewise.importers import sr28
from bonewise.nutrition import search as ranking
from bonewise.nutrition.cautions import (
    AlcoholReport,
    CaffeineReport,
    Caution,
    alcohol_report,
    caffeine_report,
    supplement_cautions,
)
from bonewise.nutrition.food_groups import GroupCoverage, coverage, seed_groups
from bonewise.nutrition.models import (
    NUTRIENT_KEYS,
    Food,
    Measure,
    NutrientValues,
    check_grams,
    find_measure,
    grams_for,
    scale,
)
from bonewise.nutrition.portions import portions_in_order
from bonewise.nutrition.suggestions import SUGGESTIBLE_NUTRIENTS, Exclusion, Suggestion, suggest
from bonewise.nutrition.supplements import SupplementDose
from bonewise.nutrition.targets import Targets, targets_for
from bonewise.nutrition.totals import PERIOD_DAYS, Intake, Summary, summarise
from bonewise.store.base import Base, utcnow
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork

# Search terms compare byte-wise on PostgreSQL too (C collation), as they do on SQLite.
TermString = String(64).with_variant(String(64, collation="C"), "postgresql")


class FoodRow(Base):
    __tablename__ = "foods"

    ndb_no: Mapped[str] = mapped_column(String(5), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    common_name: Mapped[str] = mapped_column(String(200), default="")
    manufacturer: Mapped[str] = mapped_column(String(100), default="")
    food_group_code: Mapped[str] = mapped_column(String(4))
    food_group: Mapped[str] = mapped_column(String(60))
    survey: Mapped[bool] = mapped_column(Boolean, default=False)
    # Search features of the description, computed at import (bonewise.nutrition.search).
    head_size: Mapped[int] = mapped_column(SmallInteger, default=0)
    qualifiers: Mapped[int] = mapped_column(SmallInteger, default=0)
    plain: Mapped[bool] = mapped_column(Boolean, default=False)
    branded: Mapped[bool] = mapped_column(Boolean, default=False)
    energy_kcal: Mapped[float | None] = mapped_column(Float)
    protein_g: Mapped[float | None] = mapped_column(Float)
    calcium_mg: Mapped[float | None] = mapped_column(Float)
    phosphorus_mg: Mapped[float | None] = mapped_column(Float)
    magnesium_mg: Mapped[float | None] = mapped_column(Float)
    vitamin_d_iu: Mapped[float | None] = mapped_column(Float)
    vitamin_d_ug: Mapped[float | None] = mapped_column(Float)
    vitamin_k_ug: Mapped[float | None] = mapped_column(Float)
    alcohol_g: Mapped[float | None] = mapped_column(Float)
    caffeine_mg: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FoodMeasureRow(Base):
    __tablename__ = "food_measures"

    ndb_no: Mapped[str] = mapped_column(String(5), ForeignKey("foods.ndb_no"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    amount: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(120))
    grams: Mapped[float] = mapped_column(Float)


class FoodSearchRow(Base):
    """One row per food in the order a search lists them (`rank`, from
    `bonewise.nutrition.search.static_key`), with the terms the full-text engine indexes:
    SQLite's FTS5 table `food_fts` (external content) and PostgreSQL's GIN tsvector indexes
    are built over `head` and `body` (migration 0005_food_search)."""

    __tablename__ = "food_search"

    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ndb_no: Mapped[str] = mapped_column(String(5), ForeignKey("foods.ndb_no"), unique=True)
    head: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # The food's SR28 measures as JSON [[seq, amount, description, grams], ...], the default
    # portion (bonewise.nutrition.portions) first: a search reads them with the food.
    measures: Mapped[str] = mapped_column(Text)


class FoodVocabularyRow(Base):
    """Every search term and how many foods have it: typo corrections prefer common terms.
    On PostgreSQL a pg_trgm index finds the terms near a misspelt word."""

    __tablename__ = "food_vocabulary"

    term: Mapped[str] = mapped_column(TermString, primary_key=True)
    foods: Mapped[int] = mapped_column(Integer)


class FoodTermVariantRow(Base):
    """SQLite's typo index (PostgreSQL uses pg_trgm): each term with one letter removed."""

    __tablename__ = "food_term_variants"
    __table_args__ = ({"sqlite_with_rowid": False},)

    variant: Mapped[str] = mapped_column(TermString, primary_key=True)
    term: Mapped[str] = mapped_column(TermString, primary_key=True)


class DiaryEntryRow(Base):
    __tablename__ = "diary_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(16))
    ndb_no: Mapped[str] = mapped_column(String(5), ForeignKey("foods.ndb_no"))
    description: Mapped[str] = mapped_column(String(200))
    food_group_code: Mapped[str] = mapped_column(String(4))
    grams: Mapped[float] = mapped_column(Float)
    measure: Mapped[str | None] = mapped_column(String(160))
    quantity: Mapped[float | None] = mapped_column(Float)
    nutrients: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SupplementRow(Base):
    __tablename__ = "supplements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    label: Mapped[dict[str, Any]] = mapped_column(JSON)
    nutrients: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- foods ---------------------------------------------------------------------------------


class FoodNotFound(LookupError):
    def __init__(self, ndb_no: str) -> None:
        super().__init__(
            f"no food with NDB number {ndb_no!r} in the SR28 database "
            "(NDB numbers are 5 digits, e.g. 01079; find one with `bonewise food search`)"
        )
        self.ndb_no = ndb_no


@dataclass(frozen=True, slots=True)
class FoodHit:
    ndb_no: str
    description: str
    food_group: str
    calcium_mg_per_100g: float | None
    vitamin_d_iu_per_100g: float | None
    vitamin_k_ug_per_100g: float | None
    measures: tuple[Measure, ...] = ()  # the default portion first (nutrition.portions)

    @property
    def default_measure(self) -> Measure | None:
        return self.measures[0] if self.measures else None

    def as_json(self) -> dict[str, Any]:
        return {
            "ndb_no": self.ndb_no,
            "description": self.description,
            "food_group": self.food_group,
            "calcium_mg_per_100g": self.calcium_mg_per_100g,
            "vitamin_d_iu_per_100g": self.vitamin_d_iu_per_100g,
            "vitamin_k_ug_per_100g": self.vitamin_k_ug_per_100g,
            "measures": [measure_json(m) for m in self.measures],
            "default_measure_seq": None
            if self.default_measure is None
            else self.default_measure.seq,
        }


def measure_json(m: Measure) -> dict[str, Any]:
    """An SR28 household measure as stored: amount, description and gram weight."""
    return {
        "seq": m.seq,
        "amount": m.amount,
        "description": m.description,
        "grams": m.grams,
        "label": m.label,
    }


ProgressCallback = Callable[[int], None]
CONCURRENT_IMPORT_WAIT_S = 120.0
_BATCH = 500
# Longer text is cut: no food description in SR28 is longer than 200 characters.
_MAX_QUERY_CHARS = 200


def _food_values(
    food: Food, shape: ranking.FoodShape, source: str, now: datetime
) -> dict[str, Any]:
    return {
        "head_size": shape.head_size,
        "qualifiers": shape.qualifiers,
        "plain": shape.plain,
        "branded": shape.branded,
        "ndb_no": food.ndb_no,
        "description": food.description,
        "common_name": food.common_name,
        "manufacturer": food.manufacturer,
        "food_group_code": food.food_group_code,
        "food_group": food.food_group,
        "survey": food.survey,
        **{key: food.per_100g.get(key) for key in NUTRIENT_KEYS},
        "source": source,
        "imported_at": now,
    }


# Core tables: the search path skips ORM row processing.
_FOODS = FoodRow.__table__
_SEARCH = FoodSearchRow.__table__
_VOCABULARY = FoodVocabularyRow.__table__
_MEASURES = FoodMeasureRow.__table__

# SQLite: known terms equal to the word or to it less one letter, and terms that are the word
# (or it less one letter) once they lose a letter; then checked to be one edit apart.
_NEAR_TERMS_SQLITE = text(
    "SELECT term, foods FROM food_vocabulary WHERE term IN (SELECT value FROM json_each(:keys)) "
    "UNION SELECT v.term, v.foods FROM food_term_variants t "
    "JOIN food_vocabulary v ON v.term = t.term "
    "WHERE t.variant IN (SELECT value FROM json_each(:keys))"
)
# PostgreSQL: pg_trgm similarity over the vocabulary (GIN trigram index), threshold set per
# transaction low enough for a short word with one typo.
_TRIGRAM_THRESHOLD = text("SELECT set_config('pg_trgm.similarity_threshold', '0.1', true)")
_NEAR_TERMS_POSTGRES = text(
    "SELECT term, foods FROM food_vocabulary "
    "WHERE term = ANY(:words) OR term OPERATOR(public.%) ANY(:words)"
)
# Specialised foods (baby, fast, restaurant, branded: `ranking.specialised`) are ranked from
# here on, so a search lists every everyday food it finds before them.
SPECIALISED_RANK = 100_000
_EVERYTHING = 2**31 - 1
_HIT_COLUMNS = (
    "s.rank, s.head, s.body, f.ndb_no, f.description, f.food_group, "
    "f.calcium_mg, f.vitamin_d_iu, f.vitamin_k_ug, s.measures"
)


def _tsvector(column: str, name: str) -> str:
    return (
        f"to_tsvector('simple'::regconfig, s.{column}) @@ to_tsquery('simple'::regconfig, :{name})"
    )


_FTS5_BRANCH = (
    "SELECT * FROM (SELECT {n} AS pass, " + _HIT_COLUMNS + " FROM food_fts "
    "JOIN food_search s ON s.rank = food_fts.rowid JOIN foods f ON f.ndb_no = s.ndb_no "
    "WHERE food_fts MATCH :match{n} AND food_fts.rowid >= :low{n} AND food_fts.rowid < :high{n} "
    "ORDER BY food_fts.rowid LIMIT :limit{n})"
)
_TSQUERY_WHERE = {
    "all": _tsvector("head", "every{n}"),
    "some": (
        f"{_tsvector('body', 'every{n}')} AND {_tsvector('head', 'any{n}')} "
        f"AND NOT {_tsvector('head', 'every{n}')}"
    ),
    "none": f"{_tsvector('body', 'every{n}')} AND NOT {_tsvector('head', 'any{n}')}",
    # {whole}: the query with whole words only.
    "prefix": f"{_tsvector('body', 'every{n}')} AND NOT {_tsvector('body', 'whole{n}')}",
    "": _tsvector("body", "every{n}"),
}


@lru_cache(maxsize=256)
def _compiled(statement: Any, dialect: Any) -> str:
    """The statement's SQL in the driver's own parameter style (sqlite3 takes :name)."""
    if dialect.name == "sqlite":
        return str(statement.text)
    return str(statement.compile(dialect=dialect))


@cache
def _search_statement(dialect: str, kinds: tuple[str, ...], typed: bool) -> Any:
    """One statement for several passes over the full-text index (`kinds`, see
    `ranking.fts5_match`), each its first foods in rank order, tagged with its number; with
    `typed`, first the food whose description is exactly what was typed (pass -1)."""
    join = "JOIN foods f ON f.ndb_no = s.ndb_no"
    branches = (
        [
            f"SELECT -1 AS pass, {_HIT_COLUMNS} FROM food_search s {join} WHERE f.description = :typed"
        ]
        if typed
        else []
    )
    for n, kind in enumerate(kinds):
        if dialect == "sqlite":
            branches.append(_FTS5_BRANCH.format(n=n))
        else:
            where = _TSQUERY_WHERE[kind].replace("{n}", str(n))
            branches.append(
                f"SELECT * FROM (SELECT {n} AS pass, {_HIT_COLUMNS} FROM food_search s {join} "
                f"WHERE {where} AND s.rank >= :low{n} AND s.rank < :high{n} "
                f"ORDER BY s.rank LIMIT :limit{n}) AS p{n}"
            )
    return text(" UNION ALL ".join(branches))


@lru_cache(maxsize=4096)
def _measures(stored: str) -> tuple[Measure, ...]:
    """A food's measures from the JSON kept in `food_search` (parsed once per process)."""
    return tuple(Measure(*m) for m in json.loads(stored))


class FoodRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._dialect_name: str | None = None

    @property
    def _dialect(self) -> str:
        if self._dialect_name is None:
            self._dialect_name = self.session.get_bind().dialect.name
        return self._dialect_name

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(FoodRow)) or 0

    def save_all(
        self, foods: Iterable[Food], *, source: str, on_progress: ProgressCallback | None = None
    ) -> int:
        """Insert or update every food, replacing measures and the search index. Idempotent."""
        existing = set(self.session.scalars(select(FoodRow.ndb_no)))
        self.session.execute(delete(FoodSearchRow))
        self.session.execute(delete(FoodMeasureRow))
        now = utcnow()
        saved = 0
        batch: list[Food] = []

        def flush() -> None:
            values = [
                _food_values(f, ranking.food_shape(f.description, f.manufacturer), source, now)
                for f in batch
            ]
            new = [v for v in values if v["ndb_no"] not in existing]
            old = [v for v in values if v["ndb_no"] in existing]
            if new:
                self.session.execute(insert(FoodRow), new)
            if old:
                self.session.execute(update(FoodRow), old)
            measures = [
                {
                    "ndb_no": f.ndb_no,
                    "seq": m.seq,
                    "amount": m.amount,
                    "description": m.description,
                    "grams": m.grams,
                }
                for f in batch
                for m in f.measures
            ]
            if measures:
                self.session.execute(insert(FoodMeasureRow), measures)
            if on_progress is not None:
                on_progress(len(batch))

        for food in foods:
            batch.append(food)
            saved += 1
            if len(batch) >= _BATCH:
                flush()
                batch = []
        if batch:
            flush()
        self.rebuild_search_index()
        self.session.flush()
        if self._dialect == "sqlite":
            # Planner statistics for the joins around the full-text match.
            self.session.execute(text("ANALYZE"))
        return saved

    def rebuild_search_index(self) -> None:
        """Rebuild the search index from the foods table: the search rows in rank order, the
        vocabulary, the typo index and the engine's full-text index."""
        sqlite = self._dialect == "sqlite"
        self.session.execute(delete(FoodSearchRow))
        self.session.execute(delete(FoodVocabularyRow))
        if sqlite:
            self.session.execute(delete(FoodTermVariantRow))
        f = _FOODS.c
        m = _MEASURES.c
        measures: dict[str, list[Measure]] = {}
        for ndb_no, seq, amount, measure, grams in self.session.execute(
            select(m.ndb_no, m.seq, m.amount, m.description, m.grams).order_by(m.ndb_no, m.seq)
        ):
            measures.setdefault(ndb_no, []).append(Measure(seq, amount, measure, grams))
        indexed = []
        portions: dict[str, str] = {}
        for ndb_no, description, common_name, manufacturer, group, survey in self.session.execute(
            select(
                f.ndb_no, f.description, f.common_name, f.manufacturer, f.food_group_code, f.survey
            )
        ):
            ordered = portions_in_order(description, group, measures.get(ndb_no, ()))
            portions[ndb_no] = json.dumps(
                [[x.seq, x.amount, x.description, x.grams] for x in ordered], separators=(",", ":")
            )
            shape = ranking.food_shape(description, manufacturer)
            key = ranking.static_key(
                ndb_no=ndb_no,
                description=description,
                food_group_code=group,
                survey=survey,
                shape=shape,
            )
            indexed.append((key, ndb_no, ranking.index_text(description, common_name)))
        indexed.sort(key=lambda entry: entry[0])
        rows = [
            {
                "rank": rank + (SPECIALISED_RANK if key[0] else 0),
                "ndb_no": ndb_no,
                "head": found.head,
                "body": found.body,
                "measures": portions[ndb_no],
            }
            for rank, (key, ndb_no, found) in enumerate(indexed, 1)
        ]
        for start in range(0, len(rows), _BATCH):
            self.session.execute(insert(FoodSearchRow), rows[start : start + _BATCH])
        vocabulary = Counter(t for row in rows for t in row["body"].split() if len(t) <= 64)
        if vocabulary:
            self.session.execute(
                insert(FoodVocabularyRow), [{"term": t, "foods": n} for t, n in vocabulary.items()]
            )
        if sqlite:
            variants = [
                {"variant": v, "term": t}
                for t in vocabulary
                if len(t) >= ranking.MIN_TYPO_LENGTH - 1
                for v in ranking.deletions(t)
            ]
            for start in range(0, len(variants), 5000):
                self.session.execute(insert(FoodTermVariantRow), variants[start : start + 5000])
            self.session.execute(text("INSERT INTO food_fts(food_fts) VALUES ('rebuild')"))

    def get(self, ndb_no: str) -> Food | None:
        row = self.session.get(FoodRow, ndb_no)
        if row is None:
            return None
        measures = self.session.scalars(
            select(FoodMeasureRow)
            .where(FoodMeasureRow.ndb_no == ndb_no)
            .order_by(FoodMeasureRow.seq)
        )
        return Food(
            ndb_no=row.ndb_no,
            description=row.description,
            food_group_code=row.food_group_code,
            food_group=row.food_group,
            per_100g={key: getattr(row, key) for key in NUTRIENT_KEYS},
            measures=tuple(
                Measure(seq=m.seq, amount=m.amount, description=m.description, grams=m.grams)
                for m in measures
            ),
            common_name=row.common_name,
            manufacturer=row.manufacturer,
            survey=row.survey,
        )

    def get_or_raise(self, ndb_no: str) -> Food:
        food = self.get(ndb_no)
        if food is None:
            raise FoodNotFound(ndb_no)
        return food

    def source_of(self, ndb_no: str) -> str:
        return self.session.scalar(select(FoodRow.source).where(FoodRow.ndb_no == ndb_no)) or ""

    def search(self, text: str, *, limit: int = 20) -> list[FoodHit]:
        """Foods with every word typed (any order, plurals and spellings folded, synonyms and
        everyday words understood), the plain common food first; with no match, words one
        letter off are tried. Each hit's measures start with its default portion."""
        query = ranking.Query.parse(text[:_MAX_QUERY_CHARS])
        if query.empty:
            return []
        rows = self._matches(query, limit)
        if not rows:
            corrected = self._corrected(query)
            if corrected is not None:
                rows = self._matches(corrected, limit)
        if not rows:
            return []
        return [
            FoodHit(
                ndb_no=r[4],
                description=r[5],
                food_group=r[6],
                calcium_mg_per_100g=r[7],
                vitamin_d_iu_per_100g=r[8],
                vitamin_k_ug_per_100g=r[9],
                measures=_measures(r[10]),
            )
            for r in rows
        ]

    def _passes(
        self, passes: list[tuple[ranking.Query, str, int, int, int]], typed: str | None = None
    ) -> Any:
        """Run passes (query, kind, low rank, high rank, limit) in one statement: a result
        whose rows are tagged with their pass number (-1: the typed description), each pass
        in rank order."""
        kinds = tuple(kind for _, kind, _, _, _ in passes)
        params: dict[str, Any] = {} if typed is None else {"typed": typed}
        sqlite = self._dialect == "sqlite"
        matches: dict[ranking.Query, dict[str, str]] = {}
        for n, (query, kind, low, high, limit) in enumerate(passes):
            params.update({f"low{n}": low, f"high{n}": high, f"limit{n}": limit})
            if sqlite:
                if query not in matches:
                    matches[query] = ranking.fts5_matches(query)
                params[f"match{n}"] = matches[query][kind]
            else:
                params[f"every{n}"] = ranking.tsquery(query)
                params[f"any{n}"] = ranking.tsquery(query, any_term=True)
                params[f"whole{n}"] = ranking.tsquery(query.exact())
        statement = _search_statement(self._dialect, kinds, typed is not None)
        # The hot path: the statement compiled once per engine and run on the DBAPI cursor,
        # in this session's transaction (every column is a plain int, str or float).
        connection = self.session.connection()
        sql = _compiled(statement, connection.dialect)
        cursor = connection.connection.cursor()
        cursor.execute(sql, params)
        return cursor

    def _matches(self, query: ranking.Query, limit: int) -> list[Any]:
        """The best `limit` foods from one statement whose passes come in order of merit: a
        food described exactly as typed; everyday foods with every whole word typed (all of
        them in the head, then some term in the head, then none); everyday foods found only
        by the last word's prefix; specialised foods. Each pass is in rank order; the last
        two are ordered here by `ranking.placement`. On SQLite the rows are read as the
        engine makes them, pass after pass, and reading stops once enough are found: later
        passes never run."""
        exact = query.exact()
        kinds = ("all", "some", "none") if len(exact.all_terms()) > 1 else ("all", "none")
        passes = [(exact, kind, 0, SPECIALISED_RANK, limit) for kind in kinds]
        if query.has_prefix:
            passes.append((query, "prefix", 0, SPECIALISED_RANK, limit))
        specialised = len(passes)
        passes.append((query, "", SPECIALISED_RANK, _EVERYTHING, limit))
        found: dict[int, Any] = {}
        placed: list[tuple[ranking.Placement, int, Any]] = []
        result = self._passes(passes, typed=query.text)
        rows: Iterable[Any] = result
        if self._dialect != "sqlite":  # PostgreSQL sends every row: put them in pass order
            rows = sorted(result, key=lambda r: (r[0], r[1]))
        for row in rows:
            if row[1] in found:
                continue
            if row[0] < len(kinds):
                found[row[1]] = row
                if len(found) >= limit:
                    break
                continue
            if row[0] == specialised and len(found) + len(placed) >= limit:
                break  # every everyday food comes before the specialised ones
            where = ranking.placement(
                query, row[2], row[3], specialised=row[1] >= SPECIALISED_RANK, exact=exact
            )
            if where is not None:
                placed.append((where, row[1], row))
        result.close()
        placed.sort(key=lambda entry: entry[:2])
        return [*found.values(), *(row for _, _, row in placed)][:limit]

    def _corrected(self, query: ranking.Query) -> ranking.Query | None:
        """The query with each word no food has also read as the known words one edit away
        (most common first), or None when there is nothing to correct. One look-up for all
        the words: the known terms equal or near to any of them."""
        checked = query.words_to_check()
        if not checked:
            return None
        if self._dialect == "sqlite":
            keys = {key for word in checked for key in (word, *ranking.deletions(word))}
            near = self.session.execute(
                _NEAR_TERMS_SQLITE, {"keys": json.dumps(sorted(keys))}
            ).all()
        else:
            self.session.execute(_TRIGRAM_THRESHOLD)
            near = self.session.execute(_NEAR_TERMS_POSTGRES, {"words": list(checked)}).all()
        known = {t for t, _ in near}
        fixes: dict[str, list[str]] = {}
        for word in (w for w in checked if w not in known):
            found = ranking.corrections(word, near)
            if found:
                fixes[word] = found
        return query.with_corrections(fixes) if fixes else None

    def all_foods(self) -> list[Food]:
        """Every food with its measures (for suggestions and food-group listings)."""
        measures: dict[str, list[Measure]] = {}
        m = _MEASURES.c
        for ndb_no, seq, amount, description, grams in self.session.execute(
            select(m.ndb_no, m.seq, m.amount, m.description, m.grams).order_by(m.ndb_no, m.seq)
        ):
            measures.setdefault(ndb_no, []).append(Measure(seq, amount, description, grams))
        f = _FOODS.c
        columns = [
            f.ndb_no,
            f.description,
            f.food_group_code,
            f.food_group,
            f.common_name,
            f.manufacturer,
            f.survey,
            *(f[key] for key in NUTRIENT_KEYS),
        ]
        return [
            Food(
                ndb_no=row[0],
                description=row[1],
                food_group_code=row[2],
                food_group=row[3],
                per_100g=dict(zip(NUTRIENT_KEYS, row[7:], strict=True)),
                measures=tuple(measures.get(row[0], ())),
                common_name=row[4],
                manufacturer=row[5],
                survey=row[6],
            )
            for row in self.session.execute(select(*columns).order_by(f.ndb_no))
        ]


# --- services: food database -----------------------------------------------------------------


def import_food_database(
    session_factory: sessionmaker[Session], *, on_progress: ProgressCallback | None = None
) -> int:
    """Load (or refresh) all SR28 foods in one transaction; returns the number of foods."""
    source = sr28.provenance().label
    with UnitOfWork(session_factory) as uow:
        saved = FoodRepository(uow.session).save_all(
            sr28.read_foods(), source=source, on_progress=on_progress
        )
        uow.commit()
    return saved


def ensure_food_database(
    session_factory: sessionmaker[Session], *, on_progress: ProgressCallback | None = None
) -> int:
    """Import SR28 if the foods table is empty; returns the number of foods stored."""
    with UnitOfWork(session_factory) as uow:
        count = FoodRepository(uow.session).count()
    if count:
        return count
    try:
        return import_food_database(session_factory, on_progress=on_progress)
    except (IntegrityError, OperationalError):
        # Another process is importing SR28 at the same time: wait for its copy.
        deadline = time.monotonic() + CONCURRENT_IMPORT_WAIT_S
        while time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                with UnitOfWork(session_factory) as uow:
                    count = FoodRepository(uow.session).count()
            except OperationalError:
                continue
            if count:
                return count
        raise


# --- diary and supplements ---------------------------------------------------------------------

MEALS = ("breakfast", "lunch", "dinner", "snack", "other")


def check_meal(meal: str) -> str:
    if meal not in MEALS:
        raise ValueError(f"meal={meal!r}: use one of {', '.join(MEALS)}")
    return meal


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    id: int
    patient_id: str
    day: date
    meal: str
    ndb_no: str
    description: str
    food_group_code: str
    grams: float
    measure: str | None
    quantity: float | None
    nutrients: NutrientValues
    source: str

    def as_intake(self) -> Intake:
        return Intake(
            day=self.day,
            kind="food",
            description=self.description,
            nutrients=self.nutrients,
            grams=self.grams,
            meal=self.meal,
            food_group_code=self.food_group_code,
            entry_id=self.id,
        )


@dataclass(frozen=True, slots=True)
class SupplementEntry:
    id: int
    patient_id: str
    day: date
    meal: str
    kind: str
    name: str
    label: dict[str, Any]
    nutrients: NutrientValues

    @property
    def calcium_dose_mg(self) -> float:
        return self.nutrients.get("calcium_mg") or 0.0

    def as_intake(self) -> Intake:
        return Intake(
            day=self.day,
            kind="supplement",
            description=self.name,
            nutrients=self.nutrients,
            meal=self.meal,
            calcium_dose_mg=self.calcium_dose_mg or None,
            entry_id=self.id,
        )


def _diary_entry(row: DiaryEntryRow) -> DiaryEntry:
    return DiaryEntry(
        id=row.id,
        patient_id=row.patient_id,
        day=row.day,
        meal=row.meal,
        ndb_no=row.ndb_no,
        description=row.description,
        food_group_code=row.food_group_code,
        grams=row.grams,
        measure=row.measure,
        quantity=row.quantity,
        nutrients=dict(row.nutrients),
        source=row.source,
    )


def _supplement_entry(row: SupplementRow) -> SupplementEntry:
    return SupplementEntry(
        id=row.id,
        patient_id=row.patient_id,
        day=row.day,
        meal=row.meal,
        kind=row.kind,
        name=row.name,
        label=dict(row.label),
        nutrients=dict(row.nutrients),
    )


class DiaryRepository:
    """Food and supplement entries of one store; each keeps the values it was logged with."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_food(
        self,
        *,
        patient_id: str,
        day: date,
        meal: str,
        food: Food,
        grams: float,
        measure: str | None,
        quantity: float | None,
        source: str,
    ) -> DiaryEntry:
        row = DiaryEntryRow(
            patient_id=patient_id,
            day=day,
            meal=check_meal(meal),
            ndb_no=food.ndb_no,
            description=food.description,
            food_group_code=food.food_group_code,
            grams=check_grams(grams),
            measure=measure,
            quantity=quantity,
            nutrients=scale(food.per_100g, grams),
            source=source,
            created_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return _diary_entry(row)

    def add_supplement(
        self, *, patient_id: str, day: date, meal: str, dose: SupplementDose
    ) -> SupplementEntry:
        row = SupplementRow(
            patient_id=patient_id,
            day=day,
            meal=check_meal(meal),
            kind=dose.kind,
            name=dose.name,
            label={**dose.label, "units": dose.units},
            nutrients=dose.nutrients,
            created_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return _supplement_entry(row)

    def remove(self, *, patient_id: str, kind: str, entry_id: int) -> bool:
        """Delete one of her entries ("food" or "supplement"); False if she has no such entry."""
        row: DiaryEntryRow | SupplementRow | None
        if kind == "food":
            row = self.session.get(DiaryEntryRow, entry_id)
        elif kind == "supplement":
            row = self.session.get(SupplementRow, entry_id)
        else:
            raise ValueError(f"kind={kind!r}: use food or supplement")
        if row is None or row.patient_id != patient_id:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def foods(self, patient_id: str, start: date, end: date) -> list[DiaryEntry]:
        rows = self.session.scalars(
            select(DiaryEntryRow)
            .where(
                DiaryEntryRow.patient_id == patient_id,
                DiaryEntryRow.day >= start,
                DiaryEntryRow.day <= end,
            )
            .order_by(DiaryEntryRow.day, DiaryEntryRow.id)
        )
        return [_diary_entry(r) for r in rows]

    def supplements(self, patient_id: str, start: date, end: date) -> list[SupplementEntry]:
        rows = self.session.scalars(
            select(SupplementRow)
            .where(
                SupplementRow.patient_id == patient_id,
                SupplementRow.day >= start,
                SupplementRow.day <= end,
            )
            .order_by(SupplementRow.day, SupplementRow.id)
        )
        return [_supplement_entry(r) for r in rows]


@dataclass(frozen=True, slots=True)
class DayLog:
    patient_id: str
    day: date
    foods: tuple[DiaryEntry, ...]
    supplements: tuple[SupplementEntry, ...]


def _patient_or_raise(session: Session, patient_id: str) -> PatientRecord:
    return PatientRepository(session).get_or_raise(patient_id)


def log_food(
    session_factory: sessionmaker[Session],
    *,
    patient_id: str,
    day: date,
    meal: str,
    ndb_no: str,
    grams: float | None = None,
    measure: str | None = None,
    quantity: float | None = None,
) -> DiaryEntry:
    """Log a food as grams, or as `quantity` x one of its SR28 household measures.

    Raises PatientNotFound, FoodNotFound, UnknownMeasure or ValueError (bad amount or meal);
    nothing is stored then."""
    if (grams is None) == (measure is None):
        raise ValueError("give either grams, or a measure (with a quantity, default 1)")
    if quantity is not None and measure is None:
        raise ValueError(f"quantity={quantity:g} needs a measure (e.g. cup); or give grams alone")
    with UnitOfWork(session_factory) as uow:
        _patient_or_raise(uow.session, patient_id)
        foods = FoodRepository(uow.session)
        food = foods.get_or_raise(ndb_no.strip())
        if measure is not None:
            quantity = 1.0 if quantity is None else quantity
            grams = grams_for(food, measure=measure, quantity=quantity)
            measure = find_measure(food, measure).label
        else:
            quantity = None
        assert grams is not None
        entry = DiaryRepository(uow.session).add_food(
            patient_id=patient_id,
            day=day,
            meal=meal,
            food=food,
            grams=check_grams(grams),
            measure=measure,
            quantity=quantity,
            source=foods.source_of(food.ndb_no),
        )
        uow.commit()
    return entry


def log_supplement(
    session_factory: sessionmaker[Session],
    *,
    patient_id: str,
    day: date,
    meal: str,
    dose: SupplementDose,
) -> SupplementEntry:
    """Log a supplement dose (build it with bonewise.nutrition.supplements)."""
    with UnitOfWork(session_factory) as uow:
        _patient_or_raise(uow.session, patient_id)
        entry = DiaryRepository(uow.session).add_supplement(
            patient_id=patient_id, day=day, meal=meal, dose=dose
        )
        uow.commit()
    return entry


class DiaryEntryNotFound(LookupError):
    def __init__(self, patient_id: str, kind: str, entry_id: int) -> None:
        super().__init__(f"patient {patient_id!r} has no {kind} entry with id {entry_id}")


def remove_diary_entry(
    session_factory: sessionmaker[Session], *, patient_id: str, kind: str, entry_id: int
) -> None:
    """Delete one food or supplement entry of hers; raises DiaryEntryNotFound otherwise."""
    with UnitOfWork(session_factory) as uow:
        if not DiaryRepository(uow.session).remove(
            patient_id=patient_id, kind=kind, entry_id=entry_id
        ):
            raise DiaryEntryNotFound(patient_id, kind, entry_id)
        uow.commit()


def diary_day(session_factory: sessionmaker[Session], *, patient_id: str, day: date) -> DayLog:
    with UnitOfWork(session_factory) as uow:
        _patient_or_raise(uow.session, patient_id)
        diary = DiaryRepository(uow.session)
        return DayLog(
            patient_id,
            day,
            tuple(diary.foods(patient_id, day, day)),
            tuple(diary.supplements(patient_id, day, day)),
        )


def patient_targets(record: PatientRecord, day: date) -> Targets:
    """Targets for her age on `day`; the AIBL goals while an aromatase inhibitor is recorded."""
    therapy = record.therapy
    on_ai = therapy is not None and (therapy.end_date is None or therapy.end_date >= day)
    return targets_for(age=record.patient.age_on(day), on_aromatase_inhibitor=on_ai)


def _intakes(session: Session, patient_id: str, start: date, end: date) -> list[Intake]:
    diary = DiaryRepository(session)
    return [e.as_intake() for e in diary.foods(patient_id, start, end)] + [
        s.as_intake() for s in diary.supplements(patient_id, start, end)
    ]


def period_summary(
    session_factory: sessionmaker[Session], *, patient_id: str, end: date, days: int
) -> Summary:
    """Totals for the 1, 7 or 30 days ending on `end`, against her targets, with warnings."""
    if days not in PERIOD_DAYS:
        raise ValueError(f"days={days}: use one of {', '.join(map(str, PERIOD_DAYS))}")
    with UnitOfWork(session_factory) as uow:
        record = _patient_or_raise(uow.session, patient_id)
        start = end - timedelta(days=days - 1)
        intakes = _intakes(uow.session, patient_id, start, end)
    return summarise(intakes, end=end, days=days, targets=patient_targets(record, end))


def day_summary(session_factory: sessionmaker[Session], *, patient_id: str, day: date) -> Summary:
    return period_summary(session_factory, patient_id=patient_id, end=day, days=1)


@dataclass(frozen=True, slots=True)
class SuggestionResult:
    nutrient: str
    gap: float  # what is missing today to reach her goal
    goal: float
    exclusions: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]


def suggest_foods(
    session_factory: sessionmaker[Session],
    *,
    patient_id: str,
    day: date,
    nutrient: str = "calcium_mg",
    exclusions: Sequence[Exclusion] = (),
    limit: int = 10,
) -> SuggestionResult:
    """Foods whose usual serving closes most of today's calcium (or vitamin D) gap."""
    summary = day_summary(session_factory, patient_id=patient_id, day=day)
    if nutrient not in SUGGESTIBLE_NUTRIENTS:
        raise ValueError(f"nutrient={nutrient!r}: use {' or '.join(SUGGESTIBLE_NUTRIENTS)}")
    progress = summary.progress_for(nutrient)
    with UnitOfWork(session_factory) as uow:
        foods = FoodRepository(uow.session).all_foods()
    found = suggest(foods, nutrient=nutrient, gap=progress.gap, exclusions=exclusions, limit=limit)
    return SuggestionResult(
        nutrient, progress.gap, progress.target.goal, tuple(exclusions), tuple(found)
    )


def food_group_coverage(
    session_factory: sessionmaker[Session], *, patient_id: str, day: date
) -> list[GroupCoverage]:
    """Which of the seed's four food groups the day's diary covered, with the foods."""
    log = diary_day(session_factory, patient_id=patient_id, day=day)
    return coverage((e.description, e.food_group_code) for e in log.foods)


def foods_in_group(session_factory: sessionmaker[Session], *, group_id: str) -> list[Food]:
    """SR28 foods tagged with one of the seed's food groups (calcium_rich, vitamin_d_rich,
    anti_inflammatory, vitamin_k_sources)."""
    group = next((g for g in seed_groups() if g.id == group_id), None)
    if group is None:
        known = ", ".join(g.id for g in seed_groups())
        raise ValueError(f"group={group_id!r}: use one of {known}")
    with UnitOfWork(session_factory) as uow:
        foods = FoodRepository(uow.session).all_foods()
    return [f for f in foods if group.includes(f.description, f.food_group_code)]


@dataclass(frozen=True, slots=True)
class IntakeCautions:
    days: int
    days_logged: int
    alcohol: AlcoholReport  # per logged day
    caffeine: CaffeineReport  # per logged day
    supplements: tuple[tuple[str, Caution], ...]  # (supplement name as logged, caution)


def intake_cautions(
    session_factory: sessionmaker[Session], *, patient_id: str, day: date, days: int = 1
) -> IntakeCautions:
    """Alcohol (grams and units) and caffeine per logged day, and cautions for the
    supplements she logged, over the 1, 7 or 30 days ending on `day`."""
    summary = period_summary(session_factory, patient_id=patient_id, end=day, days=days)
    per_day = max(summary.days_logged, 1)
    alcohol = summary.totals["alcohol_g"]
    caffeine = summary.totals["caffeine_mg"]
    flagged = tuple(
        (name, c)
        for name in dict.fromkeys(i.description for i in summary.intakes if i.kind == "supplement")
        for c in supplement_cautions(name)
    )
    return IntakeCautions(
        days=days,
        days_logged=summary.days_logged,
        alcohol=alcohol_report(alcohol.known / per_day, unknown_share=alcohol.unknown_share),
        caffeine=caffeine_report(caffeine.known / per_day, unknown_share=caffeine.unknown_share),
        supplements=flagged,
    )


def food_source(session_factory: sessionmaker[Session], *, ndb_no: str) -> str:
    """Where a stored food's values come from (provenance of the import)."""
    with UnitOfWork(session_factory) as uow:
        return FoodRepository(uow.session).source_of(ndb_no)


def search_foods(
    session_factory: sessionmaker[Session], *, query: str, limit: int = 20
) -> list[FoodHit]:
    if limit < 1:
        raise ValueError(f"limit={limit}: must be at least 1")
    with UnitOfWork(session_factory) as uow:
        return FoodRepository(uow.session).search(query, limit=limit)


def get_food(session_factory: sessionmaker[Session], *, ndb_no: str) -> Food:
    with UnitOfWork(session_factory) as uow:
        return FoodRepository(uow.session).get_or_raise(ndb_no.strip())
