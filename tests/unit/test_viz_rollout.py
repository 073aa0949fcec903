"""RolloutView: the rollout's condition, revision, numbers and ReplicaSets, from events."""

from __future__ import annotations

import re

import pytest
from test_viz_objects import FakeHub, FakeLab, Handle, deployment, eventually, pod, rs

from k8slab.errors import Timeout
from k8slab.viz import RolloutView
from k8slab.viz.pacing import Pacer
from k8slab.viz.rollout import RolloutState, render
from k8slab.viz.state import Store


def rollout_state(*objects: dict, live: bool = False, store: Store | None = None):
    s = store or Store(["deployment", "replicaset", "pod"])
    for obj in objects:
        s.apply(obj["kind"].lower(), "ADDED", obj)
    for kind in ("deployment", "replicaset", "pod"):
        s.apply(kind, "SYNCED", None)
    return s.state(RolloutState, live, namespace="demo", deployment="web")


OLD = rs("web-7d876db474", uid="rs-1", revision=1, replicas=3, ready=3)
NEW = rs("web-775f564bff", uid="rs-2", revision=2, replicas=1, image="nginx:1.28")


def test_a_finished_rollout_is_complete():
    state = rollout_state(deployment(), OLD, *[pod(f"web-7d876db474-a{i}bcd", owner=OLD)
                                               for i in range(3)])
    assert state.phase() == "complete" and state.revision() == 1
    assert state.measures()["complete"] and not state.measures()["stuck"]
    html = render(state)
    assert ">complete<" in html and 'class="k8slab-revision">1<' in html
    assert html.count('class="k8slab-pod') == 3


def test_a_rolling_update_is_progressing_with_old_and_new_replicasets():
    dep = deployment(revision=2, generation=2, observed=2, updated=1, ready=3, available=3,
                     total=4)
    old = rs("web-7d876db474", uid="rs-1", revision=1, replicas=3, ready=3)
    state = rollout_state(dep, old, NEW, pod("web-775f564bff-n2w4x", "creating", owner=NEW),
                          *[pod(f"web-7d876db474-a{i}bcd", owner=old) for i in range(3)])
    assert state.phase() == "progressing"
    assert [s["metadata"]["name"] for s in state.replica_sets()] == \
        ["web-7d876db474", "web-775f564bff"]
    assert state.new_replica_set()["metadata"]["name"] == "web-775f564bff"
    html = render(state)
    boxes = re.findall(r'class="k8slab-box k8slab-replicaset" data-new="(\w+)"', html)
    assert boxes == ["true", "false"]  # the new ReplicaSet first
    assert "nginx:1.28" in html and "nginx:1.27" in html
    assert "desired <b>3</b> · updated <b>1</b>" in html


def test_new_pods_in_image_pull_backoff_make_the_rollout_stuck():
    dep = deployment(revision=2, generation=2, observed=2, updated=1, ready=3, available=3,
                     total=4)
    state = rollout_state(dep, OLD, NEW, pod("web-775f564bff-n2w4x", "backoff", owner=NEW))
    assert state.phase() == "stuck"
    assert state.stuck_reason() == "new pods cannot pull their image (ImagePullBackOff)"
    html = render(state)
    assert ">stuck<" in html and "cannot pull their image" in html


def test_progress_deadline_exceeded_is_stuck_even_without_pods():
    dep = deployment(revision=2, generation=2, observed=2, updated=1, deadline_exceeded=True)
    state = rollout_state(dep, OLD, NEW)
    assert state.phase() == "stuck"
    assert state.stuck_reason().startswith("ProgressDeadlineExceeded")


def test_a_spec_change_not_yet_observed_is_not_complete():
    state = rollout_state(deployment(generation=2, observed=1), OLD)
    assert state.phase() == "progressing"


def test_old_replicasets_scaled_to_zero_are_summarised():
    dep = deployment(revision=3)
    older = rs("web-5c9f8b7d6d", uid="rs-0", revision=1, replicas=0)
    old = rs("web-7d876db474", uid="rs-1", revision=2, replicas=0)
    current = rs("web-775f564bff", uid="rs-2", revision=3, replicas=3, ready=3)
    html = render(rollout_state(dep, older, old, current))
    assert html.count('class="k8slab-box k8slab-replicaset"') == 1
    assert "2 older ReplicaSet(s) scaled to 0" in html


def test_a_missing_deployment_says_so():
    state = rollout_state()
    assert state.phase() == "missing"
    assert "not found (yet)" in render(state)


def test_until_complete_waits_for_the_state_the_api_had_when_called():
    hub = FakeHub()
    lab = FakeLab(hub=hub)
    view = RolloutView(lab, "web", pacer=Pacer())
    hub.sync()
    hub.send("deployment", "ADDED", deployment())
    hub.send("replicaset", "ADDED", OLD)
    assert view.phase() == "complete"
    # set_image happened: the API has generation 2, the view has not heard of it yet
    lab.objects[("deployment", "web")] = deployment(generation=2, observed=1, revision=2)
    with pytest.raises(Timeout) as caught:
        view.until("complete", timeout=0.3)
    assert "revision 1" in str(caught.value)  # the last state seen
    view.stop()


def test_until_stuck_returns_a_static_snapshot_of_the_stuck_state():
    hub = FakeHub()
    lab = FakeLab(hub=hub)
    view = RolloutView(lab, "web", pacer=Pacer())
    handle = Handle()
    view.attach(handle)
    hub.sync()
    dep = deployment(revision=2, generation=2, observed=2, updated=1, total=4)
    lab.objects[("deployment", "web")] = dep
    hub.send("deployment", "ADDED", dep)
    hub.send("replicaset", "ADDED", OLD)
    hub.send("replicaset", "ADDED", NEW)
    hub.send("pod", "ADDED", pod("web-775f564bff-n2w4x", "pull-error", owner=NEW))
    snap = view.until("stuck", timeout=5)
    assert snap.text.startswith("RolloutView: deployment web: stuck, revision 2")
    assert ">stuck<" in snap.html and "k8slab-new" not in snap.html
    assert eventually(lambda: ">stuck<" in handle.html)  # the live display was redrawn too
    view.stop()
