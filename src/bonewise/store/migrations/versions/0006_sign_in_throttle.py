"""sign-in throttle: failed attempts per account, address, device and sign-up address

Revision ID: 0006_sign_in_throttle
Revises: 0004_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_sign_in_throttle"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_throttle_blocked_until", "sign_in_throttle", ["blocked_until"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttle_blocked_until", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
