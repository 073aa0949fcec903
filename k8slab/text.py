"""Small helpers for what k8slab shows: plain text that prints as text, readable ages."""

from __future__ import annotations

from datetime import datetime, timezone


class Text(str):
    """A string that a notebook shows as plain text (no quotes, real line breaks)."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def age(timestamp, now: datetime | None = None) -> str:
    """`2026-11-24T10:00:00Z` -> `5m`, like kubectl's AGE column."""
    if not timestamp:
        return "<unknown>"
    if isinstance(timestamp, str):
        timestamp = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    seconds = int(((now or datetime.now(timezone.utc)) - timestamp).total_seconds())
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"
