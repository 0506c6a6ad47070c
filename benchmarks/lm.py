"""Live-training speed: the seqviz training loop against a plain PyTorch loop.

Both train the same model (one-hot characters -> LSTM -> linear head) with the
same hyperparameters (the lab's defaults: H = 256, B = 32, T = 35, Adam 0.01,
clipping at 1, sequential minibatches with the state carried and detached) on The
Time Machine. They run in one process, alternating in short chunks, so whatever
else the machine is doing slows both alike. Then a fresh seqviz run trains for
20 seconds of wall-clock time and reports its training and held-out perplexity.

    python benchmarks/lm.py                  # writes benchmarks/results/lm.json
    python benchmarks/lm.py --rounds 5 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from seqviz.batching import sequential_batches
from seqviz.lm_training import LMConfig, Trainer
from seqviz.text import Vocab, heldout_split, load_time_machine, tokenize

RESULTS = Path(__file__).resolve().parent / "results" / "lm.json"


class PlainLM(nn.Module):
    """The textbook model, written out with nothing but PyTorch."""

    def __init__(self, V: int, H: int) -> None:
        super().__init__()
        self.V = V
        self.rnn = nn.LSTM(V, H)
        self.head = nn.Linear(H, V)

    def forward(self, X, state):
        out, state = self.rnn(F.one_hot(X.T, self.V).float(), state)
        return self.head(out), state


def plain_loop(config: LMConfig, text: str):
    """A generator that performs one plain training step per ``next()`` and yields its loss."""
    torch.manual_seed(config.seed)  # the plain loop may use the global RNG: it is the reference
    vocab = Vocab(tokenize(text, "char"))
    train_text, _ = heldout_split(text)
    corpus = torch.tensor(vocab[list(train_text)])
    model = PlainLM(len(vocab), config.hidden_size)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    epoch = 0
    while True:
        state = None
        for X, Y in sequential_batches(corpus, config.batch_size, config.num_steps, seed=epoch):
            if state is not None:
                state = tuple(s.detach() for s in state)
            logits, state = model(X, state)
            loss = F.cross_entropy(logits.reshape(-1, len(vocab)), Y.T.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            opt.step()
            yield loss.item()
        epoch += 1


def compare(config: LMConfig, text: str, rounds: int, chunk_seconds: float) -> dict:
    """Alternate seqviz and plain chunks of ``chunk_seconds``; tokens/s of each."""
    trainer = Trainer(config, text)
    plain = plain_loop(config, text)
    tokens_per_step = config.batch_size * config.num_steps
    seq_tokens = seq_time = plain_tokens = plain_time = 0.0
    trainer.run(max_steps=5)  # warm-up both
    for _ in range(5):
        next(plain)
    for _ in range(rounds):
        # seqviz: the library loop with a progress callback, as the app calls it
        seen: list[float] = []
        t0 = time.perf_counter()
        before = trainer.history.tokens
        trainer.run(max_seconds=chunk_seconds, callback=seen.append)
        seq_time += time.perf_counter() - t0
        seq_tokens += trainer.history.tokens - before
        # plain
        t0 = time.perf_counter()
        steps = 0
        while time.perf_counter() - t0 < chunk_seconds:
            next(plain)
            steps += 1
        plain_time += time.perf_counter() - t0
        plain_tokens += steps * tokens_per_step
    seq_tps, plain_tps = seq_tokens / seq_time, plain_tokens / plain_time
    return {
        "seqviz_tokens_per_s": round(seq_tps, 1),
        "plain_tokens_per_s": round(plain_tps, 1),
        "ratio_tokens_per_s": round(seq_tps / plain_tps, 4),
        "rounds": rounds,
        "chunk_seconds": chunk_seconds,
    }


def twenty_seconds(config: LMConfig, text: str, seconds: float) -> dict:
    """A fresh seqviz run for ``seconds`` of wall-clock time (set-up included)."""
    t0 = time.perf_counter()
    trainer = Trainer(config, text)
    left = seconds - (time.perf_counter() - t0)
    deadline = time.perf_counter() + left
    trainer.run(max_seconds=left, callback=lambda p: time.perf_counter() >= deadline)
    wall = time.perf_counter() - t0
    h = trainer.history
    heldout = trainer.evaluate()
    return {
        "seconds": round(wall, 2),
        "steps": len(h.steps),
        "epochs_started": trainer.epoch,
        "train_perplexity_last_50_batches": round(h.recent_perplexity(50), 4),
        "heldout_perplexity": round(heldout, 4),
        "tokens_per_s": round(h.tokens_per_second, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--chunk", type=float, default=2.5, help="seconds per chunk")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = LMConfig()
    text = load_time_machine()
    speed = compare(config, text, args.rounds, args.chunk)
    print(json.dumps(speed, indent=2), flush=True)
    run = twenty_seconds(config, text, args.seconds)
    print(json.dumps(run, indent=2), flush=True)
    result = {
        "benchmark": "live character LM training, seqviz loop vs plain PyTorch loop",
        "config": {k: getattr(config, k) for k in config.__dataclass_fields__},
        "corpus": "The Time Machine (d2l copy, d2l-normalised), first 90% trained on",
        **speed,
        "run": run,
        "perplexity_after_20s": run["train_perplexity_last_50_batches"],
        "torch_version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    if not math.isfinite(result["ratio_tokens_per_s"]):
        raise SystemExit("no tokens measured")


if __name__ == "__main__":
    main()
