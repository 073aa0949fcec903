"""Live views against the real embedded cluster: they follow scaling, rollouts, readiness and
storage; they share informers, survive a cut watch, and leave nothing running when stopped."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest
from testobjects import deployment

MANIFESTS = Path(__file__).resolve().parents[2] / "notebooks" / "manifests"
pytestmark = pytest.mark.cluster


def web(replicas: int, image: str = "nginx:1.27", name: str = "web") -> dict:
    return deployment(name, replicas, image, container="nginx")


class Handle:
    """Stands in for a notebook's display handle: keeps what it was sent."""

    def __init__(self):
        self.updates: list[dict] = []

    def update(self, bundle, raw=False):
        self.updates.append(bundle)


def names_in(html: str) -> list[str]:
    """Pod names as drawn in tiles (the generated part is in its own span)."""
    drawn = re.findall(r'class="k8slab-pod[^"]*" data-state="\w+".*?class="k8slab-name"[^>]*>'
                       r'([^<]*)(?:<span class="k8slab-hash">([^<]*)</span>)?', html)
    return sorted(stable + suffix for stable, suffix in drawn)


def states_in(html: str) -> list[str]:
    return re.findall(r'class="k8slab-pod[^"]*" data-state="(\w+)"', html)


def pod_names(lab, selector: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in lab.get("pod", selector=selector))


def test_pod_board_follows_a_deployment_scaled_0_20_3(lab):
    lab.apply(web(0))
    board = lab.show("pods", selector="app=web")
    handle = Handle()
    board.attach(handle)
    assert "0 pod(s)" in board.until("pods=0", timeout=30).text
    lab.scale("deployment", "web", 20)
    snap = board.until("ready=20", timeout=90)
    assert states_in(snap.html) == ["Ready"] * 20
    lab.scale("deployment", "web", 3)
    snap = board.until("ready=3", timeout=90)
    assert names_in(snap.html) == pod_names(lab, "app=web")
    assert snap.text.endswith("3 pod(s), 3 ready")
    time.sleep(0.3)
    assert handle.updates[-1]["text/plain"] == snap.text  # the live display caught up
    assert 2 <= len(handle.updates) <= board.events  # redraws were coalesced
    board.stop()


def test_static_html_names_every_pod_with_its_phase(lab):
    lab.apply(web(2))
    lab.apply(web(1, image="nginx:does-not-exist", name="broken"))
    board = lab.show("pods")
    snap = board.until(lambda s: s.count(ready=True) == 2 and
                       s.count(state="ImagePullBackOff") == 1, timeout=60)
    html = snap.html
    assert names_in(html) == pod_names(lab, "app in (web, broken)")
    assert html.count(">Running<") == 2 and ">ImagePullBackOff<" in html
    assert sorted(states_in(html)) == ["ImageError", "Ready", "Ready"]
    assert board.snapshot().html.count("k8slab-pod") == html.count("k8slab-pod")
    board.stop()


def test_rollout_view_follows_a_rolling_update_to_completion(lab):
    lab.apply(web(3))
    rollout = lab.show("deployment", "web")
    assert "revision 1" in rollout.until("complete", timeout=60).text
    lab.set_image("deployment", "web", "nginx:1.28")
    seen = []
    snap = rollout.until(lambda s: seen.append(s.phase()) or s.phase() == "complete",
                         timeout=90)
    assert "progressing" in seen  # it did not jump to "complete" on the old state
    assert snap.state.revision() == 2 and snap.state.numbers()["updated"] == 3
    assert ">complete<" in snap.html and 'class="k8slab-revision">2<' in snap.html
    assert "nginx:1.28" in snap.html
    states = states_in(snap.html)  # (old pods may still be terminating: it is complete)
    assert states.count("Ready") == 3 and set(states) <= {"Ready", "Terminating"}
    rollout.stop()


def test_rollout_view_says_stuck_for_an_image_that_does_not_exist(lab):
    lab.apply(web(2))
    rollout = lab.show("deployment", "web")
    rollout.until("complete", timeout=60)
    lab.set_image("deployment", "web", "nginx:does-not-exist")
    snap = rollout.until("stuck", timeout=60)
    assert snap.state.revision() == 2
    assert "cannot pull their image" in snap.html
    assert re.search(r">(ErrImagePull|ImagePullBackOff)<", snap.html)
    assert snap.state.numbers()["available"] == 2  # the old pods keep serving
    rollout.stop()


def test_service_map_shows_ready_and_unready_endpoints(lab):
    lab.apply(MANIFESTS / "web-deployment.yaml")
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"type": "NodePort", "selector": {"app": "web"},
                        "ports": [{"port": 80}]}})
    service_map = lab.show("service", "web")
    service_map.until("endpoints=3", timeout=60)
    victim = pod_names(lab, "app=web")[0]
    lab.set_ready(victim, False)
    snap = service_map.until("endpoints=2,notready=1", timeout=60)
    unready = [e["targetRef"]["name"] for e in snap.state.endpoints()
               if not e["conditions"].get("ready")]
    assert unready == [victim]
    html = snap.html
    assert re.findall(r'class="k8slab-endpoint" data-ready="(\w+)"', html).count("false") == 1
    assert f"web.{lab.namespace}.svc.cluster.local" in html
    assert re.search(r'NodePort <span class="k8slab-port">3\d{4}</span>', html)
    assert "<b>no traffic</b>" in html
    lab.set_ready(victim, True)
    service_map.until("endpoints=3,notready=0", timeout=60)
    service_map.stop()


def test_owner_tree_shows_statefulset_pods_claims_and_volumes(lab):
    lab.apply(MANIFESTS / "statefulset-web.yaml")
    tree = lab.show("statefulset", "web")
    snap = tree.until("ready=3,bound=3", timeout=120)
    html = snap.html
    for i in range(3):
        assert html.index(f">web-{i}<") < html.index(f">data-web-{i}<")
    volumes = {c["metadata"]["name"]: c["spec"]["volumeName"] for c in lab.get("pvc")}
    assert sorted(volumes) == ["data-web-0", "data-web-1", "data-web-2"]
    for claim, volume in volumes.items():
        start = html.index(f">{claim}<")
        assert volume[4:12] in html[start:start + 1500]  # the PV next to its claim
    assert html.count(">Bound<") == 3
    lab.scale("statefulset", "web", 2)
    snap = tree.until("pods=2,ready=2", timeout=60)
    assert "kept, no pod" in snap.html and ">data-web-2<" in snap.html
    tree.stop()


def test_two_views_on_the_same_kind_and_namespace_share_one_informer(lab):
    lab.apply(web(1))
    board = lab.show("pods")
    web_board = lab.show("pods", selector="app=web")
    rollout = lab.show("deployment", "web")
    feeds = sorted(f.name for f in lab.informers.feeds)
    assert feeds == ["deployments/" + lab.namespace, "nodes/*", "pods/" + lab.namespace,
                     "replicasets/" + lab.namespace]
    pods = lab.informers.feed("pod", lab.namespace)
    assert len(pods.handlers) == 3
    rollout.until("complete", timeout=60)
    assert pods.watches == 1  # one list+watch of pods for the three views
    late = lab.show("pods", selector="app=web")
    assert late.count(ready=True) == 1  # a late subscriber gets the cached pods at once
    late.stop()
    web_board.until("ready=1", timeout=30)
    board.stop()
    web_board.stop()
    assert lab.informers.feed("pod", lab.namespace) is pods  # the rollout still uses it
    rollout.stop()
    assert lab.informers.feeds == [] and not pods.alive


def test_a_view_survives_its_watch_connection_being_cut(lab):
    lab.apply(web(2))
    board = lab.show("pods", selector="app=web")
    board.until("ready=2", timeout=60)
    feed = lab.informers.feed("pod", lab.namespace)
    watches = feed.watches
    feed.response.connection.sock.shutdown(socket.SHUT_RDWR)  # the connection drops
    deadline = time.monotonic() + 30
    while feed.watches == watches and time.monotonic() < deadline:
        time.sleep(0.05)
    assert feed.watches == watches + 1  # it opened a new watch...
    lab.scale("deployment", "web", 4)
    snap = board.until("ready=4", timeout=60)  # ...and the view saw what happened next
    assert names_in(snap.html) == pod_names(lab, "app=web")
    assert not board.state().reconnecting and feed.alive
    board.stop()


def test_stopping_views_leaves_no_thread_and_no_watch_connection(lab):
    lab.apply(web(2))
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    threads_before = {t.ident for t in threading.enumerate()}
    views = [lab.show("pods"), lab.show("deployment", "web"), lab.show("service", "web"),
             lab.show("nodes"), lab.show("events")]
    for view in views:
        view.attach(Handle())
    views[1].until("complete", timeout=60)
    lab.scale("deployment", "web", 4)
    views[0].until("ready=4", timeout=60)
    ours = [t for t in threading.enumerate() if t.name.startswith("k8slab-informer")]
    assert len(ours) == len(lab.informers.feeds) == 7
    ports = {f.response.connection.sock.getsockname()[1] for f in lab.informers.feeds}
    assert len(ports) == 7  # one watch connection each
    for view in views:
        view.stop()
    assert {t.ident for t in threading.enumerate()} == threads_before
    assert lab.informers.feeds == []
    open_ports = {c.laddr.port for c in psutil.Process().net_connections("tcp")
                  if c.status == psutil.CONN_ESTABLISHED}
    assert not ports & open_ports


def test_close_stops_views_and_informers(cluster):
    import k8slab

    lab = k8slab.connect(namespace="t-viz-close", kubeconfig=cluster.kubeconfig,
                         context="k8slab")
    try:
        threads_before = {t.ident for t in threading.enumerate()}
        board = lab.show("pods")
        board.until("pods=0", timeout=30)
        assert lab._views == [board]
    finally:
        lab.cleanup(wait=False)
        lab.close()
    assert board.stopped and lab._views == []
    assert {t.ident for t in threading.enumerate()} == threads_before


def test_node_map_and_event_log_follow_the_cluster(lab):
    lab.apply(web(3))
    nodes = lab.show("nodes")
    events = lab.show("events")
    nodes.until("pods=3,unscheduled=0", timeout=60)  # (ready= counts nodes here)
    lab.cordon("node-1")
    try:
        snap = nodes.until("cordoned=1", timeout=30)
        assert "cordoned" in snap.html
        assert sum(len(snap.state.pods_on(f"node-{i}")) for i in (1, 2, 3)) == 3
    finally:
        lab.uncordon("node-1")
    nodes.until("cordoned=0", timeout=30)
    snap = events.until(lambda s: s.seen("ScalingReplicaSet") and s.seen("Scheduled"),
                        timeout=60)
    assert ">ScalingReplicaSet<" in snap.html and "deployment/" in snap.html
    nodes.stop()
    events.stop()


def test_an_executed_notebook_keeps_the_final_picture_as_plain_html(cluster, lab):
    import nbformat
    from nbclient import NotebookClient

    cells = [f"import k8slab\nlab = k8slab.connect(namespace={lab.namespace!r}, "
             f"kubeconfig={str(cluster.kubeconfig)!r}, context='k8slab')",
             f"lab.apply({web(2)!r})",
             "board = lab.show('pods', selector='app=web')\nboard",
             "board.until('ready=2', timeout=60)",
             "board.stop()\nlab.close()"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    shown, waited = nb.cells[2].outputs, nb.cells[3].outputs
    assert [o.output_type for o in shown] == ["display_data"]
    assert [o.output_type for o in waited] == ["execute_result"]
    for output in (shown[0], waited[0]):
        assert set(output.data) == {"text/html", "text/plain"}  # no widget, no script
        assert "<script" not in output.data["text/html"]
    assert states_in(waited[0].data["text/html"]) == ["Ready", "Ready"]
    # stopping left the last state in the live display's output too
    assert states_in(shown[0].data["text/html"]) == ["Ready", "Ready"]
    assert shown[0].data["text/plain"].endswith("2 pod(s), 2 ready")
