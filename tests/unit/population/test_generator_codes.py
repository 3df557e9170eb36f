"""The synthetic cohort writes only codes bonewise itself reads back to the same fact."""

from __future__ import annotations

from bonewise.population import generate
from bonewise.terminology import codes


def test_every_generated_drug_code_reads_back_as_its_agent() -> None:
    for agent, (system, code) in generate.DRUG_CODES.items():
        entry = codes.drug_code(system, code)
        assert entry is not None, agent
        assert entry.agent == agent


def test_ibandronate_is_written_with_its_local_code_not_an_rxnorm_one() -> None:
    assert generate.DRUG_CODES["ibandronate"] == (codes.BONEWISE, "ibandronate")
    assert generate.DRUG_CODES["denosumab"][0] == codes.RXNORM


def test_smoking_answers_read_back_as_the_status_written() -> None:
    assert generate.SMOKING_CODE == "72166-2"
    for status, answer in generate.SMOKING_ANSWER_CODES.items():
        assert codes.SMOKING_ANSWERS[answer][1] == status


def test_glucocorticoid_courses_use_the_local_code_the_importer_reads() -> None:
    assert codes.local_code(generate.GLUCOCORTICOIDS.code) == generate.GLUCOCORTICOIDS
    assert generate.GLUCOCORTICOIDS.system == codes.BONEWISE
