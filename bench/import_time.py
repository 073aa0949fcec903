"""How long `import k8slab` takes (target: under 0.5 s; heavy parts are imported lazily)."""

from __future__ import annotations

import subprocess
import sys

from _common import print_rows, row


def _time(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; "
                          "print(time.perf_counter()-t)"], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def run(runs: int = 7) -> list[dict]:
    import_k8slab = [_time("import k8slab") for _ in range(runs)]
    first_use = [_time("import k8slab; from k8slab import lab; import kubernetes.dynamic")
                 for _ in range(runs)]
    return [row("import k8slab", import_k8slab, target="< 0.5 s"),
            row("  + the kubernetes client (loaded at the first connect)", first_use)]


if __name__ == "__main__":
    print_rows(run())
