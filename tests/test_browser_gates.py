"""The Gates lab in a real Chromium: the live cell diagram steps with the step control, its
equation renders, and in lecture mode both are on the first 1280 x 720 screen."""

import re

import pytest
from browsertools import no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DIAGRAM = ".st-key-gates_diagram"
EQUATION = ".st-key-gates_equation"


def diagram_title(page: Page):
    return page.locator(f"{DIAGRAM} .gtitle")


def marker(page: Page, key: str):
    """The "t = k" label that a time-series chart draws on its current step."""
    return page.locator(f".st-key-{key} text").filter(has_text=re.compile(r"^t = \d+$"))


def no_katex_error(page: Page) -> None:
    expect(page.locator(f"{EQUATION} .katex").first).to_be_visible()
    assert page.locator(".katex-error").count() == 0
    assert not re.search(r"\\[a-zA-Z]+", page.locator(f"{EQUATION} .katex-html").inner_text())


def test_next_steps_the_diagram_its_equation_and_the_markers(page: Page, app_url):
    open_url(page, f"{app_url}/gates", f"{DIAGRAM} .gtitle", height=1000)
    expect(diagram_title(page)).to_have_text("LSTM cell, unit 0, step t = 1")
    expect(marker(page, "gates_series")).to_have_text("t = 1")
    for t in (2, 3):
        with rerun(page):
            page.locator(".st-key-step_next button").first.click()
        expect(diagram_title(page)).to_have_text(f"LSTM cell, unit 0, step t = {t}")
        expect(marker(page, "gates_series")).to_have_text(f"t = {t}")
        expect(marker(page, "gates_candidate")).to_have_text(f"t = {t}")
    expect(page.locator(".st-key-step input[type=range]")).to_have_attribute(
        "aria-valuetext", "t = 3"
    )
    expect(page).to_have_url(re.compile(r"step=3"))
    no_katex_error(page)
    no_exception(page)


def test_a_link_opens_the_gru_diagram_at_its_step_and_unit(page: Page, app_url):
    open_url(page, f"{app_url}/gates?gates_cell=GRU&step=5&unit=3", f"{DIAGRAM} .gtitle")
    expect(diagram_title(page)).to_have_text("GRU cell, unit 3, step t = 5")
    expect(page.locator(f"{DIAGRAM} text").filter(has_text="W")).not_to_have_count(0)
    no_katex_error(page)
    no_exception(page)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_lecture_mode_shows_the_diagram_and_its_equation_on_the_first_screen(
    page: Page, app_url, cell
):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/gates?lecture=1&gates_cell={cell}")
    page.wait_for_selector(f"{DIAGRAM} .gtitle")
    expect(diagram_title(page)).to_have_text(f"{cell} cell, unit 0, step t = 1")
    diagram = page.locator(DIAGRAM).bounding_box()
    equation = page.locator(EQUATION).bounding_box()
    assert diagram["y"] < 720 and equation["y"] < 720, (diagram, equation)
    assert equation["x"] >= diagram["x"] + diagram["width"]  # beside it, not under it
    no_katex_error(page)
    no_exception(page)
