"""What a patient reads on her own pages: never a drug, dose or treatment instruction (alerts
become questions for her team, only recommendations addressed to her are shown), while her
clinician keeps the full clinical text. The one drug she may see named is her own current bone
medicine, with its dates. The Learn pages (education) are not checked here."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bonewise.clinical.models import PatientRecord
from bonewise.render.patient import ALERT_QUESTIONS
from bonewise.web import create_app

from .conftest import EXAMPLES, add_foods, add_user, example, link, signed_in

DRUG_WORDS = re.compile(
    r"denosumab|zoledron|alendronate|risedronate|ibandronate|bisphosphonate|dose|injection"
    r"|infusion|tablet",
    re.IGNORECASE,
)
# Advice about a drug she must never be given, whatever the drug.
ADVICE_WORDS = re.compile(
    r"consider (?:starting|bone-directed)|\b(?:start|stop|change|switch|restart) (?:taking|"
    r"your (?:medicine|treatment|dose)|the (?:medicine|treatment|dose))|bone-directed therapy",
    re.IGNORECASE,
)
PATIENT_PAGES = ("", "/assessment", "/nutrition", "/exercise", "/checkin")


class _Text(HTMLParser):
    """The text a reader meets: element text and the labels charts are read out by."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _pages(factory: sessionmaker[Session], name: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """Her dashboard and assessment as she sees them, and as her linked clinician sees them."""
    add_foods(factory)
    record = example(name)
    patient = add_user(factory, email=f"{name}@example.org", role="patient", record=record)
    doctor = add_user(factory, email=f"dr.{name}@example.org", role="clinician")
    link(factory, doctor, record.id)
    app = create_app(session_factory=factory)
    hers, theirs = {}, {}
    for path in PATIENT_PAGES:
        for user, pages in ((patient, hers), (doctor, theirs)):
            response = signed_in(app, factory, user, user.email).client.get(
                f"/patients/{record.id}{path}"
            )
            assert response.status_code == 200, response.text
            pages[path or "/dashboard"] = page_text(response.text)
    return record.id, hers, theirs


def _own_medicine_names(name: str) -> set[str]:
    """The drug names she may read: her own current bone medicine, as her pages name it."""
    from bonewise.clinical.assessment import assess
    from bonewise.clinical.bone_therapy import AGENT_LABELS

    therapy = assess(example(name), as_of=date.today()).bone_therapy
    if not therapy.on_therapy or therapy.agent is None:
        return set()
    return {m.group(0).lower() for m in DRUG_WORDS.finditer(AGENT_LABELS[therapy.agent])}


@pytest.mark.parametrize(
    "name",
    [
        "lapsed-denosumab",
        "on-denosumab",
        "zoledronic-acid-overdue",
        "osteoporosis",
        "bone-metastases",
        "vertebral-fracture-recent",
        "vertebral-fracture-osteopenia",
    ],
)
def test_her_pages_name_only_her_own_medicine_and_give_no_drug_advice(
    sqlite_store: sessionmaker[Session], name: str
) -> None:
    _, hers, _ = _pages(sqlite_store, name)
    own = _own_medicine_names(name)
    for path, text in hers.items():
        found = {m.group(0).lower() for m in DRUG_WORDS.finditer(text)} - own
        assert not found, f"{name} {path} shows the patient {sorted(found)}: {text}"
        advice = sorted({m.group(0).lower() for m in ADVICE_WORDS.finditer(text)})
        assert not advice, f"{name} {path} advises the patient {advice}: {text}"


def test_her_own_medicine_is_named_with_its_dates_on_her_pages(
    sqlite_store: sessionmaker[Session],
) -> None:
    _, hers, theirs = _pages(sqlite_store, "lapsed-denosumab")
    said = (
        "Your bone medicines Denosumab, on your record since 1 February 2021. The next one was "
        "due on 3 August 2026: ask your team about it."
    )
    for path in ("/dashboard", "/assessment"):
        assert said in hers[path]
        assert "Your bone medicines" not in theirs[path]


def test_a_woman_on_therapy_is_not_told_to_consider_a_medicine(
    sqlite_store: sessionmaker[Session],
) -> None:
    _, hers, _ = _pages(sqlite_store, "on-denosumab")
    text = hers["/assessment"]
    assert "consider a bone-protecting medicine" not in text
    assert "You already have a bone-protecting medicine recorded" in text
    assert "FRAX 10-year" not in text  # the clinician's question, not hers


def test_a_lapsed_dose_reaches_her_as_a_question_and_her_clinician_in_full(
    sqlite_store: sessionmaker[Session],
) -> None:
    _, hers, theirs = _pages(sqlite_store, "lapsed-denosumab")
    question = ALERT_QUESTIONS["denosumab-lapse"]
    for path in ("/dashboard", "/assessment"):
        assert question in hers[path]
        assert "Denosumab" in theirs[path]  # the clinician keeps the clinical alert
        assert question not in theirs[path]
    # recommendations addressed to the clinician stay on the clinician's page only
    assert "bone-directed therapy" in theirs["/assessment"].lower()


def _her_pages_for(factory: sessionmaker[Session], record: PatientRecord) -> dict[str, str]:
    patient = add_user(factory, email=f"{record.id}@example.org", role="patient", record=record)
    app = create_app(session_factory=factory)
    client = signed_in(app, factory, patient, patient.email).client
    pages = {}
    for path in ("", "/assessment"):
        response = client.get(f"/patients/{record.id}{path}")
        assert response.status_code == 200, response.text
        pages[path or "/dashboard"] = page_text(response.text)
    return pages


def test_clinical_osteoporosis_reaches_her_in_plain_words(
    sqlite_store: sessionmaker[Session],
) -> None:
    from bonewise.clinical.assessment import assess

    record = example("vertebral-fracture-osteopenia")
    plain = assess(record, as_of=date.today()).clinical_osteoporosis.plain_words
    assert plain
    for text in _her_pages_for(sqlite_store, record).values():
        assert " ".join(plain.split()) in text


def test_a_limited_plan_and_the_open_questions_are_explained_to_her(
    sqlite_store: sessionmaker[Session],
) -> None:
    from bonewise.render.patient import LIMITED_PLAIN

    data = json.loads((EXAMPLES / "osteopenia-no-risk-factors.json").read_text())
    for factor in ("bone_metastases", "parental_hip_fracture", "smoking"):
        data["risk_factors"][factor] = None
    record = PatientRecord.parse(data, today=date.today())
    for path, text in _her_pages_for(sqlite_store, record).items():
        assert "Your exercise plan is kept gentle for now. " + LIMITED_PLAIN in text, path
        assert "status not recorded" not in text
        assert "Questions for your team My record does not yet say: " in text, path
        assert not ADVICE_WORDS.search(text)


@pytest.mark.parametrize("as_of", [date(2026, 12, 1), date(2027, 9, 30), date(2028, 6, 1)])
def test_every_alert_the_examples_raise_has_her_own_question(as_of: date) -> None:
    """An alert without a question reaches her as the catch-all line: each has its own, in
    words that name no drug and give no advice."""
    from bonewise.clinical.assessment import assess

    raised: set[str] = set()
    for path in sorted(EXAMPLES.glob("*.json")):
        try:
            record = PatientRecord.parse(json.loads(path.read_text(encoding="utf-8")), today=as_of)
        except ValueError:
            continue  # a record dated after `as_of` cannot be looked at on that day
        raised |= {a.id for a in assess(record, as_of=as_of).alerts}
    if as_of == date(2028, 6, 1):
        assert "therapy-gap" in raised
    assert raised <= set(ALERT_QUESTIONS), sorted(raised - set(ALERT_QUESTIONS))
    for question in ALERT_QUESTIONS.values():
        assert not DRUG_WORDS.search(question) and not ADVICE_WORDS.search(question), question
