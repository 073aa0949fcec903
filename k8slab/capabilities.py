"""What the connected cluster can do, checked against the cluster (not guessed from names)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotAvailable

SIMULATED_REASON = ("the nodes are simulated (kwok): there is no real container to {what}. "
                    "Try it on a real cluster (kind, minikube, the Vagrant VMs)")


@dataclass
class Capabilities:
    """Facts about the cluster that decide which lessons can run for real."""

    simulated: bool
    nodes: int
    exec: bool
    logs: bool
    port_forward: bool
    load_balancer: bool
    default_storage_class: str | None

    def require(self, what: str) -> None:
        """Raise NotAvailable with the reason when `what` (exec, logs, ...) cannot work here."""
        if not getattr(self, what.replace("-", "_"), False):
            raise NotAvailable(f"{what} is not available on simulated nodes",
                               hint=SIMULATED_REASON.format(what=_verb(what)))

    def skip_reason(self, what: str) -> str | None:
        """None if `what` works here, else one line saying why the cell is skipped."""
        if getattr(self, what.replace("-", "_"), False):
            return None
        return f"skipped: {what} needs real containers; " + \
            SIMULATED_REASON.format(what=_verb(what))


def _verb(what: str) -> str:
    return {"exec": "run a command in", "logs": "read logs from",
            "port_forward": "forward a port to", "real_containers": "run"}.get(what, "use for")


def _is_simulated(node: dict) -> bool:
    meta, status = node.get("metadata") or {}, node.get("status") or {}
    runtime = (status.get("nodeInfo") or {}).get("containerRuntimeVersion", "")
    return (meta.get("annotations") or {}).get("kwok.x-k8s.io/node") == "fake" or \
        runtime.startswith("kwok")


def detect(lab) -> Capabilities:
    """Look at the nodes, StorageClasses and Services the cluster really has."""
    nodes = lab.get("node")
    simulated = bool(nodes) and all(map(_is_simulated, nodes))
    default_class = None
    for sc in lab.get("storageclass"):
        if (sc["metadata"].get("annotations") or {}).get(
                "storageclass.kubernetes.io/is-default-class") == "true":
            default_class = sc["metadata"]["name"]
    real = not simulated and bool(nodes)
    load_balancer = False
    for svc in lab.get("service", all_namespaces=True):
        if (svc.get("spec") or {}).get("type") == "LoadBalancer" and \
                ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            load_balancer = True
            break
    return Capabilities(simulated=simulated, nodes=len(nodes), exec=real, logs=real,
                        port_forward=real, load_balancer=load_balancer,
                        default_storage_class=default_class)
