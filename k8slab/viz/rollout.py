"""RolloutView: a Deployment's ReplicaSets, old and new, and how far its rollout got."""

from __future__ import annotations

from dataclasses import dataclass

from . import render as r
from .base import View
from .state import State
from .status import ERROR_REASONS, IMAGE_ERRORS, condition, meta, owned_by, pod_state, serving

REVISION = "deployment.kubernetes.io/revision"  # as k8slab.rollout and kubectl read it


def revision_of(obj: dict | None) -> int:
    try:
        return int((meta(obj or {}).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


@dataclass(frozen=True)
class RolloutState(State):
    """A Deployment, its ReplicaSets and their pods."""

    deployment: str = ""

    def deployment_obj(self) -> dict | None:
        return self.get("deployment", self.deployment)

    def replica_sets(self) -> list[dict]:
        """The Deployment's ReplicaSets, oldest revision first."""
        dep = self.deployment_obj()
        if dep is None:
            return []
        owned = [rs for rs in self.items("replicaset") if owned_by(rs, dep)]
        return sorted(owned, key=lambda rs: (revision_of(rs), meta(rs).get("name", "")))

    def new_replica_set(self) -> dict | None:
        """The ReplicaSet of the Deployment's current template (its revision's)."""
        sets = self.replica_sets()
        current = [rs for rs in sets if revision_of(rs) == self.revision()]
        return (current or sets or [None])[-1]

    def pods_of(self, rs: dict) -> list[dict]:
        return [p for p in self.items("pod") if owned_by(p, rs)]

    def revision(self) -> int:
        return revision_of(self.deployment_obj())

    def numbers(self) -> dict[str, int]:
        """desired, updated, ready, available and total replicas, as the Deployment says."""
        dep = self.deployment_obj() or {}
        status = dep.get("status") or {}
        return {"desired": (dep.get("spec") or {}).get("replicas", 1),
                "updated": status.get("updatedReplicas", 0) or 0,
                "ready": status.get("readyReplicas", 0) or 0,
                "available": status.get("availableReplicas", 0) or 0,
                "total": status.get("replicas", 0) or 0}

    def stuck_reason(self) -> str:
        """Why the rollout cannot finish ("" when it is not stuck)."""
        dep = self.deployment_obj()
        if dep is None:
            return ""
        progressing = condition(dep, "Progressing") or {}
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            return f"ProgressDeadlineExceeded: {progressing.get('message', '')}".strip()
        new = self.new_replica_set()
        for pod in self.pods_of(new) if new else []:
            label = pod_state(pod)[0]
            if label in ERROR_REASONS:
                what = "cannot pull their image" if label in IMAGE_ERRORS else "keep failing"
                return f"new pods {what} ({label})"
        return ""

    def phase(self) -> str:
        """"complete", "stuck", "progressing", or "missing" (no such Deployment yet)."""
        dep = self.deployment_obj()
        if dep is None:
            return "missing"
        if self.stuck_reason():
            return "stuck"
        n = self.numbers()
        observed = (dep.get("status") or {}).get("observedGeneration", 0) >= \
            meta(dep).get("generation", 0)
        if observed and n["updated"] >= n["desired"] and n["total"] <= n["updated"] and \
                n["available"] >= n["updated"]:
            return "complete"
        return "progressing"

    def measures(self) -> dict[str, int | bool]:
        n, phase = self.numbers(), self.phase()
        return {"desired": n["desired"], "updated": n["updated"], "ready": n["ready"],
                "available": n["available"], "revision": self.revision(),
                "complete": phase == "complete", "stuck": phase == "stuck",
                "progressing": phase == "progressing"}

    def summary(self) -> str:
        if self.deployment_obj() is None:
            return f"deployment {self.deployment}: not found (yet)"
        n = self.numbers()
        return (f"deployment {self.deployment}: {self.phase()}, revision {self.revision()}, "
                f"{n['updated']}/{n['desired']} updated, {n['ready']} ready, "
                f"{n['available']} available")


TONE = {"complete": "ok", "stuck": "bad", "progressing": "info", "missing": "muted"}


def render(state: RolloutState) -> str:
    """Rollout header (condition, revision, bar, numbers), then the new and old ReplicaSets."""
    title = f"Deployment {state.deployment}"
    if state.deployment_obj() is None:
        return r.frame("rollout", title, "not found (yet)",
                       r.muted("waiting for the Deployment to exist"), state.banner)
    n, phase = state.numbers(), state.phase()
    sets = state.replica_sets()
    new = state.new_replica_set()
    new_status = (new or {}).get("status") or {}
    fresh = new_status.get("availableReplicas", 0) or 0
    coming = max((new_status.get("replicas", 0) or 0) - fresh, 0)
    old = sum(((rs.get("status") or {}).get("replicas", 0) or 0) for rs in sets if rs is not new)
    total = max(n["desired"], fresh + coming + old, 1)
    bar = r.progress([(fresh, "#2da44e", "new, available"),
                      (coming, "#cf222e" if phase == "stuck" else "#54aeff",
                       "new, not available yet"),
                      (old, "#afb8c1", "old")], total)
    numbers = " · ".join(f"{k} <b>{n[k]}</b>" for k in ("desired", "updated", "ready",
                                                         "available"))
    reason = state.stuck_reason()
    space = '<span style="display:inline-block;width:10px"></span>'
    head = (f'<div class="k8slab-rollout-head">{r.badge(phase, TONE[phase])}{space}'
            f'<span>revision <b class="k8slab-revision">{state.revision()}</b></span>{space}'
            f"{bar}{space}<span>{numbers}</span></div>"
            + (f'<div class="k8slab-reason" style="color:#cf222e;margin-top:4px">'
               f"{r.esc(reason)}</div>" if reason else ""))
    ghosts = list(state.gone)
    boxes, hidden = [], 0
    for rs in sorted(sets, key=lambda s: (s is not new, -revision_of(s))):
        spec, status = rs.get("spec") or {}, rs.get("status") or {}
        pods = state.pods_of(rs)
        gone = [p for p in ghosts if owned_by(p, rs)]
        if rs is not new and not pods and not gone and not spec.get("replicas"):
            hidden += 1
            continue
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
        images = ", ".join(c.get("image", "?") for c in containers)
        ready = sum(serving(p) for p in pods)
        label = "new" if rs is new else "old"
        heading = (f"{r.badge(label, 'info' if rs is new else 'muted')} ReplicaSet {r.name(rs)} "
                 + r.muted(f"rev {revision_of(rs)} · {images} · {ready}/"
                           f"{spec.get('replicas', 0)} ready · {status.get('replicas', 0)} "
                           "pods"))
        boxes.append(r.box(heading, r.pods(pods, state, gone), "k8slab-replicaset",
                           data=f'data-new="{str(rs is new).lower()}"'))
    foot = r.muted(f"{hidden} older ReplicaSet(s) scaled to 0, kept for rollback") \
        if hidden else ""
    body = head + f'<div style="margin-top:8px">{r.grid(boxes, 300, 2)}</div>{foot}' + \
        r.legend()
    return r.frame("rollout", title, f"in {state.namespace}", body, state.banner)


class RolloutView(View):
    """A Deployment's rollout: desired / updated / ready / available, a progress bar, the
    condition (progressing, complete, stuck: ProgressDeadlineExceeded or new pods failing to
    pull their image), the revision, and each ReplicaSet with its pods.

    Conditions for `until`: "complete", "stuck", "progressing", "ready=N", "updated=N",
    "available=N", "revision=N"; or a function of a `RolloutState`.
    """

    state_class = RolloutState
    render = staticmethod(render)

    def __init__(self, lab, deployment: str, namespace: str | None = None, **options):
        self.deployment = deployment
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("deployment", self.namespace), ("replicaset", self.namespace),
                ("pod", self.namespace)]

    def params(self):
        return {"deployment": self.deployment}

    def sync_targets(self):
        return [("deployment", self.deployment)]

    def phase(self) -> str:
        """"complete", "stuck", "progressing" or "missing"."""
        return self.state().phase()

    def revision(self) -> int:
        return self.state().revision()

    def numbers(self) -> dict[str, int]:
        return self.state().numbers()
