"""diary corrections: a food-diary entry can be withdrawn (with a reason) or replaced by a
corrected entry; the row stays for the trail

Revision ID: 0008_diary_corrections
Revises: 0005_food_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_diary_corrections"
down_revision = "0005_food_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("diary_entries") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.String(200), nullable=True))
        batch.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Withdrawn entries would come back into her totals: drop them first (the audit log keeps
    # each one's original values and reason).
    op.execute("DELETE FROM diary_entries WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_column("replaced_by")
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
