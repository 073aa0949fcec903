"""The course on other clusters: the kind runtime's clear error where Docker is missing, the
capabilities of the embedded cluster, and the course through a renamed kubeconfig context."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from k8slab import runner


def test_kind_runtime_without_docker_says_what_is_missing(tmp_path):
    env = dict(os.environ, PATH=f"{tmp_path}:/usr/bin:/bin",
               DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock")
    done = subprocess.run([sys.executable, "-m", "k8slab", "up", "--runtime", "kind"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "kind" in done.stderr and "Docker" in done.stderr
    assert "hint:" in done.stderr


def test_embedded_cluster_capabilities_say_simulated(lab):
    caps = lab.capabilities
    assert caps.simulated and caps.nodes >= 3
    assert not caps.exec and not caps.logs and not caps.port_forward
    assert caps.default_storage_class == "standard"
    reason = caps.skip_reason("exec")
    assert reason.startswith("skipped:") and "simulated" in reason
    assert caps.skip_reason("default_storage_class") is None


def test_the_course_passes_through_a_renamed_context(cluster, tmp_path, monkeypatch):
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    config["clusters"][0]["name"] = "workshop"
    config["users"][0]["name"] = "trainer"
    config["contexts"] = [{"name": "workshop-admin", "context": {
        "cluster": "workshop", "user": "trainer"}}]
    config["current-context"] = "workshop-admin"
    other = tmp_path / "kubeconfig"
    other.write_text(yaml.safe_dump(config))
    other.chmod(0o600)
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(other))
    monkeypatch.setenv("K8SLAB_CONTEXT", "workshop-admin")
    results = runner.run_course(output_dir=tmp_path / "out", suffix="ctx", parallel=2,
                                slides=False, report=lambda line: None)
    failed = [r.line for r in results if not r.passed]
    assert not failed, failed
