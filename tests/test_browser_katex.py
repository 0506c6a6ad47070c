"""Every per-step equation renders in a real browser, whatever character the step reads.

KaTeX shows a formula it cannot parse as a red ``.katex-error`` box, but an unsupported
command inside ``\\text{...}`` (``\\textvisiblespace`` was one) is drawn as red source text
*inside* otherwise fine maths. So each check looks for both: no ``.katex-error``, no
leaf element in the rendered ``.katex-html`` drawn in KaTeX's error colour, and no
``\\command`` spelled out as text.

The text has a space, a digit, punctuation, an emoji and a letter outside a–z: the
models read the last four as ``<unk>``. Each lab steps through every character.
"""

import pytest
from browsertools import no_exception, open_url, rerun
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TEXT = "a b2,é🙂.z"  # T = 9: space, digit, comma, é, emoji, full stop are the odd ones
T = len(TEXT)
QUERY = "text=a%20b2%2C%C3%A9%F0%9F%99%82.z"

# The leaves of rendered maths that KaTeX drew as an error, or that show a \command.
BROKEN_MATHS = r"""() => {
  const bad = [];
  for (const el of document.querySelectorAll('.katex-error')) bad.push('katex-error: ' + el.textContent);
  for (const el of document.querySelectorAll('.katex-html *')) {
    if (el.children.length) continue;
    const text = el.textContent;
    const colour = getComputedStyle(el).color;
    if (colour === 'rgb(204, 0, 0)' || /\\[A-Za-z]+/.test(text)) bad.push(colour + ' ' + text);
  }
  return bad;
}"""


def broken_maths(page: Page) -> list[str]:
    return page.evaluate(BROKEN_MATHS)


def step_through_all(page: Page, what: str) -> str:
    """Press Next until the last step, checking the equations at every step; returns the
    text of every equation seen."""
    seen = []
    for t in range(T):
        expect(page.locator(".katex").first).to_be_visible()
        assert broken_maths(page) == [], (what, t)
        seen += page.locator(".katex-html").all_text_contents()
        if t < T - 1:
            with rerun(page):
                page.locator(".st-key-step_next button").first.click()
    assert page.locator(".st-key-step_next button").first.is_disabled()
    no_exception(page)
    return " ".join(seen)


def test_the_checker_sees_what_katex_cannot_draw(page: Page, app_url):
    """The check fails on a formula with an unsupported command (so it can fail at all)."""
    open_url(page, f"{app_url}/rnn?{QUERY}", ".st-key-rnn_equation .katex", height=900)
    page.evaluate(
        r"""() => {
        const el = document.querySelector('.st-key-rnn_equation .katex-html');
        const span = document.createElement('span');
        span.style.color = '#cc0000';
        span.textContent = '\\textvisiblespace';
        el.appendChild(span);
    }"""
    )
    assert any("textvisiblespace" in b for b in broken_maths(page))


@pytest.mark.parametrize(
    "mode", ["normal", "bidirectional", "lecture"], ids=["normal", "bidirectional", "lecture"]
)
def test_rnn_equations_render_at_every_step(page: Page, app_url, mode):
    extra = {"normal": "", "bidirectional": "&rnn_bidirectional=true", "lecture": "&lecture=1"}
    open_url(page, f"{app_url}/rnn?{QUERY}{extra[mode]}", ".st-key-rnn_equation .katex")
    seen = step_through_all(page, f"rnn {mode}")
    if mode != "bidirectional":  # x_t = e_k (c): the space as ␣, the odd ones as ⟨unk⟩
        assert "␣" in seen and "⟨unk⟩" in seen


def test_gates_equations_render_at_every_step(page: Page, app_url):
    open_url(page, f"{app_url}/gates?{QUERY}", ".st-key-step_next button")
    step_through_all(page, "gates")


def test_lm_equations_render_with_odd_characters(page: Page, app_url):
    open_url(page, f"{app_url}/lm?lm_sentence=a%20b2%2C%C3%A9.z", ".katex")
    assert page.locator(".katex").count() >= 2
    assert broken_maths(page) == []
    no_exception(page)
