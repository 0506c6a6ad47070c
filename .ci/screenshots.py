"""Take the README's screenshot of every lab in headless Chromium.

    python .ci/screenshots.py            # writes assets/screenshots/<lab>.png

Starts the app on a free local port, opens each lab from app/labs.py, scrolls to
the part worth showing, waits until every chart and table there has drawn, and saves
a 1600 x 1000 view as PNG.
"""

import io
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

# the same server, browser set-up and waits as the browser tests
from browsertools import (  # noqa: E402
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    chromium_path,
    count_runs,
    open_url,
    serve_app,
)

from app.labs import LABS  # noqa: E402

OUT = ROOT / "assets" / "screenshots"
# The element to scroll to on each lab (its most telling view), by keyed-element class.
FOCUS = {
    "text": ".st-key-text_zipf",
    "lm": ".st-key-lm_ppl_bars",
    "gates": ".st-key-step_next",
    "gradients": ".st-key-grad_curves",
    "sentiment": ".st-key-sent_reading",
    "tagging": ".st-key-tag_probs",
    "siamese": ".st-key-sia_cosine",
    "seq2seq": ".st-key-s2s_bottleneck",
    "attention": ".st-key-att_fig_weights",
    "transformer": ".st-key-tf_model_view",
    "block": ".st-key-blk_stream",
    "word2vec": ".st-key-w2v_center_next",
}

# True once every element on the page has its component: Streamlit loads them lazily and
# shows a placeholder of another height until then, which moves everything below it.
LAID_OUT = "() => document.querySelector(\"[data-testid='stSkeleton']\") === null"
# True once every Plotly chart and data table in the window has drawn: a chart has its
# SVG, a table (a canvas grid) has painted text in the rows below its header.
DRAWN_IN_VIEW = """() => {
  const inView = (e) => {
    const r = e.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.width > 0;
  };
  const inked = (canvas) => {
    const ctx = canvas.getContext("2d");
    const top = Math.round(40 * window.devicePixelRatio);  // below the header row
    if (!ctx || canvas.width === 0 || canvas.height <= top) return false;
    const rows = ctx.getImageData(0, top, canvas.width, Math.min(canvas.height - top, 80)).data;
    for (let i = 4; i < rows.length; i += 4) {
      for (let k = 0; k < 4; k++) if (rows[i + k] !== rows[k]) return true;
    }
    return false;
  };
  const of = (id) => [...document.querySelectorAll(`[data-testid='${id}']`)].filter(inView);
  return (
    of("stPlotlyChart").every((c) => c.querySelector(".main-svg")) &&
    of("stDataFrame").every((t) => [...t.querySelectorAll("canvas")].some(inked))
  );
}"""


def shoot(page: Page, url: str, slug: str) -> None:
    open_url(page, url, None, height=1000)
    page.wait_for_function(LAID_OUT, timeout=TIMEOUT_MS)
    if slug in FOCUS:
        page.locator(FOCUS[slug]).first.scroll_into_view_if_needed()
        page.evaluate("document.querySelector('[data-testid=stMain]').scrollBy(0, 250)")
    page.wait_for_function(DRAWN_IN_VIEW, timeout=TIMEOUT_MS)
    png = page.screenshot()
    Image.open(io.BytesIO(png)).convert("RGB").save(OUT / f"{slug}.png", optimize=True)
    print(f"saved {slug}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with serve_app(ROOT / "test-results-server.log") as url, sync_playwright() as p:
        launch = {"args": CHROMIUM_ARGS}
        if path := chromium_path():
            launch["executable_path"] = path
        browser = p.chromium.launch(**launch)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        count_runs(context)
        page = context.new_page()
        for slug in ["home"] + [lab.url_path for lab in LABS]:
            shoot(page, f"{url}/{slug}" if slug != "home" else url, slug)
        browser.close()


if __name__ == "__main__":
    main()
