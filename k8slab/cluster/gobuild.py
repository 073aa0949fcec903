"""Build the cluster binaries from the Go module proxy with the local Go toolchain."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import deque
from pathlib import Path

from ..errors import BinariesUnavailable
from . import paths, versions
from .progress import Task


class BuildFailed(Exception):
    """A Go build step failed; the message carries the tail of Go's output."""


def find_go() -> str:
    go = shutil.which("go")
    if not go:
        raise BuildFailed("the `go` command is not installed (need Go >= 1.26)")
    return go


def go_env() -> dict[str, str]:
    """Go's environment: caches under k8slab's cache dir, static binaries, modules on demand."""
    env = dict(os.environ)
    for key, path in paths.go_dirs().items():
        path.mkdir(parents=True, exist_ok=True)
        env[key] = str(path)
    env.update(CGO_ENABLED="0", GOFLAGS="-mod=mod -buildvcs=false")
    return env


def run_go(args: list[str], cwd: Path, task: Task, env: dict[str, str] | None = None) -> str:
    """Run `go args...`, showing how many packages were compiled; raise BuildFailed on error."""
    cmd = [find_go(), *args]
    tail: deque[str] = deque(maxlen=40)
    compiled = 0
    proc = subprocess.Popen(cmd, cwd=cwd, env=env or go_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    output = []
    for line in proc.stdout:
        line = line.rstrip()
        tail.append(line)
        output.append(line)
        if line.startswith("go: downloading"):
            task.update(f"downloading {line.split()[2]}")
        elif line and not line.startswith(("go:", "#")) and " " not in line:
            compiled += 1
            task.update(f"{compiled} packages compiled")
    if proc.wait() != 0:
        raise BuildFailed(f"`go {' '.join(args[:3])} ...` failed:\n" + "\n".join(tail))
    return "\n".join(output)


def _work_dir(name: str) -> Path:
    path = paths.cache_dir() / "go" / "src" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _module_gomod(module: str, version: str, cwd: Path, task: Task) -> str:
    """The go.mod text of `module@version`, fetched through the module proxy."""
    out = run_go(["mod", "download", "-json", f"{module}@{version}"], cwd, task)
    info = json.loads(out[out.index("{"):])
    if info.get("Error"):
        raise BuildFailed(f"cannot download {module}@{version}: {info['Error']}")
    return Path(info["GoMod"]).read_text()


def staging_modules(gomod: str) -> list[str]:
    """The `k8s.io/*` modules that k8s.io/kubernetes replaces with its ./staging copies."""
    mods = []
    for line in gomod.splitlines():
        parts = line.split()
        if "=>" in parts and parts[parts.index("=>") + 1].startswith("./staging/"):
            mods.append(parts[1] if parts[0] == "replace" else parts[0])
    return sorted(set(mods))


def kube_wrapper_gomod(version: str, staging: list[str]) -> str:
    """A go.mod that requires k8s.io/kubernetes and pins every staging module to v0.<minor>."""
    staging_version = "v0" + version[version.index("."):]
    lines = ["module k8slab.local/kubebuild", "", "go 1.26.0", "",
             f"require k8s.io/kubernetes {version}", "", "replace ("]
    lines += [f"\t{mod} => {mod} {staging_version}" for mod in staging]
    lines += [")", ""]
    return "\n".join(lines)


def build_kube(out_dir: Path, task: Task) -> None:
    """kube-apiserver, kube-controller-manager, kube-scheduler, kubectl via a wrapper module."""
    version = versions.KUBERNETES
    work = _work_dir(f"kube-{version}")
    if not (work / "go.mod").exists():
        (work / "go.mod").write_text("module k8slab.local/probe\n\ngo 1.26.0\n")
    task.update("reading k8s.io/kubernetes go.mod")
    staging = staging_modules(_module_gomod("k8s.io/kubernetes", version, work, task))
    if not staging:
        raise BuildFailed(f"k8s.io/kubernetes {version} lists no staging modules to replace")
    (work / "go.mod").write_text(kube_wrapper_gomod(version, staging))
    minor = versions.minor(version)
    ldflags = " ".join([
        "-s -w",
        f"-X k8s.io/component-base/version.gitVersion={version}",
        "-X k8s.io/component-base/version.gitMajor=1",
        f"-X k8s.io/component-base/version.gitMinor={minor}",
        "-X k8s.io/component-base/version.gitTreeState=clean",
        f"-X k8s.io/client-go/pkg/version.gitVersion={version}",
    ])
    pkgs = [f"k8s.io/kubernetes/cmd/{name}" for name in versions.KUBE_BINARIES]
    run_go(["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", str(out_dir) + "/", *pkgs],
           work, task)


def build_etcd(out_dir: Path, task: Task) -> None:
    """etcd via a wrapper module requiring go.etcd.io/etcd/server/v3 (its siblings match)."""
    version = versions.ETCD
    work = _work_dir(f"etcd-{version}")
    (work / "go.mod").write_text("module k8slab.local/etcdbuild\n\ngo 1.26.0\n\n"
                                 f"require go.etcd.io/etcd/server/v3 {version}\n")
    ldflags = "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=k8slab-build"
    run_go(["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", str(out_dir / "etcd"),
            "go.etcd.io/etcd/server/v3"], work, task)


def build_kwok(out_dir: Path, task: Task) -> None:
    """kwok and kwokctl with `go install` (no replace directives to work around)."""
    version = versions.KWOK
    env = go_env()
    env["GOBIN"] = str(out_dir)
    env["GOFLAGS"] = "-buildvcs=false"
    ldflags = f"-s -w -X sigs.k8s.io/kwok/pkg/consts.Version={version.lstrip('v')}"
    pkgs = [f"sigs.k8s.io/kwok/cmd/{name}@{version}" for name in versions.KWOK_BINARIES]
    run_go(["install", "-v", "-trimpath", "-ldflags", ldflags, *pkgs], _work_dir("kwok"), task, env)


BUILDERS = {"kubernetes": build_kube, "etcd": build_etcd, "kwok": build_kwok}


def build(project: str, out_dir: Path, task: Task) -> None:
    """Build one project's binaries into `out_dir`; raises BuildFailed."""
    try:
        BUILDERS[project](out_dir, task)
    except FileNotFoundError as exc:  # go vanished between find_go and exec
        raise BuildFailed(str(exc)) from exc


__all__ = ["BinariesUnavailable", "BuildFailed", "build", "staging_modules"]
