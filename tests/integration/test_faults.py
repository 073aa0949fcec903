"""Faults a classroom meets, each against a real embedded cluster of this module's own (the
session's shared cluster is never touched): the API server killed under live views, a cluster
stopped and started (data kept) or reset (data gone), a node going NotReady, a kernel shut
down with views running, two `k8slab up` at once, and a control-plane process that dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import k8slab
from k8slab.cluster import lifecycle

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "notebooks" / "manifests" / "web-deployment.yaml"
pytestmark = pytest.mark.cluster


# -- this module's own cluster ---------------------------------------------------------------
@pytest.fixture(scope="module")
def own_home(tmp_path_factory) -> Iterator[Path]:
    """A cluster of this module's own (fast profile), deleted with its data at the end.
    K8SLAB_HOME points at it while the module runs: `lifecycle` reads it on every call."""
    home = tmp_path_factory.mktemp("faults-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("K8SLAB_HOME", str(home))
        patch.setenv("K8SLAB_PROFILE", "fast")
        try:
            lifecycle.up(profile="fast")
            yield home
        finally:
            lifecycle.down(reset=True)


@pytest.fixture
def home(own_home: Path) -> Path:
    """The module's cluster, running: `up` first repairs what an earlier test left broken."""
    lifecycle.up(profile="fast")
    return own_home


def connect(home: Path, namespace: str, fresh: bool = True):
    """A Lab on the module's cluster; `fresh` empties a namespace left by an earlier run."""
    import k8slab

    return k8slab.connect(namespace=namespace, kubeconfig=home / "kubeconfig",
                          context="k8slab", fresh=fresh)


def cli(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the `k8slab` command on a cluster home, as a learner would in a terminal."""
    env = dict(os.environ, K8SLAB_HOME=str(home), K8SLAB_PROFILE="fast")
    return subprocess.run([sys.executable, "-m", "k8slab", *args], env=env, text=True,
                          capture_output=True, timeout=timeout)


def pid_of(component: str) -> int:
    pid = next(c.pid for c in lifecycle.status().components if c.name == component)
    assert pid, f"{component} has no pid"
    return pid


def dead_within(names: list[str], timeout: float) -> None:
    """Wait until `lifecycle.status()` sees exactly these components dead (a kill lands)."""
    deadline = time.monotonic() + timeout
    while lifecycle.status().dead != names and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lifecycle.status().dead == names


def informer_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate()
            if t.name.startswith("k8slab-informer") or t.name == "SharedInformer"}


class Handle:
    """Stands in for a notebook display handle: keeps the pictures it is sent."""

    def __init__(self):
        self.texts: list[str] = []

    def update(self, bundle, raw=False) -> None:
        self.texts.append(bundle["text/plain"] + "\n" + bundle["text/html"])

    def shows(self, text: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.texts and text in self.texts[-1]:
                return True
            time.sleep(0.05)
        return False


# -- the API server killed under live views --------------------------------------------------
def test_views_recover_after_the_api_server_is_killed_and_the_cluster_repaired(home):
    lab = connect(home, "f-apiserver")
    others = informer_threads()  # (any left by other tests of the session)
    try:
        lab.apply(WEB)
        board = lab.show("pods", selector="app=web")
        rollout = lab.show("deployment", "web")
        handle = Handle()
        board.attach(handle)
        rollout.until("complete,ready=3", timeout=60)
        threads = informer_threads()
        assert len(threads - others) == len(lab.informers.feeds) == 4

        os.kill(pid_of("kube-apiserver"), signal.SIGKILL)
        dead_within(["kube-apiserver"], timeout=10)
        deadline = time.monotonic() + 30  # the picture says it is behind
        while not (board.state().reconnecting and handle.shows("reconnecting to the API")):
            assert time.monotonic() < deadline, "the view never said it was reconnecting"
            time.sleep(0.1)
        with pytest.raises(k8slab.Timeout):  # an outage's picture is not the current state
            board.until("ready=3", timeout=3)

        assert lifecycle.up().action == "repaired"
        lab.scale("deployment", "web", 5)  # the Lab's own connections work again
        rollout.until("complete,ready=5", timeout=60)
        snap = board.until("ready=5", timeout=60)
        api_pods = sorted(p["metadata"]["name"] for p in lab.get("pod", selector="app=web"))
        assert sorted(p["metadata"]["name"] for p in snap.state.pods()) == api_pods
        assert not board.state().reconnecting and not rollout.state().reconnecting
        assert handle.shows("5 pod(s), 5 ready")  # the live display caught up too
        assert informer_threads() == threads  # the same threads reconnected, none added
        assert all(feed.alive for feed in lab.informers.feeds)
        assert lab.get("deployment", "web")["status"]["readyReplicas"] == 5
        board.stop()
        rollout.stop()
        assert informer_threads() == others
    finally:
        lab.cleanup(wait=False)
        lab.close()


# -- down / up / reset -----------------------------------------------------------------------
def make_objects(lab) -> dict[str, str]:
    """A ConfigMap and a Deployment in the lab's namespace; their uids by kind."""
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
               "data": {"colour": "blue"}})
    lab.apply(WEB)
    lab.wait_for("deployment", "web", "Available", timeout=60)
    return {kind: lab.get(kind, name)["metadata"]["uid"]
            for kind, name in (("namespace", lab.namespace), ("configmap", "settings"),
                               ("deployment", "web"))}


def test_every_object_survives_down_then_up(home):
    lab = connect(home, "f-survive")
    try:
        uids = make_objects(lab)
        pods = sorted(p["metadata"]["name"] for p in lab.get("pod", selector="app=web"))
    finally:
        lab.close()
    assert lifecycle.down() == "stopped"
    assert lifecycle.status().state == "stopped"
    assert lifecycle.up().action == "started"
    lab = connect(home, "f-survive", fresh=False)
    try:
        assert {kind: lab.get(kind, name)["metadata"]["uid"]
                for kind, name in (("namespace", "f-survive"), ("configmap", "settings"),
                                   ("deployment", "web"))} == uids
        assert lab.get("configmap", "settings")["data"] == {"colour": "blue"}
        lab.wait_for("deployment", "web", "replicas=3", timeout=60)
        assert sorted(p["metadata"]["name"] for p in lab.get("pod", selector="app=web")) == pods
    finally:
        lab.cleanup(wait=False)
        lab.close()


def test_down_with_reset_wipes_every_object(home):
    lab = connect(home, "f-reset")
    try:
        make_objects(lab)
    finally:
        lab.close()
    assert lifecycle.down(reset=True) == "deleted"
    assert lifecycle.status().state == "absent"
    assert lifecycle.up().action == "created"
    lab = connect(home, "default", fresh=False)
    try:
        assert not lab.exists("namespace", "f-reset")
        configmaps = {c["metadata"]["name"] for c in lab.get("configmap", all_namespaces=True)}
        assert "settings" not in configmaps
        assert lab.get("deployment", all_namespaces=True) == []
    finally:
        lab.close()


# -- a node goes NotReady --------------------------------------------------------------------
def test_pods_of_a_node_made_not_ready_are_rescheduled_on_the_others_within_seconds(
        home, record_property):
    lab = connect(home, "f-node")
    nodes = lab.show("nodes")
    node = None
    try:
        lab.apply(WEB)
        lab.scale("deployment", "web", 6)
        board = lab.show("pods", selector="app=web")
        board.until("ready=6", timeout=60)
        placed: dict[str, set[str]] = {}
        for pod in board.pods():
            placed.setdefault(pod["spec"]["nodeName"], set()).add(pod["metadata"]["name"])
        node = max(placed, key=lambda n: len(placed[n]))
        victims = placed[node]
        assert len(victims) >= 2

        started = time.monotonic()
        lab.node_not_ready(node)
        nodes.until("notready=1", timeout=30)

        def moved(state) -> bool:
            pods = state.pods()
            return state.count(ready=True) == 6 == len(pods) and all(
                p["spec"].get("nodeName") != node and p["metadata"]["name"] not in victims
                for p in pods)

        board.until(moved, timeout=60)  # seconds, not the default five minutes
        seconds = time.monotonic() - started
        record_property("eviction_seconds", round(seconds, 1))
        print(f"\npods of NotReady {node} evicted and rescheduled in {seconds:.1f}s")
        board.stop()
    finally:
        if node:
            lab.node_ready(node)
            nodes.until("ready=3,notready=0", timeout=60)
        nodes.stop()
        lab.cleanup(wait=False)
        lab.close()


# -- a control-plane process dies on its own -------------------------------------------------
def test_status_names_a_dead_controller_manager_and_up_repairs_it(home):
    old = pid_of("kube-controller-manager")
    os.kill(old, signal.SIGKILL)
    dead_within(["kube-controller-manager"], timeout=10)
    status = cli(home, "status")
    assert status.returncode == 1, status.stderr  # degraded: scripts can tell
    assert "cluster: degraded" in status.stdout
    row = next(line for line in status.stdout.splitlines()
               if line.strip().startswith("kube-controller-manager"))
    assert "DOWN" in row.split()
    assert "kube-controller-manager not running: `k8slab up` repairs it" in status.stdout
    assert sum(" DOWN " in f" {line} " for line in status.stdout.splitlines()) == 1

    up = cli(home, "up")
    assert up.returncode == 0, up.stderr
    assert "cluster repaired" in up.stdout
    after = cli(home, "status")
    assert after.returncode == 0
    assert "cluster: running" in after.stdout and "DOWN" not in after.stdout
    assert pid_of("kube-controller-manager") != old
    lab = connect(home, "f-kcm")
    try:  # the controllers work again: a Deployment gets its pods
        lab.apply(WEB)
        lab.wait_for("deployment", "web", "replicas=3", timeout=60)
    finally:
        lab.cleanup(wait=False)
        lab.close()


# -- a kernel shut down with views running ---------------------------------------------------
KERNEL_SETUP = """
import atexit, json, os, threading

def _threads():
    return sorted(t.name for t in threading.enumerate())

# registered first, so it runs last at exit: after k8slab's own hooks
atexit.register(lambda: open({record!r}, "w").write(json.dumps(_threads())))
start = _threads()
import k8slab
from IPython.display import display
lab = k8slab.connect(namespace="f-kernel", kubeconfig={kubeconfig!r}, context="k8slab",
                     fresh=True)
lab.apply({web!r})
board, rollout = lab.show("pods"), lab.show("deployment", "web")
display(board)
display(rollout)
rollout.until("complete", timeout=60)
live = _threads()
board.stop()
rollout.stop()
print(json.dumps({{"start": start, "live": live, "stopped": _threads()}}))
"""

KERNEL_VIEWS_LEFT_RUNNING = """
board, rollout = lab.show("pods"), lab.show("deployment", "web")
display(board)
display(rollout)
lab.scale("deployment", "web", 4)
board.until("ready=4", timeout=60)
print(json.dumps(_threads()))
"""


def run_cell(client, code: str) -> str:
    """Execute code in the kernel; its printed output (fails on an error)."""
    out: list[str] = []

    def hook(msg) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=120, output_hook=hook)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


def test_a_kernel_shut_down_with_views_running_leaves_no_thread_or_process(home, tmp_path):
    from jupyter_client import KernelManager

    record = tmp_path / "threads-at-exit.json"
    manager = KernelManager(kernel_name="python3")  # the venv's own python (native kernel)
    manager.start_kernel(env=dict(os.environ, K8SLAB_HOME=str(home)), cwd=str(REPO))
    process = manager.provisioner.process
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        assert psutil.Process(process.pid).cmdline()[0] == sys.executable
        seen = json.loads(run_cell(client, KERNEL_SETUP.format(
            record=str(record), kubeconfig=str(home / "kubeconfig"), web=str(WEB))))
        ours = [n for n in seen["live"] if n.startswith("k8slab-")]
        assert len(ours) >= 4  # informers of pods, nodes, deployments, replicasets
        assert seen["stopped"] == seen["start"]  # view.stop() ends every thread it started
        running = json.loads(run_cell(client, KERNEL_VIEWS_LEFT_RUNNING))
        assert [n for n in running if n.startswith("k8slab-informer")]
        children = psutil.Process(process.pid).children(recursive=True)

        # as JupyterLab's "Shut Down Kernel" does; its 5 s grace before SIGTERM is short on a
        # loaded 2-core machine, and exiting by itself is what this test checks
        manager.shutdown_wait_time = 30
        manager.shutdown_kernel(now=False)
        assert process.wait(timeout=30) == 0  # exited by itself, not killed after a wait
        assert not psutil.pid_exists(process.pid)
        assert not [c for c in children if c.is_running()]
        at_exit = json.loads(record.read_text())  # k8slab's atexit hooks had run by then
        assert not [n for n in at_exit if n.startswith(("k8slab-", "SharedInformer"))]
    finally:
        client.stop_channels()
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)


# -- two `k8slab up` at the same time --------------------------------------------------------
def cluster_processes(home: Path) -> list[psutil.Process]:
    """The cluster's component processes: kwokctl runs them from copies under the home."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmd = proc.info["cmdline"] or [""]
        if cmd[0].startswith(str(home)) and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


def test_two_ups_at_once_both_succeed_with_one_cluster(tmp_path):
    fresh = tmp_path / "home"
    env = dict(os.environ, K8SLAB_HOME=str(fresh), K8SLAB_PROFILE="fast")
    command = [sys.executable, "-m", "k8slab", "up"]
    try:
        ups = [subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE) for _ in range(2)]
        outputs = [up.communicate(timeout=240) for up in ups]
        assert [up.returncode for up in ups] == [0, 0], outputs
        firsts = sorted(out.splitlines()[0].split(" in ")[0] for out, _ in outputs)
        assert firsts == ["cluster already running", "cluster created"]
        names = sorted(Path(p.info["cmdline"][0]).name for p in cluster_processes(fresh))
        assert names == sorted(["etcd", "kube-apiserver", "kube-controller-manager",
                                "kube-scheduler", "kwok-controller"])
        pids = {f.stem: int(f.read_text()) for f in
                (fresh / "kwok" / "clusters" / "k8slab" / "pids").glob("*.pid")}
        assert set(pids.values()) == {p.pid for p in cluster_processes(fresh)}
    finally:
        down = cli(fresh, "down", "--reset")
        assert down.returncode == 0, down.stderr
    assert cluster_processes(fresh) == []
