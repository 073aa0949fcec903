"""`Lab`: one connection to one cluster and namespace, with the verbs learners use."""

from __future__ import annotations

import base64
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import applying, conditions, rollout, waiting
from . import describe as describing
from .apierrors import translated
from .capabilities import Capabilities, detect
from .errors import InvalidManifest, K8sLabError, NotAvailable, NotFound, Timeout
from .kinds import Kind, KindIndex
from .tables import TABLE_ACCEPT, Table, from_server
from .text import Text

MANAGED_LABEL = "k8slab.dev/managed"


class Lab:
    """A connection to a cluster, working in one namespace. Create it with `k8slab.connect()`."""

    def __init__(self, api_client, namespace: str, target, created_namespace: bool = False):
        from kubernetes import client, dynamic

        self.api_client = api_client
        self.namespace = namespace
        self.target = target
        self.context = target.context
        self.kubeconfig = target.kubeconfig
        self.server = api_client.configuration.host
        self.core = client.CoreV1Api(api_client)
        self.dynamic = dynamic.DynamicClient(api_client, cache_file=_discovery_cache(self.server))
        self._index: KindIndex | None = None
        self._capabilities: Capabilities | None = None
        self._created_namespace = created_namespace
        self._applied: list[tuple[Kind, str | None, str]] = []
        self._extra_namespaces: list[str] = []  # made by create_namespace: cleaned up too
        self._views: list = []
        self._informers = None

    def __repr__(self) -> str:
        return (f"<Lab {self.context or 'default context'} at {self.server}, "
                f"namespace {self.namespace!r}>")

    # -- kinds and resources -------------------------------------------------------------
    def kind(self, name: str | Kind) -> Kind:
        """Resolve `deploy`, `Deployment`, `deployments.apps`... to a Kind."""
        if isinstance(name, Kind):
            return name
        if not isinstance(name, str) or not name.strip():
            raise NotFound(f"a kind is a name like 'deployment' or 'pods', not {name!r}",
                           hint="list the kinds with lab.api_resources() or %k api-resources")
        try:
            return self._kinds().resolve(name)
        except NotFound:
            self._index = None  # a CRD may have appeared since: look again once
            self.dynamic.resources.invalidate_cache()
            return self._kinds().resolve(name)

    def _kinds(self) -> KindIndex:
        if self._index is None:
            with translated("discovering the API"):
                self._index = KindIndex(self.dynamic.resources.search())
        return self._index

    def _kind_for_manifest(self, api_version: str, kind: str) -> Kind:
        try:
            return self._kinds().for_manifest(api_version, kind)
        except InvalidManifest:
            self._index = None
            self.dynamic.resources.invalidate_cache()
            return self._kinds().for_manifest(api_version, kind)

    def _resource(self, kind: Kind):
        with translated(f"looking up {kind.display}"):
            return self.dynamic.resources.get(api_version=kind.api_version, kind=kind.kind)

    def _ns(self, kind: Kind, namespace: str | None) -> str | None:
        return (namespace or self.namespace) if kind.namespaced else None

    def _remember(self, kind: Kind, namespace: str | None, name: str) -> None:
        if (kind, namespace, name) not in self._applied:
            self._applied.append((kind, namespace, name))

    def use(self) -> Lab:
        """Make this lab the one the `%k` and `%%apply` magics act on."""
        from . import connecting

        connecting.current = self
        return self

    def api_resources(self) -> Table:
        """The kinds this cluster serves (like `kubectl api-resources`)."""
        rows = [[k.plural, ",".join(k.short_names), k.api_version, str(k.namespaced).lower(),
                 k.kind] for k in self._kinds().kinds()]
        return Table(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], rows)

    # -- reading -------------------------------------------------------------------------
    def get(self, kind: str, name: str | None = None, selector: str | None = None,
            namespace: str | None = None, all_namespaces: bool = False) -> Any:
        """One object (a dict) by name, or a list of dicts (optionally by label selector)."""
        k = self.kind(kind)
        ns = None if all_namespaces else self._ns(k, namespace)
        what = f"getting {k.display}" + (f" {name!r}" if name else "s")
        with self._explained(ns), translated(what):
            if name:
                obj = self._resource(k).get(name=name, namespace=ns).to_dict()
                return obj
            items = self._resource(k).get(namespace=ns, label_selector=selector).to_dict()
        objs = items.get("items") or []
        if not objs:
            self._require_namespace(ns)
        for obj in objs:
            obj.setdefault("kind", k.kind)
            obj.setdefault("apiVersion", k.api_version)
        return objs

    @contextmanager
    def _explained(self, namespace: str | None):
        """A NotFound in another namespace than the lab's: say so when that namespace is
        missing (the API server only says the object is not found)."""
        try:
            yield
        except NotFound:
            self._require_namespace(namespace)
            raise

    def _require_namespace(self, namespace: str | None) -> None:
        if not namespace or namespace == self.namespace:
            return
        try:
            self.get("namespace", namespace)
        except NotFound:
            raise NotFound(f"namespace {namespace!r} does not exist",
                           hint="check its name with lab.get('namespaces'), or create it: "
                           f"lab.create_namespace({namespace!r})") from None
        except K8sLabError:  # this identity may not read namespaces: say nothing more
            return

    def exists(self, kind: str, name: str, namespace: str | None = None) -> bool:
        try:
            self.get(kind, name, namespace=namespace)
            return True
        except NotFound:
            return False

    def table(self, kind: str, name: str | None = None, selector: str | None = None,
              namespace: str | None = None, all_namespaces: bool = False,
              wide: bool = True) -> Table:
        """A `kubectl get -o wide` table, computed by the API server."""
        k = self.kind(kind)
        ns = None if all_namespaces else self._ns(k, namespace)
        resource = self._resource(k)
        path = resource.path(name=name, namespace=ns)
        with self._explained(ns), translated(f"listing {k.display}"):
            data = self.dynamic.request("get", path, label_selector=selector,
                                        header_params={"Accept": TABLE_ACCEPT},
                                        serialize=False)
        import json

        table = from_server(json.loads(data.data), wide=wide,
                            namespace_column=all_namespaces and k.namespaced)
        if not table.rows:
            self._require_namespace(ns)
        table.title = f"{k.plural} in {ns}" if ns else k.plural
        return table

    def describe(self, kind: str, name: str, namespace: str | None = None) -> Text:
        """What `kubectl describe` shows: the object's state and its events."""
        obj = self.get(kind, name, namespace=namespace)
        obj.setdefault("kind", self.kind(kind).kind)
        return describing.describe(obj, self._events_for(obj))

    def _events_for(self, obj: dict) -> list[dict]:
        meta = obj["metadata"]
        selector = f"involvedObject.uid={meta['uid']}"
        with translated("listing events"):
            items = self.core.list_namespaced_event(meta.get("namespace") or "default",
                                                    field_selector=selector) \
                if meta.get("namespace") else self.core.list_event_for_all_namespaces(
                    field_selector=selector)
        events = [self.api_client.sanitize_for_serialization(e) for e in items.items]
        return sorted(events, key=_event_time)

    def events(self, kind: str | None = None, name: str | None = None,
               limit: int = 20, namespace: str | None = None) -> Table:
        """Recent events in the namespace (of one object if kind and name are given)."""
        ns = namespace or self.namespace
        selector = None
        if kind and name:
            obj = self.get(kind, name, namespace=namespace)
            selector = f"involvedObject.uid={obj['metadata']['uid']}"
        with translated("listing events"):
            items = self.core.list_namespaced_event(ns, field_selector=selector).items
        events = sorted((self.api_client.sanitize_for_serialization(e) for e in items),
                        key=_event_time)[-limit:]
        from .text import age

        rows = [[age(_event_time(e)), e.get("type", ""), e.get("reason", ""),
                 f"{e['involvedObject'].get('kind', '').lower()}/{e['involvedObject'].get('name')}",
                 e.get("message", "").strip()] for e in events]
        return Table(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows,
                     title=f"events in {ns}")

    # -- writing -------------------------------------------------------------------------
    def apply(self, manifest: str | Path | dict | list,
              namespace: str | None = None) -> applying.Applied:
        """Server-side apply YAML text, a file, a dict or a list; all or nothing."""
        return applying.apply(self, manifest, namespace)

    def delete(self, kind: str, name: str | None = None, selector: str | None = None,
               wait: bool = True, timeout: float = 60, namespace: str | None = None) -> Text:
        """Delete by name or label selector; by default wait until the objects are gone."""
        if not name and not selector:
            raise K8sLabError("delete needs a name or a selector",
                              hint="e.g. lab.delete('pod', 'web') or "
                              "lab.delete('pod', selector='app=web')")
        k = self.kind(kind)
        ns = self._ns(k, namespace)
        names = [name] if name else [o["metadata"]["name"] for o in
                                     self.get(k.kind if not k.group else k.display,
                                              selector=selector, namespace=namespace)]
        with self._explained(ns), \
                translated(f"deleting {k.display}" + (f" {name!r}" if name else "")):
            for n in names:
                self._resource(k).delete(name=n, namespace=ns)
        if wait and names:
            self._wait(k, name, lambda objs: not (set(objs) & set(names)), timeout,
                       f"{k.display} {', '.join(names)} to be deleted", selector=selector,
                       namespace=namespace)
        self._applied = [a for a in self._applied if not (a[0] == k and a[2] in names)]
        if not names:
            return Text(f"no {k.plural} matched {selector!r}")
        return Text("\n".join(f"{k.display}/{n} deleted" for n in names))

    def _patch(self, kind: str | Kind, name: str, body, namespace: str | None = None,
               content_type: str = "application/merge-patch+json") -> dict:
        k = self.kind(kind)
        _need_name(k, name)
        with self._explained(self._ns(k, namespace)), \
                translated(f"changing {k.display} {name!r}"):
            return self._resource(k).patch(body=body, name=name,
                                           namespace=self._ns(k, namespace),
                                           content_type=content_type).to_dict()

    def label(self, kind: str, name: str, namespace: str | None = None, **labels) -> Text:
        """Set labels (a value of None removes one): `lab.label('pod', 'web', tier='front')`.
        Keys with dots or slashes: `lab.label('pod', 'web', **{'app.kubernetes.io/name': 'x'})`."""
        self._patch(kind, name, {"metadata": {"labels": labels}}, namespace)
        return Text(f"{self.kind(kind).display}/{name} labeled")

    def annotate(self, kind: str, name: str, namespace: str | None = None,
                 **annotations) -> Text:
        """Set annotations (None removes one)."""
        self._patch(kind, name, {"metadata": {"annotations": annotations}}, namespace)
        return Text(f"{self.kind(kind).display}/{name} annotated")

    def create_namespace(self, name: str) -> Text:
        """Create a namespace (labelled as k8slab's); no error if it exists."""
        if self.exists("namespace", name):
            return Text(f"namespace/{name} exists")
        with translated(f"creating namespace {name!r}"):
            self.core.create_namespace({"metadata": {"name": name,
                                                     "labels": {MANAGED_LABEL: "true"}}})
        if name != self.namespace:
            self._extra_namespaces.append(name)
        return Text(f"namespace/{name} created")

    # -- workloads -----------------------------------------------------------------------
    def scale(self, kind: str, name: str, replicas: int, namespace: str | None = None) -> Text:
        """Set the replica count through the scale subresource."""
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise K8sLabError(f"replicas must be a whole number >= 0, not {replicas!r}",
                              hint="e.g. lab.scale('deployment', 'web', 3)")
        k = self.kind(kind)
        _need_name(k, name)
        resource = self._resource(k)
        if "scale" not in resource.subresources:
            raise K8sLabError(f"{k.kind} cannot be scaled",
                              hint="scale Deployments, StatefulSets or ReplicaSets")
        with self._explained(self._ns(k, namespace)), \
                translated(f"scaling {k.display} {name!r}"):
            resource.subresources["scale"].patch(
                body={"spec": {"replicas": replicas}}, name=name,
                namespace=self._ns(k, namespace), content_type="application/merge-patch+json")
        return Text(f"{k.display}/{name} scaled to {replicas}")

    def set_image(self, kind: str, name: str, image: str, container: str | None = None,
                  namespace: str | None = None) -> Text:
        """Change a container's image (the only one, or `container`): starts a rollout."""
        obj = self.get(kind, name, namespace=namespace)
        template = (obj.get("spec") or {}).get("template")
        spec = (template or {}).get("spec") if template else obj.get("spec")
        containers = (spec or {}).get("containers") or []
        names = [c["name"] for c in containers]
        if container is None:
            if len(names) != 1:
                raise K8sLabError(f"{kind} {name!r} has containers {names}; say which",
                                  hint="pass container='<name>'")
            container = names[0]
        if container not in names:
            raise NotFound(f"{kind} {name!r} has no container {container!r}",
                           hint=f"its containers are {names}")
        new = [{"name": c, "image": image} for c in [container]]
        body = {"spec": {"template": {"spec": {"containers": new}}}} if template else \
            {"spec": {"containers": new}}
        body["metadata"] = {"annotations": {
            rollout.CHANGE_CAUSE: f"set image {container}={image}"}}
        self._patch(kind, name, body, namespace,
                    content_type="application/strategic-merge-patch+json")
        return Text(f"{self.kind(kind).display}/{name} image updated: {container}={image}")

    def rollout_status(self, kind: str, name: str, timeout: float = 120) -> Text:
        """Wait until the rollout is complete (raises Timeout with what is stuck)."""
        self.get(kind, name)  # NotFound at once, rather than a Timeout, if there is none
        return rollout.status(self, self.kind(kind), name, timeout)

    def rollout_history(self, kind: str, name: str) -> Table:
        """The revisions of a Deployment with their change cause and images."""
        self._deployment_only(kind, "rollout history")
        return rollout.history(self, name)

    def rollout_undo(self, kind: str, name: str, to_revision: int | None = None) -> Text:
        """Go back to the previous revision (or `to_revision`)."""
        self._deployment_only(kind, "rollout undo")
        return rollout.undo(self, name, to_revision)

    def rollout_restart(self, kind: str, name: str) -> Text:
        """Replace every pod, as `kubectl rollout restart` does (a template annotation)."""
        from datetime import datetime, timezone

        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._patch(kind, name, {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": stamp}}}}})
        return Text(f"{self.kind(kind).display}/{name} restarted")

    def _deployment_only(self, kind: str, verb: str) -> None:
        if self.kind(kind).kind != "Deployment":
            raise K8sLabError(f"{verb} is implemented for Deployments",
                              hint="use lab.describe(...) to see a StatefulSet's revisions")

    # -- waiting -------------------------------------------------------------------------
    def wait_for(self, kind: str, name: str | None = None, condition: str = "Ready",
                 timeout: float = 60, selector: str | None = None,
                 namespace: str | None = None) -> Text:
        """Wait until the object (or every object matching `selector`) meets `condition`:
        "Ready", "Available", "Complete", "Bound", "replicas=3", "phase=Running", "deleted"."""
        k = self.kind(kind)
        test = conditions.predicate(k.kind, condition)
        if name:
            check = lambda objs: test(objs.get(name))  # noqa: E731
            target = f"{k.kind.lower()} {name!r}"
        elif selector:
            if condition.lower() in ("deleted", "delete", "gone"):
                check = lambda objs: not objs  # noqa: E731
            else:
                check = lambda objs: bool(objs) and all(map(test, objs.values()))  # noqa: E731
            target = f"{k.plural} matching {selector!r}"
        else:
            raise K8sLabError("wait_for needs a name or a selector")
        self._wait(k, name, check, timeout, f"{target} to be {condition}", selector=selector,
                   namespace=namespace)
        if k.kind == "CustomResourceDefinition" and name:
            self._await_new_kind(self.get(k.kind, name), timeout)
        return Text(f"{target}: {condition}")

    def refresh_api(self) -> None:
        """Forget what this lab knew of the API's kinds (after a CRD was added or removed)."""
        self._index = None
        self.dynamic.resources.invalidate_cache()

    def _await_new_kind(self, crd: dict, timeout: float) -> None:
        """An Established CRD reaches discovery a moment later: refresh until its kind shows."""
        spec = crd.get("spec") or {}
        kind, group = spec.get("names", {}).get("kind"), spec.get("group")
        deadline = time.monotonic() + min(timeout, 30)
        while True:
            self.refresh_api()
            if any(k.kind == kind and k.group == group for k in self._kinds().kinds()):
                return
            if time.monotonic() > deadline:
                raise Timeout(f"the kind {kind} ({group}) is Established but discovery does "
                               "not list it yet", hint="run the cell again in a moment")
            time.sleep(0.2)

    def _wait(self, kind: Kind, name, test, timeout, what, selector=None, namespace=None,
              describe=None):
        return waiting.wait(self, kind, name, test, timeout, what, selector=selector,
                            namespace=namespace, describe=describe)

    # -- simulated machines (teaching helpers) -------------------------------------------
    def set_ready(self, pod: str, ready: bool = True) -> Text:
        """Make a simulated pod's readiness probe fail (False) or pass again (True)."""
        self._simulated_only("set_ready")
        self.annotate("pod", pod, **{"k8slab.dev/ready": None if ready else "false"})
        return Text(f"pod/{pod}: readiness probe will {'pass' if ready else 'fail'}")

    def node_not_ready(self, node: str) -> Text:
        """Make a simulated node's kubelet stop reporting Ready (its pods get evicted)."""
        self._simulated_only("node_not_ready")
        self.annotate("node", node, **{"k8slab.dev/not-ready": "true"})
        return Text(f"node/{node}: kubelet stopped (simulated); it turns NotReady")

    def node_ready(self, node: str) -> Text:
        """Bring a simulated node back to Ready."""
        self._simulated_only("node_ready")
        self.annotate("node", node, **{"k8slab.dev/not-ready": None})
        return Text(f"node/{node}: kubelet back (simulated); it turns Ready")

    def cordon(self, node: str, on: bool = True) -> Text:
        """Mark a node (un)schedulable."""
        self._patch("node", node, {"spec": {"unschedulable": True if on else None}})
        return Text(f"node/{node} {'cordoned' if on else 'uncordoned'}")

    def uncordon(self, node: str) -> Text:
        return self.cordon(node, on=False)

    def drain(self, node: str, timeout: float = 60) -> Text:
        """Cordon a node and evict its pods (DaemonSet pods stay), like `kubectl drain`."""
        self.cordon(node)
        evicted = []
        for pod in self.get("pod", all_namespaces=True):
            spec, meta = pod.get("spec") or {}, pod["metadata"]
            owners = meta.get("ownerReferences") or []
            if spec.get("nodeName") != node or any(o["kind"] == "DaemonSet" for o in owners):
                continue
            with translated(f"evicting pod {meta['name']!r}"):
                self.core.create_namespaced_pod_eviction(meta["name"], meta["namespace"], {
                    "apiVersion": "policy/v1", "kind": "Eviction",
                    "metadata": {"name": meta["name"], "namespace": meta["namespace"]}})
            evicted.append(meta["name"])
        return Text(f"node/{node} drained: evicted {len(evicted)} pod(s)"
                    + (f": {', '.join(sorted(evicted))}" if evicted else ""))

    def _simulated_only(self, verb: str) -> None:
        if not self.capabilities.simulated:
            raise NotAvailable(f"{verb} simulates a failure on kwok's simulated nodes; this "
                               "cluster runs real ones",
                               hint="on a real cluster, break a readiness probe or stop a "
                               "node's kubelet instead")

    # -- real containers -----------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """What this cluster can do: simulated nodes? exec, logs, LoadBalancer, storage."""
        if self._capabilities is None:
            self._capabilities = detect(self)
        return self._capabilities

    def logs(self, pod: str, container: str | None = None, tail: int | None = None) -> Text:
        """A container's log (real clusters only)."""
        self.capabilities.require("logs")
        with translated(f"reading the logs of pod {pod!r}"):
            return Text(self.core.read_namespaced_pod_log(pod, self.namespace,
                                                          container=container,
                                                          tail_lines=tail))

    def exec(self, pod: str, command: list[str] | str, container: str | None = None) -> Text:
        """Run a command in a container and return its output (real clusters only)."""
        from kubernetes.stream import stream

        self.capabilities.require("exec")
        cmd = ["sh", "-c", command] if isinstance(command, str) else list(command)
        with translated(f"running {cmd} in pod {pod!r}"):
            out = stream(self.core.connect_get_namespaced_pod_exec, pod, self.namespace,
                         command=cmd, container=container, stderr=True, stdin=False,
                         stdout=True, tty=False)
        return Text(out)

    def port_forward(self, pod: str, port: int, local_port: int = 0):
        """Forward 127.0.0.1:`local_port` (0: a free one) to the pod's `port`, like
        `kubectl port-forward` (real clusters only). Use as `with lab.port_forward(...) as f:`
        and open `f.url`."""
        from .portforward import PortForward

        self.capabilities.require("port_forward")
        self.get("pod", pod)  # a missing pod is a NotFound now, not a closed socket later
        return PortForward(self.core, pod, self.namespace, port, local_port)

    # -- secrets -------------------------------------------------------------------------
    def reveal_secret(self, name: str, namespace: str | None = None) -> dict[str, str]:
        """Decode a Secret's values: base64 is an encoding, not encryption."""
        data = self.get("secret", name, namespace=namespace).get("data") or {}
        return {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}

    # -- identity ------------------------------------------------------------------------
    def as_user(self, user: str, groups: list[str] | None = None) -> Lab:
        """The same lab acting as another identity (impersonation), e.g.
        `lab.as_user("system:serviceaccount:ns:reader")`: see what RBAC allows it."""
        from kubernetes import client

        config = client.Configuration()
        for key, value in vars(self.api_client.configuration).items():
            setattr(config, key, value)
        api = client.ApiClient(config)
        api.set_default_header("Impersonate-User", user)
        for group in groups or []:
            api.set_default_header("Impersonate-Group", group)
        other = Lab(api, self.namespace, self.target)
        other._index = self._index
        other._capabilities = self._capabilities
        return other

    # -- views (see k8slab.viz) ----------------------------------------------------------
    def show(self, what: str, name: str | None = None, **options):
        """Open the live view that fits: pods, a Deployment's rollout, a Service, ..."""
        from .viz import show

        return show(self, what, name, **options)

    @property
    def informers(self):
        """The shared informers of this lab (one watch per kind and namespace)."""
        if self._informers is None:
            from .informers import InformerHub

            self._informers = InformerHub(self)
        return self._informers

    # -- cleaning up ---------------------------------------------------------------------
    def cleanup(self, wait: bool = True, timeout: float = 90) -> Text:
        """Delete what this lab created (its namespace, or the objects it applied).

        With `wait=False` the namespace is left terminating in the background; connecting to
        it again (`connect(namespace=..., fresh=True)`) waits for it to be gone first.
        """
        for view in list(self._views):
            view.stop()
        made = self._extra_namespaces + [n for k, _, n in self._applied
                                         if k.kind == "Namespace" and n != self.namespace]
        extras = [n for n in dict.fromkeys(made) if self.exists("namespace", n)]
        for extra in extras:  # all deleted at once, then awaited: they finish in parallel
            delete_namespace(self, extra, timeout, wait=False)
        self._extra_namespaces.clear()
        if self._created_namespace or self.namespace_is_managed():
            delete_namespace(self, self.namespace, timeout, wait=wait)
            if wait:
                _await_gone(self, extras, timeout)
            self._applied.clear()
            return Text(f"namespace {self.namespace!r} deleted"
                        + ("" if wait else " (finishing in the background)"))
        if wait:
            _await_gone(self, extras, timeout)
        deleted = []
        for kind, ns, name in reversed(self._applied):
            try:
                self.delete(kind, name, namespace=ns, timeout=timeout)
                deleted.append(f"{kind.display}/{name}")
            except NotFound:
                pass
        self._applied.clear()
        return Text("deleted: " + (", ".join(deleted) or "nothing"))

    def namespace_is_managed(self) -> bool:
        try:
            ns = self.get("namespace", self.namespace)
        except NotFound:
            return False
        return (ns["metadata"].get("labels") or {}).get(MANAGED_LABEL) == "true"

    def close(self) -> None:
        """Stop views and informers, close connections."""
        for view in list(self._views):
            view.stop()
        if self._informers is not None:
            self._informers.stop()
            self._informers = None
        self.api_client.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def delete_namespace(lab: Lab, name: str, timeout: float = 90, wait: bool = True) -> None:
    """Delete a namespace and (by default) wait until it is gone (its objects go with it).
    Its pods are removed at once (grace period 0): nothing runs in them worth waiting for."""
    ns_kind = lab.kind("namespace")
    with translated(f"deleting namespace {name!r}"):
        try:
            lab.core.delete_namespace(name)
        except Exception as exc:  # already gone is fine
            if getattr(exc, "status", None) != 404:
                raise
        lab.core.delete_collection_namespaced_pod(name, grace_period_seconds=0)
    if not wait:
        return
    lab._wait(ns_kind, name, lambda objs: name not in objs, timeout,
              f"namespace {name!r} to be deleted")


def _await_gone(lab: Lab, namespaces: list[str], timeout: float) -> None:
    ns_kind = lab.kind("namespace")
    for name in namespaces:
        lab._wait(ns_kind, name, lambda objs, n=name: n not in objs, timeout,
                  f"namespace {name!r} to be deleted")


def _need_name(kind: Kind, name) -> None:
    if not isinstance(name, str) or not name:
        raise K8sLabError(f"which {kind.kind}? give its name (text), not {name!r}",
                          hint=f"list them with lab.table({kind.plural!r})")


def _event_time(event: dict) -> str:
    return (event.get("lastTimestamp") or event.get("eventTime")
            or (event.get("metadata") or {}).get("creationTimestamp") or "")


def _discovery_cache(server: str) -> str:
    import hashlib
    import tempfile

    digest = hashlib.sha256(server.encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"k8slab-discovery-{digest}.json")
