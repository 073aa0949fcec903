"""Find which cluster to talk to and build the kubernetes client for it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ClusterUnreachable


@dataclass
class Target:
    """A kubeconfig file and a context in it."""

    kubeconfig: Path
    context: str | None
    embedded: bool


def _default_kubeconfig() -> Path:
    env = os.environ.get("KUBECONFIG", "")
    first = env.split(os.pathsep)[0] if env else ""
    return Path(first).expanduser() if first else Path.home() / ".kube" / "config"


def find(context: str | None = None, kubeconfig: str | Path | None = None,
         start: bool = False) -> Target:
    """Which cluster: explicit kubeconfig/context (or $K8SLAB_KUBECONFIG/$K8SLAB_CONTEXT),
    else the embedded cluster (started if `start`), else the user's default kubeconfig."""
    from .cluster import lifecycle, paths

    kubeconfig = kubeconfig or os.environ.get("K8SLAB_KUBECONFIG") or None
    context = context or os.environ.get("K8SLAB_CONTEXT") or None
    if kubeconfig or context:
        path = Path(kubeconfig).expanduser() if kubeconfig else _default_kubeconfig()
        if context == paths.CLUSTER_NAME and not kubeconfig and not _has_context(path, context):
            path = paths.kubeconfig_path()  # context "k8slab": the embedded cluster's file
        check_context(path, context)
        return Target(path, context, path == paths.kubeconfig_path())
    embedded = paths.kubeconfig_path()
    if start:
        lifecycle.up()
        return Target(embedded, paths.CLUSTER_NAME, True)
    if embedded.exists():
        if lifecycle.status().state != "running":
            raise ClusterUnreachable(
                "the embedded cluster is not running",
                hint="start it with `k8slab up` in a terminal, or k8slab.connect(start=True)")
        return Target(embedded, paths.CLUSTER_NAME, True)
    fallback = _default_kubeconfig()
    if fallback.exists():
        return Target(fallback, None, False)
    raise ClusterUnreachable(
        "no cluster to connect to: the embedded cluster has never been started and there is "
        f"no kubeconfig at {fallback}",
        hint="run `k8slab up` (or k8slab.connect(start=True)), or pass kubeconfig=/context=")


def _contexts(path: Path) -> list[str]:
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return []
    return [c.get("name") for c in config.get("contexts") or [] if isinstance(c, dict)]


def _has_context(path: Path, context: str) -> bool:
    return context in _contexts(path)


def check_context(path: Path, context: str | None) -> None:
    """A clear error for a missing kubeconfig file or an unknown context."""
    if not path.exists():
        wanted = f"context {context!r} not found: " if context else ""
        raise ClusterUnreachable(f"{wanted}no kubeconfig file at {path}",
                                 hint="check the path; the embedded cluster's context is "
                                 "'k8slab' (start it with `k8slab up`)")
    if context and not _has_context(path, context):
        known = ", ".join(_contexts(path)) or "none"
        raise ClusterUnreachable(f"kubeconfig {path} has no context {context!r}",
                                 hint=f"its contexts are: {known}")


def client_for(target: Target):
    """An ApiClient for the target; ClusterUnreachable if the file cannot be used."""
    from kubernetes import config as kube_config

    try:
        return kube_config.new_client_from_config(config_file=str(target.kubeconfig),
                                                  context=target.context)
    except kube_config.ConfigException as exc:
        raise ClusterUnreachable(f"cannot use kubeconfig {target.kubeconfig}: {exc}",
                                 hint="check the file and its context") from None


def server_of(api_client) -> str:
    return api_client.configuration.host
