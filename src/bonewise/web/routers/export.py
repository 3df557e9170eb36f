"""Her data in her hands: one page and the API export everything she entered and everything
computed from it, as JSON, a FHIR R4 Bundle, or CSV (diary, exercise, check-ins)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bonewise.services import export
from bonewise.web import pages
from bonewise.web.deps import (
    PATIENT_RESPONSES,
    PatientAccess,
    PatientPage,
    patient_page,
    patient_reader,
)
from bonewise.web.patient_view import patient_assessment

router = APIRouter()

_JSON_OR_FHIR: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A download: the bonewise-export JSON document, or a FHIR R4 Bundle",
        "content": {"application/json": {}, "application/fhir+json": {}},
    }
}
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "A download: one CSV table", "content": {"text/csv": {}}}
}

CsvKind = Literal["diary", "exercise", "checkins"]


def _collect(page: PatientPage) -> tuple[export.PatientExport, PatientAccess]:
    with page.open() as (uow, access):
        found = export.collect(
            uow=uow, actor=access.user, patient_id=access.patient_id, today=date.today()
        )
    return found, access


def _download(body: str, *, name: str, media_type: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/patients/{patient_id}/export", include_in_schema=False)
def export_page(request: Request, access: PatientAccess = Depends(patient_reader)) -> Response:
    return pages.render(
        request,
        "export.html",
        {"patient_id": access.patient_id, "csv_kinds": export.CSV_KINDS},
    )


@router.get(
    "/api/v1/patients/{patient_id}/export",
    tags=["export"],
    summary="Everything she entered and everything computed from it: JSON (bonewise-export) or "
    "a FHIR R4 collection Bundle",
    response_class=Response,
    responses={**PATIENT_RESPONSES, **_JSON_OR_FHIR},
)
def api_export(
    fmt: Literal["json", "fhir"] = Query(default="json"),
    page: PatientPage = Depends(patient_page),
) -> Response:
    found, access = _collect(page)
    clinician = access.user.is_clinician
    stem = f"bonewise-{found.record.id}-{found.today.isoformat()}"
    if fmt == "fhir":
        # Her own copy carries her record and logs; the assessment's care-plan resources
        # (recommendations for her team to review) go to her clinicians only.
        bundle = export.as_fhir(found, with_assessment=clinician)
        return _download(
            json.dumps(bundle, indent=2),
            name=f"{stem}.fhir.json",
            media_type="application/fhir+json",
        )
    view = found.assessment.to_json() if clinician else patient_assessment(found.assessment)
    body = export.as_json(found, assessment=view)
    return _download(
        json.dumps(body, indent=2, default=str), name=f"{stem}.json", media_type="application/json"
    )


@router.get(
    "/api/v1/patients/{patient_id}/export/{kind}.csv",
    tags=["export"],
    summary="Her food diary, exercise log or weekly check-ins as CSV (one row per entry)",
    response_class=Response,
    responses={**PATIENT_RESPONSES, **_CSV},
)
def api_export_csv(kind: CsvKind, page: PatientPage = Depends(patient_page)) -> Response:
    found, _ = _collect(page)
    stem = f"bonewise-{found.record.id}-{kind}-{found.today.isoformat()}"
    return _download(export.as_csv(found, kind), name=f"{stem}.csv", media_type="text/csv")
