"""supplement corrections: a supplement dose in her diary can be withdrawn (with a reason);
the row stays for the trail

Revision ID: 0013_supplement_corrections
Revises: 0008_diary_corrections
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_supplement_corrections"
down_revision = "0008_diary_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("supplements") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.String(200), nullable=True))


def downgrade() -> None:
    # Withdrawn doses would come back into her totals: drop them first (the audit log keeps
    # each one's original values and reason).
    op.execute("DELETE FROM supplements WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("supplements") as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
