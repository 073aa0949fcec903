"""Where k8slab keeps binaries, Go caches and the cluster's state."""

from __future__ import annotations

import os
from pathlib import Path

from . import versions

CLUSTER_NAME = "k8slab"


def cache_dir() -> Path:
    """Binaries and Go caches: `$K8SLAB_CACHE`, else `$XDG_CACHE_HOME/k8slab` or ~/.cache/k8slab."""
    if os.environ.get("K8SLAB_CACHE"):
        return Path(os.environ["K8SLAB_CACHE"]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser().resolve() / "k8slab"


def bin_dir() -> Path:
    """The binaries of the pinned versions."""
    return cache_dir() / "bin" / versions.bundle()


def go_dirs() -> dict[str, Path]:
    """Go's module and build caches, kept under the cache dir so rebuilds are quick."""
    root = cache_dir() / "go"
    return {"GOMODCACHE": root / "mod", "GOCACHE": root / "build", "GOPATH": root / "path"}


def home_dir() -> Path:
    """The cluster's state (etcd data, certificates, logs): `$K8SLAB_HOME` or `~/.k8slab`."""
    if os.environ.get("K8SLAB_HOME"):
        return Path(os.environ["K8SLAB_HOME"]).expanduser().resolve()
    return Path.home() / ".k8slab"


def kwok_workdir() -> Path:
    return home_dir() / "kwok"


def cluster_dir() -> Path:
    return kwok_workdir() / "clusters" / CLUSTER_NAME


def kubeconfig_path() -> Path:
    """The embedded cluster's kubeconfig (0600), context `k8slab`."""
    return home_dir() / "kubeconfig"


def lock_path() -> Path:
    return home_dir() / "lock"
