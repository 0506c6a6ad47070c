"""Take the README's screenshot of every lab in headless Chromium.

    python .ci/screenshots.py            # writes assets/screenshots/<lab>.png

Starts the app on a free local port, opens each lab from app/labs.py, scrolls to
the part worth showing, and saves a 1600 x 1000 view as JPEG.
"""

import io
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import conftest  # noqa: E402  (the same server and browser set-up as the tests)

from app.labs import LABS  # noqa: E402

OUT = ROOT / "assets" / "screenshots"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# The element to scroll to on each lab (its most telling view), by keyed-element class.
FOCUS = {
    "text": ".st-key-zipf",
    "lm": ".st-key-ppl_bars",
    "rnn": ".st-key-step_next",
    "gates": ".st-key-step_next",
    "gradients": ".st-key-grad_curves",
    "attention": ".st-key-fig_weights",
    "transformer": ".st-key-model_view",
    "word2vec": ".st-key-w2v_center_next",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = conftest.app_url.__wrapped__()
    url = next(server)
    try:
        with sync_playwright() as p:
            launch = {"args": conftest.CHROMIUM_ARGS}
            if path := conftest.chromium_path():
                launch["executable_path"] = path
            browser = p.chromium.launch(**launch)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            for slug in ["home"] + [lab.url_path for lab in LABS]:
                page.goto(f"{url}/{slug}" if slug != "home" else url)
                page.wait_for_timeout(500)
                page.wait_for_selector(IDLE, timeout=120_000)
                if slug in FOCUS:
                    page.locator(FOCUS[slug]).first.scroll_into_view_if_needed()
                    page.evaluate("document.querySelector('[data-testid=stMain]').scrollBy(0, 250)")
                page.wait_for_timeout(1500)  # let Plotly finish drawing
                png = page.screenshot()
                Image.open(io.BytesIO(png)).convert("RGB").save(OUT / f"{slug}.png", optimize=True)
                print(f"saved {slug}.png")
            browser.close()
    finally:
        server.close()


if __name__ == "__main__":
    main()
