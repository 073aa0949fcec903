"""The embedded cluster: upstream control plane binaries with kwok-simulated nodes."""

from .lifecycle import down, status, up
from .paths import kubeconfig_path

__all__ = ["down", "kubeconfig_path", "status", "up"]
