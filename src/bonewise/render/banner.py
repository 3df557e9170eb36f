"""The patient banner (pure): who a page or a report is about, shown the same way everywhere.

Wrong-patient errors are prevented by showing, in one fixed place, the name, date of birth, age
and record number of the patient whose data is on screen or on paper, and by repeating the name
on every form that writes to her record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bonewise.clinical.models import PatientRecord

NAME_NOT_ON_FILE = "Name not on file"


@dataclass(frozen=True, slots=True)
class PatientBanner:
    name: str | None
    birth_date: date
    age: int
    record_number: str

    @property
    def display_name(self) -> str:
        return self.name or NAME_NOT_ON_FILE

    @property
    def one_line(self) -> str:
        """e.g. 'Jane Doe · born 1963-04-02 (63) · record p-6485cea42c5f' (PDF page footers)."""
        return (
            f"{self.display_name} · born {self.birth_date.isoformat()} ({self.age}) · "
            f"record {self.record_number}"
        )


def patient_banner_for(record: PatientRecord, *, name: str | None, as_of: date) -> PatientBanner:
    """The banner for `record` on `as_of`; `name` is the account holder's (None if unknown)."""
    return PatientBanner(
        name=(name or "").strip() or None,
        birth_date=record.patient.birth_date,
        age=record.patient.age_on(as_of),
        record_number=record.id,
    )
