"""Exercises, links and lecture mode in a real Chromium: keyboard stepping, a copied
link reproducing the view (also after a page switch), lecture mode enlarging text."""

import re

import pytest
from browsertools import idle, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

from seqviz import exercises

pytestmark = pytest.mark.browser


def prompt_of(ex_id: str, seed: int) -> str:
    """A stretch of the question's plain text (before any LaTeX or code)."""
    return re.split(r"[`$]", exercises.make(ex_id, seed).prompt)[0].strip()[:40]


def test_keyboard_steps_through_the_exercises(page: Page, app_url):
    open_url(page, f"{app_url}/exercises?set=lm&seed=5", ".st-key-ex_next button")
    page.locator("h1").first.click()  # focus the page, not a text box
    with rerun(page):
        page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"ex=2"))
    expect(page.get_by_text(prompt_of("lm.ppl", 5), exact=False)).to_be_visible()
    with rerun(page):
        page.keyboard.press("ArrowRight")
    with rerun(page):
        page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"ex=2"))
    no_exception(page)


def test_answering_in_the_browser(page: Page, app_url):
    open_url(page, f"{app_url}/exercises?set=rnn&seed=9&ex=3", ".st-key-ex_next button")
    ex = exercises.make("rnn.params", 9)
    box = page.locator(".st-key-ex_rnn_3_answer input")
    box.fill(str(int(ex.answer) + 1))
    with rerun(page):
        page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("too high")).to_be_visible()
    box.fill(str(int(ex.answer)))
    with rerun(page):
        page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Correct", exact=False).first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-ex_rnn_3_reveal button").first.click()
    expect(page.get_by_text("Worked solution", exact=True)).to_be_visible()


def make_link(page: Page) -> str:
    page.locator(".st-key-share summary").first.click()
    with rerun(page):
        page.locator(".st-key-share_link_make button").first.click()
    return page.locator(".st-key-share [data-testid='stCode'] code").first.inner_text().strip()


def test_a_copied_link_reproduces_the_view_after_a_page_switch(page: Page, app_url, context):
    open_url(page, f"{app_url}/exercises?set=gates&seed=77", ".st-key-ex_next button")
    with rerun(page):
        page.locator(".st-key-ex_next button").first.click()
    with rerun(page):
        page.locator(".st-key-ex_next button").first.click()
    # away through the sidebar and back: the view must survive the switch
    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="RNN step-through").click()
    page.wait_for_selector(".st-key-rnn_step_view")  # the RNN page steps in the browser
    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Exercises").click()
    page.wait_for_selector(".st-key-ex_next button")
    expect(page.get_by_text(prompt_of("gates.cell", 77), exact=False)).to_be_visible()
    link = make_link(page)
    assert "set=gates" in link and "seed=77" in link and "ex=3" in link
    fresh = context.new_page()
    open_url(fresh, link, ".st-key-ex_next button")
    expect(fresh.get_by_text(prompt_of("gates.cell", 77), exact=False)).to_be_visible()
    no_exception(fresh)


def test_the_address_bar_after_a_page_switch_is_a_link_to_the_view(page: Page, app_url, context):
    open_url(
        page,
        f"{app_url}/rnn?stepping=server&text=hello+world&model=Untrained",
        ".st-key-step_next button",
    )
    with rerun(page):
        page.locator(".st-key-step_next button").first.click()
    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Gates").click()
    page.wait_for_selector(".st-key-step_next button")
    expect(page).to_have_url(re.compile(r"text=hello"))
    fresh = context.new_page()
    open_url(fresh, page.url, ".st-key-step_next button")
    expect(fresh.locator(".st-key-text textarea")).to_have_value("hello world")
    expect(fresh.get_by_text("The model reads", exact=False)).to_be_visible()
    no_exception(fresh)


def test_a_link_can_hide_controls(page: Page, app_url):
    open_url(page, f"{app_url}/rnn?stepping=server&hide=unit,model", ".st-key-step_next button")
    expect(page.locator(".st-key-unit")).to_be_hidden()
    expect(page.locator(".st-key-model")).to_be_hidden()
    expect(page.locator(".st-key-text")).to_be_visible()


def _font_px(page: Page, selector: str) -> float:
    size = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
    return float(size.replace("px", ""))


def test_lecture_mode_enlarges_text_and_hides_the_sidebar(page: Page, app_url):
    paragraph = "[data-testid='stMainBlockContainer'] [data-testid='stMarkdownContainer'] p"
    open_url(page, f"{app_url}/rnn?stepping=server", ".st-key-step_next button")
    normal = _font_px(page, paragraph)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    open_url(page, f"{app_url}/rnn?stepping=server&lecture=1", ".st-key-step_next button")
    assert _font_px(page, paragraph) >= 1.2 * normal
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    # the page may still be rerunning once after load (scores kept by the browser come
    # back then): click Exit when it is idle, so the click is not folded into that run
    idle(page)
    expect(page.locator(".st-key-exit_lecture button").first).to_be_enabled()
    with rerun(page):
        page.locator(".st-key-exit_lecture button").first.click()
    expect(page.locator(paragraph).first).to_have_css("font-size", f"{normal:g}px")
    expect(page.get_by_test_id("stSidebar")).to_be_visible()


def test_a_hostile_link_shows_a_note_and_no_html(page: Page, app_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_url(
        page,
        f"{app_url}/rnn?stepping=server&unit=1e400&model=%3Cscript%3Ealert(1)%3C/script%3E"
        "&text=%3Cimg%20src=x%20onerror=alert(2)%3E&%3Cb%3E=1",
        ".st-key-step_next button",
    )
    expect(page.get_by_text("could not be used as given")).to_be_visible()
    assert page.locator("[data-testid='stMainBlockContainer'] img[src='x']").count() == 0
    assert not dialogs
    no_exception(page)
