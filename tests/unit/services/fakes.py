"""An in-memory unit of work (cosmicpython's fake): the service layer's tests run without a
database. Each fake repository keeps plain Python data; entering the unit of work snapshots
it, and leaving without `commit()` puts the snapshot back, as a rolled-back transaction does."""

from __future__ import annotations

import copy
import secrets
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any

from bonewise.clinical.checkin import CheckIn
from bonewise.clinical.models import BoneTherapy, DxaScan, Lab, PatientRecord
from bonewise.exercise.adherence import LoggedSession
from bonewise.nutrition.models import Food, check_grams, scale
from bonewise.nutrition.supplements import SupplementDose
from bonewise.store.accounts import (
    SESSION_LIFETIME,
    AccountRepository,
    AuditEntry,
    AuditLog,
    SignInThrottle,
    ThrottleRule,
    User,
    UserNotFound,
    WebSession,
    normalise_email,
)
from bonewise.store.base import utcnow
from bonewise.store.cds import MAX_FEEDBACK_ROWS, CdsFeedback, CdsRepository
from bonewise.store.checkins import CheckInRepository
from bonewise.store.exercise import ExerciseLogRepository
from bonewise.store.food import (
    DiaryEntry,
    DiaryRepository,
    FoodHit,
    FoodNotFound,
    FoodRepository,
    SupplementEntry,
    check_meal,
)
from bonewise.store.patients import (
    ROW_SECTIONS,
    EntryNotFound,
    PatientNotFound,
    PatientRepository,
    Stored,
    course_order,
    lab_order,
    scan_order,
)
from bonewise.store.uow import UnitOfWork


class FakePatients(PatientRepository):
    """Each record's document, and its row sections as (row id, entry JSON) pairs."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, dict[str, list[tuple[int, Any]]]] = {}
        self.next_id = 1

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def save(self, record: PatientRecord) -> None:
        data = record.model_dump(mode="json")
        self.records[record.id] = {k: v for k, v in data.items() if k not in ROW_SECTIONS}
        self.rows[record.id] = {
            section: [(self._new_id(), entry) for entry in data[section]]
            for section in ("labs", "dxa_scans", "bone_therapy")
        }
        self.rows[record.id]["risk_factors"] = [(0, data["risk_factors"])]

    def save_document(self, record: PatientRecord) -> None:
        if record.id not in self.records:
            raise PatientNotFound(record.id)
        data = record.model_dump(mode="json", exclude=set(ROW_SECTIONS))
        self.records[record.id] = data

    def _sorted(self, patient_id: str, section: str) -> list[tuple[int, Any]]:
        key = {"labs": lab_order, "dxa_scans": scan_order, "bone_therapy": course_order}[section]
        return sorted(self.rows[patient_id][section], key=lambda item: (key(item[1]), item[0]))

    def get_or_raise(self, patient_id: str) -> PatientRecord:
        if patient_id not in self.records:
            raise PatientNotFound(patient_id)
        sections = {s: [e for _, e in self._sorted(patient_id, s)] for s in ROW_SECTIONS[:3]}
        factors = self.rows[patient_id]["risk_factors"][0][1]
        return PatientRecord.model_validate(
            {**self.records[patient_id], **sections, "risk_factors": factors}
        )

    def get_document_or_raise(self, patient_id: str) -> PatientRecord:
        if patient_id not in self.records:
            raise PatientNotFound(patient_id)
        return PatientRecord.model_validate(self.records[patient_id])

    def get_for_update(self, patient_id: str) -> PatientRecord:
        return self.get_or_raise(patient_id)

    def lock(self, patient_id: str) -> None:
        pass

    def get_many(self, patient_ids: list[str]) -> dict[str, PatientRecord]:
        return {p: self.get_or_raise(p) for p in patient_ids if p in self.records}

    def exists(self, patient_id: str) -> bool:
        return patient_id in self.records

    # The fake keeps no computed views (its unit of work has `views = None`): one version.
    def version_or_raise(self, patient_id: str) -> int:
        if patient_id not in self.records:
            raise PatientNotFound(patient_id)
        return 0

    def ids(self) -> list[str]:
        return sorted(self.records)

    def _add(self, patient_id: str, section: str, entry: Any) -> int:
        row_id = self._new_id()
        self.rows[patient_id][section].append((row_id, entry))
        return row_id

    def _stored(self, patient_id: str, section: str, model: Any) -> list[Stored[Any]]:
        return [Stored(i, model.model_validate(e)) for i, e in self._sorted(patient_id, section)]

    def _replace(self, patient_id: str, section: str, entry_id: int, entry: Any) -> None:
        rows = self.rows[patient_id][section]
        if entry_id not in [i for i, _ in rows]:
            raise EntryNotFound(section, entry_id)
        self.rows[patient_id][section] = [(i, e) for i, e in rows if i != entry_id] + (
            [(entry_id, entry)] if entry is not None else []
        )

    def add_lab(self, patient_id: str, lab: Lab) -> int:
        return self._add(patient_id, "labs", lab.model_dump(mode="json"))

    def labs(self, patient_id: str) -> list[Stored[Lab]]:
        return self._stored(patient_id, "labs", Lab)

    def count_labs(self, patient_id: str) -> int:
        return len(self.rows[patient_id]["labs"])

    def replace_lab(self, patient_id: str, entry_id: int, lab: Lab) -> None:
        self._replace(patient_id, "labs", entry_id, lab.model_dump(mode="json"))

    def remove_lab(self, patient_id: str, entry_id: int) -> None:
        self._replace(patient_id, "labs", entry_id, None)

    def add_dxa_scan(self, patient_id: str, scan: DxaScan) -> int:
        return self._add(patient_id, "dxa_scans", scan.model_dump(mode="json"))

    def dxa_scans(self, patient_id: str) -> list[Stored[DxaScan]]:
        return self._stored(patient_id, "dxa_scans", DxaScan)

    def count_dxa_scans(self, patient_id: str) -> int:
        return len(self.rows[patient_id]["dxa_scans"])

    def replace_dxa_scan(self, patient_id: str, entry_id: int, scan: DxaScan) -> None:
        self._replace(patient_id, "dxa_scans", entry_id, scan.model_dump(mode="json"))

    def remove_dxa_scan(self, patient_id: str, entry_id: int) -> None:
        self._replace(patient_id, "dxa_scans", entry_id, None)

    def bone_therapy(self, patient_id: str) -> list[Stored[BoneTherapy]]:
        return self._stored(patient_id, "bone_therapy", BoneTherapy)

    def add_course(self, patient_id: str, course: BoneTherapy) -> int:
        return self._add(patient_id, "bone_therapy", course.model_dump(mode="json"))

    def replace_course(self, patient_id: str, entry_id: int, course: BoneTherapy) -> None:
        self._replace(patient_id, "bone_therapy", entry_id, course.model_dump(mode="json"))

    def remove_course(self, patient_id: str, entry_id: int) -> None:
        self._replace(patient_id, "bone_therapy", entry_id, None)


class FakeAccounts(AccountRepository):
    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.links: set[tuple[int, str]] = set()
        self.passwords: dict[int, str] = {}  # plain text: the fake hashes nothing
        self.sessions: dict[str, tuple[int, datetime]] = {}  # token -> (user id, expiry)

    def add(
        self, *, email: str, role: str, patient_id: str | None = None, password: str = ""
    ) -> User:
        user = User(len(self.users) + 1, email, email.split("@")[0].title(), role, patient_id)  # type: ignore[arg-type]
        self.users[user.id] = user
        self.passwords[user.id] = password
        return user

    def authenticate(self, *, email: str, password: str) -> User | None:
        user = self.find_by_email(normalise_email(email))
        if user is None or not password or self.passwords.get(user.id) != password:
            return None
        return user

    def verify_password(self, user_id: int, password: str) -> bool:
        return self.passwords.get(self.get_or_raise(user_id).id) == password

    def open_session(self, user: User, *, now: datetime | None = None) -> WebSession:
        expires = (now or utcnow()) + SESSION_LIFETIME
        token = secrets.token_urlsafe(16)
        self.sessions[token] = (user.id, expires)
        return WebSession(token, user, secrets.token_urlsafe(8), expires)

    def purge_expired_sessions(self, *, now: datetime | None = None) -> None:
        moment = now or utcnow()
        self.sessions = {t: s for t, s in self.sessions.items() if s[1] > moment}

    def find_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email == email.lower()), None)

    def get_or_raise(self, user_id: int) -> User:
        if user_id not in self.users:
            raise UserNotFound(user_id)
        return self.users[user_id]

    def attach_patient(self, *, user_id: int, patient_id: str) -> User:
        user = replace(self.get_or_raise(user_id), patient_id=patient_id)
        self.users[user_id] = user
        return user

    def owner_of(self, patient_id: str) -> User | None:
        return next((u for u in self.users.values() if u.patient_id == patient_id), None)

    def owner_names(self, patient_ids: list[str]) -> dict[str, str]:
        return {
            u.patient_id: u.name
            for u in self.users.values()
            if u.patient_id is not None and u.patient_id in patient_ids
        }

    def link(self, *, clinician_id: int, patient_id: str) -> None:
        self.links.add((clinician_id, patient_id))

    def unlink(self, *, clinician_id: int, patient_id: str) -> None:
        self.links.discard((clinician_id, patient_id))

    def is_linked(self, *, clinician_id: int, patient_id: str) -> bool:
        return (clinician_id, patient_id) in self.links

    def linked_version(self, *, clinician_id: int, patient_id: str) -> int | None:
        # One version, as version_or_raise (whether her record exists is the service's check).
        return 0 if self.is_linked(clinician_id=clinician_id, patient_id=patient_id) else None

    def linked_patient_ids(self, clinician_id: int) -> list[str]:
        return sorted(p for c, p in self.links if c == clinician_id)

    def linked_versions(self, clinician_id: int) -> dict[str, int]:
        # One version: the fake keeps no computed views (a link to no record lists no row).
        return dict.fromkeys(self.linked_patient_ids(clinician_id), 0)

    def clinicians_of(self, patient_id: str) -> list[User]:
        return sorted(
            (self.users[c] for c, p in self.links if p == patient_id), key=lambda u: u.email
        )


class FakeAudit(AuditLog):
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record(
        self,
        *,
        actor: User | None,
        action: str,
        what: str,
        patient_id: str | None,
        detail: dict[str, Any] | None = None,
        actor_email: str | None = None,
        actor_role: str | None = None,
    ) -> None:
        self.entries.append(
            AuditEntry(
                datetime.now(UTC),
                actor.email if actor else (actor_email or "anonymous"),
                actor.role if actor else (actor_role or "anonymous"),
                action,
                what[:200],
                patient_id,
                detail or {},
            )
        )

    def record_reads(self, *, actor: User, what: str, patient_ids: list[str]) -> None:
        for patient_id in patient_ids:
            self.record(actor=actor, action="read", what=what, patient_id=patient_id)

    def for_patient(self, patient_id: str, *, limit: int = 200) -> list[AuditEntry]:
        return [e for e in reversed(self.entries) if e.patient_id == patient_id][:limit]

    def count(self) -> int:
        return len(self.entries)


class FakeThrottle(SignInThrottle):
    """The store's growing delays per key: failures, last failure and blocked-until."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[int, datetime, datetime]] = {}

    def wait_s(self, key: str, *, now: datetime | None = None) -> float:
        found = self.keys.get(key[:320])
        if found is None:
            return 0.0
        return max(0.0, (found[2] - (now or utcnow())).total_seconds())

    def failed(self, key: str, rule: ThrottleRule, *, now: datetime | None = None) -> float:
        now, key = now or utcnow(), key[:320]
        failures, last, _ = self.keys.get(key, (0, now, now))
        if last < now - rule.forget_after:
            failures = 0
        delay = rule.delay_after(failures + 1)
        self.keys[key] = (failures + 1, now, now + timedelta(seconds=delay))
        return delay

    def failures(self, key: str) -> int:
        found = self.keys.get(key[:320])
        return found[0] if found else 0

    def clear(self, key: str) -> None:
        self.keys.pop(key[:320], None)

    def purge(self, *, older_than: timedelta, now: datetime | None = None) -> None:
        cutoff = (now or utcnow()) - older_than
        self.keys = {k: v for k, v in self.keys.items() if v[1] >= cutoff or v[2] >= cutoff}


class FakeCds(CdsRepository):
    """Token ids seen (until they expire) and the feedback kept, newest last."""

    def __init__(self) -> None:
        self.tokens: dict[tuple[str, str], datetime] = {}
        self.kept: list[CdsFeedback] = []

    def first_use(self, *, iss: str, jti: str, expires_at: datetime) -> bool:
        now = utcnow()
        self.tokens = {k: v for k, v in self.tokens.items() if v > now}
        if (iss, jti) in self.tokens:
            return False
        self.tokens[iss, jti] = expires_at
        return True

    def live_tokens(self) -> int:
        return len(self.tokens)

    def add_feedback(self, items: list[CdsFeedback]) -> None:
        self.kept = [*self.kept, *items][-MAX_FEEDBACK_ROWS:]

    def feedback(self, *, limit: int = 200) -> list[CdsFeedback]:
        return list(reversed(self.kept))[:limit]


class FakeFoods(FoodRepository):
    def __init__(self, foods: list[Food] = (), source: str = "USDA SR28 (test)") -> None:  # type: ignore[assignment]
        self.foods = {f.ndb_no: f for f in foods}
        self.source = source

    def count(self) -> int:
        return len(self.foods)

    def get(self, ndb_no: str) -> Food | None:
        return self.foods.get(ndb_no)

    def get_or_raise(self, ndb_no: str) -> Food:
        if ndb_no not in self.foods:
            raise FoodNotFound(ndb_no)
        return self.foods[ndb_no]

    def source_of(self, ndb_no: str) -> str:
        return self.source

    def all_foods(self) -> list[Food]:
        return sorted(self.foods.values(), key=lambda f: f.ndb_no)

    def search(self, text: str, *, limit: int = 20) -> list[FoodHit]:
        words = text.lower().split()
        return [
            FoodHit(
                f.ndb_no,
                f.description,
                f.food_group,
                f.per_100g.get("calcium_mg"),
                f.per_100g.get("vitamin_d_iu"),
                f.per_100g.get("vitamin_k_ug"),
                f.measures,
            )
            for f in self.all_foods()
            if words and all(w in f.description.lower() for w in words)
        ][:limit]


class FakeDiary(DiaryRepository):
    def __init__(self) -> None:
        self.food_entries: list[DiaryEntry] = []
        self.supplement_entries: list[SupplementEntry] = []
        self.withdrawn: list[tuple[DiaryEntry, str, int | None]] = []
        self.withdrawn_supplements: list[tuple[SupplementEntry, str]] = []
        self.next_id = 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add_food(
        self,
        *,
        patient_id: str,
        day: date,
        meal: str,
        food: Food,
        grams: float,
        measure: str | None,
        quantity: float | None,
        source: str,
    ) -> DiaryEntry:
        entry = DiaryEntry(
            self._id(),
            patient_id,
            day,
            check_meal(meal),
            food.ndb_no,
            food.description,
            food.food_group_code,
            check_grams(grams),
            measure,
            quantity,
            scale(food.per_100g, grams),
            source,
        )
        self.food_entries.append(entry)
        return entry

    def add_supplement(
        self, *, patient_id: str, day: date, meal: str, dose: SupplementDose
    ) -> SupplementEntry:
        entry = SupplementEntry(
            self._id(),
            patient_id,
            day,
            check_meal(meal),
            dose.kind,
            dose.name,
            {**dose.label, "units": dose.units},
            dose.nutrients,
        )
        self.supplement_entries.append(entry)
        return entry

    def food_entry(self, *, patient_id: str, entry_id: int) -> DiaryEntry | None:
        return next(
            (e for e in self.food_entries if e.id == entry_id and e.patient_id == patient_id),
            None,
        )

    def withdraw_food(
        self, *, patient_id: str, entry_id: int, reason: str, replaced_by: int | None = None
    ) -> DiaryEntry | None:
        found = self.food_entry(patient_id=patient_id, entry_id=entry_id)
        if found is not None:
            self.food_entries.remove(found)
            self.withdrawn.append((found, reason, replaced_by))
        return found

    def supplement_entry(self, *, patient_id: str, entry_id: int) -> SupplementEntry | None:
        return next(
            (e for e in self.supplement_entries if e.id == entry_id and e.patient_id == patient_id),
            None,
        )

    def withdraw_supplement(
        self, *, patient_id: str, entry_id: int, reason: str
    ) -> SupplementEntry | None:
        found = self.supplement_entry(patient_id=patient_id, entry_id=entry_id)
        if found is not None:
            self.supplement_entries.remove(found)
            self.withdrawn_supplements.append((found, reason))
        return found

    def foods(self, patient_id: str, start: date, end: date) -> list[DiaryEntry]:
        return [
            e for e in self.food_entries if e.patient_id == patient_id and start <= e.day <= end
        ]

    def supplements(self, patient_id: str, start: date, end: date) -> list[SupplementEntry]:
        return [
            e
            for e in self.supplement_entries
            if e.patient_id == patient_id and start <= e.day <= end
        ]

    def daily_totals(
        self, patient_id: str, *, start: date, end: date, nutrient: str
    ) -> dict[date, float]:
        sums: dict[date, float] = {}
        entries: list[DiaryEntry | SupplementEntry] = [
            *self.foods(patient_id, start, end),
            *self.supplements(patient_id, start, end),
        ]
        for e in entries:
            sums[e.day] = sums.get(e.day, 0.0) + (e.nutrients.get(nutrient) or 0.0)
        return sums


class FakeExercise(ExerciseLogRepository):
    def __init__(self, patients: FakePatients) -> None:
        self.patients = patients
        self.sessions: list[tuple[int, str, LoggedSession]] = []
        self.withdrawn: list[tuple[LoggedSession, str, int | None]] = []
        self.next_id = 1

    def add(self, *, patient_id: str, logged: LoggedSession) -> int:
        if not self.patients.exists(patient_id):
            raise PatientNotFound(patient_id)
        self.sessions.append((self.next_id, patient_id, logged))
        self.next_id += 1
        return self.next_id - 1

    def between(self, *, patient_id: str, start: date, end: date) -> list[LoggedSession]:
        return [s for s in self.up_to(patient_id=patient_id, end=end) if s.performed_on >= start]

    def entries(
        self, *, patient_id: str, start: date, end: date
    ) -> list[tuple[int, LoggedSession]]:
        mine = [(s.performed_on, i, s) for i, p, s in self.sessions if p == patient_id]
        return [(i, s) for on, i, s in sorted(mine, key=lambda t: t[:2]) if start <= on <= end]

    def withdraw(
        self, *, patient_id: str, session_id: int, reason: str, replaced_by: int | None = None
    ) -> LoggedSession | None:
        for n, (i, p, s) in enumerate(self.sessions):
            if i == session_id and p == patient_id:
                del self.sessions[n]
                self.withdrawn.append((s, reason, replaced_by))
                return s
        return None

    def up_to(self, *, patient_id: str, end: date) -> list[LoggedSession]:
        mine = [(s.performed_on, i, s) for i, p, s in self.sessions if p == patient_id]
        return [s for on, _, s in sorted(mine, key=lambda t: t[:2]) if on <= end]

    def count(self, *, patient_id: str) -> int:
        return sum(1 for _, p, _ in self.sessions if p == patient_id)


class FakeCheckIns(CheckInRepository):
    def __init__(self, patients: FakePatients) -> None:
        self.patients = patients
        self.rows: list[tuple[int, str, CheckIn]] = []

    def add(self, *, patient_id: str, checkin: CheckIn) -> int:
        if not self.patients.exists(patient_id):
            raise PatientNotFound(patient_id)
        self.rows.append((len(self.rows) + 1, patient_id, checkin))
        return len(self.rows)

    def for_patients(
        self, patient_ids: list[str], *, start: date | None = None, end: date
    ) -> dict[str, list[CheckIn]]:
        found: dict[str, list[CheckIn]] = {}
        for _, p, c in sorted(self.rows, key=lambda r: (r[2].answered_on, r[0])):
            if (
                p in patient_ids
                and c.answered_on <= end
                and (start is None or c.answered_on >= start)
            ):
                found.setdefault(p, []).append(c)
        return found

    def count(self, *, patient_id: str) -> int:
        return sum(1 for _, p, _ in self.rows if p == patient_id)


class FakeUnitOfWork(UnitOfWork):
    """Same repositories and the same all-or-nothing rule as UnitOfWork, kept in memory."""

    patients: FakePatients
    accounts: FakeAccounts
    audit: FakeAudit
    diary: FakeDiary
    foods: FakeFoods
    exercise: FakeExercise
    checkins: FakeCheckIns
    throttle: FakeThrottle
    cds: FakeCds

    def __init__(self, foods: list[Food] = ()) -> None:  # type: ignore[assignment]
        self.patients = FakePatients()
        self.accounts = FakeAccounts()
        self.audit = FakeAudit()
        self.throttle = FakeThrottle()
        self.cds = FakeCds()
        self.diary = FakeDiary()
        self.foods = FakeFoods(list(foods))
        self.exercise = FakeExercise(self.patients)
        self.checkins = FakeCheckIns(self.patients)
        self.entered = 0  # how many transactions the services opened
        self.commits = 0
        self._open = False
        self._snapshot: dict[str, Any] = {}

    def _state(self) -> dict[str, Any]:
        return {
            name: copy.deepcopy(vars(getattr(self, name)))
            for name in ("patients", "accounts", "audit", "diary", "foods", "throttle", "cds")
        } | {
            "exercise": {
                key: list(value) if isinstance(value, list) else value
                for key, value in vars(self.exercise).items()
                if key != "patients"
            },
            "checkins": list(self.checkins.rows),
        }

    def __enter__(self) -> FakeUnitOfWork:
        if self._open:
            raise RuntimeError("this unit of work is already open: finish it before the next")
        self._open, self.entered = True, self.entered + 1
        self._snapshot = self._state()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._open = False

    def commit(self) -> None:
        self.commits += 1
        self._snapshot = self._state()

    def rollback(self) -> None:
        for name, state in self._snapshot.items():
            if name == "exercise":
                vars(self.exercise).update({k: copy.copy(v) for k, v in state.items()})
            elif name == "checkins":
                self.checkins.rows = list(state)
            else:
                vars(getattr(self, name)).update(copy.deepcopy(state))
