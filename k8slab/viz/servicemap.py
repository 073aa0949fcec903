"""ServiceMap: a Service, its EndpointSlices and the pods behind them."""

from __future__ import annotations

from dataclasses import dataclass

from . import render as r
from .base import View
from .state import State
from .status import is_terminating, matches, meta, serving

SERVICE_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class ServiceMapState(State):
    """A Service, the EndpointSlices the control plane keeps for it, and the namespace's pods."""

    service: str = ""

    def service_obj(self) -> dict | None:
        return self.get("service", self.service)

    def selector(self) -> dict:
        return ((self.service_obj() or {}).get("spec") or {}).get("selector") or {}

    def slices(self) -> list[dict]:
        return [s for s in self.items("endpointslice")
                if (meta(s).get("labels") or {}).get(SERVICE_LABEL) == self.service]

    def endpoints(self) -> list[dict]:
        """Every endpoint of every slice, ordered by the pod it points at."""
        found = [e for s in self.slices() for e in s.get("endpoints") or []]
        return sorted(found, key=lambda e: ((e.get("targetRef") or {}).get("name", ""),
                                            e.get("addresses") or []))

    def ready_endpoints(self) -> list[dict]:
        """The endpoints traffic goes to."""
        return [e for e in self.endpoints() if (e.get("conditions") or {}).get("ready")]

    def matching(self) -> list[dict]:
        """The pods the selector picks (terminating ones excepted)."""
        selector = self.selector()
        return [p for p in self.items("pod")
                if matches(meta(p).get("labels"), selector) and not is_terminating(p)]

    def dns_names(self) -> list[str]:
        return [f"{self.service}.{self.namespace}.svc.cluster.local",
                f"{self.service}.{self.namespace}", self.service]

    def measures(self) -> dict[str, int | bool]:
        endpoints, ready = self.endpoints(), self.ready_endpoints()
        return {"endpoints": len(ready), "notready": len(endpoints) - len(ready),
                "matching": len(self.matching()),
                "ready": sum(map(serving, self.matching()))}

    def summary(self) -> str:
        svc = self.service_obj()
        if svc is None:
            return f"service {self.service}: not found (yet)"
        m = self.measures()
        kind = (svc.get("spec") or {}).get("type", "ClusterIP")
        return (f"service {self.service} ({kind}): {m['matching']} pod(s) selected, "
                f"{m['endpoints']} ready endpoint(s) of {m['endpoints'] + m['notready']}")


def _service_box(state: ServiceMapState, svc: dict) -> str:
    spec = svc.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    cluster_ip = spec.get("clusterIP") or "None"
    ports = []
    for p in spec.get("ports") or []:
        text = f"{r.esc(p.get('port'))} → {r.esc(p.get('targetPort', p.get('port')))}/" \
            f"{r.esc(p.get('protocol', 'TCP'))}"
        if p.get("nodePort"):
            text += f" · NodePort {r.port(p['nodePort'])}"
        ports.append(f"<span>{text}</span>")
    selector = ", ".join(f"{k}={v}" for k, v in sorted(state.selector().items()))
    lines = [f"<div>ClusterIP {r.ip(cluster_ip)}"
             f"{' ' + r.muted('(headless)') if cluster_ip == 'None' else ''}</div>",
             f'<div class="k8slab-ports">ports {", ".join(ports) or r.muted("none")}</div>',
             f"<div>selector {r.plain_name(selector) if selector else r.muted('none')}</div>",
             '<div style="margin-top:3px">DNS</div>'
             + "".join(f'<div class="k8slab-dns" style="margin-left:8px;white-space:nowrap">'
                       f"{r.plain_name(n)}</div>" for n in state.dns_names())]
    if kind == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        address = (ingress[0].get("ip") or ingress[0].get("hostname")) if ingress else None
        lines.append(f"<div>external {r.ip(address)}</div>" if address else
                     f"<div>external {r.muted('&lt;pending&gt; (no cloud load balancer)', True)}"
                     "</div>")
    if kind == "ExternalName":
        lines.append(f"<div>CNAME → {r.plain_name(spec.get('externalName', ''))}</div>")
    title = f"Service {r.plain_name(state.service)} {r.badge(kind, 'info')}"
    return r.box(title, "".join(lines), "k8slab-service")


def _slices_box(state: ServiceMapState) -> str:
    rows = []
    for e in state.endpoints():
        cond = e.get("conditions") or {}
        ready = bool(cond.get("ready"))
        label, tone = ("ready", "ok") if ready else \
            ("terminating", "muted") if cond.get("terminating") else ("not ready", "bad")
        target = e.get("targetRef") or {}
        pod = state.get("pod", target.get("name", ""))
        who = r.name(pod, small=True) if pod else r.bare_name(target.get("name", "?"))
        addresses = ", ".join(e.get("addresses") or [])
        rows.append(f'<div class="k8slab-endpoint" data-ready="{str(ready).lower()}" '
                    f'style="margin:2px 0;white-space:nowrap;overflow:hidden;'
                    f'text-overflow:ellipsis">{r.badge(label, tone)} {r.ip(addresses)} → {who}'
                    "</div>")
    names = ", ".join(r.name(s) for s in state.slices())
    ready = len(state.ready_endpoints())
    title = f"EndpointSlices {r.muted(f'{ready} ready of {len(rows)}')}"
    body = (f'<div style="margin-bottom:3px">{names}</div>' if names else "") + \
        ("".join(rows) or r.muted("no endpoints: no pod is selected and ready"))
    return r.box(title, body, "k8slab-endpoints")


def _pods_box(state: ServiceMapState) -> str:
    in_slices = {(e.get("targetRef") or {}).get("name") for e in state.ready_endpoints()}
    pods = state.matching()
    notes = {}
    for pod in pods:
        name = meta(pod).get("name", "")
        notes[name] = "receives traffic" if name in in_slices else \
            "<b>no traffic</b>" if not serving(pod) else "joining…"
    gone = [p for p in state.gone if matches(meta(p).get("labels"), state.selector())]
    title = f"Pods matching the selector {r.muted(f'{len(pods)} pod(s)')}"
    body = r.pods(pods, state, gone, notes=notes) if pods or gone else \
        r.muted("none: check the selector against the pods' labels")
    return r.box(title, body, "k8slab-pods")


def render(state: ServiceMapState) -> str:
    """Service -> EndpointSlices -> Pods, left to right."""
    title = f"Service {state.service}"
    svc = state.service_obj()
    if svc is None:
        return r.frame("servicemap", title, "not found (yet)",
                       r.muted("waiting for the Service to exist"), state.banner)
    arrow = r.cell(f'<div style="padding-top:36px;text-align:center">{r.arrow()}</div>', 3, 0)
    body = (r.cell(_service_box(state, svc), 27, 0) + arrow +
            r.cell(_slices_box(state), 31, 0) + arrow + r.cell(_pods_box(state), 36, 0))
    return r.frame("servicemap", title, state.summary().split(": ", 1)[-1],
                   body + r.legend(), state.banner)


class ServiceMap(View):
    """A Service: its selector, the pods that match it, which endpoints are ready (only
    those get traffic), ClusterIP / NodePort and its DNS names.

    Conditions for `until`: "endpoints=N" (ready endpoints), "notready=N" (endpoints not
    ready), "matching=N" (pods selected), "ready=N" (selected pods that are ready); or a
    function of a `ServiceMapState`.
    """

    state_class = ServiceMapState
    render = staticmethod(render)

    def __init__(self, lab, service: str, namespace: str | None = None, **options):
        self.service = service
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("service", self.namespace), ("endpointslice", self.namespace),
                ("pod", self.namespace)]

    def params(self):
        return {"service": self.service}

    def sync_targets(self):
        return [("service", self.service)]

    def endpoints(self) -> list[dict]:
        return self.state().endpoints()

    def ready_endpoints(self) -> list[dict]:
        """The endpoints traffic goes to, now."""
        return self.state().ready_endpoints()

    def matching(self) -> list[dict]:
        return self.state().matching()
