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
def up(profile: str | None, timeout: float) -> None:
    """Start the embedded cluster (obtaining its binaries the first time). Idempotent."""
    from .cluster import lifecycle

    result = lifecycle.up(profile=profile, timeout=timeout)
    click.echo(f"cluster {result.action} in {result.seconds:.1f}s ({result.profile} profile)")
    click.echo(f"  versions:   {lifecycle.versions_line()}")
    click.echo(f"  API server: {result.server}")
    click.echo(f"  kubeconfig: {result.kubeconfig}  (context k8slab)")
    click.echo("  use it:     import k8slab; lab = k8slab.connect()")
    click.echo(f"              kubectl --kubeconfig {result.kubeconfig} get nodes")


@main.command()
@click.option("--reset", is_flag=True, help="Also delete the cluster's data (etcd, certificates).")
def down(reset: bool) -> None:
    """Stop the embedded cluster. Objects survive unless --reset."""
    from .cluster import lifecycle

    outcome = lifecycle.down(reset=reset)
    messages = {"absent": "no cluster to stop", "stopped": "cluster stopped (data kept)",
                "deleted": "cluster deleted"}
    click.echo(messages[outcome])


@main.command()
def status() -> None:
    """Components, pids, ports, versions and uptime of the embedded cluster."""
    from .cluster import binaries, lifecycle

    current = lifecycle.status()
    click.echo(f"cluster: {current.state}"
               + (f" ({current.profile} profile)" if current.profile else ""))
    if current.state == "absent":
        click.echo("  start it with: k8slab up")
        return
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


if __name__ == "__main__":
    main()
