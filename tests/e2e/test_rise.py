"""RISE slides in Chromium: the deck an instructor presents (/rise/notebooks/...) has the
notebook's slides, moves with the keyboard, and shows a live view when a cell runs in it.

jupyterlab-rise wraps each `slide` cell's run of cells in a top-level <section> and each
subslide (the slide's first one included) in a <section id="slide-H-V"> inside it; `fragment`
cells go in <div class="fragment"> of their subslide; `skip` cells stay, hidden (class
`reveal-skip`), in the slide before them. Its Reveal object is a module variable, not
`window.Reveal`, so positions are read from the DOM (`section.present`) and the URL hash."""

from __future__ import annotations

import re
import uuid

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

NOTEBOOK = "04-deployments.ipynb"
WIDGET_TROUBLE = ("Loading widget", "Error displaying widget", "widget not found")
PRESENT = ".reveal .slides > section.present > section.present"
READY = ".k8slab-pod[data-state='Ready']:not(.k8slab-gone)"  # ready tiles, not ghosts
ACTIVE_JS = """(cells) => [...document.querySelectorAll(cells)]
    .findIndex(c => c.classList.contains('jp-mod-active'))"""


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def deck(nb) -> list[list[int]]:
    """The notebook's slides from its metadata: for each slide, the number of fragments in
    each of its subslides (a slide starts with one subslide)."""
    visible = [c for c in nb.cells if slide_type(c) not in ("skip", "notes")]
    assert visible and slide_type(visible[0]) == "slide", "a course notebook opens on a slide"
    slides: list[list[int]] = []
    for cell in visible:
        kind = slide_type(cell)
        if kind == "slide":
            slides.append([0])
        elif kind == "subslide":
            slides[-1].append(0)
        elif kind == "fragment":
            slides[-1][-1] += 1
    return slides


@pytest.fixture
def slides(page, notebook, jupyter, kubectl):
    """Notebook 04 (a copy, in a namespace of its own) opened as RISE slides; its kernel is
    shut down and its namespace deleted afterwards."""
    namespace = f"e2e-rise-{uuid.uuid4().hex[:6]}"
    path = jupyter.course_copy(NOTEBOOK, namespace)
    try:
        page.goto(jupyter.url(f"/rise/{path}"))
        page.wait_for_selector(f"{PRESENT}#slide-0-0")
        page.wait_for_selector(".reveal.ready")
        notebook.wait_kernel_idle()
        yield {"nb": nbformat.read(jupyter.root / path, as_version=4), "namespace": namespace}
    finally:
        jupyter.shutdown_kernels()
        kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found",
                check=False)


def test_the_deck_has_the_slides_of_the_notebooks_metadata(page, slides, screenshot):
    """One top-level section per `slide` cell, one nested section per slide and `subslide`;
    `skip` cells are hidden and `fragment` cells make no slide."""
    expected = deck(slides["nb"])
    screenshot(page, "rise-first-slide")
    assert page.locator(".reveal .slides > section").count() == len(expected)
    nested = page.locator(".reveal .slides > section > section")
    assert nested.count() == sum(len(s) for s in expected)
    ids = [nested.nth(i).get_attribute("id") for i in range(nested.count())]
    assert ids == [f"slide-{h}-{v}" for h, s in enumerate(expected) for v in range(len(s))]
    for h, subslides in enumerate(expected):
        for v, fragments in enumerate(subslides):
            assert page.locator(f"#slide-{h}-{v} > .fragment").count() == fragments, (h, v)
    skipped = sum(slide_type(c) == "skip" for c in slides["nb"].cells)
    assert page.locator(".reveal-skip").count() == skipped
    assert all(not cell.is_visible() for cell in page.locator(".reveal-skip").all())


def test_the_keyboard_moves_through_slides_and_fragments(page, slides, screenshot):
    """ArrowRight goes to the next slide, Space shows the next fragment and then the next
    subslide, ArrowLeft goes back."""
    expected = deck(slides["nb"])
    assert expected[0] == [0] and len(expected) > 2, "slide 0 (the title) has no fragments"
    after_fragments = "slide-1-1" if len(expected[1]) > 1 else "slide-2-0"
    present = page.locator(PRESENT)

    page.keyboard.press("ArrowRight")
    expect(present).to_have_id("slide-1-0")
    expect(page).to_have_url(re.compile(r"#/slide-1-0$"))
    for shown in range(1, expected[1][0] + 1):
        page.keyboard.press("Space")
        expect(present.locator(":scope > .fragment.visible")).to_have_count(shown)
    screenshot(page, "rise-slide-1-fragments")
    page.keyboard.press("Space")
    expect(present).to_have_id(after_fragments)
    page.keyboard.press("ArrowLeft")
    expect(present).to_have_id("slide-0-0")


def test_a_cell_run_in_the_slides_shows_a_live_view(page, notebook, slides, kubectl,
                                                     screenshot):
    """As a presenter does: Shift+Enter from the title runs the hidden setup cells, Shift+Enter
    runs the next slide's code, Space shows the fragment with the first view, Shift+Enter runs
    it. The view's picture shows on the slide as HTML (not widget text, not a repr), and
    redraws when the cluster changes."""
    nb = slides["nb"]
    target = next(i for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and "lab.show(" in c.source)
    second = next(i for i, c in enumerate(nb.cells) if i and slide_type(c) == "slide")
    setup = [i for i in range(second) if nb.cells[i].cell_type == "code"]
    before = [i for i in range(second, target) if nb.cells[i].cell_type == "code"]
    assert setup and slide_type(nb.cells[target]) == "fragment"

    notebook.cells.first.click()  # the title: the notebook takes the keys
    for _ in range(2 * second):
        if all(notebook.prompts()[i] != "[ ]:" for i in setup):  # queued, running or run
            break
        active = page.evaluate(ACTIVE_JS, notebook.cells_selector)
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(f"(cells) => ({ACTIVE_JS})(cells) !== {active}",
                               arg=notebook.cells_selector)
    for i in setup:
        notebook.wait_executed(i)
    expect(page.locator(PRESENT)).to_have_id("slide-1-0")  # the deck follows the cells
    for i in before:
        notebook.run_cell(i)
    fragment = notebook.cells.nth(target).locator(
        "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' fragment ')][1]")
    for _ in range(deck(nb)[1][0]):
        if "visible" in (fragment.get_attribute("class") or "").split():
            break
        page.keyboard.press("Space")
    expect(fragment).to_have_class(re.compile(r"\bvisible\b"))
    notebook.run_cell(target)

    output = notebook.cells.nth(target).locator(".jp-OutputArea-output")
    view = output.locator(".k8slab-view")
    expect(view).to_be_visible()
    expect(page.locator(PRESENT).locator(".k8slab-view")).to_have_count(1)
    expect(output).to_have_attribute("data-mime-type", "text/html")
    expect(view.locator(".k8slab-rollout-head")).to_contain_text(re.compile(r"ready \d+"))
    screenshot(page, "rise-view-rendered")
    box = view.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 80, box
    assert 0 <= box["y"] < page.viewport_size["height"], "the view is on the slide on screen"
    text = view.inner_text()
    assert [t for t in WIDGET_TROUBLE if t in text] == []
    assert not re.match(r"\s*<?\w+View[: ]", text), "a bare repr, not the picture"
    assert notebook.error_outputs() == []

    name = re.search(r'lab\.show\("deployment", "([^"]+)"\)', nb.cells[target].source)
    assert name, "the first view of notebook 04 is a deployment's rollout"
    kubectl("scale", "deployment", name.group(1), "--replicas=5", "-n", slides["namespace"])
    expect(view.locator(READY)).to_have_count(5)
    expect(view.locator(".k8slab-rollout-head")).to_contain_text("desired 5 · updated 5 · ready 5")
    screenshot(page, "rise-view-redrawn")
