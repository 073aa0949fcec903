"""RolloutView: a Deployment's ReplicaSets, old and new, and how far its rollout got."""

from __future__ import annotations

from ..rollout import REVISION
from .base import View, count_condition
from .render import ERROR_REASONS, badge, esc, frame, tile


class RolloutView(View):
    """Desired / updated / ready / available, a progress bar, the rollout's condition
    (progressing, complete, stuck) and revision, and each ReplicaSet with its pods.

    Conditions for `until`: "complete", "stuck", "progressing", "ready=N", "revision=N".
    """

    name = "rollout"

    def __init__(self, lab, deployment: str, namespace: str | None = None, **options):
        self.deployment = deployment
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("deployment", self.namespace), ("replicaset", self.namespace),
                ("pod", self.namespace)]

    def tracked(self, kind, obj) -> bool:
        return kind == "pod" and self._owned_pod(obj)

    def sync_targets(self):
        return [("deployment", self.deployment)]

    # -- state ---------------------------------------------------------------------------
    def deployment_obj(self) -> dict | None:
        return self.objects.get("deployment", {}).get(f"{self.namespace}/{self.deployment}")

    def replica_sets(self) -> list[dict]:
        dep = self.deployment_obj()
        if dep is None:
            return []
        uid = dep["metadata"]["uid"]
        owned = [rs for rs in self.items("replicaset")
                 if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or [])]
        return sorted(owned, key=_revision)

    def _owned_pod(self, pod: dict) -> bool:
        uids = {rs["metadata"]["uid"] for rs in self.replica_sets()}
        return any(o.get("uid") in uids for o in pod["metadata"].get("ownerReferences") or [])

    def pods_of(self, rs: dict) -> list[dict]:
        uid = rs["metadata"]["uid"]
        return [p for p in self.items("pod")
                if any(o.get("uid") == uid for o in p["metadata"].get("ownerReferences") or [])]

    def numbers(self) -> dict[str, int]:
        dep = self.deployment_obj() or {}
        status = dep.get("status") or {}
        return {"desired": (dep.get("spec") or {}).get("replicas", 0),
                "updated": status.get("updatedReplicas", 0),
                "ready": status.get("readyReplicas", 0),
                "available": status.get("availableReplicas", 0),
                "total": status.get("replicas", 0)}

    def revision(self) -> int:
        dep = self.deployment_obj() or {}
        return int((dep.get("metadata", {}).get("annotations") or {}).get(REVISION, 0))

    def phase(self) -> str:
        """"complete", "stuck" or "progressing" (or "missing")."""
        dep = self.deployment_obj()
        if dep is None:
            return "missing"
        meta, status = dep["metadata"], dep.get("status") or {}
        for c in status.get("conditions") or []:
            if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
                return "stuck"
        sets = self.replica_sets()
        if sets:
            for pod in self.pods_of(sets[-1]):
                for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                    waiting = (cs.get("state") or {}).get("waiting") or {}
                    if waiting.get("reason") in ERROR_REASONS:
                        return "stuck"
        n = self.numbers()
        settled = status.get("observedGeneration", 0) >= meta.get("generation", 0)
        if settled and n["updated"] >= n["desired"] and n["total"] <= n["updated"] and \
                n["available"] >= n["updated"]:
            return "complete"
        return "progressing"

    def condition(self, text: str):
        return count_condition(
            text, {"ready": lambda: self.numbers()["ready"], "revision": self.revision},
            {"complete": lambda: self.phase() == "complete",
             "stuck": lambda: self.phase() == "stuck",
             "progressing": lambda: self.phase() == "progressing"})

    def summary(self) -> str:
        n = self.numbers()
        return (f"deployment {self.deployment}: {self.phase()}, revision {self.revision()}, "
                f"{n['updated']}/{n['desired']} updated, {n['ready']} ready, "
                f"{n['available']} available")

    # -- picture -------------------------------------------------------------------------
    def draw(self, live: bool) -> str:
        if self.deployment_obj() is None:
            return frame(self.name, f"Deployment {self.deployment}", "not found (yet)", "",
                         self.banner)
        n, phase = self.numbers(), self.phase()
        good = {"complete": True, "stuck": False}.get(phase)
        width = int(100 * min(n["available"], n["updated"]) / n["desired"]) if n["desired"] else 100
        head = (f"<div>{badge(phase, good)} revision <b>{self.revision()}</b> &nbsp; "
                f"<span class='k8slab-bar'><span style='width:{width}%'></span></span> "
                f"&nbsp; desired <b>{n['desired']}</b> · updated <b>{n['updated']}</b> · "
                f"ready <b>{n['ready']}</b> · available <b>{n['available']}</b></div>")
        boxes = []
        sets = self.replica_sets()
        for rs in reversed(sets):
            is_new = rs is sets[-1]
            spec, status = rs.get("spec") or {}, rs.get("status") or {}
            images = ", ".join(c["image"] for c in spec["template"]["spec"]["containers"])
            tiles = []
            for pod in self.pods_of(rs):
                key = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
                tiles.append(tile(pod, "k8slab-new" if live and key in self.appeared else ""))
            if not tiles and not is_new and not spec.get("replicas"):
                continue  # old, scaled to zero: keep the picture short
            boxes.append(
                f"<div class='k8slab-box k8slab-replicaset' data-new='{str(is_new).lower()}'>"
                f"<h4>{'new' if is_new else 'old'} ReplicaSet "
                f"<span class='k8slab-name'>{esc(rs['metadata']['name'])}</span> "
                f"<span class='k8slab-muted'>rev {_revision(rs)} · {esc(images)} · "
                f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)} ready</span></h4>"
                + ("".join(tiles) or "<span class='k8slab-muted'>no pods</span>") + "</div>")
        older = len([rs for rs in sets[:-1] if not (rs.get("spec") or {}).get("replicas")])
        foot = (f"<div class='k8slab-muted'>{older} older ReplicaSet(s) scaled to 0 kept for "
                "rollback</div>") if older else ""
        row = f"<div class='k8slab-row' style='margin-top:6px'>{''.join(boxes)}</div>"
        body = head + row + foot
        return frame(self.name, f"Deployment {self.deployment}", f"in {self.namespace}", body,
                     self.banner)


def _revision(rs: dict) -> int:
    return int((rs["metadata"].get("annotations") or {}).get(REVISION, 0))
