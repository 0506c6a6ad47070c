"""Every per-step equation renders in a real browser, whatever character the step reads.

KaTeX shows a formula it cannot parse as a red ``.katex-error`` box, but an unsupported
command inside ``\\text{...}`` (``\\textvisiblespace`` was one) is drawn as red source text
*inside* otherwise fine maths. So each check looks for both: no ``.katex-error``, no
leaf element in the rendered ``.katex-html`` drawn in KaTeX's error colour, and no
``\\command`` spelled out as text.

The RNN page's step view (stepping in the browser, the default) writes its equations in
MathML, which Chromium lays out itself: there the check is that every formula is laid out
as maths (MathML elements with a size, subscripts smaller than their base) and shows no
``\\command``.

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


# The step view's MathML formulas that the browser did not lay out as maths.
BROKEN_MATHML = r"""() => {
  // the step view lives in its component's shadow root
  const roots = [document, ...[...document.querySelectorAll('*')].filter((e) => e.shadowRoot)
    .map((e) => e.shadowRoot)];
  const bad = [], all = roots.flatMap((r) => [...r.querySelectorAll('.sv .sv-eq math')]);
  if (!all.length) bad.push('no MathML equation');
  for (const math of all) {
    const box = math.getBoundingClientRect();
    if (!(math instanceof MathMLElement) || box.width < 10 || box.height < 10)
      bad.push('not laid out: ' + math.textContent);
    if (/\\[A-Za-z]+/.test(math.textContent)) bad.push('command: ' + math.textContent);
    for (const sub of math.querySelectorAll('msub')) {
      const [base, script] = sub.children;
      const size = (e) => parseFloat(getComputedStyle(e).fontSize);
      if (!(size(script) < size(base))) bad.push('subscript not smaller: ' + sub.textContent);
    }
  }
  return bad;
}"""


def step_view_through_all(page: Page, what: str) -> str:
    """Press the step view's Next until the last step, checking its MathML at every step;
    returns the text of every equation seen."""
    seen = []
    for t in range(1, T + 1):
        expect(page.locator(".sv").first).to_have_attribute("data-step", str(t))
        assert page.evaluate(BROKEN_MATHML) == [], (what, t)
        seen += page.locator(".sv .sv-eq").all_text_contents()
        if t < T:
            page.locator(".sv-next").click()
    assert page.locator(".sv-next").is_disabled()
    no_exception(page)
    return " ".join(seen)


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


def test_the_mathml_checker_sees_maths_not_laid_out(page: Page, app_url):
    """The MathML check fails on a formula written as plain text (so it can fail at all)."""
    open_url(page, f"{app_url}/rnn?{QUERY}", ".sv .sv-eq math", height=900)
    assert page.evaluate(BROKEN_MATHML) == []
    page.evaluate(
        """() => {
        const root = [...document.querySelectorAll('*')].find((e) => e.shadowRoot
          && e.shadowRoot.querySelector('.sv')).shadowRoot;
        const math = root.querySelector('.sv .sv-eq math');
        const fake = document.createElementNS('http://www.w3.org/1998/Math/MathML', 'msub');
        fake.append(document.createElementNS('http://www.w3.org/1998/Math/MathML', 'mi'),
                    document.createElementNS('http://www.w3.org/1998/Math/MathML', 'mi'));
        fake.children[0].textContent = 'h'; fake.children[1].textContent = 't';
        fake.children[1].style.fontSize = '80px';
        math.append(fake);
    }"""
    )
    assert any("subscript not smaller" in b for b in page.evaluate(BROKEN_MATHML))


def test_the_checker_sees_what_katex_cannot_draw(page: Page, app_url):
    """The check fails on a formula with an unsupported command (so it can fail at all)."""
    # the server's stepping (the fallback) still draws the RNN equations with KaTeX
    open_url(
        page, f"{app_url}/rnn?stepping=server&{QUERY}", ".st-key-rnn_equation .katex", height=900
    )
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
    open_url(page, f"{app_url}/rnn?{QUERY}{extra[mode]}", ".sv .sv-eq math")
    seen = step_view_through_all(page, f"rnn {mode}")
    assert page.locator(".sv-equations .sv-eq").count() == (2 if mode == "bidirectional" else 1)
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
