"""FHIR R4 export: the Bundle validates with fhir.resources R4B and reads back value for value."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.fhir.export import export_bundle
from bonewise.fhir.importer import import_fhir, load_fhir_file
from bonewise.importers.patient_file import load_patient_file
from bonewise.terminology import codes

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "patients").glob("*.json"))
FHIR_DATA = ROOT / "tests" / "data" / "fhir"
TODAY = date(2026, 11, 27)
AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _round_trip(record: PatientRecord) -> tuple[dict[str, Any], PatientRecord]:
    bundle = export_bundle(record, assess(record, as_of=TODAY), generated_at=AT)
    text = json.dumps(bundle)  # through JSON, as a file or an EHR would carry it
    return bundle, import_fhir(text, today=TODAY).record


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_import_assess_export_import_preserves_every_value(path: Path) -> None:
    record = load_patient_file(path, today=TODAY)
    bundle, back = _round_trip(record)
    assert back.model_dump() == record.model_dump()
    # And the second export is the same document.
    assert export_bundle(back, assess(back, as_of=TODAY), generated_at=AT) == bundle


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_gives_the_same_decisions_after_export_and_import(path: Path) -> None:
    record = load_patient_file(path, today=TODAY)
    _, back = _round_trip(record)
    assert assess(back, as_of=TODAY).to_json() == assess(record, as_of=TODAY).to_json()


@pytest.mark.parametrize("shape", ["list", "ndjson"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_exported_resources_unwrapped_from_their_bundle_import_the_same(
    path: Path, shape: str
) -> None:
    """Resources taken out of the Bundle (a list, or one per NDJSON line) keep their urn:uuid
    references; each resource's id is the uuid of its fullUrl, so they still resolve."""
    record = load_patient_file(path, today=TODAY)
    bundle = export_bundle(record, assess(record, as_of=TODAY), generated_at=AT)
    resources = [e["resource"] for e in bundle["entry"]]
    data = json.dumps(resources) if shape == "list" else "\n".join(json.dumps(r) for r in resources)
    assert import_fhir(data, today=TODAY).record.model_dump() == record.model_dump()


def test_facility_precision_travels_with_each_dxa_result() -> None:
    data = json.loads((ROOT / "examples/patients/osteoporosis.json").read_text())
    data["dxa_scans"][1]["facility_precision_pct"] = {"lumbar_spine": 0.9, "total_hip": 1.1}
    record = PatientRecord.parse(data, today=TODAY)
    bundle, back = _round_trip(record)
    assert back.dxa_scans[1].facility_precision_pct == {"lumbar_spine": 0.9, "total_hip": 1.1}
    assert back.dxa_scans[0].facility_precision_pct == {}
    carried = [
        ext["valueDecimal"]
        for obs in _resources(bundle, "Observation")
        for ext in obs.get("extension", [])
        if ext["url"] == codes.EXT_FACILITY_PRECISION
    ]
    assert sorted(set(carried)) == [0.9, 1.1]


@pytest.mark.parametrize(
    "name",
    ["synthea-anastrozole-osteopenia.json", "messy-letrozole.json", "exemestane-denosumab.ndjson"],
)
def test_imported_fhir_round_trips_too(name: str) -> None:
    record = load_fhir_file(FHIR_DATA / name, today=TODAY).record
    _, back = _round_trip(record)
    assert back.model_dump() == record.model_dump()


def test_bundle_validates_and_carries_the_assessment() -> None:
    record = load_patient_file(ROOT / "examples/patients/lapsed-denosumab.json", today=TODAY)
    # Still on the AI, so AI bone-loss monitoring (the DXA ServiceRequest) applies (issue 11).
    assert record.therapy is not None
    record = record.model_copy(
        update={"therapy": record.therapy.model_copy(update={"end_date": None})}
    )
    assessment = assess(record, as_of=TODAY)
    bundle = export_bundle(record, assessment, generated_at=AT)
    parsed = Bundle.model_validate(json.loads(json.dumps(bundle)))
    assert parsed.type == "collection"

    (risk,) = _resources(bundle, "RiskAssessment")
    outcomes = [p["outcome"]["text"] for p in risk["prediction"]]
    # On denosumab (overdue): every rule set says "on therapy", never "consider starting".
    assert assessment.bone_therapy.on_therapy
    assert [o.split(":")[0] for o in outcomes] == [
        f"{name} ({d.version})" for name, d in assessment.guidelines.items()
    ]
    assert all("): On therapy (denosumab since 2021-02-01): continue" in o for o in outcomes)
    assert all("next dose due 2026-08-03 (overdue)" in o for o in outcomes)
    assert not any("consider bone-directed therapy" in o for o in outcomes)
    asco = next(o for o in outcomes if o.startswith("asco-2019"))
    assert "(provisional: unrecorded factors taken as absent); ask: FRAX" in asco
    assert any(
        "Ask (asco-2019, provisional): FRAX" in n["text"]
        for n in _resources(bundle, "CarePlan")[0]["note"]
    )
    assert any("denosumab-lapse" in n["text"] for n in risk["note"])

    (plan,) = _resources(bundle, "CarePlan")
    details = [a["detail"] for a in plan["activity"]]
    dxa = next(d for d in details if d.get("kind") == "ServiceRequest")
    assert dxa["code"]["coding"][0]["code"] == "312681000"
    assert dxa["scheduledPeriod"]["end"] == assessment.monitoring.next_dxa_due.isoformat()
    next_dose = next(d for d in details if d["description"] == "Next denosumab dose - overdue")
    assert next_dose["scheduledString"] == "due 2026-08-03"
    recommendation_ids = {d["code"]["coding"][0]["code"] for d in details if "code" in d}
    assert {r.id for r in assessment.recommendations} <= recommendation_ids

    computed = {
        o["code"]["coding"][0]["code"]: o
        for o in _resources(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == "urn:bonewise:codes"
        and o["code"]["coding"][0]["code"] in ("who-category", "lowest-t-score", "next-dxa-due")
    }
    assert computed["who-category"]["valueString"] == assessment.who_category
    assert computed["lowest-t-score"]["valueQuantity"]["value"] == -1.8
    assert computed["next-dxa-due"]["valueDateTime"] == "2027-01-20"

    (provenance,) = _resources(bundle, "Provenance")
    assert provenance["policy"] == [
        "urn:bonewise:ruleset:hadji-2017:2017",
        "urn:bonewise:ruleset:asco-2019:2019",
        f"urn:bonewise:ruleset:seed-tiers:{assessment.guidelines['seed-tiers'].version}",
    ]
    targets = {t["reference"] for t in provenance["target"]}
    assert len(targets) == 2 + len(computed)
    assert provenance["recorded"] == AT.isoformat()


def test_unknown_answers_are_exported_as_absent_not_as_no() -> None:
    record = load_patient_file(ROOT / "examples/patients/no-dxa-yet.json", today=TODAY)
    unknown = PatientRecord.model_validate(
        {**record.model_dump(mode="json"), "risk_factors": {"parental_hip_fracture": True}}
    )
    bundle = export_bundle(unknown, generated_at=AT)
    answers = {
        o["code"]["coding"][0]["code"]: o
        for o in _resources(bundle, "Observation")
        if o["category"][0]["coding"][0]["code"] in ("survey", "social-history")
    }
    assert answers["parental_hip_fracture"]["valueBoolean"] is True
    assert "valueBoolean" not in answers["bone_metastases"]
    assert answers["bone_metastases"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert answers["72166-2"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_patient_ids_that_are_not_fhir_ids_survive() -> None:
    record = load_patient_file(ROOT / "examples/patients/normal.json", today=TODAY)
    odd = PatientRecord.model_validate({**record.model_dump(mode="json"), "id": "clinic 7/pt_001"})
    _, back = _round_trip(odd)
    assert back.id == "clinic 7/pt_001"


def test_assessment_of_another_patient_is_refused() -> None:
    one = load_patient_file(ROOT / "examples/patients/normal.json", today=TODAY)
    other = load_patient_file(ROOT / "examples/patients/osteoporosis.json", today=TODAY)
    with pytest.raises(ValueError, match="assessment is for patient"):
        export_bundle(one, assess(other, as_of=TODAY))


# --- property: any valid record round-trips ----------------------------------------------------
_days = st.integers(min_value=0, max_value=9000).map(lambda n: TODAY - timedelta(days=n))
_score = st.floats(min_value=-7, max_value=5, allow_nan=False).map(lambda x: round(x, 1))
_bmd = st.floats(min_value=0.2, max_value=2.0, allow_nan=False).map(lambda x: round(x, 3))
_maybe_bool = st.sampled_from([None, True, False])
_site = st.fixed_dictionaries(
    {}, optional={"bmd_g_cm2": _bmd, "t_score": _score, "z_score": _score}
).filter(bool)
_scan = st.fixed_dictionaries(
    {
        "date": _days.map(str),
        "scanner_make": st.sampled_from(["hologic", "lunar", "norland", "other"]),
        "sites": st.dictionaries(
            st.sampled_from(["lumbar_spine", "femoral_neck", "total_hip", "radius_33"]),
            _site,
            min_size=1,
        ),
    },
    optional={
        "scanner_model": st.sampled_from(["Horizon A", "Prodigy", "XR-800"]),
        "facility": st.sampled_from(["North Clinic", "Riverside Imaging"]),
        "excluded_vertebrae": st.lists(
            st.sampled_from(["L1", "L2", "L3", "L4"]), max_size=2, unique=True
        ),
    },
)
# Some scans carry the facility's own precision for some of their sites.
_scan = _scan.flatmap(
    lambda scan: st.dictionaries(
        st.sampled_from(sorted(scan["sites"])),
        st.floats(min_value=0.3, max_value=5).map(lambda x: round(x, 2)),
        max_size=len(scan["sites"]),
    ).map(
        lambda precision: {**scan, **({"facility_precision_pct": precision} if precision else {})}
    )
)
# Plausible values in each unit (evidence.LAB_PLAUSIBLE_RANGES, converted).
_LAB_UNITS = {
    "25_oh_vitamin_d": {"ng/mL": (2, 200), "nmol/L": (5, 499)},
    "serum_calcium": {"mg/dL": (4, 16), "mmol/L": (1, 3.99)},
}
_lab = st.one_of(
    *(
        st.fixed_dictionaries(
            {
                "kind": st.just(kind),
                "unit": st.just(unit),
                "value": st.floats(min_value=low, max_value=high).map(lambda x: round(x, 2)),
                "date": _days.map(str),
            }
        )
        for kind, units in _LAB_UNITS.items()
        for unit, (low, high) in units.items()
    )
)
_bone = st.fixed_dictionaries(
    {
        "agent": st.sampled_from(
            ["denosumab", "zoledronic_acid", "alendronate", "risedronate", "ibandronate"]
        ),
        "doses": st.lists(_days.map(str), min_size=1, max_size=4, unique=True),
    },
    optional={"start_date": _days.map(str), "dose_mg": st.sampled_from([4, 5, 60, 70, 150.0])},
).filter(
    lambda c: (
        c.get("dose_mg", 1) <= 100
        # a dose never precedes its course (the record refuses it)
        and ("start_date" not in c or min(c["doses"]) >= c["start_date"])
    )
)
# An answer with who and when (any part may be missing), as a patient file gives it.
_answer = st.fixed_dictionaries(
    {"answer": st.sampled_from(["yes", "no", "not sure", "not recorded"])},
    optional={
        "source": st.sampled_from(["patient", "clinician", "ehr-import"]),
        "recorded_on": _days.map(str),
    },
)
_fracture = st.fixed_dictionaries(
    {"date": _days.map(str), "site": st.sampled_from(["hip", "wrist", "vertebra", "rib"])},
    optional={"fragility": st.booleans(), "traumatic": st.just(True)},
).filter(lambda f: not (f.get("fragility") is True and f.get("traumatic")))
_records = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z0-9_ ./-]{1,40}", fullmatch=True).filter(str.strip),
        "patient": st.fixed_dictionaries(
            {
                "birth_date": st.just("1950-01-01"),
                "menopausal_status": st.sampled_from(
                    ["premenopausal", "perimenopausal", "postmenopausal"]
                ),
            },
            optional={
                "height": st.just({"value": 64.5, "unit": "in"}),
                "weight": st.just({"value": 61.3, "unit": "kg"}),
            },
        ),
        "dxa_scans": st.lists(_scan, max_size=3, unique_by=lambda s: s["date"]),
        "labs": st.lists(_lab, max_size=4),
        "bone_therapy": st.lists(_bone, max_size=2),
        "fractures": st.lists(_fracture, max_size=3),
        "gnrh_agonists": st.lists(
            st.fixed_dictionaries(
                {
                    "agent": st.sampled_from(["goserelin", "leuprorelin", "triptorelin"]),
                    "start_date": _days.map(str),
                }
            ),
            max_size=2,
        ),
        "vertebral_imaging": st.lists(
            st.fixed_dictionaries(
                {
                    "date": _days.map(str),
                    "kind": st.sampled_from(["vfa", "radiograph", "ct", "mri"]),
                },
                optional={"fracture_found": st.booleans()},
            ),
            max_size=2,
        ),
        "risk_factors": st.fixed_dictionaries(
            {
                "parental_hip_fracture": st.one_of(_maybe_bool, _answer),
                "rheumatoid_arthritis": _answer,
                "oral_glucocorticoids_over_6_months": _maybe_bool,
                "bone_metastases": _maybe_bool,
                "smoking": st.sampled_from([None, "never", "past", "current"]),
                "falls_last_12_months": st.sampled_from([None, 0, 3]),
            }
        ),
    },
    optional={
        "therapy": st.fixed_dictionaries(
            {
                "agent": st.sampled_from(["anastrozole", "letrozole", "exemestane"]),
                "start_date": _days.map(str),
                "planned_years": st.sampled_from([5.0, 7.5, 10.0]),
                "ovarian_suppression": st.booleans(),
            }
        ),
        "frax": st.fixed_dictionaries(
            {"date": _days.map(str)},
            optional={
                "major_osteoporotic_pct": st.just(21.5),
                "hip_pct": st.just(3.1),
                "with_bmd": st.booleans(),
            },
        ),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records)
def test_any_valid_record_round_trips(data: dict[str, Any]) -> None:
    record = PatientRecord.parse(data, today=TODAY)
    _, back = _round_trip(record)
    assert back.model_dump() == record.model_dump()
