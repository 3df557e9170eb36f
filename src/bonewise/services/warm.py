"""A server's first pages as fast as the next: the reads the signed-in pages make, run once at
start-up for a record that does not exist.

The first dashboard, assessment or panel a worker served took 100-200 ms against under 10 ms
warm (the e2e journeys' only pages over their 100 ms budget): SQLAlchemy compiled each of the
page's statements on first use. `warm_up` runs the same statements, keyed on an id no record,
session or link has, in one transaction that is rolled back: nothing is read, shown or written.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import date

from bonewise.clinical.assessment import assess
from bonewise.clinical.models import PatientRecord
from bonewise.services.checkins import checkin_flags_in, checkin_trend_in
from bonewise.services.exercise import exercise_week_in
from bonewise.services.nutrition import diary_day_in
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork

NO_SUCH_USER = -1  # user ids start at 1


def warm_up(*, uow: UnitOfWork, today: date) -> None:
    """The signed-in pages' reads, once, matching nothing (see the module's docstring)."""
    # A record id (at most 64 characters) with 128 random bits: no stored id is it.
    no_such_patient = f"warm-up-{secrets.token_hex(16)}"
    nobody = PatientRecord.model_validate(
        {
            "id": no_such_patient,
            "patient": {"birth_date": "1960-01-01", "menopausal_status": "postmenopausal"},
        }
    )
    with uow:
        uow.accounts.find_session(secrets.token_urlsafe(32))
        uow.accounts.linked_versions(NO_SUCH_USER)
        uow.accounts.linked_version(clinician_id=NO_SUCH_USER, patient_id=no_such_patient)
        uow.accounts.owner_names([no_such_patient])
        uow.accounts.owner_of(no_such_patient)
        with suppress(PatientNotFound):
            uow.patients.version_or_raise(no_such_patient)
        uow.patients.get_many([no_such_patient])
        uow.patients.warm_up(no_such_patient)
        assessment = assess(nobody, as_of=today)
        exercise_week_in(uow=uow, record=nobody, today=today, assessment=assessment)
        diary_day_in(uow=uow, record=nobody, day=today)
        checkin_trend_in(uow=uow, patient_id=no_such_patient, today=today)
        checkin_flags_in(uow=uow, patient_ids=[no_such_patient], today=today)
        # Leaving the block rolls back: a warm-up writes nothing.
