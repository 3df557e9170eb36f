"""CDS Hooks in the store: used JWT ids (jti) shared by every worker, and the feedback EHRs send

Revision ID: 0012_cds_jti
Revises: 0006_sign_in_throttle
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_cds_jti"
down_revision = "0006_sign_in_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_seen_tokens",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_seen_tokens_expires_at", "cds_seen_tokens", ["expires_at"])
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("client", sa.String(500), nullable=True),
        sa.Column("card", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_at", sa.String(64), nullable=False),
        sa.Column("accepted", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("cds_feedback")
    op.drop_index("ix_cds_seen_tokens_expires_at", table_name="cds_seen_tokens")
    op.drop_table("cds_seen_tokens")
