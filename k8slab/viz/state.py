"""A view's knowledge: `Store` (kept current from informer events) and `State` (an immutable
snapshot of it, which the pure render functions draw). No threads, no I/O here."""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import K8sLabError
from .status import key as object_key

LINGER_SECONDS = 3.0  # how long a new pod glows and a deleted one stays as a ghost
ADDED, MODIFIED, DELETED, ERROR, SYNCED = "ADDED", "MODIFIED", "DELETED", "ERROR", "SYNCED"


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class State:
    """What a view knows at one moment. Subclasses add the view's parameters and queries.

    `objects` maps a kind (as the view named it, e.g. "pod") to {key: object}; `new` holds
    the keys of objects that appeared moments ago and `gone` the last state of objects deleted
    moments ago (both empty in static snapshots); `now` is the clock ages are computed from.
    """

    objects: Mapping[str, Mapping[str, dict]] = field(default_factory=dict)
    namespace: str = "default"
    new: frozenset[str] = frozenset()
    gone: tuple[dict, ...] = ()
    now: datetime = field(default_factory=_now)
    synced: bool = True
    reconnecting: bool = False
    _sorted: dict = field(default_factory=dict, compare=False, repr=False)

    def items(self, kind: str) -> list[dict]:
        """The objects of a kind, sorted by namespace and name."""
        if kind not in self._sorted:
            bucket = self.objects.get(kind) or {}
            self._sorted[kind] = [bucket[k] for k in sorted(bucket)]
        return self._sorted[kind]

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """One object by name (in the view's namespace unless told otherwise)."""
        bucket = self.objects.get(kind) or {}
        ns = self.namespace if namespace is None else namespace
        return bucket.get(f"{ns}/{name}" if ns else name) or bucket.get(name)

    def is_new(self, obj: dict) -> bool:
        return object_key(obj) in self.new

    def measures(self) -> dict[str, int | bool]:
        """Named numbers and flags that condition strings ("ready=3", "complete") test."""
        return {}

    def summary(self) -> str:
        """One stable line about the state (the text form of the picture)."""
        return ""

    @property
    def banner(self) -> str:
        if self.reconnecting:
            return "reconnecting to the API server… (the picture may be behind)"
        if not self.synced:
            return "loading…"
        return ""


class Store:
    """The objects one view watches, kept current by applying informer events to it."""

    def __init__(self, kinds: list[str], tracked: tuple[str, ...] = ("pod",),
                 linger: float = LINGER_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.objects: dict[str, dict[str, dict]] = {kind: {} for kind in kinds}
        self.tracked, self.linger, self.clock = set(tracked), linger, clock
        self.appeared: dict[str, float] = {}  # key -> when it appeared
        self.gone: dict[str, tuple[float, dict]] = {}  # key -> (when it went, last state)
        self.synced: set[str] = set()
        self.lost: set[str] = set()
        self.events = 0
        self.version = 0  # bumped by every change
        self.changed_at = 0.0  # time.time() of the last change

    def apply(self, kind: str, event: str, obj: dict | None, initial: bool = False) -> bool:
        """Apply one informer event; True when the state changed."""
        if event == SYNCED:
            changed = kind not in self.synced or kind in self.lost
            self.synced.add(kind)
            self.lost.discard(kind)
        elif event == ERROR:
            changed = kind not in self.lost
            self.lost.add(kind)
        elif obj is not None:
            changed = self._put(kind, event, obj, initial)
        else:
            changed = False
        if changed:
            self.version += 1
            self.changed_at = time.time()
        return changed

    def _put(self, kind: str, event: str, obj: dict, initial: bool) -> bool:
        bucket = self.objects.setdefault(kind, {})
        key = object_key(obj)
        now = self.clock()
        self.events += 1
        if event == DELETED:
            old = bucket.pop(key, None)
            if old is None:
                return False
            self.appeared.pop(key, None)
            if kind in self.tracked and not initial:
                self.gone[key] = (now, old)
            return True
        if bucket.get(key) is obj:
            return False
        if key not in bucket and kind in self.tracked and not initial:
            self.appeared[key] = now
            self.gone.pop(key, None)
        bucket[key] = obj
        return True

    def expire(self) -> float | None:
        """Forget highlights older than `linger`; seconds until the next one expires."""
        now = self.clock()
        for k in [k for k, t in self.appeared.items() if now - t >= self.linger]:
            del self.appeared[k]
        for k in [k for k, (t, _) in self.gone.items() if now - t >= self.linger]:
            del self.gone[k]
        times = [*self.appeared.values(), *(t for t, _ in self.gone.values())]
        return min(times) + self.linger - now if times else None

    @property
    def all_synced(self) -> bool:
        return all(kind in self.synced for kind in self.objects)

    def state(self, cls: type[State], live: bool, **params) -> State:
        """An immutable snapshot (shallow copies: the object dicts themselves are shared)."""
        if live:
            self.expire()
        return cls(objects={k: dict(v) for k, v in self.objects.items()},
                   new=frozenset(self.appeared) if live else frozenset(),
                   gone=tuple(obj for _, (_, obj) in sorted(self.gone.items())) if live else (),
                   synced=self.all_synced, reconnecting=bool(self.lost), **params)


# -- condition strings -----------------------------------------------------------------------
_OPS = {"=": operator.eq, "==": operator.eq, "!=": operator.ne, ">=": operator.ge,
        "<=": operator.le, ">": operator.gt, "<": operator.lt}
_PART = re.compile(r"([a-z_]+)\s*(==|!=|>=|<=|=|>|<)\s*(\d+)")


def parse_condition(text: str, known: Mapping[str, int | bool]) -> Callable[[State], bool]:
    """"ready=3", "pods>=2", "complete", "!stuck", "ready=3,bound=3" -> a test of a State.
    `known` is a sample of `State.measures()`: its names, and which are flags (booleans)."""
    tests: list[Callable[[Mapping], bool]] = []
    flags = sorted(n for n, v in known.items() if isinstance(v, bool))
    numbers = sorted(n for n, v in known.items() if not isinstance(v, bool))
    hint = "use " + ", ".join([f"{n}=N" for n in numbers] + flags) + \
        " (join several with commas), or a function of the state"
    for part in [p.strip().lower() for p in text.split(",") if p.strip()]:
        negate = part.startswith("!")
        name = part.lstrip("!").strip()
        if name in flags:
            tests.append(lambda m, n=name, neg=negate: bool(m[n]) != neg)
            continue
        found = _PART.fullmatch(part)
        if not found or found.group(1) not in numbers:
            raise K8sLabError(f"cannot read the condition {part!r}", hint=hint)
        op, n, want = _OPS[found.group(2)], found.group(1), int(found.group(3))
        tests.append(lambda m, n=n, op=op, want=want: op(m[n], want))
    if not tests:
        raise K8sLabError("an empty condition", hint=hint)

    def test(state: State) -> bool:
        measured = state.measures()
        return all(t(measured) for t in tests)

    return test
