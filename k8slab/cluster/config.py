"""The embedded cluster's configuration: kwokctl options, kwok Stages and their timing profiles."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from ..errors import ClusterError
from . import versions

# Delays (milliseconds) of the simulated kubelet. "teaching" makes every step visible on a
# live view; "fast" is for CI and benchmarks: there a readiness probe's initialDelaySeconds
# lasts probe_ms_per_s milliseconds per second, and pods leave a NotReady node sooner.
PROFILES: dict[str, dict[str, int]] = {
    "teaching": dict(create_ms=700, create_jitter_ms=600, start_ms=900, start_jitter_ms=900,
                     ready_ms=300, pull_error_ms=1200, pull_error_jitter_ms=600,
                     backoff_ms=2500, backoff_jitter_ms=500, job_ms=3000,
                     delete_ms=800, delete_jitter_ms=400, probe_ms_per_s=1000,
                     evict_after_s=10),
    "fast": dict(create_ms=50, create_jitter_ms=100, start_ms=100, start_jitter_ms=150,
                 ready_ms=50, pull_error_ms=200, pull_error_jitter_ms=100,
                 backoff_ms=600, backoff_jitter_ms=200, job_ms=800,
                 delete_ms=100, delete_jitter_ms=100, probe_ms_per_s=300,
                 evict_after_s=5),
}
DEFAULT_PROFILE = "teaching"
# Images whose name matches this regular expression fail to pull (ErrImagePull).
DEFAULT_BAD_IMAGE = "does-not-exist"


def profile_name(requested: str | None = None) -> str:
    """The profile to use: the argument, else `$K8SLAB_PROFILE`, else "teaching"."""
    name = requested or os.environ.get("K8SLAB_PROFILE") or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ClusterError(f"unknown cluster profile {name!r}",
                           hint=f"choose one of: {', '.join(PROFILES)}")
    return name


def _text(name: str) -> str:
    return resources.files(__package__).joinpath("config").joinpath(name).read_text()


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each `${name}` (Go templates' own `$vars` are left alone)."""

    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ClusterError(f"cluster config placeholder ${{{match.group(1)}}} has no value")
        return values[match.group(1)]

    return re.sub(r"\$\{(\w+)\}", value, text)


def render(bin_dir: Path, profile: str, bad_image: str | None = None) -> str:
    """The multi-document config file given to `kwokctl create cluster --config`."""
    values = dict(PROFILES[profile_name(profile)])
    values.update(
        bin=str(bin_dir), kube_version=versions.KUBERNETES, etcd_version=versions.ETCD,
        kwok_version=versions.KWOK, disable_qps_limits="true" if profile == "fast" else "false",
        bad_image=bad_image or os.environ.get("K8SLAB_BAD_IMAGE") or DEFAULT_BAD_IMAGE,
    )
    values = {k: str(v) for k, v in values.items()}
    return "\n---\n".join(fill(_text(f), values) for f in ("kwokctl.yaml", "stages.yaml"))


def bootstrap_manifest() -> str:
    """Nodes and the default StorageClass, applied after the API server is up."""
    return _text("bootstrap.yaml")
