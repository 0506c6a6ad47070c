"""The Transformer-block lab in a real Chromium: stepping through the characters with the
buttons and the arrow keys redraws every section for the new position."""

import re

import pytest
from browsertools import equations_intact, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_stepping_through_the_characters(page: Page, app_url):
    open_url(page, f"{app_url}/block", ".st-key-blk_stream .js-plotly-plot")
    expect(page.get_by_text("1 · The residual stream at t = 12, block 1")).to_be_visible()
    expect(page.get_by_text("Q, K, V for t = 12")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-blk_token_next button").first.click()
    expect(page.get_by_text("1 · The residual stream at t = 13, block 1")).to_be_visible()
    expect(page.get_by_text("Q, K, V for t = 13")).to_be_visible()
    page.locator("h1").first.click()  # focus the page, not a text box
    for t in (14, 15):
        with rerun(page):
            page.keyboard.press("ArrowRight")
        expect(page.get_by_text(f"1 · The residual stream at t = {t}, block 1")).to_be_visible()
    with rerun(page):
        page.keyboard.press("ArrowLeft")
    expect(page.get_by_text("1 · The residual stream at t = 14, block 1")).to_be_visible()
    expect(page).to_have_url(re.compile(r"blk_token=14"))
    for key in ("blk_stream", "blk_ffn", "blk_qkv", "blk_head_view", "blk_lens", "blk_lens_all"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_be_visible()
    equations_intact(page, at_least=6)
    no_exception(page)
