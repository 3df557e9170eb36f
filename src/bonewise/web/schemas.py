"""JSON API request and response models (the OpenAPI schema is built from these)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bonewise.clinical.calendar import EARLIEST_DAY
from bonewise.clinical.models import CancerTherapy, Patient, RiskFactors

LATEST_DAY = dt.date(2199, 12, 31)
# A day in an API body: no year 0001 and no year 9999 (the services also refuse future days).
PlausibleDay = Annotated[dt.date, Field(ge=EARLIEST_DAY, le=LATEST_DAY)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Credentials(_In):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class SignUp(_In):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=1024)


class PasswordChange(_In):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Literal["patient", "clinician"]
    patient_id: str | None


class SessionOut(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'")
    csrf_token: str = Field(description="send as X-CSRF-Token with cookie-authenticated writes")
    expires_at: datetime
    user: UserOut


class ShareIn(_In):
    clinician_email: str = Field(min_length=3, max_length=254)


class ProfileIn(_In):
    """Any of the three sections; a section given replaces the stored one."""

    patient: Patient | None = None
    therapy: CancerTherapy | None = None
    risk_factors: RiskFactors | None = None

    def sections(self) -> dict[str, Any]:
        return {
            name: getattr(self, name).model_dump(mode="json")
            for name in ("patient", "therapy", "risk_factors")
            if getattr(self, name) is not None
        }


class DoseIn(_In):
    date: PlausibleDay = Field(description="the day the dose was given (not in the future)")


class CourseEndIn(_In):
    end_date: PlausibleDay = Field(
        description="the day the course ended (not before its last date)"
    )


class AuditEntryOut(BaseModel):
    at: datetime
    actor_email: str
    actor_role: str
    action: str
    what: str


class Message(BaseModel):
    detail: str


# --- reminders, password reset, deleting an account (the reminders feature) -----------------
class ReminderOut(BaseModel):
    kind: Literal["dxa", "denosumab", "zoledronic-acid", "vitamin-d", "check-in"]
    due: dt.date
    title: str
    text: str
    overdue: bool
    weekly: bool
    source: str = Field(description="which answer of the assessment the date is read from")


class ResetRequestIn(_In):
    email: str = Field(min_length=3, max_length=254)


class ResetConfirmIn(_In):
    token: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=1024)


class CalendarOut(BaseModel):
    url: str = Field(description="her private feed URL, shown only now (only its digest is kept)")


class DeleteAccountIn(_In):
    password: str = Field(min_length=1, max_length=1024)
    confirmation: str = Field(
        min_length=1, max_length=100, description="the words 'delete my account'"
    )


class AccountDeletedOut(BaseModel):
    pseudonym: str = Field(description="the id her audit entries now carry")
    removed: dict[str, int] = Field(description="rows deleted, per table")
    audit_entries_kept: int
    what_remains: str
