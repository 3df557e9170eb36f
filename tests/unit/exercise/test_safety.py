"""The exercise safety profile follows the assessment: unknown or fragile means spine-sparing."""

from datetime import date

from bonewise.exercise.safety import safety_profile

from .conftest import AS_OF


def test_low_bone_density_for_age_before_menopause_is_spine_sparing(load_example):
    profile = safety_profile(load_example("premenopausal-ovarian-suppression"), as_of=AS_OF)
    assert profile.who_category is None  # WHO categories do not apply before menopause
    assert profile.low_for_age is True
    assert profile.spine_sparing
    assert "below the expected range for your age" in profile.spine_sparing_because


def test_normal_and_osteopenic_bones_get_the_full_plan(load_example):
    for name in ("normal", "osteopenia-no-risk-factors", "lunar-conversion"):
        profile = safety_profile(load_example(name), as_of=AS_OF)
        assert not profile.spine_sparing, name
        assert not profile.blocked, name


def test_an_old_vertebral_fracture_is_spine_sparing_but_not_blocked(load_example):
    profile = safety_profile(load_example("osteoporosis"), as_of=AS_OF)
    assert profile.vertebral_fracture and profile.osteoporosis
    assert not profile.blocked
    assert "vertebral fracture on record" in profile.basis


def test_the_recent_fracture_block_lifts_after_12_months(load_example):
    record = load_example("vertebral-fracture-recent")
    fracture = max(f.date for f in record.fractures)
    assert safety_profile(record, as_of=AS_OF).blocked
    still = date(fracture.year + 1, fracture.month, fracture.day - 1)
    assert safety_profile(record, as_of=still).blocked
    after = date(fracture.year + 1, fracture.month, fracture.day + 1)
    lifted = safety_profile(record, as_of=after)
    assert not lifted.blocked
    assert lifted.vertebral_fracture and lifted.spine_sparing


def test_an_unconfirmed_metastasis_status_reads_as_a_sentence(load_example):
    record = load_example("osteopenia-no-risk-factors")
    record = record.model_copy(
        update={"risk_factors": record.risk_factors.model_copy(update={"bone_metastases": None})}
    )
    profile = safety_profile(record, as_of=AS_OF)
    assert profile.metastases_unconfirmed and profile.spine_sparing
    sentence = f"Because of {profile.spine_sparing_because}, this plan leaves out"
    assert sentence == (
        "Because of the open question of whether the cancer has spread to your bones, which your "
        "care team has not yet confirmed, this plan leaves out"
    )
