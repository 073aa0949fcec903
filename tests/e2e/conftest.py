"""Browser tests: JupyterLab and RISE driven by Playwright in Debian's Chromium (headless).

Screenshots go to test-artifacts/ so a failure can be looked at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium is not installed: `apt-get install chromium` "
                           "(.ci/run does it); the browser tests drive Debian's Chromium")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                     args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def jupyter(cluster):
    """JupyterLab serving the repository (so /rise/notebooks/... and /lab/tree/notebooks work),
    its kernels talking to the suite's cluster."""
    from k8slab import jupyter as jl

    proc, url = jl.start(REPO, open_path="/lab", browser=False)
    base, token = url.split("/lab?token=")
    yield {"base": base, "token": token}
    jl.stop(proc)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
