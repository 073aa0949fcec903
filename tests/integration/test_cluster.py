"""The embedded cluster behaves like a real one: nodes, scheduling, Services, StatefulSets
with volumes, image failures, self-healing, and the kubectl it was built with."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
import yaml
from testobjects import deployment

from k8slab import waiting
from k8slab.cluster import config, versions

pytestmark = pytest.mark.cluster

ZONE = "topology.kubernetes.io/zone"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def bootstrap_nodes() -> dict[str, str]:
    """Node name -> zone, as config/bootstrap.yaml creates them."""
    return {d["metadata"]["name"]: d["metadata"]["labels"][ZONE]
            for d in yaml.safe_load_all(config.bootstrap_manifest())
            if d and d["kind"] == "Node"}


def service_range() -> ipaddress.IPv4Network:
    """The Service ClusterIP range the cluster is configured with (config/kwokctl.yaml)."""
    [options] = [d for d in yaml.safe_load_all(config.render(Path("/bin"), "fast"))
                 if d["kind"] == "KwokctlConfiguration"]
    [apiserver] = [p for p in options["componentsPatches"] if p["name"] == "kube-apiserver"]
    args = {a["key"]: a["value"] for a in apiserver["extraArgs"]}
    return ipaddress.ip_network(args["service-cluster-ip-range"])


def is_ready(pod: dict | None) -> bool:
    conditions = ((pod or {}).get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def ready_pods(lab, name: str, replicas: int) -> list[dict]:
    """Wait until the Deployment `name` has `replicas` Ready pods; return them."""
    lab.wait_for("deployment", name, f"replicas={replicas}", timeout=60)
    pods = lab.get("pods", selector=f"app={name}")
    assert len(pods) == replicas and all(map(is_ready, pods))
    return pods


def wait_pods(lab, selector: str, test, what: str, timeout: float = 60) -> dict[str, dict]:
    """Watch the pods matching `selector` until `test(pods by name)` holds."""
    return waiting.wait(lab, lab.kind("pods"), None, test, timeout, what, selector=selector)


# -- nodes ------------------------------------------------------------------------------
def test_three_nodes_are_ready_in_the_zones_bootstrap_labels(lab):
    nodes = {n["metadata"]["name"]: n for n in lab.get("nodes")}
    assert {name: n["metadata"]["labels"][ZONE] for name, n in nodes.items()} == \
        bootstrap_nodes()
    assert len(set(bootstrap_nodes().values())) == 3
    assert all(map(is_ready, nodes.values()))


# -- Deployments and scheduling -------------------------------------------------------------
def test_a_deployment_of_three_gets_three_ready_pods_with_their_own_ips_on_several_nodes(lab):
    lab.apply(deployment("web", 3))
    pods = ready_pods(lab, "web", 3)
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == 3
    assert len({p["spec"]["nodeName"] for p in pods}) > 1


def test_each_pod_ip_comes_from_its_nodes_pod_range(lab):
    lab.apply(deployment("web", 3))
    cidrs = {n["metadata"]["name"]: ipaddress.ip_network(n["spec"]["podCIDR"])
             for n in lab.get("nodes")}
    for pod in ready_pods(lab, "web", 3):
        assert ipaddress.ip_address(pod["status"]["podIP"]) in cidrs[pod["spec"]["nodeName"]]


def test_a_zone_spread_constraint_puts_one_pod_in_each_zone(lab):
    spread = [{"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "spread"}}}]
    lab.apply(deployment("spread", 3, topologySpreadConstraints=spread))
    pods = ready_pods(lab, "spread", 3)
    zones = bootstrap_nodes()
    assert sorted(zones[p["spec"]["nodeName"]] for p in pods) == sorted(zones.values())


def test_a_deleted_pod_is_replaced_by_a_new_one(lab):
    lab.apply(deployment("web", 2))
    before = {p["metadata"]["name"] for p in ready_pods(lab, "web", 2)}
    victim = sorted(before)[0]
    lab.delete("pod", victim)
    after = wait_pods(lab, "app=web", lambda pods: victim not in pods and len(pods) == 2
                      and all(map(is_ready, pods.values())), "a replacement pod")
    new = set(after) - before
    assert len(new) == 1 and victim not in new


def test_a_missing_image_ends_in_image_pull_backoff_with_warnings(lab):
    image = f"registry.local/web:{config.DEFAULT_BAD_IMAGE}"
    assert re.search(config.DEFAULT_BAD_IMAGE, image)
    lab.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "broken"},
               "spec": {"containers": [{"name": "app", "image": image}]}})

    def waiting_reason(pods: dict[str, dict]) -> str | None:
        statuses = (pods.get("broken") or {}).get("status", {}).get("containerStatuses") or []
        return statuses[0]["state"].get("waiting", {}).get("reason") if statuses else None

    pods = wait_pods(lab, None, lambda p: waiting_reason(p) == "ImagePullBackOff",
                     "ImagePullBackOff", timeout=30)
    assert not is_ready(pods["broken"])
    events = lab.core.list_namespaced_event(
        lab.namespace, field_selector="involvedObject.name=broken").items
    warnings = {e.reason: e.message for e in events if e.type == "Warning"}
    assert "ErrImagePull" in warnings["Failed"]
    assert "ImagePullBackOff" in warnings["BackOff"]


# -- Services -------------------------------------------------------------------------------
def service(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def endpoint_addresses(lab, service_name: str, test, timeout: float = 30) -> set[str]:
    """Wait until the ready addresses of the Service's EndpointSlices pass `test`."""
    seen: set[str] = set()

    def check(slices: dict[str, dict]) -> bool:
        nonlocal seen
        ready = [a for s in slices.values() for e in s.get("endpoints") or []
                 if (e.get("conditions") or {}).get("ready") for a in e["addresses"]]
        seen = set(ready)
        return len(ready) == len(seen) and test(seen)

    waiting.wait(lab, lab.kind("endpointslices"), None, check, timeout,
                 f"the EndpointSlices of {service_name}",
                 selector=f"kubernetes.io/service-name={service_name}")
    return seen


def test_a_service_gets_a_cluster_ip_in_the_configured_range(lab):
    lab.apply(service("web"))
    cluster_ip = lab.get("service", "web")["spec"]["clusterIP"]
    assert ipaddress.ip_address(cluster_ip) in service_range()


def test_a_services_endpoint_slices_list_exactly_the_ready_pods(lab):
    lab.apply([deployment("web", 3), service("web")])
    ips = {p["status"]["podIP"] for p in ready_pods(lab, "web", 3)}
    assert endpoint_addresses(lab, "web", lambda seen: seen == ips) == ips


def test_an_unready_pod_leaves_the_services_ready_endpoints(lab):
    lab.apply([deployment("web", 2), service("web")])
    pods = ready_pods(lab, "web", 2)
    ips = {p["status"]["podIP"] for p in pods}
    endpoint_addresses(lab, "web", lambda seen: seen == ips)
    lab.set_ready(pods[0]["metadata"]["name"], False)
    remaining = ips - {pods[0]["status"]["podIP"]}
    assert endpoint_addresses(lab, "web", lambda seen: seen == remaining) == remaining


# -- StatefulSets and volumes ------------------------------------------------------------------
def statefulset(replicas: int) -> list[dict]:
    labels = {"app": "web"}
    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"clusterIP": "None", "selector": labels, "ports": [{"port": 80}]}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
         "spec": {"serviceName": "web", "replicas": replicas,
                  "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}},
                  "volumeClaimTemplates": [{
                      "metadata": {"name": "data"},
                      "spec": {"accessModes": ["ReadWriteOnce"],
                               "resources": {"requests": {"storage": "1Gi"}}}}]}},
    ]


def test_a_statefulset_creates_each_pod_only_after_the_previous_one_is_ready(lab):
    replicas = 3
    lab.apply(statefulset(replicas))
    snapshots: list[dict[str, bool]] = []

    def ordered(pods: dict[str, dict]) -> bool:
        snapshots.append({name: is_ready(pod) for name, pod in pods.items()})
        return len(pods) == replicas and all(map(is_ready, pods.values()))

    pods = wait_pods(lab, "app=web", ordered, "the StatefulSet's pods", timeout=60)
    assert sorted(pods) == [f"web-{i}" for i in range(replicas)]
    for snapshot in snapshots:  # each is a consistent view of the pods at one revision
        for i in range(1, replicas):
            if f"web-{i}" in snapshot:
                assert snapshot.get(f"web-{i - 1}"), f"web-{i} existed before web-{i - 1} Ready"
    created = [pods[f"web-{i}"]["metadata"]["creationTimestamp"] for i in range(replicas)]
    assert created == sorted(created)


def test_a_statefulsets_claims_are_bound_to_volumes_of_the_default_storage_class(lab):
    lab.apply(statefulset(2))
    lab.wait_for("statefulset", "web", "replicas=2", timeout=60)
    [default] = [sc["metadata"]["name"] for sc in lab.get("storageclasses")
                 if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"]
    lab.wait_for("persistentvolumeclaim", selector="app=web", condition="Bound", timeout=30)
    claims = {c["metadata"]["name"]: c for c in lab.get("persistentvolumeclaims")}
    assert sorted(claims) == ["data-web-0", "data-web-1"]
    for name, claim in claims.items():
        assert claim["status"]["phase"] == "Bound"
        assert claim["spec"]["storageClassName"] == default
        volume = lab.get("persistentvolume", claim["spec"]["volumeName"])
        assert volume["spec"]["storageClassName"] == default
        assert volume["spec"]["claimRef"]["name"] == name
        assert volume["spec"]["claimRef"]["namespace"] == lab.namespace
        assert volume["status"]["phase"] == "Bound"


# -- the kubectl built with the cluster ---------------------------------------------------------
def test_the_built_kubectl_lists_the_ready_nodes(kubectl):
    out = kubectl("get", "nodes", "--no-headers").stdout
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert rows == dict.fromkeys(bootstrap_nodes(), "Ready")


def test_the_built_kubectl_and_the_server_are_the_pinned_version(kubectl):
    found = json.loads(kubectl("version", "-o", "json").stdout)
    assert found["clientVersion"]["gitVersion"] == versions.KUBERNETES
    assert found["serverVersion"]["gitVersion"] == versions.KUBERNETES


def test_the_built_kubectl_works_in_a_namespace(lab, kubectl):
    lab.apply(deployment("web", 2))
    ready_pods(lab, "web", 2)
    out = kubectl("get", "pods", "-n", lab.namespace, "-l", "app=web", "-o", "json").stdout
    pods = json.loads(out)["items"]
    assert len(pods) == 2 and all(map(is_ready, pods))
