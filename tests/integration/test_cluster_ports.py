"""A stopped cluster whose ports another program took meanwhile still starts, data intact."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


@pytest.fixture
def home(tmp_path):
    env = dict(os.environ, K8SLAB_HOME=str(tmp_path / "home"))

    def k8slab(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "k8slab", *args], env=env,
                              capture_output=True, text=True, timeout=300)

    yield k8slab, env
    k8slab("down", "--reset")


def test_a_port_taken_while_stopped_is_moved_and_the_objects_survive(home):
    k8slab, env = home
    assert k8slab("up").returncode == 0
    kubectl = [sys.executable, "-c", "import sys, k8slab; lab = k8slab.connect(namespace='keep');"
               "lab.apply({'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'kept'},"
               "'data': {'a': '1'}}) if sys.argv[1] == 'put' else "
               "print(lab.get('configmap', 'kept')['data']['a'], lab.server)"]
    assert subprocess.run([*kubectl, "put"], env=env, timeout=120).returncode == 0
    before = k8slab("status").stdout
    api_port = int(before.split("API server: https://127.0.0.1:")[1].split()[0])
    assert k8slab("down").returncode == 0

    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (TIME_WAIT)
    squatter.bind(("127.0.0.1", api_port))
    squatter.listen()
    try:
        started = k8slab("up")
        assert started.returncode == 0, started.stderr
        assert f"port {api_port} of kube-apiserver is used by" in started.stdout + started.stderr
        read = subprocess.run([*kubectl, "get"], env=env, capture_output=True, text=True,
                              timeout=120)
        value, server = read.stdout.split()
        assert value == "1"
        assert not server.endswith(f":{api_port}")
    finally:
        squatter.close()
