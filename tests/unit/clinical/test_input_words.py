"""A rule's inputs and a data gap's field in words: label, value and unit, never a field name or a
Python value."""

from __future__ import annotations

import pytest

from bonewise.clinical.input_words import gap_field_words, input_words, inputs_words
from bonewise.clinical.results import DataGap


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("weight_kg", None, "weight: not recorded"),
        ("height_cm", 160.0, "height: 160.0 cm"),
        ("femoral_neck_bmd_g_cm2", 0.665, "femoral neck BMD: 0.665 g/cm²"),
        ("femoral_neck_t_score", -1.6, "femoral neck T-score: -1.6"),
        ("serum_calcium_mg_dl", None, "serum calcium: not recorded"),
        ("creatinine_clearance_ml_min", 55.0, "creatinine clearance: 55.0 mL/min"),
        ("25_oh_vitamin_d_ng_ml", 27.0, "25-OH vitamin D: 27.0 ng/mL"),
        ("frax_mof_pct", 14.0, "FRAX major osteoporotic fracture risk: 14.0%"),
        (
            "risk_factors",
            ["age over 65", "BMI under 20"],
            "risk factors: age over 65, BMI under 20",
        ),
        ("risk_factors", [], "risk factors: none"),
        ("ai_ended", True, "aromatase inhibitor ended: yes"),
        ("agent", "zoledronic_acid", "agent: zoledronic acid"),
        ("z_scores", {"lumbar_spine": -2.1}, "Z-scores: lumbar spine (L1-L4) -2.1"),
    ],
)
def test_an_input_reads_with_its_label_and_unit(name, value, words):
    assert input_words(name, value) == words


def test_inputs_keep_the_rules_order():
    assert inputs_words({"who_category": "osteopenia", "lowest_t_score": -1.6}) == (
        "WHO category: osteopenia; lowest T-score: -1.6"
    )


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("labs.serum_calcium", "serum calcium (lab)"),
        ("labs.25_oh_vitamin_d", "25-OH vitamin D (lab)"),
        (
            "risk_factors.parental_hip_fracture,smoking",
            "parental hip fracture, smoking (risk factor)",
        ),
        ("patient.height/weight", "height/weight"),
        ("dxa_scans", "DXA scans"),
        ("frax", "FRAX"),
    ],
)
def test_a_data_gap_field_reads_in_words(field, words):
    assert gap_field_words(field) == words
    assert DataGap(field=field, why="-", blocks=[]).label == words
