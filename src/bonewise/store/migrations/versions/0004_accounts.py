"""accounts: users, care links, web sessions, audit log

Revision ID: 0004_accounts
Revises: 0001_patients
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_accounts"
down_revision = "0001_patients"
branch_labels = ("accounts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column(
            "patient_id",
            sa.String(64),
            sa.ForeignKey("patients.id", name="fk_users_patient_id_patients"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("patient_id", name="uq_users_patient_id"),
        sa.CheckConstraint("role IN ('patient', 'clinician')", name="ck_users_role"),
    )
    op.create_table(
        "care_links",
        sa.Column(
            "clinician_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_care_links_clinician_id_users"),
            primary_key=True,
        ),
        sa.Column(
            "patient_id",
            sa.String(64),
            sa.ForeignKey("patients.id", name="fk_care_links_patient_id_patients"),
            primary_key=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_web_sessions_user_id_users"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_audit_log_actor_id_users"),
            nullable=True,
        ),
        sa.Column("actor_email", sa.String(254), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("what", sa.String(200), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_patient_id", "audit_log", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_patient_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("care_links")
    op.drop_table("users")
