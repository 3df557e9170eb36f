"""The diary in the real store: logging foods and supplements, history, bad input, summaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from bonewise.nutrition import supplements
from bonewise.services import nutrition as service
from bonewise.services.access import LOCAL_OPERATOR, InvalidInput
from bonewise.store.food import DiaryEntryRow, DiaryRepository, FoodRow, SupplementRow
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork

from .conftest import add_patient, patient_record

DAY = date(2026, 11, 26)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    factory = request.getfixturevalue(
        "food_store" if request.param == "sqlite" else "pg_food_store"
    )
    patient_id = f"p-{request.node.name[-40:]}"[:64] if request.param == "postgres" else "local"
    add_patient(factory, patient_record(patient_id))
    factory.patient_id = patient_id  # type: ignore[attr-defined]
    yield factory
    if request.param == "postgres":  # the PostgreSQL store is shared by the session
        with UnitOfWork(factory) as uow:
            uow.session.query(DiaryEntryRow).filter_by(patient_id=patient_id).delete()
            uow.session.query(SupplementRow).filter_by(patient_id=patient_id).delete()
            uow.commit()


def rows(factory) -> tuple[int, int]:
    with UnitOfWork(factory) as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(DiaryEntryRow)) or 0,
            uow.session.scalar(select(func.count()).select_from(SupplementRow)) or 0,
        )


def test_a_food_logged_by_household_measure(store):
    entry = service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="breakfast",
        ndb_no="01079",
        measure="cup",
        quantity=2,
    )
    assert entry.grams == 488.0
    assert entry.measure == "1 cup = 244 g" and entry.quantity == 2
    assert entry.nutrients["calcium_mg"] == pytest.approx(120 * 4.88)


def test_a_food_logged_by_grams_keeps_unknown_values_unknown(store):
    entry = service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="lunch",
        ndb_no="01008",
        grams=50,
    )
    assert entry.nutrients["vitamin_d_iu"] is None
    assert entry.nutrients["calcium_mg"] == pytest.approx(336.5)
    summary = service.day_summary(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert summary.totals["vitamin_d_iu"].unknown_share == 1.0


def test_editing_a_food_never_rewrites_the_diary(store):
    service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="lunch",
        ndb_no="11233",
        grams=100,
    )
    with UnitOfWork(store) as uow:
        uow.session.execute(update(FoodRow).where(FoodRow.ndb_no == "11233").values(calcium_mg=1))
        entry = DiaryRepository(uow.session).foods(store.patient_id, DAY, DAY)[0]
        # (not committed: the shared PostgreSQL food table stays as imported)
    assert entry.nutrients["calcium_mg"] == 150.0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"ndb_no": "99999", "grams": 100},
            InvalidInput,
            "no food with NDB number '99999'",
        ),
        ({"ndb_no": "01079", "grams": -5}, ValueError, "grams=-5: an amount must be more than 0 g"),
        ({"ndb_no": "01079", "grams": 0}, ValueError, "must be more than 0"),
        ({"ndb_no": "01079", "grams": 5001}, ValueError, "more than 5000 g"),
        ({"ndb_no": "01079", "measure": "cup", "quantity": 21}, ValueError, "more than 5000 g"),
        ({"ndb_no": "01079", "measure": "cup", "quantity": -1}, ValueError, "quantity=-1"),
        (
            {"ndb_no": "01079", "measure": "bucket"},
            InvalidInput,
            "measure 'bucket' is not one of .*1 cup = 244 g",
        ),
        ({"ndb_no": "01079", "grams": 10, "meal": "brunch"}, ValueError, "meal='brunch'"),
        ({"ndb_no": "01079"}, ValueError, "either grams, or a measure"),
        ({"ndb_no": "01079", "grams": 100, "measure": "cup"}, ValueError, "either grams"),
        (
            {"ndb_no": "01079", "grams": 100, "quantity": 2},
            ValueError,
            "quantity=2 needs a measure",
        ),
        ({"ndb_no": "01079", "grams": float("nan")}, ValueError, "must be more than 0"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(store, kwargs, error, message):
    before = rows(store)
    kwargs = {"meal": "lunch", **kwargs}
    with pytest.raises(error, match=message):
        service.log_food(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id=store.patient_id,
            day=DAY,
            **kwargs,
        )
    assert rows(store) == before


def test_an_unknown_patient_is_refused_and_nothing_is_stored(store):
    before = rows(store)
    with pytest.raises(PatientNotFound):
        service.log_food(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id="nobody",
            day=DAY,
            meal="lunch",
            ndb_no="01079",
            grams=100,
        )
    with pytest.raises(PatientNotFound):
        service.log_supplement(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id="nobody",
            day=DAY,
            meal="lunch",
            dose=supplements.vitamin_d3(1000),
        )
    assert rows(store) == before


def test_supplements_are_first_class_entries_with_warnings(store):
    service.log_supplement(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="breakfast",
        dose=supplements.calcium("carbonate", compound_mg=1500),
    )
    service.log_supplement(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="dinner",
        dose=supplements.vitamin_d3(25, "ug"),
    )
    log = service.day_log(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert [s.kind for s in log.supplements] == ["calcium_carbonate", "vitamin_d3"]
    summary = service.day_summary(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert summary.totals["calcium_mg"].from_supplements == pytest.approx(600)
    assert summary.progress_for("vitamin_d_iu").amount == pytest.approx(1000)
    assert [w.code for w in summary.warnings] == ["single_calcium_dose"]


def test_day_summary_uses_her_age_and_therapy(store):
    service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="lunch",
        ndb_no="01079",
        measure="cup",
        quantity=1,
    )
    summary = service.day_summary(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert summary.targets.age == 66 and summary.targets.on_aromatase_inhibitor
    p = summary.progress_for("calcium_mg")
    assert (p.target.goal, p.status) == (1200, "below goal")
    assert p.amount == pytest.approx(292.8)


def test_week_summary_averages_the_logged_days(store):
    for back in (0, 1):
        service.log_food(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id=store.patient_id,
            day=DAY - timedelta(days=back),
            meal="lunch",
            ndb_no="01079",
            measure="cup",
            quantity=1,
        )
    week = service.period_summary(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, end=DAY, days=7
    )
    assert week.days_logged == 2
    assert week.progress_for("calcium_mg").amount == pytest.approx(292.8)


def test_an_entry_can_be_withdrawn_only_in_its_patients_diary(store):
    entry = service.log_food(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        day=DAY,
        meal="lunch",
        ndb_no="11233",
        grams=50,
    )
    with pytest.raises(PatientNotFound):
        service.withdraw_food_entry(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id="someone-else",
            entry_id=entry.id,
            reason="logged in error",
        )
    service.withdraw_food_entry(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        entry_id=entry.id,
        reason="logged in error",
    )
    assert (
        service.day_log(
            uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
        ).foods
        == ()
    )
    assert not hasattr(DiaryRepository, "remove")  # the store cannot drop an entry untraced


def test_a_withdrawn_supplement_stays_as_a_row_but_leaves_her_calcium(store):
    def take(elemental_mg: float) -> int:
        return service.log_supplement(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id=store.patient_id,
            day=DAY,
            meal="dinner",
            dose=supplements.calcium("carbonate", elemental_mg=elemental_mg),
        ).id

    kept, wrong = take(500), take(600)
    service.withdraw_supplement_entry(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        entry_id=wrong,
        reason="took one tablet, not two",
    )
    log = service.day_log(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert [s.id for s in log.supplements] == [kept]
    day = service.diary_day(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert dict(day.calcium_by_day)[DAY] == pytest.approx(500.0)
    with UnitOfWork(store) as uow:
        row = uow.session.get(SupplementRow, wrong)
        assert row is not None and row.withdrawn_reason == "took one tablet, not two"
        assert row.withdrawn_at is not None


def test_a_withdrawn_entry_stays_as_a_row_but_leaves_every_total(store):
    def log(grams: float) -> int:
        return service.log_food(
            uow=UnitOfWork(store),
            actor=LOCAL_OPERATOR,
            patient_id=store.patient_id,
            day=DAY,
            meal="lunch",
            ndb_no="01079",
            grams=grams,
        ).id

    kept, wrong = log(100), log(1000)
    service.withdraw_food_entry(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        entry_id=wrong,
        reason="a typo: 100 g",
    )
    day = service.diary_day(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, day=DAY
    )
    assert [e.id for e in day.entries] == [kept]
    assert dict(day.calcium_by_day)[DAY] == pytest.approx(day.entries[0].nutrients["calcium_mg"])
    summary = service.period_summary(
        uow=UnitOfWork(store), actor=LOCAL_OPERATOR, patient_id=store.patient_id, end=DAY, days=7
    )
    assert len(summary.intakes) == 1
    with UnitOfWork(store) as uow:
        row = uow.session.get(DiaryEntryRow, wrong)
        assert row is not None and row.withdrawn_reason == "a typo: 100 g"
        assert row.withdrawn_at is not None and row.grams == 1000
        [audit] = [a for a in uow.audit.for_patient(store.patient_id) if "withdrawn" in a.what]
        assert audit.detail["original"]["grams"] == 1000
    corrected = service.correct_food_entry(
        uow=UnitOfWork(store),
        actor=LOCAL_OPERATOR,
        patient_id=store.patient_id,
        entry_id=kept,
        reason="it was 200 g",
        day=DAY,
        meal="dinner",
        grams=200,
    )
    with UnitOfWork(store) as uow:
        assert [e.id for e in uow.diary.foods(store.patient_id, DAY, DAY)] == [corrected.id]
        original = uow.session.get(DiaryEntryRow, kept)
        assert original is not None and original.replaced_by == corrected.id
