"""The step-through's arrow keys in Chromium, pressed faster than the app reruns.

A lecturer holds → or taps it quickly: presses made while a rerun is in flight must be
neither lost nor doubled, so N presses from step s land on step s + N (clamped at the
ends). The presses go out back to back, without waiting for the app between them.

The RNN page steps in the browser by default (no rerun per press: the last test); the
server's stepper (``?stepping=server``, and the other step-through labs) is tested here
on the RNN page with ``?stepping=server``.
"""

import re

import pytest
from browsertools import TIMEOUT_MS, idle, loaded, no_exception, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SLIDER = ".st-key-step input[type=range]"


def open_rnn(page: Page, app_url: str) -> int:
    """Open the RNN page, focus it (not the text box); the first step's number (x_1: 1)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/rnn?stepping=server")  # the server's stepper (the gates lab's too)
    loaded(page, ".st-key-step_next button")
    page.locator("h1").first.click()
    return int(page.locator(SLIDER).get_attribute("min"))


def settled_step(page: Page) -> int:
    """The step once the app has applied the last key press the browser sent."""
    page.wait_for_function(
        """() => {
          const own = (window.__seqvizStepKeys || {}).step;
          return own && own.asked === null
            && document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']");
        }""",
        timeout=TIMEOUT_MS,
    )
    idle(page)
    return int(page.locator(SLIDER).get_attribute("aria-valuetext").removeprefix("t = "))


def test_fast_presses_land_on_the_step_they_count(page: Page, app_url):
    first = open_rnn(page, app_url)
    assert first == 1  # the slides' x_1 … x_T
    for _ in range(17):
        page.keyboard.press("ArrowRight")
    assert settled_step(page) == first + 17
    expect(page.locator(SLIDER)).to_have_attribute("aria-valuetext", f"t = {first + 17}")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    assert settled_step(page) == first + 12
    no_exception(page)


def test_a_held_key_lands_on_the_right_step(page: Page, app_url):
    # holding a key: one keydown, then auto-repeated keydowns (repeat = true), one keyup
    first = open_rnn(page, app_url)
    for _ in range(40):
        page.keyboard.down("ArrowRight")
    page.keyboard.up("ArrowRight")
    assert settled_step(page) == first + 40


def test_keys_build_on_a_click_made_in_between(page: Page, app_url):
    first = open_rnn(page, app_url)
    with rerun(page):
        page.keyboard.press("ArrowRight")
    with rerun(page):
        page.locator(".st-key-step_next button").first.click()
    page.locator("h1").first.click()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert settled_step(page) == first + 5


def test_presses_past_the_end_stop_at_the_last_step(page: Page, app_url):
    first = open_rnn(page, app_url)
    last = int(page.locator(SLIDER).get_attribute("max"))
    for _ in range(3):
        page.keyboard.press("ArrowLeft")  # already at the first step
    page.keyboard.press("ArrowRight")
    assert settled_step(page) == first + 1
    with rerun(page):
        page.locator(SLIDER).focus()
        page.keyboard.press("End")  # the slider's own key: jump to the end
    page.locator("h1").first.click()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert settled_step(page) == last - 1


def test_arrows_typed_in_the_text_box_do_not_step(page: Page, app_url):
    first = open_rnn(page, app_url)
    box = page.locator(".st-key-text textarea")
    box.click()
    for _ in range(3):
        box.press("ArrowRight")
    page.locator("h1").first.click()
    page.keyboard.press("ArrowRight")
    assert settled_step(page) == first + 1


def test_fast_presses_in_the_browsers_step_view(page: Page, app_url):
    # the default: each press is drawn by the browser at once, none reaches the server
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/rnn")
    loaded(page, ".sv-next")
    page.locator("h1").first.click()
    for _ in range(17):
        page.keyboard.press("ArrowRight")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    expect(page.locator(".sv").first).to_have_attribute("data-step", "13")
    expect(page).to_have_url(re.compile(r"step=13"))  # synced once, after the last press
    no_exception(page)
