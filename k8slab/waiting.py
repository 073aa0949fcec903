"""Wait for objects to reach a state by watching them (no polling), interruptible."""

from __future__ import annotations

import time
from collections.abc import Callable

from . import conditions
from .apierrors import translated
from .errors import Interrupted, Timeout

AllPredicate = Callable[[dict[str, dict]], bool]


def wait(lab, kind, name: str | None, test: AllPredicate, timeout: float, what: str,
         selector: str | None = None, namespace: str | None = None,
         describe: Callable[[dict[str, dict]], str] | None = None) -> dict[str, dict]:
    """Watch `kind` (one name, or all matching `selector`) until `test(objects)` is true.

    `objects` maps name -> object as last seen. Raises Timeout with the last state seen,
    or Interrupted on Ctrl-C (the watch is closed either way).
    """
    from kubernetes import watch

    resource = lab._resource(kind)
    ns = (namespace or lab.namespace) if kind.namespaced else None
    field_selector = f"metadata.name={name}" if name else None
    deadline = time.monotonic() + timeout
    objects: dict[str, dict] = {}
    describe = describe or (lambda objs: "; ".join(
        f"{n}: {conditions.state(o)}" for n, o in sorted(objs.items())) or "none found")
    watcher = watch.Watch()
    try:
        while True:
            with translated(what):
                listing = resource.get(namespace=ns, field_selector=field_selector,
                                       label_selector=selector).to_dict()
            objects = {o["metadata"]["name"]: _with_kind(o, kind) for o in listing["items"]}
            if test(objects):
                return objects
            version = listing["metadata"]["resourceVersion"]
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Timeout(f"timed out after {timeout:g}s waiting for {what}",
                                  last_state=describe(objects),
                                  hint="look at lab.describe(...) and lab.events() for why")
                try:
                    with translated(what):
                        for event in resource.watch(namespace=ns, field_selector=field_selector,
                                                    label_selector=selector,
                                                    resource_version=version,
                                                    timeout=max(1, int(remaining) + 1),
                                                    watcher=watcher):
                            raw = event["raw_object"]
                            if event["type"] == "ERROR":
                                raise _Relist()
                            meta = raw.get("metadata") or {}
                            version = meta.get("resourceVersion", version)
                            if event["type"] == "BOOKMARK":
                                continue
                            if event["type"] == "DELETED":
                                objects.pop(meta.get("name"), None)
                            else:
                                objects[meta.get("name")] = _with_kind(raw, kind)
                            if test(objects):
                                return objects
                            if time.monotonic() > deadline:
                                break
                except _Relist:
                    break  # 410 Gone or similar: list again
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted while waiting for {what}",
                          hint="nothing is left running; the objects keep converging on "
                          "their own") from None
    finally:
        watcher.stop()


class _Relist(Exception):
    pass


def _with_kind(obj: dict, kind) -> dict:
    obj.setdefault("kind", kind.kind)
    obj.setdefault("apiVersion", kind.api_version)
    return obj
