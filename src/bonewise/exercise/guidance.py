"""The exercise numbers bonewise plans by, each defined once beside its source and evidence tag.

From shared/docs/clinical-reference.md section 6 (Exercise guidance). The seed article's
exercise table is patient education: where a number comes only from it, the tag is "policy".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bonewise.evidence import (
    BONE_METASTASES_2022,
    PROJECT,
    RECENT_FRACTURE_MONTHS,
    SEED,
    Cited,
    Source,
)

# --- Sources -----------------------------------------------------------------------------------
ACSM_2019 = Source(
    "acsm-2019",
    "Campbell KL et al. Exercise Guidelines for Cancer Survivors: Consensus Statement from "
    "International Multidisciplinary Roundtable. Med Sci Sports Exerc 2019;51:2375-2390 "
    "(PMC8576825)",
)
PAG_2018 = Source(
    "pag-2018",
    "2018 Physical Activity Guidelines for Americans, 2nd edition (US Department of Health and "
    "Human Services): 150 min/week of moderate-intensity aerobic activity",
)
TOO_FIT_TO_FRACTURE = Source(
    "too-fit-to-fracture",
    "Giangregorio LM et al. Too Fit To Fracture: exercise recommendations for individuals with "
    "osteoporosis or osteoporotic vertebral fracture. Osteoporos Int 2014. "
    "doi:10.1007/s00198-013-2523-2 (Osteoporosis Canada, BoneFit)",
)
OSTEOPOROSIS_CANADA_2023 = Source(
    "osteoporosis-canada-2023",
    "Osteoporosis Canada 2023 update of the Too Fit To Fracture exercise recommendations",
)

SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        ACSM_2019,
        PAG_2018,
        TOO_FIT_TO_FRACTURE,
        OSTEOPOROSIS_CANADA_2023,
        BONE_METASTASES_2022,
        SEED,
        PROJECT,
    )
}

# --- Aerobic -----------------------------------------------------------------------------------
AEROBIC_MINUTES_PER_WEEK: Cited[int] = Cited(
    150,
    PAG_2018,
    "confirmed",
    ">= 150 min/week of moderate aerobic activity (also Too Fit To Fracture; the seed's table)",
)
AEROBIC_MIN_BOUT_MINUTES: Cited[int] = Cited(
    10, TOO_FIT_TO_FRACTURE, "confirmed", "aerobic activity counts in bouts of >= 10 minutes"
)
AEROBIC_DAYS_PER_WEEK: Cited[tuple[int, int]] = Cited(
    (3, 5),
    SEED,
    "policy",
    "3-5 days a week, from the seed's table; the guidelines give only the weekly total",
)
# --- Resistance --------------------------------------------------------------------------------
RESISTANCE_DAYS_PER_WEEK: Cited[tuple[int, int]] = Cited(
    (2, 3),
    TOO_FIT_TO_FRACTURE,
    "confirmed",
    ">= 2 days a week (Too Fit To Fracture); 2-3 non-consecutive days in the seed's table",
)
RESISTANCE_REPS: Cited[tuple[int, int]] = Cited((8, 12), TOO_FIT_TO_FRACTURE, "confirmed")
RESISTANCE_SETS: Cited[tuple[int, int]] = Cited((1, 3), TOO_FIT_TO_FRACTURE, "confirmed")
RESISTANCE_EFFORT: Cited[tuple[int, int]] = Cited(
    (5, 8), TOO_FIT_TO_FRACTURE, "confirmed", "effort on a 0-10 scale"
)
RESISTANCE_MUSCLE_GROUPS: Cited[tuple[str, ...]] = Cited(
    ("legs", "arms", "chest", "shoulders", "back"),
    TOO_FIT_TO_FRACTURE,
    "confirmed",
    "at least one exercise each for legs, arms, chest, shoulders and back",
)
# --- Balance, flexibility, posture -------------------------------------------------------------
BALANCE_DAYS_PER_WEEK: Cited[int] = Cited(
    7,
    TOO_FIT_TO_FRACTURE,
    "confirmed",
    "daily in the 2014 handout (the 2023 update asks for >= 2 progressive sessions a week)",
)
FLEXIBILITY_DAYS_PER_WEEK: Cited[int] = Cited(
    7, SEED, "policy", "the seed's table: 'daily or several times per week'; bonewise plans daily"
)
POSTURE_DAYS_PER_WEEK: Cited[int] = Cited(
    7, TOO_FIT_TO_FRACTURE, "confirmed", "posture and back-extensor exercises daily"
)
# --- Spine-sparing and safety ------------------------------------------------------------------
SPINE_SPARING: Cited[bool] = Cited(
    True,
    TOO_FIT_TO_FRACTURE,
    "confirmed",
    "osteoporosis or vertebral fracture: avoid rapid or repeated forward bending or twisting "
    "and lifting while bent forward",
)
NO_HIGH_IMPACT_WHEN_FRAGILE: Cited[bool] = Cited(
    True,
    TOO_FIT_TO_FRACTURE,
    "unconfirmed",
    "avoiding high-impact loading in osteoporosis or vertebral fracture is not confirmed in a "
    "source read; bonewise applies it as the cautious choice",
)
PHYSIOTHERAPIST_BEFORE_WEIGHTS: Cited[bool] = Cited(
    True,
    TOO_FIT_TO_FRACTURE,
    "confirmed",
    "after a vertebral fracture see a physical therapist before using weights; choose moderate "
    "rather than vigorous aerobic activity",
)
BONE_METASTASES_BLOCK: Cited[bool] = Cited(
    True,
    BONE_METASTASES_2022,
    "confirmed",
    "the prescription depends on the location and presentation of lesions: no automated plan, "
    "route to a clinician or exercise professional",
)
RECENT_FRACTURE_BLOCK_MONTHS: Cited[int] = RECENT_FRACTURE_MONTHS
MULTICOMPONENT: Cited[bool] = Cited(
    True,
    TOO_FIT_TO_FRACTURE,
    "confirmed",
    "resistance plus balance training; never aerobic training alone",
)
# --- bonewise defaults (policy) ----------------------------------------------------------------
RAMP_START_MINUTES: Cited[int] = Cited(
    30,
    PROJECT,
    "policy",
    "a ramp starts at her current weekly minutes, but at least three 10-minute bouts",
)
RAMP_STEP_MINUTES: Cited[int] = Cited(
    15, PROJECT, "policy", "weekly aerobic minutes rise by at most 15 a week until 150"
)
DELOAD_EVERY_WEEKS: Cited[int] = Cited(
    4, PROJECT, "policy", "every 4th week is an easier week (one set and one effort point less)"
)
PAIN_STEP_BACK_LEVELS: Cited[int] = Cited(
    2, PROJECT, "policy", "after a week with pain, resistance steps back two levels"
)
PAIN_REPORT_THRESHOLD: Cited[int] = Cited(
    4,
    PROJECT,
    "policy",
    "a logged session with pain of 4/10 or more, or a weekly check-in with worst joint pain of "
    "4/10 or more, makes its programme week a week with pain",
)
BALANCE_SESSION_MINUTES: Cited[int] = Cited(10, PROJECT, "policy", "a daily balance session")
FLEXIBILITY_SESSION_MINUTES: Cited[int] = Cited(
    10, PROJECT, "policy", "two 5-minute stretches a day"
)
POSTURE_SESSION_MINUTES: Cited[int] = Cited(
    10, PROJECT, "policy", "two 5-minute posture or back-extensor exercises a day"
)
SESSION_MINUTES_RANGE: Cited[tuple[int, int]] = Cited(
    (10, 120), PROJECT, "policy", "a session she can do: 10 (one bout) to 120 minutes"
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule the plan applied, with the cited number behind it."""

    id: str
    text: str
    cited: Cited[Any]

    def as_dict(self) -> dict[str, object]:
        value = self.cited.value
        return {
            "id": self.id,
            "text": self.text,
            "value": list(value) if isinstance(value, tuple) else value,
            "source": self.cited.source.key,
            "citation": self.cited.citation,
            "evidence": self.cited.evidence,
            "note": self.cited.note,
        }
