"""Her pages keep what they computed while her data version stays the same: a write through any
service shows at once (also on a second app instance on the same store, as another worker
would be), two women never share an entry, and access and the audited read happen on every
request, kept entry or not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bonewise.store.accounts import AuditRow
from bonewise.store.db import make_engine
from bonewise.store.uow import UnitOfWork, session_factory
from bonewise.store.view_cache import view_cache_for
from bonewise.web import create_app

from .conftest import World, signed_in

MILK = "01079"  # SR28: calcium and vitamin D known


def _dashboard(actor: Any, pid: str) -> dict[str, Any]:
    response = actor.client.get(f"/api/v1/patients/{pid}/dashboard")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _second_worker(world: World, who: str) -> Any:
    """The same store through another engine, session factory and app: a second worker."""
    engine = make_engine(world.factory.kw["bind"].url.render_as_string(hide_password=False))
    factory = session_factory(engine)
    user = {"patient_a": world.patient_a, "linked_clinician": world.linked}[who]
    return signed_in(create_app(session_factory=factory), factory, user, who)


def test_each_write_shows_at_once_on_this_and_another_worker(world: World) -> None:
    pid = world.patient_a.patient_id
    assert pid is not None
    ann = world.actor("patient_a")
    other_worker = _second_worker(world, "patient_a")
    lee = world.actor("linked_clinician")
    before = _dashboard(ann, pid)
    assert _dashboard(other_worker, pid) == before
    assert not before["nutrition_today"]["calcium_mg"]

    logged = ann.client.post(
        f"/api/v1/patients/{pid}/food-diary",
        json={"ndb_no": MILK, "quantity": 1, "meal": "breakfast"},
        headers=ann.headers(),
    )
    assert logged.status_code == 201, logged.text
    for actor in (ann, other_worker):
        assert _dashboard(actor, pid)["nutrition_today"]["calcium_mg"] > 0

    withdrawn = ann.client.post(
        f"/api/v1/patients/{pid}/food-diary/{logged.json()['id']}/withdrawal",
        json={"reason": "logged twice"},
        headers=ann.headers(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    for actor in (ann, other_worker):
        assert not _dashboard(actor, pid)["nutrition_today"]["calcium_mg"]

    walked = ann.client.post(
        f"/patients/{pid}/exercise",
        data={"csrf_token": ann.csrf, "exercise_id": "brisk-walking", "minutes": "25"},
    )
    assert walked.status_code == 303, walked.text[:300]
    for actor in (ann, other_worker):
        assert _dashboard(actor, pid)["exercise_week"]["aerobic_minutes"] >= 25

    checked_in = ann.client.post(
        f"/api/v1/patients/{pid}/checkins",
        json={"worst_pain": 8, "stiffness": "over_60", "missed_ai_days": 0},
        headers=ann.headers(),
    )
    assert checked_in.status_code == 201, checked_in.text
    for actor in (ann, other_worker):
        weeks = _dashboard(actor, pid)["checkins"]["weeks"]
        assert [w["checkin"]["worst_pain"] for w in weeks if w["checkin"]] == [8]

    # A clinician's entry changes her assessment (a lower T-score than any she had).
    scan = {
        "date": (date.today() - timedelta(days=2)).isoformat(),
        "scanner_make": "hologic",
        "sites": {"lumbar_spine": {"bmd_g_cm2": 0.6, "t_score": -3.4}},
    }
    added = lee.client.post(f"/api/v1/patients/{pid}/dxa", json=scan, headers=lee.headers())
    assert added.status_code == 201, added.text
    for actor in (ann, other_worker, lee):
        assert _dashboard(actor, pid)["lowest_t_score"]["value"] == -3.4
    assessment = other_worker.client.get(f"/api/v1/patients/{pid}/assessment").json()
    assert assessment["lowest_t_score"]["value"] == -3.4


def test_her_name_on_the_panel_follows_her_account(world: World) -> None:
    pid = world.patient_a.patient_id
    lee = world.actor("linked_clinician")
    other_worker = _second_worker(world, "linked_clinician")
    for actor in (lee, other_worker):
        assert "Ann Example" in actor.client.get("/clinician").text
    with UnitOfWork(world.factory) as uow:  # as an account service renaming her would
        from bonewise.store.accounts import UserRow

        row = uow.session.scalar(select(UserRow).where(UserRow.patient_id == pid))
        assert row is not None
        row.name = "Ann Renamed"
        uow.commit()
    for actor in (lee, other_worker):
        page = actor.client.get("/clinician").text
        assert "Ann Renamed" in page and "Ann Example" not in page


def test_access_and_the_audited_read_on_every_request_kept_or_not(world: World) -> None:
    pid = world.patient_a.patient_id
    lee = world.actor("linked_clinician")
    for _ in range(3):
        assert lee.client.get(f"/patients/{pid}").status_code == 200
        assert lee.client.get(f"/patients/{pid}/assessment").status_code == 200
        assert lee.client.get("/clinician").status_code == 200
    with UnitOfWork(world.factory) as uow:
        whats = uow.session.scalars(
            select(AuditRow.what).where(AuditRow.patient_id == pid, AuditRow.action == "read")
        ).all()
    assert sum(w.startswith("dashboard") for w in whats) == 3
    assert whats.count("assessment") == 3 and whats.count("panel summary") == 3
    # Her kept dashboard is never shown to anyone not allowed to read it.
    for name in ("unlinked_clinician", "patient_b"):
        stranger = world.actor(name)
        assert stranger.client.get(f"/patients/{pid}").status_code == 403
        assert stranger.client.get(f"/api/v1/patients/{pid}/assessment").status_code == 403
    assert world.actor("anonymous").client.get(f"/patients/{pid}").status_code == 303


def test_two_women_never_share_a_kept_entry(world: World) -> None:
    a, b = world.patient_a.patient_id, world.patient_b.patient_id
    assert a is not None and b is not None
    ann, bea = world.actor("patient_a"), world.actor("patient_b")
    cache = view_cache_for(world.factory)
    cache.clear()
    logged = ann.client.post(
        f"/api/v1/patients/{a}/food-diary",
        json={"ndb_no": MILK, "quantity": 1, "meal": "breakfast"},
        headers=ann.headers(),
    )
    assert logged.status_code == 201
    a_page, b_page = _dashboard(ann, a), _dashboard(bea, b)
    assert not b_page["nutrition_today"]["calcium_mg"]
    assert a_page["nutrition_today"]["calcium_mg"] > 0
    kept = list(cache._entries.items())
    assert kept, "the dashboards were kept"
    for (what, patient_id, *_), value in kept:
        record = getattr(value, "id", None) or getattr(getattr(value, "record", None), "id", None)
        if record is not None:
            assert record == patient_id, what


def test_a_kept_page_is_kept_per_audience(world: World) -> None:
    pid = world.patient_a.patient_id
    ann, lee = world.actor("patient_a"), world.actor("linked_clinician")
    for _ in range(2):
        for path in (f"/patients/{pid}", f"/patients/{pid}/assessment"):
            hers, his = ann.client.get(path).text, lee.client.get(path).text
            assert 'class="patient-banner' in his and 'class="patient-banner' not in hers
            # Each sees her or his own navigation and session, around the same kept content.
            assert ann.csrf in hers and lee.csrf in his and ann.csrf not in his
    assert "Your bones today" in ann.client.get(f"/patients/{pid}").text
    assert "Your bones today" not in lee.client.get(f"/patients/{pid}").text
