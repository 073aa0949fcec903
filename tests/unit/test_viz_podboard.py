"""PodBoard: its state and its picture after sequences of watch events."""

from __future__ import annotations

import re

from test_viz_objects import NOW, FakeHub, FakeLab, Handle, eventually, node, pod

from k8slab.viz import PodBoard
from k8slab.viz.pacing import Pacer
from k8slab.viz.podboard import PodBoardState, render
from k8slab.viz.state import Store


def board_state(*pods: dict, nodes=("node-1", "node-2"), live: bool = False,
                selector: str | None = None, store: Store | None = None) -> PodBoardState:
    s = store or Store(["pod", "node"])
    for n in nodes:
        s.apply("node", "ADDED", node(n), initial=True)
    for p in pods:
        s.apply("pod", "ADDED", p, initial=True)
    s.apply("pod", "SYNCED", None)
    s.apply("node", "SYNCED", None)
    return s.state(PodBoardState, live, namespace="demo", selector=selector)


def tiles(html: str) -> dict[str, str]:
    """pod name -> data-state of its tile."""
    found = re.findall(r'class="k8slab-pod[^"]*" data-state="(\w+)".*?'
                       r'class="k8slab-name"[^>]*>([^<]*)(?:<span class="k8slab-hash">'
                       r"([^<]*)</span>)?</span>", html)
    return {stable + suffix: state for state, stable, suffix in found}


def test_a_pod_going_pending_creating_running_ready_changes_colour():
    s = Store(["pod", "node"])
    seen = []
    for state in ("unscheduled", "pending", "creating", "notready", "ready"):
        s.apply("pod", "MODIFIED" if seen else "ADDED", pod("web-1", state))
        seen.append(tiles(render(board_state(store=s)))["web-1"])
    assert seen == ["Pending", "Pending", "ContainerCreating", "NotReady", "Ready"]


def test_unscheduled_pods_sit_in_their_own_column_scheduled_ones_under_their_node():
    html = render(board_state(pod("web-1", "unscheduled"), pod("web-2", node="node-2")))
    columns = re.findall(r'data-node="([^"]*)"', html)
    assert columns == ["", "node-1", "node-2"]
    assert "not scheduled yet" in html
    assert html.index("web-1") < html.index('data-node="node-1"') < html.index("web-2")


def test_image_pull_errors_show_their_reason():
    state = board_state(pod("web-1", "pull-error"), pod("web-2", "backoff"))
    html = render(state)
    assert tiles(html) == {"web-1": "ImageError", "web-2": "ImageError"}
    assert ">ErrImagePull<" in html and ">ImagePullBackOff<" in html
    assert state.measures()["failing"] == 2
    assert "2 failing" in state.summary()


def test_static_html_has_pod_names_phases_and_marks_volatile_parts():
    html = render(board_state(pod("web-7d876db474-x2x4q"), pod("web-7d876db474-k9zzp",
                                                               "creating")))
    assert tiles(html) == {"web-7d876db474-x2x4q": "Ready",
                           "web-7d876db474-k9zzp": "ContainerCreating"}
    assert ">Running<" in html and ">ContainerCreating<" in html
    assert '<span class="k8slab-hash">7d876db474-x2x4q</span>' in html
    assert re.search(r'<span class="k8slab-age">\d+[smhd]', html)
    blanked = re.sub(r'(<[^>]*class="[^"]*k8slab-(?:age|ip|hash|port)\b[^"]*"[^>]*>)[^<]*',
                     r"\1~", html)
    assert "7d876db474" not in blanked and "x2x4q" not in blanked


def test_the_same_state_always_draws_the_same_picture():
    state = board_state(pod("web-1"), pod("web-2", "creating"))
    assert render(state) == render(state)
    again = board_state(pod("web-2", "creating"), pod("web-1"))
    assert render(again.__class__(**{**again.__dict__, "now": state.now})) == render(state)


def test_live_picture_highlights_new_pods_and_ghosts_deleted_ones():
    s = Store(["pod", "node"])
    s.apply("pod", "ADDED", pod("web-old"), initial=True)
    s.apply("pod", "ADDED", pod("web-new", "pending"))
    s.apply("pod", "DELETED", pod("web-old"))
    live = render(board_state(store=s, live=True))
    assert 'class="k8slab-pod k8slab-new"' in live and ">new<" in live
    assert 'class="k8slab-pod k8slab-gone" data-state="Gone"' in live and ">gone<" in live
    static = render(board_state(store=s, live=False))
    assert "k8slab-new" not in static and "k8slab-gone" not in static
    assert "web-old" not in static


def test_selector_filters_pods_and_ghosts():
    s = Store(["pod", "node"])
    s.apply("pod", "ADDED", pod("db-1", labels={"app": "db"}))
    s.apply("pod", "DELETED", pod("db-1", labels={"app": "db"}))
    state = board_state(pod("web-1"), pod("db-2", labels={"app": "db"}), store=s,
                        selector="app=web", live=True)
    html = render(state)
    assert "web-1" in html and "db-" not in html
    assert state.summary() == "demo (app=web): 1 pod(s), 1 ready"


def test_many_pods_become_small_squares_with_their_names_in_tooltips():
    state = board_state(*[pod(f"web-{i}", node=f"node-{1 + i % 2}") for i in range(60)])
    html = render(state)
    assert html.count('class="k8slab-pod k8slab-dot"') == 60
    assert 'title="web-59: Running"' in html
    assert len(html) < 30_000


def test_count_and_conditions():
    state = board_state(pod("web-1"), pod("web-2"), pod("web-3", "terminating"),
                        pod("web-4", "creating"))
    assert state.count() == 4
    assert state.count(ready=True) == 2  # a terminating pod is not counted as ready
    assert state.count(state="ContainerCreating") == 1
    assert state.count(state="Running") == 2
    m = state.measures()
    assert (m["pods"], m["ready"], m["terminating"], m["pending"], m["settled"]) == \
        (4, 2, 1, 1, False)


def test_ready_n_means_exactly_n_pods_all_ready():
    hub = FakeHub()
    board = PodBoard(FakeLab(hub=hub), pacer=Pacer())
    hub.sync()
    test = board.condition("ready=2")
    hub.send("pod", "ADDED", pod("web-1"))
    hub.send("pod", "ADDED", pod("web-2"))
    hub.send("pod", "ADDED", pod("web-3", "terminating"))
    assert not test(board.state())  # 2 ready, but a third pod is still on the board
    hub.send("pod", "DELETED", pod("web-3"))
    assert test(board.state())
    assert board.condition("ready>=2")(board.state())
    board.stop()


def test_the_board_follows_watch_events_and_redraws_its_display():
    hub = FakeHub()
    lab = FakeLab(hub=hub)
    board = PodBoard(lab, selector="app=web", pacer=Pacer())
    assert lab._views == [board] and set(hub.handlers) == {"pod", "node"}
    hub.send("node", "ADDED", node("node-1"), initial=True)
    hub.sync()
    handle = Handle()
    board.attach(handle)
    hub.send("pod", "ADDED", pod("web-1", "pending"))
    hub.send("pod", "MODIFIED", pod("web-1", "creating"))
    hub.send("pod", "MODIFIED", pod("web-1", "ready"))
    board.until(lambda s: s.count(ready=True) == 1, timeout=5)
    assert eventually(lambda: tiles(handle.html) == {"web-1": "Ready"})
    assert handle.updates[-1]["text/plain"] == "PodBoard: demo (app=web): 1 pod(s), 1 ready"
    assert board.count(ready=True) == 1 and [p["metadata"]["name"] for p in board.pods()] == \
        ["web-1"]
    board.stop()
    assert lab._views == [] and hub.handlers == {"pod": [], "node": []}
    assert "k8slab-new" not in handle.html  # stopping leaves the static picture


def test_the_picture_of_a_snapshot_uses_the_state_clock():
    state = board_state(pod("web-1", age=75))
    fixed = state.__class__(**{**state.__dict__, "now": NOW, "_sorted": {}})
    assert '<span class="k8slab-age">75s</span>' in render(fixed)
