"""`kubectl describe`-style text for an object and its events. Secret values are never shown."""

from __future__ import annotations

import base64

import yaml

from .text import Text, age


def _kv(mapping: dict | None) -> str:
    if not mapping:
        return "<none>"
    return "\n".join(f"{k}={v}" for k, v in sorted(mapping.items()))


def _block(title: str, value: str, width: int = 18) -> list[str]:
    lines = str(value).splitlines() or [""]
    pad = " " * width
    return [f"{title + ':':<{width}}{lines[0]}"] + [pad + line for line in lines[1:]]


def _conditions(conditions: list | None) -> list[str]:
    if not conditions:
        return []
    out = ["Conditions:", f"  {'Type':<28}{'Status':<8}Reason"]
    out += [f"  {c.get('type', ''):<28}{c.get('status', ''):<8}{c.get('reason', '') or ''}"
            for c in conditions]
    return out


def _pod(obj: dict) -> list[str]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    out = _block("Node", spec.get("nodeName") or "<none>")
    out += _block("Status", status.get("phase", "<unknown>"))
    out += _block("IP", status.get("podIP") or "<none>")
    owners = obj["metadata"].get("ownerReferences") or []
    out += _block("Controlled By", ", ".join(f"{o['kind']}/{o['name']}" for o in owners)
                  or "<none>")
    states = {s["name"]: s for s in status.get("containerStatuses") or []}
    out.append("Containers:")
    for c in spec.get("containers", []):
        s = states.get(c["name"], {})
        state = next(iter(s.get("state") or {"waiting": {}}), "waiting")
        reason = ((s.get("state") or {}).get(state) or {}).get("reason", "")
        out.append(f"  {c['name']}:")
        out.append(f"    Image:     {c.get('image')}")
        out.append(f"    State:     {state.capitalize()}" + (f" ({reason})" if reason else ""))
        out.append(f"    Ready:     {s.get('ready', False)}")
        if c.get("ports"):
            ports = [f"{p['containerPort']}/{p.get('protocol', 'TCP')}" for p in c["ports"]]
            out.append("    Ports:     " + ", ".join(ports))
        if c.get("readinessProbe"):
            out.append("    Readiness: probe configured")
    out += _conditions(status.get("conditions"))
    return out


def _workload(obj: dict) -> list[str]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    sel = (spec.get("selector") or {}).get("matchLabels")
    out = _block("Selector", _kv(sel).replace("\n", ","))
    out += _block("Replicas", f"{spec.get('replicas', 1)} desired | "
                  f"{status.get('updatedReplicas', 0)} updated | "
                  f"{status.get('replicas', 0)} total | "
                  f"{status.get('readyReplicas', 0)} ready | "
                  f"{status.get('availableReplicas', 0)} available")
    strategy = spec.get("strategy") or spec.get("updateStrategy") or {}
    if strategy:
        out += _block("Strategy", strategy.get("type", ""))
        ru = strategy.get("rollingUpdate") or {}
        if ru:
            out += _block("RollingUpdate", ", ".join(f"{k}={v}" for k, v in ru.items()))
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    out.append("Pod Template:")
    for c in containers:
        out.append(f"  {c['name']}: {c.get('image')}")
    out += _conditions(status.get("conditions"))
    return out


def _service(obj: dict) -> list[str]:
    spec = obj.get("spec", {})
    out = _block("Type", spec.get("type", "ClusterIP"))
    out += _block("Selector", _kv(spec.get("selector")).replace("\n", ","))
    out += _block("IP", spec.get("clusterIP", "<none>"))
    for p in spec.get("ports") or []:
        line = f"{p.get('name', '<unset>')} {p.get('port')}/{p.get('protocol', 'TCP')}" \
               f" -> {p.get('targetPort', p.get('port'))}"
        if p.get("nodePort"):
            line += f" (NodePort {p['nodePort']})"
        out += _block("Port", line)
    if spec.get("externalName"):
        out += _block("External Name", spec["externalName"])
    return out


def _node(obj: dict) -> list[str]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    out = _block("Unschedulable", str(spec.get("unschedulable", False)).lower())
    taints = spec.get("taints") or []
    out += _block("Taints", "\n".join(f"{t['key']}={t.get('value', '')}:{t['effect']}"
                                      for t in taints) or "<none>")
    addresses = status.get("addresses") or []
    out += _block("Addresses", "\n".join(f"{a['type']}: {a['address']}" for a in addresses)
                  or "<none>")
    out += _block("Capacity", _kv(status.get("capacity")))
    info = status.get("nodeInfo") or {}
    out += _block("Kubelet Version", info.get("kubeletVersion", ""))
    out += _block("Container Runtime", info.get("containerRuntimeVersion", ""))
    out += _block("Pod CIDR", spec.get("podCIDR", "<none>"))
    out += _conditions(status.get("conditions"))
    return out


def _secret(obj: dict) -> list[str]:
    out = _block("Type", obj.get("type", "Opaque"))
    out.append("Data (values hidden; lab.reveal_secret(name) decodes them):")
    for key, value in sorted((obj.get("data") or {}).items()):
        size = len(base64.b64decode(value or ""))
        out.append(f"  {key}:  {size} bytes")
    return out


def _configmap(obj: dict) -> list[str]:
    out = ["Data:"]
    for key, value in sorted((obj.get("data") or {}).items()):
        out.append(f"  {key}:")
        out += [f"    {line}" for line in str(value).splitlines()]
    return out


def _generic(obj: dict) -> list[str]:
    out = []
    for part in ("spec", "status"):
        if obj.get(part):
            text = yaml.safe_dump(obj[part], sort_keys=False, default_flow_style=False)
            out.append(f"{part.capitalize()}:")
            out += ["  " + line for line in text.rstrip().splitlines()]
    return out


_KINDS = {"Pod": _pod, "Deployment": _workload, "StatefulSet": _workload,
          "ReplicaSet": _workload, "DaemonSet": _workload, "Service": _service, "Node": _node,
          "Secret": _secret, "ConfigMap": _configmap}


def describe(obj: dict, events: list[dict]) -> Text:
    """The describe text of `obj`, followed by its events (oldest first)."""
    meta = obj.get("metadata", {})
    lines = _block("Name", meta.get("name", ""))
    if meta.get("namespace"):
        lines += _block("Namespace", meta["namespace"])
    lines += _block("Kind", f"{obj.get('kind')} ({obj.get('apiVersion')})")
    created = meta.get("creationTimestamp")
    lines += _block("Created", f"{created} ({age(created)} ago)")
    lines += _block("Labels", _kv(meta.get("labels")))
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k != "kubectl.kubernetes.io/last-applied-configuration"}
    lines += _block("Annotations", _kv(annotations))
    lines += _KINDS.get(obj.get("kind"), _generic)(obj)
    lines.append("Events:" + ("  <none>" if not events else ""))
    if events:
        lines.append(f"  {'Type':<9}{'Reason':<22}{'Age':<8}{'From':<26}Message")
        for e in events:
            source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
            when = e.get("lastTimestamp") or e.get("eventTime") or \
                (e.get("metadata") or {}).get("creationTimestamp")
            count = f" (x{e['count']})" if (e.get("count") or 1) > 1 else ""
            lines.append(f"  {e.get('type', ''):<9}{e.get('reason', ''):<22}{age(when):<8}"
                         f"{source:<26}{e.get('message', '').strip()}{count}")
    return Text("\n".join(lines))
