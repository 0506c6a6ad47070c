"""Control characters typed into any text box of any lab keep the page working (they
once crashed every URL-bound box: the frame rewrote the bound query parameter)."""

import pytest
from browsertools import idle, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

from app.labs import LABS

pytestmark = pytest.mark.browser

TYPED = "ab\x01c\x0bd\x1be\x7ff"
# The keyed container of every text box on the page that runs the app when it changes
# (a box inside a form, a quiz answer, runs it only on its submit button).
BOX_KEYS = """() => [...document.querySelectorAll(
    "[data-testid='stMain'] [data-testid='stTextArea'] textarea,"
    + "[data-testid='stMain'] [data-testid='stTextInput'] input")]
  .filter(e => !e.disabled && !e.closest("[data-testid='stForm']"))
  .map(e => [...e.closest("[class*='st-key-']").classList].find(c => c.startsWith("st-key-")))"""


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.url_path)
def test_control_characters_in_every_text_box(page: Page, app_url, lab):
    open_url(page, f"{app_url}/{lab.url_path}")
    idle(page)
    for key in page.evaluate(BOX_KEYS):
        box = page.locator(f".{key} textarea, .{key} input")
        with rerun(page):
            box.fill(TYPED)
            box.press("Tab")  # commits a text input and a text area alike
        expect(box).to_be_visible()
        no_exception(page)
