"""The embedded cluster's configuration: profiles, placeholders, Stages, bind address, nodes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from k8slab.cluster import config, versions
from k8slab.errors import ClusterError

BIN = Path("/opt/k8slab-bins")
# The Stages the course relies on (pod lifecycle, image failures, Jobs, node failures).
COURSE_STAGES = {
    "node-initialize", "node-heartbeat", "node-not-ready", "pod-image-pull-error",
    "pod-image-pull-backoff", "pod-create", "pod-start", "pod-become-ready",
    "pod-become-unready", "pod-complete", "pod-delete"}


def documents(profile: str = "fast", bad_image: str | None = None) -> list[dict]:
    return list(yaml.safe_load_all(config.render(BIN, profile, bad_image)))


def stages(profile: str = "fast", bad_image: str | None = None) -> dict[str, dict]:
    return {d["metadata"]["name"]: d["spec"] for d in documents(profile, bad_image)
            if d["kind"] == "Stage"}


def of_kind(kind: str, profile: str = "fast") -> dict:
    [doc] = [d for d in documents(profile) if d["kind"] == kind]
    return doc


def expression(stage: dict, key_part: str) -> dict:
    [found] = [e for e in stage["selector"]["matchExpressions"] if key_part in e["key"]]
    return found


# -- profiles ---------------------------------------------------------------------------
def test_profile_comes_from_the_argument_then_the_environment_then_teaching(monkeypatch):
    monkeypatch.delenv("K8SLAB_PROFILE", raising=False)
    assert config.profile_name() == config.DEFAULT_PROFILE == "teaching"
    monkeypatch.setenv("K8SLAB_PROFILE", "fast")
    assert config.profile_name() == "fast"
    assert config.profile_name("teaching") == "teaching"


def test_an_unknown_profile_names_the_choices():
    with pytest.raises(ClusterError) as caught:
        config.profile_name("slow")
    assert "'slow'" in caught.value.message
    assert all(name in caught.value.hint for name in config.PROFILES)


def test_both_profiles_set_every_delay():
    assert set(config.PROFILES["teaching"]) == set(config.PROFILES["fast"])


def test_the_fast_profile_is_faster_at_every_step():
    for key, teaching_ms in config.PROFILES["teaching"].items():
        assert config.PROFILES["fast"][key] < teaching_ms, key


@pytest.mark.parametrize("profile", sorted(config.PROFILES))
def test_the_profile_delays_are_filled_into_the_stages(profile):
    delays = config.PROFILES[profile]
    found = stages(profile)
    assert found["pod-create"]["delay"]["durationMilliseconds"] == delays["create_ms"]
    assert found["pod-create"]["delay"]["jitterDurationMilliseconds"] == \
        delays["create_jitter_ms"]
    assert found["pod-start"]["delay"]["durationMilliseconds"] == delays["start_ms"]
    assert found["pod-become-ready"]["delay"]["durationMilliseconds"] == delays["ready_ms"]
    assert found["pod-image-pull-error"]["delay"]["durationMilliseconds"] == \
        delays["pull_error_ms"]
    assert found["pod-image-pull-backoff"]["delay"]["durationMilliseconds"] == \
        delays["backoff_ms"]
    assert found["pod-complete"]["delay"]["durationMilliseconds"] == delays["job_ms"]
    assert found["pod-delete"]["delay"]["durationMilliseconds"] == delays["delete_ms"]


@pytest.mark.parametrize("profile", sorted(config.PROFILES))
def test_no_placeholder_is_left_unfilled(profile):
    assert not re.findall(r"\$\{\w+\}", config.render(BIN, profile))


def test_only_the_fast_profile_lifts_the_api_rate_limits():
    assert of_kind("KwokctlConfiguration", "fast")["options"]["disableQPSLimits"] is True
    assert of_kind("KwokctlConfiguration", "teaching")["options"]["disableQPSLimits"] is False


# -- placeholders ---------------------------------------------------------------------------
def test_fill_replaces_placeholders_and_leaves_go_template_variables_alone():
    text = "delay: ${ms}\n{{ $now := Now }}{{ $ready }}"
    assert config.fill(text, {"ms": "50"}) == "delay: 50\n{{ $now := Now }}{{ $ready }}"


def test_a_placeholder_without_a_value_is_named():
    with pytest.raises(ClusterError, match=r"\$\{missing\}"):
        config.fill("a: ${missing}", {})


# -- images that do not exist ---------------------------------------------------------------
def test_the_default_bad_image_pattern_matches_the_course_images_only():
    pattern = re.compile(config.DEFAULT_BAD_IMAGE)
    assert pattern.search("nginx:does-not-exist")
    assert pattern.search("registry.local/team/does-not-exist:1.0")
    for good in ("nginx", "nginx:1.27", "busybox:1.36", "does-exist:latest"):
        assert not pattern.search(good), good


def test_the_bad_image_pattern_selects_the_pull_error_stage_and_excludes_pod_create():
    found = stages()
    test = f'test("{config.DEFAULT_BAD_IMAGE}")'
    error = expression(found["pod-image-pull-error"], test)
    create = expression(found["pod-create"], test)
    assert error["operator"] == create["operator"] == "In"
    assert (error["values"], create["values"]) == (["true"], ["false"])
    template = found["pod-image-pull-error"]["next"]["statusTemplate"]
    assert f'regexMatch "{config.DEFAULT_BAD_IMAGE}" .image' in template
    assert "ErrImagePull" in template


def test_a_pull_error_turns_into_image_pull_backoff_with_a_warning():
    backoff = stages()["pod-image-pull-backoff"]
    assert expression(backoff, "waiting.reason")["values"] == ["ErrImagePull"]
    assert "reason: ImagePullBackOff" in backoff["next"]["statusTemplate"]
    assert backoff["next"]["event"]["type"] == "Warning"


def test_the_bad_image_pattern_can_be_chosen(monkeypatch):
    monkeypatch.setenv("K8SLAB_BAD_IMAGE", "from-env")
    assert 'test("from-env")' in config.render(BIN, "fast")
    assert 'test("by-arg")' in config.render(BIN, "fast", bad_image="by-arg")
    monkeypatch.delenv("K8SLAB_BAD_IMAGE")
    assert f'test("{config.DEFAULT_BAD_IMAGE}")' in config.render(BIN, "fast")


# -- the Stages ---------------------------------------------------------------------------
def test_the_stages_file_parses_into_the_stages_the_course_relies_on():
    found = stages()
    assert set(found) == COURSE_STAGES
    for name, spec in found.items():
        assert spec["resourceRef"]["kind"] in ("Node", "Pod"), name
        assert spec["selector"]["matchExpressions"], name


def test_node_stages_are_included_since_any_stage_drops_kwoks_defaults():
    kinds = {s["resourceRef"]["kind"] for s in stages().values()}
    assert kinds == {"Node", "Pod"}


def test_a_deleted_pod_is_removed_before_any_other_stage_applies():
    found = stages()
    delete = found["pod-delete"]
    assert delete["next"]["delete"] is True
    assert expression(delete, "deletionTimestamp")["operator"] == "Exists"
    assert delete["weight"] > max(s.get("weight", 0) for n, s in found.items()
                                  if n != "pod-delete")


def test_only_pods_that_do_not_restart_complete():
    complete = stages()["pod-complete"]
    assert sorted(expression(complete, "restartPolicy")["values"]) == ["Never", "OnFailure"]


# -- kwokctl options ------------------------------------------------------------------------
def test_every_component_binds_to_127_0_0_1_only():
    options = of_kind("KwokctlConfiguration")["options"]
    assert options["bindAddress"] == "127.0.0.1"
    assert options["securePort"] is True and options["kubeAuthorization"] is True


def test_every_binary_is_a_local_file_of_the_bin_dir_so_nothing_is_downloaded():
    options = of_kind("KwokctlConfiguration")["options"]
    fields = {k: v for k, v in options.items() if k.endswith("Binary")}
    assert len(fields) == 6
    for field, value in fields.items():
        assert Path(value).parent == BIN, field
        assert Path(value).name in versions.ALL_BINARIES, field


def test_the_pinned_versions_are_filled_in():
    options = of_kind("KwokctlConfiguration")["options"]
    assert (options["runtime"], options["kubeVersion"], options["etcdVersion"],
            options["kwokVersion"]) == ("binary", versions.KUBERNETES, versions.ETCD,
                                        versions.KWOK)


def component_args(name: str) -> dict[str, str]:
    patches = of_kind("KwokctlConfiguration")["componentsPatches"]
    [patch] = [p for p in patches if p["name"] == name]
    return {a["key"]: a["value"] for a in patch["extraArgs"]}


def test_services_get_cluster_ips_from_kubeadms_default_range():
    assert component_args("kube-apiserver")["service-cluster-ip-range"] == "10.96.0.0/16"


def test_the_controller_manager_provisions_host_path_volumes():
    assert component_args("kube-controller-manager")["enable-hostpath-provisioner"] == "true"


def test_pods_of_a_not_ready_node_are_evicted_within_seconds():
    args = component_args("kube-apiserver")
    assert int(args["default-not-ready-toleration-seconds"]) <= 10
    assert int(args["default-unreachable-toleration-seconds"]) <= 10


# -- bootstrap objects ------------------------------------------------------------------------
def bootstrap() -> list[dict]:
    return [d for d in yaml.safe_load_all(config.bootstrap_manifest()) if d]


def test_three_simulated_nodes_in_three_zones():
    nodes = [d for d in bootstrap() if d["kind"] == "Node"]
    assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2", "node-3"]
    zones = [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes]
    assert zones == ["zone-a", "zone-b", "zone-c"]
    assert all(n["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake" for n in nodes)


def test_each_node_has_its_own_pod_range():
    cidrs = [d["spec"]["podCIDR"] for d in bootstrap() if d["kind"] == "Node"]
    assert len(set(cidrs)) == 3


def test_there_is_one_default_storage_class_that_provisions_host_paths():
    classes = [d for d in bootstrap() if d["kind"] == "StorageClass"]
    assert len(classes) == 1
    [sc] = classes
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == \
        "true"
    assert sc["provisioner"] == "kubernetes.io/host-path"
    assert sc["volumeBindingMode"] == "Immediate"
