"""Report downloads: the plain-language patient report and the clinician summary (PDF/HTML)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bonewise.services import reports
from bonewise.web.deps import PATIENT_RESPONSES, PatientAccess, patient_reader, uow_of

router = APIRouter()

MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


@router.get(
    "/api/v1/patients/{patient_id}/report",
    tags=["reports"],
    summary="Download her report: audience=patient (any reader) or clinician (clinicians only)",
    response_class=Response,
    responses={
        **PATIENT_RESPONSES,
        200: {
            "description": "the report",
            "content": {"application/pdf": {}, "text/html": {}},
        },
    },
)
def report_download(
    request: Request,
    access: PatientAccess = Depends(patient_reader),
    audience: Literal["patient", "clinician"] = Query(default="patient"),
    fmt: Literal["pdf", "html"] = Query(default="pdf"),
    page_size: Literal["a4", "letter"] = Query(default="a4"),
) -> Response:
    body = reports.report(
        uow=uow_of(request),
        actor=access.user,
        patient_id=access.patient_id,
        audience=audience,
        fmt=fmt,
        page_size=page_size,
        today=date.today(),
    )
    name = f"bonewise-{audience}-report-{date.today().isoformat()}.{fmt}"
    disposition = "attachment" if fmt == "pdf" else "inline"
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )
