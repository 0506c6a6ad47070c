"""Server time of one rerun per page and per control, and of a step click in a browser.

    python benchmarks/interaction.py [--repeat 7] [--out benchmarks/results/interaction.json]

Two measurements:

* AppTest: the whole page script rerun after one control changes (what the
  server does when a non-fragment control moves). Median of --repeat runs.
* Browser: a click on "Next" in the step-through fragment, timed in headless
  Chromium from the click until the app reports it is idle again. This is an
  upper bound on the fragment's server time (it includes the round trip and
  the browser's redraw).

Targets (the foundation issue): step click < 50 ms median, other controls
< 150 ms median on a 2-core machine. The script prints them next to the
figures; it does not fail on them (machines here are noisy).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

ENTRY = str(ROOT / "app" / "main.py")

# page -> [(label, action)]; an action takes an AppTest and moves one control.
ACTIONS = {
    "views/rnn.py": [
        ("rerun, nothing changed", lambda at: None),
        ("step: next", lambda at: _click(at, "step_next")),
        ("unit", lambda at: _bump_number(at, "unit")),
        ("model: untrained", lambda at: _cycle_select(at, "model", ["trained", "untrained"])),
        (
            "stacked on",
            lambda at: at.toggle(key="rnn_stacked").set_value(
                not at.toggle(key="rnn_stacked").value
            ),
        ),
        (
            "bidirectional on",
            lambda at: at.toggle(key="rnn_bidirectional").set_value(
                not at.toggle(key="rnn_bidirectional").value
            ),
        ),
        ("new text", lambda at: at.text_area(key="text").input(_next_text(at))),
    ],
    "views/gates.py": [
        ("rerun, nothing changed", lambda at: None),
        ("step: next", lambda at: _click(at, "step_next")),
        ("cell: LSTM/GRU", lambda at: _cycle_select(at, "gates_cell", ["lstm", "gru"])),
        ("unit", lambda at: _bump_number(at, "unit")),
        ("feature", lambda at: _cycle_select(at, "gates_feature")),
        ("new text", lambda at: at.text_area(key="text").input(_next_text(at))),
    ],
    "views/home.py": [("rerun, nothing changed", lambda at: None)],
}

_texts = iter(f"the time traveller number {i} spoke" for i in range(10_000))


def _next_text(at) -> str:
    return next(_texts)


def _widget(at, key):
    for kind in ("button_group", "selectbox", "radio", "number_input", "slider"):
        for element in at.get(kind):
            if getattr(element, "key", None) == key:
                return element
    raise KeyError(key)


def _cycle_select(at, key, values=None):
    """Move a choice widget to its next value (`values` for segmented controls)."""
    w = _widget(at, key)
    values = list(values or w.options)
    current = w.value[0] if isinstance(w.value, list) and w.value else w.value
    w.set_value(
        values[(values.index(current) + 1) % len(values)] if current in values else values[0]
    )


def _bump_number(at, key):
    w = _widget(at, key)
    w.set_value(0 if w.value else 1)


def _click(at, key):
    button = at.button(key=key)
    if button.disabled:  # at the end of the text: start again
        at.slider(key="step").set_value(0)
    else:
        button.click()


def apptest_timings(repeat: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    results = {}
    for page, actions in ACTIONS.items():
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(ENTRY, default_timeout=120)
        at.run()
        at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        results[page] = {"first load (cold caches) ms": round(first * 1000, 1)}
        for label, action in actions:
            samples = []
            for _ in range(repeat):
                try:
                    action(at)
                except KeyError as missing:
                    samples = None
                    print(f"  {page}: no control {missing} for '{label}'")
                    break
                t0 = time.perf_counter()
                at.run()
                samples.append(time.perf_counter() - t0)
                if at.exception:
                    raise RuntimeError(f"{page} / {label}: {at.exception[0].value}")
            if samples:
                results[page][label] = {
                    "median ms": round(statistics.median(samples) * 1000, 1),
                    "max ms": round(max(samples) * 1000, 1),
                    "runs": len(samples),
                }
    return results


# Record every change of the app's run state with the browser's own clock.
WATCH_STATE = """() => {
  window.__runs = [];
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => window.__runs.push(
      [app.getAttribute("data-test-script-state"), performance.now()]))
    .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""
# The time the app went idle after a run that started after t0 (falsy until then).
IDLE_AFTER = """t0 => {
  const runs = window.__runs.filter(([, t]) => t > t0);
  const started = runs.findIndex(([s]) => s === "running");
  if (started < 0) return 0;
  const idle = runs.slice(started).find(([s]) => s === "notRunning");
  return idle ? idle[1] : 0;
}"""


def browser_step_timings(repeat: int) -> dict:
    """Click Next in each lab's step fragment and time it until the app is idle."""
    import conftest
    from playwright.sync_api import sync_playwright

    gen = conftest.app_url.__wrapped__()
    url = next(gen)
    results = {}
    try:
        with sync_playwright() as p:
            launch = {"args": conftest.CHROMIUM_ARGS}
            if path := conftest.chromium_path():
                launch["executable_path"] = path
            browser = p.chromium.launch(**launch)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            idle = "[data-testid='stApp'][data-test-script-state='notRunning']"
            for slug in ("rnn", "gates"):
                page.goto(f"{url}/{slug}")
                page.wait_for_selector(idle, timeout=120_000)
                page.wait_for_selector(".st-key-step_next button", timeout=60_000)
                page.evaluate(WATCH_STATE)
                samples = []
                for _ in range(repeat):
                    t0 = page.evaluate("performance.now()")
                    page.click(".st-key-step_next button")
                    done = page.wait_for_function(IDLE_AFTER, arg=t0, timeout=60_000)
                    samples.append((done.json_value() - t0) / 1000)
                results[slug] = {
                    "step click, browser round trip, median ms": round(
                        statistics.median(samples) * 1000, 1
                    ),
                    "runs": len(samples),
                }
            browser.close()
    finally:
        gen.close()
    return results


def chart_sizes() -> dict:
    """KB of JSON each Plotly chart sends (what the browser parses and redraws), per page.

    Taken from an AppTest run at step 5 of the default text and of a 300-character text
    (the longest the labs read): the spec Streamlit puts on the wire for each chart key.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    long_text = ("the time traveller for so it will be convenient to speak of him " * 5)[:300]
    results = {}
    for label, text in (("default text", None), ("300 characters", long_text)):
        for page in ("views/rnn.py", "views/gates.py"):
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(ENTRY, default_timeout=120)
            at.run()
            at.switch_page(page)
            at.run()
            if text is not None:
                at.text_area(key="text").input(text).run()
            at.slider(key="step").set_value(5).run()
            sizes = {}
            for chart in at.get("plotly_chart"):
                sizes[_chart_key(chart)] = round(len(chart.proto.spec) / 1024, 1)
            results[f"{page} ({label}) KB"] = sizes
    return results


def _chart_key(chart) -> str:
    """The user key of a chart element: Streamlit's element id ends with ``-<key>``."""
    return (chart.proto.id or "?").split("-", 2)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "interaction.json"))
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-sizes", action="store_true")
    args = parser.parse_args()

    report = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "targets": {"step click median ms": 50, "other control median ms": 150},
        "apptest full rerun": apptest_timings(args.repeat),
    }
    if not args.no_sizes:
        report["chart JSON"] = chart_sizes()
    if not args.no_browser:
        report["browser"] = browser_step_timings(args.repeat)

    for section in ("apptest full rerun", "chart JSON", "browser"):
        for page, rows in report.get(section, {}).items():
            print(f"\n{section}: {page}")
            for label, value in rows.items():
                print(f"  {label:<40} {value}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
