"""Helpers for the browser tests and the screenshots: start the app, open a page, wait for
the app's script runs to finish, spot an exception.

Nothing here waits on the clock. Every page counts the script runs the app server reports
as finished (the `script_finished` message on the app's websocket), so "wait for the
rerun this click started" means "wait until one more run has finished and the app shows
it is idle", however long the machine takes to start it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "app" / "main.py"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
TIMEOUT_MS = 90_000  # how long a run may take on a loaded machine before a test fails
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or SEQVIZ_CHROMIUM); None falls back to Playwright's own browser."""
    path = os.environ.get("SEQVIZ_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


# Counts, in window.__seqvizRuns, the script runs that the server reports as finished: a
# ForwardMsg (protobuf) whose field 6, script_finished, is 0 (FINISHED_SUCCESSFULLY),
# 1 (FINISHED_WITH_COMPILE_ERROR) or 3 (FINISHED_FRAGMENT_RUN_SUCCESSFULLY); 2 means the
# run was cut short by a rerun, which will finish in its turn.
COUNT_RUNS = """
(() => {
  window.__seqvizRuns = 0;
  const finishedStatus = (buffer) => {
    const b = new Uint8Array(buffer);
    let i = 0;
    const varint = () => {
      let value = 0, scale = 1, byte;
      do { byte = b[i++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80);
      return value;
    };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) { const value = varint(); if (field === 6) return value; }
      else if (wire === 2) { const length = varint(); i += length; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return -1;
    }
    return -1;
  };
  const count = (buffer) => {
    if ([0, 1, 3].includes(finishedStatus(buffer))) window.__seqvizRuns += 1;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (event.data instanceof ArrayBuffer) count(event.data);
        else if (event.data instanceof Blob) event.data.arrayBuffer().then(count);
      });
    }
  };
})();
"""
_FINISHED_AFTER = f"""n => window.__seqvizRuns > n && document.querySelector("{IDLE}") !== null"""


def count_runs(context: BrowserContext) -> None:
    """Make every page of `context` count the app's finished script runs."""
    context.add_init_script(COUNT_RUNS)


def runs(page: Page) -> int:
    """How many script runs the app has finished since this document was loaded."""
    return page.evaluate("window.__seqvizRuns")


@contextmanager
def rerun(page: Page) -> Iterator[None]:
    """Wait, after the actions in the block, until the app has run its script and is idle.

    with rerun(page):
        page.locator(".st-key-step_next button").click()
    """
    before = runs(page)
    yield
    page.wait_for_function(_FINISHED_AFTER, arg=before, timeout=TIMEOUT_MS)


def idle(page: Page) -> None:
    """Wait until no script run is in progress."""
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def loaded(page: Page, ready: str | None = None) -> None:
    """After a navigation: wait for the first script run to finish (and the `ready` element)."""
    page.wait_for_function(_FINISHED_AFTER, arg=0, timeout=TIMEOUT_MS)
    if ready is not None:
        page.wait_for_selector(ready, timeout=TIMEOUT_MS)


def open_url(page: Page, url: str, ready: str | None = None, height: int = 1200) -> None:
    """Open `url` in a wide window and wait for the app (and the `ready` element) to settle."""
    page.set_viewport_size({"width": 1600, "height": height})
    page.goto(url)
    loaded(page, ready)


def no_exception(page: Page) -> None:
    assert page.locator(EXCEPTION).count() == 0


def equations_intact(page: Page, at_least: int) -> None:
    """At least ``at_least`` equations drawn by KaTeX, and none it could not parse (KaTeX
    draws those as red ``.katex-error`` source text)."""
    expect(page.locator(".katex").first).to_be_visible()
    assert page.locator(".katex").count() >= at_least
    assert page.locator(".katex-error").count() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    """The command that serves the app on 127.0.0.1:``port``, headless."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ENTRY),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


@contextmanager
def serve_app(log_path: Path) -> Iterator[str]:
    """Run `streamlit run app/main.py` on a free local port; yields its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            streamlit_command(port),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(server, url, log_path)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen, url: str, log_path: Path) -> None:
    """Poll the server's health check until it answers (90 s before giving up)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the app server did not start; see {log_path}")
        time.sleep(0.2)  # the polling interval
