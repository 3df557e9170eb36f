"""Web adapter: the FastAPI app for patients and clinicians (pages and JSON API)."""

from __future__ import annotations

from bonewise.web.app import create_app

__all__ = ["create_app"]
