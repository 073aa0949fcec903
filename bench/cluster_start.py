"""The embedded cluster's start and stop, through the `k8slab` command, with binaries cached:
create to Ready in a fresh home, restart (down then up, data kept), stop, and the memory of
all cluster processes (RSS sum) idle and while a 100-pod Deployment rolls out.
`--cold-build` also times building every binary from Go modules into an empty cache (slow).
Target: under 15 s to Ready when cached.

Every cluster here lives in a temporary K8SLAB_HOME of its own and is deleted at the end."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from _common import print_rows, row

TARGET_READY_S = 15.0
PODS = 100


def k8slab(home: Path, *args: str, env: dict[str, str] | None = None,
           timeout: float = 600) -> tuple[float, str]:
    """Run `k8slab ARGS` on the cluster home; (wall seconds, stdout). Raises on failure."""
    full = dict(env or os.environ, K8SLAB_HOME=str(home))
    full.setdefault("K8SLAB_PROFILE", "fast")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "k8slab", *args], env=full,
                          capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"`k8slab {' '.join(args)}` failed:\n{done.stderr}")
    return seconds, done.stdout + done.stderr


def cluster_processes(home: Path) -> list[psutil.Process]:
    """The processes of the cluster living in `home` (their command lines name it)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if str(home) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def rss_mib(procs: list[psutil.Process]) -> float:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 2**20


def reported_seconds(output: str) -> float:
    """The time `k8slab up` says it took inside the library (CLI start-up excluded)."""
    match = re.search(r"cluster \w+(?: \w+)? in ([\d.]+)s", output)
    return float(match.group(1)) if match else float("nan")


def cold_creates(runs: int, homes: list[Path]) -> tuple[list[float], list[float]]:
    """`k8slab up` in `runs` fresh homes (binaries cached); all but the last are deleted."""
    wall, inside = [], []
    for i in range(runs):
        home = Path(tempfile.mkdtemp(prefix=f"k8slab-bench-start-{i}-"))
        homes.append(home)
        seconds, out = k8slab(home, "up")
        assert "cluster created" in out, out
        wall.append(seconds)
        inside.append(reported_seconds(out))
        if i < runs - 1:
            k8slab(home, "down", "--reset")
    return wall, inside


def restarts(home: Path, runs: int) -> tuple[list[float], list[float]]:
    """`k8slab down` then `k8slab up` on the same data, `runs` times: (stop, restart)."""
    stops, starts = [], []
    for _ in range(runs):
        seconds, _ = k8slab(home, "down")
        assert not cluster_processes(home), "processes left after `k8slab down`"
        stops.append(seconds)
        seconds, out = k8slab(home, "up")
        assert "cluster started" in out, out
        starts.append(seconds)
    return stops, starts


def memory_under_load(home: Path, pods: int = PODS) -> tuple[float, float, float]:
    """RSS sum of the cluster's processes (MiB) idle, and its peak while `pods` pods roll
    out and settle; and the seconds the rollout took."""
    import k8slab as lib

    procs = cluster_processes(home)
    idle = rss_mib(procs)
    peak, stop = [idle], threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak.append(rss_mib(procs))

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    lab = lib.connect(namespace="bench-rss", kubeconfig=home / "kubeconfig", context="k8slab")
    labels = {"app": "rss"}
    sampler.start()
    try:
        started = time.perf_counter()
        lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "rss"},
                   "spec": {"replicas": pods, "selector": {"matchLabels": labels},
                            "template": {"metadata": {"labels": labels}, "spec": {
                                "containers": [{"name": "app", "image": "nginx"}]}}}})
        lab.wait_for("deployment", "rss", f"replicas={pods}", timeout=300)
        rollout = time.perf_counter() - started
        time.sleep(3)  # let controllers and the apiserver's caches settle at their peak
    finally:
        stop.set()
        sampler.join()
        lab.close()
    return idle, max(peak), rollout


def _writable(func, path, _exc) -> None:
    """rmtree error handler: Go's module cache is read-only; make it writable, retry."""
    os.chmod(os.path.dirname(path), stat.S_IRWXU)
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IRWXU)
    func(path)


def cold_build() -> list[dict]:
    """Build every binary from Go modules into an empty K8SLAB_CACHE (nothing reused:
    Go's module and build caches live under it too; no download, nothing from PATH)."""
    from k8slab.cluster import versions

    cache = Path(tempfile.mkdtemp(prefix="k8slab-bench-coldbuild-"))
    env = dict(os.environ, K8SLAB_CACHE=str(cache))
    env.pop("K8SLAB_BIN_DIR", None)
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep)
        if d and not any((Path(d) / name).exists() for name in versions.ALL_BINARIES))
    try:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "k8slab", "binaries", "--no-download"],
                              env=env, capture_output=True, text=True, timeout=3 * 3600)
        total = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"the cold build failed:\n{done.stderr}")
        sources = {line.split()[0]: line.split()[2] for line in done.stdout.splitlines()}
        assert set(sources.values()) == {"build"}, sources
        rows = [row("cold build of all binaries from Go modules", [total], unit="s")]
        for project, seconds in re.findall(r"(\w+): obtained by build in (\d+)s", done.stderr):
            rows.append(row(f"  of which {project}", [float(seconds)], unit="s"))
        return rows
    finally:
        handler = "onexc" if sys.version_info >= (3, 12) else "onerror"
        shutil.rmtree(cache, **{handler: _writable})


def _remove(home: Path) -> None:
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        k8slab(home, "down", "--reset", timeout=120)
    for proc in cluster_processes(home):  # ours: they name our temporary home
        with contextlib.suppress(psutil.Error):
            proc.kill()
    shutil.rmtree(home, ignore_errors=True)


def run(runs: int = 3, build: bool = False) -> list[dict]:
    rows = cold_build() if build else []
    homes: list[Path] = []
    try:
        create, inside = cold_creates(runs, homes)
        stops, starts = restarts(homes[-1], runs)
        idle, peak, rollout = memory_under_load(homes[-1])
    finally:
        for home in homes:
            _remove(home)
    ratio = statistics.median(create) / TARGET_READY_S
    rows += [
        row("cluster create to Ready, binaries cached", create,
            target=f"< {TARGET_READY_S:g} s"),
        {"name": f"  ratio to the {TARGET_READY_S:g} s target", "median": ratio, "min": ratio,
         "max": ratio, "unit": "x", "runs": 1, "target": "< 1"},
        row("  of which inside lifecycle.up (no CLI start-up)", inside),
        row("cluster restart to Ready (down, up on kept data)", starts,
            target=f"< {TARGET_READY_S:g} s"),
        row("cluster stop (`k8slab down`, nothing left)", stops),
        row("cluster RSS, idle (sum of its processes)", [idle], unit="MiB"),
        row(f"cluster RSS, peak with {PODS} pods (sum)", [peak], unit="MiB"),
        row(f"  rollout of those {PODS} pods to Ready", [rollout]),
    ]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-build", action="store_true",
                        help="also time a build of every binary into an empty cache (minutes)")
    args = parser.parse_args()
    print_rows(run(args.runs, build=args.cold_build))
