"""`k8slab up`, `status` and `down` on a cluster home of this module's own, through the CLI:
idempotent start, status, nothing exposed beyond 127.0.0.1, private files, nothing left
behind, and clear errors for unusable binaries. One cluster is created for the module."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from k8slab.cluster import binaries, config, kwokctl, lifecycle, paths, versions

pytestmark = pytest.mark.cluster


def k8slab(home: Path, *args: str, timeout: float = 240,
           **env: str) -> subprocess.CompletedProcess:
    """Run the `k8slab` command with K8SLAB_HOME=home (fast profile)."""
    full = dict(os.environ, K8SLAB_HOME=str(home), K8SLAB_PROFILE="fast", **env)
    if "K8SLAB_BIN_DIR" not in env:
        full.pop("K8SLAB_BIN_DIR", None)
    return subprocess.run([sys.executable, "-m", "k8slab", *args], env=full,
                          capture_output=True, text=True, timeout=timeout)


def processes_of(home: Path) -> list[psutil.Process]:
    """Every process whose command line mentions the cluster home."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if proc.pid != os.getpid() and str(home) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def listeners(port: int) -> list:
    return [c for c in psutil.net_connections("inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Iterator[Path]:
    """A cluster home of this module's own, created readable by all as a umask 022 would."""
    path = tmp_path_factory.mktemp("lifecycle") / "home"
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    yield path
    k8slab(path, "down", "--reset")
    for proc in processes_of(path):  # a safety net: the tests below assert there are none
        with contextlib.suppress(psutil.Error):
            proc.kill()


@pytest.fixture(scope="module")
def first_up(home) -> subprocess.CompletedProcess:
    """The one `k8slab up` that creates this module's cluster."""
    done = k8slab(home, "up")
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def running(first_up, home, monkeypatch) -> lifecycle.Status:
    """The module's cluster, running; K8SLAB_HOME points at it in this process too."""
    monkeypatch.setenv("K8SLAB_HOME", str(home))
    current = lifecycle.status()
    assert current.state == "running"
    return current


def component(state: lifecycle.Status, name: str) -> lifecycle.Component:
    [found] = [c for c in state.components if c.name == name]
    return found


# -- up, status ---------------------------------------------------------------------------
def test_up_creates_the_cluster_and_says_how_to_use_it(first_up, home):
    out = first_up.stdout
    assert "cluster created in" in out
    for version in (versions.KUBERNETES, versions.ETCD, versions.KWOK):
        assert version in out
    assert re.search(r"API server: https://127\.0\.0\.1:\d+", out)
    assert f"kubeconfig: {home / 'kubeconfig'}" in out


def test_a_second_up_is_a_quick_no_op_with_the_same_processes(running, home):
    pids = {c.name: c.pid for c in running.components}
    started = time.monotonic()
    again = k8slab(home, "up")
    wall = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    reported = re.search(r"cluster already running in ([\d.]+)s", again.stdout)
    assert reported, again.stdout
    assert float(reported.group(1)) < 2.0 and wall < 15
    after = lifecycle.status()
    assert after.state == "running"
    assert {c.name: c.pid for c in after.components} == pids


def test_status_lists_every_component_with_its_pid_and_ports(running, home):
    out = k8slab(home, "status").stdout
    assert "cluster: running (fast profile)" in out
    assert {c.name for c in running.components} == set(lifecycle.COMPONENTS)
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    for c in running.components:
        assert c.pid and c.ports, c
        words = lines[c.name].split()
        assert words[1:4] == ["running", str(c.pid), ",".join(map(str, c.ports))]


# -- nothing exposed -------------------------------------------------------------------------
def test_the_api_server_listens_on_127_0_0_1_only(running):
    api = component(running, "kube-apiserver")
    [port] = api.ports
    sockets = listeners(port)
    assert sockets and {s.pid for s in sockets} == {api.pid}
    assert {s.laddr.ip for s in sockets} == {"127.0.0.1"}


def test_every_cluster_component_listens_on_127_0_0_1_only(running):
    for c in running.components:
        bound = {s.laddr.ip for s in psutil.Process(c.pid).net_connections("inet")
                 if s.status == psutil.CONN_LISTEN}
        assert bound == {"127.0.0.1"}, c.name


def other_local_addresses() -> list[str]:
    """This machine's addresses other than 127.0.0.1 (127.0.0.2 is loopback, but not it)."""
    found = ["127.0.0.2"]
    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = ipaddress.ip_address(a.address.split("%")[0])
            if not ip.is_link_local and str(ip) != "127.0.0.1":
                found.append(str(ip))
    return found


def connect_error(host: str, port: int) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port))


def test_the_api_server_refuses_connections_through_other_local_addresses(running):
    [port] = component(running, "kube-apiserver").ports
    assert connect_error("127.0.0.1", port) == 0
    for host in other_local_addresses():
        assert connect_error(host, port) == errno.ECONNREFUSED, host


# -- private files -----------------------------------------------------------------------------
def secret_files(home: Path) -> list[Path]:
    """Kubeconfigs, and every file holding a key or a certificate, under the home."""
    found = []
    for path in home.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        named = "kubeconfig" in path.name or path.suffix in (".key", ".crt", ".pem")
        data = b"" if named else path.read_bytes()
        if named or b"PRIVATE KEY" in data or b"BEGIN CERTIFICATE" in data:
            found.append(path)
    return found


def test_the_kubeconfig_and_every_key_and_certificate_are_private(running, home):
    files = secret_files(home)
    must = {paths.kubeconfig_path(), paths.cluster_dir() / "kubeconfig.yaml",
            paths.cluster_dir() / "pki" / "admin.key", paths.cluster_dir() / "pki" / "ca.key"}
    assert must <= set(files)
    loose = {str(f.relative_to(home)): oct(f.stat().st_mode & 0o777) for f in files
             if f.stat().st_mode & 0o077}
    assert loose == {}


def test_the_cluster_home_is_not_readable_by_others(running, home):
    assert home.stat().st_mode & 0o007 == 0


# -- nothing downloaded at start ---------------------------------------------------------------
def test_creating_the_cluster_downloads_nothing_every_binary_is_local(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_HOME", str(tmp_path / "home"))
    bin_dir = Path(binaries.from_cache()["kwokctl"].path).parent
    paths.home_dir().mkdir()
    cfg = paths.home_dir() / "kwokctl.yaml"
    cfg.write_text(config.render(bin_dir, "fast"))
    plan = kwokctl.run(bin_dir, "create", "cluster", "--config", str(cfg), "--kubeconfig", "",
                       dry_run=True)
    fetched = re.findall(r"^# Download (\S+) to ", plan, flags=re.MULTILINE)
    assert len(fetched) == 5  # etcd, apiserver, controller-manager, scheduler, kwok
    assert all(Path(source).parent == bin_dir for source in fetched), fetched
    assert not re.search(r"\b(curl|wget)\b", plan)
    assert not (paths.home_dir() / "kwok").exists()  # a dry run changes nothing


# -- unusable binaries ---------------------------------------------------------------------------
def garbage(path: Path, mode: int) -> None:
    path.write_bytes(b"\x7fELF this is not a program\n")
    path.chmod(mode)


@pytest.mark.parametrize(("case", "problem"), [
    ("empty", "kube-apiserver: missing"),
    ("not-executable", "kube-apiserver: not executable (chmod +x {path})"),
    ("garbage", "kube-apiserver: does not run (`{path} --version` failed)"),
], ids=["empty", "not-executable", "garbage"])
def test_an_unusable_bin_dir_gives_one_clear_paragraph_naming_the_path_and_the_fix(
        tmp_path, case, problem):
    bin_dir = tmp_path / "bins"
    bin_dir.mkdir()
    if case != "empty":
        for b in binaries.from_cache().values():
            (bin_dir / b.name).symlink_to(Path(b.path).resolve())
        (bin_dir / "kube-apiserver").unlink()
        garbage(bin_dir / "kube-apiserver", 0o644 if case == "not-executable" else 0o755)
    home = tmp_path / "home"
    done = k8slab(home, "up", K8SLAB_BIN_DIR=str(bin_dir))
    assert done.returncode != 0
    err = done.stderr
    assert "Traceback" not in err + done.stdout
    assert err.startswith("error: ") and str(bin_dir) in err
    assert problem.format(path=bin_dir / "kube-apiserver") in err
    hint = err.split("hint:")[1]
    assert "unset K8SLAB_BIN_DIR" in hint
    assert all(v in hint for v in (versions.KUBERNETES, versions.ETCD, versions.KWOK))
    lines = err.strip().splitlines()
    assert all(line.strip() for line in lines) and len(lines) <= 12
    if case != "empty":
        assert "kubectl:" not in err and "etcd:" not in err  # only the bad one is named
    assert not (home / "kwok").exists() and not processes_of(home)


# -- down (last: it stops the module's cluster) ----------------------------------------------------
def test_down_leaves_no_process_and_no_listening_port(running, home):
    ports = [p for c in running.components for p in c.ports]
    pids = {c.pid for c in running.components}
    assert processes_of(home)
    done = k8slab(home, "down")
    assert done.returncode == 0, done.stderr
    assert "cluster stopped" in done.stdout
    assert processes_of(home) == []
    assert not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    for port in ports:  # another cluster may have taken a freed port since: not ours
        for s in listeners(port):
            assert s.pid not in pids and str(home) not in " ".join(
                psutil.Process(s.pid).cmdline()), port
    assert lifecycle.status().state == "stopped"
    stopped = k8slab(home, "status")
    assert stopped.returncode == 3 and "cluster: stopped" in stopped.stdout
