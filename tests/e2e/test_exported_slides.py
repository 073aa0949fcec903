"""Exported HTML slides (`k8slab export-slides`, runner.export_slides) open in Chromium and show
the live views' stored pictures, not widget placeholders.

The export loads reveal.js, require.js and jQuery from public CDNs. Tests run offline, so the
page is opened with every non-file request refused: the deck is then not laid out as slides,
and what is checked is what must hold either way, that every picture is in the page, inside
its slide's <section>, visible and drawn with its own (inline) styles."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "04-deployments.ipynb"
WIDGET_TROUBLE = ("Loading widget", "Error displaying widget", "widget not found",
                  "Widget Javascript not detected")


def stored_pictures(path: Path) -> int:
    """How many views' pictures (k8slab-view HTML) the notebook's stored outputs hold."""
    nb = nbformat.read(path, as_version=4)
    return sum(len(re.findall(r"class=[\"']k8slab-view\b", str(output.get("data", {})
                                                          .get("text/html", ""))))
               for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs)


@pytest.fixture
def exported(tmp_path) -> Path:
    from k8slab import runner

    return runner.export_slides(NOTEBOOK, tmp_path)


@pytest.fixture
def offline_page(page):
    """A page that can load local files only."""
    page.context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    return page


def test_exported_slides_show_the_stored_pictures(offline_page, exported, screenshot):
    """Every stored picture of notebook 04 is in the exported deck, in a slide's section,
    visible and coloured, and nothing says a widget failed to load."""
    page = offline_page
    expected = stored_pictures(NOTEBOOK)
    assert expected >= 1, "notebook 04 keeps its views' pictures as stored outputs"
    html = exported.read_text()
    assert "application/vnd.jupyter.widget-view+json" not in html

    page.goto(exported.as_uri(), wait_until="load")
    views = page.locator(".reveal .slides section .k8slab-view")
    assert views.count() == expected == page.locator(".k8slab-view").count()
    for i in range(expected):
        view = views.nth(i)
        view.scroll_into_view_if_needed()
        box = view.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 80, (i, box)
        assert view.locator(".k8slab-title").inner_text().strip()
    tiles = page.locator(".k8slab-view .k8slab-pod")
    assert tiles.count() > 0
    colours = {tiles.nth(i).evaluate("e => getComputedStyle(e).borderTopColor")
               for i in range(tiles.count())}
    assert colours and "rgba(0, 0, 0, 0)" not in colours, colours
    page.locator(".k8slab-podboard").first.scroll_into_view_if_needed()
    screenshot(page, "exported-slides-podboard")
    text = page.locator("body").inner_text()
    assert [t for t in WIDGET_TROUBLE if t in text] == []
