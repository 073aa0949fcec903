"""`k8slab lab` and `k8slab slides` as a person runs them: the URL printed works, and Ctrl-C
stops JupyterLab cleanly (nothing left listening, no server process left)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

URL = re.compile(r"(http://127\.0\.0\.1:(\d+)(/\S*)\?token=(\w+))")


def launch(*args: str) -> tuple[subprocess.Popen, re.Match, list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "k8slab", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=dict(os.environ),
                            start_new_session=True)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if found := URL.search(line):
            return proc, found, lines
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("no URL printed:\n" + "".join(lines))


def stop_with_ctrl_c(proc: subprocess.Popen, port: int) -> None:
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    listening = [c for c in psutil.net_connections("tcp")
                 if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN]
    assert not listening


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def test_k8slab_lab_prints_a_working_url_and_stops_on_ctrl_c(cluster):
    proc, found, _ = launch("lab", "--port", "0")
    url, port, path, token = found.groups()
    try:
        assert path == "/lab/tree/notebooks"
        page = get(url)
        assert "JupyterLab" in page
        contents = get(f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}")
        assert "04-deployments.ipynb" in contents
    finally:
        stop_with_ctrl_c(proc, int(port))


def test_k8slab_slides_prints_the_rise_url_of_the_notebook(cluster):
    proc, found, _ = launch("slides", "04", "--port", "0")
    url, port, path, _token = found.groups()
    try:
        assert path == "/rise/notebooks/04-deployments.ipynb"
        assert "<html" in get(url).lower()
    finally:
        stop_with_ctrl_c(proc, int(port))
