"""ICD-10-CM conditions bonewise reads, matched by ancestor in the real code hierarchy.

The hierarchy comes from `simple-icd-10-cm` (pinned in pyproject.toml; it ships the CMS
ICD-10-CM tabular list). A code matches a value set when the code itself or one of its
ancestors is a value-set root, so "S32.010A" (wedge fracture of L1, initial encounter) is a
vertebral fracture because S32.0 "Fracture of lumbar vertebra" is its ancestor: no list of
leaves to keep up to date. The package parses its XML on first use, so it is imported lazily
(terminology modules do no file I/O at import).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10CM_ALIASES = (
    "icd-10-cm",
    "icd10cm",
    "http://hl7.org/fhir/sid/icd-10-cm/",
    "urn:oid:2.16.840.1.113883.6.90",
)

Icd10Kind = Literal[
    "fracture",
    "bone_metastases",
    "long_term_steroids",
    "breast_cancer",
    "bilateral_oophorectomy",
    "rheumatoid_arthritis",
]


@dataclass(frozen=True, slots=True)
class Icd10Root:
    """One value-set root: every descendant of `code` in ICD-10-CM means `kind`."""

    code: str
    kind: Icd10Kind
    fracture_site: str | None = None
    vertebral: bool = False


# Roots from issue 13 and the CMS ICD-10-CM tabular list (descriptions read from the package).
ICD10CM_ROOTS: tuple[Icd10Root, ...] = (
    Icd10Root("S22.0", "fracture", "thoracic vertebra", vertebral=True),
    Icd10Root("S32.0", "fracture", "lumbar vertebra", vertebral=True),
    Icd10Root("M48.5", "fracture", "vertebra (collapsed)", vertebral=True),
    Icd10Root("S72.0", "fracture", "hip"),
    Icd10Root("S72.1", "fracture", "hip"),
    Icd10Root("S72.2", "fracture", "hip"),
    Icd10Root("S52.5", "fracture", "wrist (distal radius)"),
    # M80 "Osteoporosis with current pathological fracture": the site is in the 5th character.
    Icd10Root("M80", "fracture", "site not coded (osteoporotic)"),
    Icd10Root("C79.51", "bone_metastases"),
    Icd10Root("C79.52", "bone_metastases"),
    Icd10Root("Z79.52", "long_term_steroids"),
    Icd10Root("C50", "breast_cancer"),
    Icd10Root("Z90.722", "bilateral_oophorectomy"),
    Icd10Root("M05", "rheumatoid_arthritis"),
    Icd10Root("M06", "rheumatoid_arthritis"),
)
_ROOTS = {root.code: root for root in ICD10CM_ROOTS}
# M80.x8: vertebra(e) in the M80 site character.
_M80_VERTEBRAL = ("M80.08", "M80.88")


@dataclass(frozen=True, slots=True)
class Icd10Match:
    code: str  # with its dot, as ICD-10-CM prints it
    display: str  # the package's description of the code itself
    root: Icd10Root
    vertebral: bool


@cache
def _cm() -> Any:
    import simple_icd_10_cm as cm  # parses the tabular list once, on first use

    return cm


def is_icd10cm(system: str | None) -> bool:
    if not system:
        return False
    stripped = system.strip()
    return stripped == ICD10CM or stripped.lower() in ICD10CM_ALIASES


@lru_cache(maxsize=8192)  # bounded: codes come from untrusted input
def match(code: str) -> Icd10Match | None:
    """The bonewise value set an ICD-10-CM code belongs to (by ancestor), or None.

    Accepts codes with or without the dot ("S32010A" or "S32.010A"); an invalid code is None.
    """
    cm = _cm()
    text = (code or "").strip().upper()
    if not text or len(text) > 10 or not cm.is_valid_item(text):
        return None
    dotted = cm.add_dot(text) if "." not in text and len(text) > 3 else text
    lineage = [dotted, *cm.get_ancestors(dotted)]
    for item in lineage:
        root = _ROOTS.get(item)
        if root is not None:
            vertebral = root.vertebral or any(a in _M80_VERTEBRAL for a in lineage)
            return Icd10Match(dotted, str(cm.get_description(dotted)), root, vertebral)
    return None
