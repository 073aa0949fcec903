"""Progress feedback for long work: a live line on a terminal, periodic lines in a log."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

_console = Console(stderr=True, highlight=False)


def fmt_duration(seconds: float) -> str:
    """`75.2` -> `1m15s`, `4.2` -> `4.2s`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


class Task:
    """One piece of long work; `update()` sets the detail shown next to the elapsed time."""

    def __init__(self, title: str, log_every: float = 30.0):
        self.title = title
        self.detail = ""
        self.started = time.monotonic()
        self._log_every = log_every
        self._stop = threading.Event()
        self._live = _console.is_terminal
        self._status = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def update(self, detail: str) -> None:
        self.detail = detail
        if self._status is not None:
            self._status.update(self._line())

    def _line(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.title}{detail} [{fmt_duration(self.elapsed)}]"

    def _tick(self) -> None:
        last_log = time.monotonic()
        while not self._stop.wait(1.0):
            if self._status is not None:
                self._status.update(self._line())
            elif time.monotonic() - last_log >= self._log_every:
                last_log = time.monotonic()
                print(f"  ... {self._line()}", file=sys.stderr, flush=True)

    def __enter__(self) -> Task:
        if self._live:
            self._status = _console.status(self._line())
            self._status.__enter__()
        else:
            print(f"{self.title} ...", file=sys.stderr, flush=True)
        self._thread = threading.Thread(target=self._tick, name="k8slab-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop.set()
        self._thread.join()
        if self._status is not None:
            self._status.__exit__(exc_type, exc, tb)
        mark = "[green]done[/]" if exc_type is None else "[red]failed[/]"
        _console.print(f"{self.title}: {mark} in {fmt_duration(self.elapsed)}")


@contextmanager
def task(title: str) -> Iterator[Task]:
    """Show `title`, the elapsed time and the latest detail while the block runs."""
    with Task(title) as t:
        yield t


def say(message: str) -> None:
    """One line of progress on stderr."""
    _console.print(message)
