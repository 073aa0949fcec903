"""A Deployment of N replicas to Available, for N = 10, 100, 500, and how it grows with N.
Target: 100 replicas Available in under 10 s (fast profile)."""

from __future__ import annotations

import argparse

from _common import connect, print_rows, row, stopwatch


def manifest(replicas: int) -> dict:
    labels = {"app": "scale"}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "scale"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def one(lab, replicas: int) -> float:
    with stopwatch() as elapsed:
        lab.apply(manifest(replicas))
        lab.wait_for("deployment", "scale", "Available", timeout=600)
        lab.wait_for("deployment", "scale", f"replicas={replicas}", timeout=600)
    seconds = elapsed()
    lab.delete("deployment", "scale")
    lab.wait_for("pod", selector="app=scale", condition="deleted", timeout=600)
    return seconds


def run(runs: int = 3, sizes: tuple[int, ...] = (10, 100, 500)) -> list[dict]:
    lab = connect("bench-scale")
    rows = []
    try:
        medians = {}
        for n in sizes:
            samples = [one(lab, n) for _ in range(runs)]
            r = row(f"Deployment of {n} replicas to Available", samples,
                    target="< 10 s" if n == 100 else "")
            medians[n] = r["median"]
            rows.append(r)
        base = sizes[0]
        for n in sizes[1:]:
            ratio = medians[n] / medians[base]
            rows.append({"name": f"  growth {base} -> {n} replicas ({n // base}x pods)",
                         "median": ratio, "min": ratio, "max": ratio, "unit": "x", "runs": 1,
                         "target": "linear or better"})
    finally:
        lab.cleanup()
        lab.close()
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_rows(run(args.runs))
