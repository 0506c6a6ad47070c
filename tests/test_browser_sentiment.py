"""The Sentiment lab in a real Chromium: type a review, step through it word by word; the
reading chart and the output unit's equation follow the step."""

import re

import pytest
from browsertools import equations_intact, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

from seqviz import checkpoints, latex, sentiment_reading
from seqviz import sentiment_data as data

pytestmark = pytest.mark.browser

CHART = ".st-key-sent_reading"
EQUATION = ".st-key-sent_equation"
REVIEW = "The food was cold but the service was excellent."


def test_type_a_review_and_step_through_it(page: Page, app_url):
    open_url(page, f"{app_url}/sentiment", f"{CHART} .main-svg")
    box = page.locator(".st-key-text textarea")
    with rerun(page):
        box.fill(REVIEW)
        box.press("Tab")
    words, ids = data.encode(data.vocabulary(), REVIEW)
    r = sentiment_reading.read(checkpoints.load("sent-lstm"), ids)
    slider = page.locator(".st-key-step input[type=range]")
    expect(slider).to_have_attribute("max", str(len(words)))
    expect(page.locator(f"{CHART} .xtick text").first).to_have_text(words[0])
    for t in (2, 3):
        with rerun(page):
            page.locator(".st-key-step_next button").first.click()
        expect(slider).to_have_attribute("aria-valuetext", f"t = {t}")
        expect(page.locator(f"{EQUATION} .katex-html").first).to_contain_text(
            latex.num(float(r.p[t - 1])).replace("-", "−")
        )
    expect(page).to_have_url(re.compile(r"step=3"))
    with rerun(page):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuetext", "t = 4")
    equations_intact(page, 3)
    no_exception(page)


def test_train_in_a_worker_then_stop_keeps_what_it_learned(page: Page, app_url):
    # 20 epochs of the BiLSTM with max-pooling: far more than the 60 s of one press, and a
    # press that runs out of time says "Paused": if the page says "Stopped", Stop did it.
    open_url(page, f"{app_url}/sentiment?sent_train_model=bilstm-max&sent_epochs=20", CHART)
    page.locator(".st-key-sent_train button").click()
    # the job trains in a worker process; the polling fragment draws its steps and curves
    # (an epoch is 75 steps: on a fast machine the first poll may already be past epoch 1)
    expect(
        page.get_by_text(re.compile(r"step [1-9][\d,]* of 1,500 \(epoch \d+ of 20\)"))
    ).to_be_visible()
    expect(page.locator(".st-key-sent_live_curves .main-svg").first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-sent_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"Stopped at step [\d,]+ of 1,500"))
    expect(stopped).to_be_visible()
    done = int(re.search(r"Stopped at step ([\d,]+)", stopped.inner_text())[1].replace(",", ""))
    assert 0 < done < 1500
    expect(page.get_by_text(re.compile(r"Training the .*… step"))).to_have_count(0)
    expect(page.locator(".st-key-sent_confusion .main-svg").first).to_be_visible()
    expect(page.get_by_text("Your model on your review")).to_be_visible()
    no_exception(page)
