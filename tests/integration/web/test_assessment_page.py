"""The assessment page's change table: where no precision is known for a site (the 33% radius)
the least significant change is 'unknown' and no change is called meaningful or not."""

from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.web import create_app

from .conftest import EXAMPLES, World, add_user, example, link, signed_in
from .test_patient_wording import page_text


def test_a_site_without_known_precision_shows_an_unknown_lsc(
    sqlite_store: sessionmaker[Session],
) -> None:
    data = json.loads((EXAMPLES / "lapsed-denosumab.json").read_text())
    for scan, bmd in zip(data["dxa_scans"], (0.700, 0.650), strict=True):
        scan["sites"]["radius_33"] = {"bmd_g_cm2": bmd, "t_score": -1.5}
    record = PatientRecord.parse(data, today=date.today())
    patient = add_user(sqlite_store, email="fay@example.org", role="patient", record=record)
    doctor = add_user(sqlite_store, email="dr.fay@example.org", role="clinician")
    link(sqlite_store, doctor, record.id)
    app = create_app(session_factory=sqlite_store)
    for user in (patient, doctor):
        response = signed_in(app, sqlite_store, user, user.email).client.get(
            f"/patients/{record.id}/assessment"
        )
        assert response.status_code == 200
        text = page_text(response.text)
        row = text.split("33% radius 2020-12-15 2025-01-20")[1][:80].strip()
        assert row.startswith("-7.1% unknown cannot tell"), row
        assert "lumbar spine (L1-L4) 2020-12-15 2025-01-20 +7.7% ±3.0% yes" in text


def test_her_assessment_page_speaks_the_plain_words_of_her_report(sqlite_world: World) -> None:
    from bonewise.clinical.assessment import assess
    from bonewise.render.patient import where_bones_stand

    pid = sqlite_world.patient_a.patient_id
    page = sqlite_world.actor("patient_a").client.get(f"/patients/{pid}/assessment").text
    record = example("osteopenia-with-risk-factors")
    headline, _ = where_bones_stand(assess(record, as_of=date.today()), record)
    text = page_text(page)
    assert " ".join(headline.split(".")[0].split()) in text
    for jargon in ("WHO category", "(version ", "hadji-2017", "rule hadji"):
        assert jargon not in text
    clinician = sqlite_world.actor("linked_clinician").client.get(f"/patients/{pid}/assessment")
    assert "WHO category" in clinician.text and "hadji-2017" in clinician.text


def _clinician_page(factory: sessionmaker[Session], name: str) -> str:
    record = example(name)
    doctor = add_user(factory, email=f"dr.{name}@example.org", role="clinician")
    add_user(factory, email=f"{name}@example.org", role="patient", record=record)
    link(factory, doctor, record.id)
    app = create_app(session_factory=factory)
    response = signed_in(app, factory, doctor, doctor.email).client.get(
        f"/patients/{record.id}/assessment"
    )
    assert response.status_code == 200, response.text
    return page_text(response.text)


def test_the_clinician_page_shows_each_guidelines_determinacy_and_the_questions_to_ask(
    sqlite_store: sessionmaker[Session],
) -> None:
    from bonewise.clinical.assessment import assess

    record = example("lapsed-denosumab")
    a = assess(record, as_of=date.today())
    text = _clinician_page(sqlite_store, "lapsed-denosumab")
    asco = a.guidelines["asco-2019"]
    assert asco.determinacy == "provisional"
    assert f"provisional rule {asco.rule_id}" in text
    assert "Ask: " + " ".join(asco.would_change_if[0].split()) in text
    hadji = a.guidelines["hadji-2017"]
    assert hadji.determinacy == "not-applicable"
    assert f"Not applicable: {hadji.reasons[0]}" in text
    # she is on denosumab (overdue): the on-therapy words, never "consider bone-directed therapy"
    assert "Consider bone-directed therapy" not in text
    assert (
        "Bone-directed therapy Status overdue Agent denosumab (denosumab 60 mg every 6 months"
        in text
    )
    assert "Last dose 2026-02-03 from recorded dose" in text
    assert "Next dose due 2026-08-03 (overdue) from last dose + 6 months" in text
    assert "Checks on bone-directed therapy" in text and "Before any bone medicine" not in text


def test_the_clinician_page_says_when_the_plan_is_limited(
    sqlite_store: sessionmaker[Session],
) -> None:
    from bonewise.clinical.assessment import assess

    data = json.loads((EXAMPLES / "osteopenia-no-risk-factors.json").read_text())
    data["risk_factors"]["bone_metastases"] = None
    record = PatientRecord.parse(data, today=date.today())
    doctor = add_user(sqlite_store, email="dr.lim@example.org", role="clinician")
    add_user(sqlite_store, email="lim@example.org", role="patient", record=record)
    link(sqlite_store, doctor, record.id)
    app = create_app(session_factory=sqlite_store)
    page = signed_in(app, sqlite_store, doctor, doctor.email).client.get(
        f"/patients/{record.id}/assessment"
    )
    reasons = assess(record, as_of=date.today()).automation.limited_reasons
    assert reasons
    assert "Plan limited until a clinician confirms: " + reasons[0] in page_text(page.text)


def test_the_clinician_page_says_order_a_dxa_and_shows_clinical_osteoporosis(
    sqlite_store: sessionmaker[Session],
) -> None:
    text = _clinician_page(sqlite_store, "no-dxa-yet")
    assert "undetermined" in text and "Undetermined: order a DXA." in text
    fracture = _clinician_page(sqlite_store, "vertebral-fracture-osteopenia")
    assert "WHO category osteopenia Clinical osteoporosis yes: " in fracture


def test_the_clinician_page_keeps_asked_no_apart_from_never_asked(
    sqlite_store: sessionmaker[Session],
) -> None:
    from bonewise.clinical.assessment import assess

    record = example("osteopenia-no-risk-factors")
    answers = assess(record, as_of=date.today()).risk_factors
    text = _clinician_page(sqlite_store, "osteopenia-no-risk-factors")
    assert "Risk factors Factor Answer Source Recorded" in text
    for f in answers:
        words = f.words
        assert f"{f.name.replace('_', ' ')} {words}" in text


def test_the_panel_lists_a_woman_on_therapy_as_on_it_not_as_a_therapy_gap(
    sqlite_store: sessionmaker[Session],
) -> None:
    doctor = add_user(sqlite_store, email="dr.panel@example.org", role="clinician")
    for name in ("on-denosumab", "zoledronic-acid-overdue", "osteopenia-with-risk-factors"):
        record = example(name)
        add_user(sqlite_store, email=f"{name}@example.org", role="patient", record=record)
        link(sqlite_store, doctor, record.id)
    client = signed_in(
        create_app(session_factory=sqlite_store), sqlite_store, doctor, doctor.email
    ).client
    rows = {row["patient_id"]: row for row in client.get("/api/v1/clinician/panel").json()}
    statuses = {pid: (row["bone_therapy"], row["therapy_gap"]) for pid, row in rows.items()}
    assert sorted(statuses.values()) == [("active", False), ("none", True), ("overdue", False)]
    page = page_text(client.get("/clinician").text)
    assert "on denosumab, next dose due " in page
    assert "zoledronic acid overdue: next dose was due " in page


def test_seed_tiers_reach_her_page_as_education_never_as_a_medicine_to_consider(
    sqlite_store: sessionmaker[Session],
) -> None:
    record = example("osteopenia-no-risk-factors")
    patient = add_user(sqlite_store, email="seed@example.org", role="patient", record=record)
    app = create_app(session_factory=sqlite_store)
    response = signed_in(app, sqlite_store, patient, patient.email).client.get(
        f"/patients/{record.id}/assessment"
    )
    # the nav names her nutrition page as its title does
    assert f'<a href="/patients/{record.id}/nutrition">Food diary</a>' in response.text
    assert ">Food</a>" not in response.text
    text = page_text(response.text)
    assert "consider a bone-protecting medicine" not in text
    assert "Patient education from Markopoulos 2010 General advice on looking after your bones" in (
        text
    )
    assert "Guideline from Markopoulos" not in text


# Clinician and debug text her page never shows: Python lists, thresholds, "input = value" and
# field names (snake_case).
DEBUG_TEXT = re.compile(r"\['|>=|<=| = |\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def test_her_assessment_page_shows_no_inputs_thresholds_or_field_names(
    sqlite_store: sessionmaker[Session],
) -> None:
    names = sorted(p.stem for p in EXAMPLES.glob("*.json"))
    users = [
        (
            name,
            add_user(
                sqlite_store, email=f"{name}@example.org", role="patient", record=example(name)
            ),
        )
        for name in names
    ]
    app = create_app(session_factory=sqlite_store)
    shown = {}
    for name, user in users:
        record_id = example(name).id
        response = signed_in(app, sqlite_store, user, user.email).client.get(
            f"/patients/{record_id}/assessment"
        )
        assert response.status_code == 200, name
        text = page_text(response.text)
        found = {m.group(0) for m in DEBUG_TEXT.finditer(text)}
        found |= {
            words
            for words in ("Threshold:", "Based on:", "LSC", "Missing:", "not used; re-run")
            if words in text
        }
        if assess(example(name), as_of=date.today()).disclaimer in text:
            found.add("the clinician disclaimer")
        if found:
            shown[name] = sorted(found)
    assert not shown, f"her page shows {shown}"


def test_an_outdated_frax_reaches_her_as_a_question_for_her_team(
    sqlite_store: sessionmaker[Session],
) -> None:
    """FRAX of 2025-06-12, then a later DXA: her clinician reads "not used; re-run FRAX", she
    reads a question for her team."""
    data = json.loads((EXAMPLES / "osteopenia-with-risk-factors.json").read_text())
    later = json.loads(json.dumps(data["dxa_scans"][0]))
    later["date"] = "2026-06-01"
    data["dxa_scans"].append(later)
    record = PatientRecord.parse(data, today=date.today())
    patient = add_user(sqlite_store, email="frax@example.org", role="patient", record=record)
    doctor = add_user(sqlite_store, email="dr.frax@example.org", role="clinician")
    link(sqlite_store, doctor, record.id)
    app = create_app(session_factory=sqlite_store)
    hers, theirs = (
        page_text(
            signed_in(app, sqlite_store, user, user.email)
            .client.get(f"/patients/{record.id}/assessment")
            .text
        )
        for user in (patient, doctor)
    )
    assert "predates the latest DXA (2026-06-01): not used; re-run FRAX with it" in theirs
    assert "predates" not in hers and not DEBUG_TEXT.search(hers)
    assert (
        "the one on your record was worked out before your latest bone density scan or before "
        "your aromatase inhibitor started. Ask your team whether it should be worked out again."
        in hers
    )
