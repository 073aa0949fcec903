"""The %k and %%apply magics in a real IPython shell, against the embedded cluster: each
command does what kubectl's would, and a bad command prints a short error, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from k8slab.errors import K8sLabError

pytestmark = pytest.mark.cluster

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: "nginx:1.27"}
"""


@pytest.fixture(scope="module")
def shell():
    """One IPython shell (no history file) with `%load_ext k8slab` done."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ipython = InteractiveShell.instance(config=config)
    result = ipython.run_cell("%load_ext k8slab")
    assert result.success
    yield ipython
    InteractiveShell.clear_instance()


@pytest.fixture
def k(shell, lab, capsys):
    """Run a cell in the shell on this test's lab; return (result, stdout, stderr)."""
    lab.use()
    capsys.readouterr()

    def run(cell: str):
        result = shell.run_cell(cell)
        out = capsys.readouterr()
        return result, out.out, out.err

    return run


def ok(k, cell: str) -> str:
    """Run a cell that must succeed; its printed output."""
    result, out, err = k(cell)
    assert result.success, f"{cell!r} failed: {out}{err}"
    return out


def images(lab) -> list[str]:
    return [c["image"] for c in lab.get("deploy", "web")["spec"]["template"]["spec"]["containers"]]


# -- what %load_ext registers ------------------------------------------------------------------
def test_load_ext_registers_the_k_line_magic_and_the_apply_cell_magic(shell):
    magics = shell.magics_manager.magics
    assert "k" in magics["line"] and "apply" in magics["cell"]


# -- commands ----------------------------------------------------------------------------------
def test_k_apply_f_applies_a_file(k, lab, tmp_path: Path):
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)
    assert ok(k, f"%k apply -f {path}").strip() == "deployment.apps/web created"
    assert lab.exists("deployment", "web")
    assert ok(k, f"%k apply -f {path}").strip() == "deployment.apps/web unchanged"


def test_apply_cell_magic_applies_the_yaml_of_the_cell(k, lab):
    out = ok(k, "%%apply\n" + DEPLOYMENT + "---\napiVersion: v1\nkind: ConfigMap\n"
             "metadata: {name: settings}\ndata: {MODE: x}\n")
    assert out.splitlines() == ["deployment.apps/web created", "configmap/settings created"]
    assert lab.get("configmap", "settings")["data"] == {"MODE": "x"}


def test_apply_cell_magic_takes_a_namespace(k, lab):
    other = f"{lab.namespace}-x"
    assert ok(k, f"%k create namespace {other}").strip() == f"namespace/{other} created"
    ok(k, f"%%apply -n {other}\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: there}}\n")
    assert lab.exists("configmap", "there", namespace=other)
    assert not lab.exists("configmap", "there")


def test_k_get_pods_shows_a_table_of_the_pods(k, lab):
    lab.apply(DEPLOYMENT)
    lab.wait_for("deployment", "web", "Available", timeout=60)
    [pod] = lab.get("pods", selector="app=web")
    lines = ok(k, "%k get pods").splitlines()
    assert lines[0].split()[:3] == ["NAME", "READY", "STATUS"]
    assert lines[1].split()[:3] == [pod["metadata"]["name"], "1/1", "Running"]


def test_k_get_one_object_as_yaml_and_as_names(k, lab):
    lab.apply(DEPLOYMENT)
    obj = yaml.safe_load(ok(k, "%k get deploy web -o yaml"))
    assert obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web"
    assert "managedFields" not in obj["metadata"]
    assert ok(k, "%k get deployments -o name").strip() == "deployment.apps/web"


def test_k_scale_sets_the_replicas(k, lab):
    lab.apply(DEPLOYMENT)
    assert ok(k, "%k scale deploy/web --replicas=2").strip() == "deployment.apps/web scaled to 2"
    lab.wait_for("deploy", "web", "replicas=2", timeout=60)
    assert lab.get("deploy", "web")["spec"]["replicas"] == 2


def test_k_set_image_rollout_status_history_and_undo(k, lab):
    lab.apply(DEPLOYMENT)
    assert "successfully rolled out" in ok(k, "%k rollout status deploy/web --timeout=60")
    assert ok(k, "%k set image deploy/web app=nginx:1.28").strip() == \
        "deployment.apps/web image updated: app=nginx:1.28"
    ok(k, "%k rollout status deployment web --timeout=1m")
    history = ok(k, "%k rollout history deploy/web").splitlines()
    assert [line.split()[0] for line in history] == ["REVISION", "1", "2"]
    assert "set image app=nginx:1.28" in history[2]
    assert ok(k, "%k rollout undo deploy/web").strip() == \
        "deployment 'web' rolled back to revision 1"
    assert images(lab) == ["nginx:1.27"]
    ok(k, "%k rollout status deploy/web")
    assert ok(k, "%k rollout undo deploy/web --to-revision=2").strip() == \
        "deployment 'web' rolled back to revision 2"
    assert images(lab) == ["nginx:1.28"]


def test_k_create_namespace_creates_it_once(k, lab):
    name = f"{lab.namespace}-made"
    assert ok(k, f"%k create namespace {name}").strip() == f"namespace/{name} created"
    assert ok(k, f"%k create ns {name}").strip() == f"namespace/{name} exists"
    assert lab.exists("namespace", name)


def test_k_delete_removes_the_object(k, lab):
    lab.apply(DEPLOYMENT)
    assert ok(k, "%k delete deploy web").strip() == "deployment.apps/web deleted"
    assert not lab.exists("deployment", "web")


def test_k_delete_f_removes_what_the_file_holds(k, lab, tmp_path: Path):
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)
    lab.apply(path)
    assert ok(k, f"%k delete -f {path}").strip() == "deployment.apps/web deleted"
    assert not lab.exists("deployment", "web")


def test_k_describe_shows_the_object(k, lab):
    lab.apply(DEPLOYMENT)
    out = ok(k, "%k describe deploy web")
    assert out.startswith("Name:             web\n")
    assert f"Namespace:        {lab.namespace}" in out and "app: nginx:1.27" in out


def test_k_label_and_wait(k, lab):
    lab.apply(DEPLOYMENT)
    assert ok(k, "%k label deploy web tier=front").strip() == "deployment.apps/web labeled"
    assert lab.get("deploy", "web")["metadata"]["labels"] == {"tier": "front"}
    assert ok(k, "%k wait deploy/web --for=condition=Available --timeout=60s").strip() == \
        "deployment 'web': Available"


@pytest.mark.parametrize("line", ["help", "get -h", "rollout --help"])
def test_help_shows_the_usage(k, line):
    out = ok(k, f"%k {line}")
    assert out.startswith("%k get KIND") and "%%apply" in out


# -- bad commands ------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "words"), [
    ("bogus", "unknown command 'bogus'"),
    ("get", "required: kind"),
    ("scale deploy/web", "required: --replicas"),
    ("scale deploy/web --replicas=many", "--replicas must be a number"),
    ("rollout", "required: action"),
    ("rollout sideways deploy/web", "invalid choice: 'sideways'"),
    ("set image deploy/web", "give CONTAINER=IMAGE"),
    ("set env deploy/web", "only `set image`"),
    ("create secret x", "invalid choice: 'secret'"),
    ("get pods -o bogus", "unknown output format 'bogus'"),
    ("wait deploy/web --for=Available --timeout=soon", "'soon' is not a duration"),
    ("rollout status deploy/web --timeout=xx", "'xx' is not a duration"),
    ("label", "which object?"),
    ("label deploy", "which deploy?"),
    ("annotate deploy web nonsense", "'nonsense' is not key=value"),
    ("cordon", "which node?"),
    ("drain --force", "which node?"),
    ("exec --", "which pod?"),
    ("exec web-0 ls", "put the command after --"),
    ("describe", "which kind?"),
    ("get pods 'unterminated", "No closing quotation"),
])
def test_a_bad_command_prints_a_short_error_not_a_traceback(k, line, words):
    result, out, err = k(f"%k {line}")
    assert isinstance(result.error_in_exec, K8sLabError), repr(result.error_in_exec)
    assert words in err and err.startswith("UsageError: %k")
    assert "Traceback" not in out + err and "File " not in out + err
    assert len((out + err).splitlines()) <= 16


@pytest.mark.parametrize(("cell", "error", "words"), [
    ("%k get deploy nope", "NotFound", 'deployments.apps "nope" not found'),
    ("%k get deploymnt", "NotFound", "did you mean 'deployment'"),
    ("%k apply -f /no/such/file.yaml", "InvalidManifest", "no such manifest file"),
    ("%%apply\napiVersion: v1\nkind: ConfigMap\nmetadata:\n name: x\n  data: 1\n",
     "InvalidManifest", "line 6"),
    ("%%apply 'x\napiVersion: v1\n", "UsageError", "No closing quotation"),
    ("%k logs web-0", "NotAvailable", "not available on simulated nodes"),
])
def test_an_error_from_the_cluster_prints_as_one_short_message(k, cell, error, words):
    result, out, err = k(cell)
    assert isinstance(result.error_in_exec, K8sLabError)
    assert err.startswith(f"{error}: ") and words in err
    assert "Traceback" not in out + err and len(err.splitlines()) <= 4


# -- secrets -----------------------------------------------------------------------------------
def test_get_secret_as_yaml_hides_values_unless_reveal(k, lab):
    lab.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
               "stringData": {"password": "hunter2-magic"}})
    hidden = yaml.safe_load(ok(k, "%k get secret db -o yaml"))
    assert hidden["data"] == {"password": "<hidden: add --reveal>"}
    shown = yaml.safe_load(ok(k, "%k get secret db -o yaml --reveal"))
    assert shown["data"] == {"password": "aHVudGVyMi1tYWdpYw=="}  # base64 of the value
