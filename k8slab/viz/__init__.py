"""Live views of the cluster: see the loop working.

    board = lab.show("pods", selector="app=web")   # PodBoard
    board                                          # in a cell: a live picture
    lab.scale("deployment", "web", 5)
    board.until("ready=5")                         # wait, then leave a static picture
    board.stop()

Views: PodBoard ("pods"), RolloutView ("deployment", name), OwnerTree ("statefulset" /
"job" / "cronjob" / "daemonset" / "replicaset", name, or "tree" with kind=), ServiceMap
("service", name), NodeMap ("nodes"), EventLog ("events").

How they work: each view subscribes to the Lab's shared informers (one list+watch per kind and
namespace, `lab.informers`), keeps the objects it needs, and redraws its picture (HTML, no
widgets: it renders the same in JupyterLab, RISE slides and exported notebooks) into IPython
display handles, at most 10 times a second. `until(condition)` blocks until the state matches
and returns a static `Snapshot`; `snapshot()` returns one now; `stop()` ends the watches.

Volatile parts of the pictures carry CSS classes so nbval can sanitize them:
`k8slab-age` (ages), `k8slab-ip` (IP addresses), `k8slab-nodeport` (node ports), and pod
names sit in `k8slab-name` elements.
"""

from __future__ import annotations

from typing import Any

from ..errors import K8sLabError
from .base import Snapshot, View
from .nodemap import EventLog, NodeMap
from .ownertree import OwnerTree
from .podboard import PodBoard
from .rollout import RolloutView
from .servicemap import ServiceMap

__all__ = ["EventLog", "NodeMap", "OwnerTree", "PodBoard", "RolloutView", "ServiceMap",
           "Snapshot", "View", "show"]


def show(lab, what: Any, name: str | None = None, **options) -> View:
    """The view that fits `what`: a kind name (with `name` where one object is meant) or an
    object dict as returned by `lab.get`."""
    if isinstance(what, dict):
        meta = what.get("metadata") or {}
        name = name or meta.get("name")
        options.setdefault("namespace", meta.get("namespace"))
        what = what.get("kind", "")
    text = str(what).strip().lower()
    if text in ("pods", "pod", "po", "podboard"):
        if name:
            options.setdefault("selector", f"metadata.name={name}")
            raise K8sLabError("show('pods') shows many pods; select them with selector=...",
                              hint="e.g. lab.show('pods', selector='app=web')")
        return PodBoard(lab, **options)
    if text in ("nodes", "node", "no", "nodemap"):
        return NodeMap(lab, **options)
    if text in ("events", "event", "ev", "eventlog"):
        return EventLog(lab, **options)
    if text == "tree":
        kind = options.pop("kind", None)
        if not kind or not name:
            raise K8sLabError("show('tree', name, kind=...) needs a kind and a name")
        return OwnerTree(lab, kind, name, **options)
    kind = lab.kind(text).kind
    if not name:
        raise K8sLabError(f"which {kind}? give its name: lab.show({what!r}, 'name')")
    if kind == "Deployment":
        return RolloutView(lab, name, **options)
    if kind == "Service":
        return ServiceMap(lab, name, **options)
    if kind in ("StatefulSet", "Job", "CronJob", "DaemonSet", "ReplicaSet"):
        return OwnerTree(lab, kind, name, **options)
    raise K8sLabError(f"no live view for {kind}",
                      hint="views: pods, nodes, events, deployment, service, statefulset, "
                      "job, cronjob, daemonset, replicaset, or 'tree' with kind=")
