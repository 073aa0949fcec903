"""PodBoard: the pods of a namespace (or of a label selector) as tiles, one column per node."""

from __future__ import annotations

from dataclasses import dataclass

from . import render as r
from .base import View
from .state import State
from .status import is_ready, node_name, parse_selector, pod_state, serving


@dataclass(frozen=True)
class PodBoardState(State):
    """The pods a board shows and the cluster's nodes."""

    selector: str | None = None
    all_namespaces: bool = False
    names: tuple[str, ...] = ()

    def shows(self, pod: dict) -> bool:
        """Whether a pod belongs on the board (selector, and names when given)."""
        meta = pod.get("metadata") or {}
        return parse_selector(self.selector)(meta.get("labels")) and \
            (not self.names or meta.get("name") in self.names)

    def pods(self) -> list[dict]:
        """The pods on the board."""
        if "_pods" not in self._sorted:
            self._sorted["_pods"] = [p for p in self.items("pod") if self.shows(p)]
        return self._sorted["_pods"]

    def nodes(self) -> list[dict]:
        return self.items("node")

    def count(self, ready: bool | None = None, state: str | None = None) -> int:
        """How many pods (that are ready, or not; that are in a state such as "Running",
        "Pending", "ImagePullBackOff" or a colour key such as "Ready"). A terminating pod is
        never counted as ready."""
        n = 0
        for pod in self.pods():
            if ready is not None and serving(pod) != ready:
                continue
            if state is not None and state not in pod_state(pod):
                continue
            n += 1
        return n

    def ghosts(self) -> list[dict]:
        return [p for p in self.gone if self.shows(p)]

    def measures(self) -> dict[str, int | bool]:
        keys = [pod_state(p)[1] for p in self.pods()]
        return {"pods": len(keys), "ready": self.count(ready=True),
                "running": sum(k in ("Ready", "NotReady") for k in keys),
                "notready": sum(k == "NotReady" for k in keys),
                "pending": sum(k in ("Pending", "ContainerCreating") for k in keys),
                "terminating": keys.count("Terminating"),
                "failing": sum(k in ("ImageError", "Failed") for k in keys),
                "completed": keys.count("Completed"),
                "settled": not any(k in ("Pending", "ContainerCreating", "Terminating")
                                   for k in keys)}

    def summary(self) -> str:
        m = self.measures()
        where = "all namespaces" if self.all_namespaces else self.namespace
        sel = f" ({self.selector})" if self.selector else ""
        extra = "".join(f", {m[k]} {k}" for k in ("pending", "terminating", "failing")
                        if m[k])
        return f"{where}{sel}: {m['pods']} pod(s), {m['ready']} ready{extra}"


def render(state: PodBoardState) -> str:
    """The board: a column per node (nodes without pods too), pods not yet scheduled first."""
    pods = state.pods()
    ghosts = state.ghosts()
    compact = len(pods) + len(ghosts) > r.COMPACT_OVER
    by_node: dict[str, list[dict]] = {}
    for pod in pods:
        by_node.setdefault(node_name(pod), []).append(pod)
    gone_by_node: dict[str, list[dict]] = {}
    for pod in ghosts:
        gone_by_node.setdefault(node_name(pod), []).append(pod)
    nodes = {(n.get("metadata") or {}).get("name", ""): n for n in state.nodes()}
    names = sorted(set(nodes) | set(by_node) | set(gone_by_node), key=lambda n: (n != "", n))
    columns = []
    for name in names:
        if name == "" and not by_node.get("") and not gone_by_node.get(""):
            continue
        here = by_node.get(name, [])
        node = nodes.get(name)
        flags = ""
        if node is not None and not is_ready(node):
            flags += " " + r.badge("NotReady", "bad")
        if node is not None and (node.get("spec") or {}).get("unschedulable"):
            flags += " " + r.badge("cordoned", "warn")
        title = (r.esc(name) if name else "not scheduled yet") + flags + " " + \
            r.muted(f"{len(here)} pod(s)")
        notes = {p["metadata"]["name"]: r.esc(p["metadata"].get("namespace", ""))
                 for p in here} if state.all_namespaces else None
        body = r.pods(here, state, gone_by_node.get(name), compact=compact, notes=notes)
        columns.append(r.box(title, body, "k8slab-column",
                             "background:#f6f8fa" if not name else "",
                             data=f'data-node="{r.esc(name)}"'))
    body = r.grid(columns, min_width=190) if columns else r.muted("no nodes")
    return r.frame("podboard", "Pods", state.summary(), body + r.legend(), state.banner)


class PodBoard(View):
    """Pods as coloured tiles grouped by node; new pods glow, deleted ones leave a ghost.

    Options: `selector` (a label selector), `names` (only these pods), `all_namespaces`.

    Conditions for `until`: "ready=N" (exactly N pods, all ready), "pods=N", "running=N",
    "pending=N", "terminating=N", "failing=N", "completed=N", "settled" (nothing pending,
    creating or terminating); comparisons (">=", "<=", "!=") test the plain counts; or any
    function of a `PodBoardState`, e.g. `lambda s: s.count(ready=True) == 3`.
    """

    state_class = PodBoardState
    render = staticmethod(render)

    def __init__(self, lab, selector: str | None = None, namespace: str | None = None,
                 all_namespaces: bool = False, names: list[str] | None = None, **options):
        self.selector = selector
        self.all_namespaces = all_namespaces
        self.names = tuple(names or ())
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("pod", None if self.all_namespaces else self.namespace), ("node", None)]

    def params(self):
        return {"selector": self.selector, "all_namespaces": self.all_namespaces,
                "names": self.names}

    def condition(self, text: str):
        parts = []
        for part in text.split(","):
            p = part.strip().replace(" ", "")
            if p.startswith("ready=") and p[6:].isdigit():
                parts += [p, f"pods={p[6:]}"]  # exactly N pods, all of them ready
            else:
                parts.append(p)
        return super().condition(",".join(parts))

    def pods(self) -> list[dict]:
        """The pods on the board now."""
        return self.state().pods()

    def count(self, ready: bool | None = None, state: str | None = None) -> int:
        """How many pods on the board (ready / in a state); see PodBoardState.count."""
        return self.state().count(ready=ready, state=state)

