"""`k8slab run`: execute course notebooks with papermill, each in its own namespace,
print a summary, and export HTML slides with the views' pictures."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import course


@dataclass
class Result:
    notebook: str
    passed: bool
    seconds: float
    failure: str = ""
    output: str = ""
    slides: str = ""

    @property
    def line(self) -> str:
        state = "passed" if self.passed else f"FAILED {self.failure}"
        return f"{self.notebook:<32} {state:<10} {self.seconds:6.1f}s"


def run_one(path: Path, parameters: dict, output_dir: Path, timeout: float = 300,
            slides: bool = True) -> Result:
    """Execute one notebook; a failure names the cell and the error."""
    import papermill

    output = output_dir / path.name
    started = time.monotonic()
    try:
        papermill.execute_notebook(str(path), str(output), parameters=parameters,
                                   kernel_name="python3", cwd=str(path.parent),
                                   progress_bar=False, execution_timeout=timeout,
                                   log_output=False, request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as exc:
        return Result(path.stem, False, time.monotonic() - started,
                      f"at cell {exc.exec_count or exc.cell_index}: {exc.ename}: "
                      f"{str(exc.evalue).splitlines()[0] if exc.evalue else ''}", str(output))
    except Exception as exc:  # kernel died, timeout, bad notebook
        return Result(path.stem, False, time.monotonic() - started,
                      f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                      str(output))
    result = Result(path.stem, True, time.monotonic() - started, output=str(output))
    if slides:
        result.slides = str(export_slides(output, output_dir))
    return result


def export_slides(notebook: Path, output_dir: Path, reveal_prefix: str | None = None) -> Path:
    """Static reveal.js slides of a notebook, with its stored outputs as pictures, in the
    notebook's RISE theme and transition. reveal.js is loaded from a public CDN unless
    `reveal_prefix` (or $K8SLAB_REVEAL_PREFIX) names a local copy, for offline rooms."""
    import nbformat
    from nbconvert import SlidesExporter

    nb = nbformat.read(notebook, as_version=4)
    rise = nb.metadata.get("rise") or {}
    options = {"reveal_theme": rise.get("theme"), "reveal_transition": rise.get("transition"),
               "reveal_scroll": rise.get("scroll"),
               "reveal_url_prefix": reveal_prefix or os.environ.get("K8SLAB_REVEAL_PREFIX")}
    exporter = SlidesExporter(**{k: v for k, v in options.items() if v is not None})
    body, _ = exporter.from_notebook_node(nb)
    target = output_dir / f"{notebook.stem}.slides.html"
    target.write_text(body)
    return target


def default_namespace(path: Path) -> str:
    return str(course.parameters(path).get("namespace") or path.stem)


def run_course(names: list[str] | None = None, parameters: dict | None = None,
               parallel: int = 1, output_dir: Path | None = None, suffix: str = "",
               timeout: float = 300, slides: bool = True, report=print) -> list[Result]:
    """Run notebooks (all by default); each gets namespace `<its default>[-suffix]`.
    Parameters are checked against every notebook before anything runs."""
    paths = course.notebooks(names)
    output_dir = Path(output_dir or "course-output").resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    params = dict(parameters or {})
    declared_by = {path: course.parameters(path) for path in paths}
    known = set().union(*declared_by.values()) if declared_by else set()
    for name in set(params) - known:
        course.check_parameters(paths[0], {name: params[name]})  # raises, listing valid names
    jobs = []
    for path in paths:
        usable = {k: v for k, v in params.items() if k in declared_by[path]}
        checked = course.check_parameters(path, usable)
        if suffix and "namespace" not in checked:
            checked["namespace"] = f"{default_namespace(path)}-{suffix}"
        jobs.append((path, checked))
    results: list[Result] = []
    if parallel <= 1:
        for path, params in jobs:
            results.append(run_one(path, params, output_dir, timeout, slides))
            report(results[-1].line)
    else:
        with ProcessPoolExecutor(max_workers=parallel) as pool:
            futures = [pool.submit(run_one, p, params, output_dir, timeout, slides)
                       for p, params in jobs]
            for future in futures:
                results.append(future.result())
                report(results[-1].line)
    return results


def summary(results: list[Result], seconds: float) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed}/{len(results)} notebooks passed in {seconds:.1f}s"
