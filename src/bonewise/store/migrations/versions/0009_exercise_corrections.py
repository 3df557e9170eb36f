"""exercise corrections: a logged exercise session can be withdrawn (with a reason) or replaced by a
corrected session; the row stays for the trail

Revision ID: 0009_exercise_corrections
Revises: 0003_exercise
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_exercise_corrections"
down_revision = "0003_exercise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exercise_sessions") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.String(200), nullable=True))
        batch.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Withdrawn sessions would come back into her week and plan: drop them first (the audit log keeps
    # each one's original values and reason).
    op.execute("DELETE FROM exercise_sessions WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("exercise_sessions") as batch:
        batch.drop_column("replaced_by")
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
