"""Shared fixtures: the app under AppTest, a live app server, and Debian's Chromium.

The suite runs on pytest-xdist workers (`-n` in pyproject's addopts). Everything here is
per worker process: each worker has its own Streamlit caches, and the first browser test
on a worker starts that worker's own app server on a free port.
"""

from __future__ import annotations

import os

import pytest
import torch
from browsertools import (
    CHROMIUM_ARGS,
    ENTRY,
    ROOT,
    TIMEOUT_MS,
    chromium_path,
    count_runs,
    serve_app,
)
from hypothesis import settings
from playwright.sync_api import expect

# Assertions on the page retry until their content appears, for as long as a run may take.
expect.set_options(timeout=TIMEOUT_MS)

# One thread per test process, as in the app's processes (app/frame.py) and the pool's
# workers (seqviz/jobs.py): the suite runs one process per core, and a second thread per
# process only contends for a core already busy (a small fit takes ~10x as long then).
# The checkpoint records promise their bits on one thread too.
torch.set_num_threads(1)

# Property tests that name no example count try 30 inputs (Hypothesis's default is 100),
# with no per-example deadline (a loaded machine is slow, not wrong). A test that sets
# max_examples keeps its own; HYPOTHESIS_PROFILE=thorough tries 500 where none is named.
settings.register_profile("ci", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def app_caches():
    """Empty Streamlit caches at the start of each test module.

    AppTest instances in one process share st.cache_* entries, as the sessions of one
    server do. The app caches pure functions of their arguments and never modifies what
    it cached (see app/loaders.py), so the tests of one module share the entries that the
    first of them computed; each module starts from empty caches, so no module depends on
    which modules ran before it on the same worker.
    """
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def fresh_caches(app_caches):
    """Empty caches before and after one test (for a test that patches what a cache computes)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def open_page(app_caches):
    """Open one page of the app under AppTest.

    By default the home page runs first and the page is switched to, as a click in the
    sidebar does; `direct=True` opens the page the way a link does, with its query
    parameters on the very first run.
    """
    from streamlit.testing.v1 import AppTest

    def _open(
        page: str | None = None, query: dict[str, str] | None = None, *, direct: bool = False
    ) -> AppTest:
        at = AppTest.from_file(str(ENTRY), default_timeout=120)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        if page is not None and direct:
            at.switch_page(page)
        at.run()
        if page is not None and not direct:
            at.switch_page(page)
            at.run()
        return at

    return _open


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if path := chromium_path():
        args["executable_path"] = path
    return args


@pytest.fixture
def context(context):
    """Every page counts the app's script runs (browsertools.rerun waits on that count)."""
    count_runs(context)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="session")
def app_url():
    """`streamlit run app/main.py` on a free local port, one server per xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    log = ROOT / (f"test-results-server-{worker}.log" if worker else "test-results-server.log")
    with serve_app(log) as url:
        yield url
