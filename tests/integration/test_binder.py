"""Binder: binder/postBuild and binder/start run the way repo2docker runs them, then the
cluster that start launched in the background serves the first notebook.

As on Binder: a fresh HOME, the cluster's state under it (K8SLAB_HOME=$HOME/.k8slab), an
environment with nothing of ours but PATH to the Python environment, and a user that is not
root where possible (`nobody` when the tests run as root, if it can run the venv's Python: not
where that Python is installed under root's private home). What differs, because this machine
is offline:

- the binaries are provided locally, where postBuild's `k8slab binaries` would have put them
  on Binder (`$HOME/.cache/k8slab/bin/<versions>/`, hard links to this machine's cache, with
  its manifest), so `k8slab binaries` finds them there instead of downloading them;
- pip: postBuild's install is one line, `"${PIP:-pip}" install ...`. Installing k8slab into a
  fresh venv would need the network (its build backend and dependencies) and minutes, so PIP
  points at a recorder that keeps the arguments and checks that k8slab imports from the
  project's venv, where it is installed editable from this checkout; that venv's bin/ comes
  first on PATH, as the notebook environment's does on Binder.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from k8slab.cluster import binaries, versions

pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"
VENV_BIN = Path(sys.executable).parent  # the project's venv: .venv/bin
UP_LOG = ".k8slab-up.log"

# The command given to binder/start: say when it began and whether the cluster was already up
# (it must not be: start does not wait), wait for the background `k8slab up` to finish, then
# execute the first notebook.
WAIT_FOR_UP = """
import os, pathlib, sys, time
log = pathlib.Path(os.environ["HOME"], ".k8slab-up.log")
text = lambda: log.read_text() if log.exists() else ""
print("command began", time.monotonic(), "cluster ready:", "cluster created" in text(), flush=True)
deadline = time.monotonic() + 150
while not any(line.startswith(("cluster ", "error:")) for line in text().splitlines()):
    if time.monotonic() > deadline:
        sys.exit("k8slab up did not finish within 150 s:\\n" + text())
    time.sleep(0.2)
print("background k8slab up finished", flush=True)
"""


@dataclass
class Machine:
    """A fresh Binder-like account: its HOME, environment and how to run as its user."""

    base: Path
    home: Path
    env: dict[str, str]
    as_user: list[str]

    def run(self, *args: str | Path, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *map(str, args)], env=self.env, cwd=self.home,
                              capture_output=True, text=True, timeout=timeout)


def _unprivileged() -> tuple[list[str], int, int] | None:
    """`setpriv` arguments to become `nobody`, when running as root and when `nobody` can run
    the venv's Python (not when that Python lives under root's private home)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    user = pwd.getpwnam("nobody")
    setpriv = [shutil.which("setpriv"), f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
               "--clear-groups"]
    probe = subprocess.run([*setpriv, "/bin/sh", "-c", '"$0" -c "import k8slab"',
                            str(VENV_BIN / "python")], capture_output=True, cwd="/", timeout=60)
    return (setpriv, user.pw_uid, user.pw_gid) if probe.returncode == 0 else None


def _seed_binaries(home: Path) -> Path:
    """Link this machine's cached binaries where postBuild's download would leave them."""
    cached = binaries.from_cache()
    missing = [n for n in versions.ALL_BINARIES if n not in cached]
    if missing:
        pytest.fail("the cluster binaries are not cached here (missing: " + ", ".join(missing)
                    + "); run `k8slab binaries` first", pytrace=False)
    target = home / ".cache" / "k8slab" / "bin" / versions.bundle()
    target.mkdir(parents=True)
    manifest = {}
    for name, found in cached.items():
        try:
            os.link(found.path, target / name)
        except OSError:  # another file system: copy instead
            shutil.copy2(found.path, target / name)
        manifest[name] = {"name": name, "path": str(target / name), "version": found.version,
                          "source": "download"}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return target


def _pip_recorder(base: Path) -> Path:
    recorder = base / "pip"
    recorder.write_text("#!/bin/sh\n"
                        'printf "%s\\n" "$*" >"$HOME/pip-arguments"\n'
                        f'exec "{VENV_BIN / "python"}" -c "import k8slab"\n')
    recorder.chmod(0o755)
    return recorder


@pytest.fixture
def machine() -> Iterator[Machine]:
    """A fresh HOME with the binaries provided; the cluster stopped and all removed after."""
    if not (VENV_BIN / "k8slab").exists():
        pytest.fail(f"no `k8slab` command beside {sys.executable}: run the tests with the "
                    "project's venv (.venv/bin/pytest)", pytrace=False)
    base = Path(tempfile.mkdtemp(prefix="k8slab-binder-", dir="/tmp"))
    base.chmod(0o755)  # the unprivileged user must reach its HOME inside
    home = base / "home"
    env = {"HOME": str(home), "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
           "LANG": "C.UTF-8", "TMPDIR": str(home / "tmp"), "PIP": str(_pip_recorder(base)),
           "K8SLAB_HOME": str(home / ".k8slab"), "K8SLAB_PROFILE": "fast"}
    box = Machine(base, home, env, [])
    try:
        (home / "tmp").mkdir(parents=True)
        _seed_binaries(home)
        switch = _unprivileged()
        if switch:
            box.as_user, uid, gid = switch
            env["USER"] = env["LOGNAME"] = "nobody"
            for path in [home, *home.rglob("*")]:
                if path.is_file() and path.stat().st_nlink > 1:
                    continue  # a hard link to this machine's cached binary: leave it root's
                os.chown(path, uid, gid, follow_symlinks=False)
        yield box
    finally:
        try:
            box.run(VENV_BIN / "k8slab", "down", timeout=120)
        finally:
            shutil.rmtree(base, ignore_errors=True)


def processes_under(path: Path) -> list[str]:
    """Command lines of the processes that mention `path` (the cluster's home)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(path) in cmdline:
            found.append(cmdline)
    return found


def test_binder_scripts_are_executable_and_shellcheck_clean():
    for script in (BINDER / "postBuild", BINDER / "start"):
        assert os.access(script, os.X_OK), script
        assert "set -euo pipefail" in script.read_text().splitlines()
        shellcheck = shutil.which("shellcheck")
        if shellcheck is None:
            pytest.fail("`shellcheck` is not installed (.ci/run installs it)", pytrace=False)
        done = subprocess.run([shellcheck, str(script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout


def test_start_hands_over_to_its_command_last():
    lines = [line for line in (BINDER / "start").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1] == 'exec "$@"'
    assert any(line.startswith("nohup k8slab up ") and line.endswith("&") for line in lines)


def test_binder_postbuild_then_start_bring_up_the_cluster_and_run_notebook_00(machine):
    began = time.monotonic()
    built = machine.run(BINDER / "postBuild", timeout=120)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (machine.home / "pip-arguments").read_text().split() == [
        "install", "--no-cache-dir", "-e", "."]
    listed = {line.split()[0]: line.split()[-1] for line in built.stdout.splitlines() if line}
    assert set(listed) == set(versions.ALL_BINARIES)
    assert all(path.startswith(str(machine.home / ".cache" / "k8slab")) for path in
               listed.values())

    namespace = f"binder-{uuid.uuid4().hex[:6]}"
    output = machine.home / "course-output"
    script = (f"python -c '{WAIT_FOR_UP}' && k8slab run 00 -p namespace {namespace} "
              f"--no-slides --output-dir {output}")
    started = time.monotonic()
    ran = machine.run(BINDER / "start", "bash", "-c", script, timeout=170)
    report = ran.stdout + ran.stderr + "\n--- k8slab up log:\n" + \
        ((machine.home / UP_LOG).read_text() if (machine.home / UP_LOG).exists() else "none")
    assert ran.returncode == 0, report

    began_line = next(line for line in ran.stdout.splitlines()
                      if line.startswith("command began"))
    assert float(began_line.split()[2]) - started < 15, began_line  # start did not wait
    assert began_line.endswith("cluster ready: False"), began_line
    up_log = (machine.home / UP_LOG).read_text()
    assert "cluster created" in up_log, up_log
    assert "1/1 notebooks passed" in ran.stdout, report
    assert (output / "00-welcome.ipynb").is_file()
    assert (machine.home / ".k8slab" / "kubeconfig").is_file()

    stopped = machine.run(VENV_BIN / "k8slab", "down", timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert processes_under(machine.home) == []
    user = "nobody" if machine.as_user else f"uid {os.geteuid()}"
    print(f"binder: postBuild + start + notebook 00 as {user} in "
          f"{time.monotonic() - began:.1f}s")
