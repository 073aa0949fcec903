"""Run `kwokctl` (binary runtime) on k8slab's cluster with the local binaries only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from ..errors import ClusterError
from . import paths


def env(bin_dir: Path) -> dict[str, str]:
    """kwokctl's environment: our workdir, our binaries first on PATH (it uses kubectl)."""
    result = dict(os.environ)
    result["KWOK_WORKDIR"] = str(paths.kwok_workdir())
    result["PATH"] = f"{bin_dir}{os.pathsep}{result.get('PATH', '')}"
    for key in [k for k in result if k.startswith("KWOK_") and k != "KWOK_WORKDIR"]:
        del result[key]  # the user's own kwokctl settings must not leak into our cluster
    return result


def run(bin_dir: Path, *args: str, timeout: float = 180, dry_run: bool = False) -> str:
    """`kwokctl --name k8slab ARGS`; raises ClusterError with kwokctl's own message."""
    cmd = [str(bin_dir / "kwokctl"), "--name", paths.CLUSTER_NAME]
    if dry_run:
        cmd.append("--dry-run")
    cmd += list(args)
    try:
        done = subprocess.run(cmd, env=env(bin_dir), capture_output=True, text=True,
                              timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"`kwokctl {' '.join(args)}` did not finish in {timeout:.0f}s",
                           hint=f"see the logs in {paths.cluster_dir() / 'logs'}") from exc
    except OSError as exc:
        raise ClusterError(f"cannot run kwokctl: {exc}",
                           hint="run `k8slab up` again to re-obtain the binaries") from exc
    if done.returncode != 0:
        raise ClusterError(
            f"`kwokctl {' '.join(args)}` failed:\n{_messages(done.stderr or done.stdout)}",
            hint=f"see the logs in {paths.cluster_dir() / 'logs'}; `k8slab down --reset` "
            "starts over")
    return done.stdout + done.stderr


def _messages(output: str, keep: int = 12) -> str:
    """kwokctl logs JSON lines; keep the human parts (msg and err) of the last ones."""
    lines = []
    for line in output.strip().splitlines()[-keep:]:
        try:
            record = yaml.safe_load(line)
        except yaml.YAMLError:
            record = None
        if isinstance(record, dict) and "msg" in record:
            lines.append(f"    {record['msg']}" + (f": {record['err']}" if "err" in record else ""))
        else:
            lines.append(f"    {line}")
    return "\n".join(lines)


def saved_config() -> dict:
    """The KwokctlConfiguration kwokctl saved for the cluster (components, ports, args)."""
    path = paths.cluster_dir() / "kwok.yaml"
    try:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "KwokctlConfiguration":
                return doc
    except (OSError, yaml.YAMLError):
        pass
    return {}
