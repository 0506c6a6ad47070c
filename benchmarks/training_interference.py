"""Does one student's training slow another student's stepping?

    python benchmarks/training_interference.py                    # both modes, 20 clicks each
    python benchmarks/training_interference.py --port 8602 --clicks 30

For each way of training (SEQVIZ_JOBS=inline: the training runs in the clicking
session's script thread, as every lab trained before the worker pool; processes: the
pool of worker processes, seqviz.jobs) the script starts the app on one port, opens
two Chromium pages and measures one student's step clicks on the RNN lab (click ->
the server reports the run finished), first with nobody training, then while the
other student trains the Language-model lab's default LSTM (H = 256, 60 s). Writes
benchmarks/results/training_interference.json. Not a test: the figures depend on the
machine and on what else runs on it.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browsertools import (  # noqa: E402
    CHROMIUM_ARGS,
    chromium_path,
    count_runs,
    open_url,
    rerun,
    streamlit_command,
)


def serve(port: int, mode: str, log: Path) -> subprocess.Popen:
    env = os.environ | {"SEQVIZ_JOBS": mode}
    server = subprocess.Popen(
        streamlit_command(port),
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"the app did not start; see {log}")


def clicks(page, n: int) -> list[float]:
    """Milliseconds from each step click on the RNN lab (Next, Previous, Next, ...) to
    its finished run."""
    times = []
    for i in range(n):
        button = page.locator(f".st-key-step_{'next' if i % 2 == 0 else 'prev'} button").first
        t0 = time.perf_counter()
        with rerun(page):
            button.click()
        times.append(1000 * (time.perf_counter() - t0))
    return times


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "clicks": len(ms),
        "p50_ms": round(statistics.median(ordered)),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]),
        "max_ms": round(ordered[-1]),
    }


def measure(browser, url: str, n: int) -> dict:
    contexts = [browser.new_context(), browser.new_context()]
    for c in contexts:
        count_runs(c)
    stepper, trainer = (c.new_page() for c in contexts)
    open_url(stepper, f"{url}/rnn")
    open_url(trainer, f"{url}/lm?lm_budget=60")
    clicks(stepper, 3)  # warm the step's caches
    print("  opened both pages", flush=True)
    quiet = clicks(stepper, n)
    print("  quiet:", summary(quiet), flush=True)
    with rerun(trainer):  # the click's run: inline, the whole training; else it queues a job
        trainer.locator(".st-key-lm_train button").click()
        # inline: the training holds the run; processes: the job is running in a worker
        trainer.locator("[data-test-script-state='running']").or_(
            trainer.get_by_text("Training…", exact=False)
        ).first.wait_for(timeout=120_000)
        busy = clicks(stepper, n)  # while it trains (60 s)
        training_still = trainer.get_by_text("Stopped after").count() == 0
    print("  training lasted through the clicks:", training_still, flush=True)
    for c in contexts:
        c.close()
    return {
        "nobody_training": summary(quiet),
        "one_student_training": summary(busy) | {"training_lasted_through": training_still},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8602)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--modes", default="inline,processes")
    args = parser.parse_args()
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_at_start": os.getloadavg(),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for mode in args.modes.split(","):
            server = serve(args.port, mode, Path(f"/tmp/seqviz-interference-{mode}.log"))
            try:
                results[mode] = measure(browser, f"http://127.0.0.1:{args.port}", args.clicks)
                print(mode, json.dumps(results[mode]))
            finally:
                server.terminate()
                server.wait(timeout=30)
        browser.close()
    out = ROOT / "benchmarks" / "results" / "training_interference.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
