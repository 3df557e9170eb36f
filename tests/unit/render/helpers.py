"""Example patients and sample summaries shared by the report tests."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

from bonewise.clinical.models import PatientRecord
from bonewise.importers.patient_file import load_patient_file
from bonewise.render.model import (
    AdherenceSummary,
    DayIntake,
    ExerciseWeek,
    IntakeSummary,
    NutrientIntake,
)

AS_OF = date(2026, 11, 27)
EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples" / "patients"
EXAMPLES = sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))
DRUG_WORDS = (
    "denosumab",
    "bisphosphonate",
    "zoledronic",
    "alendronate",
    "risedronate",
    "ibandronate",
    "prolia",
    "reclast",
    # dose and route patterns: the patient report never says how or how often to take a drug
    "mg every",
    "injection",
    "infusion",
    "tablet",
    "once a week",
)


def example(name: str) -> PatientRecord:
    return load_patient_file(EXAMPLES_DIR / f"{name}.json", today=AS_OF)


def intake(
    *,
    calcium: float | None = 820.0,
    vitamin_d: float | None = 900.0,
    vitamin_k: float | None = None,
    calcium_unknown: float = 0.0,
    days: int = 7,
) -> IntakeSummary:
    """A week of diary: calcium below the 1,200 mg target, vitamin D met, vitamin K unknown.

    `calcium_unknown` is the share of logged food with no calcium value (0: all known)."""
    start = AS_OF - timedelta(days=days - 1)
    return IntakeSummary(
        start=start,
        end=AS_OF,
        days_logged=days,
        nutrients=[
            NutrientIntake(
                key="calcium_mg",
                label="Calcium",
                unit="mg",
                average_per_day=calcium,
                target=1200,
                target_basis="hadji-2017: >= 1,200 mg/day",
                citation="Hadji P et al. J Bone Oncol 2017",
                evidence="confirmed",
                unknown_share=calcium_unknown,
            ),
            NutrientIntake(
                key="vitamin_d_iu",
                label="Vitamin D",
                unit="IU",
                average_per_day=vitamin_d,
                target=800,
                target_basis="hadji-2017: 800-1,000 IU/day",
            ),
            NutrientIntake(
                key="vitamin_k_ug",
                label="Vitamin K",
                unit="ug",
                average_per_day=vitamin_k,
                target=90,
                target_basis="IOM adequate intake",
                unknown_share=0.4,
            ),
        ],
        days=[
            DayIntake(
                day=start + timedelta(days=n),
                calcium_mg=None if n == 3 else 700 + 40 * n,
                vitamin_d_iu=850 + 10 * n,
            )
            for n in range(days)
        ],
    )


def adherence() -> AdherenceSummary:
    weeks = [
        ExerciseWeek(
            week=f"2026-W{46 + n}",
            week_start=date.fromisocalendar(2026, 46 + n, 1),
            aerobic_minutes=minutes,
            aerobic_target=150,
            resistance_days=2,
            resistance_target=2,
            balance_days=7 if met else 3,
            met=met,
        )
        for n, (minutes, met) in enumerate([(160, True), (170, True), (90, False)])
    ]
    return AdherenceSummary(weeks=weeks, streak_weeks=2, target_basis="150 min", citation="PAG")


class _ReadableText(HTMLParser):
    """What she reads on the page: text and alt text, without the CSS and the source list."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skipped = tag == "style" or (tag == "section" and found.get("class") == "sources")
        if skipped or (self._skip and tag == self._skip[-1]):  # a nested tag of the same name
            self._skip.append(tag)
        elif not self._skip and found.get("alt"):
            self.parts.append(found["alt"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def readable_text(html: str, *, patient_id: str) -> str:
    """The rendered page's readable text (outside the sources), the patient id left out."""
    parser = _ReadableText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).replace(patient_id, " ").split())
