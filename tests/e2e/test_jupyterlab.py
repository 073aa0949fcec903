"""JupyterLab in Chromium: a learner opens a course notebook and runs it; a live view redraws
itself when another cell changes the cluster."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

NOTEBOOK = "03-pods-and-labels.ipynb"  # a short course notebook (seconds) with a live view
WIDGET_TROUBLE = ("Loading widget", "Error displaying widget", "widget not found")
IDLE_JS = """() => /\\|\\s*Idle/.test(
    (document.querySelector('#jp-main-statusbar') || {}).innerText || '')"""
READY = ".k8slab-pod[data-state='Ready']:not(.k8slab-gone)"  # ready tiles, not ghosts


@pytest.fixture
def namespace(kubectl):
    """A namespace name for the notebook's kernel to work in; deleted afterwards."""
    name = f"e2e-lab-{uuid.uuid4().hex[:6]}"
    yield name
    kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def open_notebook(page, notebook, jupyter, path: str) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is idle."""
    page.goto(jupyter.url(f"/lab/tree/{path}") + "&reset")  # this notebook only
    notebook.cells.first.wait_for()
    notebook.wait_kernel_idle()
    page.wait_for_function(IDLE_JS)


def test_a_course_notebook_runs_all_cells_without_error_output(page, notebook, jupyter,
                                                                 namespace, screenshot):
    """Run > Run All Cells on a course notebook: every cell runs, there is no error or stderr
    output, and its live view shows as a picture (not widget text)."""
    path = jupyter.course_copy(NOTEBOOK, namespace)
    try:
        open_notebook(page, notebook, jupyter, path)
        assert len(notebook.not_run()) > 5, "the copy starts with its outputs cleared"
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        notebook.wait_run_all_done()
        page.wait_for_function(IDLE_JS)
        assert notebook.not_run() == [], "the run stopped: see the -final.png screenshot"
        assert notebook.error_outputs() == []
        views = notebook.cells.locator(".jp-OutputArea-output .k8slab-view")
        assert views.count() >= 1, "the notebook's live view did not render"
        for i in range(views.count()):
            views.nth(i).scroll_into_view_if_needed()
            box = views.nth(i).bounding_box()
            assert box and box["width"] > 300 and box["height"] > 80, box
        screenshot(page, "jupyterlab-run-all")
        text = "\n".join(notebook.cells.all_inner_texts())
        assert [t for t in WIDGET_TROUBLE if t in text] == []
    finally:
        jupyter.shutdown_kernels()


def test_a_live_view_redraws_after_a_scale_from_another_cell(page, notebook, jupyter,
                                                               namespace, screenshot):
    """A PodBoard shown in one cell goes from 1 to 4 Ready pod tiles when a later cell scales
    the Deployment, without its own cell running again."""
    app = "redraw"
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": app, "labels": {"app": app}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}},
                 "template": {"metadata": {"labels": {"app": app}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}
    path = jupyter.write_notebook(f"scratch-{namespace}.ipynb", [
        f"import k8slab\nlab = k8slab.connect(namespace={namespace!r}, start=True, fresh=True)\n"
        f"lab.apply({deployment!r})\nlab.rollout_status('deployment', {app!r}, timeout=120)",
        f"view = lab.show('pods', selector='app={app}')\nview",
        f"print(lab.scale('deployment', {app!r}, 4))",
        "view.stop()\nlab.close()",
    ])
    board = notebook.cells.nth(1).locator(".jp-OutputArea-output .k8slab-view.k8slab-podboard")
    try:
        open_notebook(page, notebook, jupyter, path)
        notebook.run_cell(0)
        view_prompt = notebook.run_cell(1)
        expect(board.locator(READY)).to_have_count(1)
        screenshot(page, "jupyterlab-view-1-pod")

        notebook.run_cell(2)
        expect(board.locator(READY)).to_have_count(4)
        screenshot(page, "jupyterlab-view-4-pods")
        assert notebook.prompts()[1] == view_prompt, "the view's cell must not run again"
        assert board.count() == 1, "the view redraws in place, not as a second picture"
        assert "4 pod(s), 4 ready" in board.locator(".k8slab-summary").inner_text()
        notebook.run_cell(3)
        assert notebook.error_outputs() == []
    finally:
        jupyter.shutdown_kernels()
