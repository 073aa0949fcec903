"""The shared informers' pure parts: collection paths and quiet logs on their own threads."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

from k8slab.informers import THREAD_PREFIX, Feed, api_path


def kind(kind: str, plural: str, group: str = "", version: str = "v1"):
    return SimpleNamespace(kind=kind, plural=plural, group=group, version=version,
                           api_version=f"{group}/{version}" if group else version)


def test_collection_paths_of_core_and_group_kinds():
    assert api_path(kind("Pod", "pods"), "demo") == "/api/v1/namespaces/demo/pods"
    assert api_path(kind("Node", "nodes"), None) == "/api/v1/nodes"
    assert api_path(kind("Deployment", "deployments", "apps"), "demo") == \
        "/apis/apps/v1/namespaces/demo/deployments"
    assert api_path(kind("Deployment", "deployments", "apps"), None) == \
        "/apis/apps/v1/deployments"


def test_the_list_function_lets_the_watch_keep_raw_dicts_and_track_versions():
    from kubernetes.watch import Watch

    feed = Feed(SimpleNamespace(), kind("Pod", "pods"), "demo")
    watch = Watch()
    assert watch.get_return_type(feed._list) == "object"  # dicts, resourceVersion tracked
    assert watch.get_watch_argument_name(feed._list) == "watch"
    line = '{"type": "MODIFIED", "object": {"metadata": {"name": "a", "resourceVersion": "42"}}}'
    event = watch.unmarshal_event(line, "object")
    assert event["object"] == {"metadata": {"name": "a", "resourceVersion": "42"}}
    assert watch.resource_version == "42"


def test_informer_reconnect_logs_are_quiet_on_our_threads_only(caplog):
    logger = logging.getLogger("kubernetes.informer.informer")

    def log():
        logger.warning("Watch stream ended; reconnecting")

    ours = threading.Thread(target=log, name=f"{THREAD_PREFIX}:pods/demo")
    theirs = threading.Thread(target=log, name="SharedInformer")
    with caplog.at_level(logging.WARNING):
        ours.start()
        ours.join()
        assert caplog.records == []
        theirs.start()
        theirs.join()
    assert [r.threadName for r in caplog.records] == ["SharedInformer"]
