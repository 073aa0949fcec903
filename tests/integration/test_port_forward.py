"""Port-forward needs real containers: on simulated nodes it says so, and opens nothing."""

from __future__ import annotations

import threading

import pytest

import k8slab


def test_port_forward_on_simulated_nodes_says_why_it_cannot_work(lab):
    lab.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
               "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    with pytest.raises(k8slab.NotAvailable) as caught:
        lab.port_forward("web", 80)
    assert "port_forward is not available on simulated nodes" in str(caught.value)
    assert "real cluster" in caught.value.hint
    assert not [t for t in threading.enumerate() if t.name.startswith("k8slab-port-forward")]
