"""bonewise's own absolute address, for links it hands to other systems (CDS Hooks cards, the
SMART launch's redirect URI, JWT audiences). It comes from BONEWISE_PUBLIC_URL only, never from
a request's Host header, which a caller chooses."""

from __future__ import annotations

import os

PUBLIC_URL_ENV = "BONEWISE_PUBLIC_URL"


def public_url() -> str | None:
    """BONEWISE_PUBLIC_URL without a trailing slash (None when it is not set)."""
    base = os.environ.get(PUBLIC_URL_ENV, "").strip()
    return base.rstrip("/") or None
