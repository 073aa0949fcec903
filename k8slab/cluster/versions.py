"""The pinned versions of the embedded cluster's binaries, and where each comes from."""

from __future__ import annotations

from dataclasses import dataclass

KUBERNETES = "v1.36.3"
ETCD = "v3.6.16"
KWOK = "v0.8.0"

KUBE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
KWOK_BINARIES = ("kwok", "kwokctl")
ETCD_BINARIES = ("etcd",)
ALL_BINARIES = KUBE_BINARIES + ETCD_BINARIES + KWOK_BINARIES


@dataclass(frozen=True)
class Pin:
    """One binary at its pinned version."""

    name: str
    version: str

    @property
    def project(self) -> str:
        if self.name in KUBE_BINARIES:
            return "kubernetes"
        if self.name in ETCD_BINARIES:
            return "etcd"
        return "kwok"


def pin(name: str) -> Pin:
    """The pin of one binary by its file name."""
    if name in KUBE_BINARIES:
        return Pin(name, KUBERNETES)
    if name in ETCD_BINARIES:
        return Pin(name, ETCD)
    if name in KWOK_BINARIES:
        return Pin(name, KWOK)
    raise KeyError(f"{name!r} is not one of the cluster's binaries: {', '.join(ALL_BINARIES)}")


def bundle() -> str:
    """The cache sub-directory name for this set of versions."""
    return f"k8s-{KUBERNETES}_etcd-{ETCD}_kwok-{KWOK}"


def minor(version: str = KUBERNETES) -> int:
    """The minor number of a `vMAJOR.MINOR.PATCH` version."""
    return int(version.lstrip("v").split(".")[1])
