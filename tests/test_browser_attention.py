"""The Self-attention lab in a real Chromium: charts render, controls redraw, hover works."""

import re
from urllib.parse import quote

import pytest
from browsertools import equations_intact, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_page(page: Page, url: str) -> None:
    open_url(page, url, None, height=1200)


def test_attention_page_renders_and_toggles_redraw(page: Page, app_url):
    open_page(page, f"{app_url}/attention")
    page.wait_for_selector(".st-key-att_fig_weights .js-plotly-plot")
    expect(page.get_by_text("Self-attention, step by step")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-att_causal label").click()
    expect(page.locator(".st-key-att_fig_masked .gtitle")).to_have_text("masked (causal)")
    expect(page).to_have_url(re.compile(r"att_causal=true"))
    with rerun(page):
        page.locator(".st-key-att_scale label").click()
    expect(page.locator(".st-key-att_fig_scaled .gtitle").first).to_contain_text("not scaled")
    no_exception(page)


def test_attention_hover_shows_the_weight_and_the_word_pair(page: Page, app_url):
    open_page(page, f"{app_url}/attention?att_sentence=the+time+machine")
    plot = page.locator(".st-key-att_fig_weights .nsewdrag").first
    # hover() scrolls the plot into view and waits until it stands still
    plot.hover(position={"x": 5, "y": 5})
    box = plot.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    hover = page.locator(".st-key-att_fig_weights .hoverlayer")
    expect(hover).to_contain_text("weight =")
    expect(hover).to_contain_text("→")
    no_exception(page)


def test_tex_specials_in_the_sentence_leave_every_equation_intact(page: Page, app_url):
    sentence = quote("the { time } \\ ^ _ $ % & # ~ 🙂 machine")
    open_page(page, f"{app_url}/attention?att_sentence={sentence}&att_query=1")
    page.wait_for_selector(".st-key-att_fig_weights .js-plotly-plot")
    equations_intact(page, at_least=10)
    no_exception(page)
