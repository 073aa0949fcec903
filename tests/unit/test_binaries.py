"""Obtaining the cluster binaries: cache -> PATH -> download -> build, recorded, with reasons.

The ways are faked (download and Go build write small shell scripts); version parsing runs
those scripts for real."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from k8slab.cluster import binaries, download, gobuild, paths, versions
from k8slab.errors import BinariesUnavailable

PROJECTS = ("kwok", "etcd", "kubernetes")


def names_of(project: str) -> list[str]:
    return [n for n in versions.ALL_BINARIES if versions.pin(n).project == project]


def fake_binary(path: Path, version: str | None = None, mode: int = 0o755) -> Path:
    """A script that prints its version the way the real binary does."""
    name = path.name
    version = version or versions.pin(name).version
    if name == "kubectl":
        body = f'[ "$1 $2" = "version --client" ] || exit 2\necho "Client Version: {version}"'
    elif name == "etcd":
        body = f'echo "etcd Version: {version.lstrip("v")}"\necho "Go Version: go1.26.8"'
    elif name in versions.KWOK_BINARIES:
        body = f'echo "{name} version {version} go1.26.8 (linux/amd64)"'
    else:
        body = f'echo "Kubernetes {version}"'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(mode)
    return path


@pytest.fixture
def calls(tmp_path, monkeypatch) -> list[str]:
    """An empty cache and PATH; every way records its use in the returned list."""
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("K8SLAB_BIN_DIR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    (tmp_path / "path").mkdir()
    log: list[str] = []
    real_cache, real_path = binaries.from_cache, binaries.from_path

    def cache():
        log.append("cache")
        return real_cache()

    def on_path(names):
        log.append("path")
        return real_path(names)

    monkeypatch.setattr(binaries, "from_cache", cache)
    monkeypatch.setattr(binaries, "from_path", on_path)
    fake_ways(monkeypatch, log)
    return log


def fake_ways(monkeypatch, log: list[str], download_error: Exception | None = None,
              build_error: Exception | None = None) -> None:
    """Replace the download and the Go build: fail with the error given, else write scripts."""

    def way(name: str, error: Exception | None):
        def run(project: str, out_dir: Path, task) -> None:
            log.append(f"{name}:{project}")
            if error is not None:
                raise error
            for binary in names_of(project):
                fake_binary(out_dir / binary)
        return run

    monkeypatch.setattr(download, "download", way("download", download_error))
    monkeypatch.setattr(gobuild, "build", way("build", build_error))


def fill_cache(source: str = "build") -> Path:
    directory = paths.bin_dir()
    for name in versions.ALL_BINARIES:
        fake_binary(directory / name)
    (directory / binaries.MANIFEST).write_text(json.dumps({
        name: {"name": name, "path": str(directory / name),
               "version": versions.pin(name).version, "source": source}
        for name in versions.ALL_BINARIES}))
    return directory


# -- the order of the ways -------------------------------------------------------------
def test_a_full_cache_is_used_without_trying_any_other_way(calls):
    fill_cache()
    found = binaries.ensure()
    assert calls == ["cache"]
    assert {b.source for b in found.values()} == {"cache"}
    assert set(found) == set(versions.ALL_BINARIES)


def test_a_cache_hit_keeps_the_way_first_recorded(calls):
    fill_cache(source="download")
    binaries.ensure()
    assert binaries.sources() == dict.fromkeys(versions.ALL_BINARIES, "download")


def test_ways_are_tried_in_order_cache_path_download_build(calls, monkeypatch):
    fake_ways(monkeypatch, calls, download_error=download.DownloadFailed("sha256 mismatch"))
    found = binaries.ensure()
    assert calls == ["cache", "path"] + [f"{way}:{p}" for p in PROJECTS
                                         for way in ("download", "build")]
    assert {b.source for b in found.values()} == {"build"}


def test_the_way_that_worked_is_recorded_in_the_manifest(calls):
    binaries.ensure()
    assert binaries.sources() == dict.fromkeys(versions.ALL_BINARIES, "download")
    recorded = json.loads((paths.bin_dir() / binaries.MANIFEST).read_text())
    assert recorded["kube-apiserver"]["version"] == versions.KUBERNETES


def test_a_successful_download_means_no_build(calls):
    found = binaries.ensure()
    assert not [c for c in calls if c.startswith("build")]
    assert all(Path(b.path).parent == paths.bin_dir() for b in found.values())


def test_an_offline_machine_tries_the_download_once_then_builds(calls, monkeypatch):
    fake_ways(monkeypatch, calls, download_error=download.Offline("no route to host"))
    binaries.ensure()
    assert calls == ["cache", "path", "download:kwok", "build:kwok", "build:etcd",
                     "build:kubernetes"]


def test_binaries_of_the_pinned_version_on_path_are_linked_into_the_cache(calls, tmp_path):
    for name in versions.ALL_BINARIES:
        fake_binary(tmp_path / "path" / name)
    found = binaries.ensure()
    assert calls == ["cache", "path"]
    assert {b.source for b in found.values()} == {"path"}
    link = paths.bin_dir() / "kube-apiserver"
    assert link.is_symlink() and link.resolve() == tmp_path / "path" / "kube-apiserver"


def test_a_binary_of_another_version_on_path_is_not_used(calls, tmp_path):
    for name in versions.ALL_BINARIES:
        fake_binary(tmp_path / "path" / name)
    fake_binary(tmp_path / "path" / "kube-apiserver", "v1.30.0")
    found = binaries.ensure()
    assert found["kube-apiserver"].source == "download"
    assert found["etcd"].source == "path"
    assert calls == ["cache", "path", "download:kubernetes"]


def test_a_project_obtained_before_a_failure_stays_cached(calls, monkeypatch):
    def build(project: str, out_dir: Path, task) -> None:
        if project != "kwok":
            raise gobuild.BuildFailed(f"{project}: compile error")
        for binary in names_of(project):
            fake_binary(out_dir / binary)

    fake_ways(monkeypatch, calls, download_error=download.Offline("timed out"))
    monkeypatch.setattr(gobuild, "build", build)
    with pytest.raises(BinariesUnavailable):
        binaries.ensure()
    assert set(binaries.from_cache()) == set(versions.KWOK_BINARIES)


# -- failures name every way and why ------------------------------------------------------
def test_a_failure_lists_every_way_tried_and_why_for_each_project(calls, monkeypatch):
    fake_ways(monkeypatch, calls, download_error=download.Offline("release host: timed out"),
              build_error=gobuild.BuildFailed("the `go` command is not installed"))
    with pytest.raises(BinariesUnavailable) as caught:
        binaries.ensure()
    lines = caught.value.message.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == list(PROJECTS)
    for line in lines:
        assert f"cache: not in {paths.bin_dir()}" in line
        assert "PATH: no " in line and "of the pinned version" in line
        assert "download:" in line and "timed out" in line
        assert "build: the `go` command is not installed" in line
    hint = caught.value.hint
    assert "install Go" in hint and "online" in hint and "K8SLAB_BIN_DIR" in hint


def test_disabled_download_and_build_are_named_as_such(calls):
    with pytest.raises(BinariesUnavailable) as caught:
        binaries.ensure(allow_download=False, allow_build=False)
    assert calls == ["cache", "path"]
    for line in caught.value.message.splitlines()[1:]:
        assert "download: disabled" in line and "build: disabled" in line


# -- K8SLAB_BIN_DIR -------------------------------------------------------------------------
@pytest.fixture
def bin_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "bins"
    directory.mkdir()
    monkeypatch.setenv("K8SLAB_BIN_DIR", str(directory))
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "cache"))
    return directory


def bin_dir_error(directory: Path) -> BinariesUnavailable:
    with pytest.raises(BinariesUnavailable) as caught:
        binaries.ensure()
    assert str(directory) in caught.value.message
    assert "unset K8SLAB_BIN_DIR" in caught.value.hint
    for name in versions.ALL_BINARIES:  # the fix names what to put there, with versions
        assert name in caught.value.hint
    for version in (versions.KUBERNETES, versions.ETCD, versions.KWOK):
        assert version in caught.value.hint
    return caught.value


def test_bin_dir_is_used_alone_when_every_binary_is_good(bin_dir, calls, monkeypatch):
    monkeypatch.setenv("K8SLAB_BIN_DIR", str(bin_dir))
    for name in versions.ALL_BINARIES:
        fake_binary(bin_dir / name)
    found = binaries.ensure()
    assert calls == []
    assert {b.source for b in found.values()} == {"K8SLAB_BIN_DIR"}
    assert {Path(b.path).parent for b in found.values()} == {bin_dir}


def test_bin_dir_that_is_not_a_directory_is_refused(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("K8SLAB_BIN_DIR", str(missing))
    error = bin_dir_error(missing)
    assert "is not a directory" in error.message


def test_an_empty_bin_dir_lists_every_missing_binary(bin_dir):
    error = bin_dir_error(bin_dir)
    for name in versions.ALL_BINARIES:
        assert f"{name}: missing" in error.message


def test_a_non_executable_binary_is_named_with_the_chmod_fix(bin_dir):
    for name in versions.ALL_BINARIES:
        fake_binary(bin_dir / name)
    (bin_dir / "kube-apiserver").chmod(0o644)
    error = bin_dir_error(bin_dir)
    assert f"kube-apiserver: not executable (chmod +x {bin_dir / 'kube-apiserver'})" in \
        error.message
    assert "etcd:" not in error.message


def test_a_garbage_binary_is_reported_as_not_running(bin_dir):
    for name in versions.ALL_BINARIES:
        fake_binary(bin_dir / name)
    (bin_dir / "etcd").write_bytes(b"\x7fELF garbage")
    error = bin_dir_error(bin_dir)
    assert f"etcd: does not run (`{bin_dir / 'etcd'} --version` failed)" in error.message


def test_a_binary_of_the_wrong_version_names_both_versions(bin_dir):
    for name in versions.ALL_BINARIES:
        fake_binary(bin_dir / name)
    fake_binary(bin_dir / "kwok", "v0.6.1")
    error = bin_dir_error(bin_dir)
    assert f"kwok: version v0.6.1, need {versions.KWOK}" in error.message


# -- version parsing ------------------------------------------------------------------------
@pytest.mark.parametrize("name", versions.ALL_BINARIES)
def test_each_binary_version_output_is_parsed(tmp_path, name):
    assert binaries.binary_version(fake_binary(tmp_path / name, "v1.2.3")) == "v1.2.3"


def test_kubectl_is_asked_for_its_client_version_only(tmp_path):
    script = tmp_path / "kubectl"
    script.write_text('#!/bin/sh\necho "$@" > "$0.args"\necho "Client Version: v1.36.3"\n')
    script.chmod(0o755)
    assert binaries.binary_version(script) == "v1.36.3"
    assert (tmp_path / "kubectl.args").read_text().split() == ["version", "--client"]


@pytest.mark.parametrize("body", ['echo "Kubernetes v1.36.3"; exit 1', 'echo "no version here"',
                                  "kill -9 $$"])
def test_a_binary_that_fails_or_prints_no_version_has_none(tmp_path, body):
    script = tmp_path / "kube-scheduler"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    assert binaries.binary_version(script) is None


def test_a_missing_binary_has_no_version(tmp_path):
    assert binaries.binary_version(tmp_path / "kube-apiserver") is None


# -- pins, cache location, build and download helpers --------------------------------------
def test_every_binary_has_a_pin_of_its_project():
    assert {versions.pin(n).project for n in versions.ALL_BINARIES} == set(PROJECTS)
    assert versions.pin("kubectl").version == versions.KUBERNETES
    assert versions.minor() == int(versions.KUBERNETES.split(".")[1])
    with pytest.raises(KeyError, match="kube-proxy"):
        versions.pin("kube-proxy")


def test_the_cache_dir_follows_k8slab_cache_then_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("K8SLAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "k8slab"
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path / "mine"))
    assert paths.bin_dir() == tmp_path / "mine" / "bin" / versions.bundle()
    for version in (versions.KUBERNETES, versions.ETCD, versions.KWOK):
        assert version in versions.bundle()
    assert {d.parent for d in paths.go_dirs().values()} == {tmp_path / "mine" / "go"}


def test_the_kube_wrapper_module_replaces_every_staging_module():
    gomod = "\n".join([
        "module k8s.io/kubernetes", "replace (",
        "\tk8s.io/api => ./staging/src/k8s.io/api",
        "\tk8s.io/kubectl => ./staging/src/k8s.io/kubectl",
        "\tgithub.com/x/y => github.com/x/y v1.0.0",
        "\tk8s.io/client-go => ./staging/src/k8s.io/client-go", ")"])
    staging = gobuild.staging_modules(gomod)
    assert staging == ["k8s.io/api", "k8s.io/client-go", "k8s.io/kubectl"]
    wrapper = gobuild.kube_wrapper_gomod("v1.36.3", staging)
    assert "require k8s.io/kubernetes v1.36.3" in wrapper
    for module in staging:
        assert f"{module} => {module} v0.36.3" in wrapper


def test_a_published_sum_file_gives_the_expected_sha256(monkeypatch):
    url, sums_url = download.release_urls("etcd")["etcd"]
    artifact = url.rsplit("/", 1)[1]
    listing = f"{'a' * 64}  other.tar.gz\n{'b' * 64}  *{artifact}\n"
    monkeypatch.setattr(download, "fetch", lambda u, timeout=0: listing.encode())
    assert download.expected_sha256("etcd", url, sums_url) == "b" * 64
    monkeypatch.setattr(download, "fetch", lambda u, timeout=0: b"nothing\tfor it here\n")
    with pytest.raises(download.DownloadFailed, match="lists no sum"):
        download.expected_sha256("etcd", url, sums_url)


def test_a_download_without_any_known_sum_is_refused():
    url, sums_url = download.release_urls("kwok")["kwok"]
    assert sums_url is None
    with pytest.raises(download.DownloadFailed, match="refusing"):
        download.expected_sha256("kwok", url, sums_url)


class SilentTask:
    def update(self, detail: str) -> None:
        pass


def test_a_download_that_does_not_match_its_sum_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "fetch", lambda url, timeout=0: (
        b"0" * 64 if url.endswith(".sha256") else b"tampered"))
    with pytest.raises(download.DownloadFailed, match="does not match"):
        download.download("kubernetes", tmp_path, task=SilentTask())
    assert not list(tmp_path.iterdir())


def test_an_unreachable_host_counts_as_offline(monkeypatch):
    import urllib.error
    import urllib.request

    def refuse(*args, **kwargs):
        raise urllib.error.URLError(ConnectionRefusedError("refused"))

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    url = download.release_urls("kubernetes")["kubectl"][0]
    with pytest.raises(download.Offline, match="refused"):
        download.fetch(url)


def test_go_builds_keep_their_caches_under_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_CACHE", str(tmp_path))
    env = gobuild.go_env()
    for key in ("GOMODCACHE", "GOCACHE", "GOPATH"):
        assert Path(env[key]).is_relative_to(tmp_path) and Path(env[key]).is_dir()
    assert env["CGO_ENABLED"] == "0"


def test_a_missing_go_toolchain_is_a_build_failure(monkeypatch):
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(gobuild.BuildFailed, match=r"Go >= 1\.26"):
        gobuild.find_go()
