"""Sources and cited numbers: every clinical number in bonewise is a `Cited` value defined once.

The evidence tags follow shared/docs/clinical-reference.md:
  confirmed    [C] read in a named public source
  secondary    [S] read only in another codebase, a review or a summary site
  unconfirmed  not confirmed in any source read; shown as such wherever it is used
  policy       a project default with no guideline behind it; sites may change it
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

Evidence = Literal["confirmed", "secondary", "unconfirmed", "policy"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    citation: str


@dataclass(frozen=True, slots=True)
class Cited(Generic[T]):
    """A clinical number (or range) together with where it comes from and how sure we are."""

    value: T
    source: Source
    evidence: Evidence
    note: str = ""

    @property
    def citation(self) -> str:
        return self.source.citation


# --- Guidelines and papers -------------------------------------------------------------------
HADJI_2017 = Source(
    "hadji-2017",
    "Hadji P et al. Adjuvant endocrine therapy and bone health: joint position statement. "
    "J Bone Oncol 2017;7:1-12. doi:10.1016/j.jbo.2017.03.001 (PMID 28413771)",
)
ASCO_2019 = Source(
    "asco-2019",
    "Shapiro CL et al. Management of Osteoporosis in Survivors of Adult Cancers With "
    "Nonmetastatic Disease: ASCO Clinical Practice Guideline. J Clin Oncol 2019;37:2916-2946. "
    "doi:10.1200/JCO.19.01696",
)
WHO_ISCD = Source(
    "who-iscd",
    "WHO densitometric categories; International Society for Clinical Densitometry (ISCD), 2023 "
    "ISCD Official Positions - Adult",
)
ISCD_PRECISION = Source(
    "iscd-precision",
    "ISCD precision assessment: LSC = 2.77 x precision error (95% confidence); ISCD precision FAQ",
)
WILSON_PRECISION = Source(
    "wilson-precision",
    "Wilson & Smith, short-term DXA precision across 57 studies (Hologic white paper)",
)
LOOKER_1998 = Source(
    "nhanes-iii",
    "Looker AC et al. Updated data on proximal femur BMD in US adults from NHANES III. "
    "Osteoporos Int 1998;8:468-489 (reference values as used by McCloskey & Kanis 2011)",
)
HUI_1997 = Source(
    "hui-1997-sbmd",
    "Hui SL, Gao S, Zhou XH et al. Universal standardization of bone density measurements: a "
    "method with optimal properties for calibration among several instruments. J Bone Miner Res "
    "1997;12(9):1463-1470. doi:10.1359/jbmr.1997.12.9.1463 (PMID 9286763)",
)
IOM_2011 = Source(
    "iom-2011",
    "Institute of Medicine. Dietary Reference Intakes for Calcium and Vitamin D. Washington, DC: "
    "National Academies Press; 2011. doi:10.17226/13050",
)
IOM_2011_25OHD = Source(
    "iom-2011-25ohd",
    "Institute of Medicine 2011 (the report cited as iom-2011) serum 25(OH)D cut-offs, as "
    "tabulated in the AHRQ evidence review for the USPSTF (NBK525404), Appendix A Table 1",
)
RECLAST_LABEL = Source(
    "reclast-label",
    "Zoledronic acid 5 mg (Reclast) prescribing information: dental examination, "
    "hypocalcaemia, CrCl < 35 mL/min contraindication",
)
MRONJ_2019 = Source(
    "mascc-isoo-asco-2019",
    "Yarom N et al. Medication-Related Osteonecrosis of the Jaw: MASCC/ISOO/ASCO Clinical "
    "Practice Guideline. J Clin Oncol 2019",
)
ECTS_DENOSUMAB = Source(
    "ects-2021-denosumab",
    "Tsourdi E et al. Fracture risk and management of discontinuation of denosumab therapy: "
    "ECTS working-group review. J Clin Endocrinol Metab 2021;106(1):264; Anastasilakis AD et "
    "al. J Clin Med 2021;10:152",
)
KANIS_2008 = Source(
    "kanis-2008-frax",
    "Kanis JA, Johnell O, Oden A, Johansson H, McCloskey E. FRAX and the assessment of fracture "
    "probability in men and women from the UK. Osteoporos Int 2008;19(4):385-397. "
    "doi:10.1007/s00198-007-0543-5 (PMID 18292978)",
)
MARKOPOULOS_2010 = Source(
    "arbi-2010",
    "Markopoulos C et al. Risedronate prevents bone loss in breast cancer patients receiving "
    "anastrozole: results of a randomised phase III trial (ARBI). Breast Cancer Res "
    "2010;12(2):R24. doi:10.1186/bcr2565",
)
SEED = Source(
    "seed",
    "bonewise seed article 'Anastrozole and bone health' (patient education; its clinical "
    "basis cited as ARBI, Markopoulos 2010)",
)
BONE_METASTASES_2022 = Source(
    "bone-metastases-2022",
    "Campbell KL et al. Exercise Recommendation for People With Bone Metastases: Expert "
    "Consensus for Health Care Providers and Exercise Professionals. JCO Oncol Pract 2022. "
    "doi:10.1200/OP.21.00454 (International Bone Metastases Exercise Working Group)",
)
PROJECT = Source("bonewise-policy", "bonewise project default (no guideline value; configurable)")


# --- Densitometry ------------------------------------------------------------------------------
T_SCORE_RANGE: Cited[tuple[float, float]] = Cited(
    (-7.0, 5.0), PROJECT, "policy", "plausibility range for entered T- and Z-scores"
)
BMD_RANGE_G_CM2: Cited[tuple[float, float]] = Cited(
    (0.2, 2.0), PROJECT, "policy", "plausibility range for entered areal BMD"
)
PATIENT_AGE_RANGE_YEARS: Cited[tuple[int, int]] = Cited(
    (18, 120), PROJECT, "policy", "adult patients; a birth date outside this range is a typo"
)
HEIGHT_RANGE_CM: Cited[tuple[float, float]] = Cited(
    (100.0, 230.0), PROJECT, "policy", "plausibility range for adult height; catches unit mix-ups"
)
WEIGHT_RANGE_KG: Cited[tuple[float, float]] = Cited(
    (25.0, 300.0), PROJECT, "policy", "plausibility range for adult weight; catches unit mix-ups"
)
BMI_RANGE_KG_M2: Cited[tuple[float, float]] = Cited(
    (10.0, 80.0), PROJECT, "policy", "plausibility range for a BMI recorded as such (kg/m2)"
)
# Plausible lab values in the normalised unit (ng/mL, mg/dL, mL/min): outside them a value is
# far more likely a unit mix-up (nmol/L entered as ng/mL, mmol/L as mg/dL) than a real result.
LAB_PLAUSIBLE_RANGES: Cited[dict[str, tuple[float, float]]] = Cited(
    {
        "25_oh_vitamin_d": (2.0, 200.0),
        "serum_calcium": (4.0, 16.0),
        "creatinine_clearance": (1.0, 250.0),
    },
    PROJECT,
    "policy",
    "plausibility ranges, not reference intervals",
)
WHO_NORMAL_MIN_T: Cited[float] = Cited(-1.0, WHO_ISCD, "confirmed", "normal: T >= -1.0")
WHO_OSTEOPOROSIS_MAX_T: Cited[float] = Cited(-2.5, WHO_ISCD, "confirmed", "osteoporosis: T <= -2.5")
PREMENOPAUSAL_LOW_Z: Cited[float] = Cited(
    -2.0, WHO_ISCD, "confirmed", "Z <= -2.0 is 'below the expected range for age'"
)
LSC_FACTOR: Cited[float] = Cited(2.77, ISCD_PRECISION, "confirmed")
# Short-term precision, %CV, by maker and site (Wilson & Smith): maker values where the review
# gives them, and the cross-maker means it gives for spine and total hip. A site with no value
# here (femoral neck on an unknown maker, the radius) needs the facility's own precision before
# a change can be called significant.
DEFAULT_PRECISION_PCT: Cited[dict[str, dict[str, float]]] = Cited(
    {
        "hologic": {"lumbar_spine": 1.08, "femoral_neck": 1.50, "total_hip": 1.3},
        "lunar": {"lumbar_spine": 1.22, "femoral_neck": 1.97, "total_hip": 1.3},
        "norland": {"lumbar_spine": 1.58, "femoral_neck": 2.30, "total_hip": 1.3},
        "mean": {"lumbar_spine": 1.2, "total_hip": 1.3},
    },
    WILSON_PRECISION,
    "confirmed",
    "total hip uses the cross-maker mean (1.3%) for every maker",
)
NHANES_III_WHITE_WOMEN_20_29: Cited[dict[str, tuple[float, float]]] = Cited(
    {"femoral_neck": (0.858, 0.120), "total_hip": (0.942, 0.122)},
    LOOKER_1998,
    "secondary",
    "mean, SD g/cm2 (Hologic scale); femoral neck seen in two implementations, total hip in one",
)
# sBMD = 1000 * (a + b * BMD), mg/cm2, per maker and hip site.
SBMD_HIP_EQUATIONS: Cited[dict[str, dict[str, tuple[float, float]]]] = Cited(
    {
        "hologic": {"femoral_neck": (0.019, 1.087), "total_hip": (0.006, 1.008)},
        "lunar": {"femoral_neck": (-0.023, 0.939), "total_hip": (-0.031, 0.979)},
        "norland": {"femoral_neck": (0.006, 0.985), "total_hip": (0.026, 1.012)},
    },
    HUI_1997,
    "confirmed",
    "equations as transcribed from the paper in a university course text (clinical-reference.md "
    "s.2); the paper's own tables were not read",
)
# Spine sBMD = slope * (BMD - offset) + 1.0436, g/cm2.
SBMD_SPINE_EQUATIONS: Cited[dict[str, tuple[float, float]]] = Cited(
    {"hologic": (1.0550, 0.972), "lunar": (0.9683, 1.100), "norland": (0.9743, 0.969)},
    HUI_1997,
    "confirmed",
    "equations as transcribed from the paper in a university course text (clinical-reference.md "
    "s.2); the paper's own tables were not read",
)
SBMD_SPINE_INTERCEPT = 1.0436  # part of SBMD_SPINE_EQUATIONS (Hui 1997)

# --- hadji-2017 --------------------------------------------------------------------------------
HADJI_THERAPY_T: Cited[float] = Cited(-2.0, HADJI_2017, "confirmed", "BTA if T-score < -2.0")
HADJI_RISK_T: Cited[float] = Cited(
    -1.5, HADJI_2017, "confirmed", "T-score < -1.5 is a risk factor; BTA with >= 1 further"
)
HADJI_RISK_AGE_OVER: Cited[int] = Cited(65, HADJI_2017, "confirmed", "age > 65")
HADJI_RISK_BMI_UNDER: Cited[float] = Cited(20.0, HADJI_2017, "confirmed", "BMI < 20 kg/m2")
HADJI_RISK_FRACTURE_AGE: Cited[int] = Cited(
    50, HADJI_2017, "confirmed", "personal fragility fracture after age 50"
)
HADJI_RISK_FACTORS_WITHOUT_BMD: Cited[int] = Cited(
    2, HADJI_2017, "confirmed", ">= 2 risk factors without a BMD measurement"
)
HADJI_CALCIUM_MG: Cited[int] = Cited(1200, HADJI_2017, "confirmed", "calcium >= 1,200 mg/day")
HADJI_VITAMIN_D_IU: Cited[tuple[int, int]] = Cited(
    (800, 1000), HADJI_2017, "confirmed", "vitamin D 800-1,000 IU/day"
)
HADJI_REPEAT_DXA_MONTHS: Cited[tuple[int, int]] = Cited(
    (12, 24), HADJI_2017, "confirmed", "repeat BMD every 12-24 months"
)

# --- asco-2019 ---------------------------------------------------------------------------------
ASCO_THERAPY_T: Cited[float] = Cited(
    -2.5, ASCO_2019, "confirmed", "rec 3.4: T <= -2.5 at femoral neck, total hip or lumbar spine"
)
ASCO_FRAX_MOF_PCT: Cited[float] = Cited(20.0, ASCO_2019, "confirmed", "rec 3.4: FRAX MOF >= 20%")
ASCO_FRAX_HIP_PCT: Cited[float] = Cited(3.0, ASCO_2019, "confirmed", "rec 3.4: FRAX hip >= 3%")
ASCO_CALCIUM_MG: Cited[tuple[int, int]] = Cited(
    (1000, 1200), ASCO_2019, "confirmed", "rec 3.1: calcium 1,000-1,200 mg/day"
)
ASCO_VITAMIN_D_IU: Cited[tuple[int, int]] = Cited(
    (800, 1000), ASCO_2019, "confirmed", "rec 3.1: vitamin D >= 800-1,000 IU/day"
)

# --- Safety ------------------------------------------------------------------------------------
VITAMIN_D_LOW_NG_ML: Cited[float] = Cited(
    20.0,
    IOM_2011_25OHD,
    "policy",
    "the 25(OH)D level to correct before bone-directed therapy is a site choice "
    "(clinical-reference.md s.5): bonewise defaults to 20 ng/mL (50 nmol/L), below which IOM 2011 "
    "no longer calls it adequate for nearly all; sites set BONEWISE_POLICY_VITAMIN_D_LOW_NG_ML "
    "(bonewise.policies)",
)
SERUM_CALCIUM_LOW_MG_DL: Cited[float] = Cited(
    8.5,
    PROJECT,
    "unconfirmed",
    "lower limit of a common adult reference interval; use the lab's own",
)
ZOLEDRONIC_MIN_CRCL_ML_MIN: Cited[float] = Cited(
    35.0, RECLAST_LABEL, "confirmed", "zoledronic acid 5 mg contraindicated if CrCl < 35 mL/min"
)
ZOMETA_LABEL = Source(
    "zometa-label",
    "Zoledronic acid 4 mg (Zometa) prescribing information: dose reduction by creatinine clearance",
)
ZOLEDRONIC_4MG_REDUCED_CRCL_ML_MIN: Cited[tuple[float, float]] = Cited(
    (30.0, 60.0),
    ZOMETA_LABEL,
    "unconfirmed",
    "the 4 mg oncology regimen is dose-reduced at CrCl 30-60 mL/min; the label was not read "
    "(a secondary source only, clinical-reference s.3e): check it before this drives a dose",
)
DENOSUMAB_INTERVAL_MONTHS: Cited[int] = Cited(
    6, HADJI_2017, "confirmed", "denosumab every 6 months"
)
RECENT_FRACTURE_MONTHS: Cited[int] = Cited(
    12, PROJECT, "policy", "a fracture in the last 12 months routes to a clinician"
)
VITAMIN_D_RECHECK_MONTHS: Cited[int] = Cited(
    6, PROJECT, "policy", "recheck a low 25(OH)D within 6 months"
)
ASSUMED_AI_PLANNED_YEARS: Cited[float] = Cited(
    5.0,
    PROJECT,
    "policy",
    "planned aromatase-inhibitor duration assumed when the order states none (the common "
    "adjuvant course; the reference gives no default): said as an assumption wherever used",
)
ALCOHOL_RISK_UNITS_PER_DAY: Cited[int] = Cited(
    3, KANIS_2008, "confirmed", ">= 3 units/day, one of the FRAX clinical risk factors"
)

# --- Statements (cited advice with no number of its own) -----------------------------------------
HADJI_ASSESS_EVERYONE: Cited[str] = Cited(
    "assess fracture risk in every woman starting an aromatase inhibitor; advise all on exercise "
    "and calcium/vitamin D",
    HADJI_2017,
    "confirmed",
)
HADJI_BTA_DURATION: Cited[str] = Cited(
    "bone-directed therapy for the whole duration of aromatase-inhibitor treatment",
    HADJI_2017,
    "confirmed",
)
ASCO_DXA_IF_RISK: Cited[str] = Cited(
    "rec 2.1: offer central DXA to anyone with >= 1 risk factor (aromatase inhibitors count)",
    ASCO_2019,
    "confirmed",
)
ASCO_FRAX_NOT_VALIDATED: Cited[str] = Cited(
    "rec 1.3: no fracture-risk tool is validated in cancer patients; clinical judgment needed",
    ASCO_2019,
    "confirmed",
)
ASCO_LIFESTYLE: Cited[str] = Cited(
    "rec 3.2-3.3: combined exercise tailored to the patient; stop smoking; limit alcohol",
    ASCO_2019,
    "confirmed",
)
DENTAL_CHECK: Cited[str] = Cited(
    "baseline oral examination and any dental work before a bisphosphonate or denosumab",
    RECLAST_LABEL,
    "confirmed",
)
MRONJ_RISK: Cited[str] = Cited("MRONJ is very rare at osteoporosis doses", MRONJ_2019, "confirmed")
DENOSUMAB_TRANSITION: Cited[str] = Cited(
    "if denosumab is stopped, start another antiresorptive 6 months after the last injection",
    ECTS_DENOSUMAB,
    "confirmed",
)
PREMENOPAUSAL_NO_DXA_DIAGNOSIS: Cited[str] = Cited(
    "premenopausal women: report Z-scores; no osteoporosis diagnosis from DXA alone",
    WHO_ISCD,
    "confirmed",
)
# --- ARBI (Markopoulos 2010): BMD change at 24 months, %; the Learn pages and seed-tiers quote
# them (web/learn_facts.py, clinical/rules/seed_tiers.py) ------------------------------------
ARBI_WOMEN: Cited[int] = Cited(
    213,
    MARKOPOULOS_2010,
    "confirmed",
    "postmenopausal women with hormone-receptor-positive early breast cancer starting anastrozole",
)
ARBI_MODERATE_SPINE_WITH_RISEDRONATE: Cited[float] = Cited(
    5.7, MARKOPOULOS_2010, "confirmed", "moderate-risk stratum, lumbar spine, 24 months"
)
ARBI_MODERATE_SPINE_WITHOUT: Cited[float] = Cited(
    -1.5, MARKOPOULOS_2010, "confirmed", "moderate-risk stratum, anastrozole alone, lumbar spine"
)
ARBI_MODERATE_HIP_WITH_RISEDRONATE: Cited[float] = Cited(
    1.6, MARKOPOULOS_2010, "confirmed", "moderate-risk stratum, hip, 24 months"
)
ARBI_MODERATE_HIP_WITHOUT: Cited[float] = Cited(
    -3.9, MARKOPOULOS_2010, "confirmed", "moderate-risk stratum, anastrozole alone, hip"
)
ARBI_HIGH_SPINE_WITH_RISEDRONATE: Cited[float] = Cited(
    6.6, MARKOPOULOS_2010, "confirmed", "high-risk stratum, lumbar spine, 24 months"
)


# --- Kwan 2021/2023: aerobic exercise and osteoporotic fracture on an aromatase inhibitor; the
# Learn pages quote them (web/learn_facts.py) ---------------------------------------------------
KWAN_2021 = Source(
    "kwan-2021",
    "Kwan ML et al. Exercise and fracture risk in women with breast cancer on aromatase "
    "inhibitors (Kaiser Permanente Northern California). J Cancer Surviv 2021, published "
    "2023;17:139-149. doi:10.1007/s11764-021-00993-0 (PMC8349930)",
)
KWAN_WOMEN: Cited[int] = Cited(
    2152, KWAN_2021, "confirmed", "hormone-receptor-positive women on aromatase inhibitors, KPNC"
)
KWAN_AEROBIC_MINUTES: Cited[int] = Cited(
    150,
    KWAN_2021,
    "confirmed",
    "the study's cut-off: < 150 vs >= 150 minutes a week of aerobic exercise",
)
KWAN_EXPOSURE_MONTHS: Cited[int] = Cited(
    6, KWAN_2021, "confirmed", "aerobic exercise in the 6 months after diagnosis"
)
KWAN_FRACTURE_HR: Cited[float] = Cited(
    2.42, KWAN_2021, "confirmed", "hazard ratio, 95% CI 1.34-4.37, below vs at or above the cut-off"
)


def arbi_moderate_spine_change() -> str:
    """ARBI's moderate-risk spine result in words, as the seed tiers quote it."""
    return (
        f"{ARBI_MODERATE_SPINE_WITH_RISEDRONATE.value:+.1f}% vs "
        f"{ARBI_MODERATE_SPINE_WITHOUT.value:+.1f}% at 24 months"
    )


SEED_TIER_PLAN: Cited[str] = Cited(
    "normal BMD: lifestyle, calcium and vitamin D; osteopenia: lifestyle, consider a "
    f"bisphosphonate (ARBI: risedronate raised spine BMD {arbi_moderate_spine_change()}); "
    "osteoporosis: lifestyle plus pharmacologic therapy",
    MARKOPOULOS_2010,
    "unconfirmed",
    "the seed's three tiers (patient education); ARBI's T-score strata are unconfirmed, WHO "
    "categories used; the tiers never trigger the pre-therapy safety checks",
)
BONE_METASTASES_ROUTE: Cited[str] = Cited(
    "with bone metastases the exercise prescription depends on lesion location: screen first",
    BONE_METASTASES_2022,
    "confirmed",
)

BASELINE_DXA_WINDOW_MONTHS: Cited[tuple[int, int]] = Cited(
    (24, 3),
    PROJECT,
    "policy",
    "a baseline DXA counts from 24 months before to 3 months after the AI start (modelled on "
    "the CMS645 bone-density measure for men on androgen deprivation)",
)

THERAPY_DECISION_MONTHS: Cited[int] = Cited(
    6,
    PROJECT,
    "policy",
    "bone-directed therapy indicated by hadji-2017 on a DXA: the decision (start, or a recorded "
    "reason not to) is due within 6 months of that DXA; later, with none given, it is a gap",
)
THERAPY_LOOKBACK_MONTHS: Cited[int] = Cited(
    12,
    PROJECT,
    "policy",
    "bone-directed therapy given or active from 12 months before the DXA that indicates it counts",
)

AUTOMATION_ROUTE: Cited[str] = Cited(
    "bone metastases, a recent fracture or missing safety data stop automated lifestyle and "
    "exercise plans and route the patient to a clinician",
    PROJECT,
    "policy",
)

# --- Real patients: provisional decisions, therapy schedules, fractures, scope (issue 11) --------
FRAX_BLANK_IS_NO = Source(
    "frax-blank-is-no",
    "FRAX online calculator (University of Sheffield), as reported secondhand: a risk-factor "
    "field left blank is taken as 'no'; eCQM "
    "(CQL) logic treats a criterion without data as not met (clinical-reference.md s.10)",
)
LYU_2020 = Source(
    "lyu-2020",
    "Lyu H et al. Delayed denosumab injections and bone mineral density response. Ann Intern "
    "Med 2020 (secondary summary): a dose within 4 weeks of the 6-month date counts as on time",
)
RACGP_OSTEOPOROSIS = Source(
    "racgp-osteoporosis-37",
    "RACGP/Healthy Bones Australia. Osteoporosis prevention, diagnosis and management in "
    "postmenopausal women and men over 50, 2nd ed., recommendation 37 (grade A)",
)
NBHA_2014 = Source(
    "nbha-2014",
    "Siris ES et al. The clinical diagnosis of osteoporosis: a position statement from the "
    "National Bone Health Alliance Working Group. Osteoporos Int 2014;25:1439-1443",
)
NCCN_MENOPAUSE = Source(
    "nccn-menopause",
    "NCCN Clinical Practice Guidelines in Oncology: Breast Cancer, definition of menopause "
    "(secondary summary, clinical-reference.md s.10)",
)

PROVISIONAL_CONVENTION: Cited[str] = Cited(
    "decide on the recorded data, unrecorded risk factors taken as absent, and name the ones "
    "that would change the answer",
    FRAX_BLANK_IS_NO,
    "secondary",
)
ASCO_CLINICAL_RISK: Cited[str] = Cited(
    "rec 3.4: offer bone-modifying agents to patients with osteoporosis or at increased risk of "
    "osteoporotic fracture on clinical assessment (a prior hip or vertebral fragility fracture)",
    ASCO_2019,
    "secondary",
)
ASCO_NONMETASTATIC_ONLY: Cited[str] = Cited(
    "the ASCO 2019 guideline covers survivors with non-metastatic disease; with bone metastases "
    "bone-agent dosing is an oncology decision",
    ASCO_2019,
    "confirmed",
)
CLINICAL_OSTEOPOROSIS_FRACTURE: Cited[str] = Cited(
    "a low-trauma hip or vertebral fracture establishes osteoporosis clinically whatever the BMD",
    NBHA_2014,
    "unconfirmed",
    "clinical-reference.md s.10: the NBHA position was not read; ASCO 2019's clinical-risk "
    "wording [S] is the rule's basis in asco-2019",
)
FRAGILITY_FRACTURE_AGE: Cited[int] = Cited(
    50,
    PROJECT,
    "policy",
    "a hip or vertebral fracture at 50 or over that is not recorded as traumatic is counted as "
    "a fragility fracture (the cautious reading; issue 11/12 definition)",
)
VFA_AT_BASELINE: Cited[str] = Cited(
    "exclude subclinical vertebral fractures at baseline by vertebral fracture assessment on "
    "DXA or thoracolumbar radiographs in all postmenopausal women starting an AI",
    RACGP_OSTEOPOROSIS,
    "secondary",
)
HADJI_OVARIAN_SUPPRESSION: Cited[str] = Cited(
    "the 2017 statement also applies to women receiving ovarian suppression therapies",
    HADJI_2017,
    "secondary",
)
GNRH_AGONISTS: Cited[tuple[str, ...]] = Cited(
    ("goserelin", "leuprorelin", "triptorelin"),
    ASCO_2019,
    "confirmed",
    "rec 1.2 counts GnRH agonists (ovarian suppression) as added risk",
)
NCCN_POSTMENOPAUSAL_AGE: Cited[int] = Cited(
    60, NCCN_MENOPAUSE, "secondary", "postmenopausal at age 60 or over (NCCN menopause criteria)"
)
AI_NEEDS_MENOPAUSE: Cited[str] = Cited(
    "aromatase inhibitors alone are for postmenopausal women; a premenopausal woman receives one "
    "only with ovarian suppression: confirm menopausal status",
    NCCN_MENOPAUSE,
    "secondary",
)
AI_ENDED_STANDARD_SCREENING: Cited[str] = Cited(
    "AI-associated bone-loss monitoring (DXA every 12-24 months) runs while she is on the AI; "
    "once it has ended she returns to standard osteoporosis screening",
    HADJI_2017,
    "secondary",
)
FRAX_STALE: Cited[str] = Cited(
    "a FRAX result dated before the AI start or before the latest DXA does not reflect her "
    "current risk factors or BMD and is not used",
    PROJECT,
    "policy",
)

# Bone-directed therapy schedules. Each: months between doses and the grace after the due date
# before the course counts as overdue.
DENOSUMAB_ON_TIME_WEEKS: Cited[int] = Cited(
    4, LYU_2020, "secondary", "denosumab 60 mg every 6 months; on time within 4 weeks"
)
ZOLEDRONIC_AIBL_INTERVAL_MONTHS: Cited[int] = Cited(
    6,
    HADJI_2017,
    "unconfirmed",
    "zoledronic acid 4 mg i.v. every 6 months as in the AI trials (Z-FAST/ABCSG-12); wording "
    "unconfirmed in the full text (clinical-reference.md s.3a)",
)
ZOLEDRONIC_YEARLY_INTERVAL_MONTHS: Cited[int] = Cited(
    12, HADJI_2017, "secondary", "zoledronic acid 5 mg yearly (the statement's 'yearly')"
)
ZOLEDRONIC_GRACE_WEEKS: Cited[int] = Cited(
    8, PROJECT, "policy", "an infusion more than 8 weeks past its due date is overdue"
)
ZOLEDRONIC_REGIMEN_UNKNOWN_MG: Cited[float] = Cited(
    4.0,
    PROJECT,
    "policy",
    "a zoledronic acid course without a recorded dose is read as the AIBL 4 mg 6-monthly "
    "regimen (the shorter interval: an overdue dose is not missed); sites may change it",
)
ORAL_BISPHOSPHONATE_SUPPLY_MONTHS: Cited[int] = Cited(
    3,
    PROJECT,
    "policy",
    "oral bisphosphonates: the next refill or statement is expected 3 months after the last",
)
ORAL_BISPHOSPHONATE_GRACE_WEEKS: Cited[int] = Cited(
    4, PROJECT, "policy", "a refill more than 4 weeks late is overdue"
)
DENOSUMAB_LAPSE_URGENT_MONTHS: Cited[int] = Cited(
    18,
    PROJECT,
    "policy",
    "a denosumab lapse within 18 months of the last dose is urgent (give the dose or the "
    "transition now); an older stop is a review of rebound fractures and further therapy",
)
ON_THERAPY_CHECKS: Cited[str] = Cited(
    "on therapy: renal function before each zoledronic acid dose; calcium and vitamin D "
    "adequate; dental care before invasive dental work",
    RECLAST_LABEL,
    "confirmed",
)
VFA_PREMENOPAUSAL_Z: Cited[float] = Cited(
    -1.5, RACGP_OSTEOPOROSIS, "secondary", "premenopausal women with Z <= -1.5: VFA too"
)
THERAPY_PRESUMED_STOPPED_MONTHS: Cited[int] = Cited(
    24,
    PROJECT,
    "policy",
    "a course with no dose (or refill) for 24 months past its due date is presumed stopped: "
    "status 'ended', said so, and she is no longer treated as on therapy",
)

# --- One answer per question (issue 12) ---------------------------------------------------------
SAME_DAY_LOWEST: Cited[str] = Cited(
    "two results of one kind on the same day: the lowest is used for decisions, both are kept, "
    "and the conflict is flagged for review (order in the file never decides)",
    PROJECT,
    "policy",
)
RADIUS_ONLY_WITHOUT_SPINE_AND_HIP: Cited[str] = Cited(
    "the 33% radius counts only when the spine and hip cannot be measured or read",
    WHO_ISCD,
    "secondary",
    "clinical-reference.md s.1: radius only when hip/spine cannot be measured or read [S]",
)
HADJI_FIRST_YEAR_LOSS: Cited[str] = Cited(
    "women with T > -1.5 and no risk factor are managed by their BMD loss over the first year: a "
    "loss beyond the least significant change brings the next DXA to 12 months",
    HADJI_2017,
    "confirmed",
)
SBMD_CONVERSION_ERROR_PCT: Cited[tuple[float, float]] = Cited(
    (4.0, 7.0),
    Source(
        "sbmd-see",
        "Fan-beam sBMD validation study (clinical-reference.md s.2): the standard error of the "
        "estimate of the Hui 1997 sBMD equations is about 4-7%",
    ),
    "confirmed",
    "a T-score computed from converted BMD within this error of a threshold is 'near threshold'",
)

# --- Weekly check-in: joint pain, morning stiffness, missed AI days (issue 15) -------------------
HOPE_2015 = Source(
    "hope-2015",
    "Irwin ML et al. Randomized exercise trial of aromatase inhibitor-induced arthralgia in "
    "breast cancer survivors (HOPE). J Clin Oncol 2015;33(10):1104-1111. "
    "doi:10.1200/JCO.2014.57.1547",
)
SERLIN_1995 = Source(
    "serlin-1995",
    "Serlin RC et al. When is cancer pain mild, moderate or severe? Grading pain severity by its "
    "interference with function. Pain 1995;61(2):277-284 (BPI cut-points 1-4 / 5-6 / 7-10)",
)
ACR_STIFFNESS = Source(
    "acr-stiffness",
    "American College of Rheumatology classification criteria: morning stiffness < 30 minutes "
    "in knee osteoarthritis (Altman 1986) and >= 1 hour in rheumatoid arthritis (Arnett 1988)",
)
BPI_WORST_PAIN_RANGE: Cited[tuple[int, int]] = Cited(
    (0, 10),
    HOPE_2015,
    "confirmed",
    "worst joint pain in the last 24 hours, 0 (none) to 10 (as bad as you can imagine), the "
    "Brief Pain Inventory item HOPE used as its primary outcome",
)
MORNING_STIFFNESS_BANDS_MINUTES: Cited[tuple[int, int]] = Cited(
    (30, 60),
    ACR_STIFFNESS,
    "unconfirmed",
    "bands none / under 30 / 30-60 / over 60 minutes: the 30-minute and 1-hour marks of the ACR "
    "criteria (recollection, not read for this note)",
)
PERSISTENT_PAIN_LEVEL: Cited[int] = Cited(
    5,
    SERLIN_1995,
    "policy",
    "worst pain of 5/10 or more is moderate-to-severe on the BPI cut-points (Serlin 1995, "
    "UNCONFIRMED: not read for this note); flagging at it is a site choice",
)
PERSISTENT_PAIN_WEEKS: Cited[int] = Cited(
    2, PROJECT, "policy", "pain at or above the level in this many consecutive weekly check-ins"
)
AI_ADHERENCE_MIN_SHARE: Cited[float] = Cited(
    0.8,
    PROJECT,
    "policy",
    "taken on fewer than 80% of the days she reported is flagged: the conventional cut-off of "
    "the adherence literature, not a guideline value (clinical-reference.md: UNCONFIRMED)",
)
CHECKIN_FLAG_WINDOW_WEEKS: Cited[int] = Cited(
    4, PROJECT, "policy", "clinician flags read the check-ins of the last 4 weeks"
)
CHECKIN_TREND_WEEKS: Cited[int] = Cited(
    8, PROJECT, "policy", "her dashboard and reports show 8 weeks of check-ins"
)
