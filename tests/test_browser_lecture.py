"""Lecture mode on a projector (1280 x 720, ``?lecture=1``), in Chromium, on every lab.

- the lab's main chart (``Lab.main_chart`` in app/labs.py) starts on the first screen;
- no two visible pieces of text overlap: widget labels, slider values and their min / max,
  metric labels, values and deltas, and the main chart's tick labels, axis titles,
  legend entries and annotations (tight boxes of the text itself, not of its container);
- every slider's value sits clear of its thumb;
- equations and headline numbers are at least 1.5x their normal-mode size (computed font
  sizes, measured on the same page in both modes).

Each lab's page is opened once and everything it shows is checked on it.
"""

import pytest
from browsertools import TIMEOUT_MS, loaded, no_exception, rerun
from playwright.sync_api import Page, expect

from app.labs import LABS

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 720

# Text outside the chart, each one box per element (Range boxes: the text, not its block).
PAGE_TEXT = [
    '[data-testid="stWidgetLabel"]',
    '[data-testid="stSliderThumbValue"]',
    '[data-testid="stSliderTickBarMin"]',
    '[data-testid="stSliderTickBarMax"]',
    '[data-testid="stMetricLabel"]',
    '[data-testid="stMetricValue"]',
    '[data-testid="stMetricDelta"]',
]
# Text inside the main chart (SVG text elements).
CHART_TEXT = [
    ".xtick text",
    ".ytick text",
    ".g-xtitle text",
    ".g-ytitle text",
    ".legendtext",
    ".annotation-text",
    ".gtitle",
]

TEXT_BOXES = """([pageSelectors, chartSelectors, chartKey]) => {
  const visible = (el) => {
    if (!el.isConnected) return false;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none" || +style.opacity === 0)
      return false;
    return el.getClientRects().length > 0;
  };
  const boxes = [];
  const add = (el, kind, rect) => {
    if (rect.width < 1 || rect.height < 1) return;
    const {left, top, right, bottom} = rect;
    addCorners(el, kind, [[left, top], [right, top], [right, bottom], [left, bottom]]);
  };
  const addCorners = (el, kind, corners) => {
    const text = (el.textContent || "").trim();  // (the text node's element, for the report)
    if (!text) return;
    boxes.push({kind, text: text.slice(0, 40),
                corners: corners.map(([x, y]) => [x + scrollX, y + scrollY])});
  };
  // SVG text may be rotated (Plotly turns crowded x labels): its own box, transformed
  const addSvg = (el, kind) => {
    const b = el.getBBox(), m = el.getScreenCTM();
    if (b.width < 1 || b.height < 1 || !m) return;
    const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    addCorners(el, kind, [at(b.x, b.y), at(b.x + b.width, b.y),
                          at(b.x + b.width, b.y + b.height), at(b.x, b.y + b.height)]);
  };
  for (const sel of pageSelectors) {
    for (const el of document.querySelectorAll(".stMainBlockContainer " + sel)) {
      if (!visible(el)) continue;
      // one box per text node: the glyphs' extent, not the blocks around them
      // (an equation counts as one box: KaTeX's nested boxes overlap by design)
      for (const math of el.querySelectorAll(".katex-html")) {
        add(math, sel, math.getBoundingClientRect());
      }
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim() || node.parentElement.closest(".katex")) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        add(node.parentElement, sel, range.getBoundingClientRect());
      }
    }
  }
  const chart = document.querySelector(".st-key-" + chartKey);
  if (chart) {
    for (const sel of chartSelectors) {
      for (const el of chart.querySelectorAll(sel)) {
        if (visible(el)) addSvg(el, "chart " + sel);
      }
    }
  }
  return boxes;
}"""

SLACK = 1.0  # px two boxes may share (anti-aliased edges)


def _depth(a: list, b: list) -> float:
    """How far two convex quadrilaterals overlap (px): the smallest overlap of their
    projections over the axes of both (separating axis theorem; <= 0: apart)."""
    depth = float("inf")
    for quad in (a, b):
        for (x0, y0), (x1, y1) in zip(quad, quad[1:] + quad[:1], strict=True):
            nx, ny = y0 - y1, x1 - x0  # normal of this edge
            norm = (nx * nx + ny * ny) ** 0.5
            if norm == 0:
                continue
            pa = [(x * nx + y * ny) / norm for x, y in a]
            pb = [(x * nx + y * ny) / norm for x, y in b]
            depth = min(depth, min(max(pa), max(pb)) - max(min(pa), min(pb)))
    return depth


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of text boxes (4 corners each, any rotation) overlapping by more than SLACK."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if _depth(a["corners"], b["corners"]) > SLACK:
                pairs.append((f"{a['kind']} {a['text']!r}", f"{b['kind']} {b['text']!r}"))
    return pairs


def _box(left, top, right, bottom) -> dict:
    return {
        "kind": "k",
        "text": "a",
        "corners": [[left, top], [right, top], [right, bottom], [left, bottom]],
    }


def test_overlap_finder_sees_overlaps_and_only_them():
    box, beside, inside = _box(0, 0, 10, 10), _box(10, 0, 20, 10), _box(5, 5, 15, 15)
    assert overlapping([box, beside]) == []
    assert len(overlapping([box, inside])) == 1
    # two long labels turned 45 degrees, side by side: their upright boxes overlap, they do not
    turned = [
        {"kind": "k", "text": t, "corners": [[x, 40], [x + 40, 0], [x + 45, 5], [x + 5, 45]]}
        for t, x in (("a", 0), ("b", 12))
    ]
    assert overlapping(turned) == []
    assert (
        len(
            overlapping(
                [
                    turned[0],
                    {**turned[1], "corners": [[x - 10, y] for x, y in turned[1]["corners"]]},
                ]
            )
        )
        == 1
    )


# The page has settled when its layout is the same over 30 animation frames in a row:
# the app idle, every visible Plotly chart drawn, and the page height, the watched
# element's place and size and the chart text unchanged (charts redraw once they
# know their width, and elements above may still be growing).
SETTLED = """selector => {
  const el = document.querySelector(selector);
  if (!el || !document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']"))
    return false;
  const charts = [...document.querySelectorAll(".stPlotlyChart")].filter(c => c.offsetParent);
  if (!charts.every(c => c.querySelector(".main-svg"))) return false;
  const r = el.getBoundingClientRect();
  const sig = JSON.stringify([document.body.scrollHeight, r.top + scrollY, r.width, r.height,
                              el.querySelectorAll("text").length]);
  const w = (window.__settled = window.__settled || {sig: null, n: 0});
  if (sig === w.sig) w.n += 1; else { w.sig = sig; w.n = 0; }
  return w.n >= 30;
}"""


def settled(page: Page, selector: str) -> None:
    page.evaluate("window.__settled = null")
    page.wait_for_function(SETTLED, arg=selector, polling="raf", timeout=TIMEOUT_MS)


def open_lecture(
    page: Page, app_url: str, url_path: str, lecture: bool = True, ready: str = ".stMain"
) -> None:
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_url}/{url_path}" + ("?lecture=1" if lecture else ""))
    loaded(page)
    if lecture:
        page.wait_for_selector(".st-key-exit_lecture", timeout=TIMEOUT_MS)
    page.wait_for_selector(ready, timeout=TIMEOUT_MS)
    settled(page, ready)


# On the first screen: chart text (tick labels, axis titles) that falls outside its
# chart's box is cut off, and a display equation wider than its column is cut off too
# (KaTeX scrolls it sideways; the back rows of a lecture hall see half a formula).
CUT_OFF = """(height) => {
  const cut = [];
  for (const chart of document.querySelectorAll(".stMainBlockContainer .stPlotlyChart")) {
    const c = chart.getBoundingClientRect();
    if (!chart.offsetParent || c.top >= height) continue;
    for (const el of chart.querySelectorAll(".xtick text, .ytick text, .g-xtitle text, .g-ytitle text")) {
      const r = el.getBoundingClientRect();
      if (!r.width || r.top >= height) continue;
      if (r.left < c.left - 1 || r.right > c.right + 1)
        cut.push("chart text '" + el.textContent + "' outside its chart");
    }
  }
  for (const eq of document.querySelectorAll(".stMainBlockContainer .katex-display")) {
    const r = eq.getBoundingClientRect();
    if (!eq.offsetParent || r.top >= height) continue;
    if (eq.scrollWidth > eq.clientWidth + 2)
      cut.push("equation wider than its column: " + eq.textContent.slice(0, 40));
  }
  return cut;
}"""


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_main_chart_on_first_screen_no_text_overlaps_or_cut_off(page: Page, app_url, lab):
    open_lecture(page, app_url, lab.url_path, ready=f".st-key-{lab.main_chart}")
    no_exception(page)
    top = page.evaluate(
        "key => document.querySelector('.st-key-' + key).getBoundingClientRect().top + scrollY",
        lab.main_chart,
    )
    boxes = page.evaluate(TEXT_BOXES, [PAGE_TEXT, CHART_TEXT, lab.main_chart])
    overlaps = overlapping(boxes)
    assert top < HEIGHT and not overlaps, (
        f"main chart {lab.main_chart!r} starts at y = {top:.0f} px (first screen: < {HEIGHT}); "
        f"overlapping text: {overlaps[:8]}"
    )
    assert page.evaluate(CUT_OFF, HEIGHT) == []  # nothing on the first screen is cut off
    thumbs = page.evaluate(THUMBS)
    if lab.url_path == "gradients":
        assert thumbs  # its default view has sliders showing their values
    for text_bottom, thumb_top in thumbs:
        assert text_bottom <= thumb_top + SLACK  # the slider's value clears its thumb


# Every visible slider value: (bottom of its text, top of its thumb).
THUMBS = """() => [...document.querySelectorAll('[data-testid="stSliderThumbValue"]')]
  .filter(v => v.getClientRects().length)
  .map(v => [v.querySelector('p').getBoundingClientRect().bottom,
             v.parentElement.getBoundingClientRect().top])"""


SIZES = """() => {
  const size = (sel) => {
    const el = document.querySelector(".stMainBlockContainer " + sel);
    return el ? parseFloat(getComputedStyle(el).fontSize) : null;
  };
  return {
    equation: size(".katex-display > .katex"),
    metric: size('[data-testid="stMetricValue"] p') || size('[data-testid="stMetricValue"]'),
  };
}"""


def test_equations_and_metrics_are_half_again_as_big_in_lecture_mode(page: Page, app_url):
    # The self-attention page shows both display equations and metrics on its default view;
    # opened in lecture mode, then left with its Exit button (the same session, normal mode).
    open_lecture(page, app_url, "attention", lecture=True, ready='[data-testid="stMetricValue"]')
    lecture = page.evaluate(SIZES)
    with rerun(page):
        page.get_by_role("button", name="Exit lecture mode").click()
    expect(page.locator(".st-key-exit_lecture")).to_have_count(0)
    settled(page, '[data-testid="stMetricValue"]')
    normal = page.evaluate(SIZES)
    assert None not in normal.values() and None not in lecture.values(), (normal, lecture)
    for what in ("equation", "metric"):
        assert lecture[what] >= 1.5 * normal[what], (what, normal[what], lecture[what])
