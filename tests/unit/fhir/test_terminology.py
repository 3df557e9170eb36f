"""Terminology from real code systems: ICD-10-CM by ancestor, SNOMED CT value sets, RxNorm."""

from __future__ import annotations

import pytest

from bonewise.terminology import codes, icd10cm, rxnorm_codes, snomed_value_sets

ICD = icd10cm.ICD10CM


@pytest.mark.parametrize(
    ("code", "kind", "vertebral"),
    [
        ("S32.010A", "fracture", True),  # wedge fracture of L1, initial encounter
        ("S22000A", "fracture", True),  # without the dot
        ("M48.50XA", "fracture", True),
        ("M80.08XA", "fracture", True),  # osteoporotic fracture, vertebra(e)
        ("M80.051A", "fracture", False),  # osteoporotic fracture, femur
        ("S72.001A", "fracture", False),
        ("S72.21XA", "fracture", False),
        ("S52.501A", "fracture", False),
        ("C79.51", "bone_metastases", False),
        ("C79.52", "bone_metastases", False),
        ("Z79.52", "long_term_steroids", False),
        ("C50.911", "breast_cancer", False),
        ("Z90.722", "bilateral_oophorectomy", False),
    ],
)
def test_icd10cm_matches_by_ancestor(code: str, kind: str, vertebral: bool) -> None:
    found = codes.condition_code(ICD, code)
    assert found is not None and found.kind == kind
    assert found.vertebral is vertebral
    assert found.concept.system == ICD


@pytest.mark.parametrize("code", ["S72.3", "S52.6", "C79.9", "Z79.811", "NOT-A-CODE", ""])
def test_icd10cm_outside_the_value_sets_is_not_matched(code: str) -> None:
    assert codes.condition_code(ICD, code) is None


def test_icd10cm_system_aliases() -> None:
    assert codes.condition_kind("urn:oid:2.16.840.1.113883.6.90", "S32.010A") == "fracture"
    assert codes.condition_code(codes.SNOMED, "S32.010A") is None


def test_snomed_value_sets_are_versioned_and_sourced() -> None:
    assert snomed_value_sets.VERSION
    for rows in snomed_value_sets.VALUE_SETS.values():
        for row in rows:
            assert row["source"] in snomed_value_sets.PROVENANCE
            assert row["evidence"] in ("confirmed", "secondary", "unconfirmed")
    lumbar = codes.condition_code(codes.SNOMED, "207938004")
    assert lumbar is not None and lumbar.kind == "fracture" and lumbar.vertebral
    assert codes.condition_kind(codes.SNOMED, "94222008") == "bone_metastases"
    assert codes.MENOPAUSE_STATES["76498008"][1] == "postmenopausal"
    assert "1229901006" in codes.M0_CATEGORY_SNOMED


@pytest.mark.parametrize(
    ("code", "drug_class", "agent"),
    [
        ("262485", "aromatase_inhibitor", "anastrozole"),
        ("203769", "aromatase_inhibitor", "letrozole"),
        ("262105", "aromatase_inhibitor", "exemestane"),
        ("8640", "glucocorticoid", "prednisone"),
        ("8638", "glucocorticoid", "prednisolone"),
        ("6902", "glucocorticoid", "methylprednisolone"),
        ("3264", "glucocorticoid", "dexamethasone"),
        ("5492", "glucocorticoid", "hydrocortisone"),
        ("10324", "serm", "tamoxifen"),
        ("197582", "glucocorticoid", "oral glucocorticoid"),  # VSAC oral glucocorticoids
        ("50610", "gnrh_agonist", "goserelin"),
    ],
)
def test_rxnorm_codes(code: str, drug_class: str, agent: str) -> None:
    found = codes.drug_code(codes.RXNORM, code)
    assert found is not None and (found.drug_class, found.agent) == (drug_class, agent)


def test_unknown_rxnorm_code_matches_by_name_and_says_so() -> None:
    match = codes.match_drug(
        [(codes.RXNORM, "999999999", "methylPREDNISolone 4 MG Oral Tablet")], None
    )
    assert match is not None and match.by_name
    assert (match.drug.drug_class, match.drug.agent) == ("glucocorticoid", "methylprednisolone")
    by_text = codes.match_drug([], "Zoladex 3.6 mg implant")
    assert by_text is not None and by_text.drug.agent == "goserelin" and by_text.by_name
    boniva = codes.match_drug([(codes.RXNORM, "1", "Boniva 150 MG Oral Tablet")], None)
    assert boniva is not None and boniva.drug.agent == "ibandronate" and boniva.by_name
    known = codes.match_drug([(codes.RXNORM, "8640", "prednisone")], None)
    assert known is not None and not known.by_name


def test_topical_steroid_is_not_a_glucocorticoid_exposure() -> None:
    assert codes.match_drug([(codes.RXNORM, "1", "hydrocortisone 1 % Topical Cream")], None) is None


def test_the_rxnorm_codes_still_unconfirmed_are_the_ones_the_table_marks_so() -> None:
    """rxnorm_codes.STILL_UNCONFIRMED records the search for each code the drug table marks
    unconfirmed: a code confirmed later must leave it, one marked unconfirmed must be in it."""
    marked = {
        d.concept.code
        for d in codes.DRUG_CODES
        if d.concept.system == codes.RXNORM and d.concept.evidence == "unconfirmed"
    }
    assert marked == set(rxnorm_codes.STILL_UNCONFIRMED)
