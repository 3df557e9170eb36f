"""The code tables: the mappings FHIR import and population analytics rely on."""

from __future__ import annotations

import pytest

from bonewise.terminology import codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("38267-1", ("lumbar_spine", "t_score")),
        ("24966-4", ("lumbar_spine", "bmd")),
        ("85394-5", ("lumbar_spine", "z_score")),
        ("38263-0", ("femoral_neck", "t_score")),  # femur, not spine (a known mis-mapping)
        ("24701-5", ("femoral_neck", "bmd")),
        ("38264-8", ("total_hip", "t_score")),
        ("38261-4", ("total_hip", "bmd")),
        ("80948-3", ("femoral_neck", "t_score")),
        ("80946-7", ("total_hip", "t_score")),
        ("38265-5", ("radius_33", "t_score")),
    ],
)
def test_dxa_loinc_maps_to_site_and_kind(code: str, expected: tuple[str, str]) -> None:
    assert codes.dxa_observation(code) == expected


def test_dxa_lookup_needs_the_loinc_system() -> None:
    assert codes.dxa_observation("38267-1", "http://snomed.info/sct") is None
    assert codes.dxa_observation("38267-1", "urn:oid:2.16.840.1.113883.6.1") == (
        "lumbar_spine",
        "t_score",
    )
    assert codes.dxa_observation("2345-7") is None


def test_laterality_is_recorded_for_sided_codes() -> None:
    left = codes.dxa_code("80948-3")
    right = codes.dxa_code("80947-5")
    assert left is not None and left.laterality == "left"
    assert right is not None and right.laterality == "right"
    unsided = codes.dxa_code("38263-0")
    assert unsided is not None and unsided.laterality is None


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        (codes.RXNORM, "199224", "aromatase_inhibitor"),
        (codes.RXNORM, "200064", "aromatase_inhibitor"),
        (codes.RXNORM, "310261", "aromatase_inhibitor"),
        ("RxNorm", "262485", "aromatase_inhibitor"),
        (codes.RXNORM, "993452", "bone_directed_therapy"),
        (codes.RXNORM, "1114085", "bone_directed_therapy"),
        (codes.RXNORM, "10324", "serm"),  # tamoxifen is not an aromatase inhibitor
        (codes.RXNORM, "1657981", None),  # a wrong "AI" code seen in a public codebase
        (codes.LOINC, "199224", None),
    ],
)
def test_drug_class(system: str, code: str, expected: str | None) -> None:
    assert codes.drug_class(system, code) == expected


def test_unconfirmed_ingredient_codes_say_so() -> None:
    for code in ("73056", "993449"):
        entry = codes.drug_code(codes.RXNORM, code)
        assert entry is not None
        assert entry.concept.evidence == "unconfirmed"
        assert entry.term_type == "ingredient"
    for code in ("84857", "72965", "258494"):  # seen since in two codebases, not at RxNav
        entry = codes.drug_code(codes.RXNORM, code)
        assert entry is not None and entry.concept.evidence == "secondary"


def test_conditions() -> None:
    assert codes.condition_kind(codes.SNOMED, "254837009") == "breast_cancer"
    assert codes.condition_kind("SNOMED-CT", "64859006") == "osteoporosis"
    assert codes.condition_kind(codes.SNOMED, "312894000") == "osteopenia"
    assert codes.condition_kind(codes.SNOMED, "94222008") == "bone_metastases"
    hip = codes.condition_code(codes.SNOMED, "359817006")
    assert hip is not None and hip.kind == "fracture" and hip.fracture_site == "hip"
    assert codes.condition_kind(codes.SNOMED, "38341003") is None  # hypertension


def test_dxa_procedure() -> None:
    assert codes.is_dxa_procedure(codes.SNOMED, "312681000")
    assert not codes.is_dxa_procedure(codes.SNOMED, "71651007")  # mammography


def test_vitamin_d_codes_accept_both_units() -> None:
    for code in codes.VITAMIN_D_LOINC_CODES:
        entry = codes.lab_code(code)
        assert entry is not None
        assert set(entry.units.values()) == {"ng/mL", "nmol/L"}


def test_every_code_is_unique_per_system_and_tagged() -> None:
    seen: set[tuple[str, str]] = set()
    for concept in codes.all_concepts():
        key = (concept.system, concept.code)
        assert key not in seen, key
        seen.add(key)
        if concept.system == codes.BONEWISE:
            assert concept.evidence == "policy"  # local codes never pass for standard ones
        else:
            assert concept.evidence in ("confirmed", "secondary", "unconfirmed")
        assert concept.verified_in


def test_value_sets_for_analytics() -> None:
    ais = codes.codes_for(drug_class="aromatase_inhibitor")
    assert (codes.RXNORM, "199224") in ais
    assert (codes.RXNORM, "993452") not in ais
    assert codes.codes_for(condition="bone_metastases") == {(codes.SNOMED, "94222008")}


def test_local_drug_codes_cover_every_agent_for_round_trips() -> None:
    for agent in (
        "anastrozole",
        "letrozole",
        "exemestane",
        "denosumab",
        "zoledronic_acid",
        "alendronate",
        "risedronate",
        "ibandronate",
    ):
        entry = codes.drug_code(codes.BONEWISE, agent)
        assert entry is not None and entry.agent == agent
    assert codes.drug_code(codes.RXNORM, "ibandronate") is None


def test_drug_codes_table_is_rxnorm_only() -> None:
    # Consumers iterate DRUG_CODES for RxNorm concepts (e.g. the cohort generator).
    assert {d.concept.system for d in codes.DRUG_CODES} == {codes.RXNORM}
    assert {d.concept.system for d in codes.LOCAL_DRUG_CODES} == {codes.BONEWISE}
