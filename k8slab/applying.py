"""`lab.apply`: validate everything first, dry-run on the server, then apply for real.

Nothing is applied unless every object passes; if the real apply still fails part-way,
what it created is deleted again, and the error lists what was undone and what was not applied.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from . import manifests
from .apierrors import translated
from .errors import Forbidden, InvalidManifest, K8sLabError, NotFound
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
    declared = {p[2]["metadata"]["name"] for p in plan if p[0].kind == "Namespace"}
    wanted = {p[1] for p in plan if p[1]}
    existing = _existing_namespaces(lab, declared | wanted)
    creating = declared - existing
    _check_namespaces(wanted - existing - declared)
    before = {}
    for kind, ns, obj in plan:
        try:
            if ns in creating:  # not there yet: check the object's fields in another namespace
                _dry_run_elsewhere(lab, kind, obj)
                continue
            result = _apply_one(lab, kind, ns, obj, dry_run=True)
        except K8sLabError as exc:
            others = [f"{k.display}/{o['metadata']['name']}" for k, _, o in plan if o is not obj]
            _scrub_secrets(exc, plan)
            exc.message += "\n    nothing was applied" + (
                f" (not applied either: {', '.join(others)})" if others else "")
            exc.args = (exc.message,)
            raise
        before[(kind.kind, ns, obj["metadata"]["name"])] = _current(lab, kind, ns, obj, result)
    outcomes: list[Outcome] = []
    for kind, ns, obj in plan:
        name = obj["metadata"]["name"]
        try:
            result = _apply_one(lab, kind, ns, obj, dry_run=False)
        except K8sLabError as exc:
            _scrub_secrets(exc, plan)
            if not outcomes:
                raise
            undone = _undo_created(lab, outcomes)
            kept = [o for o in outcomes if o not in undone]
            text = exc.message
            if undone:
                text += "\n    undone (deleted again): " + ", ".join(
                    f"{o.kind.display}/{o.name}" for o in undone)
            if kept:
                text += "\n    applied: " + ", ".join(map(str, kept))
            raise InvalidManifest(
                text + "\n    not applied: " + ", ".join(
                    f"{k.display}/{o['metadata']['name']}" for k, _, o in
                    plan[len(outcomes):]), hint=exc.hint,
                applied=[o.object for o in kept]) from None
        old = before.get((kind.kind, ns, name))
        action = "created" if old is None else \
            "unchanged" if _same(old, result, obj) else "configured"
        outcomes.append(Outcome(kind, ns, name, action, result))
        lab._remember(kind, ns, name)
    return Applied(outcomes)


SERVER_FIELDS = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                 "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")


def _without_server_fields(obj: dict) -> dict:
    """Objects read back from the cluster can be applied again: drop what the server owns."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_FIELDS}
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": meta}


def _current(lab, kind, ns, obj: dict, dry_run: dict) -> dict | None:
    """The object as it is before this apply (None if new)."""
    version = (dry_run.get("metadata") or {}).get("resourceVersion")
    if not version:
        return None  # the dry run created it
    try:
        with translated(f"reading {kind.display}/{obj['metadata']['name']}"):
            return lab._resource(kind).get(name=obj["metadata"]["name"],
                                           namespace=ns).to_dict()
    except NotFound:
        return None
    except K8sLabError:  # not allowed to read it: only its version is known
        return {"metadata": {"resourceVersion": version}}


def _same(old: dict, new: dict, sent: dict) -> bool:
    """Did an apply of `sent` leave the object as it was? Controllers may have changed its
    status or annotations meanwhile: compare what was sent, and the fields k8slab owns."""
    if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
        return True
    return _owned(old) == _owned(new) and _project(old, sent) == _project(new, sent)


def _owned(obj: dict):
    return [f.get("fieldsV1") for f in obj["metadata"].get("managedFields") or []
            if f.get("manager") == FIELD_MANAGER and not f.get("subresource")]


def _project(value, sent):
    """`value` cut down to the keys of `sent` (mappings only; lists are compared whole)."""
    if isinstance(sent, dict) and isinstance(value, dict):
        return {k: _project(value.get(k), v) for k, v in sent.items()}
    return value


def _dry_run_elsewhere(lab, kind, obj: dict) -> None:
    """Objects bound for a namespace this same apply creates cannot be checked there yet:
    check them as new objects (under a stand-in name) in the lab's namespace instead. If that
    namespace is not there either, the real apply will tell, and what it created is undone."""
    name = obj["metadata"]["name"]
    stand_in = f"{name[:40].rstrip('-.')}-check-{uuid.uuid4().hex[:6]}"  # a new object there
    try:
        _apply_one(lab, kind, lab.namespace,
                   {**obj, "metadata": {**obj["metadata"], "name": stand_in}}, dry_run=True)
    except NotFound:
        pass
    except K8sLabError as exc:
        exc.message = exc.message.replace(stand_in, name)
        exc.args = (exc.message,)
        raise


def _undo_created(lab, outcomes: list[Outcome]) -> list[Outcome]:
    """After a failure part-way, delete again what this apply created (newest first), so
    nothing is left half-applied. Objects that existed before are left as they are now."""
    undone = []
    for o in reversed(outcomes):
        if o.action != "created":
            continue
        try:
            with translated(f"undoing {o.kind.display}/{o.name}"):
                lab._resource(o.kind).delete(name=o.name, namespace=o.namespace)
        except NotFound:
            pass
        except K8sLabError:
            continue
        lab._applied = [a for a in lab._applied if a != (o.kind, o.namespace, o.name)]
        undone.append(o)
    return undone


def _scrub_secrets(exc: K8sLabError, plan) -> None:
    """The API server quotes wrong values in its messages: never show a Secret's values."""
    values: set[str] = set()
    for kind, _, obj in plan:
        if kind.kind == "Secret":
            _leaves(obj.get("data"), values)
            _leaves(obj.get("stringData"), values)
    if not values:
        return
    for value in sorted(values, key=len, reverse=True):
        exc.message = exc.message.replace(value, "<hidden>")
        if exc.hint:
            exc.hint = exc.hint.replace(value, "<hidden>")
    exc.args = (exc.message,)


def _leaves(value, into: set[str]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _leaves(v, into)
    elif isinstance(value, list):
        for v in value:
            _leaves(v, into)
    elif value is not None and len(str(value)) >= 3:
        into.add(str(value))


def _existing_namespaces(lab, names: set[str]) -> set[str]:
    existing = set()
    for name in names:
        try:
            lab.get("namespace", name)
            existing.add(name)
        except NotFound:
            pass
        except Forbidden:  # this identity may not read namespaces: let the server judge
            existing.add(name)
    return existing


def _check_namespaces(missing_namespaces: set[str]) -> None:
    missing = sorted(missing_namespaces)
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
        result = resource.server_side_apply(body=apply_body(obj), name=obj["metadata"]["name"],
                                            namespace=ns, field_manager=FIELD_MANAGER,
                                            force_conflicts=True,
                                            dry_run="All" if dry_run else None)
    return result.to_dict()


_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def apply_body(obj: dict) -> str:
    """The object as the YAML an apply request carries. JSON is YAML, except that YAML has no
    surrogate-pair escapes: characters beyond U+FFFF (emoji) are written as `\\UXXXXXXXX`."""
    def long_escape(m: re.Match) -> str:
        code = 0x10000 + ((int(m[2], 16) - 0xD800) << 10) + (int(m[3], 16) - 0xDC00)
        return f"{m[1]}\\U{code:08x}"

    return _SURROGATE_PAIR.sub(long_escape, json.dumps(obj))
