"""Shared fixtures. Integration tests run against a real embedded cluster of their own:
K8SLAB_HOME defaults to <repo>/.k8slab-test; the `cluster` fixture is in the root conftest.py."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def unique_namespace(request) -> str:
    """A short, valid, unique namespace name derived from the test's name."""
    base = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    return f"t-{base}-{uuid.uuid4().hex[:5]}"


@pytest.fixture
def lab(cluster, request):
    """A Lab on the test cluster, in a namespace of its own, deleted afterwards."""
    import k8slab

    lab = k8slab.connect(namespace=unique_namespace(request), kubeconfig=cluster.kubeconfig,
                         context="k8slab")
    yield lab
    try:
        lab.cleanup(wait=False)
    finally:
        lab.close()


@pytest.fixture(scope="session")
def kubectl(cluster):
    """Run the built kubectl against the test cluster: kubectl("get", "pods", "-n", ns)."""
    import subprocess

    from k8slab.cluster import binaries

    path = binaries.from_cache()["kubectl"].path

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([path, "--kubeconfig", str(cluster.kubeconfig), *args],
                              capture_output=True, text=True, check=check, timeout=60)

    return run
