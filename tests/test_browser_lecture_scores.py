"""Exercise scores survive a reload in the same browser, and "Reset scores" clears them."""

import pytest
from browsertools import TIMEOUT_MS, loaded, no_exception, rerun
from playwright.sync_api import Browser, Page, expect

from seqviz import exercises

pytestmark = pytest.mark.browser

LINK = "/exercises?set=rnn&seed=7&ex=1"
STORE = "seqviz.exercise-results"


def all_sets_score(page: Page):
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text="All sets")
        .locator('[data-testid="stMetricValue"]')
    )


def stored(page: Page) -> str:
    return page.evaluate(f"window.localStorage.getItem('{STORE}') || ''")


def test_scores_survive_a_reload_and_reset_clears_them(page: Page, app_url, browser: Browser):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(app_url + LINK)
    loaded(page, ".st-key-ex_exercise input")
    expect(all_sets_score(page)).to_have_text("0 / 0 answered right")
    ex = exercises.make("rnn.h_unit", 7)
    page.locator(".st-key-ex_exercise input").fill(f"{ex.answer:.2f}")
    with rerun(page):
        page.locator(".st-key-ex_exercise").get_by_role("button", name="Check").click()
    expect(all_sets_score(page)).to_have_text("1 / 1 answered right")
    page.wait_for_function(
        f"() => (window.localStorage.getItem('{STORE}') || '').includes('attempts')",
        timeout=TIMEOUT_MS,
    )

    page.reload()
    loaded(page, ".st-key-ex_exercise input")
    expect(all_sets_score(page)).to_have_text("1 / 1 answered right")
    no_exception(page)

    # another browser (a fresh profile) has its own, empty scores
    other = browser.new_context().new_page()
    other.goto(app_url + LINK)
    other.wait_for_selector(".st-key-ex_exercise input", timeout=TIMEOUT_MS)
    expect(all_sets_score(other)).to_have_text("0 / 0 answered right")
    other.context.close()

    with rerun(page):
        page.locator(".st-key-ex_reset_scores button").first.click()
    expect(all_sets_score(page)).to_have_text("0 / 0 answered right")
    page.wait_for_function(
        f"() => !(window.localStorage.getItem('{STORE}') || '').includes('attempts')",
        timeout=TIMEOUT_MS,
    )
    page.reload()
    loaded(page, ".st-key-ex_exercise input")
    expect(all_sets_score(page)).to_have_text("0 / 0 answered right")
    assert "attempts" not in stored(page)
