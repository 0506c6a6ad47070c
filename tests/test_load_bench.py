"""benchmarks/load.py: a tiny class against a real server (no timing asserted)."""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import load  # noqa: E402


def test_bounds_and_percentiles():
    assert load._pct([], 50) is None
    assert load._pct([3.0, 1.0, 2.0], 50) == 2.0 and load._pct([1.0, 9.0], 100) == 9.0
    with pytest.raises(SystemExit):
        load.parse(["--students", str(load.MAX_STUDENTS + 1)])
    with pytest.raises(SystemExit):
        load.parse(["--students", "2", "--trainers", "3"])


@pytest.mark.parametrize("stepping", ["server", "browser"])
def test_two_students_step_and_every_click_advances(app_url, tmp_path, stepping):
    out = tmp_path / "load.json"
    # its own thread: a browser test earlier in this worker may have left Playwright's
    # event loop running in the main thread, and asyncio.run() refuses to nest in it
    argv = ["--url", app_url, "--students", "2", "--clicks", "2", "--query", f"stepping={stepping}"]
    argv += ["--label", stepping, "--out", str(out)]
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(load.main, argv).result()
    assert result["errors"] == 0 and result["exceptions"] == 0, result["error_examples"]
    assert result["first_load_ms"]["n"] == 2 and result["click_ms"]["n"] == 4
    assert result["not_advanced"] == 0
    assert result["stepping"].startswith(stepping)
    assert result["first_load_kb_mean"] > 10
    if stepping == "server":  # every click is a fragment rerun
        assert result["click_kb_mean"] > 0 and result["clicks_reaching_server"] == 4
        assert result["sync_ms"]["n"] == 0
    else:  # a click sends nothing; each student sends its step once, at the end
        assert result["click_kb_mean"] == 0 and result["clicks_reaching_server"] == 0
        assert result["sync_ms"]["n"] == 2 and result["sync_kb_mean"] > 0
    assert json.loads(out.read_text())["runs"][stepping]["students"] == 2
