"""The Learn pages quote trial and study figures from their Cited values (never typed into the
templates), cite the shared Source objects, and tell her to ask her team, not what to take."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bonewise.evidence import MARKOPOULOS_2010
from bonewise.exercise import guidance
from bonewise.web import create_app, learn_facts
from bonewise.web.routers.learn import TOPICS

from .test_patient_wording import page_text

TEMPLATES = resources.files("bonewise.web") / "templates" / "learn"
# The figures the pages quote, as they would be typed: none may be a literal in a template.
TYPED = re.compile(r"\b(213|2,?152|5\.7|1\.5|1\.6|3\.9|6\.6|2\.4|150)\b")


@pytest.fixture
def client(sqlite_store: sessionmaker[Session]) -> TestClient:
    return TestClient(create_app(session_factory=sqlite_store))


def test_no_trial_figure_is_typed_into_a_learn_template() -> None:
    for page in TEMPLATES.iterdir():
        if page.name.endswith(".html"):
            found = TYPED.findall(page.read_text())
            assert not found, f"{page.name} types {found}: render the Cited value instead"


def test_the_pages_show_the_cited_figures(client: TestClient) -> None:
    medicines = page_text(client.get("/learn/bone-medicines").text)
    f = learn_facts
    assert f"followed {f.ARBI_WOMEN.value} women" in medicines
    assert (
        f"spine density rose {f.ARBI_MODERATE_SPINE_WITH_RISEDRONATE.value:.1f}% with "
        f"risedronate and fell {-f.ARBI_MODERATE_SPINE_WITHOUT.value:.1f}% without it"
    ) in medicines
    assert (
        f"rose {f.ARBI_MODERATE_HIP_WITH_RISEDRONATE.value:.1f}% against a fall of "
        f"{-f.ARBI_MODERATE_HIP_WITHOUT.value:.1f}%"
    ) in medicines
    assert f"rose about {f.ARBI_HIGH_SPINE_WITH_RISEDRONATE.value:.1f}% over two years" in medicines
    exercise = page_text(client.get("/learn/exercise").text)
    assert f"a study of {f.KWAN_WOMEN.value:,} women" in exercise
    assert f"less than {f.KWAN_AEROBIC_MINUTES.value} minutes a week" in exercise
    assert f"about {f.KWAN_FRACTURE_HR.value:.1f} times the rate" in exercise
    assert f"up to {guidance.AEROBIC_MINUTES_PER_WEEK.value} minutes a week" in exercise


def test_every_quoted_figure_is_cited_on_its_page(client: TestClient) -> None:
    by_slug = {t.slug: t for t in TOPICS}
    for fact in learn_facts.ALL:
        assert fact.evidence in ("confirmed", "secondary", "unconfirmed", "policy")
        slug = "bone-medicines" if fact.source is MARKOPOULOS_2010 else "exercise"
        assert fact.source in by_slug[slug].sources
        assert fact.source.citation in page_text(client.get(f"/learn/{slug}").text)


def test_exercise_sources_are_the_exercise_modules_own() -> None:
    exercise = next(t for t in TOPICS if t.slug == "exercise")
    assert guidance.TOO_FIT_TO_FRACTURE in exercise.sources
    assert guidance.PAG_2018 in exercise.sources
    keys = [s.key for t in TOPICS for s in t.sources]
    assert "paga-2018" not in keys and "too-fit-to-fracture-2014" not in keys


def test_the_medicines_page_tells_her_to_ask_not_to_take(client: TestClient) -> None:
    text = page_text(client.get("/learn/bone-medicines").text)
    assert "Ask your team" in text
    assert not re.search(r"\byou should (take|start)\b|\b\d+\s*mg\b", text, re.IGNORECASE)
