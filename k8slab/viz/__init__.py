"""Live views of the cluster: see the control loops working.

    board = lab.show("pods", selector="app=web")   # a PodBoard
    board                                          # in a cell: a picture that keeps itself current
    lab.scale("deployment", "web", 5)
    board.until("ready=5")                         # wait, then leave a static picture
    board.stop()

Views (what `lab.show(what, name)` picks):

| what                                    | view        | shows                                    |
|-----------------------------------------|-------------|------------------------------------------|
| "pods" (selector=, all_namespaces=)     | PodBoard    | pod tiles by node, coloured by state     |
| "pod", name                             | PodBoard    | that pod only                            |
| "deployment", name                      | RolloutView | ReplicaSets old/new, progress, condition |
| "service", name                         | ServiceMap  | Service -> EndpointSlices -> Pods, DNS   |
| "statefulset" / "job" / "cronjob" /     | OwnerTree   | owner -> owned (StatefulSet: Pod -> PVC  |
| "daemonset" / "replicaset", name;       |             | -> PV)                                   |
| "tree", name, kind=...                  |             |                                          |
| "nodes" (nodes=[...], all_namespaces=)  | NodeMap     | nodes Ready/NotReady/cordoned, their pods|
| "events" (limit=)                       | EventLog    | recent events, newest first              |

An object dict (as `lab.get` returns) works too: `lab.show(lab.get("deployment", "web"))`.
Every view also takes `namespace=`, `max_rate=` (redraws per second, default 10) and
`linger=` (seconds a new pod glows and a deleted one stays as a ghost, default 3).

How they work: views subscribe to the Lab's shared informers (`lab.informers`: one list+watch
per kind and namespace, however many views; started on first use, on threads of their own) and
keep the objects they need in a `Store`. Drawing is a pure function `render(state) -> HTML`
of an immutable `State`, so a static snapshot always gives the same picture. Shown in a cell,
a view displays its picture at once (after its first list, at most 3 s) and redraws it in
place through an IPython display handle, at most `max_rate` times a second; nothing polls.

- `view.until(condition, timeout=60)`: block until the state meets a condition string
  ("ready=3", "pods=0", "complete", "endpoints=2", "ready=3,bound=3", "!stuck") or a function
  of the state (`lambda s: s.count(ready=True) == 3`); redraws and returns a `Snapshot`.
  Raises `Timeout` (with the last state seen) or `Interrupted` on Ctrl-C.
- `view.snapshot()`: a static picture now (`Snapshot`: `.html`, `.text`, `.state`; shows
  itself in a notebook). `view.state()`: the immutable state, with the view's queries.
- `view.stop()`: end the subscriptions (an informer stops when no view uses it; its thread is
  joined) and leave the displays showing the last state. `lab.cleanup()`, `lab.close()` and
  interpreter exit stop every view.

Pictures are HTML with inline styles only (no stylesheet, script, SVG or widget), at most
1000 px wide, laid out with inline blocks of percentage widths rather than flex or grid: the
HTML sanitizers that stored (untrusted) outputs go through in JupyterLab and in RISE keep all
of it, so a picture looks the same live, in slides, in nbconvert's HTML and on GitHub, and
executed notebooks (papermill, nbval, nbconvert) keep it as a plain HTML output. Stopping a
view leaves its live displays showing the last state, without highlights.

Parts of a picture that change from run to run carry these CSS classes, so nbval can blank
them (e.g. `regex: (<[^>]*class="[^"]*k8slab-(?:age|ip|hash|port)\\b[^"]*"[^>]*>)[^<]*`,
`replace: \\1~`):

- `k8slab-age`: ages ("12s", "3m4s");
- `k8slab-ip`: IP addresses (ClusterIP, pod IPs, external addresses);
- `k8slab-hash`: generated parts of names (`web-` + `7d8f9c6b4-x2x4q`, `pvc-` + a UID);
- `k8slab-port`: NodePort numbers (allocated at random);
- `k8slab-message`: event messages (they quote names, IPs and node placement).

Stable hooks for tests and styling: `k8slab-view` (the outer box) with `k8slab-podboard`,
`k8slab-rollout`, `k8slab-ownertree`, `k8slab-servicemap`, `k8slab-nodemap`,
`k8slab-eventlog`; `k8slab-pod` tiles with `data-state` (Pending, ContainerCreating, Ready,
NotReady, Terminating, ImageError, Completed, Failed, Gone) and `k8slab-new` / `k8slab-gone`
while live; `k8slab-phase`, `k8slab-name`, `k8slab-badge`, `k8slab-endpoint[data-ready]`,
`k8slab-node[data-node]`, `k8slab-replicaset[data-new]`, `k8slab-revision`, `k8slab-pvc`,
`k8slab-pv`. Which node a pod lands on varies too: pictures grouped by node are best kept out
of nbval's comparison (`# NBVAL_IGNORE_OUTPUT`), with an `until` snapshot of the counts after.
"""

from __future__ import annotations

from typing import Any

from ..errors import K8sLabError
from .base import Snapshot, View
from .eventlog import EventLog, EventLogState
from .nodemap import NodeMap, NodeMapState
from .ownertree import CHILDREN, OwnerTree, OwnerTreeState
from .podboard import PodBoard, PodBoardState
from .rollout import RolloutState, RolloutView
from .servicemap import ServiceMap, ServiceMapState
from .state import State, Store

__all__ = ["EventLog", "EventLogState", "NodeMap", "NodeMapState", "OwnerTree",
           "OwnerTreeState", "PodBoard", "PodBoardState", "RolloutState", "RolloutView",
           "ServiceMap", "ServiceMapState", "Snapshot", "State", "Store", "View", "show"]

PODS = {"pods", "pod", "po", "podboard"}
NODES = {"nodes", "node", "no", "nodemap"}
EVENTS = {"events", "event", "ev", "eventlog"}


def show(lab, what: Any, name: str | None = None, **options) -> View:
    """The live view that fits `what`: a kind name (with `name` where one object is meant),
    a (kind, name) pair, or an object dict as `lab.get` returns it."""
    if isinstance(what, tuple | list) and len(what) == 2 and name is None:
        what, name = what
    if isinstance(what, dict):
        meta = what.get("metadata") or {}
        name = name or meta.get("name")
        if meta.get("namespace"):
            options.setdefault("namespace", meta["namespace"])
        what = what.get("kind") or ""
    text = str(what).strip().lower()
    if text in PODS:
        if name:
            options.setdefault("names", [name])
        return PodBoard(lab, **options)
    if text in NODES:
        if name:
            options.setdefault("nodes", [name])
        return NodeMap(lab, **options)
    if text in EVENTS:
        return EventLog(lab, **options)
    if text == "tree":
        kind = options.pop("kind", None)
        if not kind or not name:
            raise K8sLabError("show('tree', name, kind=...) needs a kind and a name",
                              hint="e.g. lab.show('tree', 'web', kind='deployment')")
        return OwnerTree(lab, kind, name, **options)
    kind = lab.kind(text).kind
    if not name:
        raise K8sLabError(f"which {kind}? give its name",
                          hint=f"e.g. lab.show({text!r}, 'web')")
    if kind == "Deployment":
        return RolloutView(lab, name, **options)
    if kind == "Service":
        return ServiceMap(lab, name, **options)
    if kind in CHILDREN:
        return OwnerTree(lab, kind, name, **options)
    raise K8sLabError(f"no live view for {kind}",
                      hint="views: pods, nodes, events, deployment, service, statefulset, "
                      "job, cronjob, daemonset, replicaset, or 'tree' with kind=")
