"""food: SR28 foods, household measures, search terms, diary entries and supplements

Revision ID: 0002_food
Revises: 0001_patients
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_food"
down_revision = "0001_patients"
branch_labels = ("nutrition",)
depends_on = None

NUTRIENT_COLUMNS = (
    "energy_kcal",
    "protein_g",
    "calcium_mg",
    "phosphorus_mg",
    "magnesium_mg",
    "vitamin_d_iu",
    "vitamin_d_ug",
    "vitamin_k_ug",
    "alcohol_g",
    "caffeine_mg",
)


def upgrade() -> None:
    op.create_table(
        "foods",
        sa.Column("ndb_no", sa.String(5), primary_key=True),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("common_name", sa.String(200), nullable=False),
        sa.Column("manufacturer", sa.String(100), nullable=False),
        sa.Column("food_group_code", sa.String(4), nullable=False),
        sa.Column("food_group", sa.String(60), nullable=False),
        sa.Column("survey", sa.Boolean(), nullable=False),
        sa.Column("head_size", sa.SmallInteger(), nullable=False),
        sa.Column("qualifiers", sa.SmallInteger(), nullable=False),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("branded", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in NUTRIENT_COLUMNS),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "food_measures",
        sa.Column("ndb_no", sa.String(5), sa.ForeignKey("foods.ndb_no"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("description", sa.String(120), nullable=False),
        sa.Column("grams", sa.Float(), nullable=False),
    )
    op.create_table(
        "food_terms",
        sa.Column(
            "term",
            sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"),
            primary_key=True,
        ),
        sa.Column("ndb_no", sa.String(5), sa.ForeignKey("foods.ndb_no"), primary_key=True),
        sa.Column("part", sa.SmallInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "food_vocabulary",
        sa.Column(
            "term",
            sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"),
            primary_key=True,
        ),
        sa.Column("foods", sa.Integer(), nullable=False),
    )
    op.create_table(
        "diary_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "patient_id",
            sa.String(64),
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("meal", sa.String(16), nullable=False),
        sa.Column("ndb_no", sa.String(5), sa.ForeignKey("foods.ndb_no"), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("food_group_code", sa.String(4), nullable=False),
        sa.Column("grams", sa.Float(), nullable=False),
        sa.Column("measure", sa.String(160), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("nutrients", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_diary_entries_patient_id", "diary_entries", ["patient_id"])
    op.create_index("ix_diary_entries_day", "diary_entries", ["day"])
    op.create_table(
        "supplements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "patient_id",
            sa.String(64),
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("meal", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("nutrients", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_supplements_patient_id", "supplements", ["patient_id"])
    op.create_index("ix_supplements_day", "supplements", ["day"])


def downgrade() -> None:
    op.drop_table("supplements")
    op.drop_table("diary_entries")
    op.drop_table("food_vocabulary")
    op.drop_table("food_terms")
    op.drop_table("food_measures")
    op.drop_table("foods")
