"""Menopausal status inferred by the NCCN criteria when none is recorded: the one reading.

clinical-reference.md s.10: a bilateral oophorectomy, or age NCCN_POSTMENOPAUSAL_AGE or over,
makes a woman postmenopausal; on a GnRH agonist (ovarian suppression) NCCN assigns no status and
she is read as premenopausal with ovarian suppression; an aromatase inhibitor without ovarian
suppression is given only after menopause. The FHIR import (a record without a status) and the
population measures (flat data without one) both read this function or its constants, so a
woman on an AI is never "premenopausal without ovarian suppression" by inference alone: only a
recorded premenopausal status makes her so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonewise import evidence as ev
from bonewise.clinical.models import MenopausalStatus


@dataclass(frozen=True, slots=True)
class InferredMenopause:
    status: MenopausalStatus
    criterion: str  # oophorectomy, age, gnrh-agonist, aromatase-inhibitor, none


def infer_menopausal_status(
    *, bilateral_oophorectomy: bool, age: int | None, on_gnrh_agonist: bool, on_ai: bool
) -> InferredMenopause:
    """The NCCN criteria in order: oophorectomy, age, a current GnRH agonist, an AI."""
    if bilateral_oophorectomy:
        return InferredMenopause("postmenopausal", "oophorectomy")
    if age is not None and age >= ev.NCCN_POSTMENOPAUSAL_AGE.value:
        return InferredMenopause("postmenopausal", "age")
    if on_gnrh_agonist:
        return InferredMenopause("premenopausal", "gnrh-agonist")
    if on_ai:
        return InferredMenopause("postmenopausal", "aromatase-inhibitor")
    return InferredMenopause("premenopausal", "none")
