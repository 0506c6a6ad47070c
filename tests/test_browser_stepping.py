"""Client-side stepping on the RNN page (the default; ?stepping=browser) in Chromium.

The browser draws every step from data sent once (app/stepview.py): the numbers it shows
must be the core's, the keys and Play must step it, and the step must come back to the
server lazily (the URL, the share box's link).
"""

import re
import time

import pytest
from browsertools import no_exception, open_url
from playwright.sync_api import Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from app.controls import DEFAULT_TEXT
from seqviz import checkpoints, recurrent
from seqviz.latex import num

pytestmark = pytest.mark.browser

UNIT = 2


def _finished(message) -> bool:
    """Whether a message from the server ends a script run."""
    msg = ForwardMsg()
    msg.ParseFromString(message if isinstance(message, bytes) else message.encode())
    return msg.WhichOneof("type") == "script_finished"


def shown_step(page: Page) -> int:
    return int(page.locator(".sv").first.get_attribute("data-step"))


def equation_numbers(page: Page) -> list[str]:
    """The five numbers of the forward equation as drawn: three terms, pre-activation, h."""
    return page.locator(".sv-eq[data-dir='0'] .sv-num").all_text_contents()


def test_the_browser_steps_with_the_cores_numbers_and_syncs_the_step(page: Page, app_url):
    open_url(page, f"{app_url}/rnn?stepping=browser&step=3&unit={UNIT}", ".sv-next", height=1000)
    model = checkpoints.load("rnn")
    run = recurrent.trace(model.rnn, model.one_hot(model.encode(DEFAULT_TEXT).ids))
    d = run.layers[0].directions[0]
    w = d.weights["hidden"]

    def expect_core_numbers(t: int) -> None:
        i = t - 1
        want = [
            num(d.x_part["hidden"][i, UNIT]),
            num(d.h_part["hidden"][i, UNIT]),
            num(w.b_x[UNIT] + w.b_h[UNIT]),
            num(d.pre["hidden"][i, UNIT]),
            num(d.h[i, UNIT]),
        ]
        expect(page.locator(".sv").first).to_have_attribute("data-step", str(t))
        assert equation_numbers(page) == [w.replace("-", "−") for w in want]  # a true minus
        expect(page.locator(".sv-mark-label").first).to_have_text(f"t = {t}")

    expect_core_numbers(3)  # the link's step
    for t in (4, 5, 6):
        page.locator(".sv-next").click()
        expect_core_numbers(t)
    page.locator("h1").first.click()  # focus the page, not a text box
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect_core_numbers(7)
    # the step reaches the server once the student stops: the URL, then the share link
    expect(page).to_have_url(re.compile(r"[?&]step=7\b"))
    page.get_by_text("Share this view").first.click()
    page.locator(
        ".st-key-share_link_make button, [class*='st-key-'][class*='_make'] button"
    ).first.click()
    expect(page.locator("[data-testid='stCode']").filter(has_text="step=7").first).to_be_visible()
    # Play steps in the page (Space toggles it, as the button does); Pause syncs the step
    page.locator(".sv-play").click()
    page.wait_for_function(
        "() => Number(document.querySelector('.sv')?.dataset.step ?? "
        "[...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)"
        ".map(r => r.querySelector('.sv')).find(Boolean).dataset.step) >= 12"
    )
    page.locator(".sv-play").click()
    stopped = shown_step(page)
    assert stopped >= 12
    expect_core_numbers(stopped)
    expect(page).to_have_url(re.compile(rf"[?&]step={stopped}\b"))
    no_exception(page)


def test_steps_send_nothing_until_the_student_turns_to_the_quiz(page: Page, app_url):
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    open_url(page, f"{app_url}/rnn", ".sv-next", height=1000)  # the link a tutor hands out
    before = len(sent)
    for t in range(2, 7):
        page.locator(".sv-next").click()
        expect(page.locator(".sv").first).to_have_attribute("data-step", str(t))
    expect(page).to_have_url(re.compile(r"[?&]step=6\b"))  # the address bar follows at once
    assert len(sent) == before  # five steps, not one message to the server
    # the student turns to the question: the step goes out once, the question follows it
    page.locator(".st-key-check input").first.click()
    expect(page.locator(".st-key-check")).to_contain_text("t = 6")
    assert len(sent) > before
    no_exception(page)


def test_a_late_reply_to_an_older_sync_does_not_undo_the_students_step(page: Page, app_url):
    # A busy server answers the sync of step 6 after the student has moved on to step 7:
    # the address bar and the share link must still say 7.
    held: list = []
    holding = {"on": False}
    pages: list = []

    def relay(ws):
        pages.append(ws)
        server = ws.connect_to_server()
        server.on_message(lambda m: held.append(m) if holding["on"] else ws.send(m))

    page.route_web_socket(re.compile(r".*/_stcore/stream"), relay)
    open_url(page, f"{app_url}/rnn?stepping=browser&step=5", ".sv-next", height=1000)
    page.locator(".sv-next").click()
    expect(page.locator(".sv").first).to_have_attribute("data-step", "6")
    holding["on"] = True
    page.locator("h1").first.click()  # turns away: the view sends step 6
    page.keyboard.press("ArrowRight")
    expect(page.locator(".sv").first).to_have_attribute("data-step", "7")
    expect(page).to_have_url(re.compile(r"[?&]step=7\b"))
    # the server's whole reply to the sync, held back: wait for its end (events reach the
    # relay while the page is asked something)
    deadline = time.monotonic() + 60
    while not any(_finished(m) for m in held):
        assert time.monotonic() < deadline, "the server answered the sync"
        page.evaluate("() => new Promise(r => setTimeout(r, 20))")
    holding["on"] = False
    for message in held:  # the late reply arrives
        pages[-1].send(message)
    held.clear()
    expect(page).to_have_url(re.compile(r"[?&]step=7\b"))
    page.get_by_text("Share this view").first.click()
    page.locator("[class*='st-key-'][class*='_make'] button").first.click()
    expect(page.locator("[data-testid='stCode']").filter(has_text="step=7").first).to_be_visible()
    expect(page.locator(".sv").first).to_have_attribute("data-step", "7")
    no_exception(page)
