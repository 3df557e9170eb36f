"""Terminology tables for bonewise: LOINC, RxNorm, SNOMED CT (and one CPT) codes as data.

Every code carries the evidence tag of clinical-reference.md section 8 and where it was checked:
  confirmed    [C] read in a named public source
  secondary    [S] seen only in another codebase or a summary (Synthea modules, code lists)
  unconfirmed  best recollection, not confirmed: imported, but every use is reported as such

Used by FHIR import (resource -> PatientRecord), FHIR export, CDS Hooks and population
analytics. Pure data and lookups: no I/O, no FHIR library.

Verification notes (2026-11-27, public sources via the project's search tool):
- LOINC DXA codes: as clinical-reference.md section 8 (OHDSI THEMIS list; SATUSEHAT seed; US Core
  examples 80948-3 "DXA Femur-L T-score BMD" with UCUM {T-Score}). Synthea's osteoporosis module
  labels 38265-5 "DXA [T-score] Bone density"; LOINC's own name is the radius+ulna T-score, so
  bonewise maps it to radius_33 and says so in the import report.
- 14635-7 "25-hydroxyvitamin D3 [Moles/volume] in Serum or Plasma": HL7 Order Catalog IG and
  CH LAB-Order IG examples.
- RxNorm clinical drugs 199224, 200064, 310261, 993452, 1114085: an mCODE/Synthea code list and
  Synthea's cost tests ("1 ML denosumab 60 MG/ML Prefilled Syringe (Prolia)").
  Synthea's hormonetherapy_breast module orders the brand concepts 262485 (Arimidex),
  203769 (Femara) and 262105 (Aromasin); its osteoporosis module orders 904420 (alendronic acid
  10 MG [Fosamax]). A drug code list shows 151124 "anastrozole 1 MG Oral Tablet [Arimidex]".
  Ingredients 84857 anastrozole, 72965 letrozole, 258494 exemestane appear as named RxNorm
  codings in a breast-cancer FHIR generator (and 84857 in an OMOP source map): secondary.
  Denosumab 993449 and risedronate 73056 were seen only in an unnamed RxNorm->SNOMED map and
  a mislabelled product row: still UNCONFIRMED.
- SNOMED CT: 64859006 osteoporosis and 312681000 "Bone density scan (procedure)" in Synthea's
  osteoporosis module; 359817006 "Closed fracture of hip" and 263102004 "Fracture subluxation of
  wrist" in Synthea's code maps; 65966004 "Fracture of forearm (disorder)" in a SNOMED value
  set; 94222008 "Secondary malignant neoplasm of bone" in a clinical-trial matcher's code list;
  125605004 "Fracture of bone" in a fracture code list.
- LOINC 8302-2 body height, 29463-7 body weight, 39156-5 BMI: FHIR vital-signs profile codes.
  2164-2 "Creatinine renal clearance in 24 hour Urine and Serum or Plasma": a German LOINC
  value set and several codebases (secondary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from bonewise.clinical.models import (
    ANTIRESORPTIVES,
    AromataseInhibitor,
    MenopausalStatus,
    ScannerMake,
    Site,
    Smoking,
)
from bonewise.evidence import Evidence
from bonewise.terminology import icd10cm, rxnorm_codes, snomed_value_sets

LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
UCUM = "http://unitsofmeasure.org"
# bonewise's own code system, for facts no standard terminology codes (verified so far): the
# Hadji/ASCO risk-factor answers, menopausal status as a question, FRAX results entered by a
# clinician, the computed values of an assessment. Local codes are named as such in every report.
BONEWISE = "urn:bonewise:codes"
# Extensions bonewise writes and reads back (round trip of the native patient record).
EXT_BASE = "urn:bonewise:extension:"
EXT_PLANNED_YEARS = EXT_BASE + "planned-years"
EXT_OVARIAN_SUPPRESSION = EXT_BASE + "ovarian-suppression"
EXT_EXCLUDED_VERTEBRAE = EXT_BASE + "excluded-vertebrae"
# The facility's short-term precision (%CV) for the site of a DXA result (sets its LSC).
EXT_FACILITY_PRECISION = EXT_BASE + "facility-precision-pct"
EXT_FRAGILITY = EXT_BASE + "fragility-fracture"
EXT_FRAX_WITH_BMD = EXT_BASE + "frax-with-bmd"

# Spellings of the same code systems found in real exports (Synthea CSV, OIDs, older FHIR).
_SYSTEM_ALIASES: dict[str, str] = {
    "loinc": LOINC,
    "http://loinc.org/": LOINC,
    "urn:oid:2.16.840.1.113883.6.1": LOINC,
    "rxnorm": RXNORM,
    "http://www.nlm.nih.gov/research/umls/rxnorm/": RXNORM,
    "urn:oid:2.16.840.1.113883.6.88": RXNORM,
    "snomed": SNOMED,
    "snomed-ct": SNOMED,
    "snomedct": SNOMED,
    "http://snomed.info/sct/": SNOMED,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,
    "cpt": CPT,
    "urn:oid:2.16.840.1.113883.6.12": CPT,
}

DxaKind = Literal["bmd", "t_score", "z_score"]
Laterality = Literal["left", "right"]
LabKind = Literal["25_oh_vitamin_d", "serum_calcium", "creatinine_clearance"]
VitalKind = Literal["height", "weight", "bmi"]
DrugClass = Literal[
    "aromatase_inhibitor", "bone_directed_therapy", "glucocorticoid", "gnrh_agonist", "serm"
]
RxNormTermType = Literal[
    "ingredient",
    "clinical_drug",
    "branded_drug",
    "brand_name",
    "pack",
    "branded_component",
    "branded_dose_form",
]
ConditionKind = Literal[
    "breast_cancer",
    "osteoporosis",
    "osteopenia",
    "fracture",
    "bone_metastases",
    "long_term_steroids",
    "bilateral_oophorectomy",
    "rheumatoid_arthritis",
]


@dataclass(frozen=True, slots=True)
class Concept:
    system: str
    code: str
    display: str
    evidence: Evidence
    verified_in: str


@dataclass(frozen=True, slots=True)
class DxaCode:
    concept: Concept
    site: Site
    kind: DxaKind
    laterality: Laterality | None = None
    ucum: str = ""


@dataclass(frozen=True, slots=True)
class LabCode:
    concept: Concept
    kind: LabKind
    # UCUM (and common free-text) units -> the unit name PatientRecord's Lab accepts.
    units: dict[str, str]
    analyte: str = ""


@dataclass(frozen=True, slots=True)
class VitalCode:
    concept: Concept
    kind: VitalKind
    units: dict[str, str]


@dataclass(frozen=True, slots=True)
class DrugCode:
    concept: Concept
    drug_class: DrugClass
    # an AromataseInhibitor or BoneAgent for those classes; the ingredient name for the others
    agent: str
    term_type: RxNormTermType


@dataclass(frozen=True, slots=True)
class ConditionCode:
    concept: Concept
    kind: ConditionKind
    fracture_site: str | None = None
    vertebral: bool = False


@dataclass(frozen=True, slots=True)
class ProcedureCode:
    concept: Concept
    kind: Literal["dxa"] = "dxa"


def _loinc(code: str, display: str, evidence: Evidence, verified_in: str) -> Concept:
    return Concept(LOINC, code, display, evidence, verified_in)


_SEC8 = "clinical-reference.md section 8"
_DXA_SRC = "OHDSI THEMIS LOINC list; SATUSEHAT radiology LOINC seed (clinical-reference.md s8)"
_US_CORE = "US Core examples (80948-3, 80946-7) and " + _DXA_SRC
_T_UNIT = "{T-score}"
_Z_UNIT = "{Z-score}"
_BMD_UNIT = "g/cm2"


def _dxa(
    code: str,
    display: str,
    site: Site,
    kind: DxaKind,
    laterality: Laterality | None = None,
    *,
    evidence: Evidence = "confirmed",
    verified_in: str = _DXA_SRC,
) -> DxaCode:
    ucum = {"bmd": _BMD_UNIT, "t_score": _T_UNIT, "z_score": _Z_UNIT}[kind]
    return DxaCode(_loinc(code, display, evidence, verified_in), site, kind, laterality, ucum)


# --- LOINC: DXA (site mapping femur -> femoral_neck, hip -> total_hip, radius+ulna -> radius_33
# is a convention, clinical-reference.md section 8) -----------------------------------------
DXA_CODES: tuple[DxaCode, ...] = (
    _dxa("24966-4", "DXA Lumbar spine [Mass/Area] Bone density", "lumbar_spine", "bmd"),
    _dxa("38267-1", "DXA Lumbar spine [T-score] Bone density", "lumbar_spine", "t_score"),
    _dxa("85394-5", "DXA Lumbar spine [Z-score] Bone density", "lumbar_spine", "z_score"),
    _dxa("24701-5", "DXA Femur [Mass/Area] Bone density", "femoral_neck", "bmd"),
    _dxa("38263-0", "DXA Femur [T-score] Bone density", "femoral_neck", "t_score"),
    _dxa("80934-3", "DXA Femur [Z-score] Bone density", "femoral_neck", "z_score"),
    _dxa("80954-1", "DXA Femur-L [Mass/Area] Bone density", "femoral_neck", "bmd", "left"),
    _dxa("80953-3", "DXA Femur-R [Mass/Area] Bone density", "femoral_neck", "bmd", "right"),
    _dxa(
        "80948-3",
        "DXA Femur-L [T-score] Bone density",
        "femoral_neck",
        "t_score",
        "left",
        verified_in=_US_CORE,
    ),
    _dxa("80947-5", "DXA Femur-R [T-score] Bone density", "femoral_neck", "t_score", "right"),
    _dxa("80940-0", "DXA Femur-L [Z-score] Bone density", "femoral_neck", "z_score", "left"),
    _dxa("80939-2", "DXA Femur-R [Z-score] Bone density", "femoral_neck", "z_score", "right"),
    _dxa("38261-4", "DXA Hip [Mass/Area] Bone density", "total_hip", "bmd"),
    _dxa("38264-8", "DXA Hip [T-score] Bone density", "total_hip", "t_score"),
    _dxa("80933-5", "DXA Hip [Z-score] Bone density", "total_hip", "z_score"),
    _dxa("46278-8", "DXA Hip-L [Mass/Area] Bone density", "total_hip", "bmd", "left"),
    _dxa("46279-6", "DXA Hip-R [Mass/Area] Bone density", "total_hip", "bmd", "right"),
    _dxa(
        "80946-7",
        "DXA Hip-L [T-score] Bone density",
        "total_hip",
        "t_score",
        "left",
        verified_in=_US_CORE,
    ),
    _dxa("80945-9", "DXA Hip-R [T-score] Bone density", "total_hip", "t_score", "right"),
    _dxa("80938-4", "DXA Hip-L [Z-score] Bone density", "total_hip", "z_score", "left"),
    _dxa("80937-6", "DXA Hip-R [Z-score] Bone density", "total_hip", "z_score", "right"),
    _dxa("24890-6", "DXA Radius and Ulna [Mass/Area] Bone density", "radius_33", "bmd"),
    _dxa("38265-5", "DXA Radius and Ulna [T-score] Bone density", "radius_33", "t_score"),
    _dxa("80932-7", "DXA Radius and Ulna [Z-score] Bone density", "radius_33", "z_score"),
)

# --- LOINC: laboratory --------------------------------------------------------------------------
_VITD_MASS = {"ng/mL": "ng/mL", "ng/ml": "ng/mL", "ug/L": "ng/mL", "ng/mL{25-OH}": "ng/mL"}
_VITD_MOLES = {"nmol/L": "nmol/L", "nmol/l": "nmol/L"}
_VITD_ANY = {**_VITD_MASS, **_VITD_MOLES}
_CALCIUM = {"mg/dL": "mg/dL", "mg/dl": "mg/dL", "mmol/L": "mmol/L", "mmol/l": "mmol/L"}
_CRCL = {"mL/min": "mL/min", "ml/min": "mL/min"}

LAB_CODES: tuple[LabCode, ...] = (
    LabCode(
        _loinc(
            "62292-8",
            "25-Hydroxyvitamin D2+25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma",
            "confirmed",
            "a LOINC table row (clinical-reference.md s8)",
        ),
        "25_oh_vitamin_d",
        _VITD_ANY,
        "25-OH vitamin D2+D3",
    ),
    LabCode(
        _loinc(
            "1989-3",
            "25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma",
            "secondary",
            "sources disagree D3 vs D2+D3; most say D3 only (clinical-reference.md s8)",
        ),
        "25_oh_vitamin_d",
        _VITD_ANY,
        "25-OH vitamin D3",
    ),
    LabCode(
        _loinc(
            "14635-7",
            "25-Hydroxyvitamin D3 [Moles/volume] in Serum or Plasma",
            "confirmed",
            "HL7 Order Catalog IG and CH LAB-Order IG ObservationDefinition examples",
        ),
        "25_oh_vitamin_d",
        _VITD_ANY,
        "25-OH vitamin D3",
    ),
    LabCode(
        _loinc(
            "83070-3",
            "25-Hydroxyvitamin D2+25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma by "
            "Immunoassay",
            "secondary",
            _SEC8,
        ),
        "25_oh_vitamin_d",
        _VITD_ANY,
        "25-OH vitamin D2+D3 (immunoassay)",
    ),
    LabCode(
        _loinc(
            "17861-6",
            "Calcium [Mass/volume] in Serum or Plasma",
            "confirmed",
            "several sources (clinical-reference.md s8)",
        ),
        "serum_calcium",
        _CALCIUM,
        "calcium",
    ),
    LabCode(
        _loinc(
            "2000-8",
            "Calcium [Moles/volume] in Serum or Plasma",
            "unconfirmed",
            "not confirmed in any source read (clinical-reference.md s8)",
        ),
        "serum_calcium",
        _CALCIUM,
        "calcium",
    ),
    LabCode(
        _loinc(
            "2164-2",
            "Creatinine renal clearance in 24 hour Urine and Serum or Plasma",
            "secondary",
            "a German LOINC value set; several codebases",
        ),
        "creatinine_clearance",
        _CRCL,
        "creatinine clearance",
    ),
)

# --- LOINC: vital signs (FHIR vital-signs profile codes) ---------------------------------------
_VITALS_SRC = "FHIR R4 vital-signs profile; US Core"
VITAL_CODES: tuple[VitalCode, ...] = (
    VitalCode(
        _loinc("8302-2", "Body height", "confirmed", _VITALS_SRC),
        "height",
        {"cm": "cm", "[in_i]": "in", "in": "in", "[in_us]": "in"},
    ),
    VitalCode(
        _loinc("29463-7", "Body weight", "confirmed", _VITALS_SRC),
        "weight",
        {"kg": "kg", "[lb_av]": "lb", "lb": "lb", "lbs": "lb"},
    ),
    VitalCode(
        _loinc("39156-5", "Body mass index (BMI) [Ratio]", "confirmed", _VITALS_SRC),
        "bmi",
        {"kg/m2": "kg/m2", "kg/m^2": "kg/m2"},
    ),
)

# --- RxNorm ------------------------------------------------------------------------------------
_RX_C = "clinical-reference.md s8: several sources incl. Synthea's code lists"
_RX_SYNTHEA_BRAND = "Synthea hormonetherapy_breast module (MedicationOrder codes)"
_RX_ING_UNCONF = "UNCONFIRMED in clinical-reference.md s8: check RxNav"
_RX_ING_AI = (
    "UNCONFIRMED in clinical-reference.md s8; since seen as RxNorm codings with these names in "
    "a breast-cancer FHIR generator and an OMOP drug map (secondary); check RxNav"
)


def _rx(
    code: str,
    display: str,
    drug_class: DrugClass,
    agent: str,
    term_type: RxNormTermType,
    evidence: Evidence,
    verified_in: str,
) -> DrugCode:
    return DrugCode(
        Concept(RXNORM, code, display, evidence, verified_in), drug_class, agent, term_type
    )


def _local_drug(agent: Any, drug_class: DrugClass) -> DrugCode:
    concept = Concept(BONEWISE, agent, agent.replace("_", " "), "policy", "bonewise local code")
    return DrugCode(concept, drug_class, agent, "ingredient")


_AI: DrugClass = "aromatase_inhibitor"
_BTA: DrugClass = "bone_directed_therapy"
_GC: DrugClass = "glucocorticoid"
_GNRH: DrugClass = "gnrh_agonist"
_SERM: DrugClass = "serm"
_RX_H02AB = "RxClass ATC H02AB ingredient list as published in a public corticosteroid code review"
_RX_RECALL = "best recollection of the RxNorm code; UNCONFIRMED: check RxNav"

DRUG_CODES: tuple[DrugCode, ...] = (
    # Aromatase inhibitors: clinical drugs [C]
    _rx(
        "199224",
        "anastrozole 1 MG Oral Tablet",
        _AI,
        "anastrozole",
        "clinical_drug",
        "confirmed",
        _RX_C,
    ),
    _rx(
        "200064",
        "letrozole 2.5 MG Oral Tablet",
        _AI,
        "letrozole",
        "clinical_drug",
        "confirmed",
        _RX_C,
    ),
    _rx(
        "310261",
        "exemestane 25 MG Oral Tablet",
        _AI,
        "exemestane",
        "clinical_drug",
        "confirmed",
        _RX_C,
    ),
    # Aromatase inhibitors: brand concepts ordered by Synthea [S]
    _rx("262485", "Arimidex", _AI, "anastrozole", "brand_name", "secondary", _RX_SYNTHEA_BRAND),
    _rx("203769", "Femara", _AI, "letrozole", "brand_name", "secondary", _RX_SYNTHEA_BRAND),
    _rx("262105", "Aromasin", _AI, "exemestane", "brand_name", "secondary", _RX_SYNTHEA_BRAND),
    _rx(
        "151124",
        "anastrozole 1 MG Oral Tablet [Arimidex]",
        _AI,
        "anastrozole",
        "branded_drug",
        "secondary",
        "a public RxNorm drug code list",
    ),
    _rx(
        "1098617",
        "14 (anastrozole 1 MG Oral Tablet) Pack",
        _AI,
        "anastrozole",
        "pack",
        "secondary",
        "a public RxNorm drug code list",
    ),
    # Aromatase inhibitors: ingredients (UNCONFIRMED in the reference; secondary sources since)
    _rx("84857", "anastrozole", _AI, "anastrozole", "ingredient", "secondary", _RX_ING_AI),
    _rx("72965", "letrozole", _AI, "letrozole", "ingredient", "secondary", _RX_ING_AI),
    _rx("258494", "exemestane", _AI, "exemestane", "ingredient", "secondary", _RX_ING_AI),
    # Bone-directed therapies
    _rx(
        "993452",
        "1 ML denosumab 60 MG/ML Prefilled Syringe [Prolia]",
        _BTA,
        "denosumab",
        "branded_drug",
        "confirmed",
        _RX_C + "; Synthea cost tests",
    ),
    _rx("993449", "denosumab", _BTA, "denosumab", "ingredient", "unconfirmed", _RX_ING_UNCONF),
    _rx(
        "1114085",
        "100 ML zoledronic acid 0.04 MG/ML Injection",
        _BTA,
        "zoledronic_acid",
        "clinical_drug",
        "confirmed",
        _RX_C,
    ),
    _rx(
        "77655",
        "zoledronic acid",
        _BTA,
        "zoledronic_acid",
        "ingredient",
        "secondary",
        "one source (clinical-reference.md s8)",
    ),
    _rx(
        "46041",
        "alendronate",
        _BTA,
        "alendronate",
        "ingredient",
        "secondary",
        "one source (clinical-reference.md s8)",
    ),
    _rx(
        "904420",
        "Alendronic acid 10 MG [Fosamax]",
        _BTA,
        "alendronate",
        "branded_component",
        "secondary",
        rxnorm_codes.PROVENANCE[rxnorm_codes.CONFIRMED["904420"]],
    ),
    _rx("73056", "risedronate", _BTA, "risedronate", "ingredient", "unconfirmed", _RX_ING_UNCONF),
    # ibandronate: no RxNorm code verified yet (none found in public code on 2026-12-01, see
    # rxnorm_codes.NOT_ADDED; exported with its bonewise local code); an
    # EHR's ibandronate or Boniva order is matched by name (DRUG_NAMES) and flagged.
    # Oral glucocorticoids: ingredients (RxClass ATC H02AB members, as listed in a public review)
    _rx("8640", "prednisone", _GC, "prednisone", "ingredient", "secondary", _RX_H02AB),
    _rx("8638", "prednisolone", _GC, "prednisolone", "ingredient", "secondary", _RX_H02AB),
    _rx(
        "6902",
        "methylprednisolone",
        _GC,
        "methylprednisolone",
        "ingredient",
        "secondary",
        _RX_H02AB,
    ),
    _rx("3264", "dexamethasone", _GC, "dexamethasone", "ingredient", "secondary", _RX_H02AB),
    _rx("5492", "hydrocortisone", _GC, "hydrocortisone", "ingredient", "secondary", _RX_H02AB),
    _rx(
        "198145",
        "prednisone 10 MG Oral Tablet",
        _GC,
        "prednisone",
        "clinical_drug",
        "secondary",
        "a FHIR de-duplication test fixture (predniSONE 10 mg tablet)",
    ),
    _rx(
        "312617",
        "prednisone 5 MG Oral Tablet",
        _GC,
        "prednisone",
        "clinical_drug",
        "secondary",
        "in the VSAC oral glucocorticoid value set (below); named in "
        + rxnorm_codes.PROVENANCE[rxnorm_codes.CONFIRMED["312617"]],
    ),
    # Tamoxifen (recognised so it is not reported as unknown; no rule reads it yet)
    _rx(
        "10324",
        "tamoxifen",
        _SERM,
        "tamoxifen",
        "ingredient",
        "secondary",
        rxnorm_codes.PROVENANCE[rxnorm_codes.CONFIRMED["10324"]],
    ),
    _rx(
        "198240",
        "Tamoxifen 10 MG Oral Tablet",
        _SERM,
        "tamoxifen",
        "clinical_drug",
        "secondary",
        rxnorm_codes.PROVENANCE[rxnorm_codes.CONFIRMED["198240"]],
    ),
    # GnRH agonists (ovarian suppression)
    _rx("50610", "goserelin", _GNRH, "goserelin", "ingredient", "unconfirmed", _RX_RECALL),
    _rx("42375", "leuprolide", _GNRH, "leuprolide", "ingredient", "unconfirmed", _RX_RECALL),
    _rx("38782", "triptorelin", _GNRH, "triptorelin", "ingredient", "unconfirmed", _RX_RECALL),
)

# VSAC value set "Glucocorticoids (oral only)", OID 2.16.840.1.113883.3.464.1003.196.12.1266
# (eCQM update 2020-05-07; semantic clinical drugs of oral cortisone, dexamethasone,
# hydrocortisone, prednisone, prednisolone, methylprednisolone, triamcinolone, betamethasone,
# fludrocortisone). The value set does not name the agent of each code, so these are read as "an
# oral glucocorticoid"; codes with a row of their own above keep it. The same VSAC release's
# "Aromatase Inhibitors" set (...196.12.1265) lists 199224, 200064 and 310261, as above.
_VSAC_ORAL_GC = (
    "VSAC value set Glucocorticoids (oral only) 2.16.840.1.113883.3.464.1003.196.12.1266"
)
_VSAC_ORAL_GC_CODES = [
    "1005830",
    "1013114",
    "1085728",
    "1303125",
    "1303132",
    "1303135",
    "197577",
    "197579",
    "197580",
    "197581",
    "197582",
    "197583",
    "197783",
    "197787",
    "197969",
    "197971",
    "197973",
    "198142",
    "198144",
    "198145",
    "198146",
    "198148",
    "199343",
    "199771",
    "199967",
    "205301",
    "249066",
    "259966",
    "283077",
    "309684",
    "309686",
    "312614",
    "312615",
    "312617",
    "313979",
    "315187",
    "328161",
    "343033",
    "429199",
    "643123",
    "643127",
    "702306",
    "759481",
    "759697",
    "762675",
    "763179",
    "763181",
    "763183",
    "763185",
    "793099",
    "794979",
    "828248",
    "846192",
]
# Codes read from public sources, each with its provenance (bonewise.terminology.rxnorm_codes);
# RXNORM_TTY: the RxNorm term type (TTY) of a row -> its term type here.
RXNORM_TTY: dict[str, RxNormTermType] = {
    "IN": "ingredient",
    "SCD": "clinical_drug",
    "SBD": "branded_drug",
    "BN": "brand_name",
    "BPCK": "pack",
    "SBDC": "branded_component",
    "SBDF": "branded_dose_form",
}
_DRUG_CLASSES: dict[str, DrugClass] = {
    "aromatase_inhibitor": _AI,
    "bone_directed_therapy": _BTA,
    "glucocorticoid": _GC,
    "gnrh_agonist": _GNRH,
    "serm": _SERM,
}
DRUG_CODES += tuple(
    _rx(
        row["code"],
        row["display"],
        _DRUG_CLASSES[row["drug_class"]],
        row["agent"],
        RXNORM_TTY[row["tty"]],
        "secondary",
        f"{rxnorm_codes.PROVENANCE[row['source']]} ({rxnorm_codes.NAME} {rxnorm_codes.VERSION})",
    )
    for row in rxnorm_codes.ROWS
)
_KNOWN_RXNORM = {d.concept.code for d in DRUG_CODES}
DRUG_CODES += tuple(
    _rx(
        code,
        "oral glucocorticoid",
        _GC,
        "oral glucocorticoid",
        "clinical_drug",
        "secondary",
        _VSAC_ORAL_GC,
    )
    for code in _VSAC_ORAL_GC_CODES
    if code not in _KNOWN_RXNORM
)

# When a drug code is not in DRUG_CODES, the ingredient or brand name in the coding display or
# the text is matched instead (flagged "matched by name" on import). Longest names first, so
# "methylprednisolone" is not read as "prednisolone". Routes other than oral/systemic are not a
# glucocorticoid exposure, so topical and inhaled products are left unmatched.
DRUG_NAMES: tuple[tuple[str, DrugClass, str], ...] = tuple(
    sorted(
        (
            ("anastrozole", _AI, "anastrozole"),
            ("arimidex", _AI, "anastrozole"),
            ("letrozole", _AI, "letrozole"),
            ("femara", _AI, "letrozole"),
            ("exemestane", _AI, "exemestane"),
            ("aromasin", _AI, "exemestane"),
            ("denosumab", _BTA, "denosumab"),
            ("prolia", _BTA, "denosumab"),
            ("zoledronic", _BTA, "zoledronic_acid"),
            ("zoledronate", _BTA, "zoledronic_acid"),
            ("reclast", _BTA, "zoledronic_acid"),
            ("aclasta", _BTA, "zoledronic_acid"),
            ("zometa", _BTA, "zoledronic_acid"),
            ("alendron", _BTA, "alendronate"),
            ("fosamax", _BTA, "alendronate"),
            ("risedron", _BTA, "risedronate"),
            ("actonel", _BTA, "risedronate"),
            ("atelvia", _BTA, "risedronate"),
            ("ibandron", _BTA, "ibandronate"),
            ("boniva", _BTA, "ibandronate"),
            ("methylprednisolone", _GC, "methylprednisolone"),
            ("medrol", _GC, "methylprednisolone"),
            ("prednisolone", _GC, "prednisolone"),
            ("prednisone", _GC, "prednisone"),
            ("deltasone", _GC, "prednisone"),
            ("dexamethasone", _GC, "dexamethasone"),
            ("hydrocortisone", _GC, "hydrocortisone"),
            ("tamoxifen", _SERM, "tamoxifen"),
            ("nolvadex", _SERM, "tamoxifen"),
            ("goserelin", _GNRH, "goserelin"),
            ("zoladex", _GNRH, "goserelin"),
            ("leuprolide", _GNRH, "leuprolide"),
            ("leuprorelin", _GNRH, "leuprolide"),
            ("lupron", _GNRH, "leuprolide"),
            ("triptorelin", _GNRH, "triptorelin"),
        ),
        key=lambda row: -len(row[0]),
    )
)
_NOT_SYSTEMIC = ("topical", "cream", "ointment", "lotion", "inhal", "nasal", "ophthalmic", "otic")
# Denosumab 120 mg (Xgeva, 70 MG/ML) is the monthly oncology dose for bone metastases, not the
# osteoporosis dose the rules judge (clinical-reference.md s3): never matched by name as denosumab.
_ONCOLOGY_DOSE = ("xgeva", "70 mg/ml")

# bonewise local drug codes (system BONEWISE, never RxNorm): the agent by name, written beside
# the RxNorm coding on export so a record round-trips even where no verified RxNorm code exists
# (ibandronate). Kept apart from DRUG_CODES, which lists RxNorm concepts only.
LOCAL_DRUG_CODES: tuple[DrugCode, ...] = tuple(
    _local_drug(agent, _AI if agent in get_args(AromataseInhibitor) else _BTA)
    for agent in (*get_args(AromataseInhibitor), *ANTIRESORPTIVES)
)

# --- SNOMED CT: conditions ---------------------------------------------------------------------


def _sct(code: str, display: str, evidence: Evidence, verified_in: str) -> Concept:
    return Concept(SNOMED, code, display, evidence, verified_in)


def _value_set_concept(row: dict[str, str | bool]) -> Concept:
    evidence: Any = row["evidence"]
    where = snomed_value_sets.PROVENANCE[str(row["source"])]
    return _sct(str(row["code"]), str(row["display"]), evidence, where)


_CONDITION_SETS: tuple[ConditionKind, ...] = (
    "breast_cancer",
    "osteoporosis",
    "osteopenia",
    "bone_metastases",
    "fracture",
    "bilateral_oophorectomy",
)
# SNOMED CT conditions, from the versioned value-set file (terminology/snomed_value_sets.py).
CONDITION_CODES: tuple[ConditionCode, ...] = tuple(
    ConditionCode(
        _value_set_concept(row),
        kind,
        fracture_site=str(row["site"]) if "site" in row else None,
        vertebral=bool(row.get("vertebral", False)),
    )
    for kind in _CONDITION_SETS
    for row in snomed_value_sets.VALUE_SETS[kind]
)
# mCODE TNM distant metastases category (LOINC 21907-1 clinical, 21901-4 pathological) and the
# SNOMED CT answers meaning "no distant metastasis" (M0).
DISTANT_METASTASES_CATEGORY_LOINC: frozenset[str] = frozenset({"21907-1", "21901-4"})
M0_CATEGORY_SNOMED: frozenset[str] = frozenset(
    str(row["code"]) for row in snomed_value_sets.VALUE_SETS["distant_metastasis_m0"]
)

# --- Smoking status (LOINC 72166-2 with SNOMED CT answers; US Core / IPS smoking status) --------
SMOKING_STATUS = _loinc(
    "72166-2",
    "Tobacco smoking status",
    "confirmed",
    "US Core, AU Core and IPS smoking-status profiles",
)
_SMOKING_SRC = "a public US Core smoking-status answer map (current / former / never)"
_SMOKING_ROWS: tuple[tuple[str, str, Smoking], ...] = (
    ("449868002", "Smokes tobacco daily (finding)", "current"),
    ("428041000124106", "Occasional tobacco smoker (finding)", "current"),
    ("77176002", "Smoker (finding)", "current"),
    ("428071000124103", "Heavy tobacco smoker (finding)", "current"),
    ("428061000124105", "Light tobacco smoker (finding)", "current"),
    ("65568007", "Cigarette smoker (finding)", "current"),
    ("8517006", "Ex-smoker (finding)", "past"),
    ("266919005", "Never smoked tobacco (finding)", "never"),
)
SMOKING_ANSWERS: dict[str, tuple[Concept, Smoking]] = {
    code: (_sct(code, display, "secondary", _SMOKING_SRC), status)
    for code, display, status in _SMOKING_ROWS
}
SMOKING_EXPORT: dict[str, str] = {"current": "77176002", "past": "8517006", "never": "266919005"}

# --- Menopausal status (SNOMED CT findings) ---------------------------------------------------
MENOPAUSE_STATES: dict[str, tuple[Concept, MenopausalStatus]] = {
    str(row["code"]): (_value_set_concept(row), row["status"])  # type: ignore[misc]
    for row in snomed_value_sets.VALUE_SETS["menopause"]
}
MENOPAUSE_EXPORT: dict[str, str] = {status: code for code, (_, status) in MENOPAUSE_STATES.items()}

# --- bonewise local codes -----------------------------------------------------------------------
_LOCAL = "bonewise local code (no verified standard code)"


def _local(code: str, display: str) -> Concept:
    return Concept(BONEWISE, code, display, "policy", _LOCAL)


LOCAL_CODES: dict[str, Concept] = {
    c.code: c
    for c in (
        _local("menopausal-status", "Menopausal status"),
        _local("prior_fragility_fracture_after_50", "Prior fragility fracture after age 50"),
        _local("vertebral_fracture", "Vertebral fracture"),
        _local("parental_hip_fracture", "Parental hip fracture"),
        _local("oral_glucocorticoids_over_6_months", "Oral glucocorticoids for over 6 months"),
        _local("alcohol_3_or_more_units_per_day", "Alcohol 3 or more units per day"),
        _local("rheumatoid_arthritis", "Rheumatoid arthritis"),
        _local("falls_last_12_months", "Falls in the last 12 months"),
        _local("bone_metastases", "Bone metastases"),
        _local("frax", "FRAX 10-year probabilities entered by a clinician"),
        _local("frax-major-osteoporotic", "FRAX 10-year major osteoporotic fracture probability"),
        _local("frax-hip", "FRAX 10-year hip fracture probability"),
        _local("who-category", "WHO densitometric category (computed by bonewise)"),
        _local("lowest-t-score", "Lowest valid T-score (computed by bonewise)"),
        _local("next-dxa-due", "Next DXA due date (computed by bonewise)"),
        _local("bone-health-assessment", "Bone health assessment on aromatase inhibitor"),
        _local("bone-directed-therapy", "Consider bone-directed therapy"),
        _local("weekly-checkin", "Weekly check-in: joint pain, stiffness, missed AI days"),
        _local("worst-joint-pain-24h", "Worst joint pain in the last 24 hours (0-10, BPI item)"),
        _local("morning-stiffness", "Morning stiffness duration band"),
        _local("missed-ai-days-7d", "Days of the past 7 the aromatase inhibitor was missed"),
        _local("exercise-session", "Exercise session she logged"),
        _local("exercise-minutes", "Exercise session duration"),
        _local("exercise-pain", "Pain during or after the session (0-10)"),
    )
}


def local_code(code: str) -> Concept | None:
    return LOCAL_CODES.get(code)


# --- DXA procedure -----------------------------------------------------------------------------
PROCEDURE_CODES: tuple[ProcedureCode, ...] = (
    ProcedureCode(
        _sct(
            "312681000",
            "Bone density scan (procedure)",
            "secondary",
            "Synthea osteoporosis module (Procedure)",
        ),
    ),
    ProcedureCode(
        Concept(
            CPT,
            "77080",
            "DXA bone density study, 1 or more sites; axial skeleton",
            "unconfirmed",
            "best recollection of the CPT code; not checked",
        ),
    ),
)

# The ServiceRequest code bonewise suggests when a DXA is due (CDS Hooks, CarePlan activity).
# --- Indexes and lookups -----------------------------------------------------------------------
_DXA_BY_CODE = {c.concept.code: c for c in DXA_CODES}
_LAB_BY_CODE = {c.concept.code: c for c in LAB_CODES}
_VITAL_BY_CODE = {c.concept.code: c for c in VITAL_CODES}
_DRUG_BY_KEY = {(c.concept.system, c.concept.code): c for c in (*DRUG_CODES, *LOCAL_DRUG_CODES)}
_CONDITION_BY_CODE = {c.concept.code: c for c in CONDITION_CODES}
_PROCEDURE_BY_KEY = {(c.concept.system, c.concept.code): c for c in PROCEDURE_CODES}

# The ServiceRequest code bonewise suggests when a DXA is due (CDS Hooks, CarePlan activity).
DXA_ORDER: Concept = _PROCEDURE_BY_KEY[(SNOMED, "312681000")].concept
# Fractures whose site has no code of its own are exported with the general fracture concept.
FRACTURE_GENERAL: Concept = _CONDITION_BY_CODE["125605004"].concept


def normalise_system(system: str | None) -> str:
    """The canonical FHIR URI for a code system, whatever spelling an export used."""
    if not system:
        return ""
    stripped = system.strip()
    return _SYSTEM_ALIASES.get(stripped.lower(), _SYSTEM_ALIASES.get(stripped, stripped))


def _in(system: str | None, expected: str) -> bool:
    return normalise_system(system) == expected


def dxa_code(code: str, system: str | None = LOINC) -> DxaCode | None:
    """The DXA LOINC entry (site, kind, laterality, evidence), or None if not a known DXA code."""
    return _DXA_BY_CODE.get(code) if _in(system, LOINC) else None


def dxa_observation(code: str, system: str | None = LOINC) -> tuple[Site, DxaKind] | None:
    """(site, kind) for a DXA LOINC code, e.g. "38267-1" -> ("lumbar_spine", "t_score")."""
    entry = dxa_code(code, system)
    return (entry.site, entry.kind) if entry else None


def lab_code(code: str, system: str | None = LOINC) -> LabCode | None:
    return _LAB_BY_CODE.get(code) if _in(system, LOINC) else None


def vital_code(code: str, system: str | None = LOINC) -> VitalCode | None:
    return _VITAL_BY_CODE.get(code) if _in(system, LOINC) else None


def drug_code(system: str | None, code: str) -> DrugCode | None:
    """The RxNorm (or bonewise local) drug entry, or None if the code is not in the tables."""
    return _DRUG_BY_KEY.get((normalise_system(system), code))


def drug_class(system: str | None, code: str) -> DrugClass | None:
    """ "aromatase_inhibitor" or "bone_directed_therapy" for a known RxNorm code, else None."""
    entry = drug_code(system, code)
    return entry.drug_class if entry else None


def condition_code(system: str | None, code: str) -> ConditionCode | None:
    """The condition entry for a SNOMED CT code (value-set file) or an ICD-10-CM code (by ancestor)."""
    if _in(system, SNOMED):
        return _CONDITION_BY_CODE.get(code)
    if icd10cm.is_icd10cm(system):
        return _icd10cm_condition(code)
    return None


def _icd10cm_condition(code: str) -> ConditionCode | None:
    found = icd10cm.match(code)
    if found is None:
        return None
    where = f"CMS ICD-10-CM via simple-icd-10-cm (descendant of {found.root.code})"
    return ConditionCode(
        Concept(icd10cm.ICD10CM, found.code, found.display, "confirmed", where),
        found.root.kind,
        fracture_site=found.root.fracture_site,
        vertebral=found.vertebral,
    )


@dataclass(frozen=True, slots=True)
class DrugMatch:
    drug: DrugCode
    by_name: bool  # True: the code was unknown and the ingredient name in display/text matched


def drug_by_name(text: str | None) -> DrugCode | None:
    """The drug whose ingredient or brand name appears in a display or text, else None."""
    words = (text or "").lower()[:500]
    if not words or any(route in words for route in (*_NOT_SYSTEMIC, *_ONCOLOGY_DOSE)):
        return None
    for name, drug_class_, agent in DRUG_NAMES:
        if name in words:
            concept = Concept(
                BONEWISE, agent, f"{agent} (matched by name in {text!r})", "policy", "name match"
            )
            return DrugCode(concept, drug_class_, agent, "ingredient")
    return None


def match_drug(
    codings: list[tuple[str | None, str | None, str | None]], text: str | None
) -> DrugMatch | None:
    """A drug from (system, code, display) codings: by code first, then by name, flagged."""
    for system, code, _ in codings:
        found = drug_code(system, code or "")
        if found is not None:
            return DrugMatch(found, by_name=False)
    for candidate in (*(display for _, _, display in codings), text):
        named = drug_by_name(candidate)
        if named is not None:
            return DrugMatch(named, by_name=True)
    return None


def condition_kind(system: str | None, code: str) -> ConditionKind | None:
    entry = condition_code(system, code)
    return entry.kind if entry else None


def procedure_code(system: str | None, code: str) -> ProcedureCode | None:
    return _PROCEDURE_BY_KEY.get((normalise_system(system), code))


def is_dxa_procedure(system: str | None, code: str) -> bool:
    return procedure_code(system, code) is not None


def concept(system: str, code: str) -> Concept | None:
    """Any concept in the tables by system and code (ICD-10-CM by ancestor)."""
    if icd10cm.is_icd10cm(system):
        found = _icd10cm_condition(code)
        return found.concept if found else None
    return _ALL.get((normalise_system(system), code))


def codes_for(
    *,
    drug_class: DrugClass | None = None,
    condition: ConditionKind | None = None,
) -> frozenset[tuple[str, str]]:
    """(system, code) pairs of one drug class or condition kind, for value-set style filters."""
    if drug_class is not None:
        return frozenset(
            (d.concept.system, d.concept.code) for d in DRUG_CODES if d.drug_class == drug_class
        )
    if condition is not None:
        return frozenset(
            (c.concept.system, c.concept.code) for c in CONDITION_CODES if c.kind == condition
        )
    raise ValueError("give drug_class or condition")


DXA_LOINC_CODES: frozenset[str] = frozenset(_DXA_BY_CODE)
VITAMIN_D_LOINC_CODES: frozenset[str] = frozenset(
    c.concept.code for c in LAB_CODES if c.kind == "25_oh_vitamin_d"
)
AROMATASE_INHIBITOR_RXNORM: frozenset[str] = frozenset(
    d.concept.code
    for d in DRUG_CODES
    if d.drug_class == "aromatase_inhibitor" and d.concept.system == RXNORM
)
BONE_THERAPY_RXNORM: frozenset[str] = frozenset(
    d.concept.code
    for d in DRUG_CODES
    if d.drug_class == "bone_directed_therapy" and d.concept.system == RXNORM
)

# --- What bonewise writes on export -------------------------------------------------------------
# The RxNorm concept written for each agent (the AI products exist in one strength each; bone
# agents by ingredient, except denosumab whose 60 mg product is the osteoporosis dose).
EXPORT_DRUG_RXNORM: dict[str, str] = {
    "anastrozole": "199224",
    "letrozole": "200064",
    "exemestane": "310261",
    "denosumab": "993452",
    "zoledronic_acid": "77655",
    "alendronate": "46041",
    "risedronate": "73056",
}
# The unsided LOINC code for each (site, kind).
EXPORT_DXA_LOINC: dict[tuple[str, str], DxaCode] = {
    (c.site, c.kind): c for c in DXA_CODES if c.laterality is None
}
# The LOINC code for each (lab kind, unit); nmol/L vitamin D uses the D3 moles code (no verified
# LOINC code for total D2+D3 in nmol/L exists, clinical-reference.md s8).
EXPORT_LAB_LOINC: dict[tuple[str, str], str] = {
    ("25_oh_vitamin_d", "ng/mL"): "62292-8",
    ("25_oh_vitamin_d", "nmol/L"): "14635-7",
    ("serum_calcium", "mg/dL"): "17861-6",
    ("serum_calcium", "mmol/L"): "2000-8",
    ("creatinine_clearance", "mL/min"): "2164-2",
}
EXPORT_VITAL_UCUM: dict[str, str] = {"cm": "cm", "in": "[in_i]", "kg": "kg", "lb": "[lb_av]"}
# Fracture sites with a SNOMED CT concept of their own; other sites use FRACTURE_GENERAL.
EXPORT_FRACTURE_SNOMED: dict[str, str] = {
    "hip": "359817006",
    "forearm": "65966004",
    "wrist": "263102004",
}
DXA_PROCEDURE_CODES: frozenset[tuple[str, str]] = frozenset(_PROCEDURE_BY_KEY)


def all_concepts() -> list[Concept]:
    """Every concept in the tables (for documentation and tests)."""
    return [
        *(c.concept for c in DXA_CODES),
        *(c.concept for c in LAB_CODES),
        *(c.concept for c in VITAL_CODES),
        *(c.concept for c in DRUG_CODES),
        *(c.concept for c in LOCAL_DRUG_CODES),
        *(c.concept for c in CONDITION_CODES),
        *(c.concept for c in PROCEDURE_CODES),
    ]


_ALL: dict[tuple[str, str], Concept] = {(c.system, c.code): c for c in all_concepts()}
_ALL.update({(SNOMED, code): c for code, (c, _) in SMOKING_ANSWERS.items()})
_ALL.update({(SNOMED, code): c for code, (c, _) in MENOPAUSE_STATES.items()})
_ALL.update({(BONEWISE, code): c for code, c in LOCAL_CODES.items()})


# A DXA scanner's make as named in a Device's maker and names or a device display: the first
# make whose name the words contain (the FHIR import and the NDJSON loader read it so).
NAMED_SCANNER_MAKES: tuple[str, ...] = tuple(m for m in get_args(ScannerMake) if m != "other")


def scanner_make_named(words: str) -> str | None:
    """The make `words` name (case-insensitive), None when they name none."""
    lowered = words.lower()
    return next((make for make in NAMED_SCANNER_MAKES if make in lowered), None)
