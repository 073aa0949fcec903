"""Exercise checks: look at the learner's cluster, say what is right, hint at what is wrong.

    checks.deployment(lab, "web", replicas=3, image="nginx:1.27")

A check returns a report (✔/✘ lines, shown as the cell's result). If anything is wrong it
raises CheckFailed carrying the same lines and hints, after retrying for a few seconds while
the cluster converges (so a notebook run in CI fails at that cell).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import K8sLabError, NotFound


class CheckFailed(K8sLabError):
    """An exercise check found something that is not as asked."""


@dataclass
class Report:
    """The outcome of one check: items of (passed, what, hint)."""

    title: str
    items: list[tuple[bool, str, str]] = field(default_factory=list)
    shown: bool = False

    def _ipython_display_(self) -> None:
        """Show once: a check cell with several checks shows each report one time."""
        if self.shown:
            return
        self.shown = True
        from IPython.display import display

        display({"text/html": self._repr_html_(), "text/plain": str(self)}, raw=True)

    def ok(self, what: str) -> None:
        self.items.append((True, what, ""))

    def fail(self, what: str, hint: str) -> None:
        self.items.append((False, what, hint))

    def expect(self, condition: bool, what: str, hint: str) -> bool:
        (self.ok if condition else lambda w: self.fail(w, hint))(what)
        return condition

    @property
    def passed(self) -> bool:
        return all(ok for ok, _, _ in self.items)

    def __str__(self) -> str:
        lines = [f"{'✔' if self.passed else '✘'} {self.title}"]
        for ok, what, hint in self.items:
            lines.append(f"  {'✔' if ok else '✘'} {what}" + ("" if ok else f"  (hint: {hint})"))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#cf222e"
        rows = "".join(
            f"<li style='color:{'#1a7f37' if ok else '#cf222e'}'>{'✔' if ok else '✘'} "
            f"{html.escape(what)}"
            + ("" if ok else f" <em style='color:#57606a'>hint: {html.escape(hint)}</em>")
            + "</li>" for ok, what, hint in self.items)
        return (f"<div class='k8slab-check'><strong style='color:{color}'>"
                f"{'✔' if self.passed else '✘'} {html.escape(self.title)}</strong>"
                f"<ul style='list-style:none;padding-left:1em;margin:0.2em 0'>{rows}</ul></div>")


def _run(title: str, build: Callable[[Report], None], within: float) -> Report:
    """Evaluate until it passes or `within` seconds are over; show it; raise if it failed."""
    deadline = time.monotonic() + within
    while True:
        report = Report(title)
        try:
            build(report)
        except NotFound as exc:
            report.fail(exc.message.split(": ", 1)[-1], exc.hint or "create it first")
        if report.passed or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    _show(report)
    if not report.passed:
        details = "see the ✘ lines above" if report.shown else str(report)
        raise CheckFailed(f"not yet: {title} ({details})" if report.shown
                          else f"not yet:\n{details}",
                          hint="fix what is marked ✘, then run the check again")
    return report


def _show(report: Report) -> None:
    """In a notebook, show the report where the check runs (also when it raises)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is not None:
        report._ipython_display_()


def _labels_match(labels: dict | None, wanted: dict | None) -> bool:
    return all((labels or {}).get(k) == v for k, v in (wanted or {}).items())


def exists(lab, kind: str, name: str, within: float = 5) -> Report:
    """The object exists."""
    return _run(f"{kind} {name!r} exists",
                lambda r: r.expect(lab.exists(kind, name), f"{kind} {name!r} exists",
                                   f"create it (lab.apply or %k create/apply) named {name!r}"),
                within)


def deployment(lab, name: str, replicas: int | None = None, image: str | None = None,
               labels: dict | None = None, ready: bool = True, within: float = 15) -> Report:
    """A Deployment with this many replicas, this image, these labels, all ready."""
    def build(r: Report) -> None:
        dep = lab.get("deployment", name)
        r.ok(f"deployment {name!r} exists")
        spec, status = dep["spec"], dep.get("status") or {}
        if replicas is not None:
            r.expect(spec.get("replicas") == replicas, f"it asks for {replicas} replicas",
                     f"it asks for {spec.get('replicas')}: scale it "
                     f"(lab.scale('deployment', '{name}', {replicas}))")
        if image is not None:
            images = [c["image"] for c in spec["template"]["spec"]["containers"]]
            r.expect(image in images, f"its pods run {image}",
                     f"they run {', '.join(images)}: lab.set_image('deployment', '{name}', "
                     f"'{image}')")
        if labels:
            r.expect(_labels_match(spec["template"]["metadata"].get("labels"), labels),
                     f"its pods are labelled {labels}", "add the labels to spec.template")
        if ready:
            want = spec.get("replicas", 1)
            r.expect(status.get("readyReplicas", 0) == want and
                     status.get("updatedReplicas", 0) == want,
                     f"all {want} pods are up to date and ready",
                     f"{status.get('readyReplicas', 0)} ready, {status.get('updatedReplicas', 0)}"
                     " up to date: wait for the rollout (lab.rollout_status) or look at "
                     "lab.describe")
    return _run(f"deployment {name!r}", build, within)


def pods(lab, selector: str, count: int | None = None, ready: bool | None = None,
         phase: str | None = None, within: float = 15) -> Report:
    """The pods matching a label selector: how many, ready or not, in which phase."""
    def build(r: Report) -> None:
        found = [p for p in lab.get("pod", selector=selector)
                 if not p["metadata"].get("deletionTimestamp")]
        if count is not None:
            r.expect(len(found) == count, f"{count} pod(s) match {selector!r}",
                     f"{len(found)} match: check the labels (lab.table('pods'))")
        for pod in found:
            status = pod.get("status") or {}
            is_ready = any(c["type"] == "Ready" and c["status"] == "True"
                           for c in status.get("conditions") or [])
            if ready is not None:
                r.expect(is_ready == ready, f"pod {pod['metadata']['name']} is "
                         f"{'ready' if ready else 'not ready'}", "look at lab.describe('pod', ...)")
            if phase is not None:
                r.expect(status.get("phase") == phase, f"pod {pod['metadata']['name']} is {phase}",
                         f"it is {status.get('phase')}")
    return _run(f"pods matching {selector!r}", build, within)


def labels(lab, kind: str, name: str, within: float = 5, **wanted: str) -> Report:
    """An object carries these labels."""
    def build(r: Report) -> None:
        have = lab.get(kind, name)["metadata"].get("labels") or {}
        for key, value in wanted.items():
            r.expect(have.get(key) == value, f"{kind} {name!r} has label {key}={value}",
                     f"it has {key}={have.get(key)!r}: lab.label('{kind}', '{name}', "
                     f"{key}='{value}')")
    return _run(f"labels of {kind} {name!r}", build, within)


def service(lab, name: str, type: str | None = None, port: int | None = None,
            selector: dict | None = None, endpoints: int | None = None,
            within: float = 15) -> Report:
    """A Service of this type and port, selecting these labels, with N ready endpoints."""
    def build(r: Report) -> None:
        svc = lab.get("service", name)
        spec = svc["spec"]
        r.ok(f"service {name!r} exists")
        if type is not None:
            r.expect(spec.get("type") == type, f"it is of type {type}",
                     f"it is {spec.get('type')}: set spec.type")
        if port is not None:
            r.expect(any(p.get("port") == port for p in spec.get("ports") or []),
                     f"it listens on port {port}", "set spec.ports[].port")
        if selector is not None:
            r.expect(spec.get("selector") == selector, f"it selects {selector}",
                     f"it selects {spec.get('selector')}")
        if endpoints is not None:
            ready = 0
            for s in lab.get("endpointslice", selector=f"kubernetes.io/service-name={name}"):
                ready += sum(1 for e in s.get("endpoints") or []
                             if (e.get("conditions") or {}).get("ready"))
            r.expect(ready == endpoints, f"it has {endpoints} ready endpoint(s)",
                     f"it has {ready}: do the selector and the pods' labels match? are the "
                     "pods ready?")
    return _run(f"service {name!r}", build, within)


def statefulset(lab, name: str, replicas: int, within: float = 30) -> Report:
    """A StatefulSet with N ready pods named name-0..N-1, each with a Bound claim."""
    def build(r: Report) -> None:
        sts = lab.get("statefulset", name)
        status = sts.get("status") or {}
        r.expect(sts["spec"].get("replicas") == replicas, f"it asks for {replicas} replicas",
                 f"it asks for {sts['spec'].get('replicas')}")
        r.expect(status.get("readyReplicas", 0) == replicas, f"{replicas} pods are ready",
                 f"{status.get('readyReplicas', 0)} are ready")
        templates = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []]
        for i in range(replicas):
            for t in templates:
                claim = f"{t}-{name}-{i}"
                bound = lab.exists("pvc", claim) and \
                    (lab.get("pvc", claim).get("status") or {}).get("phase") == "Bound"
                r.expect(bound, f"claim {claim} is Bound", "is there a default StorageClass?")
    return _run(f"statefulset {name!r}", build, within)


def job(lab, name: str, within: float = 30) -> Report:
    """A Job that completed."""
    def build(r: Report) -> None:
        status = lab.get("job", name).get("status") or {}
        r.expect(any(c["type"] == "Complete" and c["status"] == "True"
                     for c in status.get("conditions") or []), f"job {name!r} completed",
                 f"succeeded: {status.get('succeeded', 0)}, failed: {status.get('failed', 0)}")
    return _run(f"job {name!r}", build, within)


def data_keys(lab, kind: str, name: str, keys: list[str], within: float = 5) -> Report:
    """A ConfigMap or Secret holding these keys (values are not shown)."""
    def build(r: Report) -> None:
        obj = lab.get(kind, name)
        have = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
        for key in keys:
            r.expect(key in have, f"{kind} {name!r} has key {key!r}",
                     f"its keys are {sorted(have)}")
    return _run(f"{kind} {name!r}", build, within)


def can(lab, user: str, verb: str, resource: str, allowed: bool = True,
        namespace: str | None = None, within: float = 5) -> Report:
    """RBAC: may `user` do `verb` on `resource` (a SubjectAccessReview by the API server)?"""
    from kubernetes import client

    def build(r: Report) -> None:
        group, _, plural = resource.rpartition(".") if "." in resource else ("", "", resource)
        review = client.AuthorizationV1Api(lab.api_client).create_subject_access_review({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "resourceAttributes": {
                "namespace": namespace or lab.namespace, "verb": verb,
                "resource": plural, "group": group}}})
        got = bool(review.status.allowed)
        r.expect(got == allowed, f"{user} {'may' if allowed else 'may not'} {verb} {resource}",
                 f"it {'may' if got else 'may not'}: check the Role's rules and the "
                 "RoleBinding's subject")
    return _run(f"RBAC for {user}", build, within)


def node(lab, name: str, cordoned: bool | None = None, ready: bool | None = None,
         labels: dict | None = None, within: float = 30) -> Report:
    """A node's schedulability, readiness and labels."""
    def build(r: Report) -> None:
        n = lab.get("node", name)
        if cordoned is not None:
            r.expect(bool(n["spec"].get("unschedulable")) == cordoned,
                     f"node {name} is {'cordoned' if cordoned else 'schedulable'}",
                     f"lab.{'cordon' if cordoned else 'uncordon'}('{name}')")
        if ready is not None:
            is_ready = any(c["type"] == "Ready" and c["status"] == "True"
                           for c in (n.get("status") or {}).get("conditions") or [])
            r.expect(is_ready == ready, f"node {name} is {'Ready' if ready else 'NotReady'}",
                     "wait a few seconds, then look at lab.describe('node', ...)")
        if labels:
            r.expect(_labels_match(n["metadata"].get("labels"), labels),
                     f"node {name} has labels {labels}", f"lab.label('node', '{name}', ...)")
    return _run(f"node {name}", build, within)


def custom(title: str, test: Callable[[], bool], hint: str, within: float = 10) -> Report:
    """A check of your own: `test()` returns True when the exercise is done."""
    return _run(title, lambda r: r.expect(bool(test()), "done", hint), within)
