"""The gradient-flow lab in a real Chromium: charts render, controls redraw, overflow is reported."""

import re

import pytest
from browsertools import equations_intact, idle, loaded, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_lab(page: Page, url: str) -> None:
    open_url(page, url, ".st-key-grad_curves .js-plotly-plot", height=1200)


def test_the_page_renders_its_charts(page: Page, app_url):
    open_lab(page, f"{app_url}/gradients")
    expect(page.get_by_role("heading", name=re.compile("Gradient flow"))).to_be_visible()
    # three model lines on a log axis
    legend = page.locator(".st-key-grad_curves .legendtext")
    expect(legend.filter(has_text=re.compile("^LSTM$"))).to_have_count(1)
    expect(page.locator(".st-key-grad_eigen .js-plotly-plot")).to_have_count(1)
    no_exception(page)


def test_explode_then_clip_in_the_browser(page: Page, app_url):
    open_lab(page, f"{app_url}/gradients")
    with rerun(page):
        page.get_by_role("tab", name="Clipping").click()
    with rerun(page):
        page.get_by_role("button", name="Make it explode").click()
    page.wait_for_selector(".st-key-grad_clip_bars .js-plotly-plot")
    expect(page).to_have_url(re.compile(r"grad_act=ReLU"))
    expect(page).to_have_url(re.compile(r"grad_tab=Clipping"))
    with rerun(page):
        page.get_by_role("tab", name="W_hh & the bound").click()
    expect(page.get_by_text("gradients can explode", exact=False).first).to_be_visible()
    no_exception(page)


def test_a_link_with_an_overflowing_run_shows_the_overflow(page: Page, app_url):
    open_lab(
        page,
        f"{app_url}/gradients?grad_input=Random+characters&grad_len=400&grad_act=ReLU"
        "&grad_init=Identity+%C3%97+r+%28IRNN%29&grad_radius=3.0",
    )
    expect(page.get_by_text("the gradient overflowed at step t", exact=False).first).to_be_visible()
    for tab, chart in [
        ("Inside BPTT", "grad_heatmap"),
        ("Clipping", "grad_clip_bars"),
        ("Truncated BPTT", "grad_trunc_curves"),
    ]:
        with rerun(page):
            page.get_by_role("tab", name=tab).click()
        page.wait_for_selector(f".st-key-{chart} .js-plotly-plot")
    no_exception(page)


def test_radius_slider_redraws_and_url_remembers(page: Page, app_url):
    open_lab(page, f"{app_url}/gradients?grad_init=Orthogonal+%C3%97+r")
    slider = page.locator(".st-key-grad_radius input[type=range]")
    slider.focus()
    for _ in range(4):
        slider.press("ArrowRight")
    # the slider reruns the app as it moves: wait for the value it ends on
    expect(page).to_have_url(re.compile(r"grad_radius=1\.2"))
    expect(page.get_by_text("σ_max = 1.2", exact=False).first).to_be_visible()
    idle(page)
    no_exception(page)


def test_long_memory_trains_with_a_progress_bar(page: Page, app_url):
    open_lab(
        page, f"{app_url}/gradients?grad_tab=Long+memory+%28train%29&grad_lag=4&grad_steps=250"
    )
    with rerun(page):
        page.get_by_role("button", name="Train all three").click()
        expect(page.get_by_test_id("stProgress")).to_be_visible()
    page.wait_for_selector(".st-key-grad_train_curves .js-plotly-plot")
    page.wait_for_selector(".st-key-grad_trained_curves .js-plotly-plot")
    no_exception(page)


def test_stop_ends_the_long_memory_training_and_keeps_the_models(page: Page, app_url):
    # lag 150, 2000 steps for each of three models: minutes of training, and a press that
    # runs out of time says "Paused", not "Stopped": if the page says "Stopped", Stop stopped it.
    open_lab(
        page, f"{app_url}/gradients?grad_tab=Long+memory+%28train%29&grad_lag=150&grad_steps=2000"
    )
    page.get_by_role("button", name="Train all three").click()
    expect(page.get_by_text(re.compile(r"Step [1-9]\d* of 2000 for each model"))).to_be_visible()
    # the curves are drawn while it trains, not only at the end
    expect(page.locator(".st-key-grad_live .js-plotly-plot")).to_be_visible()
    expect(page.locator(".st-key-grad_train_curves")).to_have_count(0)
    with rerun(page):
        page.locator(".st-key-grad_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"Stopped at step \d+ of 2000"))
    expect(stopped).to_be_visible()
    step = int(re.search(r"step (\d+)", stopped.inner_text()).group(1))
    assert 0 < step < 2000
    # the three partly trained models: their curves and their gradients through time
    page.wait_for_selector(".st-key-grad_train_curves .js-plotly-plot")
    page.wait_for_selector(".st-key-grad_trained_curves .js-plotly-plot")
    expect(page.get_by_text(re.compile(r"for each model; held-out accuracy"))).to_have_count(0)
    no_exception(page)


def test_lecture_mode_shows_the_chart_and_its_equation_on_the_first_screen(page: Page, app_url):
    """At 1280 x 720 with ?lecture=1: the starting point, the live ratio equation and the
    top of the main chart are inside the first screen; the equations render."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/gradients?lecture=1")
    loaded(page, ".st-key-grad_curves .js-plotly-plot")
    chart = page.locator(".st-key-grad_curves").bounding_box()
    equation = page.locator(".st-key-grad_equation").bounding_box()
    preset = page.locator(".st-key-grad_preset").bounding_box()
    assert chart["y"] < 720 and equation["y"] + equation["height"] <= 720
    assert preset["y"] + preset["height"] <= equation["y"] <= chart["y"]
    expect(page.locator(".st-key-grad_equation .katex").first).to_be_visible()
    equations_intact(page, 1)
    with rerun(page):
        page.locator(".st-key-grad_preset button", has_text="Untrained").click()
    expect(page).to_have_url(re.compile(r"grad_preset=Untrained"))
    expect(page.get_by_text("All three lose their gradient alike", exact=False)).to_be_visible()
    no_exception(page)
