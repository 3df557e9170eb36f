"""The trial and study figures the Learn pages quote, each a `Cited` value defined once
(clinical-reference.md section 4) and rendered by the templates, never typed into them. ARBI's
are in bonewise.evidence (the seed tiers quote them too); Kwan's are here.

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
    Cited,
    Source,
)

KWAN_2021 = Source(
    "kwan-2021",
    "Kwan ML et al. Exercise and fracture risk in women with breast cancer on aromatase "
    "inhibitors (Kaiser Permanente Northern California). J Cancer Surviv 2021, published "
    "2023;17:139-149. doi:10.1007/s11764-021-00993-0 (PMC8349930)",
)

# --- Kwan 2021/2023: aerobic exercise and osteoporotic fracture on an aromatase inhibitor ------
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
