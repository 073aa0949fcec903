"""Shared informers per Lab: one list+watch per (kind, namespace), however many views.

Built on the client's own `kubernetes.informer.SharedInformer` (list + watch + cache, resumes
from resourceVersion, re-lists on 410 Gone). Objects are kept as plain dicts (the raw JSON),
which is what the views render and much cheaper than the client's typed models.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from types import SimpleNamespace

from kubernetes.informer import ADDED, DELETED, ERROR, MODIFIED, SharedInformer

# The informer logs every reconnect with a traceback; views show "reconnecting" instead.
logging.getLogger("kubernetes.informer.informer").addHandler(logging.NullHandler())
logging.getLogger("kubernetes.informer.informer").propagate = False

Handler = Callable[[str, dict], None]
_HUBS: weakref.WeakSet = weakref.WeakSet()


def _raw_lister(lab, kind, namespace: str | None, backoff: float = 1.0):
    """A list function SharedInformer and Watch can drive, returning raw dicts."""
    resource = lab._resource(kind)
    path = resource.path(namespace=namespace)

    def list_objects(namespace=None, label_selector=None, field_selector=None, watch=False,
                     resource_version=None, timeout_seconds=None, _preload_content=True,
                     **_ignored) -> object:
        params = {"label_selector": label_selector, "field_selector": field_selector}
        if watch:
            params.update(watch=True, allow_watch_bookmarks=True,
                          resource_version=resource_version, timeout_seconds=timeout_seconds)
        try:
            response = lab.dynamic.request("get", path, serialize=False, **params)
        except Exception:
            time.sleep(backoff)  # the API server is away: do not spin while it comes back
            raise
        if watch:
            return response
        data = json.loads(response.data)
        for item in data.get("items") or []:
            item.setdefault("kind", kind.kind)
            item.setdefault("apiVersion", kind.api_version)
        meta = SimpleNamespace(resource_version=data["metadata"].get("resourceVersion"))
        return SimpleNamespace(items=data.get("items") or [], metadata=meta)

    return list_objects


class Feed:
    """One informer and the handlers subscribed to it."""

    def __init__(self, lab, kind, namespace: str | None):
        self.kind, self.namespace = kind, namespace
        self.informer = SharedInformer(_raw_lister(lab, kind, namespace), namespace=namespace)
        self.handlers: list[Handler] = []
        self.errors = 0
        self.last_error: str | None = None
        self.synced = threading.Event()
        for event in (ADDED, MODIFIED, DELETED):
            self.informer.add_event_handler(event, self._relay(event))
        self.informer.add_event_handler(ERROR, self._on_error)
        self.informer.add_event_handler("BOOKMARK", lambda obj: self.synced.set())

    def _relay(self, event: str):
        def handle(obj: dict) -> None:
            if isinstance(obj, dict):
                obj.setdefault("kind", self.kind.kind)
            self.synced.set()
            for handler in list(self.handlers):
                handler(event, obj)
        return handle

    def _on_error(self, exc) -> None:
        self.errors += 1
        self.last_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        for handler in list(self.handlers):
            handler(ERROR, {})

    def objects(self) -> list[dict]:
        return list(self.informer.cache.list())

    def start(self) -> None:
        self.informer.start()
        # The first list happens on the informer's thread; once it is done the cache is full.
        # (An empty list fires no event, so also accept a known resourceVersion.)
        deadline = time.monotonic() + 10
        while not self.synced.is_set() and time.monotonic() < deadline:
            if self.informer._resource_version is not None:
                self.synced.set()
                break
            time.sleep(0.02)

    def stop(self) -> None:
        self.informer.stop()


class InformerHub:
    """The informers of one Lab, shared by its views; started on first use."""

    def __init__(self, lab):
        self.lab = lab
        self._feeds: dict[tuple[str, str | None], Feed] = {}
        self._lock = threading.Lock()
        _HUBS.add(self)

    def subscribe(self, kind: str, namespace: str | None, handler: Handler) -> Feed:
        """Call `handler(event, obj)` for every change of `kind` in `namespace` (None: all
        namespaces, or a cluster-scoped kind). Returns the feed (its cache is filled)."""
        k = self.lab.kind(kind)
        ns = namespace if k.namespaced else None
        key = (k.display, ns)
        with self._lock:
            feed = self._feeds.get(key)
            fresh = feed is None
            if fresh:
                feed = self._feeds[key] = Feed(self.lab, k, ns)
            feed.handlers.append(handler)
        if fresh:
            feed.start()
        return feed

    def unsubscribe(self, feed: Feed, handler: Handler) -> None:
        """Drop a handler; the informer stops when nobody listens any more."""
        with self._lock:
            if handler in feed.handlers:
                feed.handlers.remove(handler)
            if feed.handlers:
                return
            self._feeds.pop((feed.kind.display, feed.namespace), None)
        feed.stop()

    @property
    def feeds(self) -> list[Feed]:
        with self._lock:
            return list(self._feeds.values())

    def stop(self) -> None:
        """Stop every informer and join its thread."""
        with self._lock:
            feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            feed.stop()


@atexit.register
def _stop_all() -> None:
    """Kernel shutdown: no informer thread outlives the interpreter's clean-up."""
    for hub in list(_HUBS):
        hub.stop()
