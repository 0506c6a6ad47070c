"""A lecture hall without internet: every page loads without asking any other host; and
control characters typed into any of its text boxes keep it working (they once crashed
every URL-bound box: the frame rewrote the bound query parameter).

Every request the browser makes while a page loads (and runs its first script) is
logged; any request to a host other than the app's own is refused and makes the test
fail. Every page is opened in normal mode, the course map and one lab also in lecture
mode (which adds static CSS and the Exit / Read bar, the same on every page). The course
map also answers at its own url path, /home, not only at /. On the pages already open, the
guard is shown to see a foreign request (root) and the map's links to work (home), and
each page in normal mode takes the control characters in every text box.
"""

from urllib.parse import urlsplit

import pytest
from browsertools import TIMEOUT_MS, idle, loaded, no_exception, rerun
from playwright.sync_api import Page, Route, expect

from app.labs import LABS

pytestmark = pytest.mark.browser

PAGES = ["", "home"] + [lab.url_path for lab in LABS]
LECTURE = ("", "rnn")  # the pages also opened with ?lecture=1
TYPED = "ab\x01c\x0bd\x1be\x7ff"
# The keyed container of every text box on the page that runs the app when it changes
# (a box inside a form, a quiz answer, runs it only on its submit button).
BOX_KEYS = """() => [...document.querySelectorAll(
    "[data-testid='stMain'] [data-testid='stTextArea'] textarea,"
    + "[data-testid='stMain'] [data-testid='stTextInput'] input")]
  .filter(e => !e.disabled && !e.closest("[data-testid='stForm']"))
  .map(e => [...e.closest("[class*='st-key-']").classList].find(c => c.startsWith("st-key-")))"""


@pytest.fixture
def foreign(page: Page, app_url) -> list[str]:
    """Requests to any other host, refused (the list fills as pages load)."""
    own = urlsplit(app_url).netloc
    asked: list[str] = []

    def guard(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).netloc == own:
            route.continue_()
        else:
            asked.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("websocket", lambda ws: None if own in ws.url else asked.append(ws.url))
    return asked


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "root")
def test_page_load_asks_no_other_host(page: Page, app_url, foreign, path):
    page.set_viewport_size({"width": 1280, "height": 900})
    for query in ("", "?lecture=1") if path in LECTURE else ("",):
        page.goto(f"{app_url}/{path}{query}")
        loaded(page)
        page.wait_for_selector(".stMainBlockContainer h1", timeout=TIMEOUT_MS)
        no_exception(page)
        assert not foreign, f"/{path}{query} asked other hosts: {foreign}"
        if not query:
            control_characters_in_every_text_box(page)
            assert not foreign, f"/{path}, typed into, asked other hosts: {foreign}"
    if path == "":
        guard_sees_a_foreign_request(page, foreign)
    if path == "home":
        course_map_answers_at_home(page, app_url, foreign)


def guard_sees_a_foreign_request(page: Page, foreign: list[str]) -> None:
    """The guard is live: a request the page makes to another host is seen (and refused)."""
    page.evaluate("fetch('https://example.org/x').catch(() => null)")
    page.wait_for_function("() => true")
    expect(page.locator("h1").first).to_be_visible()
    assert any("example.org" in url for url in foreign)


def course_map_answers_at_home(page: Page, app_url, foreign: list[str]) -> None:
    """The course map answers at /home (opened just now), and its links work from there."""
    expect(page.locator(".stMainBlockContainer h1").first).to_contain_text("seqviz")
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page).to_have_url(f"{app_url}/home")
    page.locator(".st-key-lab_rnn").get_by_role("link", name="Open RNN step-through").first.click()
    expect(page).to_have_url(f"{app_url}/rnn")
    loaded(page, ".st-key-rnn_step_view")
    no_exception(page)
    assert not foreign, f"/home, then its link to /rnn, asked other hosts: {foreign}"


def control_characters_in_every_text_box(page: Page) -> None:
    idle(page)
    for key in page.evaluate(BOX_KEYS):
        box = page.locator(f".{key} textarea, .{key} input")
        with rerun(page):
            box.fill(TYPED)
            box.press("Tab")  # commits a text input and a text area alike
        expect(box).to_be_visible()
        no_exception(page)
