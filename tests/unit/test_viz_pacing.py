"""Coalesced rendering: many requests, few redraws, and no thread left when idle."""

from __future__ import annotations

import itertools
import threading
import time

from k8slab.viz.pacing import THREAD_NAME, Pacer


def render_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def test_a_burst_of_requests_becomes_at_most_one_run_per_interval():
    pacer, runs = Pacer(), []
    start = time.monotonic()
    while time.monotonic() - start < 0.5:
        pacer.request("view", lambda: runs.append(time.monotonic()), interval=0.1)
        time.sleep(0.001)
    time.sleep(0.25)
    assert 3 <= len(runs) <= 7
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert min(gaps) >= 0.095
    assert runs[-1] >= start + 0.45  # the last request was served too


def test_the_first_request_after_a_quiet_time_runs_at_once():
    pacer, done = Pacer(), threading.Event()
    start = time.monotonic()
    pacer.request("view", done.set, interval=0.1)
    assert done.wait(1) and time.monotonic() - start < 0.2


def test_delay_defers_a_run():
    pacer, done = Pacer(), threading.Event()
    start = time.monotonic()
    pacer.request("view", done.set, interval=0.1, delay=0.3)
    assert done.wait(2)
    assert time.monotonic() - start >= 0.29


def test_keys_are_paced_independently():
    pacer, runs = Pacer(), []
    for _ in range(50):
        pacer.request("a", lambda: runs.append("a"), interval=10)
        pacer.request("b", lambda: runs.append("b"), interval=10)
    time.sleep(0.2)
    assert sorted(runs) == ["a", "b"]


def test_the_worker_thread_ends_when_nothing_is_left_to_draw():
    pacer = Pacer()
    before = len(render_threads())
    pacer.request("view", lambda: None, interval=0.05)
    deadline = time.monotonic() + 2
    while pacer.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not pacer.busy and len(render_threads()) == before


def test_cancel_drops_a_pending_run_and_joins_the_idle_worker():
    pacer, runs = Pacer(), []
    pacer.request("view", lambda: runs.append(1), interval=0.1, delay=0.5)
    assert pacer.busy
    pacer.cancel("view")
    assert not pacer.busy
    time.sleep(0.6)
    assert runs == []


def test_cancel_waits_for_a_run_in_progress():
    pacer, started, finished = Pacer(), threading.Event(), []

    def slow():
        started.set()
        time.sleep(0.2)
        finished.append(True)

    pacer.request("view", slow, interval=0.1)
    assert started.wait(1)
    pacer.cancel("view")
    assert finished == [True]


def test_a_failing_callback_does_not_stop_the_others():
    pacer, runs = Pacer(), []

    def broken():
        raise RuntimeError("bad picture")

    pacer.request("broken", broken, interval=0.1)
    pacer.request("fine", lambda: runs.append(1), interval=0.1)
    time.sleep(0.2)
    assert runs == [1] and isinstance(pacer.last_error, RuntimeError)


def test_a_caller_may_claim_a_run_only_when_the_pace_allows():
    pacer, runs = Pacer(), []
    assert pacer.claim("view", interval=0.2)
    assert not pacer.claim("view", interval=0.2)  # too soon after the claimed run
    pacer.request("view", lambda: runs.append(time.monotonic()), interval=0.2)
    claimed_at = time.monotonic()
    time.sleep(0.4)
    assert len(runs) == 1 and runs[0] - claimed_at >= 0.15  # the worker kept the pace
    assert pacer.claim("view", interval=0.2)


def test_a_run_asking_for_another_still_keeps_the_pace():
    pacer, runs = Pacer(), []

    def again():
        runs.append(time.monotonic())
        if len(runs) < 4:
            pacer.request("view", again, interval=0.1)  # e.g. a highlight fading soon

    pacer.request("view", again, interval=0.1)
    time.sleep(0.6)
    assert len(runs) == 4
    assert min(b - a for a, b in itertools.pairwise(runs)) >= 0.095
