"""The Self-attention and Transformer labs in lecture mode at 1280 x 720: the main chart and
its live equation on the first screen; masked cells hover as masked, not as a weight."""

import pytest
from browsertools import no_exception, open_url
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# lab url -> (main chart's key, the container holding its live equation)
MAIN = {
    "attention": ("att_fig_weights", "att_main"),
    "transformer": ("tf_model_view", "tf_main"),
}


@pytest.mark.parametrize("lab", list(MAIN))
def test_main_chart_and_equation_on_the_first_lecture_screen(page: Page, app_url, lab):
    chart_key, main_key = MAIN[lab]
    open_url(page, f"{app_url}/{lab}?lecture=1", f".st-key-{chart_key} .js-plotly-plot", height=720)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.evaluate("window.scrollTo(0, 0)")
    equation = page.locator(f".st-key-{main_key} .katex").first
    expect(equation).to_be_visible()
    chart = page.locator(f".st-key-{chart_key} .js-plotly-plot").first
    eq_box, chart_box = equation.bounding_box(), chart.bounding_box()
    assert chart_box["y"] < 720, chart_box
    assert eq_box["y"] + eq_box["height"] <= chart_box["y"] + 1  # the equation above, not over it
    no_exception(page)


def test_a_masked_cell_hovers_as_masked(page: Page, app_url):
    open_url(
        page,
        f"{app_url}/attention?att_sentence=the+time+machine+went&att_causal=true",
        ".st-key-att_fig_weights .js-plotly-plot",
    )
    plot = page.locator(".st-key-att_fig_weights .nsewdrag").first
    plot.hover(position={"x": 5, "y": 5})
    box = plot.bounding_box()
    # the top-right cell: query 0 looking at the last word, masked by the causal mask
    x, y = box["x"] + box["width"] * 0.88, box["y"] + box["height"] * 0.12
    page.mouse.move(x - 10, y + 10)
    page.mouse.move(x, y, steps=5)
    expect(page.locator(".st-key-att_fig_weights .hoverlayer")).to_contain_text("−∞ → 0")
    no_exception(page)
