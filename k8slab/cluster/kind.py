"""`k8slab up --runtime kind`: a kind cluster named `k8slab` (one control plane, two workers)
where Docker and kind are installed; otherwise a clear message of what is missing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ClusterError

NAME = "k8slab"
CONTEXT = f"kind-{NAME}"
CONFIG = """kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
- role: worker
- role: worker
"""
INSTALL_HINT = ("install a Docker engine (https://docs.docker.com/engine/install/) and kind "
                "(`go install sigs.k8s.io/kind@v0.32.0`), or use the embedded cluster: "
                "`k8slab up` without --runtime")


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)


def missing() -> list[str]:
    """What kind needs and this machine lacks (empty when it can run)."""
    problems = []
    if not shutil.which("kind"):
        problems.append("the `kind` command is not installed")
    if not shutil.which("docker"):
        problems.append("the `docker` command is not installed")
    else:
        try:
            info = _run("docker", "info", "--format", "{{.ServerVersion}}", timeout=20)
            if info.returncode != 0 or not info.stdout.strip():
                problems.append("no Docker engine is running (`docker info` failed: "
                                + (info.stderr.strip().splitlines() or ["no answer"])[-1] + ")")
        except subprocess.TimeoutExpired:
            problems.append("the Docker engine did not answer `docker info` within 20 s")
    return problems


def _require() -> None:
    problems = missing()
    if problems:
        raise ClusterError("cannot run a kind cluster here: " + "; ".join(problems),
                           hint=INSTALL_HINT)


def exists() -> bool:
    done = _run("kind", "get", "clusters", timeout=60)
    return NAME in done.stdout.split()


def up() -> str:
    """Create (or reuse) the kind cluster; returns the kubeconfig context to use."""
    _require()
    if exists():
        return CONTEXT
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "kind.yaml"
        config.write_text(CONFIG)
        done = _run("kind", "create", "cluster", "--name", NAME, "--config", str(config),
                    "--wait", "180s", timeout=900)
    if done.returncode != 0:
        raise ClusterError(f"`kind create cluster` failed:\n{done.stderr[-1500:]}",
                           hint="see `kind export logs`; `k8slab down --runtime kind` cleans up")
    return CONTEXT


def down() -> str:
    """Delete the kind cluster."""
    _require()
    if not exists():
        return "absent"
    done = _run("kind", "delete", "cluster", "--name", NAME, timeout=300)
    if done.returncode != 0:
        raise ClusterError(f"`kind delete cluster` failed:\n{done.stderr[-1500:]}")
    return "deleted"
