"""Objects the integration tests apply: one Deployment shape for them all."""

from __future__ import annotations


def deployment(name: str = "web", replicas: int = 1, image: str = "nginx:1.27",
               container: str = "app", **pod_spec) -> dict:
    """A Deployment of `replicas` pods labelled app=<name>, one container; extra keyword
    arguments go into the pod spec (e.g. topologySpreadConstraints=[...])."""
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": container, "image": image}],
                                           **pod_spec}}}}
