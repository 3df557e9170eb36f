"""Missing data never fails a report: drop any optional part of any example and both reports
still build, and the patient report lists what is missing."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonewise.clinical.models import PatientRecord
from bonewise.render.render import build_report, render_html

from .helpers import AS_OF, EXAMPLES, EXAMPLES_DIR

TOP_LEVEL = ("therapy", "dxa_scans", "risk_factors", "labs", "frax", "fractures", "bone_therapy")
PATIENT = ("height", "weight")
RISK_FACTORS = (
    "parental_hip_fracture",
    "prior_fragility_fracture_after_50",
    "oral_glucocorticoids_over_6_months",
    "smoking",
    "bone_metastases",
)


def stripped(name: str, drop: set[str]) -> PatientRecord:
    data = json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    for key in drop:
        if key in TOP_LEVEL:
            data.pop(key, None)
        elif key in PATIENT:
            data["patient"].pop(key, None)
        elif "risk_factors" in data:
            data["risk_factors"].pop(key, None)
    return PatientRecord.parse(data, today=AS_OF)


drops = st.sets(st.sampled_from(TOP_LEVEL + PATIENT + RISK_FACTORS))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(EXAMPLES), drop=drops)
def test_both_report_models_build_and_name_what_is_missing(name, drop):
    record = stripped(name, drop)
    patient = build_report(record=record, audience="patient", as_of=AS_OF)
    clinician = build_report(record=record, audience="clinician", as_of=AS_OF)
    assert len(patient.missing) == len(clinician.data_gaps)  # type: ignore[union-attr]
    if "dxa_scans" in drop:
        assert "a bone density (DXA) scan: none is recorded yet" in patient.missing  # type: ignore[union-attr]
    if "therapy" in drop:
        assert any("aromatase-inhibitor treatment" in m for m in patient.missing)  # type: ignore[union-attr]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(EXAMPLES), drop=drops, audience=st.sampled_from(["patient", "clinician"])
)
def test_the_templates_render_whatever_is_missing(name, drop, audience):
    report = build_report(record=stripped(name, drop), audience=audience, as_of=AS_OF)
    html = render_html(report, page_size="letter")
    assert "size: letter;" in html
    if audience == "patient":
        listed = "This report is missing" in html or "Nothing important is missing" in html
    else:
        listed = "<th>Missing</th><th>Why</th>" in html or "No data gaps." in html
    assert listed


def test_a_record_with_nothing_but_the_patient_still_reports():
    record = PatientRecord.parse(
        {
            "id": "bare",
            "patient": {"birth_date": "1960-03-01", "menopausal_status": "postmenopausal"},
        },
        today=AS_OF,
    )
    report = build_report(record=record, audience="patient", as_of=date(2026, 11, 27))
    assert report.next_dxa.startswith("Not known")  # type: ignore[union-attr]
    assert (
        "your aromatase-inhibitor treatment (which medicine, and when it started)" in report.missing
    )  # type: ignore[union-attr]
    html = render_html(build_report(record=record, audience="clinician", as_of=AS_OF))
    assert "not recorded" in html and "No DXA scan recorded." in html
