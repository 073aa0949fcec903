"""ServiceMap: a Service, its EndpointSlices and the pods behind them."""

from __future__ import annotations

from .base import View, count_condition
from .render import badge, esc, frame, is_ready, matches, tile


class ServiceMap(View):
    """The selector, which pods match it, which endpoints are ready, ClusterIP/NodePort and
    the DNS name; pods that carry the service's labels but are not ready are marked.

    Conditions for `until`: "endpoints=N" (ready endpoints), "matching=N" (pods selected).
    """

    name = "servicemap"

    def __init__(self, lab, service: str, namespace: str | None = None, **options):
        self.service = service
        super().__init__(lab, namespace, **options)

    def sources(self):
        return [("service", self.namespace), ("endpointslice", self.namespace),
                ("pod", self.namespace)]

    def tracked(self, kind, obj) -> bool:
        return kind == "pod"

    def service_obj(self) -> dict | None:
        return self.objects.get("service", {}).get(f"{self.namespace}/{self.service}")

    def slices(self) -> list[dict]:
        return [s for s in self.items("endpointslice")
                if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
                == self.service]

    def endpoints(self) -> list[dict]:
        return [e for s in self.slices() for e in s.get("endpoints") or []]

    def ready_endpoints(self) -> list[dict]:
        return [e for e in self.endpoints() if (e.get("conditions") or {}).get("ready")]

    def matching(self) -> list[dict]:
        svc = self.service_obj()
        selector = (svc or {}).get("spec", {}).get("selector")
        return [p for p in self.items("pod")
                if matches(p["metadata"].get("labels"), selector)
                and not p["metadata"].get("deletionTimestamp")]

    def condition(self, text: str):
        return count_condition(text, {"endpoints": lambda: len(self.ready_endpoints()),
                                      "matching": lambda: len(self.matching())})

    def summary(self) -> str:
        svc = self.service_obj()
        if svc is None:
            return f"service {self.service}: not found"
        return (f"service {self.service} ({svc['spec'].get('type', 'ClusterIP')}): "
                f"{len(self.matching())} pod(s) selected, {len(self.ready_endpoints())} "
                f"ready endpoint(s) of {len(self.endpoints())}")

    def draw(self, live: bool) -> str:
        svc = self.service_obj()
        if svc is None:
            return frame(self.name, f"Service {self.service}", "not found (yet)", "", self.banner)
        spec = svc["spec"]
        kind = spec.get("type", "ClusterIP")
        dns = f"{self.service}.{self.namespace}.svc.cluster.local"
        ports = ", ".join(
            f"{p.get('port')}→{p.get('targetPort', p.get('port'))}/{p.get('protocol', 'TCP')}"
            + (f" (NodePort <span class='k8slab-nodeport'>{p['nodePort']}</span>)"
               if p.get("nodePort") else "") for p in spec.get("ports") or [])
        selector = spec.get("selector") or {}
        lb = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        external = ""
        if kind == "LoadBalancer":
            external = f"<div>external address: {esc(lb[0].get('ip') or lb[0].get('hostname'))}" \
                "</div>" if lb else "<div class='k8slab-warn'>external address: &lt;pending&gt; " \
                "(no cloud load balancer here)</div>"
        if kind == "ExternalName":
            external = f"<div>CNAME → <b>{esc(spec.get('externalName'))}</b></div>"
        cluster_ip = spec.get("clusterIP") or "None"
        service_box = (
            f"<div class='k8slab-box k8slab-service'><h4>Service "
            f"<span class='k8slab-name'>{esc(self.service)}</span> {badge(kind, None)}</h4>"
            f"<div>ClusterIP <span class='k8slab-ip'>{esc(cluster_ip)}</span>"
            f"{' (headless)' if cluster_ip == 'None' else ''}</div>"
            f"<div>ports {ports or '-'}</div><div>DNS <span class='k8slab-name'>{esc(dns)}"
            f"</span></div><div>selector <span class='k8slab-name'>"
            f"{esc(', '.join(f'{k}={v}' for k, v in selector.items()) or 'none')}</span></div>"
            f"{external}</div>")
        rows = []
        for e in self.endpoints():
            ready = bool((e.get("conditions") or {}).get("ready"))
            target = (e.get("targetRef") or {}).get("name", "?")
            rows.append(f"<tr><td>{badge('ready' if ready else 'not ready', ready)}</td>"
                        f"<td class='k8slab-ip'>{esc(', '.join(e.get('addresses') or []))}</td>"
                        f"<td class='k8slab-name'>{esc(target)}</td>"
                        f"<td class='k8slab-muted'>{esc(e.get('nodeName', ''))}</td></tr>")
        endpoint_box = ("<div class='k8slab-box k8slab-endpoints'><h4>EndpointSlices "
                        f"<span class='k8slab-muted'>({len(self.ready_endpoints())} ready of "
                        f"{len(self.endpoints())})</span></h4>"
                        + (f"<table>{''.join(rows)}</table>" if rows else
                           "<span class='k8slab-muted'>no endpoints</span>") + "</div>")
        tiles = []
        for pod in self.matching():
            key = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
            labels = ", ".join(f"{k}={v}" for k, v in sorted(
                (pod["metadata"].get("labels") or {}).items())
                if k != "pod-template-hash" and "kubernetes.io/" not in k)
            note = esc(labels) + ("" if is_ready(pod) else " · <b>not receiving traffic</b>")
            tiles.append(tile(pod, "k8slab-new" if live and key in self.appeared else "", note))
        pod_box = ("<div class='k8slab-box k8slab-pods'><h4>Pods matching the selector "
                   f"<span class='k8slab-muted'>({len(tiles)})</span></h4>"
                   + ("".join(tiles) or "<span class='k8slab-muted'>none: check the labels"
                      "</span>") + "</div>")
        arrow = "<div style='align-self:center;font-size:20px;color:#8c959f'>→</div>"
        body = f"<div class='k8slab-row'>{service_box}{arrow}{endpoint_box}{arrow}{pod_box}</div>"
        return frame(self.name, f"Service {self.service}", f"in {self.namespace}", body,
                     self.banner)
