"""The NCCN menopausal-status inference is one function (clinical.menopause), in its order."""

import pytest

from bonewise import evidence as ev
from bonewise.clinical.menopause import infer_menopausal_status

AGE = ev.NCCN_POSTMENOPAUSAL_AGE.value


@pytest.mark.parametrize(
    ("oophorectomy", "age", "gnrh", "ai", "expected"),
    [
        (True, 40, True, True, ("postmenopausal", "oophorectomy")),
        (False, AGE, True, True, ("postmenopausal", "age")),
        (False, AGE - 1, True, True, ("premenopausal", "gnrh-agonist")),
        (False, AGE - 1, False, True, ("postmenopausal", "aromatase-inhibitor")),
        (False, None, False, False, ("premenopausal", "none")),
    ],
)
def test_nccn_criteria_apply_in_order(
    oophorectomy: bool, age: int | None, gnrh: bool, ai: bool, expected: tuple[str, str]
) -> None:
    found = infer_menopausal_status(
        bilateral_oophorectomy=oophorectomy, age=age, on_gnrh_agonist=gnrh, on_ai=ai
    )
    assert (found.status, found.criterion) == expected
