"""Translate the kubernetes client's exceptions into k8slab's errors, with hints."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any

from .errors import (
    ClusterUnreachable,
    Conflict,
    Forbidden,
    InvalidManifest,
    K8sLabError,
    NotFound,
)


def _status(exc: Any) -> dict:
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    try:
        data = json.loads(body) if body else {}
    except (TypeError, ValueError):
        data = {}
    return data if isinstance(data, dict) else {}


def field_errors(status: dict) -> list[str]:
    """`spec.replicas: Invalid value: -1: must be greater than or equal to 0` lines."""
    causes = (status.get("details") or {}).get("causes") or []
    return [f"{c.get('field', '?')}: {c.get('message', '')}".strip() for c in causes]


def translate(exc: BaseException, what: str = "") -> K8sLabError:
    """The k8slab error for a client exception (ApiException, connection errors, ...)."""
    if isinstance(exc, K8sLabError):
        return exc
    code = getattr(exc, "status", None)
    status = _status(exc)
    message = status.get("message") or getattr(exc, "reason", None) or str(exc)
    subject = f"{what}: " if what else ""
    if code == 404:
        return NotFound(f"{subject}{message}", hint=_not_found_hint(message))
    if code == 409:
        return Conflict(f"{subject}{message}",
                        hint="it exists already or was changed meanwhile; get it again and retry")
    if code in (401, 403):
        return Forbidden(f"{subject}{message}",
                         hint="this identity lacks the RBAC permission; a cluster admin can "
                         "grant it with a Role and RoleBinding")
    if code == 500 and "typed patch" in message:
        detail = message.split('):', 1)[-1].strip()
        if "field not declared in schema" in detail:
            return InvalidManifest(f"{subject}unknown field: {detail}",
                                   hint="check the field's spelling and indentation (is it "
                                   "under the right parent?)")
        return InvalidManifest(f"{subject}a field has the wrong type: {detail}",
                               hint="check the value's type (a number, a string, a list...)")
    if code == 500 and "illegal base64 data" in message:
        return InvalidManifest(f"{subject}a value under `data:` is not base64-encoded",
                               hint="encode it (base64.b64encode), or put plain text under "
                               "`stringData:` instead")
    if code == 422 or code == 400:
        errors = list(dict.fromkeys(field_errors(status)))
        text = f"{subject}the API server rejected it: {message}"
        if errors and len(errors) > 1:
            text += "\n    " + "\n    ".join(errors)
        return InvalidManifest(text, hint=_invalid_hint(message))
    if code is None or code == 0 or (code >= 500 and code != 500):
        return ClusterUnreachable(f"{subject}the API server did not answer ({exc})",
                                  hint="is the cluster running? start the embedded one with "
                                  "`k8slab up`, or check your kubeconfig context")
    return K8sLabError(f"{subject}{message} (HTTP {code})")


def _not_found_hint(message: str) -> str:
    if "namespaces" in message and "not found" in message:
        return "create the namespace first (lab.create_namespace(name) or %k create namespace)"
    return "check the name with lab.get(kind) or %k get <kind>"


def _invalid_hint(message: str) -> str:
    if "Required value" in message:
        return "add the required field(s) named above"
    if "must be no more than" in message:
        return "shorten the value named above"
    if "field is immutable" in message:
        return "that field cannot change once the object exists: delete the object, then " \
            "apply it again"
    return "fix the field(s) named above and apply again"


def is_unreachable(exc: BaseException) -> bool:
    """Connection refused / timed out / DNS failure, as opposed to an HTTP error."""
    import urllib3

    return isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | OSError) and \
        getattr(exc, "status", None) is None


@contextmanager
def translated(what: str = ""):
    """Run a block; any client exception leaves it as a k8slab error."""
    from kubernetes.client.exceptions import ApiException, OpenApiException
    from kubernetes.dynamic.exceptions import DynamicApiError

    try:
        yield
    except K8sLabError:
        raise
    except (ApiException, DynamicApiError) as exc:
        raise translate(exc, what) from None
    except OpenApiException as exc:
        raise K8sLabError(f"{what}: {exc}" if what else str(exc)) from None
    except Exception as exc:  # urllib3 / socket errors: the server is not there
        if is_unreachable(exc):
            raise ClusterUnreachable(
                f"{what + ': ' if what else ''}cannot reach the API server ({_short(exc)})",
                hint="is the cluster running? start the embedded one with `k8slab up`, or "
                "check your kubeconfig context") from None
        raise


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known",
                   "No route to host", "certificate verify failed"):
        if marker in text:
            return marker
    return text[:160]
