"""Reading DXA results: WHO category, the Z-score path, computed T-scores, and change over time.

Sources: WHO/ISCD categories and reporting rules, NHANES III hip reference values, Hui 1997
standardised BMD, ISCD least significant change (clinical-reference.md sections 1-2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bonewise import evidence
from bonewise.clinical.models import SITES, DxaScan, MenopausalStatus, ScannerMake, Site

WhoCategory = Literal["normal", "osteopenia", "osteoporosis"]
WHO_ORDER: dict[WhoCategory, int] = {"normal": 0, "osteopenia": 1, "osteoporosis": 2}


@dataclass(frozen=True, slots=True)
class SiteScore:
    site: Site
    value: float
    computed: bool
    scan_date: date
    basis: str  # how the value was obtained, shown to the clinician


def uses_z_scores(status: MenopausalStatus) -> bool:
    """[C] ISCD: premenopausal women are reported by Z-score; WHO categories may be used from the
    menopausal transition on."""
    return status == "premenopausal"


def who_category(t_score: float) -> WhoCategory:
    """[C] WHO: normal T >= -1.0; osteopenia -1.0 > T > -2.5; osteoporosis T <= -2.5."""
    if t_score <= evidence.WHO_OSTEOPOROSIS_MAX_T.value:
        return "osteoporosis"
    if t_score >= evidence.WHO_NORMAL_MIN_T.value:
        return "normal"
    return "osteopenia"


def standardised_hip_bmd(bmd: float, make: ScannerMake, site: Site) -> float:
    """Hologic-scale is what NHANES III used; other makers are converted through sBMD (Hui 1997).

    Returns g/cm2 on the sBMD scale; raises ValueError where no equation exists.
    """
    equations = evidence.SBMD_HIP_EQUATIONS.value
    if make not in equations or site not in equations[make]:
        raise ValueError(f"no sBMD equation for {make} {site}")
    a, b = equations[make][site]
    return a + b * bmd


def hologic_scale_hip_bmd(bmd: float, make: ScannerMake, site: Site) -> float:
    """Hip BMD moved to the Hologic scale NHANES III was measured on: to sBMD with the maker's
    equation, then back through the Hologic one (Hui 1997)."""
    if make == "hologic":
        return bmd
    a_hologic, b_hologic = evidence.SBMD_HIP_EQUATIONS.value["hologic"][site]
    return (standardised_hip_bmd(bmd, make, site) - a_hologic) / b_hologic


def computed_t_score(bmd: float, make: ScannerMake, site: Site) -> float | None:
    """T-score from femoral-neck or total-hip BMD against NHANES III white women aged 20-29.

    Lunar and Norland BMD is converted to the Hologic scale first. Returns None for sites or
    makers with no reference or equation.
    """
    reference = evidence.NHANES_III_WHITE_WOMEN_20_29.value
    if site not in reference or make not in evidence.SBMD_HIP_EQUATIONS.value:
        return None
    mean, sd = reference[site]
    return round((hologic_scale_hip_bmd(bmd, make, site) - mean) / sd, 1)


def site_scores(scan: DxaScan) -> list[SiteScore]:
    """The T-score of every measured site: the reported one, or one computed from hip BMD."""
    scores: list[SiteScore] = []
    for site in SITES:
        result = scan.sites.get(site)
        if result is None:
            continue
        if result.t_score is not None:
            scores.append(
                SiteScore(site, result.t_score, False, scan.date, "reported by the scanner")
            )
            continue
        if result.bmd_g_cm2 is None:
            continue
        computed = computed_t_score(result.bmd_g_cm2, scan.scanner_make, site)
        if computed is not None:
            conversion = (
                ""
                if scan.scanner_make == "hologic"
                else " after conversion to the Hologic scale (Hui 1997 sBMD)"
            )
            scores.append(
                SiteScore(
                    site,
                    computed,
                    True,
                    scan.date,
                    f"computed from {result.bmd_g_cm2} g/cm2 {scan.scanner_make} BMD against "
                    f"NHANES III{conversion}",
                )
            )
    return scores


def lowest_t_score(scan: DxaScan, *, sites: tuple[Site, ...] = SITES) -> SiteScore | None:
    """[C]/[S] ISCD: the lowest T-score of L1-L4, total hip, femoral neck (and 33% radius)."""
    candidates = [s for s in site_scores(scan) if s.site in sites]
    return min(candidates, key=lambda s: s.value, default=None)


def near_threshold(score: SiteScore, scan: DxaScan, thresholds: tuple[float, ...]) -> str | None:
    """A T-score computed from another maker's BMD within the conversion's error (the upper
    4-7%) of a decision threshold: the words for the reasons, else None."""
    result = scan.sites.get(score.site)
    reference = evidence.NHANES_III_WHITE_WOMEN_20_29.value
    if (
        not score.computed
        or scan.scanner_make == "hologic"
        or result is None
        or result.bmd_g_cm2 is None
        or score.site not in reference
    ):
        return None
    _, sd = reference[score.site]
    error_pct = evidence.SBMD_CONVERSION_ERROR_PCT.value[1]
    margin = hologic_scale_hip_bmd(result.bmd_g_cm2, scan.scanner_make, score.site) * error_pct
    margin = margin / 100.0 / sd
    near = [t for t in thresholds if abs(score.value - t) <= margin]
    if not near:
        return None
    return (
        f"near threshold: the T-score {score.value:+.1f} is computed from {scan.scanner_make} BMD, "
        f"and the conversion's error (up to {error_pct:g}%, about {margin:.1f} T here) spans "
        + " and ".join(f"{t:g}" for t in near)
    )


CENTRAL_SITES: tuple[Site, ...] = ("lumbar_spine", "femoral_neck", "total_hip")


def decision_t_score(scan: DxaScan) -> SiteScore | None:
    """The T-score decisions use: the lowest of spine and hip; the 33% radius only when neither
    the spine nor the hip can be used (ISCD; clinical-reference.md s.1)."""
    return lowest_t_score(scan, sites=CENTRAL_SITES) or lowest_t_score(scan, sites=("radius_33",))


ZInterpretation = Literal["below the expected range for age", "within the expected range for age"]
BELOW_EXPECTED_FOR_AGE: ZInterpretation = "below the expected range for age"


def z_score_interpretation(z: float) -> ZInterpretation:
    """[C] ISCD: Z <= -2.0 is below the expected range for age (the one comparison: the
    premenopausal note and the exercise plan read this interpretation)."""
    if z <= evidence.PREMENOPAUSAL_LOW_Z.value:
        return BELOW_EXPECTED_FOR_AGE
    return "within the expected range for age"


def precision_pct(
    make: ScannerMake, site: Site, facility_precision_pct: Mapping[Site, float] | None = None
) -> float | None:
    """Short-term precision (%CV): the facility's own if configured, else the cited default,
    else None (no significance call can be made)."""
    if facility_precision_pct and site in facility_precision_pct:
        return facility_precision_pct[site]
    defaults = evidence.DEFAULT_PRECISION_PCT.value
    return defaults.get(make, {}).get(site) or defaults["mean"].get(site)


def least_significant_change_pct(
    make: ScannerMake, site: Site, facility_precision_pct: Mapping[Site, float] | None = None
) -> float | None:
    """[C] LSC = 2.77 x precision; None where no precision is known for the site."""
    precision = precision_pct(make, site, facility_precision_pct)
    return None if precision is None else evidence.LSC_FACTOR.value * precision


@dataclass(frozen=True, slots=True)
class BmdChange:
    site: Site
    from_date: date
    to_date: date
    from_bmd: float
    to_bmd: float
    percent: float
    lsc_percent: float | None
    significant: bool
    converted: bool
    note: str


def bmd_change(
    earlier: DxaScan,
    later: DxaScan,
    site: Site,
    *,
    facility_precision_pct: Mapping[Site, float] | None = None,
) -> BmdChange | None:
    """Change in BMD at one site between two scans, against its least significant change.

    [C] LSC = 2.77 x precision. Across scanner makes BMD is not comparable: hip sites are
    converted to sBMD (Hui 1997) and labelled as converted; the SEE of 4-7% means such a change
    is shown for information only and never counts as significant.
    """
    a, b = earlier.sites.get(site), later.sites.get(site)
    if a is None or b is None or a.bmd_g_cm2 is None or b.bmd_g_cm2 is None:
        return None
    from_bmd, to_bmd = a.bmd_g_cm2, b.bmd_g_cm2
    converted = earlier.scanner_make != later.scanner_make
    note = f"same maker ({later.scanner_make})"
    if converted:
        try:
            from_bmd = standardised_hip_bmd(from_bmd, earlier.scanner_make, site)
            to_bmd = standardised_hip_bmd(to_bmd, later.scanner_make, site)
        except ValueError:
            return None
        note = (
            f"{earlier.scanner_make} to {later.scanner_make}: both converted to sBMD (Hui 1997); "
            "for information only, not for a significance call in one patient"
        )
    percent = (to_bmd - from_bmd) / from_bmd * 100.0
    lsc = least_significant_change_pct(
        later.scanner_make, site, facility_precision_pct or later.facility_precision_pct
    )
    if lsc is None:
        note += "; no precision known for this site: configure the facility's precision"
    return BmdChange(
        site=site,
        from_date=earlier.date,
        to_date=later.date,
        from_bmd=a.bmd_g_cm2,
        to_bmd=b.bmd_g_cm2,
        percent=round(percent, 2),
        lsc_percent=None if lsc is None else round(lsc, 2),
        significant=(not converted) and lsc is not None and abs(percent) >= lsc,
        converted=converted,
        note=note,
    )
