"""checkins: her weekly joint pain, morning stiffness and missed AI days

Revision ID: 0011_checkins
Revises: 0006_sign_in_throttle
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_checkins"
down_revision = "0006_sign_in_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "patient_id",
            sa.String(64),
            sa.ForeignKey(
                "patients.id", ondelete="CASCADE", name="fk_checkins_patient_id_patients"
            ),
            nullable=False,
        ),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("worst_pain", sa.Integer(), nullable=False),
        sa.Column("stiffness", sa.String(16), nullable=False),
        sa.Column("missed_ai_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("worst_pain BETWEEN 0 AND 10", name="ck_checkins_worst_pain_range"),
        sa.CheckConstraint(
            "missed_ai_days IS NULL OR missed_ai_days BETWEEN 0 AND 7",
            name="ck_checkins_missed_days_range",
        ),
    )
    op.create_index("ix_checkins_patient_id", "checkins", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_checkins_patient_id", table_name="checkins")
    op.drop_table("checkins")
