"""Food database, diary and supplements in the store: tables and repositories.

Tables: `foods` (USDA SR28, per-100 g values of the kept nutrients, NULL = unknown),
`food_measures` (SR28 household measures), the search index built at import (`food_search`:
each food's terms in the order a search lists foods, under the engine's full-text index,
SQLite FTS5 or PostgreSQL tsvector; `food_vocabulary`: every term and how many foods have it;
`food_term_variants` on SQLite, pg_trgm on PostgreSQL: words one letter off), `diary_entries`
(foods eaten, with the nutrient values they were logged with) and `supplements` (supplement
doses taken, with their elemental amounts).

The repositories never commit (the unit of work does). The service API the CLI and the web
pages call (import SR28, search, her diary, totals, suggestions, cautions) is
`bonewise.services.nutrition`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
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
    Select,
    SmallInteger,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.nutrition import search as ranking
from bonewise.nutrition.models import (
    NUTRIENT_KEYS,
    Food,
    Measure,
    NutrientValues,
    check_grams,
    scale,
)
from bonewise.nutrition.portions import portions_in_order
from bonewise.nutrition.supplements import SupplementDose
from bonewise.nutrition.totals import Intake
from bonewise.store.base import MAX_REASON_CHARS, Base, utcnow

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
    # A withdrawn entry stays for the trail but leaves every total and plan (0008).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(MAX_REASON_CHARS))
    replaced_by: Mapped[int | None] = mapped_column(Integer)  # the correcting entry's id


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
    # A withdrawn dose stays for the trail but leaves every total (0013).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(MAX_REASON_CHARS))


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
_NEAR_TERMS_SQLITE = (
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


# SQLite: `_every_match` reads up to this many of the foods a query finds (more than any query
# of the benchmark's set needs) before it leaves them to the passes.
_CANDIDATES = 1_000
_BEST = ranking.Placement(specialised=False, prefix_only=False, tier=0)
_FTS_CANDIDATES = (
    "SELECT 0, s.rank, s.head, s.body FROM food_fts JOIN food_search s "
    "ON s.rank = food_fts.rowid WHERE food_fts MATCH :match "
    "ORDER BY food_fts.rowid LIMIT :cap"
)
_EVERY_MATCH = (
    "SELECT -1, s.rank, s.head, s.body FROM food_search s JOIN foods f ON f.ndb_no = s.ndb_no "
    "WHERE f.description = :typed UNION ALL SELECT * FROM (" + _FTS_CANDIDATES + ")"
)
_HITS_BY_RANK = (
    f"SELECT 0, {_HIT_COLUMNS} FROM food_search s JOIN foods f ON f.ndb_no = s.ndb_no "
    "WHERE s.rank IN (SELECT value FROM json_each(:ranks))"
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

    def _every_match(self, query: ranking.Query, limit: int) -> list[Any] | None:
        """SQLite: the best `limit` foods the query finds, in the passes' order (the food
        described exactly as typed, then by `ranking.Placer` and rank), from one evaluation of
        the full-text match instead of one per pass (which costs most when few foods match).

        The foods found are read as the engine finds them, in rank order, and placed until
        `limit` of them are everyday foods with every word in the head: no food after them,
        being of higher rank, can come before them, so reading stops there. None when more
        than `_CANDIDATES` foods must be read: the passes, which stop after the first `limit`
        of each, cost less then. Only the chosen foods are read with their values."""
        cap = max(_CANDIDATES, limit)
        cursor = self.session.connection().connection.cursor()
        cursor.execute(
            _EVERY_MATCH,
            {"typed": query.text, "match": ranking.fts5_match(query), "cap": cap + 1},
        )
        place = ranking.Placer(query).place
        typed: set[int] = set()
        best: set[int] = set()  # the food described as typed, and those placed best
        placed: list[tuple[ranking.Placement, int]] = []
        everyday: set[int] = set()
        prefix_only = specialised = read = 0
        # Rows as SQLite makes them (sqlite3's cursor iterates lazily): reading stops early.
        rows: Iterable[Any] = cursor  # type: ignore[assignment]
        for kind, rank, head, body in rows:
            if kind < 0:
                typed.add(rank)
                everyday.add(rank)
                best.add(rank)
                continue
            read += 1
            if read > cap:
                cursor.close()
                return None
            # As the passes do: of the specialised foods, the first few by rank that fill the
            # list after the everyday ones (all of which come first in rank). Once they are
            # placed no later food can join the list (a food described as typed is already
            # first in it), so reading stops without placing the rest.
            if rank >= SPECIALISED_RANK and specialised >= limit - len(everyday):
                break
            where = place(head, body, specialised=rank >= SPECIALISED_RANK)
            if where is None:
                continue
            # Of the everyday foods found only by the prefix, the first `limit` by rank are
            # placed.
            if where.specialised:
                specialised += 1
            elif where.prefix_only:
                if prefix_only >= limit:
                    continue
                prefix_only += 1
            if not where.specialised:
                everyday.add(rank)
            placed.append((where, rank))
            if where == _BEST:
                best.add(rank)
                if len(best) >= limit:
                    break
        placed.sort()
        chosen = list(dict.fromkeys([*sorted(typed), *(rank for _, rank in placed)]))[:limit]
        if not chosen:
            cursor.close()
            return []
        cursor.execute(_HITS_BY_RANK, {"ranks": json.dumps(chosen)})
        by_rank = {row[1]: row for row in cursor.fetchall()}
        cursor.close()
        return [by_rank[rank] for rank in chosen]

    def _matches(self, query: ranking.Query, limit: int) -> list[Any]:
        """The best `limit` foods from one statement whose passes come in order of merit: a
        food described exactly as typed; everyday foods with every whole word typed (all of
        them in the head, then some term in the head, then none); everyday foods found only
        by the last word's prefix; specialised foods. Each pass is in rank order; the last
        two are ordered here by `ranking.Placer`. On SQLite the rows are read as the
        engine makes them, pass after pass, and reading stops once enough are found: later
        passes never run."""
        if self._dialect == "sqlite":
            every = self._every_match(query, limit)
            if every is not None:
                return every
        exact = query.exact()
        kinds = ("all", "some", "none") if len(exact.all_terms()) > 1 else ("all", "none")
        passes = [(exact, kind, 0, SPECIALISED_RANK, limit) for kind in kinds]
        if query.has_prefix:
            passes.append((query, "prefix", 0, SPECIALISED_RANK, limit))
        specialised = len(passes)
        passes.append((query, "", SPECIALISED_RANK, _EVERYTHING, limit))
        place = ranking.Placer(query).place
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
            where = place(row[2], row[3], specialised=row[1] >= SPECIALISED_RANK)
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
            # On the DBAPI cursor, as the search itself: a typo costs one more look-up only.
            cursor = self.session.connection().connection.cursor()
            near = cursor.execute(_NEAR_TERMS_SQLITE, {"keys": json.dumps(sorted(keys))}).fetchall()
            cursor.close()
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


# --- diary and supplements ---------------------------------------------------------------------

MEALS = ("breakfast", "lunch", "dinner", "snack", "other")


def check_meal(meal: str) -> str:
    if meal not in MEALS:
        # Quote what was sent only when short: an error never echoes a long input back.
        shown = repr(meal) if len(meal) <= 24 else f"({len(meal):,} characters)"
        raise ValueError(f"meal={shown}: use one of {', '.join(MEALS)}")
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


def _in_force(table: Table) -> list[Any]:
    """Rows not withdrawn (food entries and supplement doses can be withdrawn)."""
    return [table.c.withdrawn_at.is_(None)] if "withdrawn_at" in table.c else []


def _between_statement(table: Table) -> Select[Any]:
    """Her rows of a diary table from :start to :end in force, in the order they were logged."""
    c = table.c
    return (
        select(*(c[name] for name in _ENTRY_COLUMNS[table.name]))
        .where(
            c.patient_id == bindparam("patient_id"),
            c.day >= bindparam("start"),
            c.day <= bindparam("end"),
            *_in_force(table),
        )
        .order_by(c.day, c.id)
    )


def _daily_totals_statement(nutrient: str) -> Select[Any]:
    """Known `nutrient` per day over foods and supplements from :start to :end."""
    parts = [
        select(
            t.c.day.label("day"),
            func.coalesce(t.c.nutrients[nutrient].as_float(), 0.0).label("amount"),
        ).where(
            t.c.patient_id == bindparam("patient_id"),
            t.c.day >= bindparam("start"),
            t.c.day <= bindparam("end"),
            *_in_force(t),
        )
        for t in (_DIARY, _SUPPLEMENTS)
    ]
    both = union_all(*parts).subquery()
    return select(both.c.day, func.sum(both.c.amount)).group_by(both.c.day)


_DIARY: Table = DiaryEntryRow.__table__  # type: ignore[assignment]
_SUPPLEMENTS: Table = SupplementRow.__table__  # type: ignore[assignment]
# The columns a DiaryEntry / SupplementEntry is built from, in its field order.
_ENTRY_COLUMNS = {
    "diary_entries": (
        "id",
        "patient_id",
        "day",
        "meal",
        "ndb_no",
        "description",
        "food_group_code",
        "grams",
        "measure",
        "quantity",
        "nutrients",
        "source",
    ),
    "supplements": ("id", "patient_id", "day", "meal", "kind", "name", "label", "nutrients"),
}
_FOODS_BETWEEN = _between_statement(_DIARY)
_SUPPLEMENTS_BETWEEN = _between_statement(_SUPPLEMENTS)
_DAILY_TOTALS: dict[str, Select[Any]] = {}


class DiaryRepository:
    """Food and supplement entries of one store; each keeps the values it was logged with.
    Never commits: the unit of work does."""

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

    def food_entry(self, *, patient_id: str, entry_id: int) -> DiaryEntry | None:
        """One of her food entries in force (None: not hers, unknown or withdrawn)."""
        row = self.session.get(DiaryEntryRow, entry_id)
        if row is None or row.patient_id != patient_id or row.withdrawn_at is not None:
            return None
        return _diary_entry(row)

    def withdraw_food(
        self, *, patient_id: str, entry_id: int, reason: str, replaced_by: int | None = None
    ) -> DiaryEntry | None:
        """Take one of her food entries out of force, keeping the row for the trail; returns
        the entry as it was (None: not hers, unknown or already withdrawn)."""
        row = self.session.get(DiaryEntryRow, entry_id)
        if row is None or row.patient_id != patient_id or row.withdrawn_at is not None:
            return None
        original = _diary_entry(row)
        row.withdrawn_at = utcnow()
        row.withdrawn_reason = reason[:MAX_REASON_CHARS]
        row.replaced_by = replaced_by
        self.session.flush()
        return original

    def supplement_entry(self, *, patient_id: str, entry_id: int) -> SupplementEntry | None:
        """One of her supplement doses in force (None: not hers, unknown or withdrawn)."""
        row = self.session.get(SupplementRow, entry_id)
        if row is None or row.patient_id != patient_id or row.withdrawn_at is not None:
            return None
        return _supplement_entry(row)

    def withdraw_supplement(
        self, *, patient_id: str, entry_id: int, reason: str
    ) -> SupplementEntry | None:
        """Take one of her supplement doses out of force, keeping the row for the trail;
        returns the dose as it was (None: not hers, unknown or already withdrawn)."""
        row = self.session.get(SupplementRow, entry_id)
        if row is None or row.patient_id != patient_id or row.withdrawn_at is not None:
            return None
        original = _supplement_entry(row)
        row.withdrawn_at = utcnow()
        row.withdrawn_reason = reason[:MAX_REASON_CHARS]
        self.session.flush()
        return original

    def foods(self, patient_id: str, start: date, end: date) -> list[DiaryEntry]:
        rows = self._between(_FOODS_BETWEEN, patient_id, start, end)
        return [_diary_entry(r) for r in rows]  # type: ignore[arg-type]

    def _between(self, statement: Select[Any], patient_id: str, start: date, end: date) -> Any:
        # Core rows through the session's connection: the diary is read on every dashboard.
        return self.session.connection().execute(
            statement, {"patient_id": patient_id, "start": start, "end": end}
        )

    def daily_totals(
        self, patient_id: str, *, start: date, end: date, nutrient: str
    ) -> dict[date, float]:
        """Known `nutrient` per day from foods and supplements, summed in the database; a day
        with entries but no known value sums to 0 (its entries say what is unknown); a day
        with no entries is absent."""
        if nutrient not in NUTRIENT_KEYS:
            raise ValueError(f"nutrient={nutrient!r}: use one of {', '.join(NUTRIENT_KEYS)}")
        statement = _DAILY_TOTALS.get(nutrient)
        if statement is None:
            statement = _DAILY_TOTALS[nutrient] = _daily_totals_statement(nutrient)
        rows = self._between(statement, patient_id, start, end)
        return {day: float(amount) for day, amount in rows}

    def supplements(self, patient_id: str, start: date, end: date) -> list[SupplementEntry]:
        rows = self._between(_SUPPLEMENTS_BETWEEN, patient_id, start, end)
        return [_supplement_entry(r) for r in rows]  # type: ignore[arg-type]
