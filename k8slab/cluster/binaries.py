"""Obtain the cluster's binaries at their pinned versions: cache, PATH, download, Go build.

Each binary is looked up in that order; the way that worked is recorded in the cache's
`manifest.json`. On failure the error lists every way tried and why it failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import BinariesUnavailable
from . import download, gobuild, paths, versions
from .progress import say, task

MANIFEST = "manifest.json"


@dataclass
class Binary:
    """A resolved binary: where it is and how it was obtained."""

    name: str
    path: str
    version: str
    source: str  # "cache" | "path" | "download" | "build" | "K8SLAB_BIN_DIR"


_VERSION = re.compile(r"v?(\d+\.\d+\.\d+)")


def binary_version(path: str | Path) -> str | None:
    """The version a binary prints (`vX.Y.Z`), or None if it does not run."""
    name = Path(path).name
    args = ["version", "--client"] if name == "kubectl" else ["--version"]
    try:
        out = subprocess.run([str(path), *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(out.stdout + out.stderr)
    return f"v{match.group(1)}" if match and out.returncode == 0 else None


def _read_manifest(directory: Path) -> dict[str, dict]:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def _write_manifest(directory: Path, found: dict[str, Binary]) -> None:
    """Record how each binary was first obtained (a cache hit keeps its original entry)."""
    previous = _read_manifest(directory)
    data = {name: previous[name] if b.source == "cache" and name in previous else asdict(b)
            for name, b in found.items()}
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(directory / MANIFEST)


def from_cache() -> dict[str, Binary]:
    """Binaries already in the cache (trusted by the manifest written when they were added)."""
    directory = paths.bin_dir()
    manifest = _read_manifest(directory)
    found = {}
    for name in versions.ALL_BINARIES:
        entry = manifest.get(name)
        path = directory / name
        if entry and path.is_file() and os.access(path, os.X_OK):
            found[name] = Binary(name, str(path), entry["version"], "cache")
    return found


def from_path(names: list[str]) -> dict[str, Binary]:
    """Binaries on PATH that report the pinned version."""
    found = {}
    for name in names:
        located = shutil.which(name)
        if located and binary_version(located) == versions.pin(name).version:
            found[name] = Binary(name, located, versions.pin(name).version, "path")
    return found


def _wanted() -> str:
    """`kube-apiserver, ... kubectl v1.36.3; etcd v3.6.16; kwok, kwokctl v0.8.0`."""
    by_version: dict[str, list[str]] = {}
    for name in versions.ALL_BINARIES:
        by_version.setdefault(versions.pin(name).version, []).append(name)
    return "; ".join(f"{', '.join(names)} {v}" for v, names in by_version.items())


def from_dir(directory: Path) -> dict[str, Binary]:
    """Binaries from an explicit directory (`K8SLAB_BIN_DIR`); every one must be usable."""
    if not directory.is_dir():
        raise BinariesUnavailable(
            f"K8SLAB_BIN_DIR={directory} is not a directory",
            hint=f"point K8SLAB_BIN_DIR at a directory holding {_wanted()}, "
            "or unset K8SLAB_BIN_DIR to let k8slab obtain them")
    found, problems = {}, []
    for name in versions.ALL_BINARIES:
        path = directory / name
        want = versions.pin(name).version
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif not os.access(path, os.X_OK):
            problems.append(f"{name}: not executable (chmod +x {path})")
        else:
            got = binary_version(path)
            if got is None:
                problems.append(f"{name}: does not run (`{path} --version` failed)")
            elif got != want:
                problems.append(f"{name}: version {got}, need {want}")
            else:
                found[name] = Binary(name, str(path), got, "K8SLAB_BIN_DIR")
    if problems:
        raise BinariesUnavailable(
            f"the binaries in K8SLAB_BIN_DIR={directory} cannot be used:\n    "
            + "\n    ".join(problems),
            hint=f"put working binaries of the pinned versions ({_wanted()}) in {directory}, "
            "or unset K8SLAB_BIN_DIR to let k8slab obtain them")
    return found


def _obtain(project: str, way: str, staging: Path) -> None:
    title = {"download": f"downloading {project} {versions.pin(_first(project)).version}",
             "build": f"building {project} {versions.pin(_first(project)).version} from Go modules"}
    with task(title[way]) as t:
        if way == "download":
            download.download(project, staging, t)
        else:
            gobuild.build(project, staging, t)


def _first(project: str) -> str:
    return next(n for n in versions.ALL_BINARIES if versions.pin(n).project == project)


def ensure(allow_download: bool = True, allow_build: bool = True) -> dict[str, Binary]:
    """Every cluster binary, obtained if needed. Raises BinariesUnavailable with reasons."""
    if os.environ.get("K8SLAB_BIN_DIR"):
        return from_dir(Path(os.environ["K8SLAB_BIN_DIR"]).expanduser())
    directory = paths.bin_dir()
    found = from_cache()
    missing = [n for n in versions.ALL_BINARIES if n not in found]
    if not missing:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    on_path = from_path(missing)
    for name, b in on_path.items():
        _link(Path(b.path), directory / name)
    found.update(on_path)
    failures: dict[str, list[str]] = {}
    online = allow_download
    offline_reason = ""
    for project in ("kwok", "etcd", "kubernetes"):
        names = [n for n in versions.ALL_BINARIES
                 if versions.pin(n).project == project and n not in found]
        if not names:
            continue
        reasons = failures.setdefault(project, [
            f"cache: not in {directory}",
            "PATH: no " + ", ".join(names) + " of the pinned version"])
        if not allow_download:
            reasons.append("download: disabled")
        elif not online:
            reasons.append(f"download: not tried, the machine looks offline ({offline_reason})")
        ways = (["download"] if online else []) + (["build"] if allow_build else [])
        for way in ways:
            started = time.monotonic()
            with tempfile.TemporaryDirectory(dir=directory, prefix=f".{project}-") as tmp:
                try:
                    _obtain(project, way, Path(tmp))
                except (download.DownloadFailed, gobuild.BuildFailed, OSError) as exc:
                    reasons.append(f"{way}: {exc}")
                    if isinstance(exc, download.Offline):
                        online = False  # one failed download means offline: do not wait again
                        offline_reason = str(exc).splitlines()[0]
                        say(f"[yellow]download unavailable[/] ({str(exc).splitlines()[0]}); "
                            "building from Go modules instead")
                    continue
                for name in names:
                    shutil.move(str(Path(tmp) / name), directory / name)
                    found[name] = Binary(name, str(directory / name),
                                         versions.pin(name).version, way)
                say(f"{project}: obtained by {way} in {time.monotonic() - started:.0f}s")
                failures.pop(project, None)
                break
        else:
            if not allow_build:
                reasons.append("build: disabled")
    _write_manifest(directory, found)
    if failures:
        lines = [f"{p}: " + "; ".join(r) for p, r in failures.items()]
        raise BinariesUnavailable(
            "could not obtain the cluster binaries:\n    " + "\n    ".join(lines),
            hint="install Go >= 1.26 (to build them), go online (to download them), or put "
            "binaries of the pinned versions on PATH or in K8SLAB_BIN_DIR")
    return found


def _link(source: Path, target: Path) -> None:
    if target.exists() or target.is_symlink():
        target.unlink()
    target.symlink_to(source.resolve())


def sources() -> dict[str, str]:
    """How each cached binary was obtained, from the manifest (for `k8slab status`)."""
    recorded = _read_manifest(paths.bin_dir())
    return {name: entry.get("source", "?") for name, entry in recorded.items()}
