"""Two app replicas behind HAProxy (deploy/haproxy.cfg) on loopback, in a real Chromium.

Checks what a class needs from the load balancer: each student stays on one replica
(the sticky cookie; a share-box download is served by the replica that holds the
session), stopping one replica leaves the other's students working, and a student of
the stopped replica gets a working page on reload.

HAProxy is Debian's package (.ci/run installs it); the test is skipped without it.
Ports: free ones, or SEQVIZ_REPLICA_PORTS="replica1,replica2,balancer".
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from browsertools import (
    ROOT,
    count_runs,
    free_port,
    loaded,
    no_exception,
    rerun,
    streamlit_command,
)
from playwright.sync_api import expect

HAPROXY = shutil.which("haproxy") or next(
    (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        HAPROXY is None,
        reason="HAProxy is not installed: `apt-get install -y haproxy` (Debian's package; "
        ".ci/run installs it)",
    ),
]
COOKIE = "SEQVIZ_REPLICA"
SERVERS = re.compile(r"    # --- servers.*?# --- end of servers ---\n", re.S)


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll ``url`` until it answers 200 (the polling interval is the only sleep)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up; see {log}")
        time.sleep(0.2)


@contextmanager
def running(args: list[str], log: Path, env: dict[str, str]):
    with open(log, "w") as out:
        process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two replicas (one cookie secret) and HAProxy in front: (balancer URL, replicas)."""
    tmp = tmp_path_factory.mktemp("replicas")
    given = os.environ.get("SEQVIZ_REPLICA_PORTS")
    ports = [int(p) for p in given.split(",")] if given else [free_port() for _ in range(3)]
    secret = secrets.token_hex(16)
    env = os.environ | {"STREAMLIT_SERVER_COOKIE_SECRET": secret, "SEQVIZ_WORKERS": "1"}
    servers = "".join(
        f"    server r{i} 127.0.0.1:{port} cookie r{i} check\n"
        for i, port in enumerate(ports[:2], start=1)
    )
    config = tmp / "haproxy.cfg"
    config.write_text(SERVERS.sub(servers, (ROOT / "deploy" / "haproxy.cfg").read_text()))
    lb_env = env | {"SEQVIZ_BIND": f"127.0.0.1:{ports[2]}", "SEQVIZ_COOKIE_KEY": secret}
    with ExitStack() as stack:
        replicas = {}
        for i, port in enumerate(ports[:2], start=1):
            command = streamlit_command(port)
            replicas[f"r{i}"] = stack.enter_context(running(command, tmp / f"r{i}.log", env))
        for i, port in enumerate(ports[:2], start=1):
            wait_healthy(
                f"http://127.0.0.1:{port}/_stcore/health", replicas[f"r{i}"], tmp / f"r{i}.log"
            )
        lb = stack.enter_context(
            running([HAPROXY, "-db", "-f", str(config)], tmp / "lb.log", lb_env)
        )
        url = f"http://127.0.0.1:{ports[2]}"
        wait_healthy(f"{url}/_stcore/health", lb, tmp / "lb.log")
        yield url, replicas


def replica_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def open_text_lab(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    count_runs(context)
    page = context.new_page()
    # the replica named in every response that came through the balancer (files the
    # browser had cached carry no such header: they never left the browser)
    served: list[str] = []
    page.on("response", lambda r: served.extend(filter(None, [r.headers.get("x-seqviz-replica")])))
    page.goto(f"{url}/text")
    loaded(page)
    return context, page, served


def test_students_stay_on_their_replica_and_survive_the_other_one_stopping(browser, cluster):
    url, replicas = cluster
    ann, ann_page, ann_served = open_text_lab(browser, url)
    bob, bob_page, bob_served = open_text_lab(browser, url)
    a, b = replica_of(ann), replica_of(bob)
    # leastconn: Ann's open websocket makes Bob's replica the other one
    assert {a, b} == {"r1", "r2"}
    # every request of a student goes to their replica, reloads included
    with rerun(ann_page):
        ann_page.locator(".st-key-text_level button").filter(has_text="char").click()
    ann_page.reload()
    loaded(ann_page)
    assert replica_of(ann) == a and set(ann_served) == {a}
    # a share-box download is a file the session's replica holds: served by that one
    bob_page.locator(".st-key-share summary").click()
    with bob_page.expect_download() as download:
        bob_page.locator(".st-key-share_data0_csv button").click()
    assert Path(download.value.path()).read_text().startswith("token,count")
    assert set(bob_served) == {b}
    no_exception(ann_page)
    no_exception(bob_page)

    stop(replicas[b])  # Bob's replica goes away
    # Ann, on the other one, keeps working
    with rerun(ann_page):
        ann_page.locator(".st-key-text_level button").filter(has_text="word").click()
    expect(ann_page).to_have_url(re.compile(r"text_level=word"))
    no_exception(ann_page)
    # Bob reloads and gets a working page from the replica that is left
    document = bob_page.reload()
    loaded(bob_page)
    no_exception(bob_page)
    expect(bob_page.locator(".st-key-text_zipf .js-plotly-plot")).to_have_count(1)
    assert replica_of(bob) == a and document.headers["x-seqviz-replica"] == a
    ann.close()
    bob.close()
