"""Click to drawn step, and Play's rate, in headless Chromium: server vs browser stepping.

    python benchmarks/stepping_browser.py --url http://127.0.0.1:8601 [--clicks 15]
    python benchmarks/stepping_browser.py --start   # start a server on --url's port

For each mode of the RNN page (``?stepping=server``: a fragment rerun per click, and
``?stepping=browser``: app/stepview.py draws the step in the page):

* click to drawn: from the click on Next until the new step is on screen. Server mode:
  until the heatmap's "t = k" marker shows the new step and the app is idle again (timed
  in Python around Playwright). Browser mode: timed inside the page, from the click to
  the next animation frame after the view drew the step (its draw is synchronous in the
  click handler).
* Play: steps drawn per second over ``--play-seconds`` after pressing Play.
* websocket bytes the browser received per click (Playwright's frame events).

Writes benchmarks/results/stepping_browser.json. Not a test: no thresholds enforced.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import load  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TEXT = "the time traveller for so it will be convenient to speak of him was expounding"


def _socket_bytes(page) -> list[int]:
    got = [0]
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda f: got.__setitem__(0, got[0] + len(f if isinstance(f, (bytes, str)) else b"")),
        ),
    )
    return got


def server_mode(page, url: str, clicks: int, play_seconds: float) -> dict:
    got = _socket_bytes(page)
    page.goto(f"{url}/rnn?stepping=server&text={TEXT.replace(' ', '+')}")
    page.wait_for_selector(".st-key-step_next button", timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    marker = page.locator(".st-key-rnn_heat_0 text").filter(has_text="t = ")
    times, sizes = [], []
    for k in range(clicks):
        before = got[0]
        start = time.perf_counter()
        page.locator(".st-key-step_next button").first.click()
        page.wait_for_function(
            "t => [...document.querySelectorAll('.st-key-rnn_heat_0 text')]"
            ".some(e => e.textContent === 't = ' + t)",
            arg=k + 2,
            timeout=60_000,
        )
        times.append(1000 * (time.perf_counter() - start))
        page.wait_for_selector(IDLE)
        sizes.append(got[0] - before)
    # Play: the step label's number over play_seconds
    step0 = _server_step(marker)
    page.locator(".st-key-step_play button").first.click()
    time.sleep(play_seconds)  # a benchmark measures a rate over wall time
    rate = (_server_step(marker) - step0) / play_seconds
    page.locator(".st-key-step_play button").first.click()
    return _summary(times, sizes, rate)


def _server_step(marker) -> int:
    return int(marker.first.text_content().split("=")[1])


def browser_mode(page, url: str, clicks: int, play_seconds: float) -> dict:
    got = _socket_bytes(page)
    page.goto(f"{url}/rnn?stepping=browser&text={TEXT.replace(' ', '+')}")
    page.wait_for_selector(".sv-next", timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    times, sizes = [], []
    b0 = got[0]
    draws = []
    for _ in range(clicks):
        before = got[0]
        ms = page.evaluate(
            """() => new Promise((done) => {
                const next = document.querySelector('.sv-next') ||
                  [...document.querySelectorAll('*')].map(e => e.shadowRoot)
                    .filter(Boolean).map(r => r.querySelector('.sv-next')).find(Boolean);
                const want = (window.__seqvizDrawn ? window.__seqvizDrawn.step : 0) + 1;
                const t0 = performance.now();
                next.click();
                // the frame that shows the step: its rAF callback, then the paint itself
                requestAnimationFrame(() => setTimeout(() => {
                  done(window.__seqvizDrawn.step === want ? performance.now() - t0 : -1);
                }, 0));
            })"""
        )
        times.append(ms)
        draws.append(page.evaluate("window.__seqvizDrawn.drawMs"))
        sizes.append(got[0] - before)
    page.wait_for_timeout(1000)  # anything the clicks set off would arrive by now
    synced = got[0]
    page.locator(".sv-play").click()
    start_step = page.evaluate("window.__seqvizDrawn.step")
    time.sleep(play_seconds)
    rate = (page.evaluate("window.__seqvizDrawn.step") - start_step) / play_seconds
    page.locator(".sv-play").click()
    out = _summary(times, sizes, rate)
    out["draw_js_ms_p50"] = round(statistics.median(draws), 2)
    # received in the second after the burst: 0, as the step reaches the server only when
    # the student turns to the rest of the page (the quiz, the share box, a control)
    out["bytes_after_the_clicks"] = synced - b0 - sum(sizes)
    return out


def _summary(times: list[float], sizes: list[int], rate: float) -> dict:
    good = [t for t in times if t >= 0]
    return {
        "click_to_drawn_ms": {
            "p50": round(statistics.median(good), 1) if good else None,
            "max": round(max(good), 1) if good else None,
            "n": len(good),
            "not_drawn": len(times) - len(good),
        },
        "ws_bytes_per_click_mean": round(statistics.fmean(sizes)) if sizes else None,
        "play_steps_per_s": round(rate, 2),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8601")
    p.add_argument("--start", action="store_true")
    p.add_argument("--clicks", type=int, default=15)
    p.add_argument("--play-seconds", type=float, default=3.0)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "stepping_browser.json"))
    args = p.parse_args()
    server = None
    if args.start:
        server = load.start_server(int(args.url.rsplit(":", 1)[1]), [])
        load.wait_healthy(args.url, 60)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            result = {}
            for name, run in (("server", server_mode), ("browser", browser_mode)):
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                result[name] = run(page, args.url, args.clicks, args.play_seconds)
                page.close()
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    result["command"] = "python benchmarks/stepping_browser.py " + " ".join(sys.argv[1:])
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
