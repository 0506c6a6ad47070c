"""Gradient-flow lab: time to recompute the three gradient curves, and the long-memory task.

    python benchmarks/gradients.py [--repeat 9] [--skip-training] [--out benchmarks/results/gradients.json]

Three measurements, all with torch.set_num_threads(1) as in the app:

* core: building the RNN, GRU and LSTM and running ``gradients.backprop`` on each
  (T = 200 random characters, H = 32 and H = 128): the work behind the three curves.
* page: a full AppTest rerun of the lab after the W_hh-scale slider moves, at T = 200
  (the three curves, the W_hh tab that is open by default, the figures).
* training: the long-memory task at its default settings (lag 60, 1000 steps per
  model), wall-clock time and final accuracies.

Target (the issue): the three curves at T = 200 in < 150 ms server time, median; the
default training result in about 30 s. Printed next to the figures; the script does
not fail on them (machines here are shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqviz import gradients, initialisation, memory_task  # noqa: E402

V = 28  # one-hot characters, as the pretrained char models read them


def random_input(T: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.nn.functional.one_hot(torch.randint(1, V, (T,), generator=gen), V).float()


def core_timings(T: int, hidden: int, repeat: int) -> dict:
    x = random_input(T)
    samples = []
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        for kind in ("rnn", "gru", "lstm"):
            module = initialisation.build(kind, V, hidden, seed=i)
            gradients.backprop(module, x)
        if i:  # the first run warms up
            samples.append(time.perf_counter() - t0)
    return {
        "median ms": round(statistics.median(samples) * 1000, 1),
        "max ms": round(max(samples) * 1000, 1),
        "runs": len(samples),
    }


def page_timings(T: int, repeat: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
    at.query_params["grad_input"] = "Random characters"
    at.query_params["grad_len"] = str(T)
    at.query_params["grad_init"] = "Orthogonal × r"
    at.run()
    at.switch_page("views/gradients.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    samples = []
    radii = [round(0.5 + 0.05 * i, 2) for i in range(repeat)]  # each value new: no cache hits
    for r in radii:
        at.slider(key="grad_radius").set_value(r)
        t0 = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(at.exception[0].value)
    return {
        "first load ms": round(first * 1000, 1),
        "slider moved, median ms": round(statistics.median(samples) * 1000, 1),
        "slider moved, max ms": round(max(samples) * 1000, 1),
        "runs": len(samples),
    }


def training(config: memory_task.MemoryConfig) -> dict:
    t0 = time.perf_counter()
    runs = memory_task.train_all(config)
    return {
        "config": {k: getattr(config, k) for k in ("lag", "steps", "hidden_size", "seed")},
        "seconds": round(time.perf_counter() - t0, 1),
        "final accuracy": {k: round(r.final_accuracy, 3) for k, r in runs.items()},
        "seconds per model": {k: round(r.seconds, 1) for k, r in runs.items()},
        "chance": 1 / config.num_signal,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gradients.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    results: dict = {
        "machine": {"python": platform.python_version(), "torch": torch.__version__},
        "threads": torch.get_num_threads(),
    }
    print("three gradient curves (build + backprop for RNN, GRU, LSTM), T = 200")
    for hidden in (32, 128):
        r = core_timings(200, hidden, args.repeat)
        results[f"core: three curves, T=200, H={hidden}"] = r
        print(
            f"  H = {hidden:3d}: median {r['median ms']} ms, max {r['max ms']} ms  (target < 150 ms)"
        )
    r = page_timings(200, args.repeat)
    results["page: rerun after a slider (curves + open tab), T=200, H=32"] = r
    print(
        f"page rerun (curves + the open tab) at T = 200: median {r['slider moved, median ms']} ms, "
        f"max {r['slider moved, max ms']} ms; first load {r['first load ms']} ms"
    )
    if not args.skip_training:
        r = training(memory_task.MemoryConfig())
        results["long-memory task, default settings"] = r
        print(
            f"long-memory task (lag {r['config']['lag']}, {r['config']['steps']} steps each): "
            f"{r['seconds']} s (target about 30 s); final accuracy {r['final accuracy']}, "
            f"chance {r['chance']:.3f}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
