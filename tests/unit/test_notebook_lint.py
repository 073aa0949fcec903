"""Every course notebook follows the conventions of notebooks/README.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
SECRET = re.compile(r"-----BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)-----|"
                    r"client-(certificate|key)-data|\beyJ[A-Za-z0-9_-]{20,}\.|"
                    r"\btoken\s*[:=]\s*['\"]?[A-Za-z0-9._-]{20,}")
ABSOLUTE = re.compile(r"(?<![\w.:/])/(root|home|tmp|Users|work|var/folders)/")


def _outputs(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(json.dumps(out))
    return texts


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_the_course_has_the_planned_notebooks():
    stems = [p.stem for p in NOTEBOOKS]
    for prefix in ("00-", "01-", "02-", "03-", "04-", "05-", "06-", "07-", "08-", "09-", "10-"):
        assert any(s.startswith(prefix) for s in stems), f"no notebook {prefix}*"


def test_is_valid_nbformat(notebook):
    _, nb = notebook
    nbformat.validate(nb)


def test_every_cell_has_slide_metadata(notebook):
    _, nb = notebook
    missing = [i for i, c in enumerate(nb.cells)
               if c.metadata.get("slideshow", {}).get("slide_type") not in SLIDE_TYPES]
    assert not missing, f"cells without slideshow.slide_type: {missing}"
    assert nb.metadata.get("rise", {}).get("theme"), "no RISE theme in the notebook metadata"


def test_has_a_parameters_cell_with_the_standard_names(notebook):
    _, nb = notebook
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for name in ("namespace", "context", "timeout", "cleanup"):
        assert re.search(rf"^{name}\s*=", cells[0].source, re.M), f"parameter {name} missing"


def test_starts_with_goals_and_ends_with_a_recap(notebook):
    _, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "you will" in first.source.lower() or "goals" in first.source.lower()
    assert any(c.cell_type == "markdown" and "Recap" in c.source for c in nb.cells[-4:])


def test_has_exercises_with_solutions_and_checks(notebook):
    path, nb = notebook
    if path.stem < "02":
        return
    solutions = [i for i, c in enumerate(nb.cells) if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) >= 2, "at least two exercises from notebook 02 on"
    for i in solutions:
        cell = nb.cells[i]
        assert cell.metadata.get("jupyter", {}).get("source_hidden"), "solution not collapsed"
        assert "checks." in nb.cells[i + 1].source, "a solution is followed by its check"


def test_stored_outputs_have_no_errors(notebook):
    _, nb = notebook
    errors = [(i, o.get("ename")) for i, c in enumerate(nb.cells)
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def test_notebook_was_executed_and_keeps_its_outputs(notebook):
    _, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code" and "solution" not in
            c.metadata.get("tags", []) and not c.source.startswith("# Your answer")]
    assert code and all(c.get("execution_count") for c in code), "run it and keep the outputs"


def test_outputs_hold_no_secrets_or_absolute_paths(notebook):
    _, nb = notebook
    for text in _outputs(nb):
        assert not SECRET.search(text), f"a credential in an output: {SECRET.search(text)[0]}"
        assert not ABSOLUTE.search(text), f"an absolute path in an output: {text[:200]}"
