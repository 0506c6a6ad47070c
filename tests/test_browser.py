"""The labs in a real Chromium: pages render, stepping redraws the marker, no exception box."""

import re

import pytest
from browsertools import loaded, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_lab(page: Page, url: str) -> None:
    open_url(page, url, ".st-key-step_next button", height=1000)


def marker(page: Page, key: str):
    """The "t = k" label that a heatmap draws on its current step."""
    return page.locator(f".st-key-{key} text").filter(has_text=re.compile(r"^t = \d+$"))


def test_home_lists_the_labs(page: Page, app_url):
    page.goto(app_url)
    loaded(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_role("link", name=re.compile("RNN step-through"))).to_be_visible()
    with rerun(page):
        main.get_by_role("link", name=re.compile("Gates")).first.click()
    expect(page).to_have_url(re.compile(r"/gates"))
    no_exception(page)


@pytest.mark.parametrize(
    "slug,heatmap,first",
    [("rnn", "rnn_heat_0", 1)],  # gates: test_browser_gates
)
def test_next_moves_the_step_marker(page: Page, app_url, slug, heatmap, first):
    # the RNN page counts x_1 … x_T (first = 1)
    open_lab(page, f"{app_url}/{slug}")
    expect(marker(page, heatmap)).to_have_text(f"t = {first}")
    for t in range(1, 4):
        with rerun(page):
            page.locator(".st-key-step_next button").first.click()
        expect(marker(page, heatmap)).to_have_text(f"t = {first + t}")
    expect(page.locator(".st-key-step input[type=range]")).to_have_attribute(
        "aria-valuetext", f"t = {first + 3}"
    )
    with rerun(page):
        page.locator(".st-key-step_prev button").first.click()
    expect(marker(page, heatmap)).to_have_text(f"t = {first + 2}")
    no_exception(page)


def test_keyboard_steps_and_the_url_remembers(page: Page, app_url):
    open_lab(page, f"{app_url}/rnn")
    page.locator("h1").first.click()  # focus the page, not the text box
    for t in range(2, 5):  # from x_1 to x_4
        with rerun(page):
            page.keyboard.press("ArrowRight")
        expect(marker(page, "rnn_heat_0")).to_have_text(f"t = {t}")
    with rerun(page):
        page.keyboard.press("ArrowLeft")
    expect(marker(page, "rnn_heat_0")).to_have_text("t = 3")
    expect(page).to_have_url(re.compile(r"step=3"))
    page.reload()
    loaded(page, ".st-key-step_next button")
    expect(marker(page, "rnn_heat_0")).to_have_text("t = 3")


def test_bad_text_gets_a_message_and_the_page_recovers(page: Page, app_url):
    open_lab(page, f"{app_url}/rnn")
    box = page.locator(".st-key-text textarea")
    box.fill("")
    with rerun(page):
        box.press("Control+Enter")
    expect(page.get_by_text("Type a sentence")).to_be_visible()
    box.fill("🙂 emoji and 中文 too")
    with rerun(page):
        box.press("Control+Enter")
    page.wait_for_selector(".st-key-step_next button")
    expect(page.get_by_text("became <unk>", exact=False)).to_be_visible()
    no_exception(page)


def test_toggles_in_the_browser(page: Page, app_url):
    open_lab(page, f"{app_url}/rnn")
    with rerun(page):
        page.locator(".st-key-rnn_bidirectional label").click()
    expect(page.get_by_text("Fill in the blank at t")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-rnn_bidirectional label").click()
    with rerun(page):
        page.locator(".st-key-rnn_stacked label").click()
    # Two layers by default: one heatmap each.
    expect(page.locator(".st-key-rnn_heat_1")).to_have_count(1)
    expect(page.locator(".st-key-rnn_heat_2")).to_have_count(0)
    no_exception(page)
