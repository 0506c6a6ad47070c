"""A long-memory task trained live: remember the first symbol.

Each sequence starts with one of S *signal* symbols, followed by ``lag`` noise
symbols drawn from M others; after the last step the model must say which signal
symbol came first. Chance is 1/S. To succeed, information from x_0 must survive
``lag`` steps of the recurrence — and the gradient that teaches it must flow back
``lag`` steps: exactly where a plain RNN's gradient vanishes and an LSTM's cell
state carries it.

    x_0 = s ∈ {0..S-1},  x_1..x_lag ∈ {S..S+M-1} (noise),   ŷ = softmax(W_hq h_lag + b_q)
    L = -log ŷ_s  (cross-entropy at the last step only)

Every model is trained by :class:`seqviz.training.Trainer`, with its held-out
accuracy measured after every step; :class:`SideBySide` trains the three in step
with each other, in runs that can be stopped and continued. Everything random
(data, initialisation) comes from generators seeded with the config's seed, so a
run is reproducible.

Dimensions: B batch, T = lag + 1 time steps, S signal symbols, M noise symbols,
H hidden size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqviz import resume, training
from seqviz.gradients import backprop
from seqviz.initialisation import build

KINDS = ("rnn", "gru", "lstm")


@dataclass(frozen=True)
class MemoryConfig:
    """The task and how each model is trained on it."""

    lag: int = 60  # noise steps between the signal and the question (T = lag + 1)
    num_signal: int = 8  # S, symbols to remember (chance = 1/S)
    num_noise: int = 8  # M, distractor symbols
    hidden_size: int = 32  # H
    batch_size: int = 32  # B, fresh sequences every step
    steps: int = 1000  # optimiser steps per model
    lr: float = 3e-3  # Adam learning rate
    clip: float = 1.0  # θ, max global gradient norm
    seed: int = 0  # data and initialisation
    eval_size: int = 256  # held-out sequences for accuracy
    gate_bias: float = 3.0  # added to the LSTM forget / GRU update gate bias: start by keeping

    def __post_init__(self) -> None:
        if self.lag < 1 or self.steps < 1 or self.num_signal < 2 or self.num_noise < 1:
            raise ValueError("lag and steps must be >= 1, num_signal >= 2, num_noise >= 1")

    @property
    def input_size(self) -> int:
        return self.num_signal + self.num_noise


def make_batch(config: MemoryConfig, batch_size: int, generator: torch.Generator):
    """(x (T, B, S + M) one-hot, y (B,) signal ids) for ``batch_size`` fresh sequences."""
    T, B, S, M = config.lag + 1, batch_size, config.num_signal, config.num_noise
    y = torch.randint(0, S, (B,), generator=generator)
    noise = torch.randint(S, S + M, (T - 1, B), generator=generator)
    ids = torch.cat([y[None], noise])  # (T, B)
    return F.one_hot(ids, S + M).float(), y


class MemoryModel(nn.Module):
    """A recurrent module plus a linear read-out of its last hidden state."""

    def __init__(self, kind: str, config: MemoryConfig) -> None:
        super().__init__()
        self.kind = kind
        # the GRU's update gate / the LSTM's forget gate start near σ(gate_bias): "keep"
        gate_bias = config.gate_bias if kind != "rnn" else 0.0
        self.rnn = build(
            kind, config.input_size, config.hidden_size, seed=config.seed, gate_bias=gate_bias
        )
        # meta, then filled below from our generator: the global RNG is never drawn from
        self.head = nn.Linear(config.hidden_size, config.num_signal, device="meta").to_empty(
            device="cpu"
        )
        with torch.no_grad():
            gen = torch.Generator().manual_seed(config.seed + 7)
            bound = config.hidden_size**-0.5
            for p in self.head.parameters():
                p.uniform_(-bound, bound, generator=gen)

    def forward(self, x: Tensor) -> Tensor:
        """(T, [B,] D) -> (..., S) logits from the last step's h."""
        output, _ = self.rnn(x)  # (T, [B,] H)
        # ŷ = W_hq h_T + b_q
        return self.head(output[-1])


@dataclass(frozen=True)
class MemoryRun:
    """One model's training on the task."""

    kind: str  # "rnn" | "gru" | "lstm"
    history: training.History  # loss and held-out accuracy at every step
    model: MemoryModel  # the trained model (eval mode)

    @property
    def losses(self) -> list[float]:
        """Training cross-entropy at every step."""
        return self.history.losses

    @property
    def accuracies(self) -> list[float]:
        """Held-out accuracy after every step."""
        return self.history.heldout

    @property
    def final_accuracy(self) -> float:
        return self.history.heldout[-1]

    @property
    def seconds(self) -> float:
        """Training time (the held-out measurements excluded)."""
        return self.history.seconds


@torch.no_grad()
def accuracy(model: MemoryModel, x: Tensor, y: Tensor) -> float:
    """Fraction of sequences whose first symbol the model names correctly."""
    return float((model(x).argmax(-1) == y).float().mean())


def _batches(
    config: MemoryConfig, data: torch.Generator | None = None
) -> Iterator[tuple[Tensor, Tensor]]:
    """Fresh sequences for every step: the same stream for every kind of model."""
    if data is None:
        data = torch.Generator().manual_seed(config.seed + 1)
    while True:
        yield make_batch(config, config.batch_size, data)


def _loss(model: MemoryModel, batch: tuple[Tensor, Tensor]) -> Tensor:
    x, y = batch
    # L = -1/B Σ_b log softmax(ŷ_b)[y_b]
    return F.cross_entropy(model(x), y)


def _trainer(
    kind: str, config: MemoryConfig, data: torch.Generator | None = None
) -> training.Trainer:
    """A fresh model of this kind and its trainer: Adam on fresh batches (drawn from
    ``data``), the same data for every kind, held-out accuracy as the evaluation."""
    model = MemoryModel(kind, config)
    x_eval, y_eval = make_batch(
        config, config.eval_size, torch.Generator().manual_seed(config.seed + 2)
    )
    return training.Trainer(
        model,
        _loss,
        _batches(config, data),
        torch.optim.Adam(model.parameters(), lr=config.lr),
        clip=config.clip,
        evaluate=lambda m: accuracy(m, x_eval, y_eval),
        total=config.steps,
        tokens=lambda batch: len(batch[1]),
        label=kind,
    )


def train_one(
    kind: str, config: MemoryConfig, callback: training.Callback | None = None
) -> MemoryRun:
    """Train one model with Adam on fresh batches; the same data for every kind.

    ``callback(progress)`` after every step, ``progress.label`` the kind and
    ``progress.heldout`` the held-out accuracy.
    """
    trainer = _trainer(kind, config)
    trainer.run(callback=callback, eval_every=1)
    return MemoryRun(kind=kind, history=trainer.history, model=trainer.model)


def train_all(
    config: MemoryConfig,
    kinds: tuple[str, ...] = KINDS,
    callback: training.Callback | None = None,
) -> dict[str, MemoryRun]:
    """Train an RNN, a GRU and an LSTM on the same task and data; kind -> run."""
    return {kind: train_one(kind, config, callback) for kind in kinds}


class SideBySide:
    """The models trained in step with each other, a run at a time (stop and continue).

    One *round* is one step of every model that has steps left, in the order of
    ``kinds``, run by :func:`seqviz.training.run`: whenever a run ends (a time limit,
    a stop, a page that stops drawing) every model stands at the same step, and
    they can be compared there. Each model has its own stream of batches, so
    a model ends with the same weights as :func:`train_one` gives it, however the
    training was cut into runs.
    """

    def __init__(self, config: MemoryConfig, kinds: tuple[str, ...] = KINDS) -> None:
        self.config = config
        # each model's own stream of batches (the same seed: the same data for every kind)
        self.generators = {k: torch.Generator().manual_seed(config.seed + 1) for k in kinds}
        self.trainers = {k: _trainer(k, config, self.generators[k]) for k in kinds}
        self.rounds = training.History()  # one entry per round (its time, the mean loss)

    def state_dict(self) -> dict:
        """Every model's run (:mod:`seqviz.resume`) and the rounds, as picklable data."""
        state = {k: resume.trainer_state(t, self.generators[k]) for k, t in self.trainers.items()}
        return state | {"rounds": self.rounds.copy()}

    def load_state_dict(self, state: dict) -> None:
        """Continue from a :meth:`state_dict` of the same config and kinds."""
        for kind, trainer in self.trainers.items():
            resume.load_trainer_state(trainer, state[kind], self.generators[kind])
        self.rounds = state["rounds"].copy()

    @property
    def step(self) -> int:
        """Steps every model has taken (the same for all)."""
        return min(t.history.step for t in self.trainers.values())

    @property
    def done(self) -> bool:
        return all(t.done for t in self.trainers.values())

    def _round(self) -> training.Step:
        losses = []
        for trainer in self.trainers.values():
            trainer.run(max_steps=1, eval_every=1)
            losses.append(trainer.history.losses[-1])
        return training.Step(loss=sum(losses) / len(losses), tokens=self.config.batch_size)

    def run(
        self,
        max_rounds: int | None = None,
        max_seconds: float | None = None,
        stop: training.StopWhen | None = None,
        callback: training.Callback | None = None,
    ) -> training.Outcome:
        """Take rounds until every model is done, a limit of this call, or a stop.

        ``callback(progress)`` after every round (``progress.step`` = the round,
        ``progress.loss`` the models' mean loss); returning True stops, as ``stop`` does.
        """
        return training.run(
            self._round,
            self.rounds,
            max_steps=max_rounds,
            max_seconds=max_seconds,
            total=self.config.steps,
            callback=callback,
            stop=stop,
            label="round",
        )

    def runs(self) -> dict[str, MemoryRun]:
        """kind -> the model as trained so far (none before the first round)."""
        if self.step == 0:
            return {}
        return {
            kind: MemoryRun(kind=kind, history=t.history.copy(), model=t.model)
            for kind, t in self.trainers.items()
        }


def fit(
    config: MemoryConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: training.StopWhen | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """The RNN, GRU and LSTM trained side by side (:class:`SideBySide`) for at most
    ``max_seconds`` of training, continuing ``state`` (None: start).

    Returns:
        :meth:`SideBySide.state_dict` plus ``"step"`` (rounds) and ``"done"``.
    """
    together = SideBySide(config)
    if state is not None:
        together.load_state_dict(state)
    together.run(max_seconds=max_seconds, stop=stop, callback=callback)
    return together.state_dict() | {"step": together.step, "done": together.done}


def side_by_side(config: MemoryConfig, state: dict) -> SideBySide:
    """The models a :func:`fit` state holds, to look at (and to train on in-process)."""
    together = SideBySide(config)
    together.load_state_dict(state)
    return together


def example(config: MemoryConfig, seed: int | None = None) -> tuple[Tensor, int]:
    """One sequence (T, S + M) and its answer, to look at a trained model's gradients."""
    gen = torch.Generator().manual_seed(config.seed + 3 if seed is None else seed)
    x, y = make_batch(config, 1, gen)
    return x[:, 0], int(y[0])


def last_step_loss(model: MemoryModel, answer: int) -> Callable[[Tensor], Tensor]:
    """L(output) = cross-entropy of the read-out at the last step, for gradients.backprop."""

    def loss_fn(output: Tensor) -> Tensor:
        # L = -log softmax(W_hq h_T + b_q)[answer]
        return F.cross_entropy(model.head(output[-1])[None], torch.tensor([answer]))

    return loss_fn


def gradient_norms(run: MemoryRun, config: MemoryConfig) -> Tensor:
    """(T,) ||dL/dh_t||_2 of a trained model on one new sequence (:func:`example`),
    L = cross-entropy of its answer: how far back its gradient still reaches."""
    x, answer = example(config)
    return backprop(run.model.rnn, x, last_step_loss(run.model, answer)).hidden_norms
