"""Sentiment training speed: seqviz's ``fit`` against a plain PyTorch loop, per epoch.

For every classifier of the Sentiment lab, one epoch (75 minibatches of 32 of the 2400
training sentences) is trained twice in the same process, in alternating chunks of a few
steps: by ``seqviz.sentiment_training.fit`` (the seqviz training layer, called again and
again and continuing its state, as the page drives it) and by a plain loop written with
nothing but PyTorch over the same sentences (same model class, padding per minibatch,
Adam, dropout, clipping). Only step time counts (fit's held-out evaluation is excluded
from its history's seconds). The best of ``--rounds`` rounds is reported. The ratio
plain / seqviz says how fast seqviz is relative to the plain loop (1.0 = as fast).

    python benchmarks/sentiment.py                 # writes benchmarks/results/sentiment.json
    python benchmarks/sentiment.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's seqviz

from seqviz import sentiment_training as training  # noqa: E402
from seqviz.classifiers import KINDS, Classifier  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sentiment.json"


def plain_steps(config: training.SentConfig):
    """A plain PyTorch training loop, one step per ``next()``; yields the step's seconds."""
    torch.manual_seed(config.seed)  # the plain loop may use the global RNG: it is the reference
    model = Classifier(config.classifier(), seed=config.seed).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    train, _ = training.encoded(config.min_freq)
    B = config.batch_size
    while True:
        order = torch.randperm(len(train.ids)).tolist()
        for i in range(0, len(order), B):
            start = time.perf_counter()
            rows = order[i : i + B]
            X, lengths = model.batch([list(train.ids[j]) for j in rows])
            s = F.dropout(
                model.sentence(model.embedding(X), lengths), config.dropout, training=True
            )
            loss = F.binary_cross_entropy_with_logits(model.out(s).squeeze(-1), train.labels[rows])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimizer.step()
            yield time.perf_counter() - start


def after(n: int):
    """A stop predicate that lets ``n`` steps run."""
    calls = []
    return lambda: calls.append(1) or len(calls) > n


def epoch_times(config: training.SentConfig, chunk: int) -> tuple[float, float]:
    """(plain, seqviz) seconds of one epoch's steps, trained in alternating chunks of
    ``chunk`` steps so that whatever else the machine does slows both alike. seqviz is
    driven as the page drives it: ``fit`` called again and again, continuing its state."""
    per_epoch = training.steps_per_epoch(config)
    plain = plain_steps(config)
    plain_s, state = 0.0, None
    for done in range(0, per_epoch, chunk):
        n = min(chunk, per_epoch - done)
        plain_s += sum(next(plain) for _ in range(n))
        state = training.fit(config, state, max_seconds=math.inf, stop=after(n))
    return plain_s, state["history"]["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=5, help="steps per alternating chunk")
    args = parser.parse_args()
    torch.set_num_threads(1)
    training.encoded()  # the encoding is cached: neither side pays for it
    results = {}
    for kind in KINDS:
        config = training.SentConfig(kind=kind, epochs=1)
        plain, ours = [], []
        for _ in range(args.rounds):
            p, o = epoch_times(config, args.chunk)
            plain.append(p)
            ours.append(o)
        results[kind] = {
            "plain_seconds_per_epoch": round(min(plain), 3),
            "seqviz_seconds_per_epoch": round(min(ours), 3),
            "ratio_plain_over_seqviz": round(min(plain) / min(ours), 3),
        }
        print(
            f"{KINDS[kind]:28} plain {min(plain):6.2f} s  seqviz {min(ours):6.2f} s  "
            f"ratio {min(plain) / min(ours):.2f}",
            flush=True,
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "sentiment training time per epoch, seqviz fit vs plain PyTorch",
                "rounds": args.rounds,
                "chunk_steps": args.chunk,
                "torch": torch.__version__,
                "threads": 1,
                "machine": platform.machine(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
