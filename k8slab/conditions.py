"""What `wait_for(..., condition)` means for each kind, and how to describe the state seen."""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import K8sLabError

WORKLOADS = {"Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"}
PHASES = {"pending", "running", "succeeded", "failed", "bound", "available", "released",
          "active", "terminating"}

Predicate = Callable[[dict | None], bool]
HINT = ("use a condition name (Ready, Available, Complete), 'replicas=3', 'phase=Running', "
        "'{.status.x}=value' or 'deleted'")


def _cond(obj: dict, type_: str) -> str | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type", "").lower() == type_.lower():
            return c.get("status")
    return None


def _path(obj: dict, path: str):
    value = obj
    for part in path.strip("{}").lstrip(".").split("."):
        if not part:
            continue
        if isinstance(value, list):
            value = value[int(part)] if part.isdigit() and int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def desired(obj: dict) -> int:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if obj.get("kind") == "DaemonSet":
        return status.get("desiredNumberScheduled", 0)
    return spec.get("replicas", 1)


def ready_count(obj: dict) -> int:
    status = obj.get("status") or {}
    if obj.get("kind") == "DaemonSet":
        return status.get("numberReady", 0)
    return status.get("readyReplicas", 0) or 0


def settled(obj: dict) -> bool:
    """The controller has seen the latest spec."""
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    return status.get("observedGeneration", 0) >= meta.get("generation", 0)


def predicate(kind: str, condition: str) -> Predicate:
    """A test of one object (None = absent) for a condition such as "Ready" or "replicas=3"."""
    if not isinstance(condition, str):
        raise K8sLabError(f"a condition is text such as 'Ready' or 'replicas=3', "
                          f"not {condition!r}", hint=HINT)
    text = condition.strip()
    low = text.lower()
    if low in ("deleted", "delete", "gone"):
        return lambda obj: obj is None
    if low.startswith("condition="):
        text, low = text.split("=", 1)[1], low.split("=", 1)[1]
    match = re.fullmatch(r"replicas\s*=\s*(\d+)", low)
    if match:
        n = int(match.group(1))
        return lambda obj: obj is not None and settled(obj) and desired(obj) == n and \
            (obj.get("status") or {}).get("replicas", 0) == n and ready_count(obj) == n
    if "=" in text:
        path, _, want = text.partition("=")
        path = {"phase": ".status.phase"}.get(path.strip().lower(), path.strip())
        if path.startswith("jsonpath"):
            path = path.split("jsonpath", 1)[1].strip("=' ")
        return lambda obj: obj is not None and str(_path(obj, path)) == want.strip()
    if kind in WORKLOADS and low in ("ready", "available"):
        def workload_ready(obj):
            if obj is None or not settled(obj):
                return False
            status = obj.get("status") or {}
            want = desired(obj)
            if kind == "Deployment" and low == "available":
                return _cond(obj, "Available") == "True" and \
                    status.get("availableReplicas", 0) >= want
            return ready_count(obj) >= want and status.get("replicas", want) == want
        return workload_ready
    if low in PHASES:
        def phase(obj):
            if obj is None:
                return False
            value = (obj.get("status") or {}).get("phase", "")
            return value.lower() == low or _cond(obj, text) == "True"
        return phase
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", text):
        raise K8sLabError(f"cannot understand the condition {condition!r}", hint=HINT)
    return lambda obj: obj is not None and _cond(obj, text) == "True"


def state(obj: dict | None) -> str:
    """A one-line summary of an object's state, for timeouts and progress."""
    if obj is None:
        return "absent"
    kind, status = obj.get("kind"), obj.get("status") or {}
    parts = []
    if kind in WORKLOADS:
        parts.append(f"{desired(obj)} desired, {status.get('updatedReplicas', 0)} updated, "
                     f"{ready_count(obj)} ready, {status.get('availableReplicas', 0)} available")
    if kind == "Pod":
        parts.append(f"phase {status.get('phase', '?')}")
        for c in status.get("containerStatuses") or []:
            st = c.get("state") or {}
            name = next(iter(st), "?")
            reason = (st.get(name) or {}).get("reason")
            parts.append(f"{c['name']}: {name}" + (f" ({reason})" if reason else ""))
    elif status.get("phase"):
        parts.append(f"phase {status['phase']}")
    for c in status.get("conditions") or []:
        reason = f" ({c['reason']})" if c.get("reason") else ""
        parts.append(f"{c.get('type')}={c.get('status')}{reason}")
    return "; ".join(parts) or "no status yet"
