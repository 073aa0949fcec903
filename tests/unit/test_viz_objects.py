"""Kubernetes objects as the embedded cluster writes them (pods in each state, ReplicaSets,
nodes...), and how the views read them: kubectl's STATUS, readiness, generated names.

The factories here are shared by the other test_viz_* modules."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from k8slab.viz.status import guess_split, parse_selector, pod_state, split_name

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
_versions = itertools.count(100)


def stamp(seconds_ago: float = 0) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rs(name: str = "web-7d876db474", uid: str = "rs-1", revision: int = 1, replicas: int = 3,
       image: str = "nginx:1.27", ready: int = 0, dep_uid: str = "dep-1",
       ns: str = "demo") -> dict:
    template_hash = name.rsplit("-", 1)[-1]
    return {"kind": "ReplicaSet", "apiVersion": "apps/v1",
            "metadata": {"name": name, "namespace": ns, "uid": uid,
                         "labels": {"app": "web", "pod-template-hash": template_hash},
                         "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                         "ownerReferences": [{"kind": "Deployment", "uid": dep_uid,
                                              "controller": True}],
                         "creationTimestamp": stamp(60 - revision)},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "nginx", "image": image}]}}},
            "status": {"replicas": replicas, "readyReplicas": ready,
                       "availableReplicas": ready}}


def pod(name: str = "web-7d876db474-x2x4q", state: str = "ready", node: str | None = "node-1",
        labels: dict | None = None, owner: dict | None = None, ns: str = "demo",
        age: float = 30, volumes: list[str] | None = None) -> dict:
    """A pod in one of the states kwok's simulated kubelet moves it through: "unscheduled",
    "pending" (scheduled), "creating", "ready", "notready", "pull-error", "backoff",
    "terminating", "succeeded", "failed"."""
    meta = {"name": name, "namespace": ns, "uid": f"uid-{name}",
            "resourceVersion": str(next(_versions)), "creationTimestamp": stamp(age),
            "labels": dict(labels if labels is not None else {"app": "web"})}
    parts = name.rsplit("-", 2)
    if len(parts) == 3 and len(parts[2]) == 5:
        meta["generateName"] = f"{parts[0]}-{parts[1]}-"
        meta["labels"]["pod-template-hash"] = parts[1]
    if owner is not None:
        meta["ownerReferences"] = [{"kind": owner["kind"], "name": owner["metadata"]["name"],
                                    "uid": owner["metadata"]["uid"], "controller": True}]
    spec = {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}
    if node and state != "unscheduled":
        spec["nodeName"] = node
    if volumes:
        spec["volumes"] = [{"name": v, "persistentVolumeClaim": {"claimName": v}}
                           for v in volumes]
    status: dict = {"phase": "Pending"}
    waiting = {"creating": "ContainerCreating", "pull-error": "ErrImagePull",
               "backoff": "ImagePullBackOff"}.get(state)
    if waiting:
        status["containerStatuses"] = [{"name": "nginx", "ready": False,
                                        "state": {"waiting": {"reason": waiting}}}]
        status["conditions"] = [{"type": "Ready", "status": "False"}]
    if state in ("ready", "notready", "terminating"):
        status = {"phase": "Running", "podIP": "10.244.1.7",
                  "containerStatuses": [{"name": "nginx", "ready": state != "notready",
                                         "state": {"running": {"startedAt": stamp(age)}}}],
                  "conditions": [{"type": "Ready",
                                  "status": "False" if state == "notready" else "True"}]}
    if state == "terminating":
        meta["deletionTimestamp"] = stamp(0)
    if state in ("succeeded", "failed"):
        status = {"phase": "Succeeded" if state == "succeeded" else "Failed"}
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec,
            "status": status}


def node(name: str = "node-1", ready: bool = True, cordoned: bool = False,
         taints: list[dict] | None = None) -> dict:
    return {"kind": "Node", "apiVersion": "v1",
            "metadata": {"name": name, "uid": f"uid-{name}",
                         "labels": {"topology.kubernetes.io/zone": "zone-a"}},
            "spec": {"unschedulable": True} if cordoned else {"taints": taints or []},
            "status": {"allocatable": {"pods": "500"},
                       "conditions": [{"type": "Ready",
                                       "status": "True" if ready else "False"}]}}


def deployment(name: str = "web", uid: str = "dep-1", replicas: int = 3, revision: int = 1,
               generation: int = 1, observed: int = 1, updated: int = 3, ready: int = 3,
               available: int = 3, total: int | None = None, deadline_exceeded: bool = False,
               ns: str = "demo") -> dict:
    conditions = [{"type": "Available", "status": "True"},
                  {"type": "Progressing", "status": "True",
                   "reason": "NewReplicaSetAvailable"}]
    if deadline_exceeded:
        conditions[1] = {"type": "Progressing", "status": "False",
                         "reason": "ProgressDeadlineExceeded",
                         "message": 'ReplicaSet "web-775f564bff" has timed out progressing.'}
    return {"kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": name, "namespace": ns, "uid": uid,
                         "generation": generation, "resourceVersion": str(next(_versions)),
                         "annotations": {"deployment.kubernetes.io/revision": str(revision)}},
            "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "replicas": replicas if total is None
                       else total, "updatedReplicas": updated, "readyReplicas": ready,
                       "availableReplicas": available, "conditions": conditions}}


# -- how the views read these objects --------------------------------------------------------
@pytest.mark.parametrize(("state", "label", "key"), [
    ("unscheduled", "Pending", "Pending"),
    ("pending", "Pending", "Pending"),
    ("creating", "ContainerCreating", "ContainerCreating"),
    ("ready", "Running", "Ready"),
    ("notready", "Running", "NotReady"),
    ("pull-error", "ErrImagePull", "ImageError"),
    ("backoff", "ImagePullBackOff", "ImageError"),
    ("terminating", "Terminating", "Terminating"),
    ("succeeded", "Completed", "Completed"),
    ("failed", "Failed", "Failed"),
])
def test_pod_state_reads_like_kubectl_status(state, label, key):
    assert pod_state(pod(state=state)) == (label, key)


def test_generated_name_parts_are_split_from_the_stable_part():
    assert split_name(pod("web-7d876db474-x2x4q")) == ("web-", "7d876db474-x2x4q")
    assert split_name(rs("web-7d876db474")) == ("web-", "7d876db474")
    assert split_name(pod("web-0")) == ("web-0", "")
    sts_pod = pod("web-0", owner={"kind": "StatefulSet", "metadata": {"name": "web",
                                                                     "uid": "s"}})
    sts_pod["metadata"]["generateName"] = "web-"  # set by the StatefulSet controller
    assert split_name(sts_pod) == ("web-0", "")
    pv = {"metadata": {"name": "pvc-04ba56ce-ef5b-4941-800b-98127119d506"}}
    assert split_name(pv) == ("pvc-", "04ba56ce-ef5b-4941-800b-98127119d506")
    job = {"metadata": {"name": "backup-29412345",
                        "ownerReferences": [{"kind": "CronJob", "uid": "c"}]}}
    assert split_name(job) == ("backup-", "29412345")


def test_bare_names_guess_generated_suffixes_only_from_kubernetes_alphabet():
    assert guess_split("web-7d876db474-x2x4q") == ("web-", "7d876db474-x2x4q")
    assert guess_split("node-agent-k8v2z") == ("node-agent-", "k8v2z")
    assert guess_split("hello-world") == ("hello-world", "")  # vowels: a word, not a hash
    assert guess_split("web-0") == ("web-0", "")


def test_label_selectors_equality_and_set_based():
    match = parse_selector("app=web,tier in (front, back),!canary,env!=prod")
    assert match({"app": "web", "tier": "front", "env": "dev"})
    assert not match({"app": "web", "tier": "front", "canary": "1"})
    assert not match({"app": "web", "tier": "db"})
    assert not match({"app": "web", "tier": "back", "env": "prod"})
    assert parse_selector(None)({})


# -- a stand-in for the informers, for the views' own logic -------------------------------------
class FakeHub:
    """Subscriptions by kind; `send` plays a watch event to the subscribed views."""

    def __init__(self):
        self.handlers: dict[str, list] = {}

    def subscribe(self, kind, namespace, handler):
        self.handlers.setdefault(kind, []).append(handler)
        return (kind, handler)

    def unsubscribe(self, subscription):
        kind, handler = subscription
        self.handlers[kind].remove(handler)

    def send(self, kind: str, event: str, obj: dict | None = None, initial: bool = False):
        for handler in list(self.handlers.get(kind, [])):
            handler(event, obj, initial)

    def sync(self, *kinds: str):
        for kind in kinds or list(self.handlers):
            self.send(kind, "SYNCED")


class FakeLab:
    """What a view needs of a Lab: a namespace, a list of views, kind names, `get`."""

    def __init__(self, namespace: str = "demo", hub: FakeHub | None = None):
        self.namespace = namespace
        self._views: list = []
        self.informers = hub or FakeHub()
        self.objects: dict[tuple[str, str], dict] = {}

    def kind(self, name: str):
        from types import SimpleNamespace

        kinds = {"deploy": "Deployment", "deployment": "Deployment", "sts": "StatefulSet",
                 "statefulset": "StatefulSet", "service": "Service", "svc": "Service",
                 "job": "Job", "cronjob": "CronJob", "daemonset": "DaemonSet",
                 "replicaset": "ReplicaSet", "configmap": "ConfigMap"}
        return SimpleNamespace(kind=kinds[name.lower()])

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict:
        from k8slab.errors import NotFound

        try:
            return self.objects[(kind, name)]
        except KeyError:
            raise NotFound(f"{kind} {name} not found") from None


class Handle:
    """A display handle that remembers what it was sent."""

    def __init__(self):
        self.updates: list[dict] = []

    def update(self, bundle, raw=False):
        self.updates.append(bundle)

    @property
    def html(self) -> str:
        return self.updates[-1]["text/html"] if self.updates else ""


def eventually(check, timeout: float = 2.0) -> bool:
    """Whether `check()` turns true within `timeout` (a live redraw may lag by 1/max_rate)."""
    import time

    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
