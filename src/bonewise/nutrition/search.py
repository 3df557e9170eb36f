"""Food search terms and ranking (pure): what people type against SR28's descriptions.

SR28 describes foods head-first ("Milk, reduced fat, fluid, 2% milkfat, ..."). The plain,
common food the user means is the one whose head names what was typed and little else, with
few qualifiers and no uncommon form ("Milk, human", "Milk, dry"): "Crackers, milk" mentions
milk only as a qualifier and ranks below every milk.

Both sides are reduced to the same terms: lower-case words, "2%" as "2pct", stemmed with the
Snowball English stemmer (plurals and "-ed" forms fold: "sardines", "skimmed", "dried"). The
store's own full-text engine (SQLite FTS5, PostgreSQL tsvector) matches them.

- `index_text` gives, per food, its head terms and all its terms (plus adjacent words
  joined, so "milkshake" finds "Milk shakes"); `static_key` orders all foods once, at import,
  by how plain and common they are. A query then only asks the engine for the first foods in
  that order, tier by tier (`Query.tiers`): every word in the head, then some word in the
  head, then anywhere; whole words before the last word's prefix ("yog" while typing).
- `Query.parse` applies `food_words.toml` (British and other spellings, synonyms, everyday
  words: "yoghurt", "soya milk", "tinned", "semi-skimmed"), drops filler words ("of", "with")
  and, when nothing matches, `with_corrections` retries words one letter off (typos).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from typing import NamedTuple

import snowballstemmer

_WORD = re.compile(r"\d+(?:\.\d+)?%|[a-z0-9]+")
_CAPS = re.compile(r"\b[A-Z][A-Z'&]{2,}\b")

# SR28 heads that name a category; the real food is the next part ("Fish, sardine, ...").
# Their words do not count in the head's size: "Fish, sardine" is as plain as "Sardine".
CATEGORY_HEADS = frozenset(
    {
        "alcoholic beverage",
        "alcoholic beverages",
        "babyfood",
        "beans",
        "beverages",
        "candies",
        "cereals",
        "cereals ready-to-eat",
        "cheese",
        "crustaceans",
        "fish",
        "game meat",
        "mollusks",
        "nuts",
        "seeds",
        "snacks",
        "spices",
        "yogurt",
    }
)
# Heads merged with their next part like a category, whose word still counts: almond oil is an
# oil, not an almond, so "almonds" ranks "Nuts, almonds" before "Oil, almond".
KIND_HEADS = frozenset({"oil", "vegetable oil", "soup"})
# Food groups people rarely mean when they type a plain food name (SR28 FD_GROUP codes:
# baby foods, fast foods, American Indian/Alaska Native foods, restaurant foods).
SPECIALISED_GROUPS = frozenset({"0300", "2100", "3500", "3600"})
# Qualifiers that mark the plain form of a food.
PLAIN_WORDS = frozenset({"plain", "raw", "fluid", "whole", "fresh", "regular"})
# Words a query may leave out: they carry no food ("cream of mushroom soup").
FILLER_WORDS = frozenset({"a", "an", "and", "the", "of", "with", "in", "on", "or", "for", "to"})
# The last word typed is matched as a prefix only from this many letters on.
MIN_PREFIX = 3
# Words shorter than this are not corrected as typos (too many one-letter neighbours).
MIN_TYPO_LENGTH = 4
# At most this many corrections per misspelt word, most frequent first.
MAX_CORRECTIONS = 3
_PHRASE_WORDS = 4

_stemmer = snowballstemmer.stemmer("english")


# --- terms ------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case words of a text, apostrophes dropped, percentages kept ("2%")."""
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """The search term of one word: "2%" -> "2pct", "3.25%" -> "325pct", "sardines" -> "sardin"."""
    if word.endswith("%"):
        return word[:-1].replace(".", "") + "pct"
    return str(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """Search terms of a text, in order, duplicates kept."""
    return [term(w) for w in words(text)]


def singular(word: str) -> str:
    """Kept for callers that singularise one word: the stem folds plurals the same way."""
    return term(word)


def _part_texts(description: str) -> tuple[list[str], str]:
    """Comma parts, a category or kind head merged with its next part; and the head's kind."""
    found = [p.strip() for p in description.split(",") if p.strip()]
    first = found[0].lower() if found else ""
    if len(found) > 1 and (first in CATEGORY_HEADS or first in KIND_HEADS):
        found = [found[0] + " " + found[1], *found[2:]]
    return found, first


def parts(description: str) -> list[list[str]]:
    """Comma-separated parts as term lists; a category head is merged with its next part."""
    return [terms(p) for p in _part_texts(description)[0]]


def _with_joined(text: str) -> list[str]:
    """Terms of a part, plus each pair of adjacent words written as one ("milk shakes" ->
    "milkshak"), so a compound typed as one word finds the food."""
    found = words(text)
    joined = [a + b for a, b in pairwise(found) if not a[0].isdigit()]
    return [term(w) for w in found] + [term(w) for w in joined]


class IndexText(NamedTuple):
    head: str  # terms of the head, space-separated
    body: str  # every term of the food (head, qualifiers, common names)


def index_text(description: str, common_name: str = "") -> IndexText:
    """What the full-text engine indexes for one food: distinct terms, space-separated."""
    texts, _ = _part_texts(description)
    head = dict.fromkeys(_with_joined(texts[0]) if texts else [])
    body = dict(head)
    for text in texts[1:]:
        body.update(dict.fromkeys(_with_joined(text)))
    body.update(dict.fromkeys(terms(common_name)))
    return IndexText(" ".join(head), " ".join(body))


# --- the vocabulary file ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vocabulary:
    version: str
    rules: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]  # typed words -> SR28 words
    spellings: Mapping[tuple[str, ...], tuple[str, ...]]  # replaced before the rules apply
    uncommon: tuple[tuple[str, ...], ...]  # term sequences marking an uncommon form


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def parse_vocabulary(data: Mapping[str, object]) -> Vocabulary:
    """Rules from the TOML tables of `food_words.toml`; a malformed rule is a clear error."""
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise ValueError("food words: 'version' must be a non-empty string")
    rules: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    spellings: dict[tuple[str, ...], tuple[str, ...]] = {}
    uncommon: tuple[tuple[str, ...], ...] = ()
    for table, entries in data.items():
        if table == "version":
            continue
        if not isinstance(entries, dict):
            raise ValueError(f"food words: [{table}] must be a table")
        if table == "uncommon":
            listed = entries.get("words")
            if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
                raise ValueError("food words: [uncommon] words must be a list of strings")
            uncommon = tuple(tuple(terms(w)) for w in listed if terms(w))
            continue
        for typed, meant in entries.items():
            key = _phrase(typed)
            if not key or len(key) > _PHRASE_WORDS:
                raise ValueError(f"food words: [{table}] {typed!r} must be 1-{_PHRASE_WORDS} words")
            if (
                not isinstance(meant, list)
                or not meant
                or not all(isinstance(m, str) for m in meant)
            ):
                raise ValueError(f"food words: [{table}] {typed!r} must list what SR28 says")
            found = [_phrase(m) for m in meant]
            if not all(found):
                raise ValueError(f"food words: [{table}] {typed!r} has an empty replacement")
            if table == "spellings":
                spellings[key] = found[0]
            else:
                rules[key] = tuple(dict.fromkeys((*rules.get(key, ()), *found)))
    return Vocabulary(version, rules, spellings, uncommon)


@cache
def vocabulary() -> Vocabulary:
    """The versioned spellings, synonyms and everyday words (read once, on first use)."""
    text = resources.files("bonewise.nutrition").joinpath("food_words.toml").read_text("utf-8")
    return parse_vocabulary(tomllib.loads(text))


# --- what a food looks like -------------------------------------------------------------------


class FoodShape(NamedTuple):
    head_size: int  # head words that are neither the category nor a plain qualifier
    qualifiers: int  # comma parts after the head
    plain: bool  # no qualifier, or one saying it is the plain form: raw, fluid, whole, ...
    branded: bool
    uncommon: int = 0  # uncommon-form words (vocabulary [uncommon]): human, dry, imitation ...


def _contains(found: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(found[i : i + n]) == phrase for i in range(len(found) - n + 1))


def food_shape(description: str, manufacturer: str = "") -> FoodShape:
    texts, first = _part_texts(description)
    found = [terms(t) for t in texts]
    head = found[0] if found else []
    category = set(terms(first)) if first in CATEGORY_HEADS else set()
    plain_terms = {term(w) for w in PLAIN_WORDS}
    head_size = len({t for t in head if t not in category and t not in plain_terms})
    # The plain form says so (raw, fluid, whole...) or has no qualifier at all ("Nuts, almonds").
    plain = len(found) == 1 or any(t in plain_terms for part in found[1:] for t in part)
    everything = terms(description)
    uncommon = sum(1 for phrase in vocabulary().uncommon if _contains(everything, phrase))
    return FoodShape(
        head_size=head_size,
        qualifiers=max(len(found) - 1, 0),
        plain=plain,
        branded=bool(manufacturer) or bool(_CAPS.search(description)),
        uncommon=uncommon,
    )


def specialised(*, food_group_code: str, shape: FoodShape) -> bool:
    """Baby, fast, restaurant or branded food: listed after every everyday food a query finds."""
    return food_group_code in SPECIALISED_GROUPS or shape.branded


def static_key(
    *, ndb_no: str, description: str, food_group_code: str, survey: bool, shape: FoodShape
) -> tuple[int | bool | str, ...]:
    """Where a food stands among the foods a query finds, smaller first. In order: everyday
    food (not baby/fast/restaurant food, not a brand: `specialised`); fewer words in its head
    besides the category; fewer uncommon-form words; a plain form (raw, fluid, whole...); in
    USDA's survey of what people eat (FNDDS); fewer qualifiers; a shorter description."""
    return (
        specialised(food_group_code=food_group_code, shape=shape),
        shape.head_size,
        shape.uncommon,
        not shape.plain,
        not survey,
        shape.qualifiers,
        len(description),
        ndb_no,
    )


# --- queries ----------------------------------------------------------------------------------


def _respelt(typed: list[str], vocab: Vocabulary) -> list[str]:
    """The words typed with other spellings replaced by SR28's ("soya" -> "soy"), longest
    phrase first ("bok choy" -> "pak choi")."""
    found: list[str] = []
    i = 0
    while i < len(typed):
        for size in range(min(_PHRASE_WORDS, len(typed) - i), 0, -1):
            replacement = vocab.spellings.get(tuple(typed[i : i + size]))
            if replacement is not None:
                found.extend(replacement)
                i += size
                break
        else:
            found.append(typed[i])
            i += 1
    return found


class Term(NamedTuple):
    text: str
    prefix: bool = False  # also matches longer terms (the last word, while typing)


@dataclass(frozen=True, slots=True)
class Slot:
    """One thing typed: matched when every term of any one alternative is in the food."""

    typed: tuple[str, ...]  # the words typed
    alternatives: tuple[tuple[Term, ...], ...]


@dataclass(frozen=True, slots=True)
class Query:
    slots: tuple[Slot, ...]
    text: str = ""  # as typed, spaces collapsed: a food with exactly that description wins

    @classmethod
    def parse(cls, text: str, vocab: Vocabulary | None = None) -> Query:
        vocab = vocab or vocabulary()
        raw = _respelt(words(text)[:32], vocab)  # bounded: nobody types more for one food
        typing = bool(raw) and not text.endswith((" ", ","))
        slots: list[Slot] = []
        i = 0
        while i < len(raw):
            for size in range(min(_PHRASE_WORDS, len(raw) - i), 0, -1):
                typed = tuple(raw[i : i + size])
                meant = vocab.rules.get(typed)
                if meant is not None or size == 1:
                    break
            is_last = i + len(typed) == len(raw)
            as_typed = tuple(Term(term(w)) for w in typed if w not in FILLER_WORDS or meant)
            if typing and is_last and len(typed[-1]) >= MIN_PREFIX and as_typed:
                as_typed = (*as_typed[:-1], Term(as_typed[-1].text, prefix=True))
            alternatives = [as_typed] if as_typed else []
            for replacement in meant or ():
                alternatives.append(tuple(Term(term(w)) for w in replacement))
            if alternatives:
                slots.append(Slot(typed, tuple(dict.fromkeys(alternatives))))
            i += len(typed)
        return cls(tuple(slots), " ".join(text.split()))

    @property
    def empty(self) -> bool:
        return not self.slots

    @property
    def has_prefix(self) -> bool:
        return any(t.prefix for s in self.slots for a in s.alternatives for t in a)

    def exact(self) -> Query:
        """The same query with whole words only."""
        return replace(
            self,
            slots=tuple(
                replace(
                    s,
                    alternatives=tuple(tuple(Term(t.text) for t in a) for a in s.alternatives),
                )
                for s in self.slots
            ),
        )

    def all_terms(self) -> tuple[Term, ...]:
        """Every term of every alternative, once."""
        return tuple(dict.fromkeys(t for s in self.slots for a in s.alternatives for t in a))

    def words_to_check(self) -> tuple[str, ...]:
        """Terms typed (not from rules) that a typo could explain."""
        return tuple(
            dict.fromkeys(
                t.text
                for s in self.slots
                for t in s.alternatives[0]
                if len(t.text) >= MIN_TYPO_LENGTH
            )
        )

    def with_corrections(self, corrections: Mapping[str, Iterable[str]]) -> Query:
        """The query where each misspelt term may also be one of its corrections."""
        slots = []
        for slot in self.slots:
            added: list[tuple[Term, ...]] = []
            for alternative in slot.alternatives:
                for position, t in enumerate(alternative):
                    for fixed in corrections.get(t.text, ()):
                        added.append(
                            (
                                *alternative[:position],
                                Term(fixed, t.prefix),
                                *alternative[position + 1 :],
                            )
                        )
            slots.append(
                replace(slot, alternatives=tuple(dict.fromkeys((*slot.alternatives, *added))))
            )
        return replace(self, slots=tuple(slots))


Alternatives = tuple[tuple[Term, ...], ...]


class Placement(NamedTuple):
    """Where a food found by a query stands, smaller first (its rank decides ties)."""

    specialised: bool  # baby, fast, restaurant or branded food
    prefix_only: bool  # the last word matched only as a prefix ("milk" in "milkfish")
    tier: int  # 0: every slot in the head; 1: some term in the head; 2: none


# One alternative, compiled: its whole words, and its prefixes (a prefix term is also met by a
# longer word).
_Compiled = tuple[frozenset[str], tuple[str, ...]]


def _compile(alternatives: Iterable[tuple[Term, ...]]) -> tuple[_Compiled, ...]:
    return tuple(
        (frozenset(t.text for t in a if not t.prefix), tuple(t.text for t in a if t.prefix))
        for a in alternatives
    )


@lru_cache(maxsize=32_768)  # more than twice SR28's foods: each head and body split once
def _term_set(indexed: str) -> frozenset[str]:
    return frozenset(indexed.split())


def _starts_a_term(indexed: str, prefix: str) -> bool:
    """Whether a term of the space-separated `indexed` text starts with `prefix` (a substring
    search in C, not a loop over the terms)."""
    return indexed.startswith(prefix) or f" {prefix}" in indexed


def _slot_met(slot: tuple[_Compiled, ...], terms: frozenset[str], indexed: str) -> bool:
    for whole, prefixes in slot:
        if whole <= terms:
            for p in prefixes:
                if not _starts_a_term(indexed, p):
                    break
            else:
                return True
    return False


def _all_met(slots: tuple[tuple[_Compiled, ...], ...], terms: frozenset[str], indexed: str) -> bool:
    # A plain loop: all() over a generator costs a frame per food placed, on the hot path.
    for slot in slots:  # noqa: SIM110
        if not _slot_met(slot, terms, indexed):
            return False
    return True


class Placer:
    """`placement` for one query, compiled once: a search places every food it finds with
    the same query, so the query's terms are sorted into whole words and prefixes once, and
    each indexed text is split into its set of terms once per process."""

    __slots__ = ("_exact", "_exact_terms", "_query", "_query_terms")

    def __init__(self, query: Query) -> None:
        # `exact` (whole words only) compiled straight from the query: every term whole.
        no_prefix: tuple[str, ...] = ()
        self._query: tuple[tuple[_Compiled, ...], ...] = tuple(
            _compile(s.alternatives) for s in query.slots
        )
        self._exact: tuple[tuple[_Compiled, ...], ...] = tuple(
            tuple((whole | frozenset(prefixes), no_prefix) for whole, prefixes in slot)
            for slot in self._query
        )
        words, prefixes = _compile([query.all_terms()])[0]
        self._query_terms: _Compiled = (words, prefixes)
        self._exact_terms: _Compiled = (words | frozenset(prefixes), no_prefix)

    def place(self, head: str, body: str, *, specialised: bool) -> Placement | None:
        """How a food with these indexed terms matches the query, or None if it does not."""
        body_terms = _term_set(body)
        whole = _all_met(self._exact, body_terms, body)
        if whole:
            use, (words, prefixes) = self._exact, self._exact_terms
        elif _all_met(self._query, body_terms, body):
            use, (words, prefixes) = self._query, self._query_terms
        else:
            return None
        head_terms = _term_set(head)
        if _all_met(use, head_terms, head):
            tier = 0
        elif not words.isdisjoint(head_terms) or any(_starts_a_term(head, p) for p in prefixes):
            tier = 1
        else:
            tier = 2
        return Placement(specialised, not whole, tier)


def placement(query: Query, head: str, body: str, *, specialised: bool) -> Placement | None:
    """How a food with these indexed terms matches the query, or None if it does not.
    Placing many foods: build a `Placer` once."""
    return Placer(query).place(head, body, specialised=specialised)


# --- engine syntax ----------------------------------------------------------------------------


def _fts5_term(t: Term) -> str:
    return f'"{t.text}"' + ("*" if t.prefix else "")


def _fts5_slot(alternatives: Alternatives) -> str:
    return (
        "("
        + " OR ".join("(" + " AND ".join(_fts5_term(t) for t in a) + ")" for a in alternatives)
        + ")"
    )


def fts5_matches(query: Query) -> dict[str, str]:
    """SQLite FTS5 MATCH expressions over columns `head` and `body` (which has every term),
    by kind of pass, for foods with every slot: "all": every whole word typed, all in the
    head; "some": not all, but some term in the head; "none": no term in the head;
    "prefix": found only with the last word as a prefix; "": anywhere, with the prefix.
    "all", "some", "none" and "prefix" never overlap."""
    exact = query.exact()
    whole = "(" + " AND ".join(_fts5_slot(s.alternatives) for s in exact.slots) + ")"
    typed = "(" + " AND ".join(_fts5_slot(s.alternatives) for s in query.slots) + ")"
    all_in_head = "head : " + whole
    some_in_head = "head : (" + " OR ".join(_fts5_term(t) for t in exact.all_terms()) + ")"
    return {
        "all": all_in_head,
        "some": f"({whole} AND {some_in_head}) NOT {all_in_head}",
        "none": f"{whole} NOT {some_in_head}",
        "prefix": f"{typed} NOT {whole}" if query.has_prefix else whole,
        "": typed,
    }


def fts5_match(query: Query, *, head: str = "") -> str:
    """One of `fts5_matches` (the query's whole words for "all", "some" and "none")."""
    if not head:  # every food with every slot, the prefix too: the one a search reads most
        return "(" + " AND ".join(_fts5_slot(s.alternatives) for s in query.slots) + ")"
    return fts5_matches(query)[head]


def _tsquery_slot(alternatives: Alternatives) -> str:
    return (
        "("
        + " | ".join(
            "(" + " & ".join(t.text + (":*" if t.prefix else "") for t in a) + ")"
            for a in alternatives
        )
        + ")"
    )


def tsquery(query: Query, *, any_term: bool = False) -> str:
    """A PostgreSQL to_tsquery text: every slot (or, with any_term, at least one term)."""
    if any_term:
        return " | ".join(t.text + (":*" if t.prefix else "") for t in query.all_terms())
    return " & ".join(_tsquery_slot(s.alternatives) for s in query.slots)


# --- typos ------------------------------------------------------------------------------------


def deletions(word: str) -> set[str]:
    """The word with one letter removed, each way (the typo index: two words one edit apart
    share one of these, or one is in the other's set)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit_apart(a: str, b: str) -> bool:
    """True when b is a with one letter changed, added, removed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def corrections(word: str, candidates: Iterable[tuple[str, int]]) -> list[str]:
    """Known terms one edit from `word`, the ones in most foods first (at most a few)."""
    near = sorted(
        (
            (-foods, t)
            for t, foods in candidates
            if len(t) >= MIN_TYPO_LENGTH - 1 and one_edit_apart(word, t)
        ),
    )
    return [t for _, t in near[:MAX_CORRECTIONS]]
