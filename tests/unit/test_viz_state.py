"""A view's Store after sequences of watch events, and the condition strings of `until`."""

from __future__ import annotations

import pytest
from test_viz_objects import pod

from k8slab.errors import K8sLabError
from k8slab.viz.podboard import PodBoardState
from k8slab.viz.state import State, Store, parse_condition


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def store(clock: Clock | None = None) -> Store:
    return Store(["pod", "node"], linger=3.0, clock=clock or Clock())


def test_added_modified_deleted_keep_the_latest_object():
    s = store()
    s.apply("pod", "ADDED", pod("web-1", "pending"))
    s.apply("pod", "MODIFIED", pod("web-1", "creating"))
    s.apply("pod", "MODIFIED", pod("web-1", "ready"))
    assert s.objects["pod"]["demo/web-1"]["status"]["phase"] == "Running"
    s.apply("pod", "DELETED", pod("web-1", "terminating"))
    assert s.objects["pod"] == {}
    assert s.events == 4


def test_a_pod_added_after_the_initial_list_is_new_and_a_deleted_one_leaves_a_ghost():
    clock = Clock()
    s = store(clock)
    s.apply("pod", "ADDED", pod("old"), initial=True)
    s.apply("pod", "ADDED", pod("fresh"))
    state = s.state(PodBoardState, live=True)
    assert state.new == {"demo/fresh"}
    s.apply("pod", "DELETED", pod("old"))
    state = s.state(PodBoardState, live=True)
    assert [p["metadata"]["name"] for p in state.gone] == ["old"]
    static = s.state(PodBoardState, live=False)
    assert static.new == frozenset() and static.gone == ()


def test_highlights_fade_after_the_linger_time():
    clock = Clock()
    s = store(clock)
    s.apply("pod", "ADDED", pod("fresh"))
    s.apply("pod", "DELETED", pod("fresh"))
    s.apply("pod", "ADDED", pod("other"))
    clock.now += 1.0
    assert s.expire() == pytest.approx(2.0)
    clock.now += 2.5
    assert s.expire() is None
    state = s.state(PodBoardState, live=True)
    assert state.new == frozenset() and state.gone == ()


def test_a_pod_recreated_under_the_same_name_loses_its_ghost():
    s = store()
    s.apply("pod", "ADDED", pod("web-0"), initial=True)
    s.apply("pod", "DELETED", pod("web-0"))
    s.apply("pod", "ADDED", pod("web-0", "pending"))
    state = s.state(PodBoardState, live=True)
    assert state.gone == () and state.new == {"demo/web-0"}


def test_deleting_an_unknown_object_changes_nothing():
    s = store()
    assert not s.apply("pod", "DELETED", pod("never-seen"))
    assert s.version == 0


def test_synced_and_connection_state_become_the_banner():
    s = store()
    assert s.state(State, live=True).banner == "loading…"
    s.apply("pod", "SYNCED", None)
    s.apply("node", "SYNCED", None)
    assert s.all_synced and s.state(State, live=True).banner == ""
    s.apply("pod", "ERROR", None)
    assert "reconnecting" in s.state(State, live=True).banner
    s.apply("pod", "SYNCED", None)
    assert s.state(State, live=True).banner == ""


def test_state_is_a_snapshot_later_events_do_not_change_it():
    s = store()
    s.apply("pod", "ADDED", pod("web-1"))
    before = s.state(PodBoardState, live=False)
    s.apply("pod", "ADDED", pod("web-2"))
    assert [p["metadata"]["name"] for p in before.pods()] == ["web-1"]


class Counts(State):
    def measures(self):
        return {"ready": 3, "pods": 4, "complete": True, "stuck": False}


@pytest.mark.parametrize(("text", "expected"), [
    ("ready=3", True), ("ready==3", True), ("ready=2", False), ("pods>=4", True),
    ("pods>4", False), ("pods<5", True), ("ready!=3", False), ("complete", True),
    ("stuck", False), ("!stuck", True), ("ready=3, pods=4", True), ("ready=3,pods=3", False),
    ("COMPLETE", True),
])
def test_condition_strings(text, expected):
    test = parse_condition(text, Counts().measures())
    assert test(Counts()) is expected


@pytest.mark.parametrize("text", ["ready", "replicas=3", "ready=three", "", " , "])
def test_unreadable_conditions_say_what_is_understood(text):
    with pytest.raises(K8sLabError) as caught:
        parse_condition(text, Counts().measures())
    assert "ready=N" in str(caught.value) and "complete" in str(caught.value)
