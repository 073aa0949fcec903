"""Reading Kubernetes objects the way kubectl does: a pod's state, readiness, owners, label
selectors, the generated parts of names. Pure functions of dicts."""

from __future__ import annotations

import re

IMAGE_ERRORS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
ERROR_REASONS = IMAGE_ERRORS | {"CrashLoopBackOff", "CreateContainerConfigError",
                                "CreateContainerError", "RunContainerError"}

# The state keys a pod tile can have, in the order the legend lists them.
STATES = ("Pending", "ContainerCreating", "Ready", "NotReady", "Terminating", "ImageError",
          "Completed", "Failed")


def meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def key(obj: dict) -> str:
    """`namespace/name` (or `name` for cluster-scoped objects), as the informer's cache."""
    m = meta(obj)
    return f"{m['namespace']}/{m.get('name', '')}" if m.get("namespace") else m.get("name", "")


def condition(obj: dict, type_: str) -> dict | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return None


def is_ready(obj: dict) -> bool:
    """Ready condition True (pods and nodes alike)."""
    c = condition(obj, "Ready")
    return bool(c) and c.get("status") == "True"


def is_terminating(pod: dict) -> bool:
    return bool(meta(pod).get("deletionTimestamp"))


def pod_state(pod: dict) -> tuple[str, str]:
    """(what kubectl's STATUS column says, the state key that picks the colour)."""
    status = pod.get("status") or {}
    if is_terminating(pod):
        return "Terminating", "Terminating"
    phase = status.get("phase") or "Pending"
    if phase == "Succeeded":
        return "Completed", "Completed"
    if phase == "Failed":
        return (status.get("reason") or "Failed"), "Failed"
    for c in status.get("containerStatuses") or []:
        reason = ((c.get("state") or {}).get("waiting") or {}).get("reason")
        if reason in ERROR_REASONS:
            return reason, "ImageError" if reason in IMAGE_ERRORS else "Failed"
    if phase == "Pending":
        for c in status.get("containerStatuses") or []:
            if ((c.get("state") or {}).get("waiting") or {}).get("reason") == \
                    "ContainerCreating":
                return "ContainerCreating", "ContainerCreating"
        return "Pending", "Pending"
    if phase == "Running":
        return ("Running", "Ready") if is_ready(pod) else ("Running", "NotReady")
    return phase, "Pending"


def serving(pod: dict) -> bool:
    """Ready and not on its way out: what counts as a ready pod."""
    return is_ready(pod) and not is_terminating(pod)


def owned_by(obj: dict, owner: dict) -> bool:
    uid = meta(owner).get("uid")
    return any(r.get("uid") == uid for r in meta(obj).get("ownerReferences") or [])


def owner_kind(obj: dict) -> str:
    refs = meta(obj).get("ownerReferences") or []
    controller = [r for r in refs if r.get("controller")] or refs
    return controller[0].get("kind", "") if controller else ""


def node_name(pod: dict) -> str:
    return (pod.get("spec") or {}).get("nodeName") or ""


# -- names: the stable part and the generated part -------------------------------------------
def split_name(obj: dict) -> tuple[str, str]:
    """(stable prefix, generated suffix) of an object's name: `web-` + `7d8f9c-x2x4q` for a
    Deployment's pod, `pvc-` + a UID for a provisioned volume; ("web-0", "") when stable."""
    m = meta(obj)
    name = m.get("name", "")
    labels = m.get("labels") or {}
    template_hash = labels.get("pod-template-hash")
    generate = m.get("generateName")
    if owner_kind(obj) == "StatefulSet" or "statefulset.kubernetes.io/pod-name" in labels:
        return name, ""  # web-0, web-1: stable names are the point of a StatefulSet
    if generate and name.startswith(generate) and len(name) > len(generate):
        base = generate
        if template_hash and base.endswith(f"{template_hash}-"):
            base = base[: -len(template_hash) - 1]
        return base, name[len(base):]
    if template_hash and name.endswith(f"-{template_hash}"):
        return name[: -len(template_hash)], template_hash
    if owner_kind(obj) == "CronJob":
        found = re.fullmatch(r"(.+-)(\d{6,})", name)
        if found:
            return found.group(1), found.group(2)
    found = re.fullmatch(r"(pvc-)([0-9a-f]{8}-[0-9a-f-]{27})", name)
    if found:
        return found.group(1), found.group(2)
    return name, ""


_RAND = "[bcdfghjklmnpqrstvwxz2456789]"  # the alphabet of generated name suffixes
_GENERATED = re.compile(rf"(.+?-)((?:{_RAND}{{6,10}}-)?{_RAND}{{5}})")


def guess_split(name: str) -> tuple[str, str]:
    """Like split_name for a bare name (e.g. an event's object): a trailing `-x7k2p` or
    `-7d8f9c6b4-x7k2p` made of the letters Kubernetes generates names from."""
    found = _GENERATED.fullmatch(name)
    return (found.group(1), found.group(2)) if found else (name, "")


# -- label selectors -------------------------------------------------------------------------
def matches(labels: dict | None, selector: dict | None) -> bool:
    """A Service's selector (equality only): every key=value is among the labels."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def parse_selector(text: str | None):
    """A label selector string (`app=web,tier in (a,b),!canary`) -> a predicate on labels."""
    if not text:
        return lambda labels: True
    tests = []
    for part in _split(text):
        part = part.strip()
        found = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", part)
        if found:
            name, op = found.group(1), found.group(2)
            values = {v.strip() for v in found.group(3).split(",")}
            if op == "in":
                tests.append(lambda lb, k=name, vs=values: lb.get(k) in vs)
            else:
                tests.append(lambda lb, k=name, vs=values: lb.get(k) not in vs)
        elif "!=" in part:
            name, value = (s.strip() for s in part.split("!=", 1))
            tests.append(lambda lb, k=name, v=value: lb.get(k) != v)
        elif "=" in part:
            name, value = (s.strip() for s in part.replace("==", "=").split("=", 1))
            tests.append(lambda lb, k=name, v=value: lb.get(k) == v)
        elif part.startswith("!"):
            absent = part[1:].strip()
            tests.append(lambda lb, k=absent: k not in lb)
        elif part:
            tests.append(lambda lb, k=part: k in lb)
    return lambda labels: all(t(labels or {}) for t in tests)


def _split(text: str) -> list[str]:
    """Split on the commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts
