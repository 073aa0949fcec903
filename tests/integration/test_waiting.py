"""Ctrl-C (a kernel interrupt) during a wait: a clean Interrupted error, no thread and no watch
connection left behind, and the lab keeps working."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

import psutil
import pytest
from testobjects import deployment

from k8slab.errors import Interrupted, K8sLabError

pytestmark = pytest.mark.cluster


def api_connections(lab) -> int:
    """This process's open TCP connections to the API server."""
    port = urlparse(lab.server).port
    return sum(1 for c in psutil.Process().net_connections(kind="tcp")
               if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED)


def interrupted(wait: Callable[[], object], after: float = 1.0,
                seen: dict | None = None) -> Interrupted:
    """Run `wait` in the main thread; press Ctrl-C (a real SIGINT) after `after` seconds,
    noting in `seen["connections"]` the API connections open just before."""
    assert threading.current_thread() is threading.main_thread()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    main = threading.main_thread().ident

    def press_ctrl_c() -> None:
        if seen is not None:
            seen["connections"] = api_connections(seen["lab"])
        signal.pthread_kill(main, signal.SIGINT)

    timer = threading.Timer(after, press_ctrl_c)
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(K8sLabError) as caught:
            wait()
    finally:
        timer.cancel()
        timer.join()
    assert after <= time.monotonic() - start < after + 5  # it stopped at once, not at timeout
    assert isinstance(caught.value, Interrupted), repr(caught.value)
    return caught.value


@pytest.fixture
def settled(lab):
    """A running deployment `web`, and the threads of the process as they rest."""
    lab.apply(deployment())
    lab.rollout_status("deployment", "web", timeout=60)
    return {"threads": set(threading.enumerate())}


def test_ctrl_c_during_wait_for_raises_interrupted_naming_the_wait(lab, settled):
    err = interrupted(lambda: lab.wait_for("deployment", "web", "replicas=7", timeout=120))
    assert err.message == "interrupted while waiting for deployment 'web' to be replicas=7"
    assert "nothing is left running" in err.hint
    assert err.__cause__ is None and err.__suppress_context__


def test_ctrl_c_during_wait_for_leaves_no_thread_and_no_watch_open(lab, settled):
    watching = {"lab": lab}
    interrupted(lambda: lab.wait_for("pods", selector="app=nothing", condition="Ready",
                                     timeout=120), seen=watching)
    assert set(threading.enumerate()) == settled["threads"]
    assert api_connections(lab) == watching["connections"] - 1  # the watch's is closed


def test_ctrl_c_during_rollout_status_raises_interrupted_and_leaves_nothing(lab, settled):
    lab.set_image("deployment", "web", "registry.local/web:does-not-exist")
    watching = {"lab": lab}
    err = interrupted(lambda: lab.rollout_status("deployment", "web", timeout=120),
                      seen=watching)
    assert err.message == "interrupted while waiting for the rollout of deployment 'web'"
    assert set(threading.enumerate()) == settled["threads"]
    assert api_connections(lab) == watching["connections"] - 1


def test_the_lab_works_after_an_interrupted_wait(lab, settled):
    interrupted(lambda: lab.wait_for("deployment", "web", "replicas=7", timeout=120))
    lab.scale("deployment", "web", 2)
    assert lab.wait_for("deployment", "web", "replicas=2", timeout=60) == \
        "deployment 'web': replicas=2"
