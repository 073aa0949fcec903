"""Resolve kind names the way kubectl does: `deploy`, `deployment`, `Deployment`,
`deployments.apps` all mean apps/v1 Deployment. Built from the API server's discovery."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import InvalidManifest, NotFound

# When two groups serve the same name, prefer the one kubectl prefers.
_GROUP_RANK = {"": 0, "apps": 1, "batch": 2, "autoscaling": 3, "networking.k8s.io": 4,
               "policy": 5, "rbac.authorization.k8s.io": 6, "storage.k8s.io": 7}


@dataclass(frozen=True)
class Kind:
    """One API resource type."""

    kind: str
    plural: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def display(self) -> str:
        """`deployment.apps`-style name, as kubectl prints it."""
        return f"{self.kind.lower()}.{self.group}" if self.group else self.kind.lower()


class KindIndex:
    """All resource types the cluster serves, searchable by any kubectl-style name."""

    def __init__(self, resources):
        self._by_name: dict[str, Kind] = {}
        self._served: dict[str, set[str]] = {}  # kind -> api versions serving it
        ranked = sorted(resources, key=lambda r: (
            not r.preferred, _GROUP_RANK.get(r.group or "", 99), r.group or ""))
        for r in ranked:
            if "/" in (r.name or "") or not r.kind or type(r).__name__ == "ResourceList":
                continue
            self._served.setdefault(r.kind, set()).add(r.api_version if not r.group
                                                       else f"{r.group}/{r.api_version}")
            if not r.preferred:
                continue
            kind = Kind(r.kind, r.name, r.group or "", r.api_version, bool(r.namespaced),
                        tuple(r.short_names or ()))
            names = {r.kind.lower(), r.name, r.singular_name or "", *kind.short_names}
            if kind.group:
                names |= {f"{n}.{kind.group}" for n in (r.name, r.singular_name, r.kind.lower())
                          if n}
            for name in names:
                if name:
                    self._by_name.setdefault(name.lower(), kind)

    def resolve(self, name: str) -> Kind:
        """The Kind for a kubectl-style name; NotFound with a suggestion if unknown."""
        key = name.strip().lower()
        if key in self._by_name:
            return self._by_name[key]
        if "/" in key:  # "apps/v1/deployments" or "deployment/web" are not kind names
            raise NotFound(f"{name!r} is not a kind name",
                           hint="give the kind alone, e.g. 'deployment', and the name separately")
        raise NotFound(f"the cluster has no kind called {name!r}", hint=self.suggest(name))

    def for_manifest(self, api_version: str, kind: str) -> Kind:
        """The Kind for a manifest's apiVersion and kind, or InvalidManifest saying what is."""
        served = self._served.get(kind)
        if served is None:
            close = difflib.get_close_matches(kind, list(self._served), n=2, cutoff=0.6)
            hint = ("did you mean " + " or ".join(close) + "?") if close else self.suggest(kind)
            raise InvalidManifest(f"unknown kind {kind!r} (apiVersion {api_version})", hint=hint)
        group, _, version = api_version.rpartition("/")
        for candidate in self._by_name.values():
            if (candidate.kind, candidate.group, candidate.version) == (kind, group, version):
                return candidate
        if api_version in served:  # served, but not the preferred version
            base = next(c for c in self._by_name.values() if c.kind == kind)
            return Kind(kind, base.plural, group, version, base.namespaced, base.short_names)
        raise InvalidManifest(
            f"{kind} is not served as apiVersion {api_version!r}",
            hint=f"use apiVersion: {' or '.join(sorted(served))}")

    def suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name.lower(), list(self._by_name), n=3, cutoff=0.6)
        if close:
            return "did you mean " + " or ".join(repr(c) for c in close) + "?"
        return "list the kinds with lab.api_resources() or %k api-resources"

    def kinds(self) -> list[Kind]:
        return sorted(set(self._by_name.values()), key=lambda k: (k.group, k.kind))
