"""Every verb of the Lab contract, against the embedded cluster: what a lesson calls, what it
returns, and what the cluster (and kubectl, and the raw client) then holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from testobjects import deployment

import k8slab
from k8slab.errors import NotAvailable, NotFound

pytestmark = pytest.mark.cluster


def configmap(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name,
                                                                   "labels": {"set": "a"}},
            "data": data}


CONFIGMAP_YAML = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {set: a}
data:
  MODE: production
"""

TWO_DOCS = CONFIGMAP_YAML + """\
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  labels: {set: b}
data:
  MODE: test
"""


def names(objs: list[dict]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objs)


def images(lab, name: str) -> list[str]:
    dep = lab.get("deployment", name)
    return [c["image"] for c in dep["spec"]["template"]["spec"]["containers"]]


# -- apply -------------------------------------------------------------------------------------
def test_apply_yaml_text_creates_the_object_and_says_so(lab):
    applied = lab.apply(CONFIGMAP_YAML)
    assert repr(applied) == "configmap/settings created"
    assert applied[0]["metadata"]["namespace"] == lab.namespace
    assert lab.get("configmap", "settings")["data"] == {"MODE": "production"}


def test_apply_a_file_by_path_text_or_path_object(lab, tmp_path: Path):
    path = tmp_path / "settings.yaml"
    path.write_text(CONFIGMAP_YAML)
    assert repr(lab.apply(str(path))) == "configmap/settings created"
    assert repr(lab.apply(path)) == "configmap/settings unchanged"


def test_apply_a_dict_and_a_list_of_dicts(lab):
    assert repr(lab.apply(configmap("one", a="1"))) == "configmap/one created"
    applied = lab.apply([configmap("two", a="2"), configmap("three", a="3")])
    assert [o.action for o in applied.outcomes] == ["created", "created"]
    assert names(lab.get("configmap", selector="set=a")) == ["one", "three", "two"]


def test_apply_multi_document_yaml_creates_every_object(lab):
    applied = lab.apply(TWO_DOCS)
    assert repr(applied) == "configmap/settings created\nconfigmap/other created"
    assert lab.get("configmap", "other")["data"] == {"MODE": "test"}


def test_reapplying_the_same_manifest_is_a_no_op(lab):
    lab.apply([deployment(), configmap("settings", MODE="x")])
    lab.rollout_status("deployment", "web", timeout=60)  # the controller has written status
    versions = {k: lab.get(k, n)["metadata"]["resourceVersion"]
                for k, n in (("deployment", "web"), ("configmap", "settings"))}
    again = lab.apply([deployment(), configmap("settings", MODE="x")])
    assert [o.action for o in again.outcomes] == ["unchanged", "unchanged"]
    assert {k: lab.get(k, n)["metadata"]["resourceVersion"]
            for k, n in (("deployment", "web"), ("configmap", "settings"))} == versions


def test_reapplying_while_controllers_update_the_status_is_still_unchanged(lab):
    lab.apply(deployment(replicas=3))
    seen = {repr(lab.apply(deployment(replicas=3))) for _ in range(6)}  # pods are starting
    assert seen == {"deployment.apps/web unchanged"}


def test_a_field_left_out_of_the_manifest_is_removed_and_reported_configured(lab):
    lab.apply(configmap("settings", MODE="a"))
    plain = configmap("settings", MODE="a")
    del plain["metadata"]["labels"]
    assert repr(lab.apply(plain)) == "configmap/settings configured"
    assert "labels" not in lab.get("configmap", "settings")["metadata"]


def test_a_changed_manifest_is_configured_in_place(lab):
    lab.apply(configmap("settings", MODE="a"))
    uid = lab.get("configmap", "settings")["metadata"]["uid"]
    assert repr(lab.apply(configmap("settings", MODE="b"))) == "configmap/settings configured"
    after = lab.get("configmap", "settings")
    assert after["data"] == {"MODE": "b"} and after["metadata"]["uid"] == uid


def test_an_object_read_back_from_the_cluster_can_be_applied_again(lab):
    lab.apply(configmap("settings", MODE="a"))
    read = lab.get("configmap", "settings")
    read["data"]["MODE"] = "b"
    assert repr(lab.apply(read)) == "configmap/settings configured"
    assert lab.get("configmap", "settings")["data"]["MODE"] == "b"


def test_apply_keeps_any_text_including_emoji_beyond_u_ffff(lab):
    text = "Hello 👋 from a ConfigMap \\ud83d é \u2028 ✓"
    lab.apply(CONFIGMAP_YAML.replace("MODE: production", f"MODE: {json.dumps(text)}"))
    assert lab.get("configmap", "settings")["data"] == {"MODE": text}


def test_apply_uses_server_side_apply_with_the_k8slab_field_manager(lab):
    lab.apply(configmap("settings", MODE="a"))
    fields = lab.get("configmap", "settings")["metadata"]["managedFields"]
    assert [(f["manager"], f["operation"]) for f in fields] == [("k8slab", "Apply")]


def test_kubectl_and_the_raw_client_see_what_the_lab_applied(lab, kubectl):
    lab.apply(TWO_DOCS)
    out = kubectl("get", "configmaps", "-n", lab.namespace, "-l", "set", "-o", "json")
    assert names(json.loads(out.stdout)["items"]) == ["other", "settings"]
    raw = lab.core.read_namespaced_config_map("settings", lab.namespace)
    assert raw.data == {"MODE": "production"}


# -- reading -----------------------------------------------------------------------------------
def test_get_by_name_returns_one_object_and_by_selector_a_list(lab):
    lab.apply(TWO_DOCS)
    one = lab.get("configmap", "settings")
    assert one["kind"] == "ConfigMap" and one["metadata"]["name"] == "settings"
    assert names(lab.get("configmap", selector="set=b")) == ["other"]
    assert names(lab.get("configmap", selector="set")) == ["other", "settings"]


@pytest.mark.parametrize("alias", ["deploy", "deployment", "deployments", "Deployment",
                                   "deployments.apps", "deployment.apps"])
def test_kind_aliases_name_the_same_deployment(lab, alias):
    lab.apply(deployment())
    assert lab.kind(alias).api_version == "apps/v1" and lab.kind(alias).kind == "Deployment"
    assert lab.get(alias, "web")["metadata"]["uid"] == lab.get("deploy", "web")["metadata"]["uid"]


def test_table_is_the_servers_wide_table_with_one_row_per_object(lab):
    lab.apply(deployment(replicas=2))
    lab.wait_for("deployment", "web", "replicas=2", timeout=60)
    table = lab.table("deploy")
    assert table.columns[:2] == ["NAME", "READY"] and "IMAGES" in table.columns
    assert table.column("NAME") == ["web"] and table.column("READY") == ["2/2"]
    assert table.column("IMAGES") == ["nginx:1.27"]
    assert "<table" in table._repr_html_() and "web" in str(table)
    assert len(lab.table("pods", selector="app=web")) == 2


def test_describe_shows_the_objects_state_and_its_events(lab):
    lab.apply(deployment(replicas=2))
    lab.wait_for("deployment", "web", "Available", timeout=60)
    text = lab.describe("deployment", "web")
    assert f"Namespace:        {lab.namespace}" in text
    assert "2 desired" in text and "app: nginx:1.27" in text
    assert "ScalingReplicaSet" in text


def test_events_of_one_object_and_of_the_namespace(lab):
    lab.apply(deployment())
    lab.wait_for("deployment", "web", "Available", timeout=60)
    mine = lab.events("deployment", "web")
    assert mine.column("OBJECT") and set(mine.column("OBJECT")) == {"deployment/web"}
    everything = lab.events()
    assert {"deployment/web"} < set(everything.column("OBJECT"))


def test_delete_by_name_waits_until_it_is_gone(lab):
    lab.apply(TWO_DOCS)
    assert lab.delete("configmap", "settings") == "configmap/settings deleted"
    assert not lab.exists("configmap", "settings") and lab.exists("configmap", "other")


def test_delete_by_selector_deletes_every_match(lab):
    lab.apply([configmap("a1"), configmap("a2"), {**configmap("b1"),
                                                    "metadata": {"name": "b1"}}])
    text = lab.delete("configmap", selector="set=a")
    assert text.splitlines() == ["configmap/a1 deleted", "configmap/a2 deleted"]
    assert lab.get("configmap", selector="set=a") == [] and lab.exists("configmap", "b1")
    assert lab.delete("configmap", selector="set=a") == "no configmaps matched 'set=a'"


# -- workloads ---------------------------------------------------------------------------------
def test_scale_changes_the_number_of_ready_pods(lab):
    lab.apply(deployment(replicas=1))
    assert lab.scale("deploy", "web", 3) == "deployment.apps/web scaled to 3"
    lab.wait_for("deploy", "web", "replicas=3", timeout=60)
    assert len(lab.get("pods", selector="app=web")) == 3
    lab.scale("deploy", "web", 1)
    lab.wait_for("deploy", "web", "replicas=1", timeout=60)
    assert lab.get("deploy", "web")["status"]["readyReplicas"] == 1


def test_set_image_rolls_out_a_second_revision(lab):
    lab.apply(deployment(replicas=2))
    lab.rollout_status("deployment", "web", timeout=60)
    assert lab.set_image("deployment", "web", "nginx:1.28") == \
        "deployment.apps/web image updated: app=nginx:1.28"
    assert "successfully rolled out" in lab.rollout_status("deployment", "web", timeout=60)
    assert images(lab, "web") == ["nginx:1.28"]
    history = lab.rollout_history("deployment", "web")
    assert history.column("REVISION") == ["1", "2"]
    assert history.column("IMAGES") == ["nginx:1.27", "nginx:1.28"]
    assert history.column("CHANGE-CAUSE")[1] == "set image app=nginx:1.28"
    pods = lab.get("pods", selector="app=web")
    assert {p["spec"]["containers"][0]["image"] for p in pods if
            not p["metadata"].get("deletionTimestamp")} == {"nginx:1.28"}


def test_rollout_undo_goes_back_to_the_previous_and_to_a_given_revision(lab):
    lab.apply(deployment())
    for tag in ("1.28", "1.29"):
        lab.rollout_status("deployment", "web", timeout=60)
        lab.set_image("deployment", "web", f"nginx:{tag}")
    lab.rollout_status("deployment", "web", timeout=60)
    assert lab.rollout_undo("deployment", "web") == "deployment 'web' rolled back to revision 2"
    lab.rollout_status("deployment", "web", timeout=60)
    assert images(lab, "web") == ["nginx:1.28"]
    assert lab.rollout_undo("deploy", "web", to_revision=1) == \
        "deployment 'web' rolled back to revision 1"
    lab.rollout_status("deployment", "web", timeout=60)
    assert images(lab, "web") == ["nginx:1.27"]


def test_rollout_restart_replaces_every_pod(lab):
    lab.apply(deployment(replicas=2))
    lab.rollout_status("deployment", "web", timeout=60)
    before = set(names(lab.get("pods", selector="app=web")))
    assert lab.rollout_restart("deployment", "web") == "deployment.apps/web restarted"
    lab.rollout_status("deployment", "web", timeout=60)
    lab.wait_for("pods", None, "deleted", selector=f"pod-template-hash={_hash(lab, before)}",
                 timeout=60)
    after = set(names(lab.get("pods", selector="app=web")))
    assert len(after) == 2 and not after & before


def _hash(lab, pod_names: set[str]) -> str:
    """The pod-template-hash of the pods named (all from one ReplicaSet)."""
    [value] = {n.split("-")[-2] for n in pod_names}
    return value


# -- waiting -----------------------------------------------------------------------------------
def test_wait_for_available_ready_and_replicas(lab):
    lab.apply(deployment(replicas=2))
    assert lab.wait_for("deployment", "web", "Available", timeout=60) == \
        "deployment 'web': Available"
    lab.wait_for("deployment", "web", "replicas=2", timeout=60)
    pod = names(lab.get("pods", selector="app=web"))[0]
    lab.wait_for("pod", pod, "Ready", timeout=60)
    conditions = lab.get("pod", pod)["status"]["conditions"]
    assert {c["type"]: c["status"] for c in conditions}["Ready"] == "True"


def test_wait_for_every_object_matching_a_selector(lab):
    lab.apply(deployment(replicas=3))
    text = lab.wait_for("pods", selector="app=web", condition="Ready", timeout=60)
    assert text == "pods matching 'app=web': Ready"
    assert len(lab.get("pods", selector="app=web")) == 3


def test_wait_for_deleted_returns_once_the_object_is_gone(lab):
    lab.apply(configmap("settings"))
    lab.delete("configmap", "settings", wait=False)
    lab.wait_for("configmap", "settings", "deleted", timeout=30)
    assert not lab.exists("configmap", "settings")


# -- real containers only ----------------------------------------------------------------------
@pytest.mark.parametrize("call", [lambda lab: lab.logs("web-0"),
                                  lambda lab: lab.exec("web-0", "hostname")],
                         ids=["logs", "exec"])
def test_logs_and_exec_say_they_need_real_nodes(lab, call):
    with pytest.raises(NotAvailable) as caught:
        call(lab)
    assert "not available on simulated nodes" in caught.value.message
    assert "real cluster" in caught.value.hint


# -- labels, annotations, namespaces -----------------------------------------------------------
def test_label_sets_and_removes_labels(lab):
    lab.apply(configmap("settings"))
    assert lab.label("configmap", "settings", tier="front", set=None) == \
        "configmap/settings labeled"
    assert lab.get("configmap", "settings")["metadata"]["labels"] == {"tier": "front"}


def test_annotate_sets_and_removes_annotations(lab):
    lab.apply(configmap("settings"))
    lab.annotate("configmap", "settings", **{"example.com/owner": "ada", "note": "x"})
    lab.annotate("configmap", "settings", note=None)
    assert lab.get("configmap", "settings")["metadata"]["annotations"] == \
        {"example.com/owner": "ada"}


def test_create_namespace_is_idempotent_and_cleanup_removes_it(lab):
    name = f"{lab.namespace}-extra"
    assert lab.create_namespace(name) == f"namespace/{name} created"
    assert lab.create_namespace(name) == f"namespace/{name} exists"
    assert lab.get("namespace", name)["metadata"]["labels"]["k8slab.dev/managed"] == "true"
    lab.apply(configmap("inside"), namespace=name)
    assert lab.exists("configmap", "inside", namespace=name)
    lab.cleanup()
    with pytest.raises(NotFound):
        lab.get("namespace", name)


def test_apply_creates_a_namespace_and_what_goes_in_it_and_cleanup_deletes_both(lab):
    lab.apply({**deployment(), "spec": {**deployment("other")["spec"]}})  # same name, here
    namespace = f"{lab.namespace}-applied"
    inside = {**deployment(), "metadata": {"name": "web", "namespace": namespace}}
    applied = lab.apply([inside, {"apiVersion": "v1", "kind": "Namespace",
                                  "metadata": {"name": namespace}}])
    assert repr(applied) == f"namespace/{namespace} created\ndeployment.apps/web created"
    assert lab.get("deploy", "web", namespace=namespace)["spec"]["selector"] == \
        {"matchLabels": {"app": "web"}}
    lab.cleanup()
    assert not lab.exists("namespace", namespace)


def test_cleanup_deletes_the_labs_own_namespace_and_waits(cluster, lab):
    other = k8slab.connect(namespace=f"{lab.namespace}-own", kubeconfig=cluster.kubeconfig,
                           context="k8slab")
    try:
        other.apply([deployment(replicas=2), configmap("settings")])
        assert other.cleanup() == f"namespace {other.namespace!r} deleted"
        assert not lab.exists("namespace", other.namespace)
    finally:
        other.close()


def test_cleanup_in_a_namespace_it_did_not_create_deletes_only_what_it_applied(cluster, lab):
    name = f"{lab.namespace}-theirs"
    lab.core.create_namespace({"metadata": {"name": name}})
    try:
        lab.core.create_namespaced_config_map(name, {"metadata": {"name": "theirs"}})
        guest = k8slab.connect(namespace=name, kubeconfig=cluster.kubeconfig, context="k8slab")
        guest.apply([configmap("mine"), deployment()])
        text = guest.cleanup()
        guest.close()
        assert text == "deleted: deployment.apps/web, configmap/mine"
        assert names(lab.get("configmap", namespace=name)) == ["kube-root-ca.crt", "theirs"]
        assert lab.get("deployment", namespace=name) == []
    finally:
        lab.core.delete_namespace(name)
