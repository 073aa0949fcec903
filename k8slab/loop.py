"""A tiny reconcile loop for teaching: "Kubernetes is a game loop".

Observe the actual state, compare it with the desired state, act on the difference, repeat.
`ReplicaLoop` keeps N bare pods with a label alive, exactly as a ReplicaSet controller does,
but in twenty lines of Python you can read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .apierrors import translated
from .errors import Interrupted
from .text import Text


@dataclass
class Step:
    """One turn of the loop: what was seen and what was done."""

    seen: int
    desired: int
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.created and not self.deleted:
            return f"observed {self.seen}, desired {self.desired}: nothing to do"
        acts = [f"created {', '.join(self.created)}" if self.created else "",
                f"deleted {', '.join(self.deleted)}" if self.deleted else ""]
        return f"observed {self.seen}, desired {self.desired}: " + "; ".join(a for a in acts if a)


class ReplicaLoop:
    """Keep `desired` pods labelled `app=<name>` running (a hand-written ReplicaSet)."""

    def __init__(self, lab, name: str = "loop-demo", desired: int = 3, image: str = "nginx:1.27"):
        self.lab, self.name, self.desired, self.image = lab, name, desired, image
        self.history: list[Step] = []

    @property
    def selector(self) -> str:
        return f"app={self.name}"

    def observe(self) -> list[str]:
        """The names of our pods that exist and are not being deleted."""
        return sorted(p["metadata"]["name"] for p in self.lab.get("pod", selector=self.selector)
                      if not p["metadata"].get("deletionTimestamp"))

    def act(self, actual: list[str]) -> Step:
        """Create or delete pods until the count matches."""
        step = Step(len(actual), self.desired)
        for _ in range(self.desired - len(actual)):
            with translated(f"creating a pod for {self.name}"):  # the server picks the name
                pod = self.lab.core.create_namespaced_pod(self.lab.namespace, {
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"generateName": f"{self.name}-", "labels": {"app": self.name}},
                    "spec": {"containers": [{"name": "app", "image": self.image}]}})
            step.created.append(pod.metadata.name)
        for name in actual[self.desired:]:
            self.lab.delete("pod", name, wait=False)
            step.deleted.append(name)
        return step

    def reconcile(self) -> Step:
        """One turn: observe, compare, act."""
        step = self.act(self.observe())
        self.history.append(step)
        return step

    def run(self, turns: int = 5, interval: float = 1.0, verbose: bool = True) -> Text:
        """Run a few turns, printing what each one saw and did. Ctrl-C stops it cleanly."""
        lines = []
        try:
            for turn in range(1, turns + 1):
                step = self.reconcile()
                line = f"turn {turn}: {step}"
                lines.append(line)
                if verbose:
                    print(line, flush=True)
                if turn < turns:
                    time.sleep(interval)
        except KeyboardInterrupt:
            raise Interrupted("the loop was stopped", hint="run it again to resume") from None
        return Text(f"{len(self.observe())} pod(s) running, {self.desired} desired")

    def converged(self) -> bool:
        return len(self.observe()) == self.desired
