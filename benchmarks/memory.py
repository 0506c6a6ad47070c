"""Server memory over repeated visits: does RSS stay flat?

    python benchmarks/memory.py                 # 50 cycles (about half an hour)
    python benchmarks/memory.py --cycles 12     # a quicker look

Starts the app on a free local port. One cycle is one new browser session (a fresh
browser context) that opens every lab, trains the LM lab's model for 5 s and the
gradient lab's long-memory task for 100 steps, then leaves. After each cycle the
server's resident memory (VmRSS of the server process and its children) is read
from /proc. The figure that matters: RSS after the last cycle minus RSS after cycle 5
(the caches are warm by then), printed and written to benchmarks/results/memory.json.
Sessions end when their browser context closes; Streamlit drops a disconnected
session's state after its TTL (a minute or two), so the script also waits for that
before the final reading.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browsertools import (  # noqa: E402
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    chromium_path,
    count_runs,
    idle,
    open_url,
    serve_app,
)

from app.labs import LABS  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "memory.json"
WARM = 5  # cycles after which every cache has its entries


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(
                next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
            )
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
        pids += [int(c) for c in children]
    return total / 1024


def server_pid(port: int) -> int:
    """The process listening on the app's port (the streamlit server)."""
    inode = None
    for line in (
        Path("/proc/net/tcp").read_text().splitlines()[1:]
        + Path("/proc/net/tcp6").read_text().splitlines()[1:]
    ):
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":  # LISTEN
            inode = fields[9]
            break
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return int(pid)
        except (PermissionError, FileNotFoundError):
            continue
    raise RuntimeError(f"no process listens on port {port}")


def cycle(browser, url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    count_runs(context)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    for lab in LABS:
        open_url(page, f"{url}/{lab.url_path}", height=900)
    # the LM lab: 5 s of live training
    open_url(page, f"{url}/lm?lm_budget=5&lm_hidden=32")
    page.locator(".st-key-lm_train button").click()
    page.get_by_text("Stopped after", exact=False).or_(
        page.get_by_text("Trained for", exact=False)
    ).first.wait_for(timeout=TIMEOUT_MS)
    idle(page)
    # the gradient lab's long-memory task: 100 steps
    tab = quote("Long memory (train)")
    open_url(page, f"{url}/gradients?grad_tab={tab}&grad_steps=100")
    page.locator(".st-key-grad_train button").first.click()
    page.get_by_text("finished", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    idle(page)
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--settle", type=float, default=150.0, help="seconds idle at the end")
    args = parser.parse_args()
    log = ROOT / "test-results-server-memory.log"  # ignored by git
    readings = []
    with serve_app(log) as url, sync_playwright() as p:
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        start = rss_mib(pid)
        print(f"server pid {pid}: {start:.0f} MiB at start", flush=True)
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for i in range(1, args.cycles + 1):
            t0 = time.perf_counter()
            cycle(browser, url)
            readings.append(rss_mib(pid))
            print(
                f"cycle {i:3d}: {readings[-1]:6.0f} MiB ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        browser.close()
        time.sleep(args.settle)  # disconnected sessions reach their TTL and are dropped
        settled = rss_mib(pid)
    warm = readings[min(WARM, len(readings)) - 1]
    result = {
        "cycles": args.cycles,
        "rss_start_mib": round(start, 1),
        "rss_after_cycle_mib": [round(r, 1) for r in readings],
        "rss_warm_mib": round(warm, 1),
        "rss_last_mib": round(readings[-1], 1),
        "rss_settled_mib": round(settled, 1),
        "growth_after_warm_mib": round(readings[-1] - warm, 1),
        "machine": platform.platform(),
    }
    print(
        f"after cycle {WARM}: {warm:.0f} MiB; after cycle {args.cycles}: {readings[-1]:.0f} MiB "
        f"(growth {readings[-1] - warm:+.0f} MiB); {args.settle:.0f} s later: {settled:.0f} MiB"
    )
    OUT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
