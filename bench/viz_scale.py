"""A live PodBoard following a Deployment scaled 0 -> 500 pods (the fast profile's nodes hold
500 pods each). Prints how far behind the API the view's state is (lag: a probe pod is
annotated through the API, and the time until the view's state shows the annotation is
measured, while 500 pods are being created and once they are all up), how often the view
redraws (renders/s, capped at 10), and what an idle view costs (CPU of this process while
nothing changes, minus the same measure with no view).

Targets: under 1 s behind the API at 500 pods; an idle view under 2% of a core.
"""

from __future__ import annotations

import argparse
import time

from _common import connect, lag, print_rows, row


class CountingHandle:
    """Stands in for a notebook display: counts the pictures it is sent, and when."""

    def __init__(self):
        self.times: list[float] = []

    def update(self, bundle, raw=False) -> None:
        self.times.append(time.monotonic())

    def rate(self, start: float, end: float) -> tuple[float, int, int]:
        """(average renders/s, fewest and most in any whole second) between two times."""
        inside = [t for t in self.times if start <= t <= end]
        per_second = [sum(1 for t in inside if s <= t - start < s + 1)
                      for s in range(max(int(end - start), 1))]
        return len(inside) / max(end - start, 1e-9), min(per_second), max(per_second)


def deployment(replicas: int) -> dict:
    labels = {"app": "scale"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "scale"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def probe_pod() -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}


def cpu_percent(seconds: float) -> float:
    """CPU of this process (all threads) over `seconds` of wall time, in % of one core."""
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(seconds)
    return 100 * (time.process_time() - cpu) / (time.monotonic() - wall)


def one(lab, replicas: int, idle_seconds: float, probe_every: float,
        settled_probes: int) -> dict:
    """One experiment: scale 0 -> `replicas` under a live board; its figures."""
    lab.apply(deployment(0))
    lab.wait_for("pod", selector="app=scale", condition="deleted", timeout=600)
    baseline = cpu_percent(idle_seconds)  # this process, no view
    board = lab.show("pods")
    handle = CountingHandle()
    board.attach(handle)
    try:
        board.until("ready=1", timeout=60)  # the probe pod alone
        lab.scale("deployment", "scale", replicas)
        start = time.monotonic()
        during, n = [], 0
        while board.state().count(ready=True) < replicas + 1:
            n += 1
            during.append(lag(lab, board, n))
            time.sleep(probe_every)
            if time.monotonic() - start > 600:
                raise TimeoutError(f"{replicas} pods were not ready within 600 s")
        shown = time.monotonic() - start
        rate = handle.rate(start, time.monotonic())
        settled = []
        for _ in range(settled_probes):
            n += 1
            settled.append(lag(lab, board, n))
            time.sleep(probe_every)
        time.sleep(2)  # let the last redraw and highlight fade happen
        quiet_from = time.monotonic()
        idle = max(cpu_percent(idle_seconds) - baseline, 0.0)
        quiet_renders = len([t for t in handle.times if t >= quiet_from])
    finally:
        board.stop()
    return {"during": during, "settled": settled, "shown": shown, "rate": rate,
            "idle": idle, "quiet_renders": quiet_renders}


def run(runs: int = 1, replicas: int = 500, idle_seconds: float = 10.0,
        probe_every: float = 0.25, settled_probes: int = 10) -> list[dict]:
    """The benchmark's rows: {"name", "median", "min", "max", "unit", "runs", "target"}."""
    lab = connect("bench-viz")
    try:
        lab.apply(probe_pod())
        lab.wait_for("pod", "probe", "Ready", timeout=60)
        results = [one(lab, replicas, idle_seconds, probe_every, settled_probes)
                   for _ in range(runs)]
    finally:
        for view in list(lab._views):
            view.stop()
        lab.cleanup()
        lab.close()
    rates = [r["rate"] for r in results]
    return [
        row(f"PodBoard lag behind the API, 0 -> {replicas} pods (probe)",
            [x for r in results for x in r["during"]], target="< 1 s"),
        row(f"PodBoard lag behind the API at {replicas} pods, settled",
            [x for r in results for x in r["settled"]], target="< 1 s"),
        row(f"PodBoard shows {replicas} pods ready, after the scale call",
            [r["shown"] for r in results]),
        {"name": "PodBoard renders/s while scaling (avg; min/max in 1 s)",
         "median": sorted(a for a, _, _ in rates)[len(rates) // 2],
         "min": min(lo for _, lo, _ in rates), "max": max(hi for _, _, hi in rates),
         "unit": "1/s", "runs": runs, "target": "<= 10/s"},
        row(f"Idle PodBoard of {replicas} pods: CPU over {idle_seconds:g} s",
            [r["idle"] for r in results], unit="%core", target="< 2 %"),
        row("Idle PodBoard: redraws while idle", [r["quiet_renders"] for r in results],
            unit="n", target="0"),
    ]


def verdicts(rows: list[dict]) -> list[str]:
    """One line per target: the figure next to it, met or not."""
    lines = []
    for r in rows:
        if "lag" in r["name"]:
            lines.append(f"lag {r['median']:.3f} s median, {r['max']:.3f} s max "
                         f"(target < 1 s): {'met' if r['max'] < 1 else 'NOT met'}")
        if r["unit"] == "%core":
            lines.append(f"idle view {r['median']:.2f} % of a core (target < 2 %): "
                         f"{'met' if r['median'] < 2 else 'NOT met'}")
        if r["unit"] == "1/s":
            lines.append(f"renders {r['median']:.1f}/s average, {r['max']:g} in the busiest "
                         f"second (cap 10/s): {'met' if r['max'] <= 10 else 'NOT met'}")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--replicas", type=int, default=500)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    results = run(args.runs, args.replicas, args.idle_seconds)
    print_rows(results)
    print()
    print("\n".join(verdicts(results)))
