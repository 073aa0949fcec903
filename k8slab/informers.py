"""Shared informers per Lab: one list+watch per (kind, namespace), however many views use it.

Built on the client's own `kubernetes.informer.SharedInformer` (list + watch + cache, resumes
from the last resourceVersion, re-lists on 410 Gone). What this module adds around it:

- objects stay plain dicts (the raw JSON), cheaper than the client's typed models;
- one HTTP client of the hub's own, so watches never take connections from the Lab's pool;
- a clean stop: the running watch's socket is shut down, so `stop()` joins at once instead
  of waiting for the next event;
- handlers learn whether an event belongs to the initial state (the first list, or the cache
  replayed to a late subscriber), and when the feed is connected (SYNCED) or lost (ERROR).

    hub = lab.informers
    sub = hub.subscribe("pod", lab.namespace, lambda event, obj, initial: ...)
    hub.unsubscribe(sub)      # the informer stops when nobody listens any more
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import socket
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from kubernetes.informer import ADDED, DELETED, ERROR, MODIFIED, SharedInformer

SYNCED = "SYNCED"  # the feed's cache is complete and its watch is connected
THREAD_PREFIX = "k8slab-informer"
WATCH_RETRY_SECONDS = 1.0  # pause before re-opening a watch that failed to open
POOL_SIZE = 32  # connections of the hub's own client: one per running watch, plus lists

Handler = Callable[[str, "dict | None", bool], None]
_HUBS: weakref.WeakSet = weakref.WeakSet()


class FeedStopped(Exception):
    """Raised inside a stopping feed's list function, so its informer loop ends."""


class _QuietWhileOurs(logging.Filter):
    """The informer logs every reconnect with a traceback (and urllib3 every retry); our
    views show a banner instead. Records from other threads (a learner's own informer, the
    Lab's requests) pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not threading.current_thread().name.startswith(THREAD_PREFIX)


for _name in ("kubernetes.informer.informer", "urllib3.connectionpool"):
    logging.getLogger(_name).addFilter(_QuietWhileOurs())


def api_path(kind, namespace: str | None) -> str:
    """The collection URL of a kind: /api/v1/namespaces/ns/pods, /apis/apps/v1/deployments."""
    base = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
    return f"{base}/namespaces/{namespace}/{kind.plural}" if namespace else \
        f"{base}/{kind.plural}"


@dataclass(eq=False)
class Subscription:
    """A handler subscribed to one feed; pass it to `InformerHub.unsubscribe`."""

    feed: Feed
    handler: Handler


class Feed:
    """One SharedInformer (one list+watch) and the handlers subscribed to it."""

    def __init__(self, hub: InformerHub, kind, namespace: str | None):
        self.hub, self.kind, self.namespace = hub, kind, namespace
        self.path = api_path(kind, namespace)
        self.handlers: list[Handler] = []
        self.synced = threading.Event()
        self.connected = False
        self.watches = 0  # watch connections opened (a reconnect adds one)
        self.errors = 0
        self.last_error = ""
        self.forbidden = False  # the API refused to list this kind
        self.response = None  # the running watch's HTTP response
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards `response` against a concurrent stop
        self._dispatch = threading.RLock()  # one event at a time, in order, to all handlers
        self.informer = SharedInformer(self._list, namespace=namespace)
        for event in (ADDED, MODIFIED, DELETED):
            self.informer.add_event_handler(event, self._relay(event))
        self.informer.add_event_handler(ERROR, self._on_error)

    @property
    def name(self) -> str:
        return f"{self.kind.plural}/{self.namespace or '*'}"

    # -- the list function the informer (and its Watch) calls ------------------------------
    def _list(self, watch: bool = False, resource_version: str | None = None,
              timeout_seconds: int | None = None, **_ignored):
        """List or watch the collection, returning raw dicts.

        :rtype: object
        """
        # (The `:rtype: object` line above makes kubernetes.watch.Watch keep dicts and track
        # each event's resourceVersion, so a cut watch resumes where it stopped.)
        if self._stopping.is_set():
            raise FeedStopped(self.name)
        query: list[tuple[str, object]] = []
        if watch:
            query += [("watch", "true"), ("allowWatchBookmarks", "true")]
            if resource_version:
                query.append(("resourceVersion", resource_version))
            if timeout_seconds:
                query.append(("timeoutSeconds", timeout_seconds))
        try:
            response = self.hub.request(self.path, query, stream=watch)
        except Exception:
            if watch:  # the API server is away: do not spin while it comes back
                self._stopping.wait(WATCH_RETRY_SECONDS)
            raise
        if not watch:
            try:
                data = json.loads(response.data)
            finally:
                response.release_conn()
            items = data.get("items") or []
            for item in items:
                item.setdefault("kind", self.kind.kind)
                item.setdefault("apiVersion", self.kind.api_version)
            version = (data.get("metadata") or {}).get("resourceVersion")
            return SimpleNamespace(items=items,
                                   metadata=SimpleNamespace(resource_version=version))
        with self._lock:
            if self._stopping.is_set():
                _shut(response)
                raise FeedStopped(self.name)
            self.response = response
        self.watches += 1
        self._connected()
        return response

    # -- events --------------------------------------------------------------------------
    def _relay(self, event: str):
        def handle(obj) -> None:
            if isinstance(obj, dict):
                obj.setdefault("kind", self.kind.kind)
            self._send(event, obj, not self.synced.is_set())
        return handle

    def _connected(self) -> None:
        self.connected = True
        self.synced.set()
        self._send(SYNCED, None, False)

    def _on_error(self, exc) -> None:
        if self._stopping.is_set():
            return
        if getattr(exc, "status", None) == 403 and not self.synced.is_set():
            # not allowed to list this kind (RBAC): an empty picture, not an endless wait
            self.forbidden = True
            self.last_error = "forbidden"
            self.synced.set()
            self._send(SYNCED, None, False)
            return
        self.errors += 1
        self.connected = False
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.last_error = text[:200]
        self._send(ERROR, None, False)

    def _send(self, event: str, obj, initial: bool) -> None:
        with self._dispatch:
            for handler in list(self.handlers):
                try:
                    handler(event, obj, initial)
                except Exception as exc:  # one broken view must not starve the others
                    self.last_error = f"handler failed: {exc!r}"[:200]

    def add(self, handler: Handler) -> None:
        """Subscribe a handler: it first receives the cached objects (initial=True)."""
        with self._dispatch:
            self.handlers.append(handler)
            for obj in self.informer.cache.list():
                handler(ADDED, obj, True)
            if self.synced.is_set():
                handler(SYNCED, None, False)

    def remove(self, handler: Handler) -> bool:
        """Drop a handler; True when nobody listens any more."""
        with self._dispatch:
            if handler in self.handlers:
                self.handlers.remove(handler)
            return not self.handlers

    def objects(self) -> list[dict]:
        """The cached objects (a copy of the list; the dicts are shared: do not change them)."""
        return self.informer.cache.list()

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the informer's thread (the first list happens there, not on the caller's)."""
        self.informer.start()
        thread = getattr(self.informer, "_thread", None)
        if thread is not None:
            thread.name = f"{THREAD_PREFIX}:{self.name}"

    def stop(self) -> None:
        """Stop the informer and join its thread; its watch connection is closed."""
        self._stopping.set()
        with self._lock:
            if self.response is not None:
                _shut(self.response)
        self.informer.stop()
        self.response = None
        self.connected = False

    @property
    def alive(self) -> bool:
        thread = getattr(self.informer, "_thread", None)
        return thread is not None and thread.is_alive()


class InformerHub:
    """The informers of one Lab, shared by its views; each starts on first use."""

    def __init__(self, lab):
        self.lab = lab
        self._feeds: dict[tuple, Feed] = {}
        self._lock = threading.Lock()
        self._api = None
        _HUBS.add(self)

    # -- HTTP ----------------------------------------------------------------------------
    def _client(self):
        with self._lock:
            if self._api is None:
                from kubernetes import client

                source = self.lab.api_client
                config = copy.copy(source.configuration)
                config.connection_pool_maxsize = POOL_SIZE
                self._api = client.ApiClient(config)
                self._api.default_headers.update(source.default_headers)  # impersonation
            return self._api

    def request(self, path: str, query: list, stream: bool = False):
        """GET a path with the hub's own client; returns the urllib3 response (unread when
        `stream`). Raises the client's ApiException for an error status."""
        api = self._client()
        method, url, headers, body, post = api.param_serialize(
            "GET", path, query_params=query, header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"])
        response = api.call_api(method, url, headers, body, post,
                                _request_timeout=(10, None) if stream else (10, 60))
        if not 200 <= response.status <= 299:
            response.read()
            api.response_deserialize(response, {})
        return response.response

    # -- subscriptions -------------------------------------------------------------------
    def subscribe(self, kind: str, namespace: str | None, handler: Handler) -> Subscription:
        """Call `handler(event, obj, initial)` for every change of `kind` in `namespace`
        (None: all namespaces, or a cluster-scoped kind). The cached objects come first, as
        ADDED with initial=True; SYNCED says the picture is complete, ERROR that the watch was
        lost (the informer reconnects by itself). Never blocks on the network."""
        k = self.lab.kind(kind)
        ns = namespace if k.namespaced else None
        key = (k.group, k.plural, ns)
        with self._lock:
            feed = self._feeds.get(key)
            fresh = feed is None
            if fresh:
                feed = self._feeds[key] = Feed(self, k, ns)
            feed.add(handler)
        if fresh:
            feed.start()
        return Subscription(feed, handler)

    def unsubscribe(self, subscription: Subscription) -> None:
        """Drop a subscription; its informer stops (and is joined) when nobody listens."""
        feed = subscription.feed
        with self._lock:
            if not feed.remove(subscription.handler):
                return
            key = (feed.kind.group, feed.kind.plural, feed.namespace)
            if self._feeds.get(key) is feed:
                del self._feeds[key]
            last = not self._feeds
        feed.stop()
        if last:
            self._close_client()

    def feed(self, kind: str, namespace: str | None) -> Feed | None:
        """The running feed of a kind and namespace, if any."""
        k = self.lab.kind(kind)
        with self._lock:
            return self._feeds.get((k.group, k.plural, namespace if k.namespaced else None))

    @property
    def feeds(self) -> list[Feed]:
        with self._lock:
            return list(self._feeds.values())

    def stop(self) -> None:
        """Stop every informer and join its thread; close the hub's connections."""
        with self._lock:
            feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            feed.stop()
        self._close_client()

    def _close_client(self) -> None:
        with self._lock:
            api, self._api = self._api, None
        if api is not None:
            api.close()

    def __repr__(self) -> str:
        names = ", ".join(f.name for f in self.feeds) or "none"
        return f"<InformerHub feeds: {names}>"


def _shut(response) -> None:
    """Shut a streaming response's socket down, which wakes a thread blocked reading it."""
    try:
        sock = getattr(getattr(response, "connection", None), "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


@atexit.register
def _stop_all() -> None:
    """Interpreter (kernel) shutdown: no informer thread outlives it."""
    for hub in list(_HUBS):
        hub.stop()
