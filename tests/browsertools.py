"""Small helpers for the browser tests: wait for a rerun, open a page, spot an exception."""

from playwright.sync_api import Page

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"


def settle(page: Page) -> None:
    """Wait until the app has finished the rerun that the last action started."""
    page.wait_for_timeout(150)  # let a rerun start before waiting for it to end
    page.wait_for_selector(IDLE, timeout=90_000)


def open_url(page: Page, url: str, ready: str | None = None, height: int = 1200) -> None:
    """Open `url` in a wide window and wait for the app (and the `ready` element) to settle."""
    page.set_viewport_size({"width": 1600, "height": height})
    page.goto(url)
    settle(page)
    if ready is not None:
        page.wait_for_selector(ready, timeout=90_000)


def no_exception(page: Page) -> None:
    assert page.locator(EXCEPTION).count() == 0
