"""Property tests of lab.apply and the magics with generated input, against the embedded
cluster: whatever a learner types, only k8slab's own errors come out (never a client, YAML or
Python exception), and a batch is applied whole or not at all."""

from __future__ import annotations

import copy
import itertools
import re

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from testobjects import deployment

from k8slab.errors import K8sLabError
from k8slab.magics import run_line

pytestmark = pytest.mark.cluster

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
KINDS = ("configmap", "secret", "service", "deployment")
names = (f"p{i}" for i in itertools.count())  # fresh object names, one per use


def state(lab) -> dict[str, str]:
    """What the namespace holds, as kind/name -> version of what a learner wrote
    (generation for Deployments, whose status the controllers keep changing)."""
    found = {}
    for kind in KINDS:
        for obj in lab.get(kind):
            meta = obj["metadata"]
            version = meta.get("generation") if kind == "deployment" else meta["resourceVersion"]
            found[f"{kind}/{meta['name']}"] = str(version)
    found.pop("configmap/kube-root-ca.crt", None)
    return found


def apply_or_refuse(lab, manifest) -> bool:
    """Apply; True if applied, False if refused with a k8slab error and nothing changed.
    Any other exception fails the test as it is."""
    before = state(lab)
    try:
        lab.apply(manifest)
    except K8sLabError as exc:
        event(f"refused: {type(exc).__name__}")  # shown by --hypothesis-show-statistics
        assert str(exc).strip(), "an error with no message"
        assert state(lab) == before, f"changed although refused: {exc}"
        return False
    event("applied")
    return True


# -- strategies --------------------------------------------------------------------------------
scalars = st.none() | st.booleans() | st.integers(-2**40, 2**40) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
json_data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
key_chars = st.sampled_from("abcxyzABC019-_. /:!é")
config_keys = st.text(st.sampled_from("abcxyz019-_."), min_size=1, max_size=12) | \
    st.text(key_chars, min_size=1, max_size=12)


def configmap(name: str, data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def service(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def paths(obj, prefix=()) -> list[tuple]:
    """Every path to a value inside a manifest."""
    found = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) \
        if isinstance(obj, list) else []
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


def other_type(value) -> st.SearchStrategy:
    """Values of another type than `value` (small numbers only: no huge replica counts)."""
    choices = [(str, st.text(max_size=6)), (int, st.integers(0, 3)), (bool, st.booleans()),
               (list, st.sampled_from([[], [1, "x"]])), (dict, st.sampled_from([{}, {"k": 1}]))]
    return st.one_of([c for t, c in choices if type(value) is not t])


@st.composite
def broken_manifests(draw) -> dict:
    """A valid Deployment, ConfigMap or Service with some fields removed or of a wrong type."""
    obj = draw(st.sampled_from([deployment, service, lambda n: configmap(n, {"a": "b"})]))(
        next(names))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(obj)))
        parent = obj
        for key in where[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(other_type(parent[where[-1]]))
        if not paths(obj):
            break
    return obj


@st.composite
def configmap_batches(draw) -> tuple[list[dict], bool]:
    """ConfigMaps, some of them bad in one way or another; and whether all are good."""
    batch, good = [], True
    for _ in range(draw(st.integers(1, 4))):
        cm = configmap(next(names), {"k": "v"})
        fault = draw(st.sampled_from(["none", "none", "field", "type", "name", "key"]))
        good &= fault == "none"
        if fault == "field":
            cm["datta"] = {"k": "v"}
        elif fault == "type":
            cm["data"] = {"k": draw(st.integers() | st.lists(st.text(max_size=3), max_size=2))}
        elif fault == "name":
            cm["metadata"]["name"] = draw(st.sampled_from(["Upper", "under_score", "x" * 254,
                                                           "-dash", "dot."]))
        elif fault == "key":
            cm["data"] = {draw(st.sampled_from(["a b", "a/b", "é", ""])): "v"}
        batch.append(cm)
    return batch, good


def corrupt(text: str, data: st.DataObject) -> str:
    """The text with a few characters inserted, deleted or replaced."""
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        junk = data.draw(st.sampled_from(["\t", ":", "- ", "{", "]", "\n  ", "'", "&a", "*a",
                                          "!!int ", "? ", "---\n", "%", "@", ""]))
        cut = data.draw(st.integers(0, 2))
        text = text[:at] + junk + text[at + cut:]
    return text


# -- lab.apply ---------------------------------------------------------------------------------
@SETTINGS
@given(text=st.text(max_size=200) | st.binary(max_size=120).map(lambda b: b.decode("latin-1")))
def test_random_text_gives_only_k8slab_errors(lab, text):
    apply_or_refuse(lab, text)


@SETTINGS
@given(raw=st.binary(min_size=1, max_size=200))
def test_a_file_of_random_bytes_gives_only_k8slab_errors(lab, tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bytes") / "manifest.yaml"
    path.write_bytes(raw)
    apply_or_refuse(lab, path)


@SETTINGS
@given(obj=json_data | st.lists(json_data, max_size=3) | st.dictionaries(
    st.sampled_from(["apiVersion", "kind", "metadata", "data", "spec"]), json_data, max_size=5))
def test_random_nested_data_gives_only_k8slab_errors(lab, obj):
    apply_or_refuse(lab, obj)


@SETTINGS
@given(data=st.dictionaries(config_keys, st.text(max_size=20), max_size=4))
def test_configmaps_with_random_keys_and_values_are_applied_exactly_or_refused(lab, data):
    name = next(names)
    valid = all(re.fullmatch(r"[-._a-zA-Z0-9]+", key) and key != "." and
                not key.startswith("..") for key in data)  # any text is a valid value
    assert apply_or_refuse(lab, configmap(name, data)) == valid
    if valid:
        assert (lab.get("configmap", name).get("data") or {}) == data


@SETTINGS
@given(obj=broken_manifests())
def test_manifests_with_missing_or_mistyped_fields_give_only_k8slab_errors(lab, obj):
    original = copy.deepcopy(obj)
    if apply_or_refuse(lab, obj):
        kind, name = original["kind"].lower(), original["metadata"]["name"]
        assert lab.exists(kind, name)


@SETTINGS
@given(batch=configmap_batches(), as_yaml=st.booleans())
def test_a_batch_is_applied_whole_or_not_at_all(lab, batch, as_yaml):
    docs, good = batch
    manifest = yaml.safe_dump_all(docs) if as_yaml else docs
    assert apply_or_refuse(lab, manifest) == good
    present = {d["metadata"]["name"] for d in docs if lab.exists("configmap",
                                                               d["metadata"]["name"])}
    assert present == ({d["metadata"]["name"] for d in docs} if good else set())


@SETTINGS
@given(data=st.data())
def test_corrupted_yaml_of_a_valid_manifest_gives_only_k8slab_errors(lab, data):
    text = yaml.safe_dump_all([configmap(next(names), {"a": "b"}), deployment(next(names))])
    apply_or_refuse(lab, corrupt(text, data))


# -- the magics --------------------------------------------------------------------------------
VERBS = ["get", "describe", "events", "apply", "scale", "rollout", "set", "create", "label",
         "annotate", "logs", "exec", "api-resources", "config", "version", "help", "bogus"]
WORDS = ["deploy", "deployment/web", "pods", "configmap", "cm", "secret", "web", "history",
         "undo", "restart", "image", "app=nginx:1.28", "deployment", "-o", "yaml", "json",
         "name", "wide", "-l", "app=web", "-f", "--replicas=2", "--replicas", "x",
         "--to-revision=1", "--reveal", "-A", "--", "a=b", "a-", "=", "/", "current-context",
         "get-contexts", "'", '"', "--image=nginx"]
# never generated: what would touch nodes, other namespaces or wait for long
UNSAFE = {"delete", "drain", "cordon", "uncordon", "wait", "status", "namespace", "ns",
          "namespaces", "node", "nodes", "no", "-n", "--namespace", "--timeout"}
tokens = st.sampled_from(WORDS) | st.text(st.characters(codec="ascii", exclude_characters="\n"),
                                          min_size=1, max_size=8)


@SETTINGS
@given(verb=st.sampled_from(VERBS), rest=st.lists(tokens, max_size=5))
def test_random_k_command_lines_give_only_k8slab_errors(lab, verb, rest):
    if UNSAFE & {verb, *rest} or any(t.strip() in UNSAFE for t in rest):
        return
    lab.apply(deployment("web"))
    before = state(lab)
    try:
        run_line(" ".join([verb, *rest]), lab)
        event("ran")
    except K8sLabError as exc:
        event(f"refused: {type(exc).__name__}")
        assert str(exc).strip()
        assert state(lab).keys() == before.keys()


@pytest.fixture(scope="module")
def shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ipython = InteractiveShell.instance(config=config)
    ipython.run_line_magic("load_ext", "k8slab")
    yield ipython
    InteractiveShell.clear_instance()


@SETTINGS
@given(data=st.data())
def test_apply_cell_magic_with_corrupted_yaml_gives_only_k8slab_errors(shell, lab, data):
    lab.use()
    cell = corrupt(yaml.safe_dump(configmap(next(names), {"a": "b"})), data)
    before = state(lab)
    try:
        shell.run_cell_magic("apply", "", cell)
    except K8sLabError as exc:
        assert str(exc).strip()
        assert state(lab) == before
