"""Coalesced rendering: many requests to redraw become at most one redraw per interval.

One worker thread serves every view; it starts when there is something to draw and ends as
soon as there is nothing left to draw, so an idle notebook has no render thread at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

THREAD_NAME = "k8slab-render"


class Pacer:
    """Runs each key's callback at most once per `interval`, as soon as allowed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._cond = threading.Condition()
        self._due: dict[Hashable, tuple[float, Callable[[], None]]] = {}
        self._last: dict[Hashable, float] = {}
        self._running: Hashable | None = None
        self._thread: threading.Thread | None = None
        self.last_error: Exception | None = None

    def request(self, key: Hashable, callback: Callable[[], None], interval: float,
                delay: float = 0.0) -> None:
        """Run `callback` soon: not before `delay` seconds, and not sooner than `interval`
        after its previous run. A request while one is pending merges into it."""
        with self._cond:
            now = self.clock()
            # (asked from the key's own run: that run is the latest one)
            last = now if self._running == key else self._last.get(key, float("-inf"))
            when = max(now + delay, last + interval)
            pending = self._due.get(key)
            if pending is not None:
                when = min(when, pending[0])
            self._due[key] = (when, callback)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=THREAD_NAME,
                                                daemon=True)
                self._thread.start()
            else:
                self._cond.notify_all()

    def claim(self, key: Hashable, interval: float) -> bool:
        """Whether the caller may run a key's callback itself, right now: its interval has
        passed and it is not running. If so, that run counts as the key's latest (a pending
        one is dropped), so the pace holds whoever draws."""
        with self._cond:
            now = self.clock()
            if self._running == key or now - self._last.get(key, float("-inf")) < interval:
                return False
            self._last[key] = now
            self._due.pop(key, None)
            return True

    def cancel(self, key: Hashable, timeout: float = 5.0) -> None:
        """Forget a key's pending run; wait for a run in progress (unless called from it),
        and for the worker to end when nothing else is pending."""
        me = threading.current_thread()
        with self._cond:
            deadline = self.clock() + timeout
            while self._running == key and self._thread is not me and \
                    self.clock() < deadline:
                self._cond.wait(0.05)
            self._due.pop(key, None)
            self._last.pop(key, None)
            worker = self._thread if not self._due else None
            self._cond.notify_all()
        if worker is not None and worker is not me:
            worker.join(timeout)

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._thread is not None

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._due:
                        self._thread = None
                        self._cond.notify_all()
                        return
                    key, (when, callback) = min(self._due.items(), key=lambda kv: kv[1][0])
                    wait = when - self.clock()
                    if wait <= 0:
                        break
                    self._cond.wait(wait)
                del self._due[key]
                self._running = key
            try:
                callback()
            except Exception as exc:  # a broken picture must not stop the others' updates
                self.last_error = exc
            finally:
                with self._cond:
                    self._last[key] = self.clock()
                    self._running = None
                    self._cond.notify_all()


PACER = Pacer()
