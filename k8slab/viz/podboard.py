"""PodBoard: the pods of a namespace (or a label selector) as tiles grouped by node."""

from __future__ import annotations

from .base import View, count_condition
from .render import esc, frame, is_ready, legend, parse_selector, pod_state, tile


class PodBoard(View):
    """Pods as coloured tiles, one column per node; new pods glow, deleted ones fade out.

    Conditions for `until`: "ready=N" (exactly N pods, all ready), "pods=N", "running=N",
    "settled" (nothing pending, creating or terminating); or any function of the board.
    """

    name = "podboard"

    def __init__(self, lab, selector: str | None = None, namespace: str | None = None,
                 all_namespaces: bool = False, **options):
        self.selector = selector
        self.all_namespaces = all_namespaces
        self._match = parse_selector(selector)
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("pod", None if self.all_namespaces else self.namespace), ("node", None)]

    def tracked(self, kind, obj) -> bool:
        return kind == "pod" and self._match((obj.get("metadata") or {}).get("labels"))

    def pods(self) -> list[dict]:
        """The pods the board shows (matching the selector)."""
        return [p for p in self.items("pod") if self._match(p["metadata"].get("labels"))]

    def count(self, ready: bool | None = None, state: str | None = None) -> int:
        """How many pods (that are ready / in a state such as "Running"); terminating pods
        are not counted as ready."""
        n = 0
        for pod in self.pods():
            label, key = pod_state(pod)
            if ready is not None and (is_ready(pod) and key != "Terminating") != ready:
                continue
            if state is not None and state not in (label, key):
                continue
            n += 1
        return n

    def condition(self, text: str):
        settled = {"Pending", "ContainerCreating", "Terminating"}
        return count_condition(text, {
            "ready": lambda: self.count(ready=True) if self.count() == self.count(ready=True)
            else -1,
            "pods": lambda: self.count(),
            "running": lambda: self.count(state="Running"),
        }, {"settled": lambda: not any(pod_state(p)[1] in settled for p in self.pods())})

    def summary(self) -> str:
        pods = self.pods()
        ready = self.count(ready=True)
        where = "all namespaces" if self.all_namespaces else self.namespace
        sel = f" {self.selector}" if self.selector else ""
        return f"{where}{sel}: {len(pods)} pod(s), {ready} ready"

    def draw(self, live: bool) -> str:
        pods = self.pods()
        columns: dict[str, list[str]] = {}
        for node in sorted({p["spec"].get("nodeName") or "" for p in pods} |
                           {n["metadata"]["name"] for n in self.lab_nodes()}):
            columns[node] = []
        for pod in pods:
            key = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
            extra = "k8slab-new" if live and key in self.appeared else ""
            note = esc(pod["metadata"]["namespace"]) if self.all_namespaces else ""
            columns.setdefault(pod["spec"].get("nodeName") or "", []).append(
                tile(pod, extra, note))
        if live:
            for _key, (_, pod) in sorted(self.gone.items()):
                columns.setdefault(pod["spec"].get("nodeName") or "", []).append(
                    tile(pod, "k8slab-gone"))
        boxes = []
        for node, tiles in columns.items():
            title = esc(node) if node else "not scheduled yet"
            boxes.append(f"<div class='k8slab-box k8slab-node' data-node='{esc(node)}'>"
                         f"<h4>{title} <span class='k8slab-muted'>({len(tiles)})</span></h4>"
                         + ("".join(tiles) or "<span class='k8slab-muted'>no pods</span>")
                         + "</div>")
        body = f"<div class='k8slab-row'>{''.join(boxes)}</div>{legend()}"
        return frame(self.name, "Pods", self.summary(), body, self.banner)

    def lab_nodes(self) -> list[dict]:
        """The cluster's nodes (watched too, so nodes without pods show as empty columns)."""
        return self.items("node")

