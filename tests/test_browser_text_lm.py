"""The text and language-model labs in a real Chromium: render, train live, stop."""

import re

import pytest
from browsertools import EXCEPTION, open_url, settle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_lab(page: Page, url: str) -> None:
    open_url(page, url, None, height=1200)


def test_text_lab_renders_and_switches_level(page: Page, app_url):
    open_lab(page, f"{app_url}/text")
    expect(page.locator(".st-key-zipf .js-plotly-plot")).to_have_count(1)
    expect(page.locator(".st-key-partition .js-plotly-plot")).to_have_count(1)
    page.locator(".st-key-level button").filter(has_text="char").click()
    settle(page)
    expect(page).to_have_url(re.compile(r"level=char"))
    expect(page.get_by_text("Frequency vs rank (char level)")).to_be_visible()
    page.locator(".st-key-part_mode button").filter(has_text="random").click()
    settle(page)
    expect(page.get_by_text("Random partitioning", exact=False)).to_be_visible()
    assert page.locator(EXCEPTION).count() == 0


def test_lm_lab_trains_live_and_stops(page: Page, app_url):
    open_lab(page, f"{app_url}/lm?hidden=32&budget=40&batch=8")
    expect(page.locator(".st-key-ppl_bars .js-plotly-plot")).to_have_count(1)
    page.locator(".st-key-lm_train button").click()
    # the curves appear while it is still training
    expect(page.get_by_text("Training…", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("training perplexity", exact=True)).to_be_visible(timeout=30_000)
    page.wait_for_timeout(3000)
    page.locator(".st-key-lm_stop button").first.click()
    expect(page.get_by_text("Stopped after", exact=False)).to_be_visible(timeout=30_000)
    settle(page)
    assert page.locator(EXCEPTION).count() == 0
