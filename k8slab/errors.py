"""The exceptions k8slab raises: each says what went wrong and what to do about it."""

from __future__ import annotations


class K8sLabError(Exception):
    """Base of every k8slab error. `hint` says what the learner can do next."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ClusterError(K8sLabError):
    """The embedded cluster could not be started, stopped or inspected."""


class BinariesUnavailable(ClusterError):
    """None of the ways to obtain a cluster binary worked."""


class ClusterUnreachable(K8sLabError):
    """No API server answered at the configured address."""


class InvalidManifest(K8sLabError):
    """A manifest could not be parsed, or the API server rejected it as invalid."""

    def __init__(self, message: str, hint: str | None = None, applied: list | None = None,
                 not_applied: list | None = None):
        super().__init__(message, hint)
        self.applied = applied or []
        self.not_applied = not_applied or []


class NotFound(K8sLabError):
    """The object (or namespace, or kind) does not exist."""


class Conflict(K8sLabError):
    """The object exists already or was changed by someone else."""


class Forbidden(K8sLabError):
    """The user (or impersonated identity) is not allowed to do this."""


class Timeout(K8sLabError):
    """A wait ended before the awaited state was reached."""

    def __init__(self, message: str, hint: str | None = None, last_state: str | None = None):
        super().__init__(message, hint)
        self.last_state = last_state

    def __str__(self) -> str:
        text = self.message
        if self.last_state:
            text += f"\n  last state seen: {self.last_state}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class NotAvailable(K8sLabError):
    """The operation needs something this cluster does not have (e.g. real containers)."""


class Interrupted(K8sLabError):
    """The user interrupted a wait (Ctrl-C / kernel interrupt); nothing was left running."""
