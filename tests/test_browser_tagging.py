"""The tagging lab in a real Chromium: type a sentence, step through its words; the chart,
the live equation and the step label follow, and nothing breaks."""

import re

import pytest
from browsertools import no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CHART = ".st-key-tag_probs"
EQUATION = ".st-key-tag_equation"


def test_type_a_sentence_and_step_through_it(page: Page, app_url):
    open_url(page, f"{app_url}/tagging", f"{CHART} .main-svg")
    box = page.locator(".st-key-tag_text textarea")
    with rerun(page):
        box.fill("Angela Merkel visited Paris")
        box.press("Control+Enter")
    expect(page.get_by_text("Word 1 of 4:")).to_be_visible()
    expect(page.locator(f"{CHART} .xtick text").first).to_contain_text("Angela")
    for t, word in ((2, "Merkel"), (3, "visited")):
        with rerun(page):
            page.locator(".st-key-tag_step_next button").first.click()
        expect(page.get_by_text(f"Word {t} of 4:")).to_be_visible()
        expect(page.locator("code").filter(has_text=re.compile(f"^{word}$")).first).to_be_visible()
    expect(page.locator(".st-key-tag_step input[type=range]")).to_have_attribute(
        "aria-valuetext", "t = 3"
    )
    expect(page).to_have_url(re.compile(r"tag_step=3"))
    expect(page.locator(f"{EQUATION} .katex").first).to_be_visible()
    assert page.locator(".katex-error").count() == 0
    assert "backward" in page.locator(f"{EQUATION} .katex-html").first.inner_text()
    expect(page.locator(".st-key-tag_split .main-svg").first).to_be_visible()
    no_exception(page)


def test_train_in_a_worker_then_stop_keeps_what_it_learned(page: Page, app_url):
    # 1,600 steps of the widest BiLSTM: more than the 60 s of one press, and a press that
    # runs out of time says "paused", not "stopped": if the page says "stopped", Stop did it.
    open_url(page, f"{app_url}/tagging?tag_steps=1600&tag_hidden=48", f"{CHART} .main-svg")
    page.locator(".st-key-tag_train button").click()
    # the job trains in a worker process; the polling fragment draws its steps and curves
    expect(page.get_by_text(re.compile(r"Training… step [1-9][\d,]* of 1,600"))).to_be_visible()
    expect(page.locator(".st-key-tag_live_curve .main-svg").first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-tag_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"stopped at step [\d,]+ of 1,600"))
    expect(stopped).to_be_visible()
    done = int(re.search(r"stopped at step ([\d,]+)", stopped.inner_text())[1].replace(",", ""))
    assert 0 < done < 1600
    expect(page.get_by_text(re.compile(r"Training… step"))).to_have_count(0)  # not training
    expect(page.locator(".st-key-tag_curve .main-svg").first).to_be_visible()
    expect(page.get_by_text("Your tagger on your sentence")).to_be_visible()
    no_exception(page)
