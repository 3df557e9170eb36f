"""SNOMED CT value sets bonewise reads: a versioned data file with its provenance.

Data only (one row per concept: code, display, the value set it belongs to, evidence tag, source
key into PROVENANCE). Concept identifiers and descriptions as used in public FHIR examples and
code lists; no licence-bound SNOMED CT release is shipped. Bump VERSION when a row changes.
"""

from __future__ import annotations

NAME = "bonewise SNOMED CT value sets"
VERSION = "2026-12-01.2"
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
    "ecds": "a public NHS Emergency Care Data Set (ECDS) fracture code list (SNOMED CT, closed and open fracture by site), as used in a public BHF Data Science Centre codelist notebook",
    "radius_vs": "a public FHIR ValueSet expansion listing 263199001 'Fracture of distal end of radius (disorder)', and public mappings and concept tables naming it the same",
    "public_maps": "public ICD-10-CM to SNOMED CT maps (S72.001A -> 5913000) and a public code dictionary",
}

# Not added: a SNOMED CT pathological (osteoporotic) vertebral fracture concept, for none was
# found in a public source to verify it; 443165006 (site not coded) and ICD-10-CM M80 / M48.5
# cover pathological fractures meanwhile.

# Where public sources disagree (the concept's family is agreed; its detail is not).
NOTES: dict[str, str] = {
    "207938004": "issue 13 names it a lumbar vertebral fracture; the ECDS list names it "
    "'Closed fracture thoracic vertebra' (and 207957008 lumbar). A vertebral fracture either way. "
    "Searched again (2026-12-01): a second public code list with fully specified names "
    "('Closed fracture thoracic vertebra (disorder)' 207938004, 'Closed fracture lumbar vertebra "
    "(disorder)' 207957008) lists the same ECDS codes in the same order, so it is the same source, "
    "not a second one; other public files call 207938004 or 207957008 'compression fracture of "
    "vertebra' and contradict each other. Not settled by independent public sources: the ECDS "
    "lineage (thoracic) is the better-sourced reading, the 'lumbar vertebra' site here comes from "
    "the issue text only. Confirm in a SNOMED CT browser before changing the site.",
    "207957008": "the ECDS list names it 'Closed fracture lumbar vertebra'; a reviewer's EHR bundle "
    "sent it as 'Closed fracture of thoracic vertebra'. A vertebral fracture either way: the level "
    "is left unconfirmed (see 207938004 for the 2026-12-01 search).",
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
        {
            "code": "269062008",
            "display": "Closed fracture of cervical spine (disorder)",
            "site": "cervical spine",
            "vertebral": True,
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "269070003",
            "display": "Open fracture of cervical spine (disorder)",
            "site": "cervical spine",
            "vertebral": True,
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "207957008",
            "display": "Closed fracture of lumbar vertebra (disorder)",
            "site": "thoracic or lumbar vertebra",
            "vertebral": True,
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "207949005",
            "display": "Open fracture of thoracic vertebra (disorder)",
            "site": "thoracic vertebra",
            "vertebral": True,
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "207965006",
            "display": "Open fracture of lumbar vertebra (disorder)",
            "site": "lumbar vertebra",
            "vertebral": True,
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "361118003",
            "display": "Open fracture of hip (disorder)",
            "site": "hip",
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "5913000",
            "display": "Fracture of neck of femur (disorder)",
            "site": "hip",
            "evidence": "secondary",
            "source": "public_maps",
        },
        {
            "code": "25415003",
            "display": "Closed fracture of femur (disorder)",
            "site": "femur",
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "28576007",
            "display": "Open fracture of femur (disorder)",
            "site": "femur",
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "111640008",
            "display": "Closed fracture of radius (disorder)",
            "site": "radius",
            "evidence": "secondary",
            "source": "ecds",
        },
        {
            "code": "263199001",
            "display": "Fracture of distal end of radius (disorder)",
            "site": "distal radius (wrist)",
            "evidence": "secondary",
            "source": "radius_vs",
        },
        {
            "code": "42945005",
            "display": "Open fracture of radius (disorder)",
            "site": "radius",
            "evidence": "secondary",
            "source": "ecds",
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
