"""Food database, diary and supplements in the store: tables and repositories.

Tables: `foods` (USDA SR28, per-100 g values of the kept nutrients, NULL = unknown),
`food_measures` (SR28 household measures), `food_terms` and `food_vocabulary` (the search
index: one row per singularised word and food, and how many foods have each word; plain
B-tree lookups that work the same on SQLite and PostgreSQL), `diary_entries` (foods eaten, with the nutrient values they were
logged with) and `supplements` (supplement doses taken, with their elemental amounts).

The repositories never commit (the unit of work does). The service API the CLI and the web
pages call (import SR28, search, her diary, totals, suggestions, cautions) is
`bonewise.services.nutrition`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
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
    bindparam,
    delete,
    func,
    insert,
    or_,
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
from bonewise.nutrition.supplements import SupplementDose
from bonewise.nutrition.totals import Intake
from bonewise.store.base import Base, utcnow

# Search terms compare byte-wise on PostgreSQL too, so a prefix is a plain range.
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


class FoodTermRow(Base):
    __tablename__ = "food_terms"
    __table_args__ = ({"sqlite_with_rowid": False},)

    term: Mapped[str] = mapped_column(TermString, primary_key=True)
    ndb_no: Mapped[str] = mapped_column(String(5), ForeignKey("foods.ndb_no"), primary_key=True)
    part: Mapped[int] = mapped_column(SmallInteger)


class FoodVocabularyRow(Base):
    """How many foods each search term is found in: a search starts from its rarest word."""

    __tablename__ = "food_vocabulary"

    term: Mapped[str] = mapped_column(TermString, primary_key=True)
    foods: Mapped[int] = mapped_column(Integer)


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
    measures: tuple[Measure, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "ndb_no": self.ndb_no,
            "description": self.description,
            "food_group": self.food_group,
            "calcium_mg_per_100g": self.calcium_mg_per_100g,
            "vitamin_d_iu_per_100g": self.vitamin_d_iu_per_100g,
            "vitamin_k_ug_per_100g": self.vitamin_k_ug_per_100g,
            "measures": [measure_json(m) for m in self.measures],
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


def _food_values(food: Food, source: str, now: datetime) -> dict[str, Any]:
    shape = ranking.food_shape(food.description, food.manufacturer)
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


def _prefix_end(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# Core tables: the search path skips ORM row processing.
_FOODS = FoodRow.__table__
_TERMS = FoodTermRow.__table__
_VOCABULARY = FoodVocabularyRow.__table__
_MEASURES = FoodMeasureRow.__table__


def _term_matches(column: Any) -> Any:
    """A term equal to :t, or in [:lo, :hi) for the word typed last (lo = hi = '' if none)."""
    return or_(column == bindparam("t"), (column >= bindparam("lo")) & (column < bindparam("hi")))


# The search statements, built once (SQLAlchemy caches their compiled form).
_CANDIDATES = select(
    _FOODS.c.ndb_no,
    _FOODS.c.description,
    _FOODS.c.food_group_code,
    _FOODS.c.survey,
    _FOODS.c.head_size,
    _FOODS.c.qualifiers,
    _FOODS.c.plain,
    _FOODS.c.branded,
    _TERMS.c.part,
    _TERMS.c.term,
    _FOODS.c.food_group,
    _FOODS.c.calcium_mg,
    _FOODS.c.vitamin_d_iu,
    _FOODS.c.vitamin_k_ug,
).join(
    _TERMS,
    (_TERMS.c.ndb_no == _FOODS.c.ndb_no)
    & _term_matches(_TERMS.c.term)
    & (_TERMS.c.part <= bindparam("max_part")),
)
_NARROW = select(_TERMS.c.ndb_no, _TERMS.c.part, _TERMS.c.term).where(
    _term_matches(_TERMS.c.term),
    _TERMS.c.ndb_no.in_(bindparam("candidates", expanding=True)),
)
_FREQUENCY = select(_VOCABULARY.c.term, _VOCABULARY.c.foods).where(
    or_(
        _VOCABULARY.c.term.in_(bindparam("terms", expanding=True)),
        (_VOCABULARY.c.term >= bindparam("lo")) & (_VOCABULARY.c.term < bindparam("hi")),
    )
)
_SHOWN_MEASURES = (
    select(
        _MEASURES.c.ndb_no,
        _MEASURES.c.seq,
        _MEASURES.c.amount,
        _MEASURES.c.description,
        _MEASURES.c.grams,
    )
    .where(_MEASURES.c.ndb_no.in_(bindparam("shown", expanding=True)))
    .order_by(_MEASURES.c.ndb_no, _MEASURES.c.seq)
)


def _term_params(query: ranking.Query, term: str) -> dict[str, str]:
    prefix = query.prefix_for(term)
    if prefix is None:
        return {"t": term, "lo": "", "hi": ""}
    return {"t": term, "lo": prefix, "hi": _prefix_end(prefix)}


def _merge(hits: dict[str, tuple[int, bool]], term: str, part: int, exact: bool) -> None:
    """Keep, per query word, the earliest part it matched in and whether any match was whole."""
    seen_part, seen_exact = hits.get(term, (part, exact))
    hits[term] = (min(seen_part, part), seen_exact or exact)


class FoodRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(FoodRow)) or 0

    def save_all(
        self, foods: Iterable[Food], *, source: str, on_progress: ProgressCallback | None = None
    ) -> int:
        """Insert or update every food, replacing measures and search terms. Idempotent."""
        existing = set(self.session.scalars(select(FoodRow.ndb_no)))
        self.session.execute(delete(FoodTermRow))
        self.session.execute(delete(FoodVocabularyRow))
        vocabulary: Counter[str] = Counter()
        self.session.execute(delete(FoodMeasureRow))
        now = utcnow()
        saved = 0
        batch: list[Food] = []

        def flush() -> None:
            values = [_food_values(f, source, now) for f in batch]
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
            entries = [
                (f.ndb_no, term, part)
                for f in batch
                for term, part in ranking.index_entries(f.description, f.common_name).items()
                if len(term) <= 64
            ]
            if entries:
                self.session.execute(
                    insert(FoodTermRow),
                    [{"term": t, "ndb_no": n, "part": p} for n, t, p in entries],
                )
                vocabulary.update(t for _, t, _ in entries)
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
        self.session.execute(
            insert(FoodVocabularyRow), [{"term": t, "foods": n} for t, n in vocabulary.items()]
        )
        self.session.flush()
        if self.session.get_bind().dialect.name == "sqlite":
            # Planner statistics, so a search starts from its rarest word.
            self.session.execute(text("ANALYZE"))
        return saved

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

    def _ranked(
        self,
        query: ranking.Query,
        order: list[str],
        rows: dict[str, Any],
        *,
        head_only: bool,
        limit: int,
    ) -> list[ranking.Match]:
        """Rank the foods that have every query word (rarest first in `order`), filling `rows`
        with each candidate's stored columns; `head_only` keeps foods with the rarest word in
        their head."""
        rarest = order[0]
        found: dict[str, dict[str, tuple[int, bool]]] = {}
        params = {**_term_params(query, rarest), "max_part": 0 if head_only else 32767}
        for row in self.session.execute(_CANDIDATES, params).all():
            rows[row[0]] = row
            _merge(found.setdefault(row[0], {}), rarest, row[8], row[9] == rarest)
        # Narrowed by each other word: the first part it is in and whether it is whole.
        for term in order[1:]:
            if not found:
                break
            narrowed: dict[str, dict[str, tuple[int, bool]]] = {}
            for ndb_no, part, word in self.session.execute(
                _NARROW, {**_term_params(query, term), "candidates": list(found)}
            ).all():
                hits = narrowed.setdefault(ndb_no, dict(found[ndb_no]))
                _merge(hits, term, part, word == term)
            found = narrowed
        return ranking.rank(
            (
                ranking.Match(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    ranking.FoodShape(r[4], r[5], r[6], r[7]),
                    tuple(found[r[0]][t][0] for t in query.terms),
                    sum(found[r[0]][t][1] for t in query.terms),
                )
                for r in (rows[n] for n in found)
            ),
            limit=limit,
            query=query,
        )

    def search(self, text: str, *, limit: int = 20) -> list[FoodHit]:
        """Foods containing every word typed (any order, plurals folded), best match first."""
        query = ranking.Query.parse(text)
        if query.empty:
            return []
        # 1. With several words, start from the rarest; a word no food has ends the search.
        order = list(query.terms)
        if len(order) > 1:
            prefix = next((p for p in map(query.prefix_for, order) if p is not None), None)
            counts = self.session.execute(
                _FREQUENCY,
                {
                    "terms": order,
                    "lo": prefix or "",
                    "hi": _prefix_end(prefix) if prefix else "",
                },
            ).all()
            frequency = {
                term: sum(
                    n
                    for t, n in counts
                    if t == term or t.startswith(query.prefix_for(term) or "\x00")
                )
                for term in order
            }
            if not all(frequency.values()):
                return []
            order.sort(key=lambda t: frequency[t])
        # 2. Foods with the rarest word, narrowed by each other word, ranked. For one word,
        # the sort key puts every food with the word in its head first: when there are
        # enough of those, they are the answer and the rest need not be read.
        rows: dict[str, Any] = {}
        best: list[ranking.Match] = []
        if len(order) == 1:
            best = self._ranked(query, order, rows, head_only=True, limit=limit)
        if len(best) < limit:
            rows = {}
            best = self._ranked(query, order, rows, head_only=False, limit=limit)
        if not best:
            return []
        # 3. The household measures of the foods shown.
        measures: dict[str, list[Measure]] = {}
        for ndb_no, seq, amount, description, grams in self.session.execute(
            _SHOWN_MEASURES, {"shown": [b.ndb_no for b in best]}
        ).all():
            measures.setdefault(ndb_no, []).append(Measure(seq, amount, description, grams))
        return [
            FoodHit(
                ndb_no=b.ndb_no,
                description=b.description,
                food_group=rows[b.ndb_no][10],
                calcium_mg_per_100g=rows[b.ndb_no][11],
                vitamin_d_iu_per_100g=rows[b.ndb_no][12],
                vitamin_k_ug_per_100g=rows[b.ndb_no][13],
                measures=tuple(measures.get(b.ndb_no, ())),
            )
            for b in best
        ]

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


def _between_statement(table: Table) -> Select[Any]:
    """Her rows of a diary table from :start to :end, in the order they were logged."""
    c = table.c
    return (
        select(table)
        .where(
            c.patient_id == bindparam("patient_id"),
            c.day >= bindparam("start"),
            c.day <= bindparam("end"),
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
        )
        for t in (_DIARY, _SUPPLEMENTS)
    ]
    both = union_all(*parts).subquery()
    return select(both.c.day, func.sum(both.c.amount)).group_by(both.c.day)


_DIARY: Table = DiaryEntryRow.__table__  # type: ignore[assignment]
_SUPPLEMENTS: Table = SupplementRow.__table__  # type: ignore[assignment]
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
