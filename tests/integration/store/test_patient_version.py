"""Her data version (migration 0015_patient_version): bumped by the database in the writing
transaction on every table holding her data, on SQLite and PostgreSQL, so no write path can
forget it; reversible."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from bonewise.store.base import Base
from bonewise.store.db import alembic_config, make_engine, migrate
from bonewise.store.uow import UnitOfWork, session_factory

# Tables that reach a patient through their keys but hold nothing her pages compute from.
NOT_HER_PAGES = {
    "patient_versions": "the versions themselves",
    "audit_log": "a clinician's every read writes here; no kept view shows the trail",
    "web_sessions": "her sign-ins, not her data",
    "account_tokens": "reset links and calendar-feed secrets",
    "reminders_sent": "which reminder e-mails went out (the reminders shown come from her record)",
}


def _tables_holding_patient_data() -> set[str]:
    """Every table with a patient id column, or a key to `patients` or to such a table."""
    tables = Base.metadata.tables
    found = {"patients"}
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if name in found:
                continue
            direct = "patient_id" in table.c
            via = any(fk.column.table.name in found for fk in table.foreign_keys)
            if direct or via:
                found.add(name)
                changed = True
    return found - set(NOT_HER_PAGES)


def _triggered_tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT event_object_table, event_manipulation FROM information_schema.triggers"
                    " WHERE trigger_schema = current_schema() AND trigger_name LIKE 'pv_%'"
                )
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT tbl_name, upper(substr(name, length('pv_' || tbl_name || '_') + 1))"
                    " FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'pv\\_%' ESCAPE '\\'"
                )
            )
        events: dict[str, set[str]] = {}
        for table, event in rows:
            events.setdefault(table, set()).add(event)
    return {t for t, e in events.items() if e == {"INSERT", "UPDATE", "DELETE"}}


def _versions(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT patient_id, version FROM patient_versions")).all())


def _patient(conn, pid: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO patients (id, record, created_at, updated_at) "
            "VALUES (:pid, '{}', '2026-01-01', '2026-01-01')"
        ),
        {"pid": pid},
    )


def test_every_table_holding_her_data_bumps_her_version_on_insert_update_and_delete(
    migrated_store_url,
):
    engine = make_engine(migrated_store_url)
    migrate(engine)
    expected = _tables_holding_patient_data()
    assert {"patients", "diary_entries", "supplements", "exercise_sessions", "checkins"} <= expected
    assert {"patient_labs", "bone_therapy_doses", "users", "care_links"} <= expected
    missing = expected - _triggered_tables(engine)
    assert not missing, f"tables holding her data without version triggers: {sorted(missing)}"
    engine.dispose()


class Versions:
    """Her version before and after each step: which women's changed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.last = _versions(engine)

    def changed(self) -> set[str]:
        now = _versions(self.engine)
        moved = {p for p in now.keys() | self.last.keys() if now.get(p) != self.last.get(p)}
        self.last = now
        return moved


def test_writes_bump_in_their_own_transaction_and_a_rollback_leaves_it(migrated_store_url):
    engine = make_engine(migrated_store_url)
    migrate(engine)
    with engine.begin() as conn:
        _patient(conn, "p")
        _patient(conn, "q")
    versions = Versions(engine)
    assert set(versions.last) == {"p", "q"}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO bone_therapy_courses (id, patient_id, agent) "
                "VALUES (7, 'p', 'zoledronic_acid')"
            )
        )
    assert versions.changed() == {"p"}
    for statement in (
        "INSERT INTO bone_therapy_doses (course_id, day) VALUES (7, '2026-02-01')",
        "UPDATE bone_therapy_doses SET day = '2026-02-02'",
        "DELETE FROM bone_therapy_doses",
    ):
        with engine.begin() as conn:
            conn.execute(text(statement))
        assert versions.changed() == {"p"}, statement
    with engine.begin() as conn:  # a row moved from p to q changes both women's data
        conn.execute(text("UPDATE bone_therapy_courses SET patient_id = 'q' WHERE id = 7"))
    assert versions.changed() == {"p", "q"}
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM bone_therapy_courses"))
        conn.rollback()
    assert versions.changed() == set()
    with engine.begin() as conn:  # a clinician's account names no patient
        conn.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash, patient_id, created_at) "
                "VALUES ('c@example.org', 'Dr C', 'clinician', 'x', NULL, '2026-01-01')"
            )
        )
    assert versions.changed() == set()
    with engine.begin() as conn:  # her account's name is shown on her pages
        conn.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash, patient_id, created_at) "
                "VALUES ('p@example.org', 'P', 'patient', 'x', 'p', '2026-01-01')"
            )
        )
    assert versions.changed() == {"p"}
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET name = 'Pat' WHERE patient_id = 'p'"))
    assert versions.changed() == {"p"}
    engine.dispose()


def test_an_erased_record_leaves_no_version_and_a_new_one_never_meets_an_old_version(
    migrated_store_url,
):
    engine = make_engine(migrated_store_url)
    migrate(engine)
    with engine.begin() as conn:
        _patient(conn, "p")
        conn.execute(
            text(
                "INSERT INTO patient_labs (patient_id, kind, day, value, unit) "
                "VALUES ('p', 'serum_calcium', '2026-01-02', 2.3, 'mmol/L')"
            )
        )
    erased = _versions(engine)["p"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM patient_labs"))
        conn.execute(text("DELETE FROM patients"))
    assert "p" not in _versions(engine)
    with engine.begin() as conn:  # the same id again: another woman, or the same one anew
        _patient(conn, "p")
    assert _versions(engine)["p"] > erased
    engine.dispose()


def test_the_repository_reads_the_version_and_refuses_an_unknown_record(migrated_store_url):
    engine = make_engine(migrated_store_url)
    migrate(engine)
    with engine.begin() as conn:
        _patient(conn, "p")
    factory = session_factory(engine)
    with UnitOfWork(factory) as uow:
        assert uow.patients.version_or_raise("p") == _versions(engine)["p"]
        try:
            uow.patients.version_or_raise("nobody")
        except LookupError:
            pass
        else:
            raise AssertionError("an unknown record has no version")
    engine.dispose()


def test_the_version_migration_is_reversible_and_counts_existing_records(store_url):
    engine = make_engine(store_url)
    config = alembic_config(engine)
    command.upgrade(config, "heads")
    with engine.begin() as conn:
        _patient(conn, "p")
    command.downgrade(config, "0007_records_rows")
    assert "patient_versions" not in inspect(engine).get_table_names()
    assert _triggered_tables(engine) == set()
    with engine.begin() as conn:  # written while no trigger counted it
        conn.execute(
            text(
                "INSERT INTO patient_labs (patient_id, kind, day, value, unit) "
                "VALUES ('p', 'serum_calcium', '2026-01-02', 2.3, 'mmol/L')"
            )
        )
        _patient(conn, "q")
    command.upgrade(config, "heads")
    assert set(_versions(engine)) == {"p", "q"}
    assert len(set(_versions(engine).values())) == 2
    assert _tables_holding_patient_data() <= _triggered_tables(engine)
    engine.dispose()
