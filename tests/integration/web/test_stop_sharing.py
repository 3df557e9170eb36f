"""She stops sharing her record with a clinician: access ends at once, and her audit log keeps
the share's history (when it began, when it ended, by whom)."""

from __future__ import annotations

from .conftest import World


def test_stopping_a_share_ends_access_and_stays_in_her_audit_log(sqlite_world: World) -> None:
    ann, pid = sqlite_world.actor("patient_a"), sqlite_world.patient_a.patient_id
    other = sqlite_world.actor("unlinked_clinician")
    lee = sqlite_world.actor("linked_clinician")
    share = {"csrf_token": ann.csrf, "clinician_email": "dr.other@example.org"}
    assert ann.client.post("/account/share", data=share).status_code == 303
    assert other.client.get(f"/api/v1/patients/{pid}").status_code == 200
    page = ann.client.get("/account").text
    assert "Stop sharing your record with Dr Other" in page
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Account") and "<" not in title
    assert page.count('action="/account/delete"') == 1

    assert ann.client.post("/account/share/stop", data=share).status_code == 303
    assert other.client.get(f"/api/v1/patients/{pid}").status_code == 403
    assert lee.client.get(f"/api/v1/patients/{pid}").status_code == 200  # only that one ended
    assert "Dr Other" not in ann.client.get("/account").text

    log = ann.client.get(f"/api/v1/patients/{pid}/audit").json()
    entries = log["entries"] if isinstance(log, dict) else log
    said = [e["what"] for e in entries]
    stopped = said.index("stopped sharing record with dr.other@example.org")
    began = said.index("shared record with dr.other@example.org")
    assert stopped < began  # newest first: it began, then it ended
    assert entries[stopped]["actor_email"] == "ann@example.org"


def test_stopping_a_share_that_does_not_exist_changes_nothing(sqlite_world: World) -> None:
    bea, pid = sqlite_world.actor("patient_b"), sqlite_world.patient_b.patient_id
    before = bea.client.get(f"/api/v1/patients/{pid}/audit").json()
    data = {"csrf_token": bea.csrf, "clinician_email": "dr.lee@example.org"}
    assert bea.client.post("/account/share/stop", data=data).status_code == 303
    assert bea.client.get(f"/api/v1/patients/{pid}/audit").json() == before


def test_a_clinician_cannot_stop_shares(sqlite_world: World) -> None:
    lee = sqlite_world.actor("linked_clinician")
    data = {"csrf_token": lee.csrf, "clinician_email": "dr.lee@example.org"}
    assert lee.client.post("/account/share/stop", data=data).status_code == 403
