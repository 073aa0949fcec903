"""k8slab: learn Kubernetes hands-on in notebooks, on a real (embedded) cluster.

    import k8slab
    lab = k8slab.connect(namespace="lesson-1")
    lab.apply("deployment.yaml"); lab.rollout_status("deploy", "web"); lab.show("pods")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import (
    ClusterError,
    ClusterUnreachable,
    Conflict,
    Forbidden,
    Interrupted,
    InvalidManifest,
    K8sLabError,
    NotAvailable,
    NotFound,
    Timeout,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .connecting import connect
    from .lab import Lab

_LAZY = {"connect": ("connecting", "connect"), "Lab": ("lab", "Lab"),
         "checks": ("checks", None), "viz": ("viz", None), "loop": ("loop", None)}


def __getattr__(name: str):
    """Import the heavy parts (the kubernetes client) only when first used."""
    if name not in _LAZY:
        raise AttributeError(f"module 'k8slab' has no attribute {name!r}")
    import importlib

    module_name, attr = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    return getattr(module, attr) if attr else module


def load_ipython_extension(ipython) -> None:
    """`%load_ext k8slab`: the %k and %%apply magics."""
    from .magics import register

    register(ipython)


__all__ = [
    "ClusterError", "ClusterUnreachable", "Conflict", "Forbidden", "Interrupted",
    "InvalidManifest", "K8sLabError", "Lab", "NotAvailable", "NotFound", "Timeout", "connect",
]
