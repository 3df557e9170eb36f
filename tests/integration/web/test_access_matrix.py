"""The access matrix: every route, tried as anonymous, patient A, patient B, an unlinked
clinician and A's linked clinician. Only the right ones succeed; the rest get 401 (or, for
pages, a redirect to the sign-in page) or 403. Patient-scoped routes target patient A.

The table below is the declaration of who may do what; a route missing from it fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from bonewise.exercise.adherence import new_session
from bonewise.nutrition import supplements
from bonewise.services import accounts as account_services
from bonewise.services import exercise, nutrition, records, reminders
from bonewise.services.access import LOCAL_OPERATOR
from bonewise.store.uow import UnitOfWork
from bonewise.web import forms

from .conftest import PASSWORD, Actor, World

ACTORS = ("anonymous", "patient_a", "patient_b", "unlinked_clinician", "linked_clinician")
POLICIES: dict[str, set[str]] = {
    "public": set(ACTORS),
    "signed_in": set(ACTORS) - {"anonymous"},
    "record": {"patient_a", "linked_clinician"},
    "own_record": {"patient_a"},
    "patient_role": {"patient_a", "patient_b"},
    "clinician_role": {"unlinked_clinician", "linked_clinician"},
    "linked_clinician": {"linked_clinician"},
}
SCAN = {
    "date": (date.today() - timedelta(days=3)).isoformat(),
    "scanner_make": "hologic",
    "sites": {"lumbar_spine": {"bmd_g_cm2": 0.9, "t_score": -1.6}},
}
LAB = {"kind": "25_oh_vitamin_d", "date": date.today().isoformat(), "value": 31, "unit": "ng/mL"}
_counter = iter(range(10_000))


def _anon_csrf(actor: Actor) -> str:
    if actor.user is not None:
        return actor.csrf
    page = actor.client.get("/login").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "sign-in page has no CSRF field"
    return match.group(1)


def _form(data: dict[str, Any]) -> Callable[[Actor, str], dict[str, Any]]:
    def build(actor: Actor, _pid: str) -> dict[str, Any]:
        return {"data": {**data, "csrf_token": _anon_csrf(actor)}}

    return build


def _json(data: Any) -> Callable[[Actor, str], dict[str, Any]]:
    def build(actor: Actor, _pid: str) -> dict[str, Any]:
        return {"json": data, "headers": actor.headers()}

    return build


def _signup_json(actor: Actor, _pid: str) -> dict[str, Any]:
    n = next(_counter)
    return {"json": {"email": f"new{n}@example.org", "name": "New", "password": PASSWORD}}


def _signup_form(actor: Actor, pid: str) -> dict[str, Any]:
    n = next(_counter)
    return _form({"email": f"form{n}@example.org", "name": "New", "password": PASSWORD})(actor, pid)


def _profile_form(actor: Actor, pid: str) -> dict[str, Any]:
    from .conftest import example

    values = forms.profile_to_form(example("osteopenia-with-risk-factors").model_dump(mode="json"))
    return _form({k: str(v) for k, v in values.items()})(actor, pid)


def _reset_form(actor: Actor, pid: str) -> dict[str, Any]:
    """A live reset link for Bea each time; her password "changes" to itself."""
    link = account_services.request_password_reset(
        uow=UnitOfWork(actor.client.app.state.session_factory),  # type: ignore[attr-defined]
        email="bea@example.org",
        client=f"matrix-{next(_counter)}",
    )
    assert link is not None
    return _form({"token": link.token, "new_password": PASSWORD})(actor, pid)


def _reset_json(actor: Actor, pid: str) -> dict[str, Any]:
    link = account_services.request_password_reset(
        uow=UnitOfWork(actor.client.app.state.session_factory),  # type: ignore[attr-defined]
        email="bea@example.org",
        client=f"matrix-{next(_counter)}",
    )
    assert link is not None
    return {"json": {"token": link.token, "new_password": PASSWORD}}


class _Outbox:
    """Where the matrix's app 'sends' reset e-mails (the mail path is tested with a real SMTP
    server in test_password_reset.py)."""

    sender = "bonewise@localhost"

    def __init__(self) -> None:
        self.sent: list[object] = []

    def send(self, message: object) -> None:
        self.sent.append(message)


def _reset_request_json(actor: Actor, _pid: str) -> dict[str, Any]:
    actor.client.app.state.mailer = _Outbox()  # type: ignore[attr-defined]
    return {"json": {"email": "nobody@example.org"}}


# Makes a live calendar token for patient A (set by test_access_matrix): a fresh one for each
# try, since other rows of the walk replace and revoke hers.
FEED: dict[str, Callable[[], str]] = {}


def _writes(actor: Actor, _pid: str) -> dict[str, Any]:
    return {"headers": actor.headers()}


@dataclass(frozen=True)
class Rule:
    policy: str
    request: Callable[[Actor, str], dict[str, Any]] | None = None
    # Access is decided first; the request then has input the route refuses (422), so that
    # the matrix can walk a route that must not succeed here (deleting the account).
    refused_input: bool = False


DXA_FORM = {
    "date": SCAN["date"],
    "scanner_make": "hologic",
    "lumbar_spine_bmd_g_cm2": "0.9",
    "lumbar_spine_t_score": "-1.6",
}
LAB_FORM = {k: str(v) for k, v in LAB.items()}
FRAX = {"date": SCAN["date"], "major_osteoporotic_pct": 12.5, "hip_pct": 2.1, "with_bmd": True}
FRAX_FORM = {"date": SCAN["date"], "major_osteoporotic_pct": "12.5", "hip_pct": "", "with_bmd": ""}
_DAYS_AGO = {n: (date.today() - timedelta(days=n)).isoformat() for n in (1, 2, 30)}
COURSE = {"agent": "denosumab", "start_date": _DAYS_AGO[30]}
COURSE_FORM = {"agent": "zoledronic_acid", "dose_date": _DAYS_AGO[2]}

MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/"): Rule("public"),
    ("GET", "/healthz"): Rule("public"),
    ("GET", "/openapi.json"): Rule("public"),
    ("GET", "/docs"): Rule("public"),
    ("GET", "/learn"): Rule("public"),
    ("GET", "/learn/{slug}"): Rule("public"),
    ("GET", "/login"): Rule("public"),
    ("POST", "/login"): Rule("public", _form({"email": "ann@example.org", "password": PASSWORD})),
    ("GET", "/signup"): Rule("public"),
    ("POST", "/signup"): Rule("public", _signup_form),
    ("POST", "/api/v1/session"): Rule(
        "public", _json({"email": "ann@example.org", "password": PASSWORD})
    ),
    ("POST", "/api/v1/accounts"): Rule("public", _signup_json),
    # The password "changes" to itself, so the sign-in routes still work in any order.
    ("POST", "/account/password"): Rule(
        "signed_in", _form({"current_password": PASSWORD, "new_password": PASSWORD})
    ),
    ("PUT", "/api/v1/me/password"): Rule(
        "signed_in", _json({"current_password": PASSWORD, "new_password": PASSWORD})
    ),
    ("POST", "/account/sign-out-everywhere"): Rule("signed_in", _form({})),
    ("DELETE", "/api/v1/me/sessions"): Rule("signed_in", _writes),
    ("POST", "/logout"): Rule("signed_in", _form({})),
    ("DELETE", "/api/v1/session"): Rule("signed_in", _writes),
    ("GET", "/api/v1/me"): Rule("signed_in"),
    ("GET", "/account"): Rule("signed_in"),
    ("GET", "/forgot-password"): Rule("public"),
    ("POST", "/forgot-password"): Rule("public", _form({"email": "nobody@example.org"})),
    ("GET", "/reset-password"): Rule("public"),
    ("POST", "/reset-password"): Rule("public", _reset_form),
    # The secret URL is the key (calendar apps cannot sign in).
    ("GET", "/calendar/{token}.ics"): Rule("public"),
    ("POST", "/account/calendar"): Rule("patient_role", _form({})),
    ("POST", "/api/v1/password-reset"): Rule("public", _reset_request_json),
    ("POST", "/api/v1/password-reset/confirm"): Rule("public", _reset_json),
    ("GET", "/api/v1/patients/{patient_id}/reminders"): Rule("record"),
    ("POST", "/api/v1/me/calendar"): Rule("patient_role", _writes),
    ("DELETE", "/api/v1/me/calendar"): Rule("patient_role", _writes),
    ("POST", "/api/v1/me/share/stop"): Rule(
        "patient_role", _json({"clinician_email": "dr.other@example.org"})
    ),
    ("POST", "/api/v1/me/delete"): Rule(
        "signed_in", _json({"password": PASSWORD, "confirmation": "no"}), refused_input=True
    ),
    ("POST", "/account/delete"): Rule(
        "signed_in", _form({"password": PASSWORD, "confirmation": "no"}), refused_input=True
    ),
    ("POST", "/account/calendar/revoke"): Rule("patient_role", _form({})),
    ("POST", "/account/share"): Rule(
        "patient_role", _form({"clinician_email": "dr.lee@example.org"})
    ),
    # Stops sharing with a clinician she never shared with: a no-op, so the walk goes on.
    ("POST", "/account/share/stop"): Rule(
        "patient_role", _form({"clinician_email": "dr.other@example.org"})
    ),
    ("POST", "/api/v1/me/share"): Rule(
        "patient_role", _json({"clinician_email": "dr.lee@example.org"})
    ),
    ("GET", "/onboarding"): Rule("patient_role"),
    ("POST", "/onboarding"): Rule("patient_role", _profile_form),
    ("POST", "/api/v1/profile"): Rule(
        "patient_role", _json({"risk_factors": {"smoking": "never"}})
    ),
    ("GET", "/clinician"): Rule("clinician_role"),
    ("GET", "/api/v1/clinician/panel"): Rule("clinician_role"),
    ("GET", "/patients/{patient_id}"): Rule("record"),
    ("GET", "/patients/{patient_id}/profile"): Rule("record"),
    ("POST", "/patients/{patient_id}/profile"): Rule("record", _profile_form),
    ("GET", "/patients/{patient_id}/dxa"): Rule("record"),
    ("POST", "/patients/{patient_id}/dxa"): Rule("record", _form(DXA_FORM)),
    ("POST", "/patients/{patient_id}/labs"): Rule("record", _form(LAB_FORM)),
    ("GET", "/patients/{patient_id}/assessment"): Rule("record"),
    ("GET", "/patients/{patient_id}/frax"): Rule("record"),
    ("POST", "/patients/{patient_id}/frax"): Rule("linked_clinician", _form(FRAX_FORM)),
    ("GET", "/api/v1/patients/{patient_id}/frax"): Rule("record"),
    ("PUT", "/api/v1/patients/{patient_id}/frax"): Rule("linked_clinician", _json(FRAX)),
    # test_access_matrix seeds courses 0 and 1 first: the API acts on course 0, forms on 1
    ("GET", "/patients/{patient_id}/bone-therapy"): Rule("record"),
    ("POST", "/patients/{patient_id}/bone-therapy"): Rule("linked_clinician", _form(COURSE_FORM)),
    ("POST", "/patients/{patient_id}/bone-therapy/doses"): Rule(
        "linked_clinician", _form({"course": "1", "date": _DAYS_AGO[2]})
    ),
    ("POST", "/patients/{patient_id}/bone-therapy/end"): Rule(
        "linked_clinician", _form({"course": "1", "end_date": _DAYS_AGO[1]})
    ),
    ("GET", "/api/v1/patients/{patient_id}/bone-therapy"): Rule("record"),
    ("POST", "/api/v1/patients/{patient_id}/bone-therapy"): Rule("linked_clinician", _json(COURSE)),
    ("POST", "/api/v1/patients/{patient_id}/bone-therapy/{course}/doses"): Rule(
        "linked_clinician", _json({"date": _DAYS_AGO[1]})
    ),
    ("POST", "/api/v1/patients/{patient_id}/bone-therapy/{course}/end"): Rule(
        "linked_clinician", _json({"end_date": date.today().isoformat()})
    ),
    # corrections (entry ids are the stored lab and scan, found when the matrix runs)
    ("POST", "/patients/{patient_id}/labs/{entry_id}/correct"): Rule(
        "record", _form({**LAB_FORM, "action": "correct", "reason": "checked the report"})
    ),
    ("POST", "/patients/{patient_id}/dxa/{entry_id}/correct"): Rule(
        "record",
        _form({**DXA_FORM, "facility": "", "action": "correct", "reason": "checked the report"}),
    ),
    ("POST", "/patients/{patient_id}/frax/correct"): Rule(
        "linked_clinician", _form({**FRAX_FORM, "action": "correct", "reason": "recalculated"})
    ),
    ("POST", "/patients/{patient_id}/bone-therapy/{course}/correct"): Rule(
        "linked_clinician",
        _form({"start_date": _DAYS_AGO[30], "action": "correct", "reason": "checked the chart"}),
    ),
    ("POST", "/patients/{patient_id}/bone-therapy/{course}/doses/correct"): Rule(
        "linked_clinician",
        _form(
            {
                "dose": _DAYS_AGO[1],
                "corrected": _DAYS_AGO[1],
                "action": "correct",
                "reason": "checked the chart",
            }
        ),
    ),
    ("GET", "/patients/{patient_id}/audit"): Rule("record"),
    ("GET", "/api/v1/patients/{patient_id}"): Rule("record"),
    ("PUT", "/api/v1/patients/{patient_id}/profile"): Rule(
        "record", _json({"risk_factors": {"smoking": "never"}})
    ),
    ("GET", "/api/v1/patients/{patient_id}/dxa"): Rule("record"),
    ("POST", "/api/v1/patients/{patient_id}/dxa"): Rule("record", _json(SCAN)),
    ("POST", "/api/v1/patients/{patient_id}/labs"): Rule("record", _json(LAB)),
    ("GET", "/api/v1/patients/{patient_id}/assessment"): Rule("record"),
    ("GET", "/api/v1/patients/{patient_id}/dashboard"): Rule("record"),
    ("GET", "/api/v1/patients/{patient_id}/audit"): Rule("record"),
    ("GET", "/api/v1/foods"): Rule("signed_in", lambda a, p: {"params": {"q": "milk"}}),
    ("GET", "/patients/{patient_id}/nutrition"): Rule("record"),
    ("GET", "/patients/{patient_id}/nutrition/results"): Rule(
        "record", lambda a, p: {"params": {"q": "milk"}}
    ),
    ("POST", "/patients/{patient_id}/nutrition"): Rule(
        "own_record",
        _form({"ndb_no": "01079", "measure": "1", "quantity": "1", "meal": "breakfast"}),
    ),
    ("GET", "/api/v1/patients/{patient_id}/food-diary"): Rule("record"),
    ("POST", "/api/v1/patients/{patient_id}/food-diary"): Rule(
        "own_record", _json({"ndb_no": "01079", "measure": "1", "meal": "breakfast"})
    ),
    ("GET", "/api/v1/patients/{patient_id}/report"): Rule(
        "record", lambda a, p: {"params": {"fmt": "html"}}
    ),
    ("GET", "/patients/{patient_id}/exercise"): Rule("record"),
    ("POST", "/patients/{patient_id}/exercise"): Rule(
        "own_record", _form({"exercise_id": "brisk-walking", "minutes": "30"})
    ),
    ("GET", "/api/v1/patients/{patient_id}/exercise"): Rule("record"),
    ("GET", "/patients/{patient_id}/checkin"): Rule("record"),
    ("GET", "/patients/{patient_id}/export"): Rule("record"),
    ("GET", "/api/v1/patients/{patient_id}/export"): Rule("record"),
    ("GET", "/api/v1/patients/{patient_id}/export/{kind}.csv"): Rule("record"),
    ("POST", "/patients/{patient_id}/checkin"): Rule(
        "own_record", _form({"worst_pain": "3", "stiffness": "none", "missed_ai_days": "0"})
    ),
    ("GET", "/api/v1/patients/{patient_id}/checkins"): Rule("record"),
    ("POST", "/api/v1/patients/{patient_id}/checkins"): Rule(
        "own_record", _json({"worst_pain": 3, "stiffness": "none", "missed_ai_days": 0})
    ),
    ("POST", "/api/v1/patients/{patient_id}/exercise"): Rule(
        "own_record", _json({"exercise_id": "brisk-walking", "minutes": 30})
    ),
    # The old /food URLs redirect to /nutrition (access is checked there).
    ("GET", "/patients/{patient_id}/food"): Rule("public"),
    ("POST", "/patients/{patient_id}/food"): Rule("public"),
    ("GET", "/patients/{patient_id}/food/results"): Rule("public"),
    ("POST", "/patients/{patient_id}/food/entries/{entry_id}"): Rule("public"),
    # Corrections: each request gets an entry of her own to correct ({entry_id}, {session_id}).
    ("POST", "/patients/{patient_id}/nutrition/entries/{entry_id}"): Rule(
        "own_record", _form({"action": "withdraw", "reason": "access matrix"})
    ),
    ("POST", "/patients/{patient_id}/nutrition/supplements/{entry_id}/withdraw"): Rule(
        "own_record", _form({"reason": "access matrix"})
    ),
    ("POST", "/patients/{patient_id}/nutrition/supplements/{entry_id}"): Rule(
        "own_record", _form({"action": "withdraw", "reason": "access matrix"})
    ),
    ("POST", "/api/v1/patients/{patient_id}/supplements/{entry_id}/correction"): Rule(
        "own_record", _json({"reason": "access matrix", "units": 1})
    ),
    ("POST", "/api/v1/patients/{patient_id}/supplements/{entry_id}/withdrawal"): Rule(
        "own_record", _json({"reason": "access matrix"})
    ),
    ("POST", "/api/v1/patients/{patient_id}/food-diary/{entry_id}/correction"): Rule(
        "own_record", _json({"reason": "access matrix", "measure": "1", "quantity": 2})
    ),
    ("POST", "/api/v1/patients/{patient_id}/food-diary/{entry_id}/withdrawal"): Rule(
        "own_record", _json({"reason": "access matrix"})
    ),
    ("POST", "/patients/{patient_id}/exercise/sessions/{session_id}"): Rule(
        "own_record", _form({"action": "withdraw", "reason": "access matrix"})
    ),
    ("POST", "/api/v1/patients/{patient_id}/exercise/{session_id}/correction"): Rule(
        "own_record",
        _json({"reason": "access matrix", "exercise_id": "brisk-walking", "minutes": 20}),
    ),
    ("POST", "/api/v1/patients/{patient_id}/exercise/{session_id}/withdrawal"): Rule(
        "own_record", _json({"reason": "access matrix"})
    ),
}


def _her_entries(factory: Any, template: str, patient_id: str) -> dict[str, str]:
    """A fresh food entry, supplement dose or exercise session of hers when the route corrects
    one."""
    ids: dict[str, str] = {}
    if "/supplements/{entry_id}" in template:
        dose = nutrition.log_supplement(
            uow=UnitOfWork(factory),
            actor=LOCAL_OPERATOR,
            patient_id=patient_id,
            day=date.today(),
            meal="dinner",
            dose=supplements.calcium("carbonate", elemental_mg=500),
        )
        ids["{entry_id}"] = str(dose.id)
    elif "{entry_id}" in template:
        entry = nutrition.log_food(
            uow=UnitOfWork(factory),
            actor=LOCAL_OPERATOR,
            patient_id=patient_id,
            day=date.today(),
            meal="lunch",
            ndb_no="01079",
            grams=100,
        )
        ids["{entry_id}"] = str(entry.id)
    if "{session_id}" in template:
        ids["{session_id}"] = str(
            exercise.store_session(
                uow=UnitOfWork(factory),
                actor=LOCAL_OPERATOR,
                patient_id=patient_id,
                logged=new_session(
                    exercise_id="brisk-walking",
                    minutes=30,
                    performed_on=date.today(),
                    today=date.today(),
                ),
            )
        )
    return ids


def _walk(routes: Any, prefix: str = "") -> set[tuple[str, str]]:
    found = set()
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:  # FastAPI keeps included routers as a branch
            extra = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            found |= _walk(nested.routes, prefix + extra)
            continue
        methods = getattr(route, "methods", None)
        path = prefix + getattr(route, "path", "")
        # The EHR-facing routes: CDS Hooks (test_cds_security) and the SMART launch, whose
        # access needs a trusted EHR (test_smart_launch).
        if methods and not path.startswith(("/cds-services", "/smart/")):
            found |= {(m, path) for m in methods if m != "HEAD"}
    return found


def app_routes(app: Any) -> set[tuple[str, str]]:
    return _walk(app.routes)


_ENTRY_IDS: dict[str, int] = {}  # route template -> the entry its correction names


def _path(template: str, patient_id: str) -> str:
    if template in _ENTRY_IDS:  # a lab or scan of hers; diary entries come from _her_entries
        template = template.replace("{entry_id}", str(_ENTRY_IDS[template]))
    return (
        template.replace("{patient_id}", patient_id)
        .replace("{slug}", "exercise")
        .replace("{course}", "0")
        .replace("{kind}", "checkins")
        .replace("{token}", FEED["make"]() if "{token}" in template and FEED else "none")
    )


def _allowed(method: str, path: str, response: Any, refused_input: bool = False) -> bool:
    if response.status_code in (401, 403):
        return False
    if refused_input and response.status_code == 422:
        return True
    location = response.headers.get("location", "")
    if response.status_code in (302, 303) and location.startswith("/login?next="):
        return False
    assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}"
    return True


def _denied_properly(actor: str, path: str, response: Any) -> bool:
    if actor == "anonymous":
        if path.startswith("/api/"):
            return response.status_code == 401
        return response.status_code == 303 and response.headers["location"].startswith(
            "/login?next="
        )
    return response.status_code == 403


def test_every_route_is_in_the_matrix(sqlite_world: World) -> None:
    assert app_routes(sqlite_world.app) == set(MATRIX)


def test_access_matrix(world: World) -> None:
    pid = world.patient_a.patient_id
    assert pid is not None
    for course in ({"agent": "denosumab", "start_date": _DAYS_AGO[30]}, COURSE):
        records.start_bone_therapy(
            uow=UnitOfWork(world.factory),
            actor=world.linked,
            patient_id=pid,
            course=course,
            today=date.today(),
        )
    FEED["make"] = lambda: reminders.create_calendar_feed(
        uow=UnitOfWork(world.factory), actor=world.patient_a
    )
    with UnitOfWork(world.factory) as uow:
        _ENTRY_IDS["/patients/{patient_id}/labs/{entry_id}/correct"] = uow.patients.labs(pid)[0].id
        _ENTRY_IDS["/patients/{patient_id}/dxa/{entry_id}/correct"] = uow.patients.dxa_scans(pid)[
            0
        ].id
    wrong = []
    for (method, template), rule in sorted(MATRIX.items()):
        for name in ACTORS:
            path = _path(template, pid)
            for placeholder, entry_id in _her_entries(world.factory, template, pid).items():
                path = path.replace(placeholder, entry_id)
            actor = world.actor(name)
            kwargs = rule.request(actor, pid) if rule.request else {}
            response = actor.client.request(method, path, **kwargs)
            expected = name in POLICIES[rule.policy]
            try:
                got = _allowed(method, path, response, rule.refused_input)
            except AssertionError as exc:
                wrong.append(f"{name:20} {method} {template}: unexpected error {exc}")
                continue
            if got != expected:
                wrong.append(
                    f"{name:20} {method} {template}: expected "
                    f"{'allowed' if expected else 'denied'}, got {response.status_code}"
                )
            elif not got and not _denied_properly(name, path, response):
                wrong.append(
                    f"{name:20} {method} {template}: denied with "
                    f"{response.status_code}, expected 401/redirect or 403"
                )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "method,template",
    [
        ("POST", "/patients/{patient_id}/dxa"),
        ("PUT", "/api/v1/patients/{patient_id}/profile"),
    ],
)
def test_cookie_writes_need_the_csrf_token(sqlite_world: World, method: str, template: str) -> None:
    pid = sqlite_world.patient_a.patient_id
    assert pid is not None
    actor = sqlite_world.actor("patient_a")
    path = _path(template, pid)
    if method == "POST":
        response = actor.client.post(path, data={**DXA_FORM, "csrf_token": "forged"})
    else:
        response = actor.client.put(path, json={"risk_factors": {"smoking": "current"}})
    assert response.status_code == 403
    record = actor.client.get(f"/api/v1/patients/{pid}").json()
    assert len(record["dxa_scans"]) == 1
    assert record["risk_factors"]["smoking"] == "past"
