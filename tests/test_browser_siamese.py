"""The Siamese lab in a real Chromium: type two sentences, the cosine equation and the verdict
follow, and the similarity matrix renders."""

import re

import pytest
from browsertools import no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

VERDICT = ".st-key-sia_verdict"


def test_typing_two_sentences_updates_the_cosine_and_verdict(page: Page, app_url):
    open_url(page, f"{app_url}/siamese", f"{VERDICT} .katex", height=1000)
    expect(page.locator(VERDICT)).to_contain_text("duplicates")
    expect(page.locator(".st-key-sia_cosine .main-svg").first).to_be_visible()
    for key, typed in (
        ("sia_a", "A dog is running on the grass"),
        ("sia_b", "A cat is sleeping on the sofa"),
    ):
        box = page.locator(f".st-key-{key} input")
        with rerun(page):
            box.fill(typed)
            box.press("Enter")
    # the untrained-looking low cosine of two different scenes: not a duplicate
    expect(page.locator(VERDICT)).to_contain_text("not duplicates")
    text = page.locator(f"{VERDICT} [data-testid='stAlert']").inner_text()
    cos = float(re.search(r"cos = (-?[0-9.]+)", text).group(1))
    assert cos < 0.45
    assert page.locator(".katex-error").count() == 0
    page.locator(".st-key-sia_matrix").scroll_into_view_if_needed()
    expect(page.locator(".st-key-sia_matrix .main-svg").first).to_be_visible()
    no_exception(page)


def test_train_in_a_worker_then_stop_keeps_what_it_learned(page: Page, app_url):
    # a press that ends by itself says "Finished" or "Paused": "Stopped" means Stop did it
    open_url(page, f"{app_url}/siamese?sia_budget=60&sia_train_hidden=64", f"{VERDICT} .katex")
    page.get_by_text("Train your own encoder (live)").click()  # the section's expander
    page.locator(".st-key-sia_train button").click()
    # the job trains in a worker process; the polling fragment draws its steps and curves
    expect(page.get_by_text(re.compile(r"^Step [1-9][\d,]* of 1,200$"))).to_be_visible()
    expect(page.locator(".st-key-sia_curves .main-svg").first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-sia_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"Stopped after [\d,]+ steps"))
    expect(stopped).to_be_visible()
    done = int(re.search(r"after ([\d,]+) steps", stopped.inner_text())[1].replace(",", ""))
    assert 0 < done < 1200
    expect(stopped).to_contain_text(re.compile(r"Held-out accuracy .* ROC AUC \d\.\d{3}"))
    expect(page.locator(".st-key-sia_curves .main-svg").first).to_be_visible()
    expect(page.locator(".st-key-sia_stop button").first).to_be_disabled()  # not training
    no_exception(page)
