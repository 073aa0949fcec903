"""The time of each notebook and of the whole course, serial and with --parallel.
Target: the whole course under 3 minutes serial (fast profile)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import print_rows, row, up


def run(runs: int = 1, parallel: int = 2) -> list[dict]:
    from k8slab import runner

    up()
    rows = []
    per_notebook: dict[str, list[float]] = {}
    serial, concurrent = [], []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            results = runner.run_course(output_dir=Path(out), suffix=f"bench{i}", slides=False,
                                        report=lambda line: None)
            serial.append(time.perf_counter() - started)
            failed = [r.line for r in results if not r.passed]
            if failed:
                raise SystemExit("a notebook failed:\n" + "\n".join(failed))
            for r in results:
                per_notebook.setdefault(r.notebook, []).append(r.seconds)
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            results = runner.run_course(output_dir=Path(out), suffix=f"benchp{i}",
                                        parallel=parallel, slides=False,
                                        report=lambda line: None)
            concurrent.append(time.perf_counter() - started)
            if not all(r.passed for r in results):
                raise SystemExit("a notebook failed in the parallel run")
    for name, samples in sorted(per_notebook.items()):
        rows.append(row(f"notebook {name}", samples))
    rows.append(row("whole course, serial", serial, target="< 180 s"))
    rows.append(row(f"whole course, --parallel {parallel}", concurrent))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    print_rows(run(args.runs, args.parallel))
