"""Download the official release binaries, verified by sha256, when the machine is online."""

from __future__ import annotations

import hashlib
import io
import platform
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from . import versions
from .progress import Task

CONNECT_TIMEOUT = 4.0

# sha256 sums pinned in this repository, by (file, version, arch). A release whose sum is not
# pinned here is checked against the sum file published beside it in the same release.
PINNED_SHA256: dict[tuple[str, str, str], str] = {}


class DownloadFailed(Exception):
    """The release could not be fetched or did not match its checksum."""


class Offline(DownloadFailed):
    """The release host did not answer: the machine is (as good as) offline."""


def arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine)


def release_urls(project: str) -> dict[str, tuple[str, str | None]]:
    """For each binary of `project`: (artifact URL, URL of its published sha256 or None)."""
    a = arch()
    if project == "kubernetes":
        base = f"https://dl.k8s.io/release/{versions.KUBERNETES}/bin/linux/{a}"
        return {n: (f"{base}/{n}", f"{base}/{n}.sha256") for n in versions.KUBE_BINARIES}
    if project == "etcd":
        v = versions.ETCD
        base = f"https://github.com/etcd-io/etcd/releases/download/{v}"
        return {"etcd": (f"{base}/etcd-{v}-linux-{a}.tar.gz", f"{base}/SHA256SUMS")}
    base = f"https://github.com/kubernetes-sigs/kwok/releases/download/{versions.KWOK}"
    return {n: (f"{base}/{n}-linux-{a}", None) for n in versions.KWOK_BINARIES}


def fetch(url: str, timeout: float = CONNECT_TIMEOUT) -> bytes:
    """GET a URL; connection problems surface within `timeout` seconds."""
    request = urllib.request.Request(url, headers={"User-Agent": "k8slab"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DownloadFailed(f"{url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Offline(f"{url}: {getattr(exc, 'reason', exc)}") from exc


def expected_sha256(name: str, url: str, sums_url: str | None) -> str:
    pinned = PINNED_SHA256.get((name, versions.pin(name).version, arch()))
    if pinned:
        return pinned
    if sums_url is None:
        raise DownloadFailed(f"no sha256 is pinned or published for {name}; refusing to use it")
    text = fetch(sums_url).decode()
    artifact = url.rsplit("/", 1)[1]
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 1:
            return parts[0]
        if len(parts) >= 2 and parts[-1].lstrip("*") == artifact:
            return parts[0]
    raise DownloadFailed(f"{sums_url} lists no sum for {artifact}")


def download(project: str, out_dir: Path, task: Task) -> None:
    """Fetch, verify and write the binaries of `project` into out_dir."""
    for name, (url, sums_url) in release_urls(project).items():
        task.update(f"fetching {url}")
        want = expected_sha256(name, url, sums_url)
        data = fetch(url, timeout=CONNECT_TIMEOUT)
        got = hashlib.sha256(data).hexdigest()
        if got != want:
            raise DownloadFailed(f"{url}: sha256 {got} does not match the expected {want}")
        if url.endswith(".tar.gz"):
            data = _extract(data, name)
        target = out_dir / name
        target.write_bytes(data)
        target.chmod(0o755)


def _extract(archive: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and Path(member.name).name == name:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    return extracted.read()
    raise DownloadFailed(f"the archive has no file named {name}")
