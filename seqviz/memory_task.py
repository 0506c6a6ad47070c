"""A long-memory task trained live: remember the first symbol.

Each sequence starts with one of K *signal* symbols, followed by ``lag`` noise
symbols drawn from M others; after the last step the model must say which signal
symbol came first. Chance is 1/K. To succeed, information from x_0 must survive
``lag`` steps of the recurrence — and the gradient that teaches it must flow back
``lag`` steps: exactly where a plain RNN's gradient vanishes and an LSTM's cell
state carries it.

    x_0 = s ∈ {0..K-1},  x_1..x_lag ∈ {K..K+M-1} (noise),   ŷ = softmax(W_hq h_lag + b_q)
    L = -log ŷ_s  (cross-entropy at the last step only)

Everything random (data, initialisation) comes from generators seeded with the
config's seed, so a run is reproducible.

Dimensions: B batch, T = lag + 1 time steps, K signal symbols, M noise symbols,
H hidden size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqviz.initialisation import build

KINDS = ("rnn", "gru", "lstm")

Callback = Callable[[str, int, int, float, float], None]
"""callback(kind, step, total_steps, loss, accuracy) after every optimiser step."""


@dataclass(frozen=True)
class MemoryConfig:
    """The task and how each model is trained on it."""

    lag: int = 60  # noise steps between the signal and the question (T = lag + 1)
    n_signal: int = 8  # K, symbols to remember (chance = 1/K)
    n_noise: int = 8  # M, distractor symbols
    hidden_size: int = 32  # H
    batch_size: int = 32  # B, fresh sequences every step
    steps: int = 1000  # optimiser steps per model
    lr: float = 3e-3  # Adam learning rate
    clip: float = 1.0  # max global gradient norm
    seed: int = 0  # data and initialisation
    eval_size: int = 256  # held-out sequences for accuracy
    gate_bias: float = 3.0  # added to the LSTM forget / GRU update gate bias: start by keeping

    def __post_init__(self) -> None:
        if self.lag < 1 or self.steps < 1 or self.n_signal < 2 or self.n_noise < 1:
            raise ValueError("lag and steps must be >= 1, n_signal >= 2, n_noise >= 1")

    @property
    def input_size(self) -> int:
        return self.n_signal + self.n_noise


def make_batch(config: MemoryConfig, batch_size: int, generator: torch.Generator):
    """(x (T, B, K + M) one-hot, y (B,) signal ids) for ``batch_size`` fresh sequences."""
    T, B, K, M = config.lag + 1, batch_size, config.n_signal, config.n_noise
    y = torch.randint(0, K, (B,), generator=generator)
    noise = torch.randint(K, K + M, (T - 1, B), generator=generator)
    ids = torch.cat([y[None], noise])  # (T, B)
    return F.one_hot(ids, K + M).float(), y


class MemoryModel(nn.Module):
    """A recurrent module plus a linear read-out of its last hidden state."""

    def __init__(self, kind: str, config: MemoryConfig) -> None:
        super().__init__()
        self.kind = kind
        self.rnn = build(kind, config.input_size, config.hidden_size, seed=config.seed)
        # meta, then filled below from our generator: the global RNG is never drawn from
        self.head = nn.Linear(config.hidden_size, config.n_signal, device="meta").to_empty(
            device="cpu"
        )
        H = config.hidden_size
        keep = {"lstm": slice(H, 2 * H), "gru": slice(H, 2 * H)}.get(kind)  # f_t / z_t rows
        if keep is not None:
            with torch.no_grad():
                # f_t (LSTM) or z_t (GRU) = σ(... + b + gate_bias): closer to "keep the old state"
                self.rnn.bias_hh_l0[keep] += config.gate_bias
        with torch.no_grad():
            gen = torch.Generator().manual_seed(config.seed + 7)
            bound = config.hidden_size**-0.5
            for p in self.head.parameters():
                p.uniform_(-bound, bound, generator=gen)

    def forward(self, x: Tensor) -> Tensor:
        """(T, [B,] D) -> (..., K) logits from the last step's h."""
        output, _ = self.rnn(x)  # (T, [B,] H)
        # ŷ = W_hq h_T + b_q
        return self.head(output[-1])


@dataclass(frozen=True)
class MemoryRun:
    """One model's training on the task."""

    kind: str  # "rnn" | "gru" | "lstm"
    losses: tuple[float, ...]  # training cross-entropy at every step
    accuracies: tuple[float, ...]  # held-out accuracy at every step
    final_accuracy: float  # held-out accuracy at the end
    seconds: float  # wall-clock training time
    model: MemoryModel  # the trained model (eval mode)


@torch.no_grad()
def accuracy(model: MemoryModel, x: Tensor, y: Tensor) -> float:
    """Fraction of sequences whose first symbol the model names correctly."""
    return float((model(x).argmax(-1) == y).float().mean())


def train_one(kind: str, config: MemoryConfig, callback: Callback | None = None) -> MemoryRun:
    """Train one model with Adam on fresh batches; the same data for every kind."""
    start = time.perf_counter()
    model = MemoryModel(kind, config)
    data = torch.Generator().manual_seed(config.seed + 1)
    x_eval, y_eval = make_batch(
        config, config.eval_size, torch.Generator().manual_seed(config.seed + 2)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses, accs = [], []
    model.train()
    for step in range(1, config.steps + 1):
        x, y = make_batch(config, config.batch_size, data)
        # L = -1/B Σ_b log softmax(ŷ_b)[y_b]
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        losses.append(loss.item())
        accs.append(accuracy(model, x_eval, y_eval))
        if callback is not None:
            callback(kind, step, config.steps, losses[-1], accs[-1])
    model.eval()
    return MemoryRun(
        kind=kind,
        losses=tuple(losses),
        accuracies=tuple(accs),
        final_accuracy=accs[-1],
        seconds=time.perf_counter() - start,
        model=model,
    )


def train_all(
    config: MemoryConfig, kinds: tuple[str, ...] = KINDS, callback: Callback | None = None
) -> dict[str, MemoryRun]:
    """Train an RNN, a GRU and an LSTM on the same task and data; kind -> run."""
    return {kind: train_one(kind, config, callback) for kind in kinds}


def example(config: MemoryConfig, seed: int | None = None) -> tuple[Tensor, int]:
    """One sequence (T, K + M) and its answer, to look at a trained model's gradients."""
    gen = torch.Generator().manual_seed(config.seed + 3 if seed is None else seed)
    x, y = make_batch(config, 1, gen)
    return x[:, 0], int(y[0])


def last_step_loss(model: MemoryModel, answer: int) -> Callable[[Tensor], Tensor]:
    """L(output) = cross-entropy of the read-out at the last step, for gradients.backprop."""

    def loss_fn(output: Tensor) -> Tensor:
        # L = -log softmax(W_hq h_T + b_q)[answer]
        return F.cross_entropy(model.head(output[-1])[None], torch.tensor([answer]))

    return loss_fn
