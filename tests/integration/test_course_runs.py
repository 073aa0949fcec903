"""The course runs headless: `k8slab run` (papermill) in parallel namespaces, and a notebook
killed half-way passes when run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from k8slab import course, runner


def test_the_whole_course_runs_twice_in_parallel_in_different_namespaces(cluster, tmp_path):
    def run(suffix: str):
        return runner.run_course(output_dir=tmp_path / suffix, suffix=suffix, parallel=2,
                                 report=lambda line: None)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(run, ["par-a", "par-b"])
    for results in (first, second):
        failed = [r.line for r in results if not r.passed]
        assert not failed, failed
        assert len(results) == len(course.notebooks())
        assert all(r.slides.endswith(".slides.html") for r in results)
    slides = (tmp_path / "par-a" / "04-deployments.slides.html").read_text()
    assert "reveal" in slides and "Deployments" in slides


def test_a_notebook_killed_half_way_passes_when_run_again(cluster, tmp_path, lab):
    notebook = course.notebooks(["04"])[0]
    namespace = f"{lab.namespace}-nb"
    cmd = [sys.executable, "-m", "k8slab", "run", "04", "-p", "namespace", namespace,
           "--no-slides", "--output-dir", str(tmp_path)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=dict(os.environ))
    deadline = time.monotonic() + 120
    while not lab.exists("deployment", "web", namespace=namespace):  # half-way: web exists
        assert time.monotonic() < deadline, "the notebook never created its deployment"
        assert proc.poll() is None, proc.stdout.read().decode()
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert lab.exists("namespace", namespace), "the killed run left its namespace behind"
    result = runner.run_one(notebook, {"namespace": namespace}, tmp_path, slides=False)
    assert result.passed, result.failure


@pytest.mark.parametrize("bad", [["-p", "nosuch", "1"], ["-p", "timeout", "soon"]])
def test_bad_parameters_are_refused_before_any_cell_runs(cluster, lab, tmp_path, bad):
    namespace = f"{lab.namespace}-bad"
    done = subprocess.run([sys.executable, "-m", "k8slab", "run", "04", *bad, "-p",
                           "namespace", namespace, "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "parameter" in done.stderr
    assert not lab.exists("namespace", namespace)
    assert not list(tmp_path.glob("*.ipynb"))
