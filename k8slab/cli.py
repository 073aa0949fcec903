"""The `k8slab` command: a thin shell over the library's functions."""

from __future__ import annotations

import sys

import click

from .errors import K8sLabError


class _Group(click.Group):
    """Print k8slab's own errors as a short message and exit 1, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except K8sLabError as exc:
            click.secho(f"error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="k8slab")
def main() -> None:
    """k8slab: learn Kubernetes hands-on, in notebooks, on a real (embedded) cluster."""


@main.command()
@click.option("--profile", type=click.Choice(["teaching", "fast"]), default=None,
              help="Pod lifecycle timing (set when the cluster is created). "
              "Default: $K8SLAB_PROFILE or teaching.")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for Ready.")
@click.option("--runtime", type=click.Choice(["embedded", "kind"]), default="embedded",
              show_default=True, help="kind: a kind cluster (needs Docker and kind).")
def up(profile: str | None, timeout: float, runtime: str) -> None:
    """Start the embedded cluster (obtaining its binaries the first time). Idempotent."""
    from .cluster import lifecycle

    if runtime == "kind":
        from .cluster import kind

        context = kind.up()
        click.echo(f"kind cluster {kind.NAME!r} is up; use it with "
                   f"k8slab.connect(context={context!r}) or K8SLAB_CONTEXT={context}")
        return

    result = lifecycle.up(profile=profile, timeout=timeout)
    click.echo(f"cluster {result.action} in {result.seconds:.1f}s ({result.profile} profile)")
    click.echo(f"  versions:   {lifecycle.versions_line()}")
    click.echo(f"  API server: {result.server}")
    click.echo(f"  kubeconfig: {result.kubeconfig}  (context k8slab)")
    click.echo("  use it:     import k8slab; lab = k8slab.connect()")
    click.echo(f"              kubectl --kubeconfig {result.kubeconfig} get nodes")


@main.command()
@click.option("--reset", is_flag=True, help="Also delete the cluster's data (etcd, certificates).")
@click.option("--runtime", type=click.Choice(["embedded", "kind"]), default="embedded",
              show_default=True)
def down(reset: bool, runtime: str) -> None:
    """Stop the embedded cluster. Objects survive unless --reset."""
    from .cluster import lifecycle

    if runtime == "kind":
        from .cluster import kind

        click.echo(f"kind cluster {kind.NAME!r}: {kind.down()}")
        return

    outcome = lifecycle.down(reset=reset)
    messages = {"absent": "no cluster to stop", "stopped": "cluster stopped (data kept)",
                "deleted": "cluster deleted"}
    click.echo(messages[outcome])


@main.command()
def status() -> None:
    """Components, pids, ports, versions and uptime of the embedded cluster.
    Exit code: 0 running, 1 degraded (a component is down), 3 stopped or absent."""
    from .cluster import binaries, lifecycle

    current = lifecycle.status()
    click.echo(f"cluster: {current.state}"
               + (f" ({current.profile} profile)" if current.profile else ""))
    if current.state == "absent":
        click.echo("  start it with: k8slab up")
        sys.exit(3)
    click.echo(f"  API server: {current.server}\n  kubeconfig: {current.kubeconfig}")
    sources = binaries.sources()
    click.echo(f"  {'component':<24} {'state':<8} {'pid':>7}  {'ports':<13} {'version':<9} "
               "uptime  binary from")
    for c in current.components:
        binary = "kwok" if c.name == "kwok-controller" else c.name
        click.echo(f"  {c.name:<24} {'running' if c.alive else 'DOWN':<8} {c.pid or '-':>7}  "
                   f"{','.join(map(str, c.ports)) or '-':<13} {c.version:<9} {c.uptime:<7} "
                   f"{sources.get(binary, '?')}")
    if current.dead:
        click.echo(f"  {', '.join(current.dead)} not running: `k8slab up` repairs it")
    sys.exit({"running": 0, "degraded": 1}.get(current.state, 3))


@main.command()
def kubeconfig() -> None:
    """Print the path of the embedded cluster's kubeconfig (last line of output)."""
    from .cluster import paths

    path = paths.kubeconfig_path()
    if not path.exists():
        click.echo("the cluster has not been started yet: run `k8slab up`", err=True)
    click.echo(str(path))


@main.command()
@click.option("--no-download", is_flag=True, help="Do not try the official release download.")
@click.option("--no-build", is_flag=True, help="Do not build from Go modules.")
def binaries(no_download: bool, no_build: bool) -> None:
    """Obtain the cluster binaries (cache, PATH, download, Go build) and say where they are."""
    from .cluster import binaries as bins

    for b in bins.ensure(allow_download=not no_download, allow_build=not no_build).values():
        click.echo(f"{b.name:<24} {b.version:<9} {b.source:<9} {b.path}")


def _ensure_cluster(start: bool) -> None:
    import os

    if os.environ.get("K8SLAB_KUBECONFIG") or os.environ.get("K8SLAB_CONTEXT") or not start:
        return
    from .cluster import lifecycle

    result = lifecycle.up()
    click.echo(f"cluster {result.action} ({result.server})")


@main.command()
@click.option("--port", type=int, default=None, help="Port (default: 8888 or the next free).")
@click.option("--no-cluster", is_flag=True, help="Do not start the embedded cluster.")
def lab(port: int | None, no_cluster: bool) -> None:
    """Start the cluster and JupyterLab on the course; print the URL. Ctrl-C stops it."""
    from . import course, jupyter

    _ensure_cluster(not no_cluster)
    root = course.course_dir().parent
    click.echo("JupyterLab on the course (Ctrl-C stops it):")
    jupyter.serve(root, port, f"/lab/tree/{course.course_dir().name}", say=click.echo)


@main.command()
@click.argument("notebook", default="00")
@click.option("--port", type=int, default=None)
@click.option("--no-cluster", is_flag=True, help="Do not start the embedded cluster.")
def slides(notebook: str, port: int | None, no_cluster: bool) -> None:
    """Like `lab`, printing the URL that opens NOTEBOOK directly as RISE slides."""
    from . import course, jupyter

    path = course.notebooks([notebook])[0]
    _ensure_cluster(not no_cluster)
    root = course.course_dir().parent
    click.echo(f"{path.stem} as slides (Ctrl-C stops JupyterLab):")
    jupyter.serve(root, port, f"/rise/{path.relative_to(root).as_posix()}", say=click.echo)


@main.command("export-slides")
@click.argument("notebooks", nargs=-1)
@click.option("--output-dir", type=click.Path(), default="course-output/slides", show_default=True)
@click.option("--reveal-prefix", default=None, metavar="URL",
              help="Where the slides load reveal.js from (a local copy for offline rooms; "
              "default: a public CDN).")
def export_slides(notebooks: tuple[str, ...], output_dir: str, reveal_prefix: str | None) -> None:
    """Write static HTML slides (reveal.js) of the notebooks, with their stored pictures."""
    from pathlib import Path

    from . import course, runner

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for path in course.notebooks(list(notebooks) or None):
        click.echo(runner.export_slides(path, out, reveal_prefix))


@main.command()
@click.argument("notebooks", nargs=-1)
@click.option("-p", "--parameter", "params", multiple=True, nargs=2,
              metavar="NAME VALUE", help="A papermill parameter (checked before running).")
@click.option("--parallel", type=int, default=1, show_default=True)
@click.option("--output-dir", type=click.Path(), default="course-output", show_default=True)
@click.option("--suffix", default="", help="Append to each notebook's namespace.")
@click.option("--timeout", type=float, default=300, show_default=True, help="Per cell, seconds.")
@click.option("--no-slides", is_flag=True, help="Do not export HTML slides.")
def run(notebooks: tuple[str, ...], params: tuple[tuple[str, str], ...], parallel: int,
        output_dir: str, suffix: str, timeout: float, no_slides: bool) -> None:
    """Execute notebooks (all by default) with papermill; print a summary."""
    import time

    from . import runner

    _ensure_cluster(True)
    started = time.monotonic()
    if parallel > 1 and not suffix:
        suffix = "run"
    results = runner.run_course(list(notebooks) or None, dict(params), parallel=parallel,
                                output_dir=output_dir, suffix=suffix, timeout=timeout,
                                slides=not no_slides, report=click.echo)
    click.echo(runner.summary(results, time.monotonic() - started))
    if not all(r.passed for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
