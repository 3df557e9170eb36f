"""Server-rendered pages: the Jinja2 environment and the context every page gets."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bonewise.web.security import csrf_token_for, optional_principal

templates = Jinja2Templates(directory=str(resources.files("bonewise.web") / "templates"))


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
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
