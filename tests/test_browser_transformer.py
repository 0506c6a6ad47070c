"""The Transformer lab in a real Chromium: heads selected, generation stepped, bad input."""

import re
from urllib.parse import quote

import pytest
from browsertools import equations_intact, no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_transformer_model_view_head_selection_and_generation_steps(page: Page, app_url):
    open_url(page, f"{app_url}/transformer", ".st-key-tf_model_view .js-plotly-plot")
    expect(page.locator(".st-key-tf_head_big .gtitle")).to_have_text("Layer 1, head 1")
    with rerun(page):
        page.locator(".st-key-tf_head button").filter(has_text="3").click()
    expect(page).to_have_url(re.compile(r"tf_head=3"))
    expect(page.locator(".st-key-tf_head_big .gtitle")).to_have_text("Layer 1, head 3")
    with rerun(page):
        page.locator(".st-key-tf_layer button").filter(has_text="2").click()
    expect(page).to_have_url(re.compile(r"tf_layer=2"))
    expect(page.locator(".st-key-tf_head_big .gtitle")).to_have_text("Layer 2, head 3")
    expect(page.get_by_text("Generated character 1 of 40")).to_be_visible()
    with rerun(page):
        page.locator(".st-key-tf_gen_step_next button").first.click()
    expect(page.get_by_text("Generated character 2 of 40")).to_be_visible()
    expect(page.locator(".st-key-tf_gen_attention .gtitle")).to_contain_text("position 19")
    no_exception(page)


def test_transformer_bridge_and_bad_input(page: Page, app_url):
    open_url(page, f"{app_url}/transformer?tf_task=copy&tf_symbols=zz")
    page.wait_for_selector(".st-key-tf_bridge .js-plotly-plot")
    expect(page.get_by_text("is not 6 symbols")).to_be_visible()
    no_exception(page)


def test_tex_specials_in_the_text_and_prompt_leave_every_equation_intact(page: Page, app_url):
    typed = quote("the { time } \\ ^ _ $ % & # ~ 🙂")
    open_url(page, f"{app_url}/transformer?text={typed}&tf_prompt={typed}&tf_query=4")
    page.wait_for_selector(".st-key-tf_model_view .js-plotly-plot")
    equations_intact(page, at_least=2)
    no_exception(page)


def test_stop_ends_a_running_training_and_keeps_what_it_learned(page: Page, app_url):
    # 1000 steps at d_model = 64: well over a minute, and a press that runs out of time
    # says "paused", not "stopped": if the page says "stopped", Stop stopped it.
    open_url(page, f"{app_url}/transformer?tf_steps=1000&tf_d=64")
    page.locator(".st-key-tf_train button").click()
    expect(page.get_by_text(re.compile(r"step [1-9]\d*/1000"))).to_be_visible()
    with rerun(page):
        page.locator(".st-key-tf_stop button").first.click()
    stopped = page.get_by_text(re.compile(r"stopped at step \d+ of 1000"))
    expect(stopped).to_be_visible()
    done = int(re.search(r"stopped at step (\d+)", stopped.inner_text()).group(1))
    assert 0 < done < 1000
    expect(page.locator(".st-key-tf_curves .main-svg").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"step \d+/1000"))).to_have_count(0)  # not training
    no_exception(page)


def test_stop_ends_the_bridge_training(page: Page, app_url):
    open_url(page, f"{app_url}/transformer?tf_bridge_seed=5")
    page.locator(".st-key-tf_bridge_train button").click()
    expect(page.get_by_text(re.compile(r"LSTM: step [1-9]\d* of \d+"))).to_be_visible()
    with rerun(page):
        page.locator(".st-key-tf_bridge_stop button").first.click()
    expect(
        page.get_by_text(re.compile(r"Training stopped at step [1-9]\d* of \d+"))
    ).to_be_visible()
    no_exception(page)
