"""What the decision assumes for an EHR record from what its lists do not say: rules and words, once.

An EHR never records that a woman has no bone metastases, no fracture or no steroid course. For
an EHR record (FHIR import, CDS Hooks prefetch, Bulk NDJSON) the problem and medication lists are
taken as the record, and each value taken so is listed (issue 13). The single-patient import
(`fhir.readers.risk`, `fhir.readers.courses`) and the population run (`population.assumptions`,
for the women on a gap list) both build their lists from these functions, so one record gets one
list whichever path reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bonewise import evidence as ev
from bonewise.clinical.menopause import InferredMenopause, infer_menopausal_status
from bonewise.clinical.models import AssumptionBasis


@dataclass(frozen=True, slots=True)
class Assumed:
    """A value taken without anyone stating it: `field` is the record path, `statement` one line
    in the clinician's words, `confirm` that the clinician should confirm it."""

    field: str
    value: bool | int | float | str | None
    basis: AssumptionBasis
    statement: str
    confirm: bool = False

    @property
    def line(self) -> str:
        return self.statement + (" - please confirm" if self.confirm else "")


def uncoded_words(words: Sequence[str]) -> str:
    """' - the problem list holds "..." under a code bonewise does not know' (empty if none)."""
    if not words:
        return ""
    named = "; ".join(f'"{w}"' for w in words[:3])
    return f" - the problem list holds {named} under a code bonewise does not know"


def inferred_menopause(
    inferred: InferredMenopause,
    *,
    gnrh_agent: str | None,
    ai_agent: str | None,
    uncoded: Sequence[str] = (),
) -> Assumed:
    """No status recorded: the NCCN reading (clinical.menopause), said with its criterion."""
    cutoff = ev.NCCN_POSTMENOPAUSAL_AGE.value
    if inferred.criterion == "oophorectomy":
        reason = "bilateral oophorectomy"
    elif inferred.criterion == "age":
        reason = f"age {cutoff} or over (NCCN)"
    elif inferred.criterion == "gnrh-agonist":
        reason = (
            f"on a GnRH agonist ({gnrh_agent}): ovarian suppression; NCCN assigns no "
            "menopausal status on one"
        )
    elif inferred.criterion == "aromatase-inhibitor":
        reason = (
            f"on an aromatase inhibitor ({ai_agent}) without ovarian suppression; AIs "
            "are given after menopause or with ovarian suppression"
        )
    else:
        reason = (
            f"under {cutoff}, no aromatase inhibitor, no oophorectomy on record: Z-scores are read"
        )
    return Assumed(
        "patient.menopausal_status",
        inferred.status,
        "inferred",
        f"Menopausal status not recorded: {inferred.status}, inferred ({reason})"
        + uncoded_words(uncoded),
        confirm=inferred.status != "postmenopausal" or bool(uncoded),
    )


def bone_metastases(
    *, uncoded: Sequence[str], staged_m0: bool, staged_on: date | None = None
) -> Assumed:
    """None on the problem list (and not stated): unknown if a condition under a code bonewise
    does not know names them, none if staged M0, else none on the problem list (to confirm)."""
    field = "risk_factors.bone_metastases"
    if uncoded:
        return Assumed(
            field,
            None,
            "unrecognised-code",
            "Bone metastases: unknown" + uncoded_words(uncoded),
            confirm=True,
        )
    if staged_m0:
        return Assumed(
            field,
            False,
            "inferred",
            f"Bone metastases: none, from TNM staging M0 ({staged_on or 'undated'}); "
            "not re-staged since",
        )
    return Assumed(
        field, False, "absent-from-record", "Bone metastases: none on the problem list", True
    )


def absent_from_lists(
    known: Mapping[str, object],
    *,
    fracture_listed: bool,
    vertebral_fracture_listed: bool,
    uncoded_fractures: Sequence[str],
    rheumatoid_arthritis_read: bool = True,
) -> list[Assumed]:
    """The risk factors not on the problem or medication list, in order: unknown when a
    fracture is named under a code bonewise does not know, else absent. `known`: the risk
    factors already decided (stated, or set from the lists); those are left as they are.
    `rheumatoid_arthritis_read`: False where the path does not read it from the problem list
    (the population's flat data), which then assumes nothing about it."""
    found: list[Assumed] = []
    decided = dict(known)
    for name, label, listed in (
        ("vertebral_fracture", "Vertebral fracture", vertebral_fracture_listed),
        ("prior_fragility_fracture_after_50", "Fragility fracture after 50", fracture_listed),
    ):
        if uncoded_fractures and not listed and decided.get(name) is None:
            decided[name] = "unknown"
            found.append(
                Assumed(
                    f"risk_factors.{name}",
                    None,
                    "unrecognised-code",
                    f"{label}: unknown" + uncoded_words(uncoded_fractures),
                    confirm=True,
                )
            )
    checks = (
        (
            "oral_glucocorticoids_over_6_months",
            "Oral glucocorticoids over 6 months: none on the medication list",
            True,
        ),
        (
            "rheumatoid_arthritis",
            "Rheumatoid arthritis: not on the problem list",
            rheumatoid_arthritis_read,
        ),
        (
            "vertebral_fracture",
            "Vertebral fracture: none on the problem list",
            not vertebral_fracture_listed and not uncoded_fractures,
        ),
        (
            "prior_fragility_fracture_after_50",
            "Fragility fracture after 50: none on the problem list",
            not fracture_listed and not uncoded_fractures,
        ),
    )
    for name, statement, absent in checks:
        if decided.get(name) is None and absent:
            found.append(Assumed(f"risk_factors.{name}", False, "absent-from-record", statement))
    return found


def fragility_by_default(day: str, site: str) -> Assumed:
    """A fracture whose mechanism the record does not give: counted as a fragility fracture
    (the cautious reading), to confirm."""
    return Assumed(
        "fractures[].fragility",
        True,
        "defaulted",
        f"Fracture of {day} ({site}): counted as a fragility fracture (mechanism not recorded)",
        confirm=True,
    )


def ovarian_suppression(gnrh_agent: str | None) -> Assumed:
    """Not stated with the aromatase inhibitor: inferred from a current GnRH agonist, else none."""
    if gnrh_agent is not None:
        return Assumed(
            "therapy.ovarian_suppression",
            True,
            "inferred",
            f"Ovarian suppression: yes, inferred from a current GnRH agonist ({gnrh_agent})",
        )
    return Assumed(
        "therapy.ovarian_suppression",
        False,
        "absent-from-record",
        "Ovarian suppression: none (no GnRH agonist on the medication list)",
    )


def planned_years(agent: str) -> Assumed:
    years = ev.ASSUMED_AI_PLANNED_YEARS.value
    return Assumed(
        "therapy.planned_years",
        years,
        "defaulted",
        f"Planned {agent} duration: {years:g} years (not in the order)",
    )


def ended_on_start(field: str, agent: str, status: str, start: date) -> Assumed:
    """A completed or stopped order or statement without an end date (fhir.read's rule): ended
    on its start, the last day the record shows it taken; when it ended is to confirm. `field`:
    the record path its end sets."""
    return Assumed(
        field,
        start.isoformat(),
        "defaulted",
        f"{agent.replace('_', ' ').capitalize()}: {status} without an end date - taken as "
        f"ended on {start.isoformat()} (its start, the last day the record shows it taken)",
        confirm=True,
    )


def fracture_site(coded_site: str | None, vertebral: bool, body_site: str | None = None) -> str:
    """A fracture's site in words: the record's body-site text, else the code's site, marked
    vertebral when the code is a vertebral fracture."""
    site = body_site or coded_site or "site not coded"
    if vertebral and "vertebra" not in site.lower():
        site = f"vertebra ({site})"
    return site


@dataclass(frozen=True, slots=True)
class ListedFacts:
    """What one woman's EHR lists hold, as a path that reads only coded lists sees them (the
    population run's flat rows): the facts the rules above decide from."""

    age: int | None  # completed years on the day read (None: no birth date)
    recorded_menopausal_status: str | None
    bilateral_oophorectomy: bool
    current_gnrh_agent: str | None
    latest_ai_agent: str | None  # None: no aromatase inhibitor on the medication list
    ovarian_suppression_recorded: bool  # stated with the aromatase inhibitor
    bone_metastases_listed: bool
    long_glucocorticoids: bool  # a course over RISK_GLUCOCORTICOID_MONTHS
    # (day, site, mechanism recorded) of each dated fracture on the problem list
    fractures: tuple[tuple[str, str, bool], ...]
    # (family, words) of the conditions under codes bonewise does not know, by family
    # (fracture, bone_metastases, menopause); hashable, so women alike share one answer
    uncoded: tuple[tuple[str, tuple[str, ...]], ...]


def listed_facts_assumptions(facts: ListedFacts) -> list[Assumed]:
    """The assumptions the single-patient import lists for an EHR record holding `facts`, in its
    order (menopausal status, therapy, risk factors, fracture mechanisms). Not listed, because
    coded lists alone cannot say them: the planned AI duration (an order's text), rheumatoid
    arthritis (the population's flat data does not read it) and TNM staging (no M0 here)."""
    found: list[Assumed] = []
    uncoded = dict(facts.uncoded)
    if facts.recorded_menopausal_status is None:
        inferred = infer_menopausal_status(
            bilateral_oophorectomy=facts.bilateral_oophorectomy,
            age=facts.age,
            on_gnrh_agonist=facts.current_gnrh_agent is not None,
            on_ai=facts.latest_ai_agent is not None,
        )
        found.append(
            inferred_menopause(
                inferred,
                gnrh_agent=facts.current_gnrh_agent,
                ai_agent=facts.latest_ai_agent,
                uncoded=uncoded.get("menopause", ()),
            )
        )
    if facts.latest_ai_agent is not None and not facts.ovarian_suppression_recorded:
        found.append(ovarian_suppression(facts.current_gnrh_agent))
    known: dict[str, object] = {}
    if facts.long_glucocorticoids:
        known["oral_glucocorticoids_over_6_months"] = True
    if not facts.bone_metastases_listed:
        found.append(bone_metastases(uncoded=uncoded.get("bone_metastases", ()), staged_m0=False))
    found += absent_from_lists(
        known,
        fracture_listed=bool(facts.fractures),
        vertebral_fracture_listed=any("vertebra" in site.lower() for _, site, _ in facts.fractures),
        uncoded_fractures=uncoded.get("fracture", ()),
        rheumatoid_arthritis_read=False,
    )
    found += [fragility_by_default(day, site) for day, site, told in facts.fractures if not told]
    return found
