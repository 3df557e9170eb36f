"""Issue 13: a code bonewise does not know, whose words name a fracture, a bone metastasis or a
menopausal state, makes that fact unknown (to confirm), never "none on the problem list"."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.assessment import assess
from bonewise.fhir.importer import import_fhir
from bonewise.terminology import families

ROOT = Path(__file__).resolve().parents[3]
FEMARA = json.loads((ROOT / "tests/data/ehr/femara-vertebral-fracture.json").read_text())
TODAY = date(2026, 12, 1)


def _with_fracture_coded(code: str, display: str, text: str | None = None) -> dict[str, Any]:
    """The femara bundle with its vertebral fracture coded as one SNOMED CT code only."""
    bundle = copy.deepcopy(FEMARA)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Condition" and "S32.010A" in json.dumps(resource):
            resource["code"] = {
                "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
            }
            if text:
                resource["code"]["text"] = text
    return bundle


def test_the_thoracic_vertebral_fracture_code_ehrs_send_is_read_as_one() -> None:
    result = import_fhir(
        _with_fracture_coded("207957008", "Closed fracture of thoracic vertebra"), today=TODAY
    )
    [fracture] = result.record.fractures
    assert "vertebra" in fracture.site
    assert not result.report.unknown_codes
    assert "risk_factors.vertebral_fracture" not in {a.field for a in result.report.assumptions}


def test_an_unknown_fracture_code_leaves_fractures_unknown_not_absent() -> None:
    # SNOMED CT 66112004 (closed fracture of sternum) is not in bonewise's value set
    result = import_fhir(
        _with_fracture_coded("66112004", "Closed fracture of sternum (disorder)"), today=TODAY
    )
    assert result.record.fractures == []
    assert [i.code for i in result.report.unknown_codes] == ["http://snomed.info/sct|66112004"]
    risk = result.record.risk_factors
    assert risk.vertebral_fracture is None
    assert risk.prior_fragility_fracture_after_50 is None
    statements = {a.statement: a for a in result.report.assumptions}
    assert not any(s.startswith("Vertebral fracture: none") for s in statements)
    unknown = next(a for s, a in statements.items() if s.startswith("Vertebral fracture: unknown"))
    assert unknown.confirm and unknown.basis == "unrecognised-code"
    assert "Closed fracture of sternum" in unknown.statement
    # the decision says so: the assessment lists it, and the answer reads unknown, to confirm
    assessment = assess(result.record, as_of=TODAY)
    assert any(a.line.startswith("Vertebral fracture: unknown") for a in assessment.assumptions)
    words = {f.name: f.words for f in assessment.risk_factors}
    assert words["vertebral_fracture"].startswith("not recorded (an EHR code bonewise does not")


def test_an_unknown_bone_metastasis_code_makes_metastases_unknown() -> None:
    bundle = copy.deepcopy(FEMARA)
    patient_ref = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "code": {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "1000000000",
                            "display": "Secondary malignant neoplasm of bone of thoracic spine",
                        }
                    ]
                },
                "subject": {"reference": patient_ref},
            }
        }
    )
    result = import_fhir(bundle, today=TODAY)
    assert result.record.risk_factors.bone_metastases is None
    lines = [a.line for a in assess(result.record, as_of=TODAY).assumptions]
    assert any(line.startswith("Bone metastases: unknown") for line in lines)
    assert not any(line.startswith("Bone metastases: none") for line in lines)


def test_family_words() -> None:
    assert families.family_named(["Closed fracture of thoracic vertebra"]) == "fracture"
    assert families.family_named(["Metastasis to bone"]) == "bone_metastases"
    assert families.family_named(["Secondary malignant neoplasm of bone"]) == "bone_metastases"
    assert families.family_named(["Metastasis to liver"]) is None
    assert families.family_named(["Premature menopause"]) == "menopause"
    assert families.family_named(["Essential hypertension"]) is None


def test_the_widened_snomed_fracture_value_set() -> None:
    from bonewise.terminology import codes

    vertebral = ("269062008", "269070003", "207938004", "207957008", "207949005", "207965006")
    others = {"359817006": "hip", "361118003": "hip", "5913000": "hip", "263199001": "radius"}
    for code in vertebral:
        known = codes.condition_code(codes.SNOMED, code)
        assert known is not None and known.kind == "fracture" and known.vertebral, code
    for code, site in others.items():
        known = codes.condition_code(codes.SNOMED, code)
        assert known is not None and known.kind == "fracture" and not known.vertebral, code
        assert site in str(known.fracture_site)
