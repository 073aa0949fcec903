"""A minimal HTTPS client for the cluster's own checks (readiness, bootstrap objects).

The cluster package avoids the kubernetes client so `k8slab up` stays quick and light.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import yaml


class ApiError(Exception):
    """The API server did not answer, or answered with an error status."""


class Api:
    """Talk to the embedded API server with the admin certificate kwokctl generated."""

    def __init__(self, server: str, pki: Path):
        self.server = server.rstrip("/")
        self._ssl = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self._ssl.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json", timeout: float = 5.0) -> bytes:
        req = urllib.request.Request(self.server + path, data=body, method=method,
                                     headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise ApiError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:300]!r}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ApiError(f"{method} {path}: {getattr(exc, 'reason', exc)}") from exc

    def get(self, path: str) -> dict:
        return json.loads(self.request("GET", path))

    def ready(self) -> bool:
        try:
            return self.request("GET", "/readyz", timeout=2.0) == b"ok"
        except ApiError:
            return False

    def apply(self, manifest: str, field_manager: str = "k8slab") -> None:
        """Server-side apply each document of a YAML manifest (core and storage kinds)."""
        for doc in yaml.safe_load_all(manifest):
            if not doc:
                continue
            group_version = doc["apiVersion"]
            plural = doc["kind"].lower() + ("es" if doc["kind"].endswith("s") else "s")
            prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
            path = (f"{prefix}/{plural}/{doc['metadata']['name']}"
                    f"?fieldManager={field_manager}&force=true")
            self.request("PATCH", path, json.dumps(doc).encode(),
                         content_type="application/apply-patch+yaml")
