"""NodeMap (nodes with their pods: Ready / NotReady / cordoned) and EventLog (recent events)."""

from __future__ import annotations

from ..text import age
from .base import View, count_condition
from .render import badge, esc, frame, tile


def node_ready(node: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or [])


class NodeMap(View):
    """Each node as a box (Ready / NotReady, cordoned, taints, zone) holding its pods.

    Conditions for `until`: "ready=N" (Ready nodes), "notready=N", "pods=N".
    """

    name = "nodemap"

    def __init__(self, lab, namespace: str | None = None, all_namespaces: bool = False,
                 nodes: list[str] | None = None, **options):
        self.all_namespaces = all_namespaces
        self.only = set(nodes) if nodes else None
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("node", None), ("pod", None if self.all_namespaces else self.namespace)]

    def tracked(self, kind, obj) -> bool:
        return kind == "pod"

    def nodes(self) -> list[dict]:
        return [n for n in self.items("node")
                if self.only is None or n["metadata"]["name"] in self.only]

    def condition(self, text: str):
        return count_condition(text, {
            "ready": lambda: sum(map(node_ready, self.nodes())),
            "notready": lambda: sum(not node_ready(n) for n in self.nodes()),
            "pods": lambda: len(self.items("pod"))})

    def summary(self) -> str:
        nodes = self.nodes()
        ready = sum(map(node_ready, nodes))
        cordoned = sum(bool(n.get("spec", {}).get("unschedulable")) for n in nodes)
        return (f"{len(nodes)} node(s), {ready} Ready, {len(nodes) - ready} NotReady, "
                f"{cordoned} cordoned; {len(self.items('pod'))} pod(s)")

    def draw(self, live: bool) -> str:
        by_node: dict[str, list[dict]] = {}
        for pod in self.items("pod"):
            by_node.setdefault(pod["spec"].get("nodeName") or "", []).append(pod)
        boxes = []
        for node in self.nodes():
            name = node["metadata"]["name"]
            labels = node["metadata"].get("labels") or {}
            ready = node_ready(node)
            badges = [badge("Ready" if ready else "NotReady", ready)]
            if node.get("spec", {}).get("unschedulable"):
                badges.append(badge("cordoned", None))
            taints = [f"{t['key']}={t.get('value', '')}:{t['effect']}"
                      for t in node.get("spec", {}).get("taints") or []]
            zone = labels.get("topology.kubernetes.io/zone", "")
            tiles = []
            for pod in by_node.get(name, []):
                key = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
                tiles.append(tile(pod, "k8slab-new" if live and key in self.appeared else ""))
            if live:
                tiles += [tile(p, "k8slab-gone") for _, p in self.gone.values()
                          if p["spec"].get("nodeName") == name]
            style = "" if ready else "background:#fff5f5;border-color:#cf222e"
            boxes.append(
                f"<div class='k8slab-box k8slab-node' data-node='{esc(name)}' style='{style}'>"
                f"<h4>{esc(name)} {' '.join(badges)}</h4>"
                f"<div class='k8slab-muted'>{esc(zone)}"
                + (f" · taints: {esc(', '.join(taints))}" if taints else "") + "</div>"
                + ("".join(tiles) or "<span class='k8slab-muted'>no pods</span>") + "</div>")
        pending = by_node.get("", [])
        if pending:
            boxes.append("<div class='k8slab-box'><h4>not scheduled</h4>"
                         + "".join(tile(p) for p in pending) + "</div>")
        where = "all namespaces" if self.all_namespaces else self.namespace
        return frame(self.name, "Nodes", f"pods of {where}",
                     f"<div class='k8slab-row'>{''.join(boxes)}</div>", self.banner)


class EventLog(View):
    """The most recent events of the namespace, newest first.

    Conditions for `until`: "events>=N", or a function of the log (e.g. a reason seen)."""

    name = "eventlog"

    def __init__(self, lab, namespace: str | None = None, limit: int = 15, **options):
        self.limit = limit
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("event", self.namespace)]

    def events_list(self) -> list[dict]:
        def when(e):
            return (e.get("lastTimestamp") or e.get("eventTime") or
                    e["metadata"].get("creationTimestamp") or "")
        return sorted(self.items("event"), key=when, reverse=True)

    def seen(self, reason: str) -> bool:
        """Whether an event with this reason (e.g. "Killing", "BackOff") has been seen."""
        return any(e.get("reason") == reason for e in self.items("event"))

    def condition(self, text: str):
        return count_condition(text, {"events": lambda: len(self.items("event"))})

    def summary(self) -> str:
        return f"{len(self.items('event'))} event(s) in {self.namespace}"

    def draw(self, live: bool) -> str:
        rows = []
        for e in self.events_list()[:self.limit]:
            obj = e.get("involvedObject") or {}
            when = e.get("lastTimestamp") or e.get("eventTime") or \
                e["metadata"].get("creationTimestamp")
            warning = e.get("type") == "Warning"
            rows.append(f"<tr><td class='k8slab-age'>{esc(age(when))}</td>"
                        f"<td class='{'k8slab-bad' if warning else 'k8slab-muted'}'>"
                        f"{esc(e.get('type', ''))}</td><td><b>{esc(e.get('reason', ''))}</b></td>"
                        f"<td class='k8slab-name'>{esc(obj.get('kind', '').lower())}/"
                        f"{esc(obj.get('name', ''))}</td>"
                        f"<td>{esc((e.get('message') or '').strip()[:140])}</td></tr>")
        body = (f"<table>{''.join(rows)}</table>" if rows else
                "<span class='k8slab-muted'>no events yet</span>")
        return frame(self.name, "Events", f"in {self.namespace}, newest first", body, self.banner)
