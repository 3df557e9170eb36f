"""food_search: full-text food search (SQLite FTS5; PostgreSQL tsvector and pg_trgm)

Revision ID: 0005_food_search
Revises: 0002_food (the nutrition branch)

Replaces the B-tree word index `food_terms` by `food_search` (each food's terms, in the order a
search lists foods) under the engine's own full-text index: an external-content FTS5 table
`food_fts` on SQLite, GIN tsvector expression indexes on PostgreSQL. Typos: `food_term_variants`
on SQLite, a pg_trgm GIN index over `food_vocabulary.term` on PostgreSQL (the extension is
created in schema `public`; PostgreSQL 15 in Debian 12 ships it in the main package).

The index is derived from the foods table: upgrading builds it from the foods already imported
(with this revision's `FoodRepository.rebuild_search_index`). Downgrading leaves `food_terms`
empty: run `bonewise food import` afterwards to refill it. Downgrade leaves the pg_trgm
extension installed, since other schemas of the same database may use it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_food_search"
down_revision = "0002_food"
branch_labels = None
depends_on = None

TERM = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("food_terms")
    op.execute("DELETE FROM food_vocabulary")
    op.create_table(
        "food_search",
        sa.Column("rank", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ndb_no", sa.String(5), sa.ForeignKey("foods.ndb_no"), nullable=False),
        sa.Column("head", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.UniqueConstraint("ndb_no", name="uq_food_search_ndb_no"),
    )
    op.create_index("ix_foods_description", "foods", ["description"])
    if dialect == "sqlite":
        op.create_table(
            "food_term_variants",
            sa.Column("variant", TERM, primary_key=True),
            sa.Column("term", TERM, primary_key=True),
            sqlite_with_rowid=False,
        )
        op.execute(
            "CREATE VIRTUAL TABLE food_fts USING fts5(head, body, content='food_search', "
            "content_rowid='rank', prefix='2 3')"
        )
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        op.execute(
            "CREATE INDEX ix_food_search_head ON food_search "
            "USING gin (to_tsvector('simple'::regconfig, head))"
        )
        op.execute(
            "CREATE INDEX ix_food_search_body ON food_search "
            "USING gin (to_tsvector('simple'::regconfig, body))"
        )
        op.execute(
            "CREATE INDEX ix_food_vocabulary_trgm ON food_vocabulary "
            "USING gin (term public.gin_trgm_ops)"
        )
    # Foods imported before this revision get their index now, from the foods table.
    from sqlalchemy.orm import Session

    from bonewise.store.food import FoodRepository

    with Session(bind=op.get_bind()) as session:
        FoodRepository(session).rebuild_search_index()
        session.flush()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE food_fts")
        op.drop_table("food_term_variants")
    elif dialect == "postgresql":
        op.drop_index("ix_food_vocabulary_trgm", table_name="food_vocabulary")
    op.drop_index("ix_foods_description", table_name="foods")
    op.drop_table("food_search")
    op.execute("DELETE FROM food_vocabulary")
    op.create_table(
        "food_terms",
        sa.Column("term", TERM, primary_key=True),
        sa.Column("ndb_no", sa.String(5), sa.ForeignKey("foods.ndb_no"), primary_key=True),
        sa.Column("part", sa.SmallInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
