"""One word per concept in what a patient reads: what she logs and is planned is "exercise",
never "activity"; what she eats is food (the food diary, the nutrition page), never "diet".

Sources of patient text checked: every web template, the form labels and their error messages,
the patient report's fixed sentences, the exercise plan's message and notes, and the
recommendations addressed to her."""

import importlib
import pkgutil
import re
from datetime import date
from pathlib import Path

import pytest

from bonewise.clinical.assessment import assess
from bonewise.exercise.planner import Preferences, plan_week
from bonewise.exercise.safety import safety_profile
from bonewise.importers.patient_file import load_patient_file
from bonewise.render import patient as patient_report
from bonewise.web import forms, routers

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "src" / "bonewise" / "web" / "templates"
EXAMPLES = sorted((ROOT / "examples" / "patients").glob("*.json"))
AS_OF = date(2026, 11, 27)

OTHER_WORD = re.compile(r"\b(activit(?:y|ies)|diet(?:s|ary)?)\b", re.IGNORECASE)
# Her everyday life (housework, getting about) is another concept than the exercise she logs.
ANOTHER_CONCEPT = re.compile(r"\bdaily activities\b", re.IGNORECASE)


def other_words(text: str) -> list[str]:
    return OTHER_WORD.findall(ANOTHER_CONCEPT.sub("", text))


def test_the_words_are_caught_and_everyday_life_is_not():
    assert other_words("Log activity") == ["activity"]
    assert other_words("Which activities are safe? Your diet.") == ["activities", "diet"]
    assert other_words("Keep up your usual daily activities.") == []
    assert other_words("Log exercise in your food diary") == []


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_says_activity_or_diet(template):
    assert other_words(template.read_text(encoding="utf-8")) == []


def test_form_labels_and_the_exercise_picker_error_say_exercise():
    assert [w for label in forms.FIELD_LABELS.values() for w in other_words(label)] == []
    picker = forms.plain_error(
        {"loc": ["exercise_id"], "type": "value_error", "msg": "Value error, unknown exercise"}
    )
    assert picker.startswith("Exercise:") and other_words(picker) == []


def test_the_patient_report_sentences_say_exercise():
    sentences: list[str] = []
    for value in vars(patient_report).values():
        if isinstance(value, str):
            sentences.append(value)
        elif isinstance(value, dict):
            sentences += [v for v in value.values() if isinstance(v, str)]
    assert len(sentences) > 20
    assert [w for s in sentences for w in other_words(s)] == []


@pytest.mark.parametrize("current_minutes", [None, 20])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_exercise_plan_says_exercise(example, current_minutes):
    record = load_patient_file(example, today=AS_OF)
    plan = plan_week(
        patient_id=record.id,
        profile=safety_profile(record, as_of=AS_OF),
        preferences=Preferences(current_aerobic_minutes=current_minutes),
        as_of=AS_OF,
        week=1,
    )
    assert other_words(" ".join([plan.message, *plan.notes])) == []
    advice = [
        r.text for r in assess(record, as_of=AS_OF).recommendations if r.audience == "patient"
    ]
    assert [w for text in advice for w in other_words(text)] == []


def test_each_patient_page_handler_is_named_after_its_url():
    """/patients/{id}/nutrition is served by nutrition_page (not food_page); only the old /food
    redirects keep the old word, and say so (old_...)."""
    page = re.compile(r"^/patients/\{patient_id\}/([a-z-]+)$")
    named: dict[str, str] = {}
    for module in pkgutil.iter_modules(routers.__path__):
        router = importlib.import_module(f"{routers.__name__}.{module.name}").router
        for route in router.routes:
            found = page.match(getattr(route, "path", ""))
            is_get = "GET" in (getattr(route, "methods", None) or ())
            if found and is_get and not route.name.startswith("old_"):
                named[found[1]] = route.name
    assert {"nutrition", "exercise", "assessment"} <= named.keys()
    wrong = {url: name for url, name in named.items() if name != url.replace("-", "_") + "_page"}
    assert wrong == {}
