"""CDS Hooks calls in the store: a token id used once across every worker, and feedback kept.

The CDS client (an EHR) is no bonewise user: the service reads only what it sends. Its feedback
is a write all the same, audited under the verified client's issuer (`CdsClient`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bonewise.services.access import audit_by_name
from bonewise.store.cds import CdsFeedback
from bonewise.store.uow import UnitOfWork

MAX_ACCEPTED = 50
MAX_ID_CHARS = 200
MAX_COMMENT_CHARS = 1_000
MAX_AUDIT_NAME_CHARS = 254  # the audit log's actor column


@dataclass(frozen=True, slots=True)
class CdsClient:
    """The acting CDS client: the issuer whose signed JWT verified (fhir/cds_security.py), or
    None when unauthenticated calls are allowed for local development."""

    issuer: str | None
    role: str = "cds-client"

    @property
    def audit_name(self) -> str:
        name = f"CDS client {self.issuer}" if self.issuer else "CDS client (unauthenticated)"
        return name[:MAX_AUDIT_NAME_CHARS]


def first_use_of_token(*, uow: UnitOfWork, iss: str, jti: str, expires_at: float) -> bool:
    """True the first time this issuer's token id is seen by any worker (until it expires)."""
    with uow:
        first = uow.cds.first_use(
            iss=iss, jti=jti, expires_at=datetime.fromtimestamp(expires_at, UTC)
        )
        uow.commit()
    return first


def _short(value: object, limit: int = MAX_ID_CHARS) -> str | None:
    return None if value is None else str(value)[:limit]


def _override_reason(reason: dict[str, Any] | None) -> dict[str, Any] | None:
    """The CDS Hooks 2.0 override reason, kept in bounds: the coding and her comment."""
    if not reason:
        return None
    found = reason.get("reason")
    coding: dict[str, Any] = found if isinstance(found, dict) else {}
    kept = {
        "code": _short(coding.get("code")),
        "system": _short(coding.get("system"), 500),
        "display": _short(coding.get("display"), 500),
        "userComment": _short(reason.get("userComment"), MAX_COMMENT_CHARS),
    }
    return {key: value for key, value in kept.items() if value is not None} or None


def store_feedback(
    *,
    uow: UnitOfWork,
    actor: CdsClient,
    service_id: str,
    items: Sequence[dict[str, Any]],
) -> int:
    """Keep what the clinician did with each card (accepted or overridden); how many kept.
    One audit entry names the client and the service.

    `items` are validated CDS Hooks feedback objects (card, outcome, outcomeTimestamp,
    acceptedSuggestions, overrideReason); every text is cut to its bound."""
    received = datetime.now(UTC)
    feedback = [
        CdsFeedback(
            received_at=received,
            service_id=service_id[:64],
            client=_short(actor.issuer, 500),
            card=str(item["card"])[:MAX_ID_CHARS],
            outcome=str(item["outcome"])[:16],
            outcome_at=str(item["outcomeTimestamp"])[:64],
            accepted=[
                str(s.get("id"))[:MAX_ID_CHARS]
                for s in (item.get("acceptedSuggestions") or [])[:MAX_ACCEPTED]
                if isinstance(s, dict) and s.get("id") is not None
            ],
            override_reason=_override_reason(item.get("overrideReason")),
        )
        for item in items
    ]
    with uow:
        uow.cds.add_feedback(feedback)
        audit_by_name(
            uow,
            actor=actor,
            action="write",
            what=f"CDS feedback on {service_id[:64]}",
            patient_id=None,
            detail={"items": len(feedback), "outcomes": sorted({f.outcome for f in feedback})},
        )
        uow.commit()
    return len(feedback)


def recent_feedback(*, uow: UnitOfWork, limit: int = 200) -> list[CdsFeedback]:
    """The newest feedback first (for the operator and the tests)."""
    with uow:
        return uow.cds.feedback(limit=limit)
