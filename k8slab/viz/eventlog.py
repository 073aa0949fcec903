"""EventLog: the namespace's most recent events, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from . import render as r
from .base import View
from .state import State
from .status import meta

WIDTHS = (7, 8, 18, 25, 42)  # % of the width: age, type, reason, object, message


def event_time(event: dict) -> str:
    series = event.get("series") or {}
    return (event.get("lastTimestamp") or series.get("lastObservedTime")
            or event.get("eventTime") or meta(event).get("creationTimestamp") or "")


def _order(event: dict) -> tuple[str, int]:
    try:
        version = int(meta(event).get("resourceVersion") or 0)
    except ValueError:
        version = 0
    return event_time(event), version


@dataclass(frozen=True)
class EventLogState(State):
    """The events of a namespace."""

    limit: int = 15

    def events(self) -> list[dict]:
        """Every event seen, newest first."""
        return sorted(self.items("event"), key=_order, reverse=True)

    def seen(self, reason: str) -> bool:
        """Whether an event with this reason (e.g. "Killing", "BackOff") was seen."""
        return any(e.get("reason") == reason for e in self.items("event"))

    def measures(self) -> dict[str, int | bool]:
        events = self.items("event")
        return {"events": len(events),
                "warnings": sum(e.get("type") == "Warning" for e in events)}

    def summary(self) -> str:
        m = self.measures()
        return f"{m['events']} event(s) in {self.namespace}, {m['warnings']} warning(s)"


def _cells(parts: list[str], style: str = "", attrs: str = "") -> str:
    """One line of columns (inline blocks: sanitizers drop grid styles)."""
    cells = "".join(f'<span style="display:inline-block;vertical-align:top;width:{w}%;'
                    f"overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
                    f'padding-right:0.5%;box-sizing:border-box">{p}</span>'
                    for w, p in zip(WIDTHS, parts, strict=True))
    return f'<div {attrs} style="white-space:nowrap;{style}">{cells}</div>'


def _row(event: dict, state: EventLogState) -> str:
    involved = event.get("involvedObject") or event.get("regarding") or {}
    warning = event.get("type") == "Warning"
    count = event.get("count") or (event.get("series") or {}).get("count") or 1
    message = (event.get("message") or event.get("note") or "").strip()
    colour = "#cf222e" if warning else "#57606a"
    parts = [r.when(event_time(event), state.now),
             f'<span style="color:{colour}">{r.esc(event.get("type", ""))}</span>',
             f'<b>{r.esc(event.get("reason", ""))}</b>{" ×" + r.esc(count) if count > 1 else ""}',
             f'{r.esc(involved.get("kind", "").lower())}/{r.bare_name(involved.get("name", ""))}',
             f'<span class="k8slab-message" title="{r.esc(message)}">{r.esc(message)}</span>']
    return _cells(parts, "border-top:1px solid #eaeef2;padding:1px 0",
                  f'class="k8slab-event" data-type="{r.esc(event.get("type", ""))}"')


def render(state: EventLogState) -> str:
    """The newest `limit` events as rows: age, type, reason (×count), object, message."""
    events = state.events()[: state.limit]
    head = _cells(["age", "type", "reason", "object", "message"],
                  "color:#57606a;font-size:11px")
    body = head + "".join(_row(e, state) for e in events) if events else \
        r.muted("no events yet")
    more = len(state.items("event")) - len(events)
    foot = r.muted(f"and {more} older") if more > 0 else ""
    return r.frame("eventlog", "Events", state.summary(), body + foot, state.banner)


class EventLog(View):
    """The namespace's most recent events, newest first, as they happen.

    Conditions for `until`: "events>=N", "warnings>=N"; or a function of an
    `EventLogState`, e.g. `lambda s: s.seen("BackOff")`.
    """

    state_class = EventLogState
    render = staticmethod(render)

    def __init__(self, lab, namespace: str | None = None, limit: int = 15, **options):
        self.limit = limit
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("event", self.namespace)]

    def params(self):
        return {"limit": self.limit}

    def seen(self, reason: str) -> bool:
        return self.state().seen(reason)
