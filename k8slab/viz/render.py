"""Shared pieces of the views' pictures: pod states and colours, CSS, small HTML helpers.

Everything here is a pure function of Kubernetes objects (dicts) -> HTML strings.
"""

from __future__ import annotations

import html
import re

from ..text import age

ERROR_REASONS = {"ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff", "InvalidImageName",
                 "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}

# state -> (background, border/text colour)
COLOURS = {
    "Pending": ("#f6f8fa", "#8c959f"),
    "ContainerCreating": ("#ddf4ff", "#0969da"),
    "Running": ("#dafbe1", "#1a7f37"),
    "NotReady": ("#fff8c5", "#9a6700"),
    "Terminating": ("#eaeef2", "#57606a"),
    "Error": ("#ffebe9", "#cf222e"),
    "Completed": ("#f0f0ff", "#6639ba"),
    "Failed": ("#ffebe9", "#a40e26"),
    "Gone": ("#ffffff", "#d0d7de"),
}

CSS = """
<style>
.k8slab-view{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;
 font-size:13px;color:#1f2328;max-width:1000px;line-height:1.35}
.k8slab-view .k8slab-title{font-weight:600;margin:2px 0 6px 0}
.k8slab-view .k8slab-sub{color:#57606a;font-weight:400}
.k8slab-view .k8slab-row{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
.k8slab-view .k8slab-box{border:1px solid #d0d7de;border-radius:6px;padding:6px 8px;
 background:#fff;min-width:150px}
.k8slab-view .k8slab-box h4{margin:0 0 4px 0;font-size:13px}
.k8slab-view .k8slab-tile{display:inline-block;border:2px solid;border-radius:5px;
 padding:3px 6px;margin:2px;font-size:12px;min-width:120px;vertical-align:top}
.k8slab-view .k8slab-tile.k8slab-new{box-shadow:0 0 0 3px #54aeff66}
.k8slab-view .k8slab-tile.k8slab-gone{border-style:dashed;opacity:.55}
.k8slab-view .k8slab-name{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.k8slab-view .k8slab-muted{color:#57606a;font-size:11px}
.k8slab-view .k8slab-bar{height:10px;background:#eaeef2;border-radius:5px;overflow:hidden;
 width:300px;display:inline-block;vertical-align:middle}
.k8slab-view .k8slab-bar>span{display:block;height:100%;background:#2da44e}
.k8slab-view .k8slab-badge{display:inline-block;border-radius:10px;padding:0 7px;
 font-size:11px;font-weight:600;border:1px solid}
.k8slab-view table{border-collapse:collapse}
.k8slab-view td,.k8slab-view th{padding:1px 8px 1px 0;text-align:left;font-size:12px}
.k8slab-view .k8slab-warn{color:#9a6700}
.k8slab-view .k8slab-bad{color:#cf222e}
.k8slab-view .k8slab-ok{color:#1a7f37}
</style>
"""


def esc(value) -> str:
    return html.escape(str(value))


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def pod_state(pod: dict) -> tuple[str, str]:
    """(what to print, colour key) — as `kubectl get pods` STATUS would say."""
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating", "Terminating"
    phase = status.get("phase", "Pending")
    if phase == "Succeeded":
        return "Completed", "Completed"
    if phase == "Failed":
        return "Failed", "Failed"
    for c in status.get("containerStatuses") or []:
        waiting = (c.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in ERROR_REASONS:
            return waiting["reason"], "Error"
    if phase == "Pending":
        if not (pod.get("spec") or {}).get("nodeName"):
            return "Pending", "Pending"
        reasons = {((c.get("state") or {}).get("waiting") or {}).get("reason")
                   for c in status.get("containerStatuses") or []}
        if "ContainerCreating" in reasons or not status.get("containerStatuses"):
            return "ContainerCreating", "ContainerCreating"
        return "Pending", "Pending"
    if phase == "Running":
        return ("Running", "Running") if is_ready(pod) else ("Running, not ready", "NotReady")
    return phase, "Pending"


def tile(pod: dict, extra_class: str = "", note: str = "") -> str:
    """One pod as a coloured tile: name, state, age."""
    meta = pod.get("metadata") or {}
    label, key = pod_state(pod)
    if "k8slab-gone" in extra_class:
        label, key = "gone", "Gone"
    bg, fg = COLOURS[key]
    created = meta.get("creationTimestamp")
    return (f"<div class='k8slab-tile k8slab-pod {extra_class}' data-state='{esc(key)}' "
            f"style='background:{bg};border-color:{fg}'>"
            f"<div class='k8slab-name'>{esc(meta.get('name', '?'))}</div>"
            f"<div style='color:{fg};font-weight:600'>{esc(label)}</div>"
            f"<div class='k8slab-muted'><span class='k8slab-age'>{esc(age(created))}</span>"
            f"{(' · ' + note) if note else ''}</div></div>")


def badge(text: str, good: bool | None) -> str:
    colour = "#1a7f37" if good else "#cf222e" if good is False else "#9a6700"
    return (f"<span class='k8slab-badge' style='color:{colour};border-color:{colour}'>"
            f"{esc(text)}</span>")


def frame(kind: str, title: str, subtitle: str, body: str, banner: str = "") -> str:
    """The outer box every view draws in."""
    warn = f"<div class='k8slab-warn'>{esc(banner)}</div>" if banner else ""
    return (f"{CSS}<div class='k8slab-view k8slab-{kind}'>"
            f"<div class='k8slab-title'>{esc(title)} "
            f"<span class='k8slab-sub'>{esc(subtitle)}</span></div>{warn}{body}</div>")


def legend() -> str:
    items = [("Pending", "Pending"), ("ContainerCreating", "ContainerCreating"),
             ("Ready", "Running"), ("not ready", "NotReady"), ("Terminating", "Terminating"),
             ("image error", "Error"), ("Completed", "Completed")]
    return "<div class='k8slab-muted'>" + " ".join(
        f"<span style='border-left:10px solid {COLOURS[k][1]};padding-left:4px;"
        f"margin-right:8px'>{esc(t)}</span>" for t, k in items) + "</div>"


def matches(labels: dict | None, selector: dict | None) -> bool:
    """A Service-style (equality) selector: every key=value present in labels."""
    if not selector:
        return False
    return all((labels or {}).get(k) == v for k, v in selector.items())


def parse_selector(text: str | None):
    """A label selector string -> a predicate on a labels dict (equality and set-based)."""
    if not text:
        return lambda labels: True
    tests = []
    for part in _split(text):
        part = part.strip()
        found = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", part)
        if found:
            key, op = found.group(1), found.group(2)
            values = {v.strip() for v in found.group(3).split(",")}
            if op == "in":
                tests.append(lambda lb, k=key, vs=values: lb.get(k) in vs)
            else:
                tests.append(lambda lb, k=key, vs=values: lb.get(k) not in vs)
        elif "!=" in part:
            key, value = (s.strip() for s in part.split("!=", 1))
            tests.append(lambda lb, k=key, v=value: lb.get(k) != v)
        elif "=" in part:
            key, value = (s.strip() for s in part.replace("==", "=").split("=", 1))
            tests.append(lambda lb, k=key, v=value: lb.get(k) == v)
        elif part.startswith("!"):
            absent = part[1:].strip()
            tests.append(lambda lb, k=absent: k not in lb)
        elif part:
            tests.append(lambda lb, k=part: k in lb)
    return lambda labels: all(t(labels or {}) for t in tests)


def _split(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts
