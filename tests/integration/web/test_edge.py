"""The edge of the web app: body-size limits, control characters, malformed JSON, error
excerpts, security headers on errors, HSTS only over https, query errors at the query."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bonewise.services.access import excerpt
from bonewise.web import create_app
from bonewise.web.edge import BodyLimits

from .conftest import World

LIMITS = BodyLimits(api=2_000, cds=4_000, forms=1_000)


def _anonymous_form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signup").text)
    assert found
    return found.group(1)


def _chunks(total: int, size: int = 500) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_api_body_over_the_limit_is_a_413_in_json(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory, body_limits=LIMITS)
    client = TestClient(app)
    body = {"email": "someone@example.org", "password": "x" * 3_000}
    response = client.post("/api/v1/session", json=body)
    assert response.status_code == 413
    assert "at most 2,000 bytes" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_body_without_content_length_is_counted(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory, body_limits=LIMITS)
    client = TestClient(app)
    response = client.post(
        "/api/v1/session",
        content=_chunks(10_000),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413


def test_cds_hooks_has_its_own_larger_limit(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory, body_limits=LIMITS)
    client = TestClient(app)
    small_enough_for_cds = b"{" + b" " * 3_000 + b"}"
    response = client.post(
        "/cds-services/bonewise-bone-health",
        content=small_enough_for_cds,
        headers={"content-type": "application/json"},
    )
    assert response.status_code != 413
    too_big = client.post(
        "/cds-services/bonewise-bone-health",
        content=b"{" + b" " * 5_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413


def test_a_form_over_the_limit_gets_a_page(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory, body_limits=LIMITS)
    client = TestClient(app)
    token = _anonymous_form_token(client)
    response = client.post(
        "/signup",
        data={"email": "a@example.org", "name": "A" * 2_000, "password": "x" * 12},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "too large" in response.text


def test_body_limits_come_from_the_environment() -> None:
    limits = BodyLimits.from_env({"BONEWISE_MAX_BODY_API": "5000", "BONEWISE_MAX_BODY_FORM": ""})
    assert limits == BodyLimits(api=5000)
    with pytest.raises(ValueError, match="BONEWISE_MAX_BODY_CDS"):
        BodyLimits.from_env({"BONEWISE_MAX_BODY_CDS": "lots"})


def test_nul_and_control_characters_are_refused_with_422_on_both_stores(world: World) -> None:
    client = TestClient(world.app)  # type: ignore[arg-type]
    for name in ("Ann\u0000", "Ann\u0007", "Ann\u0085", "\ud800"):
        body = {"email": "nul@example.org", "name": name, "password": "long enough pass"}
        response = client.post(
            "/api/v1/accounts",
            content=json.dumps(body),  # ASCII, with \u escapes
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 422, name
        assert response.json()["detail"][0]["loc"] == ["body", "name"]
    # Nothing was written: the address is still free, and the connection still works.
    fine = client.post(
        "/api/v1/accounts",
        json={"email": "nul@example.org", "name": "Ann\ttab", "password": "long enough pass"},
    )
    assert fine.status_code == 202, fine.text
    patient = world.actor("patient_a")
    pid = world.patient_a.patient_id
    note = patient.client.put(
        f"/api/v1/patients/{pid}/profile",
        json={"patient": {"name\u0000": "x"}},
        headers=patient.headers(),
    )
    assert note.status_code == 422
    query = patient.client.get("/api/v1/foods", params={"q": "milk\x00"})
    assert query.status_code == 422
    assert query.json()["detail"][0]["loc"] == ["query", "q"]
    form = TestClient(world.app)  # type: ignore[arg-type]
    token = _anonymous_form_token(form)
    page = form.post(
        "/signup",
        data={"email": "b@example.org", "name": "B\x00", "password": "x" * 12, "csrf_token": token},
    )
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")


def test_malformed_json_is_400_and_errors_quote_only_an_excerpt(sqlite_world: World) -> None:
    client = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    broken = client.post(
        "/api/v1/session", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert "not well-formed JSON" in broken.json()["detail"]
    patient = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    huge = "z" * 50_000
    response = patient.client.post(
        f"/api/v1/patients/{pid}/food-diary",
        json={"ndb_no": "01079", "meal": huge},
        headers=patient.headers(),
    )
    assert response.status_code in (413, 422)
    assert len(response.text) < 2_000
    assert huge not in response.text


def test_excerpt_is_short_and_printable() -> None:
    assert excerpt("abc") == "abc"
    long = excerpt("a\x00" * 100)
    assert "\x00" not in long
    assert long.startswith("a\ufffd") and "200 characters" in long


def test_query_errors_are_reported_at_the_query(sqlite_world: World) -> None:
    patient = sqlite_world.actor("patient_a")
    pid = sqlite_world.patient_a.patient_id
    response = patient.client.get(
        f"/api/v1/patients/{pid}/food-diary", params={"day": "2024-13-45"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "day"]


def test_security_headers_on_errors_and_hsts_only_over_https(sqlite_world: World) -> None:
    plain = TestClient(sqlite_world.app)  # type: ignore[arg-type]
    for response in (plain.get("/no-such-page"), plain.get("/api/v1/me")):
        assert response.status_code in (401, 404)
        assert response.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" in response.headers
        assert "strict-transport-security" not in response.headers
        assert "server" not in response.headers
    secure = TestClient(sqlite_world.app, base_url="https://testserver")  # type: ignore[arg-type]
    assert "max-age=" in secure.get("/healthz").headers["strict-transport-security"]


def test_an_unexpected_error_is_a_500_with_headers(sqlite_world: World) -> None:
    app = create_app(session_factory=sqlite_world.factory)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("broken on purpose")

    response = TestClient(app).get("/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "broken on purpose" not in response.text


def test_dates_in_api_bodies_are_plausible(sqlite_world: World) -> None:
    from pydantic import ValidationError

    from bonewise.web.schemas import CourseEndIn, DoseIn

    with pytest.raises(ValidationError):
        DoseIn.model_validate({"date": "0001-01-01"})
    with pytest.raises(ValidationError):
        CourseEndIn.model_validate({"end_date": "9999-12-31"})
    assert DoseIn.model_validate({"date": "2024-05-01"}).date.year == 2024


def test_unknown_api_query_parameters_are_refused_at_the_query(sqlite_world: World) -> None:
    client = TestClient(create_app(session_factory=sqlite_world.factory))
    response = client.post("/api/v1/session?remember=1&x=2", json={})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["loc"] for d in detail] == [["query", "remember"], ["query", "x"]]
    assert all(d["type"] == "extra_forbidden" for d in detail)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_405_names_every_allowed_method(sqlite_world: World) -> None:
    client = TestClient(create_app(session_factory=sqlite_world.factory))
    response = client.delete("/login")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_a_new_visitor_gets_the_signed_csrf_cookie_her_form_carries(sqlite_world: World) -> None:
    client = TestClient(create_app(session_factory=sqlite_world.factory))
    response = client.get("/signup")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("bonewise_csrf=") and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    # The cookie and the form's token agree: the form posts without a CSRF failure.
    token = _anonymous_form_token(client)
    posted = client.post("/login", data={"csrf_token": token, "email": "a@b.org", "password": "x"})
    assert posted.status_code == 401
    # A visitor who already has the cookie is not given a new one.
    assert "set-cookie" not in client.get("/signup").headers


def test_every_response_says_how_long_the_app_took(sqlite_world: World) -> None:
    client = TestClient(create_app(session_factory=sqlite_world.factory))
    for response in (client.get("/login"), client.get("/nowhere"), client.get("/healthz")):
        timing = response.headers["server-timing"]
        found = re.fullmatch(r"app;dur=(\d+\.\d)", timing)
        assert found, timing
        assert 0 <= float(found.group(1)) < 10_000
