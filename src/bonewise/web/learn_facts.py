"""The trial and study figures the Learn pages quote, each a `Cited` value defined once
(clinical-reference.md section 4) and rendered by the templates, never typed into them. ARBI's
and Kwan's are in bonewise.evidence (clinical numbers are defined there alone); this module only
gathers the ones the pages quote.

These pages explain; they do not advise her to take a medicine or say at what dose.
"""

from __future__ import annotations

from bonewise.evidence import (
    ARBI_HIGH_SPINE_WITH_RISEDRONATE,
    ARBI_MODERATE_HIP_WITH_RISEDRONATE,
    ARBI_MODERATE_HIP_WITHOUT,
    ARBI_MODERATE_SPINE_WITH_RISEDRONATE,
    ARBI_MODERATE_SPINE_WITHOUT,
    ARBI_WOMEN,
    KWAN_2021,
    KWAN_AEROBIC_MINUTES,
    KWAN_EXPOSURE_MONTHS,
    KWAN_FRACTURE_HR,
    KWAN_WOMEN,
    Cited,
)

__all__ = [
    "ALL",
    "ARBI_HIGH_SPINE_WITH_RISEDRONATE",
    "ARBI_MODERATE_HIP_WITHOUT",
    "ARBI_MODERATE_HIP_WITH_RISEDRONATE",
    "ARBI_MODERATE_SPINE_WITHOUT",
    "ARBI_MODERATE_SPINE_WITH_RISEDRONATE",
    "ARBI_WOMEN",
    "KWAN_2021",
    "KWAN_AEROBIC_MINUTES",
    "KWAN_EXPOSURE_MONTHS",
    "KWAN_FRACTURE_HR",
    "KWAN_WOMEN",
]

ALL: tuple[Cited[int] | Cited[float], ...] = (
    ARBI_WOMEN,
    ARBI_MODERATE_SPINE_WITH_RISEDRONATE,
    ARBI_MODERATE_SPINE_WITHOUT,
    ARBI_MODERATE_HIP_WITH_RISEDRONATE,
    ARBI_MODERATE_HIP_WITHOUT,
    ARBI_HIGH_SPINE_WITH_RISEDRONATE,
    KWAN_WOMEN,
    KWAN_AEROBIC_MINUTES,
    KWAN_EXPOSURE_MONTHS,
    KWAN_FRACTURE_HR,
)
