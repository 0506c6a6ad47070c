"""The Word2Vec lab in a real Chromium: the window moves, the network redraws, training runs."""

import re

import pytest
from browsertools import no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_lab(page: Page, url: str) -> None:
    open_url(page, url, ".st-key-w2v_center_next button", height=1000)


def centre_label(page: Page):
    """The "j=k" label the sentence strip draws above the centre word."""
    return page.locator(".st-key-w2v_strip text").filter(has_text=re.compile(r"^j=\d+$"))


def test_stepping_the_centre_redraws_the_window_and_the_table(page: Page, app_url):
    open_lab(page, f"{app_url}/word2vec")
    expect(centre_label(page)).to_have_text("j=1")  # x_1: positions count from 1
    for j in (2, 3):
        with rerun(page):
            page.locator(".st-key-w2v_center_next button").first.click()
        expect(centre_label(page)).to_have_text(f"j={j}")
    expect(page).to_have_url(re.compile(r"w2v_center=3"))
    expect(page.locator(".st-key-w2v_softmax .main-svg").first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-w2v_dynamic label").first.click()
    expect(page.get_by_text("window drawn")).to_be_visible()
    no_exception(page)


def test_negative_sampling_view_and_live_training(page: Page, app_url):
    open_lab(page, f"{app_url}/word2vec?w2v_epochs=1")
    with rerun(page):
        page.locator(".st-key-w2v_objective button").filter(has_text="Negative sampling").click()
    expect(page.locator(".st-key-w2v_neg .main-svg").first).to_be_visible()
    with rerun(page):
        page.locator(".st-key-w2v_train_neg button").click()
    expect(page.locator(".st-key-w2v_map_negative .main-svg").first).to_be_visible()
    expect(page.get_by_text("finished")).to_be_visible()
    query = page.locator(".st-key-w2v_query input")
    query.fill("zyzzyva")
    with rerun(page):
        query.press("Enter")
    expect(page.get_by_text("is not in the vocabulary").first).to_be_visible()
    no_exception(page)


def test_a_bad_sentence_gets_a_message_and_the_page_recovers(page: Page, app_url):
    open_lab(page, f"{app_url}/word2vec")
    box = page.locator(".st-key-w2v_sentence input")
    box.fill("alone")
    with rerun(page):
        box.press("Enter")
    expect(page.get_by_text("no pairs", exact=False).first).to_be_visible()
    box.fill("the time traveller smiled")
    with rerun(page):
        box.press("Enter")
    expect(centre_label(page)).to_have_text("j=1")
    no_exception(page)


def test_stop_ends_a_running_training_and_keeps_what_it_learned(page: Page, app_url):
    # 40 epochs of the full softmax with E = 100: tens of seconds of training at the least,
    # and a press that runs out of time says "paused", not "stopped": if the page says
    # "stopped", Stop stopped it.
    open_lab(page, f"{app_url}/word2vec?w2v_epochs=40&w2v_train_E=100")
    page.locator(".st-key-w2v_train_soft button").click()
    running = re.compile(r"Skip-gram, full softmax: epoch \d+ of 40, [1-9][\d,]* / [\d,]+ words")
    expect(page.get_by_text(running)).to_be_visible()  # it is training, and has trained
    with rerun(page):
        page.locator(".st-key-w2v_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"stopped at [\d,]+ of [\d,]+ words"))
    expect(stopped).to_be_visible()
    done, total = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", stopped.inner_text()))
    assert 0 < done < total
    # the partly trained model is there to use: its loss curve, its map, its neighbours
    expect(page.locator(".st-key-w2v_loss_softmax .main-svg").first).to_be_visible()
    expect(page.locator(".st-key-w2v_map_softmax .main-svg").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)  # the pairs, the neighbours
    expect(page.locator(".katex").filter(has_text="≈")).to_be_visible()  # the analogy
    expect(page.get_by_text("Full softmax: epoch")).to_have_count(0)  # not training any more
    no_exception(page)
