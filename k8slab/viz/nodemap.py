"""NodeMap: the nodes (Ready / NotReady / cordoned, taints) with the pods running on them."""

from __future__ import annotations

from dataclasses import dataclass

from . import render as r
from .base import View
from .state import State
from .status import is_ready, meta, node_name


@dataclass(frozen=True)
class NodeMapState(State):
    """The cluster's nodes and the pods (of a namespace, or of all) placed on them."""

    only: tuple[str, ...] = ()
    all_namespaces: bool = False

    def nodes(self) -> list[dict]:
        """The nodes shown (all, or the ones asked for)."""
        return [n for n in self.items("node")
                if not self.only or meta(n).get("name") in self.only]

    def pods(self) -> list[dict]:
        """The pods on the nodes shown, and the ones not scheduled yet."""
        names = {meta(n).get("name") for n in self.nodes()}
        return [p for p in self.items("pod") if node_name(p) in names or not node_name(p)]

    def pods_on(self, node: str) -> list[dict]:
        return [p for p in self.pods() if node_name(p) == node]

    def measures(self) -> dict[str, int | bool]:
        nodes = self.nodes()
        ready = sum(map(is_ready, nodes))
        return {"nodes": len(nodes), "ready": ready, "notready": len(nodes) - ready,
                "cordoned": sum(bool((n.get("spec") or {}).get("unschedulable"))
                                for n in nodes),
                "pods": len(self.pods()),
                "unscheduled": sum(not node_name(p) for p in self.pods())}

    def summary(self) -> str:
        m = self.measures()
        where = "all namespaces" if self.all_namespaces else self.namespace
        return (f"{m['nodes']} node(s), {m['ready']} Ready, {m['notready']} NotReady, "
                f"{m['cordoned']} cordoned; {m['pods']} pod(s) of {where}")


def _node_box(state: NodeMapState, node: dict, compact: bool) -> str:
    name = meta(node).get("name", "")
    spec, status = node.get("spec") or {}, node.get("status") or {}
    ready = is_ready(node)
    flags = [r.badge("Ready" if ready else "NotReady", "ok" if ready else "bad")]
    if spec.get("unschedulable"):
        flags.append(r.badge("cordoned: SchedulingDisabled", "warn"))
    pods = state.pods_on(name)
    capacity = (status.get("allocatable") or {}).get("pods", "?")
    zone = (meta(node).get("labels") or {}).get("topology.kubernetes.io/zone", "")
    info = [f"{len(pods)} pod(s) · room for {capacity}"]
    if zone:
        info.append(zone)
    taints = [f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
              for t in spec.get("taints") or []]
    lines = r.muted(" · ".join(info))
    if taints:
        lines += "".join(f'<div class="k8slab-taint" style="font-size:11px;color:#9a6700">'
                         f"taint {r.esc(t)}</div>" for t in taints)
    gone = [p for p in state.gone if node_name(p) == name]
    title = f"{r.plain_name(name)} {' '.join(flags)}"
    style = "" if ready else "background:#fff5f5;border-color:#cf222e"
    return r.box(title, f'<div style="margin-bottom:3px">{lines}</div>'
                 + r.pods(pods, state, gone, compact=compact), "k8slab-node", style,
                 data=f'data-node="{r.esc(name)}" data-ready="{str(ready).lower()}"')


def render(state: NodeMapState) -> str:
    """A box per node holding its pods; pods not scheduled yet in a box of their own."""
    compact = len(state.pods()) > r.COMPACT_OVER
    boxes = [_node_box(state, n, compact) for n in state.nodes()]
    waiting = [p for p in state.pods() if not node_name(p)]
    if waiting:
        boxes.append(r.box("not scheduled yet", r.pods(waiting, state, compact=compact),
                           "k8slab-unscheduled", "background:#f6f8fa"))
    body = r.grid(boxes, min_width=230, per_row=3) if boxes else r.muted("no nodes")
    return r.frame("nodemap", "Nodes", state.summary(), body + r.legend(), state.banner)


class NodeMap(View):
    """Each node as a box (Ready / NotReady, cordoned, taints, zone) holding its pods.

    Conditions for `until`: "ready=N" (Ready nodes), "notready=N", "cordoned=N", "nodes=N",
    "pods=N", "unscheduled=N"; or a function of a `NodeMapState`.
    """

    state_class = NodeMapState
    render = staticmethod(render)

    def __init__(self, lab, namespace: str | None = None, all_namespaces: bool = False,
                 nodes: list[str] | None = None, **options):
        self.all_namespaces = all_namespaces
        self.only = tuple(nodes or ())
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("node", None), ("pod", None if self.all_namespaces else self.namespace)]

    def params(self):
        return {"only": self.only, "all_namespaces": self.all_namespaces}

    def nodes(self) -> list[dict]:
        return self.state().nodes()
