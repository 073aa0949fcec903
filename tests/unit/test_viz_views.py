"""What every live view does: coalesced redraws, `until`, snapshots, display in a notebook,
and a clean stop."""

from __future__ import annotations

import threading
import time

import pytest
from test_viz_objects import FakeHub, FakeLab, Handle, eventually, node, pod

from k8slab.errors import Interrupted, K8sLabError, Timeout
from k8slab.viz import PodBoard, Snapshot
from k8slab.viz.pacing import THREAD_NAME, Pacer


def new_board(**options) -> tuple[PodBoard, FakeHub]:
    hub = FakeHub()
    board = PodBoard(FakeLab(hub=hub), pacer=Pacer(), **options)
    hub.send("node", "ADDED", node("node-1"), initial=True)
    hub.sync()
    return board, hub


def test_many_events_become_few_renders_and_the_last_one_shows_the_final_state():
    board, hub = new_board()
    handle = Handle()
    board.attach(handle)
    events = board.events
    start = time.monotonic()
    for i in range(300):
        hub.send("pod", "ADDED", pod(f"web-{i}", "pending"))
        hub.send("pod", "MODIFIED", pod(f"web-{i}", "ready"))
        time.sleep(0.001)
    elapsed = time.monotonic() - start
    board.until("ready=300", timeout=5)
    time.sleep(0.3)
    assert board.events - events == 600
    assert len(handle.updates) <= elapsed * board.max_rate + 3
    assert handle.updates[-1]["text/plain"].endswith("300 pod(s), 300 ready")
    board.stop()


def test_max_rate_sets_the_pace():
    board, hub = new_board(max_rate=2)
    handle = Handle()
    board.attach(handle)
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        hub.send("pod", "MODIFIED", pod("web-1", "ready", age=time.monotonic() - start))
        time.sleep(0.005)
    assert 1 <= len(handle.updates) <= 4
    board.stop()


def test_an_unchanged_picture_is_not_sent_again():
    board, hub = new_board()
    handle = Handle()
    board.attach(handle)
    hub.send("pod", "ADDED", pod("web-1"), initial=True)
    time.sleep(0.3)
    sent = len(handle.updates)
    hub.send("node", "SYNCED")  # no change
    board.refresh()
    time.sleep(0.2)
    assert len(handle.updates) == sent


def test_until_blocks_until_events_meet_the_condition():
    board, hub = new_board()

    def cluster():
        for state in ("pending", "creating", "ready"):
            time.sleep(0.1)
            for i in range(3):
                hub.send("pod", "MODIFIED", pod(f"web-{i}", state))

    threading.Thread(target=cluster).start()
    start = time.monotonic()
    snap = board.until("ready=3", timeout=5)
    assert 0.25 < time.monotonic() - start < 3
    assert isinstance(snap, Snapshot) and snap.state.count(ready=True) == 3
    assert repr(snap) == "PodBoard: demo: 3 pod(s), 3 ready"
    assert snap._repr_html_().count('data-state="Ready"') == 3
    board.stop()


def test_until_times_out_with_the_last_state_seen():
    board, hub = new_board()
    hub.send("pod", "ADDED", pod("web-1", "backoff"))
    with pytest.raises(Timeout) as caught:
        board.until("ready=1", timeout=0.3)
    assert "did not reach 'ready=1' within 0.3s" in str(caught.value)
    assert "1 pod(s), 0 ready, 1 failing" in str(caught.value)
    board.stop()


def test_until_on_ctrl_c_says_the_view_goes_on():
    board, _ = new_board()

    def interrupted(state):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        board.until(interrupted, timeout=5)
    assert "view.stop()" in str(caught.value)
    assert not board.stopped
    board.stop()


def test_until_waits_for_the_first_list():
    hub = FakeHub()
    board = PodBoard(FakeLab(hub=hub), pacer=Pacer())
    threading.Timer(0.2, hub.sync).start()
    start = time.monotonic()
    board.until("pods=0", timeout=5)  # true of an empty board, but only once it is loaded
    assert time.monotonic() - start >= 0.15
    board.stop()


def test_a_stopped_view_keeps_its_last_picture_but_waits_no_more():
    board, hub = new_board()
    hub.send("pod", "ADDED", pod("web-1"))
    board.stop()
    board.stop()  # twice is fine
    hub.send("pod", "ADDED", pod("web-2"))  # (a late event, after stopping)
    assert board.state().count() == 1
    assert "web-1" in board.snapshot().html and "web-1" in board._repr_html_()
    with pytest.raises(K8sLabError):
        board.until("ready=1")


def test_a_broken_display_is_forgotten():
    class Gone:
        def update(self, bundle, raw=False):
            raise RuntimeError("kernel gone")

    board, hub = new_board()
    good, bad = Handle(), Gone()
    board.attach(bad)
    board.attach(good)
    hub.send("pod", "ADDED", pod("web-1"))
    board.until("ready=1", timeout=5)
    assert eventually(lambda: "web-1" in good.html)
    assert board._handles == [good]
    board.stop()


def test_a_view_shown_in_a_cell_displays_at_once_and_updates_in_place():
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    published = CapturingDisplayPublisher()
    shell.display_pub, saved = published, shell.display_pub
    try:
        board, hub = new_board()
        hub.send("pod", "ADDED", pod("web-1", "creating"), initial=True)
        from IPython.display import display

        display(board)
        first = published.outputs[0]
        assert "web-1" in first["data"]["text/html"] and not first["update"]
        display_id = first["transient"]["display_id"]
        hub.send("pod", "MODIFIED", pod("web-1", "ready"))
        board.until("ready=1", timeout=5)
        assert eventually(lambda: 'data-state="Ready"' in
                          published.outputs[-1]["data"]["text/html"])
        updates = published.outputs[1:]
        assert all(o["update"] and o["transient"]["display_id"] == display_id
                   for o in updates)
        board.stop()
    finally:
        shell.display_pub = saved
        InteractiveShell.clear_instance()


def test_stopping_views_leaves_no_render_thread():
    before = {t.ident for t in threading.enumerate()}
    boards = [new_board() for _ in range(3)]
    for board, hub in boards:
        board.attach(Handle())
        for i in range(20):
            hub.send("pod", "ADDED", pod(f"web-{i}"))
    for board, _ in boards:
        board.stop()
    leftover = [t for t in threading.enumerate()
                if t.ident not in before and t.name == THREAD_NAME]
    assert leftover == []
