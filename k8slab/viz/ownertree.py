"""OwnerTree: who owns whom. Deployment -> ReplicaSets -> Pods; StatefulSet -> Pods -> PVCs
-> PVs; Job/CronJob -> (Jobs ->) Pods; DaemonSet -> Pods per node."""

from __future__ import annotations

from .base import View, count_condition
from .render import badge, esc, frame, is_ready, tile

CHILDREN = {"Deployment": ["replicaset", "pod"], "StatefulSet": ["pod", "persistentvolumeclaim"],
            "Job": ["pod"], "CronJob": ["job", "pod"], "DaemonSet": ["pod"],
            "ReplicaSet": ["pod"]}


class OwnerTree(View):
    """The object, what it owns (through ownerReferences) and, for StatefulSets, each pod's
    claims and their volumes.

    Conditions for `until`: "pods=N", "ready=N", "bound=N" (claims Bound).
    """

    name = "ownertree"

    def __init__(self, lab, kind: str, name: str, namespace: str | None = None, **options):
        self.root_kind = lab.kind(kind)
        if self.root_kind.kind not in CHILDREN:
            from ..errors import K8sLabError

            raise K8sLabError(f"OwnerTree draws {', '.join(CHILDREN)}, not {self.root_kind.kind}")
        self.root_name = name
        super().__init__(lab, namespace, **options)

    def sources(self):
        kinds = [self.root_kind.plural + ("." + self.root_kind.group if self.root_kind.group
                                          else "")]
        kinds += CHILDREN[self.root_kind.kind]
        found = [(k, self.namespace) for k in kinds]
        if self.root_kind.kind == "StatefulSet":
            found.append(("persistentvolume", None))
        return found

    def tracked(self, kind, obj) -> bool:
        return kind == "pod"

    def _bucket(self, kind: str) -> list[dict]:
        return self.items(kind)

    def root(self) -> dict | None:
        key = self.root_kind.plural + ("." + self.root_kind.group if self.root_kind.group else "")
        return self.objects.get(key, {}).get(f"{self.namespace}/{self.root_name}")

    def owned(self, kind: str, owner: dict) -> list[dict]:
        uid = owner["metadata"]["uid"]
        return [o for o in self.items(kind)
                if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]

    def pods(self) -> list[dict]:
        root = self.root()
        if root is None:
            return []
        kind = self.root_kind.kind
        if kind == "Deployment":
            return [p for rs in self.owned("replicaset", root) for p in self.owned("pod", rs)]
        if kind == "CronJob":
            return [p for job in self.owned("job", root) for p in self.owned("pod", job)]
        return self.owned("pod", root)

    def claims(self, pod: dict) -> list[dict]:
        names = [v["persistentVolumeClaim"]["claimName"]
                 for v in (pod.get("spec") or {}).get("volumes") or []
                 if v.get("persistentVolumeClaim")]
        by_name = {c["metadata"]["name"]: c for c in self.items("persistentvolumeclaim")}
        return [by_name[n] for n in names if n in by_name]

    def condition(self, text: str):
        return count_condition(text, {
            "pods": lambda: len(self.pods()),
            "ready": lambda: sum(1 for p in self.pods() if is_ready(p)),
            "bound": lambda: sum(1 for c in self.items("persistentvolumeclaim")
                                 if (c.get("status") or {}).get("phase") == "Bound"),
        })

    def summary(self) -> str:
        pods = self.pods()
        text = (f"{self.root_kind.kind.lower()} {self.root_name}: {len(pods)} pod(s), "
                f"{sum(1 for p in pods if is_ready(p))} ready")
        if self.root_kind.kind == "StatefulSet":
            bound = sum(1 for p in pods for c in self.claims(p)
                        if (c.get("status") or {}).get("phase") == "Bound")
            text += f", {bound} claim(s) bound"
        return text

    def _pod_line(self, pod: dict, live: bool) -> str:
        key = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
        node = (pod.get("spec") or {}).get("nodeName") or "unscheduled"
        parts = [tile(pod, "k8slab-new" if live and key in self.appeared else "",
                      note=f"on {esc(node)}")]
        if self.root_kind.kind == "StatefulSet":
            pvs = {v["metadata"]["name"]: v for v in self.items("persistentvolume")}
            for claim in self.claims(pod):
                phase = (claim.get("status") or {}).get("phase", "Pending")
                volume = (claim.get("spec") or {}).get("volumeName")
                pv = pvs.get(volume or "")
                size = ((claim.get("spec") or {}).get("resources") or {}).get(
                    "requests", {}).get("storage", "")
                parts.append(
                    f"<span class='k8slab-muted'>→</span> <span class='k8slab-box k8slab-pvc'>"
                    f"PVC <span class='k8slab-name'>{esc(claim['metadata']['name'])}</span> "
                    f"{badge(phase, phase == 'Bound')} {esc(size)}"
                    + (f" <span class='k8slab-muted'>→ PV</span> <span class='k8slab-name "
                       f"k8slab-pv'>{esc(pv['metadata']['name'][:12])}…</span>"
                       f" <span class='k8slab-muted'>{esc(pv['spec'].get('storageClassName'))}"
                       "</span>" if pv else "") + "</span>")
        return "<div style='margin:2px 0 2px 18px'>" + " ".join(parts) + "</div>"

    def draw(self, live: bool) -> str:
        root = self.root()
        title = f"{self.root_kind.kind} {self.root_name}"
        if root is None:
            return frame(self.name, title, "not found (yet)", "", self.banner)
        kind = self.root_kind.kind
        rows = []
        if kind in ("Deployment", "CronJob"):
            middle = "replicaset" if kind == "Deployment" else "job"
            for child in sorted(self.owned(middle, root), key=lambda o: o["metadata"]["name"]):
                status = child.get("status") or {}
                label = (f"{status.get('readyReplicas', 0)}/{child['spec'].get('replicas', 0)} "
                         "ready") if middle == "replicaset" else \
                    f"{status.get('succeeded', 0)} succeeded"
                rows.append(f"<div style='margin-left:8px'>└ {middle.capitalize()} "
                            f"<span class='k8slab-name'>{esc(child['metadata']['name'])}</span> "
                            f"<span class='k8slab-muted'>{esc(label)}</span></div>")
                rows += [self._pod_line(p, live) for p in self.owned("pod", child)]
        elif kind == "DaemonSet":
            by_node: dict[str, list[dict]] = {}
            for pod in self.pods():
                by_node.setdefault(pod["spec"].get("nodeName") or "unscheduled", []).append(pod)
            for node, pods in sorted(by_node.items()):
                rows.append(f"<div style='margin-left:8px'>└ node <b>{esc(node)}</b></div>")
                rows += [self._pod_line(p, live) for p in pods]
        else:
            pods = sorted(self.pods(), key=lambda p: _ordinal(p["metadata"]["name"]))
            rows += [self._pod_line(p, live) for p in pods]
        if live:
            rows += [f"<div style='margin-left:18px'>{tile(pod, 'k8slab-gone')}</div>"
                     for _, pod in self.gone.values()]
        body = "".join(rows) or "<span class='k8slab-muted'>owns nothing yet</span>"
        return frame(self.name, title, self.summary().split(": ", 1)[-1], body, self.banner)


def _ordinal(name: str) -> tuple[int, str]:
    tail = name.rsplit("-", 1)[-1]
    return (int(tail), name) if tail.isdigit() else (10**9, name)
