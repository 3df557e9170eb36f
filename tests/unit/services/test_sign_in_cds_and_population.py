"""Sign-in throttling, password-reset limits, CDS feedback and the population's read of every
record, on the fake unit of work (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bonewise.services import accounts, cds, patients
from bonewise.services.access import LOCAL_OPERATOR, Forbidden
from bonewise.store.accounts import User

from .conftest import World

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
FEEDBACK = {
    "card": "card-1",
    "outcome": "overridden",
    "outcomeTimestamp": "2026-11-27T10:00:00Z",
    "overrideReason": {"reason": {"code": "not-relevant"}, "userComment": "w" * 5_000},
}


@pytest.fixture
def cat(world: World) -> User:
    return world.uow.accounts.add(email="cat@example.org", role="patient", password=PASSWORD)


def _wrong(world: World, *, at: datetime) -> None:
    with pytest.raises(accounts.InvalidCredentials):
        accounts.sign_in(
            uow=world.uow, email="cat@example.org", password="wrong", client="10.0.0.1", now=at
        )


def test_wrong_passwords_slow_the_account_down_and_a_right_one_clears_it(
    world: World, cat: User
) -> None:
    free = accounts.DEFAULT_POLICY.account.free
    for _ in range(free + 1):
        _wrong(world, at=NOW)
    # the failures were committed although each sign-in failed
    assert world.uow.throttle.failures("account:cat@example.org") == free + 1
    with pytest.raises(accounts.TooManyAttempts) as refused:
        accounts.sign_in(
            uow=world.uow, email="CAT@example.org", password=PASSWORD, client="10.0.0.2", now=NOW
        )
    assert refused.value.retry_after_s >= 1
    later = NOW + timedelta(seconds=accounts.DEFAULT_POLICY.account.base_delay_s + 1)
    session = accounts.sign_in(
        uow=world.uow, email="cat@example.org", password=PASSWORD, client="10.0.0.2", now=later
    )
    assert session.user == cat
    assert world.uow.throttle.failures("account:cat@example.org") == 0
    actions = [e.action for e in world.uow.audit.entries]
    assert actions == ["login-fail"] * (free + 1) + ["login"]


def test_a_device_that_signed_in_before_counts_only_its_own_failures(
    world: World, cat: User
) -> None:
    for _ in range(accounts.DEFAULT_POLICY.account.free + 1):
        _wrong(world, at=NOW)
    device = accounts.KnownDevice(user_id=cat.id, nonce="n1")
    session = accounts.sign_in(
        uow=world.uow,
        email="cat@example.org",
        password=PASSWORD,
        client="10.0.0.1",
        device=device,
        now=NOW,
    )
    assert session.user == cat


def test_password_reset_requests_are_limited_per_address(world: World) -> None:
    rule = accounts.DEFAULT_POLICY.reset
    for _ in range(rule.free + 1):
        assert (
            accounts.request_password_reset(
                uow=world.uow, email="nobody@example.org", client="10.0.0.9", now=NOW
            )
            is None
        )
    with pytest.raises(accounts.TooManyAttempts):
        accounts.request_password_reset(
            uow=world.uow, email="nobody@example.org", client="10.0.0.9", now=NOW
        )
    assert {e.action for e in world.uow.audit.entries} == {"reset-unknown"}


def test_cds_feedback_is_kept_bounded_and_audited_under_the_client(world: World) -> None:
    client = cds.CdsClient(issuer="https://ehr.example.org")
    kept = cds.store_feedback(
        uow=world.uow, actor=client, service_id="bonewise-bone-health", items=[FEEDBACK]
    )
    assert kept == 1
    [stored] = cds.recent_feedback(uow=world.uow)
    assert (stored.client, stored.card, stored.outcome) == (client.issuer, "card-1", "overridden")
    assert stored.override_reason is not None
    assert len(stored.override_reason["userComment"]) == cds.MAX_COMMENT_CHARS
    [entry] = world.uow.audit.entries
    assert (entry.actor_email, entry.actor_role, entry.action, entry.what) == (
        "CDS client https://ehr.example.org",
        "cds-client",
        "write",
        "CDS feedback on bonewise-bone-health",
    )
    assert entry.detail == {"items": 1, "outcomes": ["overridden"]}


def test_a_cds_token_id_is_used_once(world: World) -> None:
    expires = (datetime.now(UTC) + timedelta(minutes=5)).timestamp()
    assert cds.first_use_of_token(uow=world.uow, iss="i", jti="j", expires_at=expires)
    assert not cds.first_use_of_token(uow=world.uow, iss="i", jti="j", expires_at=expires)


def test_the_local_operator_reads_every_record_audited_once(world: World) -> None:
    read = [r.id for r in patients.every_record(uow=world.uow, actor=LOCAL_OPERATOR)]
    assert read == ["p-ann", "p-bea"]
    [entry] = world.uow.audit.entries
    assert (entry.actor_email, entry.actor_role, entry.action, entry.patient_id) == (
        LOCAL_OPERATOR.audit_name,
        "operator",
        "read",
        None,
    )
    assert entry.detail == {"records": 2}


@pytest.mark.parametrize("who", ["lee", "ann"])
def test_no_account_reads_every_record(world: World, who: str) -> None:
    actor: User = getattr(world, who)
    with pytest.raises(Forbidden):
        next(patients.every_record(uow=world.uow, actor=actor))
    assert world.uow.audit.entries == [] and world.uow.entered == 0


def test_the_local_operator_lists_every_patient_id_audited_once(world: World) -> None:
    assert patients.patient_ids(uow=world.uow, actor=LOCAL_OPERATOR) == ["p-ann", "p-bea"]
    [entry] = world.uow.audit.entries
    assert (entry.actor_email, entry.actor_role, entry.action, entry.patient_id) == (
        LOCAL_OPERATOR.audit_name,
        "operator",
        "read",
        None,
    )
    assert entry.what == "every patient id (listing)"
    assert entry.detail == {"records": 2}


@pytest.mark.parametrize("who", ["lee", "ann"])
def test_no_account_lists_every_patient_id(world: World, who: str) -> None:
    """A clinician's list is her panel (linked_patient_ids); a patient has her own id only."""
    actor: User = getattr(world, who)
    with pytest.raises(Forbidden):
        patients.patient_ids(uow=world.uow, actor=actor)
    assert world.uow.audit.entries == [] and world.uow.entered == 0
