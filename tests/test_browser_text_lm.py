"""The text and language-model labs in a real Chromium: render, train live, stop."""

import re
from urllib.parse import quote

import pytest
from browsertools import idle, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_lab(page: Page, url: str) -> None:
    open_url(page, url, None, height=1200)


def test_text_lab_renders_and_switches_level(page: Page, app_url):
    open_lab(page, f"{app_url}/text")
    expect(page.locator(".st-key-text_zipf .js-plotly-plot")).to_have_count(1)
    expect(page.locator(".st-key-text_partition .js-plotly-plot")).to_have_count(1)
    with rerun(page):
        page.locator(".st-key-text_level button").filter(has_text="char").click()
    expect(page).to_have_url(re.compile(r"text_level=char"))
    expect(
        page.get_by_text("Frequency vs rank (char level: every character, space included)")
    ).to_be_visible()
    with rerun(page):
        page.locator(".st-key-text_part_mode button").filter(has_text="random").click()
    expect(page.get_by_text("Random partitioning", exact=False)).to_be_visible()
    no_exception(page)


def test_lm_lab_trains_live_and_stops(page: Page, app_url):
    # 60 s, the longest run: Stop must end it long before it would end by itself
    open_lab(page, f"{app_url}/lm?lm_hidden=32&lm_budget=60&lm_batch=8")
    expect(page.locator(".st-key-lm_ppl_bars .js-plotly-plot")).to_have_count(1)
    page.locator(".st-key-lm_train button").click()
    # the curves and a first sample appear while it is still training
    training = page.get_by_text("Training…", exact=False)
    expect(training).to_be_visible()
    expect(page.get_by_text("training perplexity", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^step \d+:$")).first).to_be_visible()
    expect(training).to_be_visible()
    page.locator(".st-key-lm_stop button").first.click()
    # A run that ends by itself also says "Stopped after": this one must say it within
    # 30 s of the click, long before the 60 s run would have ended.
    expect(page.get_by_text("Stopped after", exact=False)).to_be_visible(timeout=30_000)
    idle(page)
    no_exception(page)


def test_text_lab_survives_clearing_the_text_and_typing_again(page: Page, app_url):
    """Issue 18: clear "Your text", type, edit again raised `level must be 'char' or 'word',
    not None`: the controls below the text came back empty (or at their minimum)."""
    open_lab(page, f"{app_url}/text?text_source=My+own+text")
    box = page.locator(".st-key-text_corpus textarea")
    for text in ("", "hello there", "hello there again"):
        with rerun(page):
            box.fill(text)
            box.press("Control+Enter")
        no_exception(page)
    expect(
        page.get_by_text("Frequency vs rank (word level: words only, punctuation marks left out)")
    ).to_be_visible()
    thumb = page.locator(".st-key-text_n_tokens [data-testid='stSliderThumbValue']")
    expect(thumb).to_have_text("120")  # where it was, not the slider's minimum


# KaTeX draws what it cannot parse in its error colour instead of raising
KATEX_ERROR = ".katex-error, .katex [style*='#cc0000'], .katex [mathcolor='#cc0000']"


@pytest.mark.parametrize("pos", [5, 10, 11])
def test_tex_specials_in_a_sentence_render_without_a_katex_error(page: Page, app_url, pos):
    # with n = 6 the context is the 5 characters before position t: every special, the
    # emoji and the space are the context or the predicted character at one of these t
    sentence = quote("🙂{}\\^_$%&#~ b")
    open_lab(page, f"{app_url}/lm?lm_n=6&lm_sentence={sentence}&lm_pos={pos}")
    expect(page.locator(".st-key-lm_markov .js-plotly-plot")).to_have_count(1)
    expect(page.locator(".katex").first).to_be_visible()
    expect(page.locator(KATEX_ERROR)).to_have_count(0)
    no_exception(page)
