"""k8slab through a kubeconfig of the Vagrant cluster's shape: the test cluster's kubeconfig
renamed by vagrant-provisioning/scripts/fetch-kubeconfig.sh (cluster, user and context all
`k8slab-vagrant`, as it does to kubeadm's admin.conf), used the way the Vagrant README says.
(tests/integration/test_real_clusters.py runs the whole course through a renamed context
given by environment variables; these tests are about the file the script writes.)"""

from __future__ import annotations

import stat
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

import k8slab

pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[2]
FETCH = REPO / "vagrant-provisioning" / "scripts" / "fetch-kubeconfig.sh"
WEB = REPO / "notebooks" / "manifests" / "web-deployment.yaml"
NAME = "k8slab-vagrant"


@pytest.fixture
def vagrant_kubeconfig(cluster, tmp_path) -> Path:
    """The test cluster's kubeconfig as fetch-kubeconfig.sh writes it for the Vagrant VMs."""
    target = tmp_path / "vagrant-provisioning" / "kubeconfig"
    done = subprocess.run(["bash", str(FETCH), "--from", str(cluster.kubeconfig),
                           "--output", str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return target


def test_fetch_kubeconfig_renames_the_cluster_user_and_context_only(cluster,
                                                                     vagrant_kubeconfig):
    original = yaml.safe_load(cluster.kubeconfig.read_text())
    renamed = yaml.safe_load(vagrant_kubeconfig.read_text())
    assert [c["name"] for c in renamed["clusters"]] == [NAME]
    assert [u["name"] for u in renamed["users"]] == [NAME]
    assert [c["name"] for c in renamed["contexts"]] == [NAME]
    assert renamed["current-context"] == NAME
    context = renamed["contexts"][0]["context"]
    assert (context["cluster"], context["user"]) == (NAME, NAME)
    assert renamed["clusters"][0]["cluster"] == original["clusters"][0]["cluster"]
    assert renamed["users"][0]["user"] == original["users"][0]["user"]
    assert stat.S_IMODE(vagrant_kubeconfig.stat().st_mode) == 0o600


def test_web_deployment_rolls_out_through_the_vagrant_context(vagrant_kubeconfig):
    lab = k8slab.connect(kubeconfig=vagrant_kubeconfig, context=NAME,
                         namespace=f"t-vagrant-{uuid.uuid4().hex[:6]}")
    try:
        assert lab.context == NAME and not lab.target.embedded
        lab.apply(WEB)
        lab.rollout_status("deployment", "web", timeout=90)
        pods = lab.get("pods", selector="app=web")
        assert len(pods) == 3
        assert all(p["status"]["phase"] == "Running" for p in pods)
        caps = lab.capabilities
        assert caps.simulated and not caps.exec and caps.nodes >= 3
    finally:
        lab.cleanup(wait=False)
        lab.close()
