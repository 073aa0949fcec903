"""Bad input gives a k8slab error that names what is wrong and how to fix it, never a raw
client exception, and a manifest that is refused leaves nothing half-applied."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from testobjects import deployment

import k8slab
from k8slab.errors import (
    ClusterUnreachable,
    Forbidden,
    InvalidManifest,
    K8sLabError,
    NotFound,
    Timeout,
)

pytestmark = pytest.mark.cluster


def configmap_yaml(name: str, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n{extra}"


def refused(call: Callable[[], object], error: type[K8sLabError], *words: str) -> K8sLabError:
    """Run `call`; it must raise `error` whose text holds `words` and a hint, with no client
    exception in its chain (what a notebook would show)."""
    with pytest.raises(K8sLabError) as caught:
        call()
    err = caught.value
    assert isinstance(err, error), f"{type(err).__name__}: {err}"
    text = str(err)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    assert err.hint, f"no hint in {text!r}"
    shown = err.__cause__ or (None if err.__suppress_context__ else err.__context__)
    assert shown is None or isinstance(shown, K8sLabError), repr(shown)
    assert "Traceback" not in text and "HTTP response headers" not in text
    return err


def user_objects(lab) -> set[str]:
    """What a test put into the lab's namespace (the namespace's own root CA left out)."""
    found = {f"configmap/{c['metadata']['name']}" for c in lab.get("configmap")}
    found |= {f"deployment/{d['metadata']['name']}" for d in lab.get("deployment")}
    found |= {f"secret/{s['metadata']['name']}" for s in lab.get("secret")}
    return found - {"configmap/kube-root-ca.crt"}


# -- manifests the client refuses before sending ------------------------------------------------
def test_an_unknown_kind_is_refused_with_a_suggestion(lab):
    refused(lambda: lab.apply("apiVersion: v1\nkind: ConfigMapp\nmetadata: {name: x}\n"),
            InvalidManifest, "unknown kind 'ConfigMapp'", "did you mean ConfigMap?")


def test_a_missing_name_is_refused(lab):
    refused(lambda: lab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"),
            InvalidManifest, "has no metadata.name", "give every object a name")


def test_bad_yaml_syntax_names_the_line_and_shows_it(lab):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n"
    err = refused(lambda: lab.apply(text), InvalidManifest, "not valid YAML", "line 5")
    assert " data: [" in err.message


def test_a_tab_indented_manifest_says_to_indent_with_spaces(lab):
    refused(lambda: lab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"),
            InvalidManifest, "line 4", "indent with spaces")


def test_a_value_yaml_cannot_read_is_named_with_its_line(lab):
    refused(lambda: lab.apply(configmap_yaml("x", "extra: 2024-13-45\n")),
            InvalidManifest, "line 7", "'2024-13-45'", "quote the value")


def test_a_file_that_does_not_exist_is_named(lab, tmp_path: Path):
    missing = tmp_path / "nowhere" / "web.yaml"
    refused(lambda: lab.apply(str(missing)), InvalidManifest,
            f"no such manifest file: {missing}", "check the path")


def test_a_directory_given_as_a_manifest_is_refused(lab, tmp_path: Path):
    refused(lambda: lab.apply(tmp_path), InvalidManifest, "cannot read the manifest file",
            "Is a directory")


def test_a_wrong_api_version_for_the_kind_names_the_right_one(lab):
    refused(lambda: lab.apply("apiVersion: apps/v1beta1\nkind: StatefulSet\n"
                              "metadata: {name: db}\n"),
            InvalidManifest, "not served as apiVersion 'apps/v1beta1'", "apps/v1")


def test_a_name_with_upper_case_letters_is_refused(lab):
    refused(lambda: lab.apply(configmap_yaml("Web")), InvalidManifest,
            "'Web' is not a valid name", "lower-case")


def test_a_name_too_long_for_a_service_is_refused(lab):
    name = "s" * 70
    refused(lambda: lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                               "spec": {"ports": [{"port": 80}]}}),
            InvalidManifest, "70 characters", "at most 63", "shorter")


def test_an_empty_manifest_is_refused(lab):
    refused(lambda: lab.apply("---\n---\n"), InvalidManifest, "the manifest is empty")


# -- manifests the API server refuses -----------------------------------------------------------
def test_a_misspelled_field_is_named_by_strict_validation(lab):
    err = refused(lambda: lab.apply(configmap_yaml("x", "datta: {a: b}\n")), InvalidManifest,
                  "unknown field", ".datta", "spelling")
    assert "nothing was applied" in err.message
    assert user_objects(lab) == set()


def test_a_missing_required_field_is_named_with_its_path(lab):
    refused(lambda: lab.apply({"apiVersion": "apps/v1", "kind": "Deployment",
                               "metadata": {"name": "web"}, "spec": {}}),
            InvalidManifest, "spec.selector: Required value",
            "spec.template.spec.containers: Required value", "add the required field")


def test_a_value_of_the_wrong_type_is_named(lab):
    bad = deployment()
    bad["spec"]["replicas"] = "lots"
    refused(lambda: lab.apply(bad), InvalidManifest, "wrong type", ".spec.replicas",
            "expected numeric")


def test_secret_data_that_is_not_base64_says_to_encode_it(lab):
    refused(lambda: lab.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                               "data": {"password": "not base64!"}}),
            InvalidManifest, "not base64-encoded", "stringData")


def test_a_multi_document_manifest_with_one_bad_document_applies_nothing(lab):
    manifest = "\n---\n".join([configmap_yaml("good-1"), yaml.safe_dump(deployment()),
                               configmap_yaml("bad", "datta: 1\n"), configmap_yaml("good-2")])
    err = refused(lambda: lab.apply(manifest), InvalidManifest, "configmap/bad", ".datta",
                  "nothing was applied")
    for name in ("configmap/good-1", "deployment.apps/web", "configmap/good-2"):
        assert name in err.message
    assert user_objects(lab) == set()


def test_a_list_with_one_invalid_object_leaves_existing_objects_as_they_were(lab):
    lab.apply(configmap_yaml("kept"))
    before = lab.get("configmap", "kept")["metadata"]["resourceVersion"]
    changed = yaml.safe_load(configmap_yaml("kept"))
    changed["data"] = {"a": "changed"}
    refused(lambda: lab.apply([changed, {**deployment(), "spec": {"replicas": -1}}]),
            InvalidManifest, "nothing was applied")
    kept = lab.get("configmap", "kept")
    assert kept["data"] == {"a": "b"} and kept["metadata"]["resourceVersion"] == before
    assert user_objects(lab) == {"configmap/kept"}


def test_a_batch_that_fails_half_way_deletes_again_what_it_created(lab):
    def locked(value: str) -> dict:  # each passes the dry run; the second cannot follow the first
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "locked"},
                "immutable": True, "data": {"a": value}}

    lab.apply(configmap_yaml("kept"))
    err = refused(lambda: lab.apply([yaml.safe_load(configmap_yaml("new")), yaml.safe_load(
        configmap_yaml("kept")), locked("1"), locked("2")]), InvalidManifest,
        "field is immutable", "undone (deleted again): configmap/locked, configmap/new",
        "applied: configmap/kept unchanged", "not applied: configmap/locked")
    assert [o["metadata"]["name"] for o in err.applied] == ["kept"]
    assert user_objects(lab) == {"configmap/kept"}


def test_a_new_namespace_with_a_bad_object_inside_is_not_created(lab):
    namespace = f"{lab.namespace}-new"
    manifest = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                {**yaml.safe_load(configmap_yaml("inside", "datta: 1\n")),
                 "metadata": {"name": "inside", "namespace": namespace}}]
    refused(lambda: lab.apply(manifest), InvalidManifest, ".datta", "nothing was applied",
            f"namespace/{namespace}")
    assert not lab.exists("namespace", namespace)


def test_applying_into_a_namespace_that_does_not_exist_applies_nothing(lab):
    manifest = [yaml.safe_load(configmap_yaml("here")),
                {**yaml.safe_load(configmap_yaml("there")),
                 "metadata": {"name": "there", "namespace": "no-such-namespace"}}]
    refused(lambda: lab.apply(manifest), NotFound, "'no-such-namespace' does not exist",
            "nothing was applied", "lab.create_namespace('no-such-namespace')")
    assert user_objects(lab) == set()


def test_changing_an_immutable_field_is_refused_and_the_object_kept(lab):
    lab.apply(deployment())
    moved = deployment()
    moved["spec"]["selector"]["matchLabels"]["tier"] = "front"
    moved["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    refused(lambda: lab.apply(moved), InvalidManifest, "spec.selector", "field is immutable",
            "delete the object")
    assert lab.get("deployment", "web")["spec"]["selector"]["matchLabels"] == {"app": "web"}


# -- verbs -------------------------------------------------------------------------------------
def test_scaling_a_kind_that_cannot_scale_is_refused(lab):
    lab.apply(configmap_yaml("settings"))
    refused(lambda: lab.scale("configmap", "settings", 2), K8sLabError,
            "ConfigMap cannot be scaled", "Deployments")


@pytest.mark.parametrize("replicas", [-1, 2.5, "3", True])
def test_replicas_must_be_a_whole_number_not_below_zero(lab, replicas):
    refused(lambda: lab.scale("deployment", "web", replicas), K8sLabError,
            "replicas must be a whole number >= 0", repr(replicas))


def test_scaling_a_missing_deployment_names_it(lab):
    refused(lambda: lab.scale("deployment", "nope", 2), NotFound, "'nope'", "not found")


def test_set_image_on_a_missing_container_lists_the_containers(lab):
    lab.apply(deployment())
    refused(lambda: lab.set_image("deployment", "web", "nginx:1.28", container="nginx"),
            NotFound, "has no container 'nginx'", "['app']")


def test_rollout_undo_without_history_says_there_is_nothing_to_undo(lab):
    lab.apply(deployment())
    lab.rollout_status("deployment", "web", timeout=60)
    refused(lambda: lab.rollout_undo("deployment", "web"), K8sLabError,
            "only one revision", "change it first")


def test_rollout_undo_to_a_revision_that_does_not_exist_lists_the_revisions(lab):
    lab.apply(deployment())
    lab.rollout_status("deployment", "web", timeout=60)
    refused(lambda: lab.rollout_undo("deployment", "web", to_revision=7), NotFound,
            "no revision 7", "[1]")


def test_rollout_status_of_a_missing_deployment_fails_at_once(lab):
    refused(lambda: lab.rollout_status("deployment", "nope", timeout=30), NotFound, "'nope'")


def test_a_rollout_that_cannot_finish_times_out_with_what_is_stuck(lab):
    lab.apply(deployment(image="registry.local/web:does-not-exist"))
    err = refused(lambda: lab.rollout_status("deployment", "web", timeout=4), Timeout,
                  "timed out after 4s", "the rollout of deployment 'web'", "cannot be pulled")
    assert "0 ready" in err.last_state and "ImagePull" in err.last_state


def test_wait_for_timeout_says_what_was_seen(lab):
    lab.apply(deployment())
    lab.wait_for("deployment", "web", "Available", timeout=60)
    err = refused(lambda: lab.wait_for("deployment", "web", "replicas=5", timeout=1.5),
                  Timeout, "waiting for deployment 'web' to be replicas=5", "last state seen")
    assert err.last_state.startswith("web: 1 desired, 1 updated, 1 ready")


@pytest.mark.parametrize("condition", ["is it ready?", "", None])
def test_an_unknown_condition_is_refused_before_waiting(lab, condition):
    refused(lambda: lab.wait_for("deployment", "web", condition, timeout=30), K8sLabError,
            repr(condition), "replicas=3")


def test_get_of_a_missing_object_names_it(lab):
    refused(lambda: lab.get("deployment", "nope"), NotFound, "deployments.apps \"nope\"",
            "lab.get(kind)")


@pytest.mark.parametrize(("kind", "words"), [("deploymnt", ("'deploymnt'", "'deployment'")),
                                             ("deploy/web", ("not a kind name", "separately")),
                                             (None, ("not None", "api_resources"))])
def test_an_unknown_kind_name_is_refused_with_a_suggestion(lab, kind, words):
    refused(lambda: lab.get(kind), NotFound, *words)


@pytest.mark.parametrize("call", [
    lambda lab: lab.get("configmap", namespace="no-such-namespace"),
    lambda lab: lab.get("configmap", "x", namespace="no-such-namespace"),
    lambda lab: lab.table("pods", namespace="no-such-namespace"),
    lambda lab: lab.delete("configmap", "x", namespace="no-such-namespace"),
    lambda lab: lab.scale("deployment", "web", 2, namespace="no-such-namespace")],
    ids=["list", "get", "table", "delete", "scale"])
def test_a_namespace_that_does_not_exist_is_named(lab, call):
    refused(lambda: call(lab), NotFound, "namespace 'no-such-namespace' does not exist",
            "create_namespace")


def test_an_identity_without_rights_gets_forbidden_with_what_it_lacks(lab):
    lab.apply(configmap_yaml("settings"))
    nobody = lab.as_user(f"system:serviceaccount:{lab.namespace}:nobody")
    refused(lambda: nobody.get("configmap", "settings"), Forbidden,
            f"system:serviceaccount:{lab.namespace}:nobody", "cannot get resource",
            "configmaps", "Role and RoleBinding")


# -- connecting --------------------------------------------------------------------------------
def test_connect_to_a_context_that_does_not_exist_lists_the_contexts(cluster):
    refused(lambda: k8slab.connect(context="nowhere", kubeconfig=cluster.kubeconfig),
            ClusterUnreachable, "has no context 'nowhere'", "k8slab")


def test_connect_with_a_kubeconfig_that_does_not_exist_names_the_file(tmp_path: Path):
    missing = tmp_path / "kubeconfig"
    refused(lambda: k8slab.connect(kubeconfig=missing, context="k8slab"), ClusterUnreachable,
            f"no kubeconfig file at {missing}", "k8slab up")


def test_an_api_server_that_does_not_answer_is_unreachable(cluster, tmp_path: Path):
    with socket.socket() as probe:  # a local port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    for entry in config["clusters"]:
        entry["cluster"]["server"] = f"https://127.0.0.1:{port}"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    refused(lambda: k8slab.connect(kubeconfig=path, context="k8slab"), ClusterUnreachable,
            f"127.0.0.1:{port}", "k8slab up")
