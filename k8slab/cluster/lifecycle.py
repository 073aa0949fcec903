"""Start, stop and inspect the embedded cluster (`k8slab up`, `down`, `status`)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import re
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

from ..errors import ClusterError
from . import binaries, config, kubeconfig, kwokctl, paths, versions
from .api import Api, ApiError
from .progress import fmt_duration, say

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
              "kwok-controller")
NODES = ("node-1", "node-2", "node-3")


@dataclass
class Component:
    name: str
    pid: int | None
    alive: bool
    ports: list[int]
    version: str
    started: float | None = None

    @property
    def uptime(self) -> str:
        return fmt_duration(time.time() - self.started) if self.alive and self.started else "-"


@dataclass
class Status:
    state: str  # "absent" | "running" | "stopped" | "degraded"
    components: list[Component] = field(default_factory=list)
    server: str | None = None
    kubeconfig: Path | None = None
    profile: str | None = None

    @property
    def dead(self) -> list[str]:
        return [c.name for c in self.components if not c.alive]


@dataclass
class UpResult:
    action: str  # "created" | "started" | "repaired" | "already running"
    server: str
    kubeconfig: Path
    seconds: float
    profile: str
    sources: dict[str, str]


@contextlib.contextmanager
def locked(timeout: float = 600) -> Iterator[None]:
    """One `up`/`down` at a time: a second caller waits, then sees the first one's result."""
    home = paths.home_dir()
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    with open(paths.lock_path(), "w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ClusterError(
                        "another k8slab up/down has held the lock too long",
                        hint=f"if none is running, delete {paths.lock_path()}") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid(name: str) -> int | None:
    try:
        return int((paths.cluster_dir() / "pids" / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None, name: str) -> tuple[bool, float | None]:
    if not pid:
        return False, None
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False, None
        cmd = " ".join(proc.cmdline())
        binary = "kwok" if name == "kwok-controller" else name
        if binary not in cmd and name not in cmd:
            return False, None
        return True, proc.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False, None


def status() -> Status:
    """The cluster's components: pids, liveness, ports, versions, uptime."""
    saved = kwokctl.saved_config()
    if not saved:
        return Status("absent")
    comps = []
    for comp in saved.get("components", []):
        name = comp.get("name")
        pid = _pid(name)
        alive, started = _alive(pid, name)
        ports = [p.get("port") or p.get("hostPort") for p in comp.get("ports") or []]
        comps.append(Component(name, pid, alive, [p for p in ports if p],
                               comp.get("version", "?"), started))
    alive = [c.alive for c in comps]
    state = "running" if alive and all(alive) else "stopped" if not any(alive) else "degraded"
    profile_file = paths.home_dir() / "profile"
    profile = profile_file.read_text().strip() if profile_file.exists() else None
    return Status(state, comps, kubeconfig.server_url(), paths.kubeconfig_path(), profile)


def _api() -> Api:
    server = kubeconfig.server_url(paths.cluster_dir() / "kubeconfig.yaml")
    if not server:
        raise ClusterError("the cluster has no kubeconfig yet",
                           hint="run `k8slab down --reset` then `k8slab up`")
    return Api(server, paths.cluster_dir() / "pki")


def _wait(what: str, check, timeout: float, detail=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except ApiError:
            pass
        if time.monotonic() > deadline:
            raise ClusterError(f"the cluster did not become ready: {what} (waited {timeout:.0f}s)"
                               + (f"; {detail()}" if detail() else ""),
                               hint=f"see the logs in {paths.cluster_dir() / 'logs'}; "
                               "`k8slab status` shows which component is down")
        time.sleep(0.1)


def _nodes_ready(api: Api) -> bool:
    items = api.get("/api/v1/nodes")["items"]
    ready = [n["metadata"]["name"] for n in items
             if any(c["type"] == "Ready" and c["status"] == "True"
                    for c in n.get("status", {}).get("conditions", []))]
    return set(NODES) <= set(ready)


def _secure_files() -> None:
    """Keys and kubeconfigs readable by their owner only; the state dir private."""
    os.chmod(paths.home_dir(), 0o700)
    for path in (paths.cluster_dir() / "pki").glob("*"):
        os.chmod(path, 0o600)
    for path in (paths.cluster_dir() / "kubeconfig.yaml", paths.kubeconfig_path()):
        if path.exists():
            os.chmod(path, 0o600)


LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"


def _release_node_leases(api: Api, older_than: float | None = None) -> int:
    """Delete node leases left by a previous kwok controller (its identity is random per
    start, so it would otherwise wait for them to expire before managing the nodes again)."""
    released = 0
    for lease in api.get(LEASES).get("items", []):
        name = lease["metadata"]["name"]
        renewed = lease.get("spec", {}).get("renewTime") or ""
        if name not in NODES:
            continue
        if older_than is not None and renewed:
            from datetime import datetime

            when = datetime.fromisoformat(renewed.replace("Z", "+00:00")).timestamp()
            if when >= older_than:
                continue
        with contextlib.suppress(ApiError):
            api.request("DELETE", f"{LEASES}/{name}")
            released += 1
    return released


def _kwok_started() -> float | None:
    return _alive(_pid("kwok-controller"), "kwok-controller")[1]


def _nodes_held(api: Api, since: float) -> bool:
    """Every node's lease renewed since the kwok controller started, i.e. held by it. (Nodes
    keep their Ready status across a restart; a pod scheduled on a node kwok does not hold
    yet may never be started, so `up` must not return before.)"""
    from datetime import datetime

    renewed = {lease["metadata"]["name"]: (lease.get("spec") or {}).get("renewTime") or ""
               for lease in api.get(LEASES).get("items", [])}
    return all(renewed.get(node) and datetime.fromisoformat(
        renewed[node].replace("Z", "+00:00")).timestamp() >= since for node in NODES)


def _wait_ready(timeout: float) -> None:
    api = _api()
    _wait("the API server answers /readyz", api.ready, timeout,
          lambda: ", ".join(f"{n} is not running" for n in status().dead))
    started = _kwok_started()
    if started:
        _release_node_leases(api, older_than=started)
    api.apply(config.bootstrap_manifest())
    _wait("three nodes Ready", lambda: _nodes_ready(api), timeout)
    if started:
        _wait("the kwok controller holds the nodes", lambda: _nodes_held(api, started), timeout)
    _wait("the default ServiceAccount exists",
          lambda: bool(api.get("/api/v1/namespaces/default/serviceaccounts/default")), timeout)


def up(profile: str | None = None, timeout: float = 120) -> UpResult:
    """Start the cluster (create it the first time); idempotent. Returns when nodes are Ready."""
    started = time.monotonic()
    with locked():
        found = binaries.ensure()
        bin_dir = Path(found["kwokctl"].path).parent
        if any(Path(b.path).parent != bin_dir for b in found.values()):
            bin_dir = _gather(found)
        current = status()
        if current.state == "absent":
            chosen = config.profile_name(profile)
            cfg = paths.home_dir() / "kwokctl.yaml"
            cfg.write_text(_with_free_ports(config.render(bin_dir, chosen)))
            (paths.home_dir() / "profile").write_text(chosen)
            _remove_stale_cluster_dir()
            say(f"creating the cluster ({chosen} profile)")
            kwokctl.run(bin_dir, "create", "cluster", "--config", str(cfg), "--kubeconfig", "",
                        "--wait", "0s")
            action = "created"
        elif current.state == "stopped":
            _move_taken_ports(current)
            kwokctl.run(bin_dir, "start", "cluster")
            action = "started"
        elif current.state == "degraded":
            say(f"repairing the cluster: {', '.join(current.dead)} not running")
            _stop_all(bin_dir)
            _move_taken_ports(current)
            kwokctl.run(bin_dir, "start", "cluster")
            action = "repaired"
        else:
            action = "already running"
        if profile and current.state != "absent" and current.profile not in (None, profile):
            say(f"[yellow]note:[/] the cluster was created with the {current.profile} profile; "
                "`k8slab down --reset` then `k8slab up --profile "
                f"{profile}` to change it")
        _secure_files()
        kubeconfig.write_from(paths.cluster_dir() / "kubeconfig.yaml")
        _secure_files()
        _wait_ready(timeout)
        final = status()
        if final.state != "running":
            raise ClusterError(f"the cluster started but {', '.join(final.dead)} stopped",
                               hint=f"see {paths.cluster_dir() / 'logs'}")
    return UpResult(action, final.server or "?", paths.kubeconfig_path(),
                    time.monotonic() - started, final.profile or "?", binaries.sources())


def _gather(found: dict[str, binaries.Binary]) -> Path:
    """kwokctl wants one directory; link binaries from elsewhere into the cache dir."""
    target = paths.bin_dir()
    target.mkdir(parents=True, exist_ok=True)
    for b in found.values():
        link = target / b.name
        if Path(b.path) != link:
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to(Path(b.path).resolve())
    return target


def _remove_stale_cluster_dir() -> None:
    directory = paths.cluster_dir()
    if directory.exists():
        shutil.rmtree(directory)


def _stop_all(bin_dir: Path) -> None:
    with contextlib.suppress(ClusterError):
        kwokctl.run(bin_dir, "stop", "cluster")
    _kill_leftovers()


def _kill_leftovers(grace: float = 5.0) -> list[str]:
    """Any component still alive after kwokctl stopped it: SIGTERM, then SIGKILL."""
    killed = []
    for name in COMPONENTS:
        pid = _pid(name)
        alive, _ = _alive(pid, name)
        if alive and pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            killed.append(name)
            deadline = time.monotonic() + grace
            while _alive(pid, name)[0] and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid, name)[0]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    return killed


def _port_open(port: int) -> bool:
    """Something listens on the port. Read from the system's socket table: a connect() can
    meet itself on an ephemeral port, and a bind() fails while closed connections linger."""
    try:
        return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
                   for c in psutil.net_connections("tcp"))
    except (psutil.Error, OSError):
        return not _bindable(port)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _listener(port: int) -> psutil.Process | None:
    """The process listening on a local port, when it can be found."""
    try:
        for conn in psutil.net_connections("tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return psutil.Process(conn.pid)
    except (psutil.Error, OSError):
        pass
    return None


def _foreign(port: int) -> str | None:
    """Who holds a port, when it is a program other than this cluster's components (e.g.
    another k8slab cluster, of another K8SLAB_HOME, given the port while this one was
    stopped): "name (pid N)"; None when the port is free or its holder is ours/unknown."""
    proc = _listener(port)
    if proc is None:
        return None
    try:
        exe = (proc.cmdline() or [""])[0]
        if exe.startswith(str(paths.cluster_dir())):
            return None
        return f"{Path(exe).name or proc.name()} (pid {proc.pid})"
    except psutil.Error:
        return None


PORT_OPTIONS = ("kubeApiserverPort", "etcdPort", "etcdPeerPort", "kubeControllerManagerPort",
                "kubeSchedulerPort", "kwokControllerPort")


def _with_free_ports(rendered: str) -> str:
    """Give a new cluster ports the system says are free now, rather than kwokctl's choice
    (counting down from 32767: two clusters of different homes created at once collide)."""
    docs = rendered.split("\n---\n")
    for i, doc in enumerate(docs):
        data = yaml.safe_load(doc)
        if isinstance(data, dict) and data.get("kind") == "KwokctlConfiguration":
            data.setdefault("options", {}).update({k: _free_port() for k in PORT_OPTIONS})
            docs[i] = yaml.safe_dump(data, sort_keys=False)
    return "\n---\n".join(docs)


def _free_port() -> int:
    """A free port below the ephemeral range, where the system never puts clients' own
    ports (so it stays free while the cluster is stopped, as kwokctl's own choice would)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(500):
        port = random.randint(max(1025, low - 12000), low - 1)
        if _bindable(port) and not _port_open(port):
            return port
    raise ClusterError("no free port for the cluster below the ephemeral port range",
                       hint="stop some programs listening on local ports and try again")


def _move_taken_ports(current: Status) -> None:
    """Before starting a stopped cluster: a port of its that another program took while it
    was stopped (e.g. another k8slab cluster, of another K8SLAB_HOME) is swapped for a free
    one in kwokctl's saved configuration, so the cluster starts with its data intact."""
    ports = [port for c in current.components for port in c.ports]
    deadline = time.monotonic() + 5  # our own components, still exiting, let go of theirs
    while any(_port_open(p) and not _foreign(p) for p in ports) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    taken = {port: c.name for c in current.components for port in c.ports  # ours are stopped
             if _port_open(port)}
    if not taken:
        return
    files = [paths.cluster_dir() / "kwok.yaml", paths.cluster_dir() / "kubeconfig.yaml"]
    texts = {f: f.read_text() for f in files if f.exists()}
    for port, name in taken.items():
        new = _free_port()
        say(f"port {port} of {name} is used by {_foreign(port) or 'another program'}: "
            f"moving {name} to {new}")
        for f, text in texts.items():
            texts[f] = re.sub(rf"(?<!\d){port}(?!\d)", str(new), text)
    for f, text in texts.items():
        f.write_text(text)


def down(reset: bool = False) -> str:
    """Stop every component (data kept); with reset, delete the cluster and its data."""
    with locked():
        current = status()
        if current.state == "absent":
            if reset:
                _remove_stale_cluster_dir()
                paths.kubeconfig_path().unlink(missing_ok=True)
            return "absent"
        ports = [p for c in current.components for p in c.ports]
        found = binaries.from_cache()
        bin_dir = Path(found["kwokctl"].path).parent if "kwokctl" in found else None
        if current.state == "running":
            with contextlib.suppress(ApiError, ClusterError, OSError):
                _release_node_leases(_api())
        if bin_dir is not None:
            with contextlib.suppress(ClusterError):
                kwokctl.run(bin_dir, "delete" if reset else "stop", "cluster")
        _kill_leftovers()
        def still_ours() -> list[int]:  # (a port another program holds is not ours)
            return [p for p in ports if _port_open(p) and not _foreign(p)]

        deadline = time.monotonic() + 10
        while still_ours() and time.monotonic() < deadline:
            time.sleep(0.1)
        busy = still_ours()
        if busy:
            raise ClusterError(f"ports {busy} still answer after stopping the cluster",
                               hint="another program may use them; `ss -ltnp` shows which")
        if reset:
            _remove_stale_cluster_dir()
            paths.kubeconfig_path().unlink(missing_ok=True)
            (paths.home_dir() / "profile").unlink(missing_ok=True)
            return "deleted"
        return "stopped"


def versions_line() -> str:
    return (f"Kubernetes {versions.KUBERNETES}, etcd {versions.ETCD}, "
            f"kwok {versions.KWOK}")
