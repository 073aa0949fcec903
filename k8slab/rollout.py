"""Rollouts of Deployments (and StatefulSets/DaemonSets): status, history, undo."""

from __future__ import annotations

from . import conditions
from .errors import K8sLabError, NotFound, Timeout
from .tables import Table
from .text import Text

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"


class RolloutFailed(K8sLabError):
    """The rollout stopped making progress (its progress deadline passed)."""


def done(obj: dict | None) -> bool:
    """kubectl's `rollout status` test; raises RolloutFailed when the deadline was exceeded."""
    if obj is None or not conditions.settled(obj):
        return False
    kind, spec, status = obj["kind"], obj.get("spec") or {}, obj.get("status") or {}
    if kind == "Deployment":
        for c in status.get("conditions") or []:
            if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
                raise RolloutFailed(
                    f"deployment {obj['metadata']['name']!r} exceeded its progress deadline",
                    hint="see why with lab.describe('deployment', name); undo it with "
                    "lab.rollout_undo('deployment', name)")
        want = spec.get("replicas", 1)
        return (status.get("updatedReplicas", 0) >= want
                and status.get("replicas", 0) <= status.get("updatedReplicas", 0)
                and status.get("availableReplicas", 0) >= status.get("updatedReplicas", 0))
    if kind == "StatefulSet":
        want = spec.get("replicas", 1)
        if status.get("readyReplicas", 0) < want:
            return False
        if (spec.get("updateStrategy") or {}).get("type") == "OnDelete":
            return True
        return status.get("updateRevision") == status.get("currentRevision") or \
            status.get("updatedReplicas", 0) >= want
    if kind == "DaemonSet":
        want = status.get("desiredNumberScheduled", 0)
        return status.get("updatedNumberScheduled", 0) >= want and \
            status.get("numberAvailable", 0) >= want
    raise K8sLabError(f"{kind} has no rollout", hint="rollouts apply to Deployments, "
                      "StatefulSets and DaemonSets")


def replica_sets(lab, name: str) -> list[dict]:
    """The ReplicaSets a Deployment owns, oldest revision first."""
    dep = lab.get("deployment", name)
    uid = dep["metadata"]["uid"]
    owned = [rs for rs in lab.get("replicaset")
             if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or [])]
    return sorted(owned, key=lambda rs: int((rs["metadata"].get("annotations") or {})
                                            .get(REVISION, "0")))


def pod_problems(lab, name: str) -> str:
    """Why the newest ReplicaSet's pods are not ready (for a stuck rollout's message)."""
    sets = replica_sets(lab, name)
    if not sets:
        return ""
    newest = sets[-1]
    labels = newest["spec"]["selector"].get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in labels.items())
    reasons = []
    for pod in lab.get("pod", selector=selector):
        for c in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (c.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") and waiting["reason"] != "ContainerCreating":
                reasons.append(f"{pod['metadata']['name']}: {waiting['reason']}")
    return "; new pods: " + ", ".join(sorted(reasons)) if reasons else ""


def status(lab, kind, name: str, timeout: float) -> Text:
    """Wait for the rollout to finish; Timeout says how far it got and what is stuck."""
    def describe(objects):
        obj = objects.get(name)
        text = conditions.state(obj)
        if obj is not None and kind.kind == "Deployment":
            try:
                text += pod_problems(lab, name)
            except K8sLabError:
                pass
        return text

    try:
        objects = lab._wait(kind, name, lambda objs: done(objs.get(name)), timeout,
                            f"the rollout of {kind.kind.lower()} {name!r}", describe=describe)
    except Timeout as exc:
        if "ImagePullBackOff" in (exc.last_state or "") or "ErrImagePull" in (exc.last_state or ""):
            exc.hint = (f"an image cannot be pulled; fix it with lab.set_image(...) or go back "
                        f"with lab.rollout_undo('{kind.kind.lower()}', '{name}')")
        raise
    obj = objects[name]
    return Text(f"{kind.kind.lower()} {name!r} successfully rolled out "
                f"({conditions.state(obj).split(';')[0]})")


def history(lab, name: str) -> Table:
    """Revisions of a Deployment: revision, change cause, images, replicas."""
    rows = []
    for rs in replica_sets(lab, name):
        ann = rs["metadata"].get("annotations") or {}
        images = ",".join(c["image"] for c in rs["spec"]["template"]["spec"]["containers"])
        rows.append([ann.get(REVISION, "?"), ann.get(CHANGE_CAUSE, "<none>"), images,
                     str((rs.get("spec") or {}).get("replicas", 0)), rs["metadata"]["name"]])
    return Table(["REVISION", "CHANGE-CAUSE", "IMAGES", "REPLICAS", "REPLICASET"], rows,
                 title=f"deployment {name}")


def undo(lab, name: str, to_revision: int | None = None) -> Text:
    """Roll a Deployment back to the previous (or a given) revision, as kubectl does:
    copy that ReplicaSet's pod template into the Deployment."""
    sets = replica_sets(lab, name)
    by_revision = {int((rs["metadata"].get("annotations") or {}).get(REVISION, "0")): rs
                   for rs in sets}
    if not by_revision:
        raise NotFound(f"deployment {name!r} has no revisions yet")
    current = max(by_revision)
    target = to_revision if to_revision is not None else \
        max((r for r in by_revision if r < current), default=None)
    if target is None:
        raise K8sLabError(f"deployment {name!r} has only one revision: nothing to undo",
                          hint="change it first (e.g. lab.set_image), then undo")
    if target not in by_revision:
        raise NotFound(f"deployment {name!r} has no revision {target}",
                       hint=f"its revisions are {sorted(by_revision)}")
    if target == current:
        return Text(f"deployment {name!r} is already at revision {target}")
    template = by_revision[target]["spec"]["template"]
    labels = dict(template["metadata"].get("labels") or {})
    labels.pop("pod-template-hash", None)
    template["metadata"]["labels"] = labels
    cause = (by_revision[target]["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
    key = "/metadata/annotations/" + CHANGE_CAUSE.replace("/", "~1")
    current_annotations = lab.get("deployment", name)["metadata"].get("annotations") or {}
    patch = [{"op": "replace", "path": "/spec/template", "value": template}]
    if cause:
        patch.append({"op": "add", "path": key, "value": cause})
    elif CHANGE_CAUSE in current_annotations:
        patch.append({"op": "remove", "path": key})
    lab._patch("deployment", name, patch, content_type="application/json-patch+json")
    return Text(f"deployment {name!r} rolled back to revision {target}")
