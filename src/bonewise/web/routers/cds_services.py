"""CDS Hooks 2.0 endpoints: GET /cds-services (discovery) and POST /cds-services/{id}.

A thin adapter: the request's prefetch is imported with bonewise.fhir.importer, assessed
with the clinical core, and turned into cards by bonewise.fhir.cds_cards. The service reads
only what the EHR sends (prefetch); it never reads bonewise's own store, so a CDS client learns
nothing it did not already hold. Cards link to the patient's assessment page in bonewise
(BONEWISE_PUBLIC_URL, else the request's base URL). patient-view answers only for a patient with
an aromatase inhibitor in the prefetch; if the chart lacks her menopausal status, it says so and
shows only the alerts that hold whatever her status is.

Authentication of CDS clients (the JWT of CDS Hooks 2.0 security) is not implemented here: run
the service behind the EHR's network boundary, or add JWT checking before exposing it.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from bonewise.clinical.assessment import assess
from bonewise.fhir import cds_cards
from bonewise.fhir.importer import FhirImportError, import_fhir

PUBLIC_URL_ENV = "BONEWISE_PUBLIC_URL"

router = APIRouter(tags=["cds-hooks"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "the request's hook does not match the service, or context lacks patientId"
    },
    404: {"description": "no CDS service with this id"},
    412: {
        "description": "the prefetch bonewise needs was not sent (bonewise does not query the FHIR server)"
    },
}


def _without_menopausal_status(
    bundle: dict[str, Any], reason: str, as_of: date, link: str, patient_id: str, key: str
) -> dict[str, Any]:
    """Assess the chart once per possible menopausal status; show only what they agree on."""
    probes = []
    for status in ("premenopausal", "perimenopausal", "postmenopausal"):
        try:
            record = import_fhir(bundle, today=as_of, menopausal_status=status).record
        except FhirImportError as exc:
            return cds_cards.cannot_assess_cards(str(exc), patient_url=link, key=key)
        probes.append((record, assess(record, as_of=as_of)))
    return cds_cards.status_independent_cards(
        probes, reason=reason, patient_url=link, fhir_patient_id=patient_id
    )


def today() -> date:
    """The day cards are computed for (a dependency, so tests can fix it)."""
    return date.today()


def patient_url(request: Request, patient_id: str) -> str:
    base = os.environ.get(PUBLIC_URL_ENV) or str(request.base_url)
    return f"{base.rstrip('/')}/patients/{quote(patient_id, safe='')}/assessment"


@router.get("/cds-services", response_model=cds_cards.Discovery, response_model_exclude_none=True)
def discovery() -> dict[str, Any]:
    """CDS Hooks discovery: the services bonewise offers and their prefetch templates."""
    return cds_cards.discovery()


@router.post(
    "/cds-services/{service_id}",
    response_model=cds_cards.CdsResponse,
    response_model_exclude_none=True,
    responses=_RESPONSES,
)
def call_service(
    body: cds_cards.CdsRequest,
    request: Request,
    service_id: Annotated[str, Path(description="a service id from GET /cds-services")],
    as_of: Annotated[date, Depends(today)],
) -> dict[str, Any]:
    """Run one CDS service on the EHR's prefetched data and return its cards.

    patient-view answers only for a patient with an aromatase-inhibitor medication in the
    prefetch; for anyone else it returns no cards.
    """
    expected = {cds_cards.PATIENT_VIEW: "patient-view", cds_cards.ORDER_SELECT: "order-select"}
    if service_id not in expected:
        raise HTTPException(404, f"no CDS service {service_id!r}; see GET /cds-services")
    if body.hook != expected[service_id]:
        raise HTTPException(
            400,
            f"service {service_id} answers the {expected[service_id]!r} hook, not {body.hook!r}",
        )
    patient_id = body.context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise HTTPException(400, "context.patientId is required")
    if not body.prefetch:
        raise HTTPException(
            412,
            "prefetch missing: send the prefetch templates from GET /cds-services "
            "(bonewise does not query the FHIR server)",
        )
    link = patient_url(request, patient_id)
    resources = cds_cards.prefetch_resources(body.prefetch)
    if service_id == cds_cards.ORDER_SELECT:
        selections = body.context.get("selections")
        return cds_cards.order_select_cards(
            patient_id=patient_id,
            draft_orders=body.context.get("draftOrders"),
            selections=selections if isinstance(selections, list) else None,
            resources=resources,
            as_of=as_of,
            patient_url=link,
        )
    if not cds_cards.on_aromatase_inhibitor(resources):
        return {"cards": []}  # bonewise speaks only for women on an aromatase inhibitor
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    key = f"{patient_id}/{as_of.isoformat()}"
    try:
        imported = import_fhir(bundle, today=as_of, source_name="CDS Hooks prefetch")
    except FhirImportError as exc:
        if exc.missing != "patient.menopausal_status":
            return cds_cards.cannot_assess_cards(str(exc), patient_url=link, key=key)
        return _without_menopausal_status(bundle, str(exc), as_of, link, patient_id, key)
    assessment = assess(imported.record, as_of=as_of)
    return cds_cards.patient_view_cards(
        imported.record, assessment, patient_url=link, fhir_patient_id=patient_id
    )
