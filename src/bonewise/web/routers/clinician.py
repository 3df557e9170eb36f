"""The clinician panel: linked patients sorted by urgency; opening one shows her dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from bonewise.services import assessment
from bonewise.services.views import kept_under
from bonewise.web import pages
from bonewise.web.deps import AUTH_RESPONSES, SignedInPage, clinician_page

router = APIRouter()


@router.get("/clinician", include_in_schema=False)
def panel_page(page: SignedInPage = Depends(clinician_page)) -> Response:
    today = date.today()
    with page.open() as (uow, principal):
        rows, versions = assessment.panel_with_versions(uow=uow, actor=principal.user, as_of=today)
    # Her rows as they were computed: the same patients at the same versions, the same day.
    body = kept_under(
        uow,
        ("panel page", principal.user.id, versions, today),
        lambda: pages.page_body("_panel_body.html", {"rows": rows}),
    )
    return pages.render_kept("panel.html", principal=principal, body=body)


@router.get(
    "/api/v1/clinician/panel",
    tags=["clinician"],
    summary="My linked patients, most urgent first (clinician accounts only)",
    responses=AUTH_RESPONSES,
)
def api_panel(page: SignedInPage = Depends(clinician_page)) -> list[dict[str, Any]]:
    with page.open() as (uow, principal):
        rows = assessment.clinician_panel(uow=uow, actor=principal.user, as_of=date.today())
    return [
        {
            "patient_id": r.patient_id,
            "name": r.name,
            "age": r.age,
            "agent": r.agent,
            "who_category": r.who_category,
            "lowest_t_score": r.lowest_t,
            "alerts": [{"id": i, "severity": s, "text": t} for i, s, t in r.alerts],
            "therapy_gap": r.therapy_gap,
            "bone_therapy": r.bone_therapy,
            "bone_therapy_words": r.bone_therapy_words,
            "dxa_overdue": r.dxa_overdue,
            "next_dxa_due": r.next_dxa_due.isoformat() if r.next_dxa_due else None,
            "automation_stopped": r.automation_stopped,
            "reasons": r.reasons,
            "checkin_flags": [f.as_dict() for f in r.checkin_flags],
        }
        for r in rows
    ]
