"""ServiceMap, OwnerTree, NodeMap and EventLog: their state and picture for static snapshots."""

from __future__ import annotations

import re

from test_viz_objects import node, pod, rs, stamp

from k8slab.viz import eventlog, nodemap, ownertree, servicemap
from k8slab.viz.state import Store


def state_of(cls, kinds: list[str], objects: list[tuple[str, dict]], **params):
    s = Store(kinds)
    for kind, obj in objects:
        s.apply(kind, "ADDED", obj)
    for kind in kinds:
        s.apply(kind, "SYNCED", None)
    return s.state(cls, False, namespace="demo", **params)


# -- ServiceMap ------------------------------------------------------------------------------
def service(node_port: int | None = None) -> dict:
    port = {"port": 80, "targetPort": 8080, "protocol": "TCP"}
    if node_port:
        port["nodePort"] = node_port
    return {"kind": "Service", "metadata": {"name": "web", "namespace": "demo", "uid": "s"},
            "spec": {"type": "NodePort" if node_port else "ClusterIP",
                     "clusterIP": "10.96.12.34", "selector": {"app": "web"},
                     "ports": [port]}}


def endpoint_slice(*endpoints: tuple[str, str, bool]) -> dict:
    return {"kind": "EndpointSlice",
            "metadata": {"name": "web-x7k2p", "generateName": "web-", "namespace": "demo",
                         "labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready},
                           "targetRef": {"kind": "Pod", "name": name}, "nodeName": "node-1"}
                          for name, ip, ready in endpoints]}


def service_state(*objects):
    return state_of(servicemap.ServiceMapState, ["service", "endpointslice", "pod"],
                    list(objects), service="web")


def test_service_map_shows_ready_and_unready_endpoints_and_the_pods_behind():
    state = service_state(
        ("service", service(node_port=30080)),
        ("endpointslice", endpoint_slice(("web-1", "10.244.1.5", True),
                                         ("web-2", "10.244.2.6", False))),
        ("pod", pod("web-1")), ("pod", pod("web-2", "notready")),
        ("pod", pod("db-1", labels={"app": "db"})))
    assert state.measures() == {"endpoints": 1, "notready": 1, "matching": 2, "ready": 1}
    assert [e["targetRef"]["name"] for e in state.ready_endpoints()] == ["web-1"]
    html = servicemap.render(state)
    assert re.findall(r'class="k8slab-endpoint" data-ready="(\w+)"', html) == ["true", "false"]
    assert ">ready<" in html and ">not ready<" in html
    assert "receives traffic" in html and "<b>no traffic</b>" in html
    assert "db-1" not in html
    assert '<span class="k8slab-ip"' in html and ">10.244.1.5<" in html
    assert 'NodePort <span class="k8slab-port">30080</span>' in html
    assert "web.demo.svc.cluster.local" in html and "app=web" in html
    assert state.summary() == \
        "service web (NodePort): 2 pod(s) selected, 1 ready endpoint(s) of 2"


def test_service_map_explains_a_selector_that_matches_nothing():
    state = service_state(("service", service()), ("pod", pod("db-1", labels={"app": "db"})))
    html = servicemap.render(state)
    assert "check the selector" in html and "no endpoints" in html


# -- OwnerTree -------------------------------------------------------------------------------
def statefulset() -> dict:
    return {"kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "demo", "uid": "sts-1"},
            "spec": {"replicas": 2, "serviceName": "db",
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}}]},
            "status": {"replicas": 2, "readyReplicas": 2}}


def claim(name: str, volume: str | None) -> dict:
    return {"kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "demo", "uid": f"uid-{name}"},
            "spec": {"volumeName": volume, "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Bound" if volume else "Pending"}}


def volume(name: str) -> dict:
    return {"kind": "PersistentVolume", "metadata": {"name": name, "uid": f"uid-{name}"},
            "spec": {"storageClassName": "standard"}, "status": {"phase": "Bound"}}


PV0 = "pvc-04ba56ce-ef5b-4941-800b-98127119d506"
PV1 = "pvc-5ea7bc0e-cda8-4a6e-b64a-6afb984faf90"


def test_owner_tree_draws_statefulset_pods_claims_and_volumes():
    sts = statefulset()
    state = state_of(
        ownertree.OwnerTreeState, ["statefulset", "pod", "persistentvolumeclaim",
                                   "persistentvolume"],
        [("statefulset", sts), ("pod", pod("db-1", owner=sts, volumes=["data-db-1"])),
         ("pod", pod("db-0", owner=sts, volumes=["data-db-0"])),
         ("persistentvolumeclaim", claim("data-db-0", PV0)),
         ("persistentvolumeclaim", claim("data-db-1", PV1)),
         ("persistentvolumeclaim", claim("data-db-2", None)),
         ("persistentvolume", volume(PV0)), ("persistentvolume", volume(PV1))],
        root_kind="StatefulSet", root_name="db")
    assert [p["metadata"]["name"] for p in state.pods()] == ["db-0", "db-1"]
    assert state.measures()["bound"] == 2 and state.measures()["claims"] == 3
    html = ownertree.render(state)
    order = [html.index(s) for s in ("db-0", "data-db-0", PV0[4:12], "db-1", "data-db-1")]
    assert order == sorted(order)  # pod -> its claim -> its volume, pod by pod
    assert 'class="k8slab-chip k8slab-pvc"' in html and 'class="k8slab-chip k8slab-pv"' in html
    assert "kept, no pod" in html and "data-db-2" in html
    assert ">Bound<" in html and ">Pending<" in html
    assert PV0 not in re.sub(r'title="[^"]*"', "", html)  # the UID is shortened on screen
    assert state.summary() == "statefulset db: 2 pod(s), 2 ready, 2 of 3 claim(s) bound"


def test_owner_tree_draws_deployment_replicasets_and_their_pods():
    dep = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "demo",
                                              "uid": "dep-1"},
           "spec": {"replicas": 2}, "status": {"readyReplicas": 2}}
    old = rs("web-7d876db474", uid="rs-1", revision=1, replicas=0)
    new = rs("web-775f564bff", uid="rs-2", revision=2, replicas=2, ready=2)
    state = state_of(ownertree.OwnerTreeState, ["deployment", "replicaset", "pod"],
                     [("deployment", dep), ("replicaset", old), ("replicaset", new),
                      ("pod", pod("web-775f564bff-a1bcd", owner=new)),
                      ("pod", pod("web-775f564bff-k9zzp", owner=new))],
                     root_kind="Deployment", root_name="web")
    html = ownertree.render(state)
    assert html.count(">ReplicaSet<") == 2 and html.count('class="k8slab-pod') == 2
    assert html.index("775f564bff-a1bcd") > html.index("775f564bff<")


def test_owner_tree_groups_daemonset_pods_by_node():
    ds = {"kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "demo", "uid": "d"},
          "spec": {}, "status": {"numberReady": 2, "desiredNumberScheduled": 2}}
    state = state_of(ownertree.OwnerTreeState, ["daemonset", "pod"],
                     [("daemonset", ds), ("pod", pod("agent-k8v2z", owner=ds, node="node-2")),
                      ("pod", pod("agent-x7k2p", owner=ds, node="node-1"))],
                     root_kind="DaemonSet", root_name="agent")
    html = ownertree.render(state)
    assert html.index("node-1") < html.index("x7k2p") < html.index("node-2") < \
        html.index("k8v2z")
    assert "2/2 ready" in html


def test_owner_tree_shows_a_job_and_its_completed_pods():
    job = {"kind": "Job", "metadata": {"name": "backup", "namespace": "demo", "uid": "j"},
           "spec": {"completions": 2},
           "status": {"succeeded": 2, "conditions": [{"type": "Complete", "status": "True"}]}}
    state = state_of(ownertree.OwnerTreeState, ["job", "pod"],
                     [("job", job), ("pod", pod("backup-x7k2p", "succeeded", owner=job)),
                      ("pod", pod("backup-k8v2z", "succeeded", owner=job))],
                     root_kind="Job", root_name="backup")
    assert state.measures()["complete"] and state.measures()["succeeded"] == 2
    html = ownertree.render(state)
    assert ">Complete<" in html and html.count('data-state="Completed"') == 2


# -- NodeMap ---------------------------------------------------------------------------------
def test_node_map_shows_ready_notready_cordoned_and_taints():
    taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    state = state_of(nodemap.NodeMapState, ["node", "pod"],
                     [("node", node("node-1")), ("node", node("node-2", ready=False,
                                                              taints=[taint])),
                      ("node", node("node-3", cordoned=True)),
                      ("pod", pod("web-1", node="node-2")), ("pod", pod("web-2", node=None,
                                                                        state="unscheduled"))])
    assert state.measures() == {"nodes": 3, "ready": 2, "notready": 1, "cordoned": 1,
                                "pods": 2, "unscheduled": 1}
    html = nodemap.render(state)
    assert re.findall(r'data-node="([^"]+)" data-ready="(\w+)"', html) == \
        [("node-1", "true"), ("node-2", "false"), ("node-3", "true")]
    assert ">NotReady<" in html and "cordoned" in html
    assert "taint node.kubernetes.io/unreachable:NoExecute" in html
    assert html.index('data-node="node-2"') < html.index("web-1") < html.index('data-node="node-3"')
    assert "not scheduled yet" in html


def test_node_map_can_show_some_nodes_only():
    state = state_of(nodemap.NodeMapState, ["node", "pod"],
                     [("node", node("node-1")), ("node", node("node-2")),
                      ("pod", pod("web-1", node="node-1")), ("pod", pod("web-2", node="node-2"))],
                     only=("node-2",))
    html = nodemap.render(state)
    assert "node-1" not in html and "web-1" not in html and "web-2" in html


# -- EventLog --------------------------------------------------------------------------------
def event(name: str, reason: str, seconds_ago: float, kind: str = "Normal", count: int = 1,
          message: str = "") -> dict:
    return {"kind": "Event", "type": kind, "reason": reason, "count": count,
            "message": message, "lastTimestamp": stamp(seconds_ago),
            "metadata": {"name": f"{name}.{reason}", "namespace": "demo",
                         "resourceVersion": str(int(1000 - seconds_ago))},
            "involvedObject": {"kind": "Pod", "name": name}}


def test_event_log_lists_newest_first_up_to_the_limit():
    events = [("event", event("web-7d876db474-x2x4q", "Scheduled", 30)),
              ("event", event("web-7d876db474-x2x4q", "Started", 20)),
              ("event", event("web-775f564bff-k9zzp", "BackOff", 5, "Warning", 3,
                              "Back-off pulling image nginx:does-not-exist"))]
    state = state_of(eventlog.EventLogState, ["event"], events, limit=2)
    assert [e["reason"] for e in state.events()] == ["BackOff", "Started", "Scheduled"]
    assert state.seen("BackOff") and not state.seen("Killing")
    assert state.measures() == {"events": 3, "warnings": 1}
    html = eventlog.render(state)
    assert html.index("BackOff") < html.index("Started") and "Scheduled" not in html
    assert "×3" in html and "and 1 older" in html
    assert 'pod/<span class="k8slab-name"' in html
    assert '<span class="k8slab-hash">775f564bff-k9zzp</span>' in html
    assert 'class="k8slab-message"' in html
