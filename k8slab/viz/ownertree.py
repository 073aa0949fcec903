"""OwnerTree: who owns whom. Deployment -> ReplicaSets -> Pods; StatefulSet -> Pods -> PVCs ->
PVs; Job -> Pods; CronJob -> Jobs -> Pods; DaemonSet -> Pods per node; ReplicaSet -> Pods."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import K8sLabError
from . import render as r
from .base import View
from .state import State
from .status import condition, meta, node_name, owned_by, serving

# root kind -> the kinds (as watched) below it
CHILDREN = {"Deployment": ["replicaset", "pod"], "ReplicaSet": ["pod"],
            "StatefulSet": ["pod", "persistentvolumeclaim", "persistentvolume"],
            "Job": ["pod"], "CronJob": ["job", "pod"], "DaemonSet": ["pod"]}
MIDDLE = {"Deployment": "replicaset", "CronJob": "job"}  # the level between root and pods


@dataclass(frozen=True)
class OwnerTreeState(State):
    """The root object and everything it owns, through ownerReferences."""

    root_kind: str = "Deployment"
    root_name: str = ""

    def root(self) -> dict | None:
        return self.get(self.root_kind.lower(), self.root_name)

    def owned(self, kind: str, owner: dict) -> list[dict]:
        return [o for o in self.items(kind) if owned_by(o, owner)]

    def middles(self) -> list[dict]:
        """ReplicaSets of a Deployment, Jobs of a CronJob (newest first)."""
        root, middle = self.root(), MIDDLE.get(self.root_kind)
        if root is None or middle is None:
            return []
        return sorted(self.owned(middle, root),
                      key=lambda o: meta(o).get("creationTimestamp") or "", reverse=True)

    def pods(self) -> list[dict]:
        """Every pod under the root."""
        root = self.root()
        if root is None:
            return []
        if self.root_kind in MIDDLE:
            return [p for m in self.middles() for p in self.owned("pod", m)]
        pods = self.owned("pod", root)
        if self.root_kind == "StatefulSet":
            pods.sort(key=lambda p: _ordinal(meta(p).get("name", "")))
        return pods

    def claims(self, pod: dict) -> list[dict]:
        """The PersistentVolumeClaims a pod mounts."""
        names = [v["persistentVolumeClaim"].get("claimName")
                 for v in (pod.get("spec") or {}).get("volumes") or []
                 if v.get("persistentVolumeClaim")]
        return [c for n in names if (c := self.get("persistentvolumeclaim", n)) is not None]

    def all_claims(self) -> list[dict]:
        """A StatefulSet's claims: `<template>-<statefulset>-<ordinal>`, with or without a
        pod (scaling down keeps them, for when the pod comes back)."""
        root = self.root()
        if root is None or self.root_kind != "StatefulSet":
            return []
        templates = [meta(t).get("name", "") for t in
                     (root.get("spec") or {}).get("volumeClaimTemplates") or []]
        pattern = re.compile("|".join(rf"{re.escape(t)}-{re.escape(self.root_name)}-\d+"
                                      for t in templates) or "(?!)")
        return sorted((c for c in self.items("persistentvolumeclaim")
                       if pattern.fullmatch(meta(c).get("name", ""))),
                      key=lambda c: _ordinal(meta(c).get("name", "")))

    def volume(self, claim: dict) -> dict | None:
        name = (claim.get("spec") or {}).get("volumeName")
        return self.get("persistentvolume", name, namespace="") if name else None

    def ghosts(self, owner: dict) -> list[dict]:
        return [p for p in self.gone if owned_by(p, owner)]

    def measures(self) -> dict[str, int | bool]:
        pods = self.pods()
        root = self.root() or {}
        bound = sum((c.get("status") or {}).get("phase") == "Bound" for c in self.all_claims())
        phases = [(p.get("status") or {}).get("phase") for p in pods]
        return {"pods": len(pods), "ready": sum(map(serving, pods)), "bound": bound,
                "claims": len(self.all_claims()), "succeeded": phases.count("Succeeded"),
                "failed": phases.count("Failed"),
                "complete": (condition(root, "Complete") or {}).get("status") == "True"}

    def summary(self) -> str:
        if self.root() is None:
            return f"{self.root_kind.lower()} {self.root_name}: not found (yet)"
        m = self.measures()
        text = f"{self.root_kind.lower()} {self.root_name}: {m['pods']} pod(s), " \
            f"{m['ready']} ready"
        if self.root_kind == "StatefulSet":
            text += f", {m['bound']} of {m['claims']} claim(s) bound"
        if self.root_kind in ("Job", "CronJob"):
            text += f", {m['succeeded']} succeeded"
        return text


# -- the picture -----------------------------------------------------------------------------
def _line(kind: str, name_html: str, details: str = "") -> str:
    return (f'<div class="k8slab-tree-node" style="margin:3px 0">{r.badge(kind, "info")} '
            f"{name_html}{(' ' + details) if details else ''}</div>")


def _children(parts: list[str]) -> str:
    return (f'<div class="k8slab-tree-children" style="margin-left:10px;padding-left:12px;'
            f'border-left:2px solid #d0d7de">{"".join(parts)}</div>')


def _chip(kind: str, inner: str) -> str:
    return (f'<span class="k8slab-chip k8slab-{kind.lower()}" style="display:inline-block;'
            f"vertical-align:middle;border:1px solid #d0d7de;border-radius:6px;padding:2px 6px;"
            f'background:#f6f8fa;font-size:12px"><b>{r.esc(kind)}</b> {inner}</span>')


def _middle(html: str) -> str:
    return f'<span style="display:inline-block;vertical-align:middle">{html}</span>'


def _root_details(state: OwnerTreeState, root: dict) -> str:
    spec, status = root.get("spec") or {}, root.get("status") or {}
    kind = state.root_kind
    if kind == "CronJob":
        last = status.get("lastScheduleTime")
        text = r.muted(f"schedule {spec.get('schedule', '?')}" +
                       (" · suspended" if spec.get("suspend") else ""))
        return text + (" " + r.muted(f"last run {r.when(last, state.now)} ago", raw=True)
                       if last else "")
    if kind == "Job":
        done = (condition(root, "Complete") or {}).get("status") == "True"
        failed = (condition(root, "Failed") or {}).get("status") == "True"
        badge = r.badge("Complete", "ok") if done else r.badge("Failed", "bad") if failed \
            else r.badge("running", "info")
        return badge + " " + r.muted(f"{status.get('succeeded', 0)}/"
                                     f"{spec.get('completions', 1)} succeeded · "
                                     f"{status.get('active', 0)} active · "
                                     f"{status.get('failed', 0)} failed")
    if kind == "DaemonSet":
        return r.muted(f"{status.get('numberReady', 0)}/"
                       f"{status.get('desiredNumberScheduled', 0)} ready")
    ready = status.get("readyReplicas", 0) or 0
    text = f"{ready}/{spec.get('replicas', 1)} ready"
    if kind == "StatefulSet" and spec.get("serviceName"):
        text += f" · service {spec['serviceName']}"
    return r.muted(text)


def _pod_row(state: OwnerTreeState, pod: dict) -> str:
    """StatefulSet: pod -> its claims -> their volumes, on one line."""
    parts = [r.pod_tile(pod, state.now, new=state.is_new(pod))]
    for claim in state.claims(pod):
        parts += [r.arrow("mounts"), _claim(state, claim)]
    return f'<div class="k8slab-tree-pod">{"".join(_middle(p) for p in parts)}</div>'


def _claim(state: OwnerTreeState, claim: dict) -> str:
    spec, status = claim.get("spec") or {}, claim.get("status") or {}
    phase = status.get("phase", "Pending")
    size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "")
    inner = f"{r.name(claim)} {r.badge(phase, 'ok' if phase == 'Bound' else 'warn')} " \
        f"{r.muted(size)}"
    chip = _chip("PVC", inner)
    pv = state.volume(claim)
    if pv is None:
        return chip
    pv_spec = pv.get("spec") or {}
    pv_inner = f"{r.name(pv, shorten=8)} {r.muted(pv_spec.get('storageClassName') or '')}"
    return chip + r.arrow("bound to") + _chip("PV", pv_inner)


def render(state: OwnerTreeState) -> str:
    """The tree, root first; each level indented under its owner."""
    kind, title = state.root_kind, f"{state.root_kind} {state.root_name}"
    root = state.root()
    if root is None:
        return r.frame("ownertree", title, "not found (yet)",
                       r.muted(f"waiting for the {kind} to exist"), state.banner)
    rows: list[str] = []
    if kind in MIDDLE:
        label = "ReplicaSet" if kind == "Deployment" else "Job"
        for child in state.middles():
            pods = state.owned("pod", child)
            status = child.get("status") or {}
            detail = (f"{status.get('readyReplicas', 0) or 0}/"
                      f"{(child.get('spec') or {}).get('replicas', 0)} ready"
                      if label == "ReplicaSet" else f"{status.get('succeeded', 0)} succeeded")
            rows.append(_line(label, r.name(child), r.muted(detail)) +
                        _children([r.pods(pods, state, state.ghosts(child))]))
    elif kind == "DaemonSet":
        by_node: dict[str, list[dict]] = {}
        for pod in state.pods():
            by_node.setdefault(node_name(pod) or "(not scheduled)", []).append(pod)
        for node, pods in sorted(by_node.items()):
            rows.append(_line("Node", r.plain_name(node)) +
                        _children([r.pods(pods, state)]))
        if state.ghosts(root):
            rows.append(_children([r.pods([], state, state.ghosts(root))]))
    elif kind == "StatefulSet":
        pods = state.pods()
        rows += [_pod_row(state, p) for p in pods]
        rows += [r.pod_tile(p, state.now, gone=True) for p in state.ghosts(root)]
        used = {meta(c).get("name") for p in pods for c in state.claims(p)}
        kept = [c for c in state.all_claims() if meta(c).get("name") not in used]
        for claim in kept:
            rows.append(f'<div class="k8slab-kept" style="margin-top:4px">'
                        f"{r.muted('kept, no pod (scaled down)')}{r.arrow()}"
                        f"{_middle(_claim(state, claim))}</div>")
        if not pods and not kept:
            rows.append(r.muted("no pods"))
    else:
        rows.append(r.pods(state.pods(), state, state.ghosts(root)))
    tree = _line(kind, r.name(root), _root_details(state, root)) + _children(rows)
    return r.frame("ownertree", title, state.summary().split(": ", 1)[-1],
                   tree + r.legend(), state.banner)


class OwnerTree(View):
    """An object and what it owns (through ownerReferences); for StatefulSets, each pod's
    claims and the volumes bound to them.

    Conditions for `until`: "pods=N", "ready=N", "bound=N" (claims Bound), "claims=N",
    "succeeded=N", "failed=N", "complete" (a Job); or a function of an `OwnerTreeState`.
    """

    state_class = OwnerTreeState
    render = staticmethod(render)

    def __init__(self, lab, kind: str, name: str, namespace: str | None = None, **options):
        self.root_kind = lab.kind(kind).kind
        if self.root_kind not in CHILDREN:
            raise K8sLabError(f"OwnerTree draws {', '.join(CHILDREN)}, not {self.root_kind}",
                              hint="e.g. lab.show('statefulset', 'db')")
        self.root_name = name
        super().__init__(lab, namespace, **options)

    def sources(self):
        kinds = [self.root_kind.lower(), *CHILDREN[self.root_kind]]
        return [(k, None if k == "persistentvolume" else self.namespace) for k in kinds]

    def params(self):
        return {"root_kind": self.root_kind, "root_name": self.root_name}

    def sync_targets(self):
        return [(self.root_kind.lower(), self.root_name)]

    def pods(self) -> list[dict]:
        """Every pod under the root, now."""
        return self.state().pods()


def _ordinal(name: str) -> tuple[int, str]:
    tail = name.rsplit("-", 1)[-1]
    return (int(tail), name) if tail.isdigit() else (10**9, name)
