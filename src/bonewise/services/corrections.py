"""What every correction or withdrawal of an entry asks for: a reason, in her words, bounded.

The services that correct diary and exercise entries call `checked_reason`; the audit entry
they write keeps who, when, the reason and the original (`trail_detail`).
"""

from __future__ import annotations

from typing import Any

from bonewise.services.access import InvalidInput, excerpt
from bonewise.store.base import MAX_REASON_CHARS

MIN_REASON_CHARS = 3  # "typo" passes, an empty or one-letter reason does not


def checked_reason(reason: str | None) -> str:
    """The reason, stripped; InvalidInput on the form's "Reason" field when it is missing,
    too short or too long (the message never echoes more than its length)."""
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON_CHARS:
        raise InvalidInput.field(
            "reason", f"say in a few words why (at least {MIN_REASON_CHARS} letters)"
        )
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput.field(
            "reason",
            f"{len(text):,} characters is too long; use at most {MAX_REASON_CHARS}",
        )
    return text


def trail_detail(
    *, reason: str, original: dict[str, Any], corrected: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The audit entry's detail: the reason, the original, and the correction if any."""
    detail: dict[str, Any] = {"reason": reason, "original": original}
    if corrected is not None:
        detail["corrected"] = corrected
    return detail


QUOTED_CHARS = 24


def quoted(value: object) -> str:
    """What she typed, quoted and cut to a short excerpt: an error never echoes a long input."""
    return repr(excerpt(str(value), QUOTED_CHARS))
