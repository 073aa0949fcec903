"""`make bench`: run every benchmark, print one table, save it to bench/results.md."""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, print_rows, use_bench_cluster

BENCHMARKS = ["import_time", "cluster_start", "deployment_scale", "viz_scale", "course", "load"]


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}")


def markdown(rows: list[dict], notes: str) -> str:
    lines = [f"# Benchmark results ({datetime.date.today()})", "", f"Machine: {machine()}", "",
             "| benchmark | median | min | max | unit | runs | target |",
             "|---|---:|---:|---:|---|---:|---|"]
    for r in rows:
        lines.append(f"| {r['name'].strip()} | {r['median']:.3f} | {r['min']:.3f} | "
                     f"{r['max']:.3f} | {r['unit']} | {r.get('runs', 1)} | "
                     f"{r.get('target', '')} |")
    return "\n".join(lines) + "\n\n" + notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=BENCHMARKS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    use_bench_cluster()
    rows: list[dict] = []
    for name in args.only:
        print(f"== {name}", flush=True)
        module = importlib.import_module(name)
        kwargs = {"runs": 1} if name in ("course", "load") else {"runs": args.runs}
        got = module.run(**kwargs)
        print_rows(got)
        rows.extend(got)
    print("\n== all")
    print_rows(rows)
    notes_file = Path(__file__).with_name("NOTES.md")
    notes = notes_file.read_text() if notes_file.exists() else ""
    target = Path(__file__).with_name("results.md")
    target.write_text(markdown(rows, notes))
    print(f"\nsaved {target.relative_to(REPO)}")
    from k8slab.cluster import lifecycle

    lifecycle.down()


if __name__ == "__main__":
    main()
