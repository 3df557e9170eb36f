"""The canonical flat schema every cohort source is loaded into.

Five tables, one row per fact, each fact keeping where it came from (`source`, `code_system`,
`code`). The care-gap rules read only the canonical `concept` columns, so they do not care
whether a row came from FHIR, OMOP or a flat file.

Dates are ISO `YYYY-MM-DD`. Staged files may hold dates as text (what the source said); the
quality step casts them and reports any that are not dates instead of dropping them silently.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

import pyarrow as pa

from bonewise.clinical.models import ANTIRESORPTIVES, AromataseInhibitor
from bonewise.terminology import codes

TableName = Literal["persons", "drug_exposures", "measurements", "conditions", "procedures"]
TABLES: Final[tuple[TableName, ...]] = (
    "persons",
    "drug_exposures",
    "measurements",
    "conditions",
    "procedures",
)

# Canonical concepts (the vocabulary the rules use). Agent names follow clinical.models.
AROMATASE_INHIBITORS: Final[tuple[str, ...]] = get_args(AromataseInhibitor)
BONE_DIRECTED_THERAPIES: Final[tuple[str, ...]] = ANTIRESORPTIVES
DRUG_CLASSES: Final = (
    "aromatase_inhibitor",
    "bone_directed_therapy",
    "glucocorticoid",
    "gnrh_agonist",
)
# GnRH agonists (ovarian suppression) by agent, and `ovarian_suppression`: recorded with the AI
# (the FHIR export's extension on the AI statement), an exposure over the AI course.
GNRH_AGONIST_CONCEPTS: Final = ("goserelin", "leuprolide", "triptorelin", "ovarian_suppression")
MENOPAUSAL_STATUSES: Final = ("premenopausal", "perimenopausal", "postmenopausal")
MEASUREMENT_CONCEPTS: Final = (
    "dxa_t_score",
    "dxa_bmd",
    "dxa_z_score",
    "vitamin_d_25oh",
    "bmi",
    "smoking_status",
)
SMOKING_VALUES: Final = ("never", "past", "current")
# A fact under a code bonewise does not know, named by its words (a Condition: the family its
# words name, terminology.families) or a drug under an unknown bonewise local code: its row
# keeps its date and code, its concept says "unconfirmed". It counts as nothing for the measures
# (unknown is not absent, nor present); it marks the woman for a clinician to confirm
# (rules.clinician_review), as the import's "unknown, please confirm".
UNCONFIRMED_CONDITIONS: Final = {
    "fracture": "unconfirmed_fracture",
    "bone_metastases": "unconfirmed_bone_metastases",
    "menopause": "unconfirmed_menopausal_status",
}
UNCONFIRMED_DRUG: Final = "unconfirmed_drug"
UNCONFIRMED_CONCEPTS: Final = (*UNCONFIRMED_CONDITIONS.values(), UNCONFIRMED_DRUG)
# A fracture recorded as traumatic is its own concept: never a fragility fracture (the risk
# factor), still a recent fracture (clinician review).
CONDITION_CONCEPTS: Final = (
    "fracture",
    "traumatic_fracture",
    "bone_metastases",
    "breast_cancer",
    "osteoporosis",
    "osteopenia",
    # postmenopausal by NCCN (clinical.menopause)
    "bilateral_oophorectomy",
    *UNCONFIRMED_CONDITIONS.values(),
)
PROCEDURE_CONCEPTS: Final = ("dxa",)
GENDERS: Final = ("female", "male", "other", "unknown")

_PROVENANCE = [
    pa.field("code_system", pa.string()),
    pa.field("code", pa.string()),
    pa.field("source", pa.string()),
]

SCHEMAS: Final[dict[TableName, pa.Schema]] = {
    "persons": pa.schema(
        [
            pa.field("person_id", pa.string(), nullable=False),
            pa.field("gender", pa.string()),
            pa.field("birth_date", pa.date32()),
            pa.field("death_date", pa.date32()),
            # deceased with no date recorded (FHIR deceasedBoolean): excluded from every measure
            pa.field("deceased", pa.bool_()),
            # as recorded (no date: her status now, as the app's record holds it); null: not
            # recorded, inferred by the NCCN criteria (clinical.menopause)
            pa.field("menopausal_status", pa.string()),
            pa.field("source", pa.string()),
        ]
    ),
    "drug_exposures": pa.schema(
        [
            pa.field("record_id", pa.string()),
            pa.field("person_id", pa.string(), nullable=False),
            pa.field("concept", pa.string()),
            pa.field("drug_class", pa.string()),
            pa.field("start_date", pa.date32()),
            # null: no end recorded (still taking it, or a single dose given on start_date)
            pa.field("end_date", pa.date32()),
            *_PROVENANCE,
        ]
    ),
    "measurements": pa.schema(
        [
            pa.field("record_id", pa.string()),
            pa.field("person_id", pa.string(), nullable=False),
            pa.field("concept", pa.string()),
            pa.field("date", pa.date32()),
            pa.field("value", pa.float64()),
            pa.field("unit", pa.string()),
            pa.field("value_text", pa.string()),
            # A DXA result's scan, for the BMD series the core computes (clinical.bmd_series):
            # the site (clinical.models.Site; null: the site its LOINC code names), the scanner
            # make (hologic, lunar, norland, other; null: not recorded, read as "other" as the
            # FHIR import does) and the facility's short-term precision (%CV) at that site, if
            # the report gave one (null: the cited default for the make and site).
            pa.field("body_site", pa.string()),
            pa.field("device_make", pa.string()),
            pa.field("precision_pct", pa.float64()),
            *_PROVENANCE,
        ]
    ),
    "conditions": pa.schema(
        [
            pa.field("record_id", pa.string()),
            pa.field("person_id", pa.string(), nullable=False),
            pa.field("concept", pa.string()),
            pa.field("onset_date", pa.date32()),
            *_PROVENANCE,
        ]
    ),
    "procedures": pa.schema(
        [
            pa.field("record_id", pa.string()),
            pa.field("person_id", pa.string(), nullable=False),
            pa.field("concept", pa.string()),
            pa.field("date", pa.date32()),
            *_PROVENANCE,
        ]
    ),
}

DATE_COLUMNS: Final[dict[TableName, tuple[str, ...]]] = {
    "persons": ("birth_date", "death_date"),
    "drug_exposures": ("start_date", "end_date"),
    "measurements": ("date",),
    "conditions": ("onset_date",),
    "procedures": ("date",),
}
# The date a fact cannot do without: a row whose required date is missing or not a date is
# reported and left out of the measures.
REQUIRED_DATE: Final[dict[TableName, str | None]] = {
    "persons": None,
    "drug_exposures": "start_date",
    "measurements": "date",
    "conditions": "onset_date",
    "procedures": "date",
}


def raw_schema(table: TableName) -> pa.Schema:
    """The staged form of a table: dates as text, as the source wrote them."""
    fields = [
        pa.field(f.name, pa.string()) if f.name in DATE_COLUMNS[table] else f
        for f in SCHEMAS[table]
    ]
    return pa.schema(fields)


def drug_concept(drug: codes.DrugCode) -> str:
    """The flat schema's concept for a coded drug: its agent, except that every oral
    glucocorticoid (prednisone, a value-set clinical drug, the local code) is one concept,
    `glucocorticoid`, since the measures judge the class, not the ingredient."""
    return "glucocorticoid" if drug.drug_class == "glucocorticoid" else str(drug.agent)
