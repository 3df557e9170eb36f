"""Reading the input: a Bundle, one resource, a list or NDJSON -> validated entries.

Each resource is validated on its own with the fhir.resources R4B models: a malformed resource
is rejected with the path of the error and the rest is read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from bonewise.fhir.report import FhirImportError, ImportReport

# Resource types whose content bonewise reads. Others are counted and listed in the report.
READ_TYPES = frozenset(
    {
        "Patient",
        "Observation",
        "Condition",
        "Procedure",
        "MedicationStatement",
        "MedicationRequest",
        "MedicationAdministration",
    }
)
# Read only to resolve references (medication codes, scanner make and model, facility).
SUPPORT_TYPES = frozenset({"Medication", "Device", "Organization"})

# The identifier system bonewise writes for its own patient ids (FHIR ids allow fewer characters).
PATIENT_ID_SYSTEM = "urn:bonewise:patient-id"


@dataclass
class Entry:
    label: str
    full_url: str | None
    raw: dict[str, Any]
    resource: Any

    @property
    def type(self) -> str:
        return str(self.raw.get("resourceType"))

    @property
    def ref(self) -> str:
        rid = self.raw.get("id")
        return f"{self.type}/{rid}" if rid else (self.full_url or f"{self.type} {self.label}")


def _implied_full_url(raw: dict[str, Any]) -> str | None:
    """`urn:uuid:<id>` for a resource whose id is a UUID.

    A Bundle names its entries by fullUrl and references them as `urn:uuid:...`; the same
    resources sent as a list or as NDJSON have lost their fullUrl. When a resource's id is a
    UUID it is, by the usual convention (and in bonewise's own export), the uuid of that
    fullUrl, so references to it still resolve.
    """
    rid = raw.get("id")
    if not isinstance(rid, str):
        return None
    try:
        return f"urn:uuid:{uuid.UUID(rid)}" if len(rid) == 36 else None
    except ValueError:
        return None


def looks_like_fhir(data: Any) -> bool:
    """True for parsed JSON that is a FHIR resource (a Bundle or any resource type)."""
    return isinstance(data, dict) and isinstance(data.get("resourceType"), str)


def _error_path(prefix: str, loc: tuple[Any, ...]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate_resource(raw: Any, label: str, prefix: str, report: ImportReport) -> Entry | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        report.add("rejected", label, "not a FHIR resource (no resourceType)", path=prefix)
        return None
    rtype = raw["resourceType"]
    report.resources_read += 1
    report.resources_by_type[rtype] = report.resources_by_type.get(rtype, 0) + 1
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError, AttributeError):
        report.add("rejected", label, f"unknown FHIR R4 resource type {rtype!r}", path=prefix)
        return None
    if rtype not in READ_TYPES | SUPPORT_TYPES:
        return Entry(
            label, _implied_full_url(raw), raw, None
        )  # counted; reported once per type at the end
    try:
        resource = model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors()[:5]:
            report.add(
                "rejected",
                f"{rtype}/{raw.get('id', '?')}",
                f"malformed {rtype}: {err['msg']} (value {err.get('input')!r})",
                path=_error_path(prefix, tuple(err["loc"])),
            )
        return None
    return Entry(label, _implied_full_url(raw), raw, resource)


def read_entries(data: Any, report: ImportReport) -> list[Entry]:
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        text = data.strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return _read_ndjson(text, report)
    if isinstance(data, list):
        report.format = report.format or "list"
        entries = []
        for i, raw in enumerate(data):
            entry = validate_resource(raw, f"item {i}", f"[{i}]", report)
            if entry:
                entries.append(entry)
        return entries
    if not looks_like_fhir(data):
        raise FhirImportError(
            "input is not FHIR: expected a Bundle, a resource or NDJSON (no resourceType found)",
            report=report,
        )
    if data["resourceType"] != "Bundle":
        report.format = "resource"
        entry = validate_resource(data, "resource", data["resourceType"], report)
        return [entry] if entry else []
    report.format = f"Bundle ({data.get('type', 'no type')})"
    entries = []
    raw_entries = data.get("entry") or []
    if not isinstance(raw_entries, list):
        raise FhirImportError("Bundle.entry is not a list", report=report)
    for i, item in enumerate(raw_entries):
        label = f"entry[{i}]"
        if not isinstance(item, dict) or "resource" not in item:
            report.add("rejected", label, "bundle entry without a resource", path=f"Bundle.{label}")
            continue
        entry = validate_resource(item["resource"], label, f"Bundle.{label}.resource", report)
        if entry:
            entry.full_url = item.get("fullUrl") or entry.full_url
            entries.append(entry)
    return entries


def _read_ndjson(text: str, report: ImportReport) -> list[Entry]:
    report.format = "NDJSON"
    entries = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            report.add("rejected", f"line {n}", f"not JSON: {exc.msg}", path=f"line {n}")
            continue
        if isinstance(raw, dict) and raw.get("resourceType") == "Bundle":
            entries.extend(read_entries(raw, report))
            report.format = "NDJSON"
            continue
        entry = validate_resource(raw, f"line {n}", f"line {n}", report)
        if entry:
            entries.append(entry)
    if not entries and not report.issues:
        raise FhirImportError("input is empty: no FHIR resources found", report=report)
    return entries
