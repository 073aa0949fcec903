"""Start JupyterLab on the course (`k8slab lab`, `k8slab slides`) and stop it cleanly."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .errors import K8sLabError


def free_port(preferred: int = 8888) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise K8sLabError(f"no free port near {preferred}", hint="pass --port")


def headless() -> bool:
    return sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and \
        not os.environ.get("WAYLAND_DISPLAY")


def command(root: Path, port: int, token: str, open_path: str, browser: bool) -> list[str]:
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
            f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.default_url={open_path}",
            "--ServerApp.open_browser=" + ("True" if browser else "False"),
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
            "jupyterlab.NeverCheckForUpdate"] + (
                ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else [])


def start(root: Path, port: int | None = None, open_path: str = "/lab",
          browser: bool | None = None) -> tuple[subprocess.Popen, str]:
    """Start JupyterLab in the background; returns (process, URL) once it answers."""
    port = port or free_port()
    token = secrets.token_hex(16)
    browser = (not headless()) if browser is None else browser
    log = Path(tempfile.gettempdir()) / f"k8slab-jupyter-{port}.log"
    with open(log, "w") as handle:  # a file, not a pipe: a long session must not fill it
        proc = subprocess.Popen(command(root, port, token, open_path, browser),
                                start_new_session=True, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise K8sLabError(f"JupyterLab exited at start:\n{log.read_text()[-1500:]}",
                              hint="is the port free? try --port")
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1).read()
            return proc, f"{base}{open_path}?token={token}"
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise K8sLabError("JupyterLab did not answer within 60 s")


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop JupyterLab (and its kernels) cleanly; force it only if it does not listen."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def serve(root: Path, port: int | None, open_path: str, say=print) -> None:
    """Run until Ctrl-C: start, print the URL, wait, stop cleanly."""
    proc, url = start(root, port, open_path)
    say(url)
    try:
        while proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping JupyterLab ...")
    finally:
        stop(proc)
