"""Browser tests: JupyterLab and RISE driven by Playwright in Debian's Chromium (headless).

JupyterLab serves a copy of the course (tests never write into the repository's notebooks),
with settings and workspaces of its own. Screenshots go to test-artifacts/ so a failure can be
looked at."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]
TIMEOUT_MS = 90_000  # for any one wait in a page: generous, for a loaded 2-core machine
# JupyterLab settings for the test server: every cell in the DOM (no windowing, so cells are
# found by index), no "fetch news?" toast over the cells
SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
            {"windowingMode": "none"},
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False}}


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium is not installed: `apt-get install chromium` "
                           "(.ci/run does it); the browser tests drive Debian's Chromium")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                     args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Path:
    """The folder JupyterLab serves: notebooks/ there is a copy of the course's (manifests
    included), so /rise/notebooks/NN-....ipynb works and nothing is saved into the repo."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="session")
def jupyter(cluster, served, tmp_path_factory):
    """JupyterLab serving `served`, its kernels talking to the suite's cluster (they inherit
    K8SLAB_HOME and K8SLAB_PROFILE), with settings and workspaces of its own."""
    from k8slab import jupyter as jl

    lab_dir = tmp_path_factory.mktemp("jupyterlab")
    for name, values in SETTINGS.items():
        path = lab_dir / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTERLAB_SETTINGS_DIR", str(lab_dir / "settings"))
        env.setenv("JUPYTERLAB_WORKSPACES_DIR", str(lab_dir / "workspaces"))
        proc, url = jl.start(served, open_path="/lab", browser=False)
    base, token = url.split("/lab?token=")
    yield Server(base, token, served)
    jl.stop(proc)


@pytest.fixture
def screenshot():
    """screenshot(page, name): the visible part of the page as test-artifacts/NAME.png."""
    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take


@pytest.fixture
def notebook(page):
    """Reading and driving the notebook shown in `page` (JupyterLab or RISE)."""
    return NotebookPage(page)


@dataclass
class Server:
    """The test's JupyterLab: its address, token, and the folder it serves."""

    base: str
    token: str
    root: Path

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"

    def course_copy(self, name: str, namespace: str) -> str:
        """Write the course's notebooks/`name` into the served notebooks/ with its outputs
        cleared (what the browser shows is then what this run produced) and its `namespace`
        parameter set, so a test never meets another run's objects. Returns its served path."""
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        found = 0
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            if "parameters" in cell.metadata.get("tags", []):
                cell.source, found = re.subn(r"(?m)^namespace = .*$",
                                             f"namespace = {namespace!r}", cell.source)
        assert found, f"{name} has no namespace parameter"
        nbformat.write(nb, self.root / "notebooks" / name)
        return f"notebooks/{name}"

    def write_notebook(self, relative: str, sources: list[str]) -> str:
        """A scratch notebook of code cells, made at test time; returns its served path."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
        nbformat.write(nb, self.root / relative)
        return relative

    def shutdown_kernels(self) -> None:
        """Shut down every kernel session (their views and watches end with them)."""
        with urllib.request.urlopen(self.url("/api/sessions"), timeout=30) as answer:
            sessions = json.load(answer)
        for session in sessions:
            request = urllib.request.Request(self.url(f"/api/sessions/{session['id']}"),
                                             method="DELETE")
            urllib.request.urlopen(request, timeout=30).read()


# the cells of the notebook on show (JupyterLab keeps other tabs' panels, hidden, in the DOM)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELLS = f"{PANEL} .jp-Notebook .jp-Cell"
PROMPTS_JS = f"""() => [...document.querySelectorAll('{CELLS}')].map(cell => {{
    const prompt = cell.querySelector('.jp-InputArea-prompt');  // none if its input is hidden
    return cell.classList.contains('jp-CodeCell') && prompt ? prompt.textContent.trim() : null;
}})"""
ERRORS_JS = f"""() => [...document.querySelectorAll(
        '{CELLS} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
        + '{CELLS} .jp-RenderedText[data-mime-type*="error"]')]
    .map(e => e.textContent.trim().slice(0, 2000))"""
EXECUTED_JS = f"""(index) => {{
    const cell = document.querySelectorAll('{CELLS}')[index];
    const prompt = cell && cell.querySelector('.jp-InputArea-prompt');
    return !!prompt && /^\\[\\d+\\]:$/.test(prompt.textContent.trim()); }}"""
# every visible code cell has run, or the run stopped (at an error): some ran, none is queued
RUN_ALL_DONE_JS = f"""() => {{
    const ps = [...document.querySelectorAll('{CELLS} .jp-InputArea-prompt')]
        .map(p => p.textContent.trim());
    const done = p => /^\\[\\d+\\]:$/.test(p);
    return ps.length > 0 && (ps.every(done) || (ps.some(done) && !ps.includes('[*]:')));
}}"""


def executed(prompt: str | None) -> bool:
    """Whether a prompt shows that its cell ran ("[3]:", not "[ ]:" or "[*]:")."""
    return bool(prompt) and re.fullmatch(r"\[\d+\]:", prompt) is not None


class NotebookPage:
    """A notebook's cells in a page (JupyterLab's notebook panel, also inside RISE)."""

    def __init__(self, page):
        self.page = page
        self.cells_selector = CELLS
        self.cells = page.locator(CELLS)

    def prompts(self) -> list[str | None]:
        """Each cell's prompt ("[3]:", "[*]:", "[ ]:"); None for a markdown cell, or a code cell
        whose source is hidden (a solution: JupyterLab shows no prompt for it)."""
        return self.page.evaluate(PROMPTS_JS)

    def not_run(self) -> list[int]:
        """The indices of the (visible) code cells that have not run, or are running."""
        return [i for i, p in enumerate(self.prompts()) if p is not None and not executed(p)]

    def error_outputs(self) -> list[str]:
        """The text of every error or stderr output (tracebacks, k8slab's one-line error
        messages, warnings)."""
        return self.page.evaluate(ERRORS_JS)

    def wait_executed(self, index: int) -> str:
        """Wait until cell `index` has run (a number in its prompt); returns the prompt."""
        self.page.wait_for_function(EXECUTED_JS, arg=index)
        return self.prompts()[index]

    def wait_kernel_idle(self) -> None:
        """Wait until the notebook's kernel is started, connected and idle (the indicator is
        in the notebook's toolbar, which RISE hides: attached, not visible, is enough)."""
        self.page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator"
                                    "[data-status='idle']", state="attached")

    def wait_run_all_done(self) -> None:
        """Wait until a Run All has finished, or stopped at an error."""
        self.page.wait_for_function(RUN_ALL_DONE_JS)

    def run_cell(self, index: int) -> str:
        """Select cell `index` by its prompt (so no editor takes the keys), Shift+Enter, wait
        until it has run; returns its prompt."""
        self.cells.nth(index).locator(".jp-InputArea-prompt").click()
        self.page.keyboard.press("Shift+Enter")
        return self.wait_executed(index)
