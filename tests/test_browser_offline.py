"""A lecture hall without internet: every page loads without asking any other host.

Every request the browser makes while a page loads (and runs its first script) is
logged; any request to a host other than the app's own is refused and makes the test
fail. Every page is opened in normal mode, the course map and one lab also in lecture
mode (which adds static CSS and the Exit / Read bar, the same on every page). The course
map also answers at its own url path, /home, not only at /.
"""

from urllib.parse import urlsplit

import pytest
from browsertools import TIMEOUT_MS, loaded, no_exception
from playwright.sync_api import Page, Route, expect

from app.labs import LABS

pytestmark = pytest.mark.browser

PAGES = ["", "home"] + [lab.url_path for lab in LABS]
LECTURE = ("", "rnn")  # the pages also opened with ?lecture=1


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


def test_the_guard_sees_a_foreign_request(page: Page, app_url, foreign):
    page.goto(app_url)
    loaded(page)
    page.evaluate("fetch('https://example.org/x').catch(() => null)")
    page.wait_for_function("() => true")
    expect(page.locator("h1").first).to_be_visible()
    assert any("example.org" in url for url in foreign)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "root")
def test_page_load_asks_no_other_host(page: Page, app_url, foreign, path):
    page.set_viewport_size({"width": 1280, "height": 900})
    for query in ("", "?lecture=1") if path in LECTURE else ("",):
        page.goto(f"{app_url}/{path}{query}")
        loaded(page)
        page.wait_for_selector(".stMainBlockContainer h1", timeout=TIMEOUT_MS)
        no_exception(page)
        assert not foreign, f"/{path}{query} asked other hosts: {foreign}"


def test_the_course_map_answers_at_home(page: Page, app_url):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/home")
    loaded(page)
    expect(page.locator(".stMainBlockContainer h1").first).to_contain_text("seqviz")
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page).to_have_url(f"{app_url}/home")
    # the map's links work from there too
    page.locator(".st-key-lab_rnn").get_by_role("link", name="Open RNN step-through").click()
    expect(page).to_have_url(f"{app_url}/rnn")
    loaded(page, ".st-key-step_next button")
    no_exception(page)
