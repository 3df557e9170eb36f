"""a data version per patient, bumped by the database on every write to her rows

`patient_versions` holds one counter per patient. Triggers on every table that holds her data
(her record and its rows, diary, supplements, exercise log, check-ins, her account's name, her
care links) bump it in the writing transaction, so no write path can forget to: a page may keep
what it computed from her data for as long as her version stays the same. The audit log is left
out on purpose: a clinician's every read writes to it, and no cached view shows it.

Versions are drawn from one store-wide source (a sequence on PostgreSQL, a one-row clock on
SQLite, whose writers take turns), so a version is never given to two states of anyone's data,
not even to a record erased and made again under the same id. Her record's deletion removes her
version row (an erased account leaves no row naming her).

Revision ID: 0015_patient_version
Revises: 0007_records_rows
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_patient_version"
down_revision = "0007_records_rows"
branch_labels = None
# Triggers go on tables the other branches make (and alter: SQLite's batch mode copies a table
# and would drop its triggers), so this revision runs after every one of them.
depends_on = (
    "0014_food_prefix4",
    "0009_exercise_corrections",
    "0010_reminders",
    "0011_checkins",
    "0012_cds_jti",
)

# Each table holding her data, and the column naming whose data a row is.
VERSIONED_TABLES: dict[str, str] = {
    "patients": "id",
    "patient_labs": "patient_id",
    "patient_dxa_scans": "patient_id",
    "bone_therapy_courses": "patient_id",
    "risk_factor_answers": "patient_id",
    "diary_entries": "patient_id",
    "supplements": "patient_id",
    "exercise_sessions": "patient_id",
    "checkins": "patient_id",
    "users": "patient_id",
    "care_links": "patient_id",
}
# A dose row names its course; the course names her.
DOSES = "bone_therapy_doses"
DOSE_PATIENT = "(SELECT patient_id FROM bone_therapy_courses WHERE id = {row}.course_id)"


def _patient_of(table: str, row: str) -> str:
    if table == DOSES:
        return DOSE_PATIENT.format(row=row)
    return f"{row}.{VERSIONED_TABLES[table]}"


def _all_tables() -> list[str]:
    return [*VERSIONED_TABLES, DOSES]


# --- SQLite: one trigger per table and statement kind ------------------------------------------
# Versions come from one store-wide clock (SQLite writes one transaction at a time), so a record
# erased and made again under the same id never meets a version it had before.
def _sqlite_bump(patient: str, when: str) -> str:
    # INSERT ... SELECT needs its WHERE before ON CONFLICT (SQLite's parser requires it). Only a
    # record that exists has a version: her record's own deletion removes it (below).
    return (
        "UPDATE patient_version_clock SET value = value + 1; "
        "INSERT INTO patient_versions (patient_id, version) "
        f"SELECT {patient}, (SELECT value FROM patient_version_clock) WHERE {when} "
        f"AND EXISTS (SELECT 1 FROM patients WHERE id = {patient}) "
        "ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version;"
    )


def _sqlite_triggers(table: str) -> list[str]:
    new, old = _patient_of(table, "NEW"), _patient_of(table, "OLD")
    deleted = (
        "DELETE FROM patient_versions WHERE patient_id = OLD.id;"
        if table == "patients"
        else _sqlite_bump(old, f"{old} IS NOT NULL")
    )
    return [
        f"CREATE TRIGGER pv_{table}_insert AFTER INSERT ON {table} BEGIN "
        f"{_sqlite_bump(new, f'{new} IS NOT NULL')} END",
        f"CREATE TRIGGER pv_{table}_update AFTER UPDATE ON {table} BEGIN "
        f"{_sqlite_bump(new, f'{new} IS NOT NULL')} "
        f"{_sqlite_bump(old, f'{old} IS NOT NULL AND {old} IS NOT {new}')} END",
        f"CREATE TRIGGER pv_{table}_delete AFTER DELETE ON {table} BEGIN {deleted} END",
    ]


# --- PostgreSQL: one function and one row trigger per table ------------------------------------
# Versions come from a sequence: store-wide, never repeated, and no lock shared between writers.
# The last write of a transaction sets her version (not the greatest): a value is seen only
# once its transaction commits, and each is given to one transaction only.
PG_BUMP = """
CREATE FUNCTION patient_version_bump(pid text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF pid IS NOT NULL AND EXISTS (SELECT 1 FROM patients WHERE id = pid) THEN
        INSERT INTO patient_versions (patient_id, version)
        VALUES (pid, nextval('patient_version_seq'))
        ON CONFLICT (patient_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
END $$
"""


def _pg_function(table: str) -> str:
    new, old = _patient_of(table, "NEW"), _patient_of(table, "OLD")
    deleted = (
        "DELETE FROM patient_versions WHERE patient_id = OLD.id;"
        if table == "patients"
        else f"PERFORM patient_version_bump({old});"
    )
    return f"""
CREATE FUNCTION pv_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM patient_version_bump({new});
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM patient_version_bump({new});
        IF {old} IS DISTINCT FROM {new} THEN
            PERFORM patient_version_bump({old});
        END IF;
    ELSE
        {deleted}
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "patient_versions",
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE patient_version_seq")
        op.execute(
            "INSERT INTO patient_versions (patient_id, version) "
            "SELECT id, nextval('patient_version_seq') FROM patients"
        )
        op.execute(PG_BUMP)
        for table in _all_tables():
            op.execute(_pg_function(table))
            op.execute(
                f"CREATE TRIGGER pv_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION pv_{table}()"
            )
    else:
        op.create_table(
            "patient_version_clock",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("value", sa.BigInteger(), nullable=False),
        )
        op.execute("INSERT INTO patient_version_clock (id, value) SELECT 1, count(*) FROM patients")
        op.execute(
            "INSERT INTO patient_versions (patient_id, version) "
            "SELECT id, row_number() OVER (ORDER BY id) FROM patients"
        )
        for table in _all_tables():
            for statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _all_tables():
            op.execute(f"DROP TRIGGER IF EXISTS pv_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS pv_{table}()")
        op.execute("DROP FUNCTION IF EXISTS patient_version_bump(text)")
        op.execute("DROP SEQUENCE IF EXISTS patient_version_seq")
    else:
        for table in _all_tables():
            for kind in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS pv_{table}_{kind}")
        op.drop_table("patient_version_clock")
    op.drop_table("patient_versions")
