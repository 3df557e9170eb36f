"""CDS Hooks in the store: the JWT ids (jti) already used, and the feedback EHRs send.

Both live in the database so that every server worker shares them: a token replayed to another
worker is refused, and feedback sent to any worker is kept. Used token ids are kept until their
token expires, then purged; feedback is kept up to `MAX_FEEDBACK_ROWS` (the oldest go first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from bonewise.store.base import Base, utcnow

MAX_FEEDBACK_ROWS = 100_000


class CdsSeenTokenRow(Base):
    __tablename__ = "cds_seen_tokens"

    # SHA-256 of issuer and jti: a fixed-size key however long the client makes its jti.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CdsFeedbackRow(Base):
    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    service_id: Mapped[str] = mapped_column(String(64), nullable=False)
    client: Mapped[str | None] = mapped_column(String(500), nullable=True)  # the JWT's iss
    card: Mapped[str] = mapped_column(String(200), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    outcome_at: Mapped[str] = mapped_column(String(64), nullable=False)
    accepted: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    override_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


@dataclass(frozen=True, slots=True)
class CdsFeedback:
    received_at: datetime
    service_id: str
    client: str | None
    card: str
    outcome: str
    outcome_at: str
    accepted: list[str]
    override_reason: dict[str, Any] | None


def _token_key(iss: str, jti: str) -> str:
    return hashlib.sha256(f"{iss}\n{jti}".encode()).hexdigest()


class CdsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_use(self, *, iss: str, jti: str, expires_at: datetime) -> bool:
        """Record this token id; False when it was recorded before and has not expired.
        Expired ids are purged first, so the table holds only live tokens."""
        now = utcnow()
        self.session.execute(delete(CdsSeenTokenRow).where(CdsSeenTokenRow.expires_at <= now))
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(CdsSeenTokenRow)
            .values(key=_token_key(iss, jti), expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[CdsSeenTokenRow.key])
            .returning(CdsSeenTokenRow.key)
        )
        return self.session.execute(statement).scalar_one_or_none() is not None

    def live_tokens(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(CdsSeenTokenRow)) or 0)

    def add_feedback(self, items: list[CdsFeedback]) -> None:
        """Keep these, then drop the oldest beyond MAX_FEEDBACK_ROWS."""
        if not items:
            return
        rows = [
            CdsFeedbackRow(
                received_at=i.received_at,
                service_id=i.service_id,
                client=i.client,
                card=i.card,
                outcome=i.outcome,
                outcome_at=i.outcome_at,
                accepted=i.accepted,
                override_reason=i.override_reason,
            )
            for i in items
        ]
        self.session.add_all(rows)
        self.session.flush()
        newest = max(r.id for r in rows)
        self.session.execute(
            delete(CdsFeedbackRow).where(CdsFeedbackRow.id <= newest - MAX_FEEDBACK_ROWS)
        )

    def feedback(self, *, limit: int = 200) -> list[CdsFeedback]:
        """The newest feedback first."""
        rows = self.session.scalars(
            select(CdsFeedbackRow).order_by(CdsFeedbackRow.id.desc()).limit(limit)
        )
        return [
            CdsFeedback(
                r.received_at,
                r.service_id,
                r.client,
                r.card,
                r.outcome,
                r.outcome_at,
                list(r.accepted),
                r.override_reason,
            )
            for r in rows
        ]
