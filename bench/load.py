"""A classroom's load on one embedded cluster, and what it costs.

(a) 40 namespaces at once, each running the deployments lesson's steps (notebooks/
    04-deployments.ipynb) through the Lab API, one thread and one Lab per namespace (as 40
    kernels would; threads, not 40 real kernels, which a 2-core machine cannot hold): apply
    manifests/web-deployment.yaml, wait Available, scale to 5, set_image, rollout_status,
    rollout_undo, rollout_status, delete the namespace. Total time, per-namespace and per-step
    median/min/max, failures.
(b) 1,000 pods (one Deployment) on the simulated nodes with a PodBoard open and drawing: time
    until the API says all Ready and until the view shows it; how far the view's state is
    behind the API (a probe pod annotated through the API, timed until the view has it),
    while the pods come up and once settled; redraws per second; 1,000 pods deleted.
(c) Meanwhile, sampled with psutil: CPU (% of one core) and memory (RSS) of the API server,
    of all the cluster's processes, and of this process (the "kernel": Labs, informers, views).

The nodes hold 500 pods each (the Stages' default allocatable), 1,500 in all; when more are
asked for, the benchmark adds simulated nodes of its own (and deletes them after).

No step may fail: failures are listed, counted in a row, and `python bench/load.py` exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
from _common import REPO, connect, lag, print_rows, row, up

WEB = REPO / "notebooks" / "manifests" / "web-deployment.yaml"
STEP_TIMEOUT = 300.0  # seconds any one step may take under load
FAILED = "failed steps"  # the name of the row that counts them


# -- sampling CPU and memory ----------------------------------------------------------------
class Sampler:
    """Samples CPU and RSS of groups of processes on a thread of its own, every `every` s."""

    def __init__(self, groups: dict[str, list[psutil.Process]], every: float = 0.5):
        self.groups, self.every = groups, every
        self.cpu: dict[str, list[float]] = {g: [] for g in groups}
        self.rss: dict[str, list[float]] = {g: [] for g in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def _run(self) -> None:
        for procs in self.groups.values():
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    proc.cpu_percent(None)  # the first reading only starts the clock
        while not self._stop.wait(self.every):
            for group, procs in self.groups.items():
                cpu = rss = 0.0
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        cpu += proc.cpu_percent(None)
                        rss += proc.memory_info().rss / 2**20
                self.cpu[group].append(cpu)
                self.rss[group].append(rss)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def rows(self, phase: str) -> list[dict]:
        """CPU: mean as the median column (min, max); RSS: median, min, max."""
        rows = []
        for group in self.groups:
            cpu, rss = self.cpu[group] or [0.0], self.rss[group] or [0.0]
            rows.append({"name": f"  {group} CPU during {phase}", "median": statistics.mean(cpu),
                         "min": min(cpu), "max": max(cpu), "unit": "%core", "runs": len(cpu),
                         "target": "mean shown"})
            rows.append(row(f"  {group} RSS during {phase}", rss, unit="MiB"))
        return rows


def process_groups() -> dict[str, list[psutil.Process]]:
    from k8slab.cluster import lifecycle

    comps = {c.name: c.pid for c in lifecycle.status().components if c.alive and c.pid}
    return {"kube-apiserver": [psutil.Process(comps["kube-apiserver"])],
            "cluster (all processes)": [psutil.Process(p) for p in comps.values()],
            "kernel (this process)": [psutil.Process()]}


# -- (a) 40 namespaces running the deployments lesson at once -------------------------------
def lesson(index: int, start: threading.Barrier, failures: list[str]) -> dict[str, float]:
    """The deployments notebook's steps in a namespace of its own; seconds per step."""
    import k8slab

    namespace = f"load-{index:02d}"
    times: dict[str, float] = {}
    lab = None

    def step(name: str, action):
        began = time.perf_counter()
        result = action()
        times[name] = time.perf_counter() - began
        return result

    start.wait()
    began = time.perf_counter()
    try:
        lab = step("connect", lambda: k8slab.connect(namespace=namespace, fresh=True))
        step("apply web-deployment.yaml", lambda: lab.apply(WEB))
        step("wait Available", lambda: lab.wait_for("deployment", "web", "Available",
                                                    timeout=STEP_TIMEOUT))
        step("scale to 5, wait", lambda: (lab.scale("deployment", "web", 5), lab.wait_for(
            "deployment", "web", "replicas=5", timeout=STEP_TIMEOUT)))
        step("set_image + rollout_status", lambda: (
            lab.set_image("deployment", "web", "nginx:1.28"),
            lab.rollout_status("deployment", "web", timeout=STEP_TIMEOUT)))
        step("rollout_undo + rollout_status", lambda: (
            lab.rollout_undo("deployment", "web"),
            lab.rollout_status("deployment", "web", timeout=STEP_TIMEOUT)))
        image = lab.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]
        if image["image"] != "nginx:1.27":
            raise AssertionError(f"undo left image {image['image']}, not nginx:1.27")
        step("delete namespace", lambda: lab.cleanup(wait=True, timeout=STEP_TIMEOUT))
        times["total"] = time.perf_counter() - began
    except Exception as exc:  # every failure is reported, none stops the others
        failures.append(f"{namespace}: {type(exc).__name__}: {exc}".splitlines()[0][:300])
    finally:
        if lab is not None:
            lab.close()
    return times


def namespaces(count: int) -> tuple[list[dict], list[str]]:
    """Phase (a): its rows and its failures."""
    up()
    failures: list[str] = []
    start = threading.Barrier(count + 1)
    with Sampler(process_groups()) as sampler, ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(lesson, i, start, failures) for i in range(count)]
        start.wait()
        began = time.perf_counter()
        results = [f.result() for f in futures]
        total = time.perf_counter() - began
    done = [r for r in results if "total" in r]
    rows = [{"name": f"{count} namespaces x deployments lesson at once: all done",
             "median": total, "min": total, "max": total, "unit": "s", "runs": 1,
             "target": ""}]
    if done:
        rows.append(row("  one namespace's lesson (all steps)", [r["total"] for r in done]))
        for name in done[0]:
            if name != "total":
                rows.append(row(f"    step: {name}", [r[name] for r in done if name in r]))
    rows.append({"name": f"  namespaces that failed (of {count})", "median": len(failures),
                 "min": len(failures), "max": len(failures), "unit": "n", "runs": 1,
                 "target": "0"})
    return rows + sampler.rows(f"{count} lessons"), failures


# -- (b) 1,000 pods under a live PodBoard ---------------------------------------------------
class CountingHandle:
    """Stands in for a notebook display: counts the pictures it is sent."""

    def __init__(self):
        self.times: list[float] = []

    def update(self, bundle, raw=False) -> None:
        self.times.append(time.monotonic())


def deployment(replicas: int) -> dict:
    labels = {"app": "load"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "load"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def ensure_capacity(lab, pods: int) -> list[str]:
    """Add simulated nodes when the Ready nodes cannot hold `pods` more; their names."""
    nodes = lab.get("node")
    room = sum(int((n.get("status") or {}).get("allocatable", {}).get("pods", 0))
               for n in nodes) - len(lab.get("pod", all_namespaces=True))
    added: list[str] = []
    while room < pods:
        name = f"load-node-{len(added) + 1}"
        lab.apply({"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
            "labels": {"type": "kwok", "kubernetes.io/hostname": name}}})
        added.append(name)
        room += 500  # the Stages' default allocatable
    for name in added:
        lab.wait_for("node", name, "Ready", timeout=60)
    return added


def pods_phase(pods: int, settled_probes: int = 10) -> tuple[list[dict], list[str]]:
    """Phase (b): its rows and its failures."""
    import k8slab

    failures: list[str] = []
    lab = connect("load-pods")
    watcher = k8slab.connect(namespace="load-pods")  # the API's side, on its own connection
    added: list[str] = []
    rows: list[dict] = []
    board = None
    try:
        added = ensure_capacity(lab, pods + 1)
        rows.append({"name": "  simulated nodes added for capacity (500 pods each)",
                     "median": len(added), "min": len(added), "max": len(added), "unit": "n",
                     "runs": 1, "target": ""})
        lab.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
                   "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
        lab.wait_for("pod", "probe", "Ready", timeout=60)
        lab.apply(deployment(0))
        board = lab.show("pods")
        handle = CountingHandle()
        board.attach(handle)
        board.until("ready=1", timeout=60)
        ready_at: dict[str, float] = {}

        def wait_api() -> None:
            try:
                watcher.wait_for("deployment", "load", f"replicas={pods}", timeout=900)
                ready_at["api"] = time.monotonic()
            except Exception as exc:
                failures.append(f"API wait for {pods} ready: {exc}".splitlines()[0][:300])

        def wait_view() -> None:
            try:
                board.until(f"ready={pods + 1}", timeout=900)  # (and the probe)
                ready_at["view"] = time.monotonic()
            except Exception as exc:
                failures.append(f"PodBoard wait for {pods} ready: {exc}".splitlines()[0][:300])

        with Sampler(process_groups()) as sampler:
            lab.scale("deployment", "load", pods)
            began = time.monotonic()
            waiters = [threading.Thread(target=wait_api, name="load-api-wait", daemon=True),
                       threading.Thread(target=wait_view, name="load-view-wait", daemon=True)]
            for waiter in waiters:
                waiter.start()
            during, n = [], 0
            while any(w.is_alive() for w in waiters):
                n += 1
                during.append(lag(lab, board, n))
                time.sleep(0.25)
            for waiter in waiters:
                waiter.join()
            rendered = handle.times[:]
            settled = []
            for _ in range(settled_probes):
                n += 1
                settled.append(lag(lab, board, n))
                time.sleep(0.25)
        shown = ready_at.get("view", float("nan")) - began
        ready = ready_at.get("api", float("nan")) - began
        renders = [t for t in rendered if began <= t <= began + shown]
        rows += [
            {"name": f"{pods} pods: all Ready per the API, after the scale call",
             "median": ready, "min": ready, "max": ready, "unit": "s", "runs": 1,
             "target": ""},
            {"name": f"{pods} pods: all Ready shown by the PodBoard", "median": shown,
             "min": shown, "max": shown, "unit": "s", "runs": 1, "target": ""},
            row(f"  PodBoard lag behind the API while 0 -> {pods} (probe)", during,
                target="< 1 s"),
            row(f"  PodBoard lag behind the API at {pods} pods, settled", settled,
                target="< 1 s"),
            {"name": "  PodBoard redraws/s while scaling", "median": len(renders) / shown,
             "min": len(renders) / shown, "max": len(renders) / shown, "unit": "1/s",
             "runs": 1, "target": "<= 10/s"},
        ]
        rows += sampler.rows(f"{pods} pods")
        began = time.monotonic()
        lab.delete("deployment", "load", wait=False)
        board.until("pods=1", timeout=600)  # the probe alone
        gone = time.monotonic() - began
        rows.append({"name": f"{pods} pods deleted, shown gone by the PodBoard",
                     "median": gone, "min": gone, "max": gone, "unit": "s", "runs": 1,
                     "target": ""})
    except Exception as exc:
        failures.append(f"{pods} pods: {type(exc).__name__}: {exc}".splitlines()[0][:300])
    finally:
        if board is not None:
            board.stop()
        try:
            lab.cleanup(wait=True, timeout=600)
        except Exception as exc:
            failures.append(f"cleaning up {lab.namespace}: {exc}".splitlines()[0])
        for name in added:
            with contextlib.suppress(Exception):
                lab.delete("node", name, wait=False)
        lab.close()
        watcher.close()
    return rows, failures


# -- the runner's entry points --------------------------------------------------------------
def run(runs: int = 1, namespaces_count: int = 40, pods: int = 1000) -> list[dict]:
    """The benchmark's rows (bench/run_all.py's convention). Failures are printed and counted
    in the last row (named "failed steps"); `failed(rows)` says how many."""
    rows: list[dict] = []
    failures: list[str] = []
    for _ in range(runs):
        if namespaces_count:
            got, failed_here = namespaces(namespaces_count)
            rows += got
            failures += failed_here
        if pods:
            got, failed_here = pods_phase(pods)
            rows += got
            failures += failed_here
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    rows.append({"name": FAILED, "median": len(failures), "min": len(failures),
                 "max": len(failures), "unit": "n", "runs": runs, "target": "0"})
    return rows


def failed(rows: list[dict]) -> int:
    return int(sum(r["median"] for r in rows if r["name"] == FAILED))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--namespaces", type=int, default=40, help="0 skips phase (a)")
    parser.add_argument("--pods", type=int, default=1000, help="0 skips phase (b)")
    args = parser.parse_args()
    results = run(args.runs, args.namespaces, args.pods)
    print_rows(results)
    sys.exit(1 if failed(results) else 0)
