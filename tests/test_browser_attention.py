"""The Self-attention and Transformer labs in a real Chromium: charts render, controls redraw, hover works."""

import re

import pytest
from browsertools import no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_page(page: Page, url: str) -> None:
    open_url(page, url, None, height=1200)


def test_attention_page_renders_and_toggles_redraw(page: Page, app_url):
    open_page(page, f"{app_url}/attention")
    page.wait_for_selector(".st-key-fig_weights .js-plotly-plot")
    expect(page.get_by_text("Self-attention, step by step")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-causal label").click()
    expect(page.locator(".st-key-fig_masked .gtitle")).to_have_text("masked (causal)")
    expect(page).to_have_url(re.compile(r"causal=true"))
    with rerun(page):
        page.locator(".st-key-scale label").click()
    expect(
        page.locator(".st-key-fig_scaled_b .gtitle, .st-key-sc_b .gtitle").first
    ).to_contain_text("not scaled")
    no_exception(page)


def test_attention_hover_shows_the_weight_and_the_word_pair(page: Page, app_url):
    open_page(page, f"{app_url}/attention?sentence=the+time+machine")
    plot = page.locator(".st-key-fig_weights .nsewdrag").first
    # hover() scrolls the plot into view and waits until it stands still
    plot.hover(position={"x": 5, "y": 5})
    box = plot.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    hover = page.locator(".st-key-fig_weights .hoverlayer")
    expect(hover).to_contain_text("weight =")
    expect(hover).to_contain_text("→")
    no_exception(page)


def test_transformer_model_view_head_selection_and_generation_steps(page: Page, app_url):
    open_page(page, f"{app_url}/transformer")
    page.wait_for_selector(".st-key-model_view .js-plotly-plot")
    expect(page.locator(".st-key-head_big .gtitle")).to_have_text("Layer 1, head 1")
    with rerun(page):
        page.locator(".st-key-head button").filter(has_text="3").click()
    expect(page).to_have_url(re.compile(r"head=3"))
    expect(page.locator(".st-key-head_big .gtitle")).to_have_text("Layer 1, head 3")
    with rerun(page):
        page.locator(".st-key-layer button").filter(has_text="2").click()
    expect(page).to_have_url(re.compile(r"layer=2"))
    expect(page.locator(".st-key-head_big .gtitle")).to_have_text("Layer 2, head 3")
    expect(page.get_by_text("Generated character 1 of 40")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-gen_step_next button").first.click()
    expect(page.get_by_text("Generated character 2 of 40")).to_be_visible()
    expect(page.locator(".st-key-gen_attention .gtitle")).to_contain_text("position 19")
    no_exception(page)


def test_transformer_bridge_and_bad_input(page: Page, app_url):
    open_page(page, f"{app_url}/transformer?task=copy&symbols=zz")
    page.wait_for_selector(".st-key-bridge .js-plotly-plot")
    expect(page.get_by_text("is not 6 symbols")).to_be_visible()
    no_exception(page)
