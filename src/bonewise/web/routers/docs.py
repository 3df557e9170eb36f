"""/docs: the OpenAPI description rendered server-side (no CDN, no script)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bonewise.web import pages

router = APIRouter()


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "tag": (op.get("tags") or ["other"])[0],
                    "params": [p["name"] for p in op.get("parameters", [])],
                    "body": "requestBody" in op,
                    "responses": sorted(op.get("responses", {}).items()),
                }
            )
    return sorted(ops, key=lambda o: (o["tag"], o["path"], o["method"]))


@router.get("/docs", include_in_schema=False)
def docs_page(request: Request) -> Response:
    schema = request.app.openapi()
    return pages.render(
        request, "docs.html", {"ops": _operations(schema), "info": schema.get("info", {})}
    )
