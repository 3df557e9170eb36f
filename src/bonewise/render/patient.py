"""The patient report (pure): where her bones stand, in plain words, and what to ask her team.

It never gives drug or dose advice. The only advice it repeats is the assessment's
recommendations addressed to the patient; everything else (alerts, overdue checks, low intake,
missing data, supplements) becomes a question to ask her care team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bonewise import evidence
from bonewise.clinical.assessment import NO_FRAX, Assessment
from bonewise.clinical.bmd_series import SiteSeries
from bonewise.clinical.bone_therapy import AGENT_LABELS
from bonewise.clinical.checkin import CheckInTrend
from bonewise.clinical.facts import derive_facts
from bonewise.clinical.models import PatientRecord
from bonewise.nutrition.cautions import catalogue as caution_catalogue
from bonewise.render.banner import PatientBanner
from bonewise.render.model import AdherenceSummary, IntakeSummary

PLAIN_SITE: dict[str, str] = {
    "lumbar_spine": "lower spine",
    "femoral_neck": "top of the thigh bone (femoral neck)",
    "total_hip": "hip",
    "radius_33": "forearm",
}

NO_INTAKE = (
    "No intake logged. Log your meals and supplements in bonewise to see your calcium, "
    "vitamin D and vitamin K against your targets."
)
NO_EXERCISE = "No exercise logged. Log your exercise in bonewise to see your weeks here."

SUPPLEMENT_QUESTION = (
    "I take, or am thinking of taking, a supplement (for example calcium or vitamin D, "
    "herbal remedies for hot flushes such as black cohosh, dong quai or red clover, or soy "
    "isoflavone pills). Is it safe and sensible with my aromatase inhibitor?"
)
SUPPLEMENT_CAUTION_INTRO = (
    "Evidence on herbal and soy supplements during aromatase-inhibitor treatment is limited or "
    "mixed. Please check with your oncology team before taking one."
)

ALERT_QUESTIONS: dict[str, str] = {
    "no-baseline-dxa": "No bone density (DXA) scan is recorded from around the time I started my "
    "aromatase inhibitor. Should I have one now?",
    "dxa-overdue": "My bone density (DXA) scan looks overdue. When can I have the next one?",
    "vitamin-d-low": "My last vitamin D blood test was low. What should I do about it, and when "
    "should it be checked again?",
    "denosumab-lapse": "My bone-protecting treatment looks overdue. When should I have it next, "
    "and what happens if it is late?",
    "bone-metastases": "Which kinds of exercise are safe for me, and could I see an "
    "exercise professional who works with my team?",
    "recent-fracture": "I broke a bone in the last year. Which kinds of exercise are safe for me now, "
    "and should I see a physiotherapist?",
    "bone-therapy-overdue": "My bone-protecting treatment looks overdue. When should I have it "
    "next, and what happens if it is late?",
    "confirm-menopausal-status": "Has my team confirmed whether I have been through the "
    "menopause, and does it change how my bones are looked after?",
    "same-day-conflict": "My record has two different entries for the same day. Can my team "
    "check which one is right?",
    "significant-bmd-loss": "My bone density scans show a real drop. What does it mean for me, "
    "and what happens next?",
    "therapy-gap": "My last bone density scan was looked at against the guideline for women on "
    "an aromatase inhibitor. What did my team decide, and what happens next?",
}
OVERDUE_QUESTIONS: dict[str, str] = {
    "vitamin-d-recheck": "Is my vitamin D blood test due to be repeated?",
}
GAP_PLAIN: dict[str, str] = {
    "dxa_scans": "a bone density (DXA) scan: none is recorded yet",
    "therapy": "your aromatase-inhibitor treatment (which medicine, and when it started)",
    "patient.height/weight": "your height and weight",
    "risk_factors.bone_metastases": "whether the cancer has spread to the bones (your team records this)",
    "frax": "a fracture-risk score (FRAX) worked out by your team",
    "labs.25_oh_vitamin_d": "a vitamin D blood test",
    "labs.serum_calcium": "a blood calcium test",
    "labs.creatinine_clearance": "a kidney function test",
}
# An entered FRAX that predates her latest scan or her aromatase-inhibitor start is not used.
FRAX_OUTDATED_PLAIN = (
    "an up-to-date fracture-risk score (FRAX): the one on your record was worked out before your "
    "latest bone density scan or before your aromatase inhibitor started. Ask your team whether "
    "it should be worked out again."
)
RISK_FACTOR_PLAIN: dict[str, str] = {
    "parental_hip_fracture": "whether a parent broke a hip",
    "prior_fragility_fracture_after_50": "whether you have broken a bone after age 50 in a minor fall",
    "oral_glucocorticoids_over_6_months": "whether you have taken steroid medicine by mouth for a long time",
    "smoking": "whether you smoke",
}
STOP_PLAIN: dict[str, str] = {
    "bone metastases recorded": "your team has recorded that the cancer affects your bones",
}
# `automation.limited`: her plan goes ahead, with exercise kept gentle until her team confirms.
LIMITED_PLAIN = (
    "Your record does not yet say whether the cancer affects your bones, so until your team "
    "confirms it, your exercise plan keeps to gentle, low-impact exercise with no bending or "
    "twisting of the spine under load. Your food plan goes ahead as usual."
)
LIMITED_UNSURE_PLAIN = (
    "You told us you are not sure whether the cancer affects your bones, so until your team "
    "confirms it, your exercise plan keeps to gentle, low-impact exercise with no bending or "
    "twisting of the spine under load. Your food plan goes ahead as usual."
)
# Shown elsewhere on her pages and report (her medicines; the questions for her team), so not
# repeated among the advice.
SHOWN_APART = frozenset({"bone-therapy.patient", "decisions.questions-for-team"})
RECENT_FRACTURE_REASON = re.compile(r"fracture in the last (\d+) months")
STOP_UNKNOWN = "something in your record needs your team to look at it first"
# Patient recommendations that belong to the automated lifestyle plan: never shown while
# automation is stopped (the clinical core also drops them; this keeps the report safe either way).
AUTOMATED_PLAN_ADVICE = frozenset({"hadji-2017.lifestyle"})
EXERCISE_ADVICE = re.compile(
    r"\b(exercis\w*|weight-bearing|muscle-strengthening|strength training|walking|"
    r"aerobic|balance training|physical activity)\b",
    re.IGNORECASE,
)
NO_EXERCISE_PAUSED = (
    "No exercise logged. Your care team will review which exercise is safe for you before "
    "bonewise suggests an exercise plan."
)
EXERCISE_LOG_PAUSED = (
    "Your care team will review which exercise is safe for you before bonewise sets any "
    "exercise goals. This is what you logged:"
)
NO_ADVICE_PAUSED = (
    "Your care team will go through a plan with you first: bring the questions below to your "
    "next appointment."
)


@dataclass(frozen=True, slots=True)
class Advice:
    text: str
    citation: str


@dataclass(frozen=True, slots=True)
class Medicine:
    """One of her own bone medicines: its name and dates, never what to do about it."""

    name: str
    since: date | None
    next_due: date | None
    overdue: bool
    exposure_only: bool

    @property
    def words(self) -> str:
        text = self.name[:1].upper() + self.name[1:]
        if self.since is not None:
            text += f", on your record since {long_date(self.since)}"
        if self.next_due is not None:
            text += (
                f". The next one was due on {long_date(self.next_due)}: ask your team about it"
                if self.overdue
                else f". The next one is due on {long_date(self.next_due)}"
            )
        elif self.exposure_only:
            text += ". Your record does not show the dates you took it: your team can check them"
        return text + "."


@dataclass(frozen=True, slots=True)
class SupplementCaution:
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class IntakeLine:
    label: str
    text: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class PatientReport:
    patient_id: str
    as_of: date
    age: int
    where_bones_stand: str
    bone_details: tuple[str, ...]
    doing_well: tuple[str, ...]
    advice: tuple[Advice, ...]
    no_advice: str
    intake: IntakeSummary | None
    intake_lines: tuple[IntakeLine, ...]
    intake_message: str
    adherence: AdherenceSummary | None
    exercise_message: str
    next_dxa: str
    plan_paused: str | None
    plan_limited: str | None
    medicines: tuple[Medicine, ...]
    clinical_osteoporosis: str | None
    questions: tuple[str, ...]
    supplement_caution: str
    supplement_cautions: tuple[SupplementCaution, ...]
    missing: tuple[str, ...]
    sources: tuple[str, ...]
    history: tuple[SiteSeries, ...]
    disclaimer: str
    banner: PatientBanner | None = None  # set by render.build_report
    checkins: CheckInTrend | None = None  # her weekly check-ins; set by render.build_report
    # what her hospital record did not say and the report took (assessment.assumptions)
    assumptions: tuple[str, ...] = ()


def lower_first(label: str) -> str:
    """'Vitamin D' -> 'vitamin D': a label inside a sentence."""
    return label[:1].lower() + label[1:]


def plain_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def build_patient_report(
    *,
    record: PatientRecord,
    assessment: Assessment,
    intake: IntakeSummary | None = None,
    adherence: AdherenceSummary | None = None,
) -> PatientReport:
    advice = patient_advice(assessment)
    history = tuple(assessment.bmd_series)
    headline, details = where_bones_stand(assessment, record)
    sources = [c.citation for c in (evidence.WHO_ISCD,)] + [a.citation for a in advice]
    sources += [  # said as her medicines and her questions rather than as advice
        r.citation
        for r in assessment.recommendations
        if r.audience == "patient" and r.id in SHOWN_APART
    ]
    if assessment.bmd_changes or history:
        sources.append(evidence.ISCD_PRECISION.citation)
    cautions = caution_catalogue()
    sources += [point.citation for c in cautions for point in c.evidence]
    return PatientReport(
        assumptions=tuple(a.statement for a in assessment.assumptions),
        patient_id=assessment.patient_id,
        as_of=assessment.as_of,
        age=assessment.age,
        where_bones_stand=headline,
        bone_details=tuple(details),
        doing_well=tuple(
            doing_well(
                record,
                assessment,
                intake,
                None if assessment.automation.stopped else adherence,
            )
        ),
        advice=advice,
        no_advice=NO_ADVICE_PAUSED
        if assessment.automation.stopped
        else "No guideline advice for you in this report: ask your team what they suggest.",
        intake=intake,
        intake_lines=tuple(intake_lines(intake)) if intake else (),
        intake_message=intake_message(intake),
        adherence=adherence,
        exercise_message=exercise_message(adherence, paused=assessment.automation.stopped),
        next_dxa=next_dxa(assessment),
        plan_paused=plan_paused(assessment),
        plan_limited=plan_limited(assessment),
        medicines=her_medicines(assessment),
        clinical_osteoporosis=assessment.clinical_osteoporosis.plain_words
        if assessment.clinical_osteoporosis.present
        else None,
        questions=tuple(
            questions(assessment, intake, fracture=fragility_fracture(record, assessment))
        ),
        supplement_caution=SUPPLEMENT_CAUTION_INTRO,
        supplement_cautions=tuple(SupplementCaution(c.name, c.text) for c in cautions),
        missing=tuple(missing(assessment)),
        sources=tuple(dict.fromkeys(sources)),
        history=history,
        disclaimer="This report is for you to read and bring to your care team. It is not a "
        "diagnosis or a prescription: your team decides your treatment with you.",
    )


def patient_advice(a: Assessment) -> tuple[Advice, ...]:
    """The assessment's recommendations addressed to her.

    While automation is stopped her team reviews exercise first, so no exercise advice is
    repeated: only the routing to her team (`automation.*`) and advice that is not about exercise.
    """
    recs = [r for r in a.recommendations if r.audience == "patient" and r.id not in SHOWN_APART]
    if a.automation.stopped:
        recs = [
            r
            for r in recs
            if r.id not in AUTOMATED_PLAN_ADVICE
            and (r.id.startswith("automation.") or not EXERCISE_ADVICE.search(r.text))
        ]
    return tuple(Advice(r.text, r.citation) for r in recs)


def fragility_fracture(record: PatientRecord, a: Assessment) -> bool:
    """She has broken a bone in a minor fall (or has a vertebral fracture) on record: the core's
    answers the clinician's report shows, never the record's flags read again. Her fragility
    fractures and the declared one after 50 (clinical.facts), and clinical osteoporosis (a
    fragility fracture of hip or spine, or a declared vertebral fracture)."""
    facts = derive_facts(record, as_of=a.as_of)
    return (
        bool(facts.fragility_fractures)
        or facts.fragility_fracture_after_50 is True
        or a.clinical_osteoporosis.present
    )


FRACTURE_HEADLINE = (
    "Your record shows a broken bone from a minor fall or without a big injury (a fragility "
    "fracture). Please ask your team what this fracture means for your bones."
)
FRACTURE_QUESTION = (
    "I have broken a bone from a minor fall or without a big injury. What does this fracture "
    "mean for my bones?"
)


def where_bones_stand(a: Assessment, record: PatientRecord) -> tuple[str, list[str]]:
    normal, osteoporosis = evidence.WHO_NORMAL_MIN_T.value, evidence.WHO_OSTEOPOROSIS_MAX_T.value
    t_explained = (
        f"A T-score compares your bones with a healthy young adult's: {normal:g} or above is "
        f"normal, between {normal:g} and {osteoporosis:g} is low bone mass, and {osteoporosis:g} "
        "or below is osteoporosis."
    )
    details: list[str] = []
    if a.lowest_t_score is not None and a.who_category is not None:
        t = a.lowest_t_score
        details.append(
            f"Your lowest T-score is {t.value:+.1f}, at the {PLAIN_SITE.get(t.site, t.site)}, "
            f"from your scan on {long_date(t.scan_date)}."
        )
        details.append(t_explained)
    headline = {
        "normal": "Your bone density is in the normal range (WHO category: normal).",
        "osteopenia": "Your bone density is lower than average. Doctors call this osteopenia "
        "(low bone mass).",
        "osteoporosis": "Your bone density is in the range called osteoporosis: your bones are "
        "thinner and can break more easily. There is a lot you and your team can do about it.",
    }
    if a.who_category is not None:
        text = headline[a.who_category]
    elif a.z_scores:
        low = min(a.z_scores, key=lambda z: z.value)
        text = (
            "Before menopause, bone scans are compared with women of your own age (a Z-score), "
            "not given a category such as osteopenia or osteoporosis."
        )
        details.insert(
            0,
            f"Your lowest Z-score is {low.value:+.1f}, at the {PLAIN_SITE.get(low.site, low.site)}: "
            f"{low.interpretation}.",
        )
    elif a.monitoring.last_dxa is None:
        text = (
            "No bone density (DXA) scan is recorded yet, so this report cannot say where your "
            "bones stand."
        )
    else:
        text = (
            "Your bone density scan is recorded, but it has no result this report can read as a "
            "category. Ask your team what it shows."
        )
    if fragility_fracture(record, a):
        text += " " + FRACTURE_HEADLINE
    steady: dict[tuple[date, date], list[str]] = {}
    for change in a.bmd_changes:
        site = PLAIN_SITE.get(change.site, change.site)
        if change.converted or change.lsc_percent is None:
            continue  # no significance call: say nothing about change
        if not change.significant:
            steady.setdefault((change.from_date, change.to_date), []).append(site)
        else:
            direction = "gone up" if change.percent > 0 else "gone down"
            details.append(
                f"At the {site}, your bone density has {direction} by {abs(change.percent):.1f}% "
                f"since {long_date(change.from_date)}: more than the scanner's margin of error."
            )
    for (start, end), sites in steady.items():
        details.append(
            f"At the {plain_list(sites)}, your bone density has held steady between "
            f"{long_date(start)} and {long_date(end)} (the change is within what the scanner can "
            "reliably measure)."
        )
    return text, details


def doing_well(
    record: PatientRecord,
    a: Assessment,
    intake: IntakeSummary | None,
    adherence: AdherenceSummary | None,
) -> list[str]:
    good: list[str] = []
    if a.monitoring.last_dxa is not None and "dxa" not in a.monitoring.overdue:
        good.append(
            f"Your bone density scans are up to date (last one {long_date(a.monitoring.last_dxa)})."
        )
    for change in a.bmd_changes:
        if (
            not change.converted
            and change.lsc_percent is not None
            and (not change.significant or change.percent > 0)
        ):
            good.append(
                f"Your {PLAIN_SITE.get(change.site, change.site)} bone density has not dropped "
                "since your previous scan."
            )
            break
    vitamin_d = record.latest_lab("25_oh_vitamin_d", on_or_before=a.as_of)
    # "Low" is the core's answer (its vitamin-d-low alert), never compared again here.
    if vitamin_d is not None and not any(alert.id == "vitamin-d-low" for alert in a.alerts):
        good.append(
            f"Your last vitamin D blood test ({long_date(vitamin_d.date)}) was in the "
            "adequate range."
        )
    rf = record.risk_factors
    if rf.smoking == "never":
        good.append("You have never smoked: that protects your bones.")
    elif rf.smoking == "past":  # the guidelines still count past smoking as a risk factor
        good.append("You have stopped smoking.")
    if rf.falls_last_12_months == 0:
        good.append("You have had no falls in the last year.")
    if intake is not None:
        for n in intake.nutrients:
            if n.met:
                good.append(f"Your {lower_first(n.label)} meets its daily target on average.")
    if adherence is not None and adherence.weeks_met:
        good.append(
            f"You met your exercise goals in {adherence.weeks_met} of the last "
            f"{len(adherence.weeks)} weeks."
        )
    return good


def intake_lines(intake: IntakeSummary) -> list[IntakeLine]:
    lines: list[IntakeLine] = []
    for n in intake.nutrients:
        target = f"{n.target:,.0f} {n.shown_unit}" if n.target is not None else "no target set"
        if n.average_per_day is None:
            text = (
                f"not known: {n.unknown_share:.0%} of the food you logged has no "
                f"{lower_first(n.label)} value in the food database (target {target})."
            )
        elif n.met is None and n.target is not None:
            text = (
                f"at least {n.average_per_day:,.0f} {n.shown_unit} a day from foods with known values "
                f"(target {target}). {n.unknown_share:.0%} of the food you logged has no "
                f"{lower_first(n.label)} data, so this report cannot tell whether you reach "
                "your target."
            )
        else:
            text = f"about {n.average_per_day:,.0f} {n.shown_unit} a day (target {target})."
            if n.unknown_share > 0:
                text += (
                    f" {n.unknown_share:.0%} of the food you logged has no value for it, so the "
                    "real figure may be higher."
                )
        lines.append(IntakeLine(n.label, text, n.met))
    return lines


def intake_message(intake: IntakeSummary | None) -> str:
    if intake is None or intake.days_logged == 0:
        return NO_INTAKE
    return (
        f"From {intake.days_logged} day{'s' if intake.days_logged != 1 else ''} logged between "
        f"{long_date(intake.start)} and {long_date(intake.end)}."
    )


def exercise_message(adherence: AdherenceSummary | None, *, paused: bool = False) -> str:
    if adherence is None or not adherence.weeks:
        return NO_EXERCISE_PAUSED if paused else NO_EXERCISE
    if paused:  # her log, but no goals: her team reviews exercise first
        return EXERCISE_LOG_PAUSED
    text = (
        f"You met your exercise goals in {adherence.weeks_met} of the last "
        f"{len(adherence.weeks)} week{'s' if len(adherence.weeks) != 1 else ''}."
    )
    if adherence.streak_weeks > 1:
        text += f" Your current run: {adherence.streak_weeks} weeks in a row."
    return text


def next_dxa(a: Assessment) -> str:
    m = a.monitoring
    if m.next_dxa_due is None:
        return "Not known: ask your team when you should have a bone density (DXA) scan."
    if "dxa" in m.overdue:
        return f"Overdue: it was due by {long_date(m.next_dxa_due)}. Ask your team to book it."
    if m.dxa_window_opens is not None:
        return (
            f"Between {long_date(m.dxa_window_opens)} and {long_date(m.next_dxa_due)} "
            "(ask your team which date suits your treatment)."
        )
    return f"By {long_date(m.next_dxa_due)}."


def plan_paused(a: Assessment) -> str | None:
    if not a.automation.stopped:
        return None
    why = plain_list(list(dict.fromkeys(stop_reason_plain(r) for r in a.automation.reasons)))
    return (
        f"Your care team needs to review your exercise and lifestyle plan before bonewise "
        f"suggests one, because {why}."
    )


def plan_limited(a: Assessment) -> str | None:
    """`automation.limited` in plain words: what is limited, why, and until when."""
    if not a.automation.limited:
        return None
    if any("not sure" in r for r in a.automation.limited_reasons):
        return LIMITED_UNSURE_PLAIN
    return LIMITED_PLAIN


def her_medicines(a: Assessment) -> tuple[Medicine, ...]:
    """Her own current bone medicine from `Assessment.bone_therapy`: name and dates only."""
    bt = a.bone_therapy
    if not bt.on_therapy or bt.agent is None:
        return ()
    return (
        Medicine(
            name=AGENT_LABELS.get(bt.agent, bt.agent.replace("_", " ")),
            since=bt.started,
            next_due=bt.next_dose_due,
            overdue=bt.status == "overdue",
            exposure_only=bt.exposure_only,
        ),
    )


def team_questions(a: Assessment) -> list[str]:
    """Provisional decisions: the unrecorded facts that could change them, as her questions
    (the core's `decisions.questions-for-team`)."""
    for rec in a.recommendations:
        if rec.id == "decisions.questions-for-team":
            asked = rec.inputs.get("would_change_if") or []
            return [
                "My record does not yet say: "
                + "; ".join(str(q) for q in asked)
                + ". Could this change the advice about my bones?"
            ]
    return []


def stop_reason_plain(reason: str) -> str:
    """An automation-stop reason from the clinical core, in plain words (never the raw text)."""
    if reason in STOP_PLAIN:
        return STOP_PLAIN[reason]
    if (m := RECENT_FRACTURE_REASON.fullmatch(reason)) is not None:
        return f"you broke a bone in the last {m.group(1)} months"
    return STOP_UNKNOWN


def questions(a: Assessment, intake: IntakeSummary | None, *, fracture: bool = False) -> list[str]:
    asked: list[str] = []
    if fracture:
        asked.append(FRACTURE_QUESTION)
    asked += team_questions(a)
    for alert in a.alerts:
        asked.append(
            ALERT_QUESTIONS.get(
                alert.id, "My report flags something for my care team: what does it mean for me?"
            )
        )
    for item in a.monitoring.overdue:
        if item in OVERDUE_QUESTIONS:
            asked.append(OVERDUE_QUESTIONS[item])
    gaps = {g.field for g in a.data_gaps}
    if any(g.startswith("labs.") for g in gaps):
        asked.append(
            "Do I need blood tests (vitamin D, calcium, kidney function) before any bone treatment?"
        )
    if "risk_factors.bone_metastases" in gaps:
        asked.append("Has my team checked whether the cancer affects my bones?")
    if a.who_category is None and a.z_scores:
        asked.append(
            "How should my bone scan be read before menopause, and when should I have the next one?"
        )
    if intake is not None:
        for n in intake.nutrients:
            if n.met is False:
                asked.append(
                    f"My {lower_first(n.label)} averages about {n.average_per_day:,.0f} {n.shown_unit} a "
                    f"day, below my target of {n.target:,.0f} {n.shown_unit}. How can I get more from "
                    "food, and do I need a supplement?"
                )
            elif n.met is None and n.average_per_day is not None and n.target is not None:
                asked.append(
                    f"I get at least {n.average_per_day:,.0f} {n.shown_unit} of "
                    f"{lower_first(n.label)} a day from foods with known values, but some foods "
                    f"I log have no {lower_first(n.label)} data. Is my intake enough for my "
                    f"target of {n.target:,.0f} {n.shown_unit}?"
                )
    asked.append(SUPPLEMENT_QUESTION)
    asked.append("Which exercises are best for my bones, and is there any movement I should avoid?")
    return list(dict.fromkeys(asked))


def missing(a: Assessment) -> list[str]:
    found: list[str] = []
    for gap in a.data_gaps:
        if gap.field == "frax" and gap.why != NO_FRAX:
            found.append(FRAX_OUTDATED_PLAIN)
        elif gap.field in GAP_PLAIN:
            found.append(GAP_PLAIN[gap.field])
        elif gap.field.startswith("risk_factors."):
            names = gap.field.removeprefix("risk_factors.").split(",")
            found.append(
                "some health history: " + "; ".join(RISK_FACTOR_PLAIN.get(n, n) for n in names)
            )
        else:
            found.append(f"{gap.field.replace('_', ' ')}: {gap.why}")
    return found
