"""`lab.show(what, name)` picks the view that fits."""

from __future__ import annotations

import pytest
from test_viz_objects import FakeLab, deployment

from k8slab.errors import K8sLabError
from k8slab.viz import EventLog, NodeMap, OwnerTree, PodBoard, RolloutView, ServiceMap, show


@pytest.mark.parametrize(("what", "name", "options", "cls"), [
    ("pods", None, {}, PodBoard),
    ("po", None, {"selector": "app=web"}, PodBoard),
    ("pod", "web-0", {}, PodBoard),
    ("deployment", "web", {}, RolloutView),
    ("deploy", "web", {}, RolloutView),
    (("deployment", "web"), None, {}, RolloutView),
    ("service", "web", {}, ServiceMap),
    ("svc", "web", {}, ServiceMap),
    ("statefulset", "db", {}, OwnerTree),
    ("job", "backup", {}, OwnerTree),
    ("cronjob", "backup", {}, OwnerTree),
    ("daemonset", "agent", {}, OwnerTree),
    ("tree", "web", {"kind": "deployment"}, OwnerTree),
    ("nodes", None, {}, NodeMap),
    ("events", None, {}, EventLog),
])
def test_show_picks_the_view(what, name, options, cls):
    lab = FakeLab()
    view = show(lab, what, name, **options)
    assert type(view) is cls and lab._views == [view]
    view.stop()
    assert lab._views == []


def test_show_accepts_an_object_dict():
    lab = FakeLab()
    view = show(lab, deployment(ns="other"))
    assert isinstance(view, RolloutView)
    assert (view.deployment, view.namespace) == ("web", "other")
    view.stop()


def test_show_passes_options_to_the_view():
    lab = FakeLab()
    board = show(lab, "pods", selector="app=web", max_rate=4)
    assert board.selector == "app=web" and board.max_rate == 4
    assert show(lab, "pod", "web-0").names == ("web-0",)
    nodes = show(lab, "nodes", nodes=["node-1"])
    assert nodes.only == ("node-1",)
    tree = show(lab, "tree", "web", kind="deploy")
    assert tree.root_kind == "Deployment"
    for view in list(lab._views):
        view.stop()


@pytest.mark.parametrize(("what", "name", "says"), [
    ("deployment", None, "give its name"),
    ("configmap", "settings", "no live view for ConfigMap"),
    ("tree", "web", "needs a kind"),
])
def test_show_explains_what_it_cannot_draw(what, name, says):
    lab = FakeLab()
    with pytest.raises(K8sLabError) as caught:
        show(lab, what, name)
    assert says in str(caught.value) and "hint:" in str(caught.value)
    assert lab._views == []
