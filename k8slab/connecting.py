"""`k8slab.connect()`: the entry point of every notebook."""

from __future__ import annotations

import time
from pathlib import Path

from .apierrors import translated
from .errors import ClusterUnreachable, K8sLabError
from .lab import MANAGED_LABEL, Lab, delete_namespace

current: Lab | None = None  # the last Lab connect() made: the one the %k magics use


def connect(context: str | None = None, namespace: str | None = None,
            kubeconfig: str | Path | None = None, start: bool = False,
            fresh: bool = False) -> Lab:
    """Connect to a cluster and work in `namespace` (created, and labelled, if missing).

    Which cluster: `kubeconfig`/`context` if given, else the embedded cluster (started first
    when `start=True`), else your default kubeconfig. `fresh=True` empties a namespace k8slab
    created earlier, so a notebook can be re-run from the top.
    """
    from kubernetes import client

    from . import connection, notebook

    notebook.install_error_display()
    target = connection.find(context=context, kubeconfig=kubeconfig, start=start)
    api = connection.client_for(target)
    api.configuration.retries = 1
    api.user_agent = "k8slab"
    try:
        with translated(f"connecting to {api.configuration.host}"):
            client.VersionApi(api).get_code(_request_timeout=10)
    except K8sLabError as exc:
        api.close()
        raise ClusterUnreachable(
            f"cannot reach the API server at {api.configuration.host} "
            f"(kubeconfig {target.kubeconfig}, context {target.context or 'current'})",
            hint="start the embedded cluster with `k8slab up`, or check that the cluster "
            f"of this context is running ({exc.message.splitlines()[0]})") from None
    lab = Lab(api, namespace or _context_namespace(target) or "default", target)
    if lab.namespace != "default":
        _prepare_namespace(lab, fresh)
    global current
    current = lab
    return lab


def _context_namespace(target) -> str | None:
    from kubernetes import config as kube_config

    try:
        contexts, active = kube_config.list_kube_config_contexts(str(target.kubeconfig))
    except Exception:
        return None
    chosen = next((c for c in contexts if c["name"] == target.context), active) \
        if target.context else active
    return (chosen or {}).get("context", {}).get("namespace")


def _prepare_namespace(lab: Lab, fresh: bool) -> None:
    """Create the working namespace; wait out a previous run's deletion; empty it if fresh."""
    existing = _get_namespace(lab)
    if existing is not None and (existing.get("status") or {}).get("phase") == "Terminating":
        delete_namespace(lab, lab.namespace)
        existing = None
    if existing is not None and fresh:
        labels = existing["metadata"].get("labels") or {}
        if labels.get(MANAGED_LABEL) != "true":
            raise K8sLabError(f"namespace {lab.namespace!r} was not created by k8slab; "
                              "fresh=True will not empty it",
                              hint="choose another namespace, or drop fresh=True")
        delete_namespace(lab, lab.namespace)
        existing = None
    if existing is None:
        for _ in range(50):
            try:
                lab.create_namespace(lab.namespace)
                break
            except K8sLabError as exc:  # still terminating a moment ago
                if "being terminated" not in exc.message and "exists" not in exc.message:
                    raise
                time.sleep(0.2)
        lab._created_namespace = True


def _get_namespace(lab: Lab) -> dict | None:
    from .errors import NotFound

    try:
        return lab.get("namespace", lab.namespace)
    except NotFound:
        return None
