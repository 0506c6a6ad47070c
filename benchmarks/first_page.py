"""Server CPU of the RNN page's first page, part by part (warm caches, a new session each).

Each simulated student opens the page in a fresh AppTest session (its own exercise seed,
as a class opening the link does), and every session stays alive to the end, as a class's
sessions stay on the server. The parts named in PARTS are timed by wrapping them (each
part's own time: a part drawn inside another, e.g. the quiz inside the step view's
fragment, counts for itself only). AppTest's script runner skips the full garbage
collection a server's runs end with (``runner.postScriptGC``, on by default), so the
``before`` set-up runs it after each run as the server does, and times it. Two server
set-ups are measured in the same run, students alternating between them and between the
two steppings (the machine's load hits all alike):

* ``before``: Streamlit's defaults — a full collection after every run, over a heap that
  holds torch, the models and every cached trace and figure;
* ``after``: as ``app/serve.py`` serves the app — no collection after each run
  (``.streamlit/config.toml``), the warm heap frozen (``gc.freeze``).

CPU is ``time.process_time`` (this process, all threads), less disturbed by other jobs on
the machine than wall time, which is reported too. AppTest adds its own work to each run
(reading the messages back into its element tree), the same in both set-ups.

    python benchmarks/first_page.py [students] [--out /tmp/first_page.json]

Prints and writes JSON: median ms per part, per set-up and stepping.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import quiz, share, stepper, stepview  # noqa: E402

PARTS = {
    "quiz": (quiz, "check_yourself"),
    "share": (share, "share_box"),
    "step view": (stepview, "step_view"),
    "server stepper": (stepper, "step_through"),
}
SETUPS = ("before", "after")
MODES = ("browser", "server")


def _setup(name: str) -> None:
    if name == "before":
        gc.unfreeze()
    else:
        gc.collect()
        gc.freeze()


def main(students: int = 8) -> dict:
    from streamlit.testing.v1 import AppTest

    torch.set_num_threads(1)
    parts = [*PARTS, "gc after the run", "page", "page wall"]
    spent = {s: {m: {k: [] for k in parts} for m in MODES} for s in SETUPS}
    now: dict[str, float] = {}
    inside: list[float] = [0.0]  # time spent in timed parts nested in the current one
    for name, (module, attr) in PARTS.items():
        inner = getattr(module, attr)

        def timed(*a, _inner=inner, _name=name, **k):
            t0 = time.process_time()
            inside.append(0.0)
            try:
                return _inner(*a, **k)
            finally:
                took = time.process_time() - t0
                nested = inside.pop()
                now[_name] = now.get(_name, 0.0) + took - nested
                inside[-1] += took

        setattr(module, attr, timed)
    sessions = []  # a class's sessions stay on the server
    runs = [(s, m) for m in MODES for s in SETUPS]
    for n in range(len(runs) * (students + 1)):  # the first of each kind warms the caches
        setup, mode = runs[n % len(runs)]
        _setup(setup)
        os.environ["SEQVIZ_STEPPING"] = mode
        now.clear()
        at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
        at.switch_page("views/rnn.py")
        t0, w0 = time.process_time(), time.perf_counter()
        at.run()
        if setup == "before":  # what ScriptRunner._on_script_finished does by default
            g0 = time.process_time()
            gc.collect(2)
            now["gc after the run"] = time.process_time() - g0
        total, wall = time.process_time() - t0, time.perf_counter() - w0
        assert not at.exception, at.exception
        sessions.append(at)
        if n >= len(runs):
            into = spent[setup][mode]
            into["page"].append(total)
            into["page wall"].append(wall)
            for k in [*PARTS, "gc after the run"]:
                into[k].append(now.get(k, 0.0))
    gc.unfreeze()
    out = {
        "what": "median ms of CPU (process_time) per first page of /rnn, per part; "
        "'page wall' is wall time",
        "students_per_kind": students,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **{
            s: {
                m: {k: round(1000 * statistics.median(v), 1) if v else 0.0 for k, v in p.items()}
                for m, p in by_mode.items()
            }
            for s, by_mode in spent.items()
        },
    }
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("students", nargs="?", type=int, default=8)
    cli.add_argument("--out", help="also write the JSON here")
    args = cli.parse_args()
    result = main(args.students)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
