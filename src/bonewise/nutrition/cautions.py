"""Cautions (pure): supplements to ask the oncology team about, alcohol in units, caffeine.

The supplement catalogue is the data file `cautions.json` (clinical-reference.md section 9):
short, non-alarmist text with its sources; it never implies that a supplement causes
recurrence. Alcohol is reported in grams and units side by side, naming the unit size, against
the FRAX risk factor of >= 3 units a day. Caffeine is reported with no threshold, because no
source for one was found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bonewise import evidence
from bonewise.evidence import Cited, Source

UNIT_SIZES = Source(
    "alcohol-units",
    "One UK unit = 8 g ethanol; one US standard drink = 14 g ethanol "
    "(clinical-reference.md section 5, 'Unit conversions')",
)
UK_UNIT_G: Cited[float] = Cited(8.0, UNIT_SIZES, "secondary", "one UK unit = 8 g ethanol")
US_STANDARD_DRINK_G: Cited[float] = Cited(
    14.0, UNIT_SIZES, "secondary", "one US standard drink = 14 g ethanol"
)
FRAX_UNIT_SIZE_G: Cited[tuple[float, float]] = Cited(
    (8.0, 10.0),
    evidence.KANIS_2008,
    "unconfirmed",
    "the size of one FRAX alcohol unit (8-10 g ethanol) is not confirmed; bonewise counts UK "
    "units of 8 g, the smaller size, so it does not under-count",
)


@dataclass(frozen=True, slots=True)
class EvidencePoint:
    statement: str
    citation: str
    tag: str


@dataclass(frozen=True, slots=True)
class Caution:
    id: str
    name: str
    text: str
    match: tuple[str, ...]
    evidence: tuple[EvidencePoint, ...]
    threshold_mg_isoflavones: float | None = None


@cache
def catalogue() -> tuple[Caution, ...]:
    """Every caution in the packaged catalogue."""
    data = json.loads(
        (resources.files("bonewise.nutrition") / "cautions.json").read_text(encoding="utf-8")
    )
    return tuple(
        Caution(
            id=item["id"],
            name=item["name"],
            text=item["text"],
            match=tuple(m.lower() for m in item["match"]),
            evidence=tuple(EvidencePoint(**point) for point in item["evidence"]),
            threshold_mg_isoflavones=item.get("threshold_mg_isoflavones"),
        )
        for item in data["cautions"]
    )


def supplement_cautions(name: str) -> list[Caution]:
    """Cautions whose names or ingredients appear in a supplement's name or label text."""
    text = " ".join(name.lower().split())
    return [c for c in catalogue() if any(m in text for m in c.match)]


@dataclass(frozen=True, slots=True)
class AlcoholReport:
    grams: float  # ethanol a day (a day, or the average logged day)
    uk_units: float
    us_standard_drinks: float
    at_or_above_risk_threshold: bool
    unknown_share: float

    @property
    def text(self) -> str:
        threshold = evidence.ALCOHOL_RISK_UNITS_PER_DAY.value
        line = (
            f"Alcohol: {self.grams:.0f} g a day = {self.uk_units:.1f} UK units (8 g each) = "
            f"{self.us_standard_drinks:.1f} US standard drinks (14 g each)."
        )
        if self.at_or_above_risk_threshold:
            line += (
                f" That is at or above {threshold} units a day, which the FRAX fracture-risk "
                "tool counts as a risk factor. You may want to talk with your care team about "
                "alcohol and bone health."
            )
        if self.unknown_share > 0:
            line += f" {self.unknown_share:.0%} of the food logged has no alcohol value in SR28."
        return line


def alcohol_report(grams_per_day: float, *, unknown_share: float = 0.0) -> AlcoholReport:
    """Alcohol in grams and units side by side against the >= 3 units/day FRAX risk factor.
    Units are UK units of 8 g (the FRAX unit size is unconfirmed: see FRAX_UNIT_SIZE_G)."""
    if grams_per_day < 0:
        raise ValueError(f"alcohol grams={grams_per_day!r}: must be 0 or more")
    uk = grams_per_day / UK_UNIT_G.value
    return AlcoholReport(
        grams=grams_per_day,
        uk_units=uk,
        us_standard_drinks=grams_per_day / US_STANDARD_DRINK_G.value,
        at_or_above_risk_threshold=uk >= evidence.ALCOHOL_RISK_UNITS_PER_DAY.value,
        unknown_share=unknown_share,
    )


@dataclass(frozen=True, slots=True)
class CaffeineReport:
    mg: float
    unknown_share: float

    @property
    def text(self) -> str:
        line = (
            f"Caffeine: {self.mg:.0f} mg a day. bonewise shows this for information only: "
            "no caffeine limit for bone health was found in the sources it uses."
        )
        if self.unknown_share > 0:
            line += f" {self.unknown_share:.0%} of the food logged has no caffeine value in SR28."
        return line


def caffeine_report(mg_per_day: float, *, unknown_share: float = 0.0) -> CaffeineReport:
    if mg_per_day < 0:
        raise ValueError(f"caffeine mg={mg_per_day!r}: must be 0 or more")
    return CaffeineReport(mg_per_day, unknown_share)
