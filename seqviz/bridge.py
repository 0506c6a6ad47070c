"""From recurrence to attention: one small task solved by an LSTM and by a tiny Transformer.

The task: read n symbols, then ``=``, then write them back reversed (or copied).
Both models read the same token sequence left to right and are trained with
teacher forcing to predict each answer symbol from everything before it::

    inputs   x_1 ... x_n  =  y_1 ... y_{n-1}
    targets                y_1  y_2 ...  y_n          (y = reversed x, or x)

To write y_k the model needs input x_{n+1-k} (reverse) or x_k (copy). The
Transformer can look it up directly: its attention weights from the position
that predicts y_k show where it looked. The LSTM has to carry every symbol in
its state; which input it depends on is measured by the connectivity
||∂ log p(y_k) / ∂ e_s|| — how much the log-probability of the right answer moves with the
embedding e_s of input s — computed by autograd through the LSTM's own cell
functions with :func:`seqviz.gradients.backprop`.

A pretrained pair (seed 0) per task is the ``transformer-bridge-copy`` and
``transformer-bridge-reverse`` checkpoint of :mod:`seqviz.checkpoints`; other seeds
train in seconds.

Dimension letters: ``T`` time (2n), ``B`` batch, ``V`` vocabulary, ``E`` embedding and
model size (d_model), ``H`` LSTM hidden size; n symbols per problem (num_symbols).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqviz import gradients, resume, training
from seqviz.transformer import TinyTransformer, TransformerConfig

SYMBOLS = "abcdefgh"
SEP = "="
VOCAB = (SEP, *SYMBOLS)  # id 0 is the separator
TASKS = ("reverse", "copy")


@dataclass(frozen=True)
class BridgeConfig:
    """The task and both models (the defaults: the checkpoints')."""

    task: str = "reverse"  # "reverse" | "copy"
    num_symbols: int = 6  # n, symbols to read
    d_model: int = 32  # E, embedding size of both models (the Transformer's width)
    hidden_size: int = 64  # H, LSTM hidden size
    n_heads: int = 2  # nh, Transformer heads
    num_layers: int = 1  # Transformer blocks (one is enough to look things up)
    batch_size: int = 64  # B
    steps: int = 600  # optimiser steps, each model
    lr: float = 5e-3  # Adam learning rate
    clip: float = 1.0  # θ, max global gradient norm
    seed: int = 0  # initialisation and problems

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, not {self.task!r}")

    @property
    def T(self) -> int:
        """Length of the model input: n symbols, ``=``, n - 1 answer symbols."""
        return 2 * self.num_symbols


def answer(x: Tensor, task: str) -> Tensor:
    """(..., n) symbol ids -> (..., n) the answer: reversed or copied."""
    return x.flip(-1) if task == "reverse" else x.clone()


def make_batch(config: BridgeConfig, batch_size: int, generator: torch.Generator):
    """Random problems: inputs (B, 2n) and targets (B, n) for positions n .. 2n-1."""
    x = torch.randint(1, len(VOCAB), (batch_size, config.num_symbols), generator=generator)
    y = answer(x, config.task)
    sep = torch.zeros(batch_size, 1, dtype=torch.long)
    inputs = torch.cat([x, sep, y[:, :-1]], dim=1)  # (B, 2n)
    return inputs, y


def encode(symbols: str) -> Tensor:
    """A string of symbols from ``SYMBOLS`` -> (n,) ids; raises ValueError otherwise."""
    bad = sorted({c for c in symbols if c not in SYMBOLS})
    if bad:
        raise ValueError(f"only the symbols {SYMBOLS} are allowed, not {''.join(bad)!r}")
    return torch.tensor([VOCAB.index(c) for c in symbols], dtype=torch.long)


class LSTMSolver(nn.Module):
    """Embedding -> one-layer ``nn.LSTM`` (time first) -> linear head."""

    def __init__(self, config: BridgeConfig) -> None:
        super().__init__()
        E, H = config.d_model, config.hidden_size
        self.emb = nn.Embedding(len(VOCAB), E)
        self.lstm = nn.LSTM(E, H)
        self.head = nn.Linear(H, len(VOCAB))
        gen = torch.Generator().manual_seed(config.seed)
        with torch.no_grad():  # PyTorch's default scales, drawn from our generator
            self.emb.weight.normal_(0.0, 1.0, generator=gen)
            for p in (*self.lstm.parameters(), *self.head.parameters()):
                p.uniform_(-(H**-0.5), H**-0.5, generator=gen)

    def forward(self, inputs: Tensor) -> Tensor:
        """(B, T) ids -> (B, T, V) logits."""
        out, _ = self.lstm(self.emb(inputs).transpose(0, 1))  # (T, B, H)
        return self.head(out.transpose(0, 1))


def make_transformer(config: BridgeConfig) -> TinyTransformer:
    return TinyTransformer(
        TransformerConfig(
            vocab_size=len(VOCAB),
            d_model=config.d_model,
            n_heads=config.n_heads,
            num_layers=config.num_layers,
            d_ff=2 * config.d_model,
            context=config.T,
            positions="learned",
            seed=config.seed,
        )
    )


@torch.no_grad()
def accuracy(
    model: nn.Module, config: BridgeConfig, n_problems: int = 512, seed: int = 12345
) -> float:
    """Share of answer symbols right (greedy, teacher-forced) on fresh random problems."""
    inputs, y = make_batch(config, n_problems, torch.Generator().manual_seed(seed))
    pred = _answer_logits(model, inputs, config.num_symbols).argmax(-1)  # (B, n)
    return (pred == y).float().mean().item()


def _answer_logits(model: nn.Module, inputs: Tensor, n: int) -> Tensor:
    """(B, n, V): the logits at the positions that predict y_1..y_n."""
    # position n-1 holds x_n and predicts y_1 ... position 2n-2 holds y_{n-1} and predicts y_n
    return model(inputs)[:, n - 1 : 2 * n - 1]


def _problems(
    config: BridgeConfig, gen: torch.Generator | None = None
) -> Iterator[tuple[Tensor, Tensor]]:
    """Fresh random problems for every step, from a generator seeded with the config."""
    if gen is None:
        gen = torch.Generator().manual_seed(config.seed + 1)
    while True:
        yield make_batch(config, config.batch_size, gen)


def _answer_loss(config: BridgeConfig):
    def loss_fn(model: nn.Module, batch: tuple[Tensor, Tensor]) -> Tensor:
        inputs, y = batch
        logits = _answer_logits(model, inputs, config.num_symbols)  # (B, n, V)
        # L = -(1/(B n)) Σ log softmax(o)[y]: the answer only
        return F.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1))

    return loss_fn


def trainer(
    model: nn.Module,
    config: BridgeConfig,
    label: str = "",
    generator: torch.Generator | None = None,
) -> training.Trainer:
    """A resumable run for one solver: Adam on fresh random problems every step, the
    loss on the answer only. ``trainer.run(...)`` trains in pieces (the model is left in
    eval mode after each); gradients stay on until the caller turns them off.
    ``generator`` draws the problems (default: one seeded with ``config.seed + 1``)."""
    model.requires_grad_(True)
    return training.Trainer(
        model,
        _answer_loss(config),
        _problems(config, generator),
        torch.optim.Adam(model.parameters(), lr=config.lr),
        clip=config.clip,
        total=config.steps,
        tokens=lambda batch: batch[1].numel(),
        label=label,
    )


def train_model(
    model: nn.Module,
    config: BridgeConfig,
    callback: training.Callback | None = None,
    label: str = "",
) -> training.History:
    """Train one solver all ``config.steps`` (see :func:`trainer`).

    Returns the :class:`~seqviz.training.History`; the model ends in eval mode with
    gradients off.
    """
    run = trainer(model, config, label)
    run.run(callback=callback)
    model.requires_grad_(False)
    return run.history


@dataclass(frozen=True)
class Pair:
    """The two solvers of one task (eval mode, gradients off)."""

    config: BridgeConfig
    lstm: LSTMSolver
    transformer: TinyTransformer

    @cached_property
    def lstm_accuracy(self) -> float:
        """Share of answer symbols the LSTM gets right on fresh problems."""
        return accuracy(self.lstm, self.config)

    @cached_property
    def transformer_accuracy(self) -> float:
        """Share of answer symbols the Transformer gets right on fresh problems."""
        return accuracy(self.transformer, self.config)

    def modules(self) -> nn.ModuleDict:
        """Both models as one module (tensor names ``lstm.*`` and ``transformer.*``)."""
        both = nn.ModuleDict({"lstm": self.lstm, "transformer": self.transformer})
        both.training = self.lstm.training or self.transformer.training  # not a mode of its own
        return both


def untrained_pair(config: BridgeConfig) -> Pair:
    """Both models freshly initialised from ``config.seed`` (eval mode, gradients off)."""
    lstm, transformer = LSTMSolver(config), make_transformer(config)
    for model in (lstm, transformer):
        model.eval().requires_grad_(False)
    return Pair(config, lstm, transformer)


def train_pair(config: BridgeConfig, callback: training.Callback | None = None) -> Pair:
    """Train both models on the task; ``progress.label`` is "LSTM", then "Transformer"."""
    pair = untrained_pair(config)
    for label, model in (("LSTM", pair.lstm), ("Transformer", pair.transformer)):
        train_model(model.requires_grad_(True), config, callback, label)
    return pair


SOLVERS = (("lstm", "LSTM"), ("transformer", "Transformer"))  # state key, label; training order


def fit(
    config: BridgeConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: training.StopWhen | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train the pair as :func:`train_pair` does (the LSTM, then the Transformer), for at
    most ``max_seconds`` of training in this call, continuing ``state`` (None: start).

    Returns:
        ``{"lstm": ..., "transformer": ...}`` (each :func:`seqviz.resume.trainer_state`
        with its problem generator), ``"step"`` (both models' steps) and ``"done"``.
    """
    pair = untrained_pair(config)
    runs = {}
    for name, label in SOLVERS:
        gen = torch.Generator().manual_seed(config.seed + 1)
        runs[name] = (trainer(getattr(pair, name), config, label, gen), gen)
        if state is not None:
            resume.load_trainer_state(runs[name][0], state[name], gen)
    spent = lambda: sum(t.history.seconds for t, _ in runs.values())  # noqa: E731
    at_start = spent()
    for t, _ in runs.values():
        left = max_seconds - (spent() - at_start)
        if t.done:
            continue
        if left <= 0 or t.run(max_seconds=left, callback=callback, stop=stop) == "stopped":
            break
    done = all(t.done for t, _ in runs.values())
    result = {name: resume.trainer_state(t, gen) for name, (t, gen) in runs.items()}
    return result | {"step": sum(t.history.step for t, _ in runs.values()), "done": done}


def pair_of(config: BridgeConfig, state: dict) -> Pair:
    """The pair a :func:`fit` state holds (eval mode, gradients off)."""
    pair = untrained_pair(config)
    for name, _ in SOLVERS:
        getattr(pair, name).load_state_dict(state[name]["model"])
    return pair


@dataclass(frozen=True)
class Alignment:
    """Where each answer symbol comes from, according to each model."""

    tokens: list[str]  # T = 2n input tokens: x_1..x_n, "=", y_1..y_{n-1}
    targets: list[str]  # n answer symbols y_1..y_n
    lstm_pred: list[str]  # n symbols the LSTM predicts (greedy, teacher-forced)
    transformer_pred: list[str]  # n symbols the Transformer predicts
    attention: Tensor  # (num_layers, nh, n, T) attention of the positions predicting y_1..y_n
    connectivity: Tensor  # (n, T) ||∂ log p(y_k) / ∂ e_s||, zero for s after the position


def align(pair: Pair, x: Tensor) -> Alignment:
    """Run both models on one problem ``x`` (n,) of symbol ids."""
    config = pair.config
    n = config.num_symbols
    if x.shape != (n,):
        raise ValueError(f"expected {n} symbols, got {tuple(x.shape)}")
    y = answer(x, config.task)
    inputs = torch.cat([x, torch.zeros(1, dtype=torch.long), y[:-1]])  # (T,)
    rows = slice(n - 1, 2 * n - 1)
    _, tr = pair.transformer(inputs, return_trace=True)
    attn = tr.weights[:, :, rows]  # (num_layers, nh, n, T)
    t_pred = tr.logits[rows].argmax(-1)
    lstm = pair.lstm
    e = lstm.emb(inputs)  # (T, E)
    conn = torch.zeros(n, config.T)
    for k in range(n):
        pos = n - 1 + k
        # L_k = log softmax(W_out h_pos + b_out)[y_k]  (minus the loss of answer k)
        flow = gradients.backprop(
            lstm.lstm, e, lambda out, pos=pos, k=k: lstm.head(out[pos]).log_softmax(-1)[y[k]]
        )
        conn[k] = torch.linalg.vector_norm(flow.input_grad, dim=-1).float()
    l_pred = lstm(inputs[None])[0, rows].argmax(-1)
    sym = lambda ids: [VOCAB[int(i)] for i in ids]  # noqa: E731
    return Alignment(sym(inputs), sym(y), sym(l_pred), sym(t_pred), attn, conn)
