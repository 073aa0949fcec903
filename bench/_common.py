"""Shared bits of the benchmarks: a cluster of their own, timing, and the result rows."""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE = "k8slab.dev/probe"  # an annotation written to measure how far a view lags


def use_bench_cluster() -> None:
    """Benchmarks run on their own embedded cluster (fast profile), never the user's one."""
    os.environ.setdefault("K8SLAB_HOME", str(REPO / ".k8slab-bench"))
    os.environ.setdefault("K8SLAB_PROFILE", "fast")


def up():
    use_bench_cluster()
    from k8slab.cluster import lifecycle

    return lifecycle.up(profile=os.environ["K8SLAB_PROFILE"])


def connect(namespace: str):
    import k8slab

    up()
    return k8slab.connect(namespace=namespace, fresh=True)


@contextmanager
def stopwatch():
    """`with stopwatch() as t: ...; t()` -> seconds elapsed."""
    start = time.perf_counter()
    end = None

    def elapsed() -> float:
        return (end or time.perf_counter()) - start

    yield elapsed
    end = time.perf_counter()


def row(name: str, samples: list[float], unit: str = "s", target: str = "") -> dict:
    """One line of the results table: median, min and max of the samples."""
    return {"name": name, "median": statistics.median(samples), "min": min(samples),
            "max": max(samples), "unit": unit, "target": target, "runs": len(samples)}


def print_rows(rows: list[dict]) -> None:
    print(f"{'benchmark':<52} {'median':>9} {'min':>9} {'max':>9}  unit  runs  target")
    for r in rows:
        print(f"{r['name']:<52} {r['median']:>9.3f} {r['min']:>9.3f} {r['max']:>9.3f}  "
              f"{r['unit']:<5} {r.get('runs', 1):>4}  {r.get('target', '')}")


def probe_value(state) -> str | None:
    pod = state.get("pod", "probe")
    return ((pod or {}).get("metadata", {}).get("annotations") or {}).get(PROBE)


def lag(lab, board, n: int) -> float:
    """Write a probe through the API; seconds until the view's state shows it."""
    lab.annotate("pod", "probe", **{PROBE: str(n)})
    written = time.monotonic()
    board.until(lambda s: probe_value(s) == str(n), timeout=60)
    return time.monotonic() - written
