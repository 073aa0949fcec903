"""Root pytest configuration: the test suite and nbval runs of the notebooks use a cluster
of their own (K8SLAB_HOME=<repo>/.k8slab-test, fast profile), never your own one.

The cluster is started before the first notebook cell (so no cell's output includes the
start-up) and stopped at the end of the session, unless K8SLAB_KEEP_TEST_CLUSTER=1."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("K8SLAB_HOME", str(Path(__file__).resolve().parent / ".k8slab-test"))
os.environ.setdefault("K8SLAB_PROFILE", "fast")

import pytest

_started: list = []


def _suite_cluster():
    """Start (or reuse) the suite's cluster once per session; lifecycle.up's result."""
    if not _started:
        from k8slab.cluster import lifecycle

        _started.append(lifecycle.up(profile=os.environ["K8SLAB_PROFILE"]))
    return _started[0]


@pytest.fixture(scope="session")
def cluster():
    """The embedded cluster, started once per test session (fast profile)."""
    return _suite_cluster()


def pytest_collection_finish(session) -> None:
    if any(str(item.fspath).endswith(".ipynb") for item in session.items):
        _suite_cluster()


def pytest_sessionfinish(session, exitstatus) -> None:
    if _started and os.environ.get("K8SLAB_KEEP_TEST_CLUSTER") != "1":
        from k8slab.cluster import lifecycle

        lifecycle.down()
