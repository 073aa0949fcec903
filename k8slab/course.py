"""Where the course's notebooks are, and what their parameters cells declare."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat

from .errors import K8sLabError


def course_dir() -> Path:
    """The `notebooks/` folder: $K8SLAB_COURSE, else beside the package, else ./notebooks."""
    if os.environ.get("K8SLAB_COURSE"):
        return Path(os.environ["K8SLAB_COURSE"]).expanduser().resolve()
    beside = Path(__file__).resolve().parents[1] / "notebooks"
    if beside.is_dir():
        return beside
    here = Path.cwd() / "notebooks"
    if here.is_dir():
        return here.resolve()
    raise K8sLabError("cannot find the course notebooks",
                      hint="run from the k8slab checkout, or set K8SLAB_COURSE to the folder")


def notebooks(names: list[str] | None = None) -> list[Path]:
    """The course notebooks in order, or the ones named (by path, file name or number prefix)."""
    folder = course_dir()
    found = sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb"))
    if not names:
        return found
    chosen = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.exists():
            chosen.append(path.resolve())
            continue
        matches = [p for p in found if p.stem == name or p.name == name or
                   p.stem.startswith(f"{name}-") or p.stem.startswith(name)]
        if not matches:
            raise K8sLabError(f"no notebook called {name!r} in {folder}",
                              hint="the notebooks are: " + ", ".join(p.stem for p in found))
        chosen.append(matches[0])
    return chosen


def parameters(path: Path) -> dict[str, object]:
    """The names and default values of a notebook's `parameters`-tagged cell."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            values = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                        isinstance(node.targets[0], ast.Name):
                    try:
                        values[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        values[node.targets[0].id] = None
            return values
    raise K8sLabError(f"{path.name} has no cell tagged `parameters`",
                      hint="tag the cell holding namespace/context/timeout with `parameters`")


def check_parameters(path: Path, given: dict[str, object]) -> dict[str, object]:
    """Reject unknown parameters and values of the wrong type before any cell runs."""
    declared = parameters(path)
    checked = {}
    for name, value in given.items():
        if name not in declared:
            raise K8sLabError(f"{path.name} has no parameter {name!r}",
                              hint="its parameters are: " + ", ".join(
                                  f"{k}={v!r}" for k, v in declared.items()))
        default = declared[name]
        checked[name] = _coerce(path.name, name, value, default)
    return checked


def _coerce(notebook: str, name: str, value: object, default: object) -> object:
    if default is None or value is None or isinstance(value, type(default)):
        return value
    if isinstance(default, bool):
        text = str(value).lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
    elif isinstance(default, int | float):
        try:
            return type(default)(value)
        except (TypeError, ValueError):
            pass
    elif isinstance(default, str):
        return str(value)
    raise K8sLabError(f"{notebook}: parameter {name!r} must be a {type(default).__name__} "
                      f"(like its default {default!r}), not {value!r}",
                      hint=f"e.g. -p {name} {default!r}")
