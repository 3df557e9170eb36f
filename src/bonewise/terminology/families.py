"""Which family a code bonewise does not know names, by its display or text.

An EHR may send a fracture, a bone metastasis or a menopausal state under a code that is not in
bonewise's value sets. Its words still say what it is, so the fact it would decide is then
unknown (to confirm), never "absent from the record". Matching is on whole words of the coding
displays and the text, case-insensitive; a code that names no family stays a plain unknown code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Family = Literal["fracture", "bone_metastases", "menopause"]

_PATTERNS: tuple[tuple[Family, re.Pattern[str]], ...] = (
    # metastasis before fracture: "pathological fracture due to metastatic disease" is both,
    # and the metastasis is the one that routes her to a clinician
    (
        "bone_metastases",
        re.compile(
            r"\b(metasta\w*|secondary malignant neoplasm of (the )?(bone|vertebra\w*|spine))\b",
            re.IGNORECASE,
        ),
    ),
    ("fracture", re.compile(r"\bfractur\w*\b", re.IGNORECASE)),
    ("menopause", re.compile(r"\b(\w*menopaus\w*|climacteri\w*)\b", re.IGNORECASE)),
)
_BONE = re.compile(r"\b(bone|osseous|skelet\w*|vertebra\w*|spine|spinal)\b", re.IGNORECASE)
VERTEBRAL = re.compile(r"\b(vertebra\w*|spine|spinal|thoracolumbar)\b", re.IGNORECASE)


def family_named(words: Iterable[str]) -> Family | None:
    """The family the words of an unknown code name, or None. A metastasis counts only when the
    words also name bone (a liver metastasis is not a bone metastasis)."""
    text = " ".join(w for w in words if w)
    for family, pattern in _PATTERNS:
        if pattern.search(text) and (family != "bone_metastases" or _BONE.search(text)):
            return family
    return None
