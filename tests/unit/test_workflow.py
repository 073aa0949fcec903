"""The fork users' workflow (.github/workflows/course.yml) cannot run here: check that it is
valid YAML of the right shape, creates the kind cluster it tests against, runs the notebooks
under nbval and papermill against that cluster, uploads the executed notebooks, and uses only
actions pinned to a major version."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from k8slab.cluster import kind

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "course.yml"
KIND_CONFIG = REPO / ".github" / "kind-config.yaml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


@pytest.fixture(scope="module")
def steps(workflow) -> list[dict]:
    [job] = workflow["jobs"].values()
    return job["steps"]


def step_using(steps: list[dict], action: str) -> dict:
    found = [s for s in steps if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"expected one step using {action}"
    return found[0]


def step_running(steps: list[dict], command: str) -> list[str]:
    """The words of the one `run:` whose command starts with `command`."""
    found = [shlex.split(s["run"]) for s in steps
             if shlex.split(s.get("run", ""))[:1] == [command]]
    assert len(found) == 1, f"expected one step running {command}"
    return found[0]


def test_workflow_runs_on_push_pull_request_and_by_hand(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}


def test_workflow_is_one_ubuntu_job_with_a_time_limit(workflow):
    [job] = workflow["jobs"].values()
    assert job["runs-on"].startswith("ubuntu-")
    assert 0 < job["timeout-minutes"] <= 120
    assert workflow["permissions"] == {"contents": "read"}


def test_every_action_is_pinned_to_a_major_version(steps):
    used = [s["uses"] for s in steps if "uses" in s]
    assert used
    for ref in used:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", ref), ref


def test_workflow_creates_a_kind_cluster_of_one_control_plane_and_two_workers(steps):
    create = step_using(steps, "helm/kind-action")["with"]
    assert create["config"] == str(KIND_CONFIG.relative_to(REPO))
    config = yaml.safe_load(KIND_CONFIG.read_text())
    assert config["kind"] == "Cluster"
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker", "worker"]
    assert f"kind-{create['cluster_name']}" == kind.CONTEXT


def test_notebooks_take_the_kind_context_from_the_environment(workflow, steps):
    [job] = workflow["jobs"].values()
    create = step_using(steps, "helm/kind-action")["with"]
    assert job["env"]["K8SLAB_CONTEXT"] == f"kind-{create['cluster_name']}"


def test_workflow_installs_k8slab_before_running_the_notebooks(steps):
    assert step_running(steps, "pip") == ["pip", "install", "-e", ".[test]"]
    step_using(steps, "actions/setup-python")
    order = [s.get("uses", s.get("run", "")).split()[0] for s in steps]
    assert order.index("pip") < order.index("pytest") < order.index("k8slab")


def test_workflow_runs_the_notebooks_under_nbval_with_the_sanitizer(steps):
    words = step_running(steps, "pytest")
    assert "--nbval-lax" in words and "--nbval-current-env" in words
    assert words[words.index("--nbval-sanitize-with") + 1] == "notebooks/sanitize.cfg"
    assert (REPO / "notebooks" / "sanitize.cfg").is_file()
    assert words[-1] == "notebooks/"


def test_workflow_executes_the_course_on_kind_and_uploads_it(steps):
    words = step_running(steps, "k8slab")
    assert words[:2] == ["k8slab", "run"]
    assert words[words.index("-p") + 1: words.index("-p") + 3] == ["context", kind.CONTEXT]
    output_dir = words[words.index("--output-dir") + 1]
    upload = step_using(steps, "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == output_dir
