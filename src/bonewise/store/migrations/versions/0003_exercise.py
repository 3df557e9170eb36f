"""exercise_sessions: logged exercise sessions per patient

Revision ID: 0003_exercise
Revises: 0001_patients
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_exercise"
down_revision = "0001_patients"
branch_labels = ("exercise",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise_sessions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "patient_id",
            sa.String(64),
            sa.ForeignKey(
                "patients.id",
                ondelete="CASCADE",
                name="fk_exercise_sessions_patient_id_patients",
            ),
            nullable=False,
        ),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("exercise_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("effort", sa.Integer(), nullable=True),
        sa.Column("sets", sa.Integer(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=True),
        sa.Column("load_kg", sa.Float(), nullable=True),
        sa.Column("pain", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("minutes > 0", name="ck_exercise_sessions_minutes_positive"),
    )
    op.create_index("ix_exercise_sessions_patient_id", "exercise_sessions", ["patient_id"])
    op.create_index("ix_exercise_sessions_performed_on", "exercise_sessions", ["performed_on"])


def downgrade() -> None:
    op.drop_index("ix_exercise_sessions_performed_on", table_name="exercise_sessions")
    op.drop_index("ix_exercise_sessions_patient_id", table_name="exercise_sessions")
    op.drop_table("exercise_sessions")
