"""The embedded cluster's kubeconfig: context `k8slab`, private (0600), not merged into ~/.kube."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from . import paths


def write_from(kwok_kubeconfig: Path, target: Path | None = None) -> Path:
    """Copy kwokctl's kubeconfig with its cluster, user and context renamed to `k8slab`."""
    target = target or paths.kubeconfig_path()
    config = yaml.safe_load(kwok_kubeconfig.read_text())
    name = paths.CLUSTER_NAME
    cluster = config["clusters"][0]["cluster"]
    user = config["users"][0]["user"]
    ours = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name,
                                                 "namespace": "default"}}],
        "current-context": name,
        "preferences": {},
    }
    text = yaml.safe_dump(ours, sort_keys=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(target)
    return target


def server_url(path: Path | None = None) -> str | None:
    """The API server URL in a kubeconfig file, or None if unreadable."""
    try:
        config = yaml.safe_load((path or paths.kubeconfig_path()).read_text())
        return config["clusters"][0]["cluster"]["server"]
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError):
        return None
