"""Read a patient file from disk into a validated PatientRecord.

The native format is the JSON that `bonewise assess --schema` documents. Files are told apart by
content, not by name.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from bonewise.clinical.models import PatientRecord


class PatientFileError(ValueError):
    """The file could not be read as a patient record; the message says where and why."""


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PatientFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        resources = _fhir_ndjson(text)
        if resources is not None:
            return resources
        raise PatientFileError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc


def _fhir_ndjson(text: str) -> str | None:
    """The text itself when it is FHIR NDJSON (its first line is a FHIR resource), else None.

    The FHIR importer reads it line by line and reports a malformed line instead of failing.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return text if _is_fhir(json.loads(first)) else None
    except json.JSONDecodeError:
        return None


def _is_fhir(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("resourceType"), str)


def parse_patient_data(data: Any, *, today: date) -> PatientRecord:
    """A native patient record (dict) into a PatientRecord; raises pydantic.ValidationError.

    A FHIR R4 Bundle or resource (told apart by its "resourceType"), or FHIR NDJSON text, goes
    through the FHIR importer; if it cannot become a record, PatientFileError says why.
    """
    ndjson = isinstance(data, str)  # read_json gives FHIR NDJSON as its text
    if _is_fhir(data) or ndjson:
        from bonewise.fhir.importer import FhirImportError, import_fhir

        kind = "NDJSON" if ndjson else data["resourceType"]
        try:
            return import_fhir(data, today=today).record
        except FhirImportError as exc:
            raise PatientFileError(f"FHIR {kind}: {exc}") from exc
    return PatientRecord.parse(data, today=today)


def load_patient_file(path: Path, *, today: date) -> PatientRecord:
    """A patient file (native JSON) as a validated record; no date in it may be after `today`."""
    return parse_patient_data(read_json(path), today=today)
