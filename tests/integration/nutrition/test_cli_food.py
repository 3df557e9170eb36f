"""`bonewise food`, `diary` and `nutrition` end to end on a real SQLite store."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bonewise.cli import app
from bonewise.store.food import DiaryEntryRow, SupplementRow
from bonewise.store.uow import UnitOfWork, open_store

from .conftest import add_patient

runner = CliRunner()


@pytest.fixture
def url(sqlite_copy):
    url = f"sqlite:///{sqlite_copy}"
    add_patient(open_store(url))
    return url


def run(url, *args):
    return runner.invoke(app, list(args), env={"BONEWISE_DATABASE_URL": url})


def stored(url) -> tuple[int, int]:
    with UnitOfWork(open_store(url)) as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(DiaryEntryRow)) or 0,
            uow.session.scalar(select(func.count()).select_from(SupplementRow)) or 0,
        )


def test_search_on_a_fresh_store_imports_sr28_and_finds_kale_raw_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = run(url, "food", "search", "kale raw", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits[0]["ndb_no"] == "11233"
    assert hits[0]["description"] == "Kale, raw"
    assert hits[0]["calcium_mg_per_100g"] == 150.0
    assert [(m["amount"], m["description"], m["grams"]) for m in hits[0]["measures"]] == [
        (1.0, 'cup 1" pieces, loosely packed', 16.0)
    ]


def test_import_on_a_loaded_store_gives_the_same_database(url):
    before = run(url, "food", "show", "01079", "--json").stdout
    result = run(url, "food", "import")
    assert result.exit_code == 0
    assert "8789 foods" in result.stdout
    assert run(url, "food", "show", "01079", "--json").stdout == before


def test_search_limit_and_ndb_numbers_as_five_digit_strings(url):
    hits = json.loads(run(url, "food", "search", "2% milk", "--limit", "3", "--json").stdout)
    assert len(hits) == 3
    assert hits[0]["ndb_no"] == "01079"
    assert run(url, "food", "search", "milk", "--limit", "0").exit_code == 2


def test_show_lists_every_kept_nutrient_with_unknown_as_null(url):
    result = run(url, "food", "show", "01008", "--json")
    data = json.loads(result.stdout)
    assert data["per_100g"]["vitamin_d_iu"] is None
    assert data["per_100g"]["calcium_mg"] == 673.0
    assert set(data["per_100g"]) >= {"calcium_mg", "vitamin_d_ug", "vitamin_k_ug", "caffeine_mg"}
    assert "SR28" in data["source"]
    text = run(url, "food", "show", "01008").stdout
    assert "unknown" in text


def test_show_an_unknown_ndb_fails_with_exit_2(url):
    result = run(url, "food", "show", "1079")
    assert result.exit_code == 2
    assert "no food with NDB number '1079'" in result.stderr


def test_diary_add_and_show(url):
    added = run(
        url,
        "diary",
        "add",
        "01079",
        "--measure",
        "cup",
        "--quantity",
        "2",
        "--meal",
        "breakfast",
        "--date",
        "2026-11-26",
    )
    assert added.exit_code == 0, added.output
    assert "488 g" in added.stdout
    supplement = run(
        url,
        "diary",
        "supplement",
        "calcium-carbonate",
        "--compound-mg",
        "1500",
        "--date",
        "2026-11-26",
    )
    assert supplement.exit_code == 0, supplement.output
    shown = json.loads(run(url, "diary", "show", "--date", "2026-11-26", "--json").stdout)
    calcium = next(p for p in shown["progress"] if p["nutrient"] == "calcium_mg")
    assert calcium["amount"] == pytest.approx(585.6 + 600, abs=0.1)
    assert [w["code"] for w in shown["warnings"]] == ["single_calcium_dose"]
    assert [e["kind"] for e in shown["entries"]] == ["food", "supplement"]
    table = run(url, "diary", "show", "--date", "2026-11-26").stdout
    assert "Vit K µg" in table and " ug" not in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99999", "--grams", "100"], "no food with NDB number '99999'"),
        (["01079", "--grams", "-5"], "grams=-5"),
        (["01079", "--grams", "5001"], "more than 5000 g"),
        (["01079", "--measure", "bucket"], "measure 'bucket' is not one of"),
        (["01079", "--grams", "100", "--patient", "nobody"], "no patient with id 'nobody'"),
        (["01079", "--grams", "100", "--date", "26/11/2026"], "--date '26/11/2026'"),
    ],
)
def test_diary_add_bad_input_exits_2_and_stores_nothing(url, args, message):
    before = stored(url)
    result = run(url, "diary", "add", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert stored(url) == before


def test_a_supplement_with_a_caution_says_to_ask_the_team(url):
    result = run(
        url,
        "diary",
        "supplement",
        "multivitamin",
        "--name",
        "Black cohosh complex",
        "--vitamin-d",
        "400",
    )
    assert result.exit_code == 0
    assert "Ask your oncology team" in result.stderr


def test_nutrition_targets(url):
    data = json.loads(run(url, "nutrition", "targets", "--age", "60", "--json").stdout)
    by = {t["nutrient"]: t for t in data["targets"]}
    assert (by["calcium_mg"]["goal"], by["calcium_mg"]["upper_limit"]) == (1200, 2000)
    assert (by["vitamin_d_iu"]["low"], by["vitamin_d_iu"]["high"]) == (800, 1000)
    assert by["vitamin_k_ug"]["upper_limit"] is None
    assert run(url, "nutrition", "targets", "--age", "12").exit_code == 2


def test_nutrition_cautions_lists_the_catalogue_with_sources(url):
    data = json.loads(run(url, "nutrition", "cautions", "--json").stdout)
    assert {c["id"] for c in data} >= {"black_cohosh", "dong_quai", "red_clover"}
    assert all(c["evidence"] and all(p["citation"] for p in c["evidence"]) for c in data)
    assert "LiverTox" in run(url, "nutrition", "cautions").stdout


def test_diary_withdraw_takes_an_entry_out_of_her_totals_with_a_reason(url):
    import json

    added = run(url, "diary", "add", "01079", "--grams", "100", "--date", "2026-11-26")
    assert added.exit_code == 0, added.output
    shown = json.loads(run(url, "diary", "show", "--date", "2026-11-26", "--json").stdout)
    [entry] = [e for e in shown["entries"] if e["kind"] == "food"]
    no_reason = run(url, "diary", "withdraw", str(entry["id"]), "--reason", " ")
    assert no_reason.exit_code == 2 and "say in a few words why" in no_reason.output
    withdrawn = run(url, "diary", "withdraw", str(entry["id"]), "--reason", "logged twice")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "the audit log keeps it" in withdrawn.stdout
    after = json.loads(run(url, "diary", "show", "--date", "2026-11-26", "--json").stdout)
    assert [e for e in after["entries"] if e["kind"] == "food"] == []
    again = run(url, "diary", "withdraw", str(entry["id"]), "--reason", "logged twice")
    assert again.exit_code == 2 and "no food entry" in again.output


def _doses(url, day: str) -> list[dict]:
    shown = json.loads(run(url, "diary", "show", "--date", day, "--json").stdout)
    return [e for e in shown["entries"] if e["kind"] == "supplement"]


def test_diary_supplement_correct_and_withdraw_with_a_reason_audited_as_operator(url):
    logged = run(
        url,
        "diary",
        "supplement",
        "calcium-carbonate",
        "--elemental-mg",
        "500",
        "--units",
        "2",
        "--meal",
        "dinner",
        "--date",
        "2026-11-26",
    )
    assert logged.exit_code == 0, logged.output
    [dose] = _doses(url, "2026-11-26")
    assert dose["nutrients"]["calcium_mg"] == 1000
    no_reason = run(url, "diary", "supplement-correct", str(dose["id"]), "--reason", " ")
    assert no_reason.exit_code == 2 and "say in a few words why" in no_reason.output
    too_many = run(
        url, "diary", "supplement-correct", str(dose["id"]), "--reason", "three", "--units", "50"
    )
    assert too_many.exit_code == 2 and "more than 20" in too_many.output
    assert _doses(url, "2026-11-26") == [dose]  # nothing changed
    corrected = run(
        url,
        "diary",
        "supplement-correct",
        str(dose["id"]),
        "--reason",
        "one tablet, not two",
        "--units",
        "1",
        "--date",
        "2026-11-25",
    )
    assert corrected.exit_code == 0, corrected.output
    assert "the audit log keeps the original" in corrected.stdout
    assert _doses(url, "2026-11-26") == []
    [moved] = _doses(url, "2026-11-25")
    assert moved["meal"] == "dinner" and moved["nutrients"]["calcium_mg"] == 500
    withdrawn = run(
        url, "diary", "supplement-withdraw", str(moved["id"]), "--reason", "did not take it"
    )
    assert withdrawn.exit_code == 0, withdrawn.output
    assert _doses(url, "2026-11-25") == []
    again = run(url, "diary", "supplement-withdraw", str(moved["id"]), "--reason", "again")
    assert again.exit_code == 2 and "no supplement entry" in again.output
    with UnitOfWork(open_store(url)) as uow:
        trail = [a for a in uow.audit.for_patient("local") if "entry" in a.what]
    assert {(a.actor_role, a.what.split(":")[0]) for a in trail} == {
        ("operator", f"supplement entry {dose['id']} corrected"),
        ("operator", f"supplement entry {moved['id']} withdrawn"),
    }
    [correction] = [a for a in trail if "corrected" in a.what]
    assert correction.detail["reason"] == "one tablet, not two"
    assert correction.detail["original"]["units"] == 2
