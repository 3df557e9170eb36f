"""SNOMED CT value sets bonewise reads: a versioned data file with its provenance.

Data only (one row per concept: code, display, the value set it belongs to, evidence tag, source
key into PROVENANCE). Concept identifiers and descriptions as used in public FHIR examples and
code lists; no licence-bound SNOMED CT release is shipped. Bump VERSION when a row changes.
"""

from __future__ import annotations

NAME = "bonewise SNOMED CT value sets"
VERSION = "2026-12-01"
LICENCE_NOTE = "Concept identifiers and descriptions only, as used in public FHIR examples and code lists; no SNOMED CT release file is shipped."

# source key -> where the concept was seen
PROVENANCE: dict[str, str] = {
    "synthea": "Synthea modules and code maps (osteoporosis, injuries, hormonetherapy_breast), public",
    "issue13": "bonewise issue 13: a hospital test bundle coding a lumbar vertebral fracture as 207938004",
    "meno_vs": "a public SNOMED CT value set of menopausal states",
    "trial": "a clinical-trial matcher's SNOMED CT code list",
    "fracture_list": "a public fracture code list",
    "mcode": "mCODE STU examples (HL7 fhir-mCODE-ig): TNM distant metastases category cM0",
    "s8": "clinical-reference.md section 8",
    "recollection": "best recollection, not confirmed in a public source: reported as UNCONFIRMED on import",
}

# value set -> rows; "site"/"vertebral" for fractures, "status" for menopausal states
VALUE_SETS: dict[str, tuple[dict[str, str | bool], ...]] = {
    "fracture": (
        {
            "code": "207938004",
            "display": "Closed fracture of lumbar vertebra",
            "site": "lumbar vertebra",
            "vertebral": True,
            "evidence": "secondary",
            "source": "issue13",
        },
        {
            "code": "125605004",
            "display": "Fracture of bone (disorder)",
            "site": "site not coded",
            "evidence": "secondary",
            "source": "fracture_list",
        },
        {
            "code": "443165006",
            "display": "Pathological fracture due to osteoporosis (disorder)",
            "site": "site not coded (osteoporotic)",
            "evidence": "secondary",
            "source": "s8",
        },
        {
            "code": "359817006",
            "display": "Closed fracture of hip (disorder)",
            "site": "hip",
            "evidence": "secondary",
            "source": "synthea",
        },
        {
            "code": "65966004",
            "display": "Fracture of forearm (disorder)",
            "site": "forearm",
            "evidence": "secondary",
            "source": "fracture_list",
        },
        {
            "code": "263102004",
            "display": "Fracture subluxation of wrist (disorder)",
            "site": "wrist",
            "evidence": "secondary",
            "source": "synthea",
        },
        {
            "code": "33737001",
            "display": "Fracture of rib (disorder)",
            "site": "rib",
            "evidence": "secondary",
            "source": "synthea",
        },
        {
            "code": "58150001",
            "display": "Fracture of clavicle (disorder)",
            "site": "clavicle",
            "evidence": "secondary",
            "source": "synthea",
        },
        {
            "code": "16114001",
            "display": "Fracture of ankle (disorder)",
            "site": "ankle",
            "evidence": "secondary",
            "source": "synthea",
        },
        {
            "code": "71620000",
            "display": "Fracture of femur (disorder)",
            "site": "femur",
            "evidence": "unconfirmed",
            "source": "recollection",
        },
        {
            "code": "263225007",
            "display": "Fracture of neck of femur (disorder)",
            "site": "hip",
            "evidence": "unconfirmed",
            "source": "recollection",
        },
    ),
    "bone_metastases": (
        {
            "code": "94222008",
            "display": "Secondary malignant neoplasm of bone (disorder)",
            "evidence": "secondary",
            "source": "trial",
        },
    ),
    "breast_cancer": (
        {
            "code": "254837009",
            "display": "Malignant neoplasm of breast (disorder)",
            "evidence": "confirmed",
            "source": "s8",
        },
    ),
    "osteoporosis": (
        {
            "code": "64859006",
            "display": "Osteoporosis (disorder)",
            "evidence": "confirmed",
            "source": "synthea",
        },
    ),
    "osteopenia": (
        {
            "code": "312894000",
            "display": "Osteopenia (disorder)",
            "evidence": "confirmed",
            "source": "s8",
        },
    ),
    "bilateral_oophorectomy": (
        {
            "code": "29827000",
            "display": "Bilateral oophorectomy (procedure)",
            "evidence": "unconfirmed",
            "source": "recollection",
        },
    ),
    "menopause": (
        {
            "code": "22636003",
            "display": "Premenopausal state (finding)",
            "status": "premenopausal",
            "evidence": "secondary",
            "source": "meno_vs",
        },
        {
            "code": "307409000",
            "display": "Perimenopausal state (finding)",
            "status": "perimenopausal",
            "evidence": "unconfirmed",
            "source": "recollection",
        },
        {
            "code": "76498008",
            "display": "Postmenopausal state (finding)",
            "status": "postmenopausal",
            "evidence": "secondary",
            "source": "meno_vs",
        },
    ),
    "distant_metastasis_m0": (
        {
            "code": "1229901006",
            "display": "American Joint Committee on Cancer cM0 (qualifier value)",
            "evidence": "secondary",
            "source": "mcode",
        },
    ),
}
