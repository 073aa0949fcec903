"""`%k` (kubectl-like) and `%%apply` IPython magics, running on the Python client so they
work where no kubectl binary is installed (Binder, Windows)."""

from __future__ import annotations

import argparse
import json
import re
import shlex

import yaml

from .errors import K8sLabError
from .text import Text

USAGE = """%k get KIND[,KIND] [NAME] [-l SELECTOR] [-o wide|yaml|json|name] [-n NS] [-A]
%k describe KIND NAME          %k events [KIND NAME]
%k apply -f FILE               %%apply   (a cell of YAML)
%k delete KIND NAME | KIND -l SELECTOR | -f FILE
%k scale KIND/NAME --replicas=N
%k rollout status|history|undo|restart KIND/NAME [--to-revision=N] [--timeout=120]
%k set image KIND/NAME CONTAINER=IMAGE
%k create namespace NAME | create deployment NAME --image=IMAGE [--replicas=N]
%k label|annotate KIND NAME key=value key-
%k wait KIND/NAME --for=CONDITION [--timeout=60]
%k logs POD | exec POD -- COMMAND      (real clusters)
%k cordon|uncordon|drain NODE          %k api-resources | config current-context"""


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class UsageError(K8sLabError):
    """The %k command line could not be understood."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, add_help=False, **kwargs)  # `-h` shows USAGE (see run)

    def error(self, message):
        raise UsageError(f"%k: {message}", hint="usage:\n" + USAGE)


def _kind_name(args: list[str]) -> tuple[str, str | None]:
    """`deploy/web` or `deploy web` -> ("deploy", "web")."""
    if not args:
        raise UsageError("%k: which kind?", hint="e.g. %k get pods")
    if "/" in args[0]:
        kind, name = args[0].split("/", 1)
        return kind, name
    return args[0], args[1] if len(args) > 1 else None


def _redact(obj: dict) -> dict:
    if obj.get("kind") == "Secret":
        obj = dict(obj)
        obj["data"] = {k: "<hidden: add --reveal>" for k in obj.get("data") or {}}
        obj.pop("stringData", None)
        meta = dict(obj.get("metadata") or {})
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                       if k != LAST_APPLIED}  # kubectl apply keeps the values there
        meta["annotations"] = annotations or None
        obj["metadata"] = {k: v for k, v in meta.items() if v is not None}
    return obj


def _clean(obj: dict) -> dict:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return {**obj, "metadata": meta}


class Commands:
    """The %k verbs; each returns something a notebook displays (Table, Text, ...)."""

    def __init__(self, lab):
        self.lab = lab

    def run(self, line: str):
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"%k: {exc}") from None
        options = argv[:argv.index("--")] if "--" in argv else argv
        if not argv or argv[0] in ("help", "-h", "--help") or \
                {"-h", "--help"} & set(options):
            return Text(USAGE)
        verb, rest = argv[0], argv[1:]
        handler = getattr(self, "do_" + verb.replace("-", "_"), None)
        if handler is None:
            raise UsageError(f"%k: unknown command {verb!r}", hint="usage:\n" + USAGE)
        return handler(rest)

    def do_get(self, argv):
        p = _Parser(prog="%k get")
        p.add_argument("kind")
        p.add_argument("names", nargs="*")
        p.add_argument("-l", "--selector")
        p.add_argument("-o", "--output", default="wide")
        p.add_argument("-n", "--namespace")
        p.add_argument("-A", "--all-namespaces", action="store_true")
        p.add_argument("--reveal", action="store_true")
        a = p.parse_args(argv)
        kind, name = _kind_name([a.kind, *a.names[:1]])
        names = [name] if name else [None]
        names += a.names[1:]
        if a.output in ("wide", "table", ""):
            tables = [self.lab.table(k, n, selector=a.selector, namespace=a.namespace,
                                     all_namespaces=a.all_namespaces)
                      for k in kind.split(",") for n in names]
            return tables[0] if len(tables) == 1 else _Many(tables)
        objs = []
        for k in kind.split(","):
            for n in names:
                got = self.lab.get(k, n, selector=a.selector, namespace=a.namespace,
                                   all_namespaces=a.all_namespaces)
                objs.extend(got if isinstance(got, list) else [got])
        objs = [_clean(o) if a.reveal else _redact(_clean(o)) for o in objs]
        if a.output == "name":
            return Text("\n".join(f"{self.lab.kind(o.get('kind', kind)).display}/"
                                  f"{o['metadata']['name']}" for o in objs))
        data = objs[0] if name and len(objs) == 1 else {"apiVersion": "v1", "kind": "List",
                                                         "items": objs}
        if a.output == "json":
            return Text(json.dumps(data, indent=2))
        if a.output == "yaml":
            return Text(yaml.safe_dump(data, sort_keys=False))
        raise UsageError(f"%k get: unknown output format {a.output!r}",
                         hint="use -o wide, yaml, json or name")

    def do_describe(self, argv):
        kind, name = _kind_name(argv)
        if not name:
            raise UsageError("%k describe: which one?", hint="e.g. %k describe deploy web")
        return self.lab.describe(kind, name)

    def do_events(self, argv):
        kind, name = _kind_name(argv) if argv else (None, None)
        return self.lab.events(kind, name)

    def do_apply(self, argv):
        p = _Parser(prog="%k apply")
        p.add_argument("-f", "--filename", required=True, action="append")
        p.add_argument("-n", "--namespace")
        a = p.parse_args(argv)
        outcomes = []
        for f in a.filename:
            outcomes.append(repr(self.lab.apply(f, namespace=a.namespace)))
        return Text("\n".join(outcomes))

    def do_delete(self, argv):
        p = _Parser(prog="%k delete")
        p.add_argument("target", nargs="*")
        p.add_argument("-l", "--selector")
        p.add_argument("-f", "--filename")
        p.add_argument("--wait", default="true")
        a = p.parse_args(argv)
        wait = a.wait.lower() != "false"
        if a.filename:
            from . import manifests

            lines = []
            objects = manifests.load(a.filename)
            for i, obj in enumerate(objects):
                manifests.check_shape(obj, i)
            for obj in reversed(objects):
                lines.append(self.lab.delete(obj["kind"], obj["metadata"]["name"], wait=wait,
                                             namespace=obj["metadata"].get("namespace")))
            return Text("\n".join(lines))
        kind, name = _kind_name(a.target)
        return self.lab.delete(kind, name, selector=a.selector, wait=wait)

    def do_scale(self, argv):
        p = _Parser(prog="%k scale")
        p.add_argument("target", nargs="+")
        p.add_argument("--replicas", required=True)
        a = p.parse_args(argv)
        kind, name = _kind_name(a.target)
        try:
            replicas = int(a.replicas)
        except ValueError:
            raise UsageError(f"%k scale: --replicas must be a number, not {a.replicas!r}") \
                from None
        return self.lab.scale(kind, name, replicas)

    def do_rollout(self, argv):
        p = _Parser(prog="%k rollout")
        p.add_argument("action", choices=["status", "history", "undo", "restart"])
        p.add_argument("target", nargs="+")
        p.add_argument("--to-revision", type=int)
        p.add_argument("--timeout", default="120")
        a = p.parse_args(argv)
        kind, name = _kind_name(a.target)
        if a.action == "status":
            return self.lab.rollout_status(kind, name, timeout=_seconds(a.timeout))
        if a.action == "history":
            return self.lab.rollout_history(kind, name)
        if a.action == "restart":
            return self.lab.rollout_restart(kind, name)
        return self.lab.rollout_undo(kind, name, a.to_revision)

    def do_set(self, argv):
        if not argv or argv[0] != "image":
            raise UsageError("%k set: only `set image` is supported",
                             hint="%k set image deploy/web nginx=nginx:1.28")
        p = _Parser(prog="%k set image")
        p.add_argument("target", nargs="+")
        a = p.parse_args(argv[1:])
        pairs = [t for t in a.target if "=" in t]
        kind, name = _kind_name([t for t in a.target if "=" not in t])
        if not pairs:
            raise UsageError("%k set image: give CONTAINER=IMAGE")
        return Text("\n".join(self.lab.set_image(kind, name, image, container=c)
                              for c, image in (pair.split("=", 1) for pair in pairs)))

    def do_create(self, argv):
        p = _Parser(prog="%k create")
        p.add_argument("what", choices=["namespace", "ns", "deployment", "deploy"])
        p.add_argument("name")
        p.add_argument("--image")
        p.add_argument("--replicas", type=int, default=1)
        a = p.parse_args(argv)
        if a.what in ("namespace", "ns"):
            return self.lab.create_namespace(a.name)
        if not a.image:
            raise UsageError("%k create deployment: --image is required")
        labels = {"app": a.name}
        return self.lab.apply({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": a.name, "labels": labels},
            "spec": {"replicas": a.replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                         {"name": a.image.split("/")[-1].split(":")[0], "image": a.image}]}}}})

    def _meta(self, argv, verb):
        if not argv:
            raise UsageError(f"%k {verb}: which object?",
                             hint=f"e.g. %k {verb} pod web key=value")
        kind, name = _kind_name(argv[:2] if "/" not in argv[0] else argv[:1])
        if not name:
            raise UsageError(f"%k {verb}: which {kind}? give its name",
                             hint=f"e.g. %k {verb} {kind} web key=value")
        pairs = argv[1:] if "/" in argv[0] else argv[2:]
        values = {}
        for pair in pairs:
            if pair == "--overwrite":
                continue
            if pair.endswith("-") and "=" not in pair:
                values[pair[:-1]] = None
            elif "=" in pair:
                key, value = pair.split("=", 1)
                values[key] = value
            else:
                raise UsageError(f"%k {verb}: {pair!r} is not key=value or key-")
        return getattr(self.lab, verb)(kind, name, **values)

    def do_label(self, argv):
        return self._meta(argv, "label")

    def do_annotate(self, argv):
        return self._meta(argv, "annotate")

    def do_wait(self, argv):
        p = _Parser(prog="%k wait")
        p.add_argument("target", nargs="+")
        p.add_argument("--for", dest="condition", required=True)
        p.add_argument("--timeout", default="60")
        p.add_argument("-l", "--selector")
        a = p.parse_args(argv)
        kind, name = _kind_name(a.target)
        condition = a.condition.removeprefix("condition=")
        return self.lab.wait_for(kind, name, condition, timeout=_seconds(a.timeout),
                                 selector=a.selector)

    def do_logs(self, argv):
        p = _Parser(prog="%k logs")
        p.add_argument("pod")
        p.add_argument("-c", "--container")
        p.add_argument("--tail", type=int)
        a = p.parse_args(argv)
        return self.lab.logs(a.pod.removeprefix("pod/"), a.container, a.tail)

    def do_exec(self, argv):
        if "--" not in argv:
            raise UsageError("%k exec: put the command after --", hint="%k exec web-0 -- hostname")
        split = argv.index("--")
        pod = _node_or_pod(argv[:split], "exec", "%k exec web-0 -- hostname")
        return self.lab.exec(pod.removeprefix("pod/"), argv[split + 1:])

    def do_cordon(self, argv):
        return self.lab.cordon(_node_or_pod(argv, "cordon").removeprefix("node/"))

    def do_uncordon(self, argv):
        return self.lab.uncordon(_node_or_pod(argv, "uncordon").removeprefix("node/"))

    def do_drain(self, argv):
        return self.lab.drain(_node_or_pod(argv, "drain").removeprefix("node/"))

    def do_api_resources(self, argv):
        return self.lab.api_resources()

    def do_config(self, argv):
        if argv[:1] == ["current-context"]:
            return Text(self.lab.context or "(the kubeconfig's current context)")
        if argv[:1] == ["get-contexts"]:
            from kubernetes import config as kube_config

            contexts, active = kube_config.list_kube_config_contexts(str(self.lab.kubeconfig))
            return Text("\n".join(("* " if c["name"] == active["name"] else "  ")
                                  + f"{c['name']:<24} cluster={c['context'].get('cluster')} "
                                  f"namespace={c['context'].get('namespace', 'default')}"
                                  for c in contexts))
        raise UsageError("%k config: use current-context or get-contexts")

    def do_version(self, argv):
        from kubernetes import client

        info = client.VersionApi(self.lab.api_client).get_code()
        return Text(f"Server Version: {info.git_version}")


class _Many(list):
    """Several tables shown one after another."""

    def _repr_html_(self) -> str:
        return "<br/>".join(t._repr_html_() for t in self)

    def __repr__(self) -> str:
        return "\n\n".join(map(str, self))


def _node_or_pod(argv: list[str], verb: str, example: str | None = None) -> str:
    """The first argument that is not an option: the node (or pod) a command acts on."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    raise UsageError(f"%k {verb}: which {'pod' if verb == 'exec' else 'node'}?",
                     hint=example or f"e.g. %k {verb} node-1")


def _seconds(text: str) -> float:
    text = str(text).strip()
    try:
        if text.endswith("ms"):
            return float(text[:-2]) / 1000
        if text.endswith("m"):
            return float(text[:-1]) * 60
        return float(text.rstrip("s"))
    except ValueError:
        raise UsageError(f"%k: {text!r} is not a duration",
                         hint="e.g. --timeout=90, --timeout=90s or --timeout=2m") from None


def _counted_in_cell(exc: K8sLabError) -> K8sLabError:
    """YAML line numbers as the cell shows them (its first line is `%%apply`)."""
    exc.message = re.sub(r"^manifest is not valid YAML at line (\d+)",
                         lambda m: f"the cell is not valid YAML at line {int(m[1]) + 1}",
                         exc.message)
    exc.args = (exc.message,)
    return exc


def current_lab():
    """The Lab the magics use: the last one `k8slab.connect()` made, else a new default one."""
    from . import connecting

    if connecting.current is None:
        connecting.connect()
    return connecting.current


def run_line(line: str, lab=None):
    """Run one `%k` command line; returns what the notebook should display."""
    return Commands(lab or current_lab()).run(line)


def register(ipython) -> None:
    """Register %k and %%apply with an IPython shell."""
    from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
    from IPython.display import display

    from .notebook import install_error_display

    install_error_display()

    @magics_class
    class K8sLabMagics(Magics):
        @line_magic
        def k(self, line):
            """kubectl-like commands on the current k8slab Lab (`%k help`)."""
            result = run_line(line)
            if result is not None:
                display(result)

        @cell_magic
        def apply(self, line, cell):
            """Server-side apply the YAML in this cell (`%%apply -n NAMESPACE` optional)."""
            p = _Parser(prog="%%apply")
            p.add_argument("-n", "--namespace")
            try:
                argv = shlex.split(line)
            except ValueError as exc:
                raise UsageError(f"%%apply: {exc}") from None
            a = p.parse_args(argv)
            try:
                applied = current_lab().apply(cell, namespace=a.namespace)
            except K8sLabError as exc:
                raise _counted_in_cell(exc) from None
            display(Text(repr(applied)))

    ipython.register_magics(K8sLabMagics)
