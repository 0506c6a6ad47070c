"""Server time per interaction on the attention labs (64-token inputs) and generation speed.

    python benchmarks/attention.py [--repeat 7] [--out benchmarks/results/attention.json]

* Interactions: the whole page script rerun under AppTest after one control
  moves, with a 64-word sentence on the Self-attention lab and a 64-character
  text on the Transformer lab. Median and max of --repeat runs per control; the
  first run of each setting is not cached (each repeat uses a fresh seed or value
  where the control allows, so caches are exercised as a user would).
* Generation: characters per second of ``seqviz.transformer_lm.generate`` with the
  pretrained model (one full forward per new character, no KV cache), and the
  traced forward vs the plain forward over 128 characters.

Target (the issue): < 150 ms median per interaction for a 64-token input. The
script prints the figures next to the target; it does not fail on them.
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
ENTRY = str(ROOT / "app" / "main.py")
TARGET_MS = 150

SENTENCE_64 = " ".join(
    (
        "the time traveller for so it will be convenient to speak of him was expounding a "
        "recondite matter to us his grey eyes shone and twinkled and his usually pale face was "
        "flushed and animated the fire burned brightly and the soft radiance of the incandescent "
        "lights in the lilies of silver caught the bubbles that flashed and passed in our glasses"
    ).split()[:64]
)
TEXT_64 = ("the time traveller for so it will be convenient to speak of him was")[:64]

_counter = iter(range(1, 10_000_000))


def _toggle(key):
    return lambda at: at.toggle(key=key).set_value(not at.toggle(key=key).value)


def _next_int(kind, key, low, high):
    def act(at):
        widget = getattr(at, kind)(key=key)
        widget.set_value(low + next(_counter) % (high - low + 1))

    return act


def _button_group(key, values):
    def act(at):
        for element in at.get("button_group"):
            if element.key == key:
                current = element.value[0] if isinstance(element.value, list) else element.value
                element.set_value(values[(values.index(current) + 1) % len(values)])
                return
        raise KeyError(key)

    return act


ACTIONS = {
    "views/attention.py": (
        {"att_sentence": SENTENCE_64},
        [
            ("rerun, nothing changed", lambda at: None),
            ("query word", _next_int("slider", "att_query", 0, 63)),
            ("divide by sqrt(d_k)", _toggle("att_scale")),
            ("causal mask", _toggle("att_causal")),
            ("positions", _toggle("att_positions")),
            (
                "d_k",
                lambda at: at.select_slider(key="att_dk").set_value(
                    [4, 8, 16, 32][next(_counter) % 4]
                ),
            ),
            ("seed", _next_int("number_input", "att_seed", 0, 9999)),
            ("shuffle seed", _next_int("number_input", "att_perm_seed", 0, 9999)),
            ("positions shown", _next_int("slider", "att_n_pos", 2, 128)),
        ],
    ),
    "views/transformer.py": (
        {"text": TEXT_64},
        [
            ("rerun, nothing changed", lambda at: None),
            ("query position", _next_int("slider", "tf_query", 0, 63)),
            ("head", _button_group("tf_head", [1, 2, 3, 4])),
            ("layer", _button_group("tf_layer", [1, 2])),
            ("generation step: next", lambda at: at.button(key="tf_gen_step_next").click()),
            ("sampling seed (new generation)", _next_int("number_input", "tf_gen_seed", 0, 9999)),
            (
                "temperature",
                lambda at: at.slider(key="tf_temperature").set_value(
                    [0.5, 0.8, 1.2][next(_counter) % 3]
                ),
            ),
            ("bridge task", _button_group("tf_task", ["reverse", "copy"])),
        ],
    ),
}


def interaction_timings(repeat: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    results = {}
    for page, (query, actions) in ACTIONS.items():
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(ENTRY, default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        results[page] = {"first load (cold caches) ms": round((time.perf_counter() - t0) * 1000, 1)}
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        for label, action in actions:
            samples = []
            for _ in range(repeat):
                if (
                    label.startswith("generation step")
                    and at.button(key="tf_gen_step_next").disabled
                ):
                    at.slider(key="tf_gen_step").set_value(0).run()
                action(at)
                t0 = time.perf_counter()
                at.run()
                samples.append(time.perf_counter() - t0)
                if at.exception:
                    raise RuntimeError(f"{page} / {label}: {at.exception[0].value}")
            results[page][label] = {
                "median ms": round(statistics.median(samples) * 1000, 1),
                "max ms": round(max(samples) * 1000, 1),
                "runs": len(samples),
            }
    return results


def generation_speed(repeat: int) -> dict:
    from seqviz import checkpoints, transformer_lm

    torch.set_num_threads(1)
    lm = checkpoints.load("transformer")
    n = 100
    samples = []
    for seed in range(repeat):
        t0 = time.perf_counter()
        transformer_lm.generate(lm, "the time traveller ", n, temperature=0.8, seed=seed)
        samples.append(time.perf_counter() - t0)
    ids = lm.encode(("the time traveller " * 8)[:128]).ids
    plain, traced = [], []
    with torch.no_grad():
        for _ in range(repeat):
            t0 = time.perf_counter()
            lm.model(ids)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            lm.model(ids, return_trace=True)
            traced.append(time.perf_counter() - t0)
    return {
        "generate 100 characters after a 19-character prompt, chars/s (median)": round(
            n / statistics.median(samples), 1
        ),
        "plain forward, 128 characters, ms (median)": round(statistics.median(plain) * 1000, 2),
        "traced forward, 128 characters, ms (median)": round(statistics.median(traced) * 1000, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "attention.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    report = {
        "machine": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cpus": __import__("os").cpu_count(),
            "threads": torch.get_num_threads(),
        },
        "target median ms per interaction": TARGET_MS,
        "interactions (64-token inputs)": interaction_timings(args.repeat),
        "generation": generation_speed(args.repeat),
    }
    for page, rows in report["interactions (64-token inputs)"].items():
        print(page)
        for label, row in rows.items():
            if isinstance(row, dict):
                flag = "ok" if row["median ms"] < TARGET_MS else "OVER TARGET"
                print(
                    f"  {label:34s} median {row['median ms']:7.1f} ms  max {row['max ms']:7.1f} ms  {flag}"
                )
            else:
                print(f"  {label:34s} {row} ms")
    for label, value in report["generation"].items():
        print(f"{label}: {value}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
