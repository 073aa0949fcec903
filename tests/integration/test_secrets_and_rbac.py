"""Security as a learner meets it: Secret values are shown only when asked for by name
(reveal_secret, --reveal), and RBAC is teachable: a ServiceAccount with a namespaced Role can do
what the Role allows and gets a clear Forbidden outside it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from k8slab import checks
from k8slab.errors import Forbidden, InvalidManifest, K8sLabError
from k8slab.magics import run_line

pytestmark = pytest.mark.cluster

VALUE = "correct-horse-battery-staple"
ENCODED = base64.b64encode(VALUE.encode()).decode()


def secret(name: str = "db", value: str = VALUE) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "type": "Opaque", "stringData": {"password": value, "username": "shop"}}


def web_using_the_secret() -> dict:
    labels = {"app": "web"}
    container = {"name": "app", "image": "nginx:1.27",
                 "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {
                     "name": "db", "key": "password"}}}],
                 "volumeMounts": [{"name": "creds", "mountPath": "/creds"}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [container], "volumes": [
                                      {"name": "creds", "secret": {"secretName": "db"}}]}}}}


def assert_hidden(*shown: object) -> None:
    for thing in shown:
        text = thing if isinstance(thing, str) else f"{thing!s}\n{_html(thing)}"
        assert VALUE not in text and ENCODED not in text, text


def _html(thing: object) -> str:
    return thing._repr_html_() if hasattr(thing, "_repr_html_") else ""


# -- Secret values -----------------------------------------------------------------------------
def test_apply_table_and_describe_never_show_a_secrets_values(lab):
    applied = lab.apply(secret())
    text = lab.describe("secret", "db")
    assert "password:  28 bytes" in text and "username:  4 bytes" in text
    assert_hidden(repr(applied), lab.table("secrets"), lab.table("secret", "db"), text)


@pytest.mark.parametrize("line", ["get secrets", "get secret db", "get secret db -o yaml",
                                  "get secret db -o json", "get secrets -o yaml",
                                  "get secret db -o name", "describe secret db",
                                  "get secret,configmap -o json"])
def test_magics_never_show_a_secrets_values(lab, line):
    lab.apply(secret())
    assert_hidden(run_line(line, lab))


def test_only_an_explicit_request_shows_the_values(lab):
    lab.apply(secret())
    assert lab.reveal_secret("db") == {"password": VALUE, "username": "shop"}
    revealed = yaml.safe_load(run_line("get secret db -o yaml --reveal", lab))
    assert revealed["data"]["password"] == ENCODED


def test_a_secret_applied_by_kubectl_keeps_its_values_out_of_describe_and_magics(
        lab, kubectl, tmp_path: Path):
    path = tmp_path / "secret.yaml"
    path.write_text(yaml.safe_dump(secret("from-kubectl")))
    kubectl("apply", "-n", lab.namespace, "-f", str(path))
    annotations = lab.get("secret", "from-kubectl")["metadata"]["annotations"]
    assert VALUE in annotations["kubectl.kubernetes.io/last-applied-configuration"]
    assert_hidden(lab.describe("secret", "from-kubectl"),
                  run_line("get secret from-kubectl -o yaml", lab),
                  run_line("get secrets -o json", lab))


def test_views_of_the_namespace_never_show_a_secrets_values(lab):
    lab.apply([secret(), web_using_the_secret()])
    lab.wait_for("deployment", "web", "Available", timeout=60)
    views = [lab.show("pods"), lab.show("deployment", "web"), lab.show("events"),
             lab.show("tree", "web", kind="deployment")]
    try:
        pictures = [view.snapshot() for view in views]
    finally:
        for view in views:
            view.stop()
    assert any("web-" in p.html for p in pictures)
    assert_hidden(*(p.html for p in pictures), *(p.text for p in pictures))


def test_there_is_no_view_of_a_secret_and_the_refusal_shows_no_value(lab):
    lab.apply(secret())
    with pytest.raises(K8sLabError) as caught:
        lab.show("secret", "db")
    assert "no live view for Secret" in str(caught.value)
    assert_hidden(str(caught.value))


def test_an_invalid_secret_is_refused_without_quoting_its_values(lab):
    bad = secret(value="918273645")
    bad["stringData"]["password"] = 918273645  # a number where text is required
    with pytest.raises(InvalidManifest) as caught:
        lab.apply(bad)
    message = str(caught.value)
    assert ".stringData.password" in message and "<hidden>" in message
    assert "918273645" not in message
    assert not lab.exists("secret", "db")


# -- RBAC --------------------------------------------------------------------------------------
ROLE = [
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "reader"}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
     "metadata": {"name": "reader"},
     "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
               {"apiGroups": [""], "resources": ["configmaps"],
                "verbs": ["get", "list", "watch", "create", "patch"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
     "metadata": {"name": "reader"},
     "subjects": [{"kind": "ServiceAccount", "name": "reader"}],
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}},
]


@pytest.fixture
def reader(lab):
    """The lab acting as a ServiceAccount bound to the `reader` Role of its namespace."""
    lab.apply(ROLE)
    user = f"system:serviceaccount:{lab.namespace}:reader"
    checks.can(lab, user, "list", "pods", within=10)  # the binding is in force
    other = lab.as_user(user)
    yield other
    other.api_client.close()


def test_as_user_can_do_what_its_role_allows(lab, reader):
    lab.apply([secret(), web_using_the_secret()])
    lab.wait_for("deployment", "web", "Available", timeout=60)
    assert [p["metadata"]["labels"]["app"] for p in reader.get("pods")] == ["web"]
    assert reader.table("pods").column("READY") == ["1/1"]
    assert repr(reader.apply({"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": "notes"}, "data": {"a": "b"}})) == \
        "configmap/notes created"
    assert lab.get("configmap", "notes")["data"] == {"a": "b"}


@pytest.mark.parametrize(("call", "verb", "resource"), [
    (lambda r: r.get("secret", "db"), "get", "secrets"),
    (lambda r: r.reveal_secret("db"), "get", "secrets"),
    (lambda r: r.delete("deployment", "web"), "delete", "deployments"),
    (lambda r: r.scale("deployment", "web", 3), "patch", "deployments/scale"),
    (lambda r: r.table("secrets"), "list", "secrets"),
    (lambda r: r.get("pods", namespace="default"), "list", "pods"),
], ids=["get-secret", "reveal-secret", "delete", "scale", "list-secrets", "other-namespace"])
def test_as_user_outside_its_role_gets_a_clear_forbidden(lab, reader, call, verb, resource):
    lab.apply([secret(), web_using_the_secret()])
    with pytest.raises(Forbidden) as caught:
        call(reader)
    err = caught.value
    assert f'User "system:serviceaccount:{lab.namespace}:reader"' in err.message
    assert f'cannot {verb} resource "{resource}"' in err.message
    assert "Role and RoleBinding" in err.hint
    assert err.__cause__ is None and err.__suppress_context__
    assert_hidden(str(err))


def test_as_user_applying_outside_its_role_applies_nothing(lab, reader):
    with pytest.raises(Forbidden) as caught:
        reader.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok"}},
                      secret()])
    assert "nothing was applied" in caught.value.message
    assert not lab.exists("configmap", "ok") and not lab.exists("secret", "db")


def test_checks_can_asks_the_api_server_what_a_user_may_do(lab, reader):
    user = f"system:serviceaccount:{lab.namespace}:reader"
    assert checks.can(lab, user, "create", "configmaps").passed
    assert checks.can(lab, user, "get", "secrets", allowed=False).passed
    with pytest.raises(checks.CheckFailed) as caught:
        checks.can(lab, user, "delete", "pods", within=0)
    assert f"{user} may delete pods" in str(caught.value)
