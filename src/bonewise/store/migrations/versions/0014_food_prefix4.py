"""The SQLite food index also keeps 4-character prefixes: opening a query like "milk"* no longer
scans the term list (issue 15: store query p95 within 1 ms).

Revision ID: 0014_food_prefix4
Revises: 0013_supplement_corrections
"""

from __future__ import annotations

from alembic import op

revision = "0014_food_prefix4"
down_revision = "0013_supplement_corrections"
branch_labels = None
depends_on = None


def _rebuild(prefixes: str) -> None:
    # An external-content FTS5 table: dropping it loses no data, 'rebuild' reindexes food_search.
    op.execute("DROP TABLE food_fts")
    op.execute(
        "CREATE VIRTUAL TABLE food_fts USING fts5(head, body, content='food_search', "
        f"content_rowid='rank', prefix='{prefixes}')"
    )
    op.execute("INSERT INTO food_fts(food_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("2 3 4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("2 3")
