"""What every live view shares: informer subscriptions feeding a Store, coalesced redraws into
IPython display handles, waiting for a state (`until`), static snapshots and a clean stop."""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

from .. import informers as _informers  # noqa: F401  (its atexit hook must run after ours)
from ..errors import ClusterUnreachable, Interrupted, K8sLabError, NotFound, Timeout
from .pacing import PACER, Pacer
from .state import LINGER_SECONDS, State, Store, parse_condition

MAX_RATE = 10.0  # redraws per second, at most
SYNC_WAIT = 3.0  # how long showing a view waits for its first list (the first picture)
CHECK_EVERY = 0.02  # `until` re-tests at most this often while events pour in

Condition = str | Callable[[Any], bool]
_VIEWS: weakref.WeakSet = weakref.WeakSet()


class Snapshot:
    """A static picture of a view at one moment: HTML in a notebook, one line as text."""

    def __init__(self, html: str, text: str, state: State | None = None):
        self.html, self.text, self.state = html, text, state

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


class View:
    """Base of the live views. A subclass names what it watches (`sources`), its State class
    (the queries and `measures` its conditions use), its parameters (`params`) and a pure
    `render(state) -> html` function."""

    state_class: type[State] = State
    render: Callable[[Any], str] = staticmethod(lambda state: "")

    def __init__(self, lab, namespace: str | None = None, *, max_rate: float = MAX_RATE,
                 linger: float = LINGER_SECONDS, hub=None, pacer: Pacer | None = None):
        self.lab = lab
        self.namespace = namespace or lab.namespace
        self.max_rate = max_rate
        self._hub = hub if hub is not None else lab.informers
        self._pacer = pacer or PACER
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        sources = self.sources()
        self._store = Store([kind for kind, _ in sources], linger=linger)
        self._handles: list = []
        self._last_html: str | None = None
        self._stopped = False
        self._subscriptions: list = []
        self.renders = 0  # pictures pushed to the displays
        self.last_render_at = 0.0
        lab._views.append(self)
        _VIEWS.add(self)
        try:
            for kind, ns in sources:
                self._subscriptions.append(
                    self._hub.subscribe(kind, ns, partial(self._on_event, kind)))
        except Exception:
            self.stop()
            raise

    # -- what each view provides ---------------------------------------------------------
    def sources(self) -> list[tuple[str, str | None]]:
        """(kind, namespace or None for all/cluster-scoped) pairs to watch."""
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The view's parameters, as fields of its State class."""
        return {}

    def sync_targets(self) -> list[tuple[str, str]]:
        """(kind, name) objects `until` reads from the API first, so that a condition is
        never met by a state older than the call (e.g. "complete" just after set_image)."""
        return []

    # -- state ---------------------------------------------------------------------------
    def _on_event(self, kind: str, event: str, obj: dict | None, initial: bool) -> None:
        with self._lock:
            if self._stopped:
                return
            changed = self._store.apply(kind, event, obj, initial)
            if changed:
                self._changed.notify_all()
        if changed:
            self._request()

    def state(self, live: bool = False) -> State:
        """The current state (immutable). `live=True` includes the new/gone highlights."""
        with self._lock:
            return self._store.state(self.state_class, live, namespace=self.namespace,
                                     **self.params())

    @property
    def synced(self) -> bool:
        """Whether every watched kind has been listed (the picture is complete)."""
        with self._lock:
            return self._store.all_synced

    @property
    def events(self) -> int:
        """How many object events this view has received."""
        return self._store.events

    @property
    def changed_at(self) -> float:
        """time.time() of the last change of the state."""
        return self._store.changed_at

    def _wait_synced(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._store.all_synced and not self._stopped:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.1))
        return True

    # -- pictures ------------------------------------------------------------------------
    def html(self, live: bool = False) -> str:
        """The picture of the current state as HTML (static unless `live`)."""
        return type(self).render(self.state(live))

    def _bundle(self, state: State) -> dict[str, str]:
        return {"text/html": type(self).render(state),
                "text/plain": f"{type(self).__name__}: {state.summary()}"}

    def snapshot(self) -> Snapshot:
        """A static picture of the current state (waits for the first list, briefly)."""
        self._wait_synced(SYNC_WAIT)
        state = self.state(live=False)
        bundle = self._bundle(state)
        return Snapshot(bundle["text/html"], bundle["text/plain"], state)

    def _repr_html_(self) -> str:
        return self.snapshot().html

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.state().summary()}>"

    def _ipython_display_(self) -> None:
        """Shown in a cell: a display that redraws itself as the cluster changes."""
        from IPython.display import display

        if self._stopped:
            display(self.snapshot())
            return
        self._wait_synced(SYNC_WAIT)
        bundle = self._bundle(self.state(live=True))
        handle = display(bundle, raw=True, display_id=True)
        if handle is not None:
            self._last_html = bundle["text/html"]  # what every display shows by now
            self.attach(handle)

    def attach(self, handle) -> None:
        """Keep a display handle (anything with `update(bundle, raw=True)`) up to date."""
        with self._lock:
            self._handles.append(handle)
        self._request()

    def _request(self, delay: float = 0.0) -> None:
        if self._stopped or not self._handles:
            return
        self._pacer.request(self, self._render_live, 1.0 / self.max_rate, delay)

    def _render_live(self) -> None:
        if self._stopped:
            return
        self._push(self._bundle(self.state(live=True)))
        with self._lock:
            follow_up = self._store.expire()
        if follow_up is not None:  # redraw when the next highlight fades
            self._request(delay=follow_up + 0.05)

    def _push(self, bundle: dict[str, str]) -> None:
        if bundle["text/html"] == self._last_html:
            return
        for handle in list(self._handles):
            try:
                handle.update(bundle, raw=True)
            except Exception:  # a display whose kernel or frontend is gone: forget it
                self._handles.remove(handle)
        self._last_html = bundle["text/html"]
        self.renders += 1
        self.last_render_at = time.time()

    def refresh(self) -> None:
        """Redraw the live displays: now, on this thread, unless the last redraw was less
        than 1/max_rate ago (then very soon, on the render thread)."""
        if self._stopped or not self._handles:
            return
        if self._pacer.claim(self, 1.0 / self.max_rate):
            self._render_live()
        else:
            self._request()

    # -- waiting -------------------------------------------------------------------------
    def condition(self, text: str) -> Callable[[State], bool]:
        """A test of the state for a condition string such as "ready=3" (see the class)."""
        return parse_condition(text, self.state().measures())

    def until(self, condition: Condition, timeout: float = 60.0) -> Snapshot:
        """Block until the state meets `condition` (a string like "ready=3", or a function
        of the state); redraw the live displays and return a static snapshot of that state.
        Raises Timeout (with the last state seen) or Interrupted (Ctrl-C; the view goes on)."""
        if self._stopped:
            raise K8sLabError(f"this {type(self).__name__} is stopped",
                              hint="open a new one with lab.show(...)")
        test = self.condition(condition) if isinstance(condition, str) else condition
        deadline = time.monotonic() + timeout
        try:
            wanted = None  # the versions the API serves now, once it answers
            while True:
                if wanted is None:
                    with contextlib.suppress(ClusterUnreachable):
                        wanted = self._fresh_versions()
                with self._lock:
                    version = self._store.version
                    # an outage's picture (the feed lost) is not the current state
                    ready = (wanted is not None and self._store.all_synced
                             and not self._store.lost and self._caught_up(wanted))
                    state = self.state(live=False)
                if ready and test(state):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopped:
                    raise Timeout(f"{type(self).__name__} did not reach {condition!r} within "
                                  f"{timeout:g}s", last_state=state.summary(),
                                  hint=_timeout_hint(state))
                with self._changed:
                    if self._store.version == version:
                        self._changed.wait(min(remaining, 0.25))
                time.sleep(CHECK_EVERY)  # let a burst of events land before testing again
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted while waiting for {condition!r}",
                              hint="the view keeps running; view.stop() ends it") from None
        self.refresh()
        bundle = self._bundle(state)
        return Snapshot(bundle["text/html"], bundle["text/plain"], state)

    def _fresh_versions(self) -> dict[tuple[str, str], int]:
        wanted = {}
        for kind, name in self.sync_targets():
            try:
                obj = self.lab.get(kind, name, namespace=self.namespace)
                wanted[(kind, name)] = int(obj["metadata"]["resourceVersion"])
            except (NotFound, KeyError, ValueError, TypeError):
                continue
        return wanted

    def _caught_up(self, wanted: dict[tuple[str, str], int]) -> bool:
        for (kind, name), version in wanted.items():
            bucket = self._store.objects.get(kind) or {}
            obj = bucket.get(f"{self.namespace}/{name}")
            try:
                seen = int((obj or {}).get("metadata", {}).get("resourceVersion", 0))
            except ValueError:
                continue
            if seen < version:
                return False
        return True

    # -- the end -------------------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self, final_picture: bool = True) -> None:
        """End the view's subscriptions (an informer stops when no view uses it) and leave
        its displays showing the last state as a static picture."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._changed.notify_all()
        self._pacer.cancel(self)
        for subscription in self._subscriptions:
            try:
                self._hub.unsubscribe(subscription)
            except Exception:  # stopping must not fail half-way
                pass
        self._subscriptions.clear()
        if self in self.lab._views:
            self.lab._views.remove(self)
        _VIEWS.discard(self)
        if final_picture and self._handles:
            self._last_html = None
            self._push(self._bundle(self.state(live=False)))

    def __enter__(self) -> View:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _timeout_hint(state: State) -> str:
    if state.reconnecting:
        return "the API server is not answering; is the cluster up? (k8slab status)"
    if not state.synced:
        return "the view has not finished loading; is the cluster up? (k8slab status)"
    return "look at the picture and at lab.events() for what is stuck"


@atexit.register
def _stop_all() -> None:
    """Kernel shutdown: every view stops (registered after the informers' hook, so it runs
    before the hub's: views first, then their informers)."""
    for view in list(_VIEWS):
        try:
            view.stop(final_picture=False)
        except Exception:
            pass
