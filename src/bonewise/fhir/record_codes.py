"""What the FHIR export writes (and the importer reads back) for the record fields of issue 11.

Standard FHIR means are used where they exist: a patient-reported answer names the Patient as
`Observation.performer`, the date it was recorded is `effectiveDateTime`, "not sure" is the
data-absent-reason `asked-unknown`, a dose is `dosage.doseAndRate.doseQuantity` (UCUM mg), GnRH
agonists are MedicationStatements with their RxNorm codes from bonewise.terminology. What has no
standard home is a bonewise extension (same `urn:bonewise:extension:` base as the others):

- `answer-provenance` (on a risk-factor Observation): sub-extensions `source` (valueCode
  patient | clinician | ehr-import), `recorded-on` (valueDate), `unsure` (valueBoolean),
  `basis` (valueCode absent-from-record | inferred | defaulted: the answer was assumed). Its
  presence says the question was answered (or marked "not recorded") by someone; its absence,
  that the record never said who or when.
- `traumatic-fracture` (on a fracture Condition): valueBoolean, the record's `traumatic`.
- `vertebral-fracture-found` (on a vertebral-imaging Procedure): valueBoolean.
- `record-assumption` (on the Patient, one per assumption the record keeps): sub-extensions
  `field` (valueString), `basis` (valueCode), `statement` (valueString), `confirm`
  (valueBoolean), `source` (valueCode) and `value` (valueString, the value as JSON).
- `start-is-first-dose` (on a bone-therapy MedicationStatement): valueBoolean true when the
  record gave no start date and `effectivePeriod.start` is the first dose (FHIR readers, the
  population loader among them, need a date; the importer leaves the start unrecorded again).

Vertebral imaging kinds have no verified code in bonewise.terminology, so they are bonewise
local codes (system `urn:bonewise:codes`), named as such.
"""

from __future__ import annotations

from bonewise.terminology import codes

EXT_ANSWER_PROVENANCE = codes.EXT_BASE + "answer-provenance"
EXT_TRAUMATIC = codes.EXT_BASE + "traumatic-fracture"
EXT_VERTEBRAL_FRACTURE_FOUND = codes.EXT_BASE + "vertebral-fracture-found"
EXT_START_IS_FIRST_DOSE = codes.EXT_BASE + "start-is-first-dose"
EXT_RECORD_ASSUMPTION = codes.EXT_BASE + "record-assumption"

DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
# "asked-unknown": the source was asked but does not know (she answered "not sure").
ABSENT_UNSURE = "asked-unknown"
ABSENT_UNKNOWN = "unknown"

_LOCAL = "bonewise local code (no verified standard code in bonewise.terminology)"
# Computed by bonewise (exported with the assessment; recomputed, never imported).
CLINICAL_OSTEOPOROSIS = codes.Concept(
    codes.BONEWISE,
    "clinical-osteoporosis",
    "Clinical osteoporosis: hip or vertebral fragility fracture (computed by bonewise)",
    "policy",
    _LOCAL,
)
VERTEBRAL_IMAGING: dict[str, codes.Concept] = {
    kind: codes.Concept(codes.BONEWISE, f"vertebral-imaging-{kind}", display, "policy", _LOCAL)
    for kind, display in (
        ("vfa", "Vertebral fracture assessment (VFA) on DXA"),
        ("radiograph", "Thoracolumbar spine radiograph for vertebral fracture"),
        ("ct", "CT of the spine for vertebral fracture"),
        ("mri", "MRI of the spine for vertebral fracture"),
    )
}
VERTEBRAL_IMAGING_KIND: dict[str, str] = {c.code: kind for kind, c in VERTEBRAL_IMAGING.items()}

# The record's GnRH agonist names and bonewise.terminology's ingredient names (RxNorm's).
GNRH_TERMINOLOGY_AGENT: dict[str, str] = {
    "goserelin": "goserelin",
    "leuprorelin": "leuprolide",
    "triptorelin": "triptorelin",
}
GNRH_RECORD_AGENT: dict[str, str] = {v: k for k, v in GNRH_TERMINOLOGY_AGENT.items()}


def gnrh_drug(agent: str) -> codes.DrugCode:
    """The RxNorm entry for a record GnRH agonist (goserelin, leuprorelin, triptorelin)."""
    name = GNRH_TERMINOLOGY_AGENT[agent]
    return next(
        d
        for d in codes.DRUG_CODES
        if d.drug_class == "gnrh_agonist" and d.agent == name and d.concept.system == codes.RXNORM
    )
