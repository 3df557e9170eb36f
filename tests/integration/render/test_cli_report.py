"""`bonewise report` from a patient file and from the store (SQLite file; PostgreSQL when set)."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.exercise.adherence import new_session
from bonewise.nutrition.supplements import calcium, vitamin_d3
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.services.nutrition import log_supplement
from bonewise.services.reports import adherence_summary
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork, open_store

from ...unit.render.helpers import AS_OF, EXAMPLES_DIR, example
from .conftest import read_pdf

runner = CliRunner()
OSTEOPOROSIS = str(EXAMPLES_DIR / "osteoporosis.json")


def run(*args: str):
    return runner.invoke(app, ["report", *args, "--as-of", AS_OF.isoformat()])


def test_html_report_is_one_self_contained_page(tmp_path):
    out = tmp_path / "report.html"
    result = run(OSTEOPOROSIS, "--audience", "clinician", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "data:image/svg+xml;base64," in html
    assert 'src="http' not in html and "<link" not in html
    assert "WHO category</td><td><strong>osteoporosis" in html
    assert "size: A4;" in html


# Python values and field names a filed report never prints.
RAW_WORDS = re.compile(r"\bNone\b|\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def test_the_clinician_pdf_words_every_input_with_its_label_and_unit(tmp_path):
    """synthea-arimidex: no weight, height, calcium, creatinine clearance or femoral neck BMD."""
    out = tmp_path / "clinician.pdf"
    ehr = EXAMPLES_DIR.parents[1] / "tests" / "data" / "ehr" / "synthea-arimidex.json"
    result = run(str(ehr), "--audience", "clinician", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = read_pdf(out).text
    assert not sorted(set(RAW_WORDS.findall(text)))
    for words in (
        "serum calcium: not recorded",
        "creatinine clearance: not recorded",
        "weight: not recorded",
        "femoral neck BMD: not recorded",
        "25-OH vitamin D: 27.0 ng/mL",
        "serum calcium (lab)",
    ):
        assert words in text


def test_pdf_report_on_letter_paper(tmp_path):
    out = tmp_path / "patient.pdf"
    result = run(OSTEOPOROSIS, "-o", str(out), "--page-size", "letter", "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert "(letter)" in info.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--audience", "doctor"], "--audience 'doctor' is not allowed: use patient or clinician"),
        (["--page-size", "a5"], "--page-size 'a5' is not allowed: use a4 or letter"),
        (["--format", "docx"], "--format 'docx' is not allowed: use pdf or html"),
        (["--as-of", "27/11/2026"], "--as-of '27/11/2026' is not a date"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out.pdf"
    result = runner.invoke(app, ["report", OSTEOPOROSIS, "-o", str(out), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_patient_file_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"id": "x", "patient": {"birth_date": "1960-01-01", "menopausal_status": "later"}}'
    )
    out = tmp_path / "out.pdf"
    result = run(str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert "patient.menopausal_status" in result.stderr
    assert not out.exists()


def sessions_for_two_weeks():
    """Last week: every goal met. This week (up to AS_OF): some walking only."""
    last_monday = AS_OF - timedelta(days=AS_OF.weekday() + 7)
    week = [("brisk-walking", d, 30) for d in range(5)]
    week += [("bodyweight-squat", 0, 20), ("bodyweight-squat", 3, 20)]
    week += [("single-leg-stand", d, 10) for d in range(7)]
    this = [("brisk-walking", 7, 40)]
    return [
        new_session(
            exercise_id=exercise,
            minutes=minutes,
            performed_on=last_monday + timedelta(days=day),
            today=AS_OF,
        )
        for exercise, day, minutes in week + this
    ]


def test_adherence_summary_counts_weeks_from_the_first_logged_one():
    summary = adherence_summary(sessions_for_two_weeks(), as_of=AS_OF)
    assert summary is not None
    assert [w.met for w in summary.weeks] == [True, False]
    assert summary.weeks[0].aerobic_minutes == 150
    assert summary.streak_weeks == 1  # this week may still be met
    assert adherence_summary([], as_of=AS_OF) is None


def test_stored_patient_report_includes_her_exercise_log(migrated_store_url, tmp_path):
    record = example("normal")
    with UnitOfWork(open_store(migrated_store_url)) as uow:
        PatientRepository(uow.session).save(record)
        log = ExerciseLogRepository(uow.session)
        for logged in sessions_for_two_weeks():
            log.add(patient_id=record.id, logged=logged)
        uow.commit()
    store = open_store(migrated_store_url)
    for days_ago in (0, 1):
        day = AS_OF - timedelta(days=days_ago)
        log_supplement(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id=record.id,
            day=day,
            meal="breakfast",
            dose=vitamin_d3(1000),
        )
    log_supplement(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=record.id,
        day=AS_OF,
        meal="lunch",
        dose=calcium("carbonate", elemental_mg=600),
    )
    out = tmp_path / "stored.html"
    result = run("--patient", record.id, "--audience", "clinician", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    year, week, _ = (AS_OF - timedelta(days=7)).isocalendar()
    assert f"{year}-W{week:02d}" in html
    assert "1 of 2 week(s) met all goals" in html
    assert "No exercise logged" not in html
    assert "2 day(s) logged" in html and "No intake logged" not in html
    assert "1,000 IU" in html  # vitamin D average over the logged days
    assert "mg of calcium in one dose" in html  # the nutrition service's single-dose warning

    missing = run("--patient", "nobody", "-o", str(tmp_path / "x.pdf"))
    assert missing.exit_code == 2 and "nobody" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()
