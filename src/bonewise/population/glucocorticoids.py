"""Oral glucocorticoids by RxNorm ingredient, for the population loader.

`bonewise.terminology.codes` has no glucocorticoid drug table yet (issue 13 asks for one; the
terminology owners are adding RxNorm lookups). Until it does, the loader recognises the five oral
glucocorticoids of issue 13 by their RxNorm ingredient concept (term type IN), so a course such
as prednisone 8640 becomes a `glucocorticoid` exposure whose length the therapy-gap measure
judges (hadji-2017: oral glucocorticoids for more than 6 months). When `codes` gains the table,
this module should be replaced by its lookup.
"""

from __future__ import annotations

from typing import Final

from bonewise.terminology import codes

# RxNorm ingredient RXCUIs (term type IN)
GLUCOCORTICOID_INGREDIENTS: Final[dict[str, str]] = {
    "8640": "prednisone",
    "8638": "prednisolone",
    "6902": "methylprednisolone",
    "3264": "dexamethasone",
    "5492": "hydrocortisone",
}


def glucocorticoid_ingredient(system: str | None, code: str) -> str | None:
    """The ingredient name for an RxNorm glucocorticoid ingredient code, else None."""
    if codes.normalise_system(system) != codes.RXNORM:
        return None
    return GLUCOCORTICOID_INGREDIENTS.get(code)
