"""The Seq2seq & attention lab in a real Chromium: stepping through a decoding moves the
attention bars, the alignment's outlined row and the equations together."""

import re

import pytest
from browsertools import equations_intact, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

BARS = ".st-key-s2s_weights"


def test_stepping_through_a_decoding(page: Page, app_url):
    open_url(page, f"{app_url}/seq2seq", f"{BARS} .gtitle", height=1400)
    expect(page.locator(f"{BARS} .gtitle")).to_have_text(re.compile(r"where step 1 looks"))
    for t in (2, 3, 4):
        with rerun(page):
            page.locator(".st-key-s2s_step_next button").first.click()
        expect(page.locator(f"{BARS} .gtitle")).to_have_text(re.compile(rf"where step {t} looks"))
        expect(page.get_by_text(re.compile(rf"Output step t = {t}"))).to_be_visible()
    expect(page.locator(".st-key-s2s_step input[type=range]")).to_have_attribute(
        "aria-valuetext", "t = 4"
    )
    expect(page).to_have_url(re.compile(r"s2s_step=4"))
    with rerun(page):
        page.locator(".st-key-s2s_step_prev button").first.click()
    expect(page.locator(f"{BARS} .gtitle")).to_have_text(re.compile(r"where step 3 looks"))
    expect(page.locator(".st-key-s2s_alignment .main-svg").first).to_be_visible()
    expect(page.locator(".st-key-s2s_beam_tree .main-svg").first).to_be_visible()
    equations_intact(page, 4)
    no_exception(page)


def test_train_in_a_worker_then_stop_keeps_what_it_learned(page: Page, app_url):
    # a press that ends by itself says "finished" or "paused": "stopped" means Stop did it
    open_url(page, f"{app_url}/seq2seq?s2s_seconds=60", f"{BARS} .gtitle", height=1400)
    page.locator(".st-key-s2s_train button").click()
    # the job trains in a worker process; the polling fragment draws its steps and curves
    expect(page.get_by_text(re.compile(r"^Step [1-9]\d* of 600$"))).to_be_visible()
    expect(page.locator(".st-key-s2s_live_curves .main-svg").first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-s2s_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"step \d+ of 600, stopped"))
    expect(stopped).to_be_visible()
    done = int(re.search(r"step (\d+) of 600", stopped.inner_text())[1])
    assert 0 < done < 600
    expect(page.locator(".st-key-s2s_curves .main-svg").first).to_be_visible()
    expect(page.locator(".st-key-s2s_stop button").first).to_be_disabled()  # not training
    no_exception(page)
