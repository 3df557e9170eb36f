"""Food search terms and ranking (pure): what people type against SR28's descriptions.

SR28 describes foods head-first ("Milk, reduced fat, fluid, 2% milkfat, ..."). The plain,
common food the user means is the one whose head names what was typed and little else, with
few qualifiers: "Crackers, milk" mentions milk only as a qualifier and ranks below every milk.

Terms are lower-case words, singularised the same way on both sides ("sardines" finds
"sardine"), so plurals and word order do not matter. The last word typed also matches as a
prefix ("yog" finds yogurt) for search-as-you-type.

Everything that depends only on a food (its terms and the comma part each first appears in,
its head size, number of parts, brand) is computed once, at import, by `index_entries` and
`food_shape`; a query then only combines numbers (`Match`, `sort_key`), which keeps the store
query fast.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

_WORD = re.compile(r"\d+(?:\.\d+)?%|[a-z0-9]+")
_CAPS = re.compile(r"\b[A-Z][A-Z'&]{2,}\b")

# SR28 heads that name a category; the real food is the next part ("Fish, sardine, ...").
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
        "oil",
        "seeds",
        "snacks",
        "soup",
        "spices",
        "vegetable oil",
        "yogurt",
    }
)
# Food groups people rarely mean when they type a plain food name (SR28 FD_GROUP codes:
# baby foods, fast foods, American Indian/Alaska Native foods, restaurant foods).
SPECIALISED_GROUPS = frozenset({"0300", "2100", "3500", "3600"})
# Qualifiers that mark the plain form of a food.
PLAIN_WORDS = frozenset({"plain", "raw", "fluid", "whole", "fresh", "regular"})
# The last word typed is matched as a prefix only from this many letters on.
MIN_PREFIX = 3
# Part number given to terms found only in a food's SR28 common names.
COMMON_NAME_PART = 99


def singular(word: str) -> str:
    """A crude English singular, applied identically to index terms and query words."""
    if len(word) <= 3 or word[-1] != "s" or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("oes", "ches", "shes", "xes")):
        return word[:-2]
    return word[:-1]


def words(text: str) -> list[str]:
    """Lower-case words of a text, apostrophes dropped, percentages kept ("2%")."""
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def terms(text: str) -> list[str]:
    """Singular search terms of a text, in order, duplicates kept."""
    return [singular(w) for w in words(text)]


def parts(description: str) -> list[list[str]]:
    """Comma-separated parts as term lists; a category head is merged with its next part."""
    found = [p.strip() for p in description.split(",") if p.strip()]
    if len(found) > 1 and found[0].lower() in CATEGORY_HEADS:
        found = [found[0] + " " + found[1], *found[2:]]
    return [terms(p) for p in found]


def index_entries(description: str, common_name: str = "") -> dict[str, int]:
    """Each term a food is found by -> the first comma part it appears in (0 = the head)."""
    entries: dict[str, int] = {}
    for number, part in enumerate(parts(description)):
        for term in part:
            entries.setdefault(term, number)
    for term in terms(common_name):
        entries.setdefault(term, COMMON_NAME_PART)
    return entries


class FoodShape(NamedTuple):
    head_size: int  # head words that are neither the category nor a plain qualifier
    qualifiers: int  # comma parts after the head
    plain: bool  # a qualifier says it is the plain form: raw, fluid, plain, whole, ...
    branded: bool


def food_shape(description: str, manufacturer: str = "") -> FoodShape:
    found = parts(description)
    head = found[0] if found else []
    first = description.split(",")[0].strip().lower()
    category = set(terms(first)) if first in CATEGORY_HEADS else set()
    head_size = len({t for t in head if t not in category and t not in PLAIN_WORDS})
    plain = any(t in PLAIN_WORDS for part in found[1:] for t in part)
    return FoodShape(
        head_size=head_size,
        qualifiers=max(len(found) - 1, 0),
        plain=plain,
        branded=bool(manufacturer) or bool(_CAPS.search(description)),
    )


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[str, ...]
    prefix: str | None  # the last word typed, also matched as a prefix
    text: str = ""  # as typed, lower-case, spaces collapsed: an exact description wins

    @classmethod
    def parse(cls, text: str) -> Query:
        raw = words(text)
        found = tuple(dict.fromkeys(singular(w) for w in raw))
        prefix = raw[-1] if raw and not text.endswith(" ") else None
        return cls(found, prefix, " ".join(text.lower().split()))

    @property
    def empty(self) -> bool:
        return not self.terms

    def prefix_for(self, term: str) -> str | None:
        """The prefix this query term also matches, if it is the last word typed."""
        if (
            self.prefix is not None
            and len(self.prefix) >= MIN_PREFIX
            and singular(self.prefix) == term
        ):
            return self.prefix
        return None


class Match(NamedTuple):
    """How one food matched a query: numbers only, from the search index."""

    ndb_no: str
    description: str
    food_group_code: str
    survey: bool
    shape: FoodShape
    term_parts: tuple[int, ...]  # per query term: first part it matched in
    exact: int  # query terms that matched a whole word (not only as a prefix)


def sort_key(match: Match) -> tuple[int | bool | str, ...]:
    """Smaller is better. In order: more query words in the head; fewer other words in the
    head; not baby/fast/restaurant food; not a brand; whole-word matches; foods in USDA's
    survey of what people eat (FNDDS); the plain form; fewer qualifiers; query words found
    early; shorter descriptions."""
    in_head = sum(1 for p in match.term_parts if p == 0)
    return (
        -in_head,
        max(match.shape.head_size - in_head, 0),
        match.food_group_code in SPECIALISED_GROUPS,
        match.shape.branded,
        -match.exact,
        not match.survey,
        not match.shape.plain,
        match.shape.qualifiers,
        max(match.term_parts),
        len(match.description),
        match.ndb_no,
    )


def rank(matches: Iterable[Match], *, limit: int, query: Query | None = None) -> list[Match]:
    """The best `limit` matches; a food whose description is exactly what was typed first."""
    if query is None or not query.text:
        return heapq.nsmallest(limit, matches, key=sort_key)
    typed = query.text
    return heapq.nsmallest(
        limit, matches, key=lambda m: (m.description.lower() != typed, *sort_key(m))
    )


def match_description(
    query: Query,
    *,
    ndb_no: str,
    description: str,
    food_group_code: str = "",
    survey: bool = False,
    manufacturer: str = "",
    common_name: str = "",
) -> Match | None:
    """The Match of one food computed from its text (the store computes it from its index)."""
    entries = index_entries(description, common_name)
    found: list[int] = []
    exact = 0
    for term in query.terms:
        prefix = query.prefix_for(term)
        hits = [p for t, p in entries.items() if t == term or (prefix and t.startswith(prefix))]
        if not hits:
            return None
        found.append(min(hits))
        exact += term in entries
    return Match(
        ndb_no=ndb_no,
        description=description,
        food_group_code=food_group_code,
        survey=survey,
        shape=food_shape(description, manufacturer),
        term_parts=tuple(found),
        exact=exact,
    )
