"""The labs in a real Chromium: pages render, stepping redraws the marker, no exception box."""

import re

import pytest
from browsertools import loaded, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_lab(page: Page, url: str) -> None:
    open_url(page, url, ".st-key-step_next button", height=1000)


def open_rnn(page: Page, url: str) -> None:
    """The RNN page steps in the browser (app/stepview.py): its own Next, its own heatmaps."""
    open_url(page, url, ".sv-next", height=1000)


def rnn_marker(page: Page):
    """The "t = k" label under the step view's first heatmap's outlined column."""
    return page.locator(".sv-heatmap .sv-mark-label").first


def marker(page: Page, key: str):
    """The "t = k" label that a heatmap draws on its current step."""
    return page.locator(f".st-key-{key} text").filter(has_text=re.compile(r"^t = \d+$"))


def test_home_lists_the_labs(page: Page, app_url):
    page.goto(app_url)
    loaded(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_role("link", name="RNN step-through", exact=True)).to_be_visible()
    with rerun(page):
        main.get_by_role("link", name=re.compile("Gates")).first.click()
    expect(page).to_have_url(re.compile(r"/gates"))
    no_exception(page)


def test_next_moves_the_step_marker(page: Page, app_url):
    # the RNN page counts x_1 … x_T; the browser redraws the marker, no rerun
    open_rnn(page, f"{app_url}/rnn")
    expect(rnn_marker(page)).to_have_text("t = 1")
    for t in range(2, 5):
        page.locator(".sv-next").click()
        expect(rnn_marker(page)).to_have_text(f"t = {t}")
    expect(page.locator(".sv-slider")).to_have_value("4")
    page.locator(".sv-prev").click()
    expect(rnn_marker(page)).to_have_text("t = 3")
    no_exception(page)


def test_next_moves_the_step_marker_with_server_stepping(page: Page, app_url):
    open_lab(page, f"{app_url}/rnn?stepping=server")  # the fallback
    expect(marker(page, "rnn_heat_0")).to_have_text("t = 1")
    with rerun(page):
        page.locator(".st-key-step_next button").first.click()
    expect(marker(page, "rnn_heat_0")).to_have_text("t = 2")
    no_exception(page)


def test_keyboard_steps_and_the_url_remembers(page: Page, app_url):
    open_rnn(page, f"{app_url}/rnn")
    page.locator("h1").first.click()  # focus the page, not the text box
    for t in range(2, 5):  # from x_1 to x_4
        page.keyboard.press("ArrowRight")
        expect(rnn_marker(page)).to_have_text(f"t = {t}")
    page.keyboard.press("ArrowLeft")
    expect(rnn_marker(page)).to_have_text("t = 3")
    expect(page).to_have_url(re.compile(r"step=3"))  # synced once the student stops
    page.reload()
    loaded(page, ".sv-next")
    expect(rnn_marker(page)).to_have_text("t = 3")


def test_bad_text_gets_a_message_and_the_page_recovers(page: Page, app_url):
    open_rnn(page, f"{app_url}/rnn")
    box = page.locator(".st-key-text textarea")
    box.fill("")
    with rerun(page):
        box.press("Control+Enter")
    expect(page.get_by_text("Type a sentence")).to_be_visible()
    box.fill("🙂 emoji and 中文 too")
    with rerun(page):
        box.press("Control+Enter")
    expect(page.locator(".sv-next")).to_be_visible()
    expect(page.get_by_text("became <unk>", exact=False)).to_be_visible()
    no_exception(page)


def test_toggles_in_the_browser(page: Page, app_url):
    open_rnn(page, f"{app_url}/rnn")
    with rerun(page):
        page.locator(".st-key-rnn_bidirectional label").click()
    expect(page.get_by_text("Fill in the blank at t")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-rnn_bidirectional label").click()
    with rerun(page):
        page.locator(".st-key-rnn_stacked label").click()
    # Two layers by default: one heatmap each.
    expect(page.locator(".sv-heatmap")).to_have_count(2)
    expect(
        page.locator(".sv-unrolled text").filter(has_text=re.compile(r"^h\(2\)$"))
    ).to_have_count(1)
    no_exception(page)
