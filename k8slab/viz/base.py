"""What every live view shares: informer subscriptions, coalesced rendering into IPython
display handles, waiting for a state (`until`), static snapshots and a clean stop."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from ..errors import Interrupted, K8sLabError, Timeout
from .render import esc

MAX_RATE = 10.0  # renders per second, at most
HIGHLIGHT_SECONDS = 3.0  # how long a new pod glows and a gone pod stays as a ghost


class Snapshot:
    """A static picture of a view at one moment: HTML for notebooks, a line for text."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


class View:
    """Base of the live views. Subclasses say which kinds they watch (`sources`), how to
    draw their state (`draw`), summarise it (`summary`) and read a condition (`condition`)."""

    name = "view"

    def __init__(self, lab, namespace: str | None = None, max_rate: float = MAX_RATE):
        self.lab = lab
        self.namespace = namespace or lab.namespace
        self.objects: dict[str, dict[str, dict]] = {}  # kind -> "ns/name" -> object
        self.appeared: dict[str, float] = {}  # pod key -> when it appeared (live highlight)
        self.gone: dict[str, tuple[float, dict]] = {}  # pod key -> (when, last state)
        self.renders = 0
        self.events = 0
        self.last_event_at = 0.0
        self.last_render_at = 0.0
        self.reconnecting = False
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._handles: list = []
        self._subscriptions: list = []
        self._timer: threading.Timer | None = None
        self._interval = 1.0 / max_rate
        self._stopped = False
        self._started_at = time.monotonic()
        for kind, namespace_ in self.sources():
            self._subscribe(kind, namespace_)
        self._started_at = time.monotonic()
        lab._views.append(self)

    # -- to be provided by each view -----------------------------------------------------
    def sources(self) -> list[tuple[str, str | None]]:
        """(kind, namespace or None) pairs to watch."""
        raise NotImplementedError

    def draw(self, live: bool) -> str:
        """The picture (HTML) of the current state."""
        raise NotImplementedError

    def summary(self) -> str:
        """One stable line describing the state (the text form of a snapshot)."""
        raise NotImplementedError

    def condition(self, text: str) -> Callable[[View], bool]:
        """A predicate for a condition string such as "ready=3"."""
        raise K8sLabError(f"{type(self).__name__} does not understand {text!r}",
                          hint="pass a function of the view instead, e.g. until(lambda v: ...)")

    def tracked(self, kind: str, obj: dict) -> bool:
        """Whether a pod of this kind should glow/ghost when it appears/goes."""
        return False

    def sync_targets(self) -> list[tuple[str, str]]:
        """(kind, name) of objects `until` reads fresh from the API first, so a condition
        is never met by a state older than the call (e.g. "complete" just after set_image)."""
        return []

    def _fresh_versions(self) -> dict[tuple[str, str], int]:
        wanted = {}
        for kind, name in self.sync_targets():
            try:
                obj = self.lab.get(kind, name, namespace=self.namespace)
                wanted[(kind, name)] = int(obj["metadata"]["resourceVersion"])
            except (K8sLabError, ValueError, KeyError):
                continue
        return wanted

    def _caught_up(self, wanted: dict[tuple[str, str], int]) -> bool:
        for (kind, name), version in wanted.items():
            obj = self.objects.get(kind, {}).get(f"{self.namespace}/{name}")
            if obj is None or int(obj["metadata"].get("resourceVersion", 0)) < version:
                return False
        return True

    # -- state ---------------------------------------------------------------------------
    def _subscribe(self, kind: str, namespace: str | None) -> None:
        bucket = self.objects.setdefault(kind, {})

        def on_event(event: str, obj: dict) -> None:
            self._on_event(kind, event, obj)

        feed = self.lab.informers.subscribe(kind, namespace, on_event)
        self._subscriptions.append((feed, on_event))
        with self._lock:
            for obj in feed.objects():
                bucket[_key(obj)] = obj

    def _on_event(self, kind: str, event: str, obj: dict) -> None:
        now = time.monotonic()
        with self._lock:
            if event == "ERROR":
                self.reconnecting = True
            else:
                self.reconnecting = False
                bucket = self.objects.setdefault(kind, {})
                key = _key(obj)
                warm = now - self._started_at > 0.5  # the initial list is not "new"
                if event == "DELETED":
                    old = bucket.pop(key, None)
                    if old is not None and self.tracked(kind, old):
                        self.gone[key] = (now, old)
                        self.appeared.pop(key, None)
                else:
                    if key not in bucket and warm and self.tracked(kind, obj):
                        self.appeared[key] = now
                    bucket[key] = obj
                self.events += 1
                self.last_event_at = time.time()
            self._changed.notify_all()
        self._schedule()

    def items(self, kind: str) -> list[dict]:
        with self._lock:
            return sorted(self.objects.get(kind, {}).values(),
                          key=lambda o: (o["metadata"].get("namespace", ""),
                                         o["metadata"]["name"]))

    def _expire_highlights(self) -> float | None:
        """Forget old highlights; return when the next one expires (for a re-render)."""
        now = time.monotonic()
        with self._lock:
            for table in (self.appeared,):
                for key in [k for k, t in table.items() if now - t > HIGHLIGHT_SECONDS]:
                    del table[key]
            for key in [k for k, (t, _) in self.gone.items() if now - t > HIGHLIGHT_SECONDS]:
                del self.gone[key]
            times = list(self.appeared.values()) + [t for t, _ in self.gone.values()]
        return min(times) + HIGHLIGHT_SECONDS - now if times else None

    # -- rendering -----------------------------------------------------------------------
    def html(self, live: bool = False) -> str:
        with self._lock:
            return self.draw(live)

    def _schedule(self, delay: float | None = None) -> None:
        """Render soon, at most MAX_RATE times a second, on a short-lived timer thread."""
        if self._stopped or not self._handles:
            return
        with self._lock:
            if self._timer is not None:
                return
            wait = max(0.0, self.last_render_at + self._interval - time.monotonic())
            if delay is not None:
                wait = max(wait, delay)
            self._timer = threading.Timer(wait, self._render_now)
            self._timer.daemon = True
            self._timer.name = "k8slab-view-render"
            self._timer.start()

    def _render_now(self) -> None:
        with self._lock:
            self._timer = None
            if self._stopped:
                return
        self.refresh()
        follow_up = self._expire_highlights()
        if follow_up is not None:
            self._schedule(delay=follow_up + 0.05)

    def _bundle(self) -> dict[str, str]:
        with self._lock:
            return {"text/html": self.draw(live=True),
                    "text/plain": f"{type(self).__name__}: {self.summary()}"}

    def refresh(self) -> None:
        """Redraw every display of this view now."""
        self._expire_highlights()
        picture = self._bundle()
        for handle in list(self._handles):
            try:
                handle.update(picture, raw=True)
            except Exception:  # a display whose kernel is gone: forget it
                self._handles.remove(handle)
        self.renders += 1
        self.last_render_at = time.monotonic()

    def _ipython_display_(self) -> None:
        """Shown in a cell: a live display that redraws as the cluster changes."""
        from IPython.display import display

        handle = display(self._bundle(), raw=True, display_id=True)
        if handle is not None:
            self._handles.append(handle)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.summary()}>"

    def snapshot(self) -> Snapshot:
        """A static picture of the current state (for exported and headless notebooks)."""
        with self._lock:
            self._expire_highlights()
            return Snapshot(self.draw(live=False), f"{type(self).__name__}: {self.summary()}")

    def until(self, condition: str | Callable[[View], bool], timeout: float = 60) -> Snapshot:
        """Block until the state meets `condition` (a string like "ready=3" or a function of
        the view); redraw the live displays and return a static snapshot of that state."""
        test = self.condition(condition) if isinstance(condition, str) else condition
        deadline = time.monotonic() + timeout
        wanted = self._fresh_versions()
        try:
            with self._changed:
                while not (self._caught_up(wanted) and test(self)):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Timeout(f"{type(self).__name__} did not reach {condition!r} "
                                      f"within {timeout:g}s", last_state=self.summary())
                    self._changed.wait(min(remaining, 0.5))
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted while waiting for {condition!r}",
                              hint="the view keeps running; view.stop() ends it") from None
        if self._handles:
            self.refresh()
        return self.snapshot()

    def stop(self) -> None:
        """End the view's watches (the informer stops when no view uses it)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            if timer.is_alive() and timer is not threading.current_thread():
                timer.join()
        for feed, handler in self._subscriptions:
            self.lab.informers.unsubscribe(feed, handler)
        self._subscriptions.clear()
        if self in self.lab._views:
            self.lab._views.remove(self)

    @property
    def banner(self) -> str:
        return "reconnecting to the API server..." if self.reconnecting else ""


def _key(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def count_condition(text: str, counters: dict[str, Callable[[], int]],
                    flags: dict[str, Callable[[], bool]] | None = None):
    """Read "ready=3", "pods>=2", "complete" (several joined by commas) against the view's
    named counters and flags; returns a predicate of the view."""
    flags = flags or {}
    tests: list[Callable[[], bool]] = []
    for part in [p for p in text.replace(" ", "").split(",") if p]:
        if part in flags:
            tests.append(flags[part])
            continue
        found = re.fullmatch(r"([a-z_]+)(>=|<=|=)(\d+)", part)
        if not found or found.group(1) not in counters:
            raise K8sLabError(f"cannot read the condition {part!r}",
                              hint="use " + ", ".join([f"{c}=N" for c in counters] + list(flags)))
        get, op, n = counters[found.group(1)], found.group(2), int(found.group(3))
        tests.append({">=": lambda g=get, n=n: g() >= n, "<=": lambda g=get, n=n: g() <= n,
                      "=": lambda g=get, n=n: g() == n}[op])
    if not tests:
        raise K8sLabError("an empty condition", hint="e.g. 'ready=3'")
    return lambda view: all(t() for t in tests)


__all__ = ["Snapshot", "View", "count_condition", "esc"]
