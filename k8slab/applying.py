"""`lab.apply`: validate everything first, dry-run on the server, then apply for real.

Nothing is applied unless every object passes; if the real apply still fails part-way,
the error lists what was applied and what was not.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import manifests
from .apierrors import translated
from .errors import InvalidManifest, K8sLabError, NotFound
from .text import Text

FIELD_MANAGER = "k8slab"


@dataclass
class Outcome:
    kind: object  # kinds.Kind
    namespace: str | None
    name: str
    action: str  # "created" | "configured" | "unchanged"
    object: dict

    def __str__(self) -> str:
        return f"{self.kind.display}/{self.name} {self.action}"


class Applied(list):
    """The applied objects (as dicts); shows as kubectl's `deployment.apps/web created` lines."""

    def __init__(self, outcomes: list[Outcome]):
        super().__init__(o.object for o in outcomes)
        self.outcomes = outcomes

    def __repr__(self) -> str:
        return "\n".join(map(str, self.outcomes))

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    @property
    def summary(self) -> Text:
        return Text(repr(self))


def apply(lab, manifest, namespace: str | None = None) -> Applied:
    objects = manifests.load(manifest)
    for i, obj in enumerate(objects):
        manifests.check_shape(obj, i)
    plan = []
    for obj in objects:
        kind = lab._kind_for_manifest(obj["apiVersion"], obj["kind"])
        ns = None
        if kind.namespaced:
            ns = obj["metadata"].get("namespace") or namespace or lab.namespace
        plan.append((kind, ns, _without_server_fields(manifests.to_json_safe(obj))))
    # namespaces first (and CRDs), so objects inside them can follow in the same manifest
    plan.sort(key=lambda p: {"Namespace": 0, "CustomResourceDefinition": 1}.get(p[0].kind, 2))
    creating = {p[2]["metadata"]["name"] for p in plan if p[0].kind == "Namespace"}
    _check_namespaces(lab, {p[1] for p in plan if p[1]} - creating)
    before = {}
    for kind, ns, obj in plan:
        if ns in creating:
            continue
        try:
            result = _apply_one(lab, kind, ns, obj, dry_run=True)
        except K8sLabError as exc:
            others = [f"{k.display}/{o['metadata']['name']}" for k, _, o in plan if o is not obj]
            exc.message += "\n    nothing was applied" + (
                f" (not applied either: {', '.join(others)})" if others else "")
            exc.args = (exc.message,)
            raise
        before[(kind.kind, ns, obj["metadata"]["name"])] = \
            (result.get("metadata") or {}).get("resourceVersion")
    outcomes: list[Outcome] = []
    for kind, ns, obj in plan:
        name = obj["metadata"]["name"]
        try:
            result = _apply_one(lab, kind, ns, obj, dry_run=False)
        except K8sLabError as exc:
            if not outcomes:
                raise
            raise InvalidManifest(
                f"{exc.message}\n    applied: " + ", ".join(map(str, outcomes))
                + "\n    not applied: " + ", ".join(
                    f"{k.display}/{o['metadata']['name']}" for k, _, o in
                    plan[len(outcomes):]), hint=exc.hint,
                applied=[o.object for o in outcomes]) from None
        version = (result.get("metadata") or {}).get("resourceVersion")
        old = before.get((kind.kind, ns, name))
        existed = bool(old) and (result.get("metadata") or {}).get("uid")
        action = "unchanged" if old == version else "configured" if existed else "created"
        if action != "unchanged" and old is None and ns not in creating:
            action = "created"
        outcomes.append(Outcome(kind, ns, name, action, result))
        lab._remember(kind, ns, name)
    return Applied(outcomes)


SERVER_FIELDS = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                 "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")


def _without_server_fields(obj: dict) -> dict:
    """Objects read back from the cluster can be applied again: drop what the server owns."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_FIELDS}
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": meta}


def _check_namespaces(lab, namespaces: set[str]) -> None:
    existing = {n["metadata"]["name"] for n in lab.get("namespace")} if namespaces else set()
    missing = sorted(namespaces - existing)
    if missing:
        raise NotFound(f"namespace {missing[0]!r} does not exist; nothing was applied",
                       hint=f"create it first: lab.create_namespace({missing[0]!r})")


def _apply_one(lab, kind, ns, obj, dry_run: bool) -> dict:
    resource = lab._resource(kind)
    what = f"{'checking' if dry_run else 'applying'} {kind.display}/{obj['metadata']['name']}"
    obj = dict(obj)
    obj["apiVersion"] = obj.get("apiVersion") or kind.api_version
    if ns:
        obj["metadata"] = {**obj["metadata"], "namespace": ns}
    with translated(what):
        result = resource.server_side_apply(body=obj, namespace=ns, field_manager=FIELD_MANAGER,
                                            force_conflicts=True,
                                            dry_run="All" if dry_run else None)
    return result.to_dict()
