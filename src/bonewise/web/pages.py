"""Server-rendered pages: the Jinja2 environment and the context every page gets."""

from __future__ import annotations

import functools
import re
import secrets
from datetime import date, datetime
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from bonewise.render.banner import PatientBanner
from bonewise.services import patients as services
from bonewise.store.accounts import User
from bonewise.store.patients import PatientNotFound
from bonewise.store.uow import UnitOfWork
from bonewise.web import forms
from bonewise.web.security import (
    Forbidden,
    Principal,
    csrf_token_for,
    factory_of,
    optional_principal,
)

templates = Jinja2Templates(directory=str(resources.files("bonewise.web") / "templates"))
# The templates ship with the package and do not change while it runs: no stat() of every
# template file on every page (Jinja's auto_reload), and `compile_templates` once per worker.
templates.env.auto_reload = False


def compile_templates() -> int:
    """Compile every page template now (a worker's first pages then wait for no compiler);
    how many there are."""
    names = templates.env.list_templates(extensions=["html"])
    for name in names:
        templates.env.get_template(name)
    return len(names)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "unknown"
    return f"{value:,.{digits}f}"


templates.env.filters["when"] = _when
templates.env.filters["number"] = _number
templates.env.globals["lab_choices"] = forms.LAB_CHOICES
templates.env.globals["lab_labels"] = forms.LAB_LABELS


def patient_banner(
    request: Request, principal: Principal | None, patient_id: object
) -> PatientBanner | None:
    """The banner for a clinician's page about one patient (None on her own pages: she knows
    whose record she is in, and on pages about no patient)."""
    if principal is None or not principal.user.is_clinician or not isinstance(patient_id, str):
        return None
    try:
        return services.patient_banner(
            uow=UnitOfWork(factory_of(request)),
            actor=principal.user,
            patient_id=patient_id,
            as_of=date.today(),
        )
    except (PatientNotFound, Forbidden):
        return None


def banner_before_block(uow: UnitOfWork, principal: Principal, patient_id: str) -> dict[str, Any]:
    """The banner of a clinician's page about one patient, read in the page's held unit of
    work before its service's block (which then continues the same transaction), as the
    context `render` takes (`{"banner": None}` on her own pages: nothing to read)."""
    if not principal.user.is_clinician:
        return {"banner": None}
    try:
        return {
            "banner": services.banner_in(
                uow=uow, actor=principal.user, patient_id=patient_id, as_of=date.today()
            )
        }
    except (PatientNotFound, Forbidden):
        return {}  # the page's own service answers 404 or 403


def page_body(name: str, context: dict[str, Any]) -> Markup:
    """A page's content (a `_..._body.html` partial) as HTML, for the page to keep while what
    it shows stays the same; the layout around it (who is signed in, the CSRF token, the
    banner) is rendered on every request by `render`."""
    return Markup(templates.env.get_template(name).render(context))


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    principal = optional_principal(request)
    ctx: dict[str, Any] = {
        "principal": principal,
        "user": principal.user if principal else None,
        "csrf_token": csrf_token_for(request),
    }
    ctx.update(context or {})
    if "banner" not in ctx:
        # Any page under /patients/{patient_id} is about that patient, whatever else it is given.
        patient_id = ctx.get("patient_id") or request.path_params.get("patient_id")
        ctx["banner"] = patient_banner(request, principal, patient_id)
        if ctx["banner"] is not None:
            ctx.setdefault("patient_id", ctx["banner"].record_number)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


# Where the per-request parts go in a kept layout: random, so no page content can contain them.
_CSRF_SLOT = f"bonewise-csrf-slot-{secrets.token_hex(8)}"
_BODY_SLOT = f"bonewise-body-slot-{secrets.token_hex(8)}"
_SLOTS = re.compile(f"({_CSRF_SLOT}|{_BODY_SLOT})")


@functools.lru_cache(maxsize=1024)
def _layout(
    name: str, user: User, patient_id: str | None, banner: PatientBanner | None
) -> tuple[str, ...]:
    """Page `name` rendered around empty slots for the CSRF token and the body: the text
    between slots, then the slots in order. Everything the layout reads is in the key."""
    html = templates.env.get_template(name).render(
        {
            "user": user,
            "csrf_token": _CSRF_SLOT,
            "patient_id": patient_id,
            "banner": banner,
            "body": Markup(_BODY_SLOT),
        }
    )
    return tuple(_SLOTS.split(html))


def render_kept(
    name: str,
    *,
    principal: Principal,
    body: Markup,
    patient_id: str | None = None,
    banner: PatientBanner | None = None,
) -> HTMLResponse:
    """A signed-in page whose content is `body` (kept while her data stays the same): the
    layout around it (navigation for this user, the patient's subnav, the banner) is rendered
    once and kept; each request fills in only the session's CSRF token and the body. The page
    template may read only `user`, `csrf_token`, `patient_id`, `banner` and `body`."""
    parts = _layout(name, principal.user, patient_id, banner)
    slots = {_CSRF_SLOT: str(escape(principal.csrf_token)), _BODY_SLOT: str(body)}
    html = "".join(slots.get(part, part) if i % 2 else part for i, part in enumerate(parts))
    return HTMLResponse(html)
