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

A pretrained pair (seed 0) is in ``assets/models/transformer-bridge.*``,
reproduced by ``python -m seqviz.bridge``; other seeds train in seconds.

Dimension letters: ``T`` time (2n), ``B`` batch, ``V`` vocabulary, ``E`` embedding,
``H`` LSTM hidden size.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from seqviz import gradients
from seqviz.text import ASSETS
from seqviz.transformer import TinyTransformer, TransformerConfig

SYMBOLS = "abcdefgh"
SEP = "="
VOCAB = (SEP, *SYMBOLS)  # id 0 is the separator
TASKS = ("reverse", "copy")
NAME = "transformer-bridge"


@dataclass(frozen=True)
class BridgeConfig:
    task: str = "reverse"  # "reverse" | "copy"
    n: int = 6  # symbols to read
    E: int = 32  # embedding / model size of both models
    H: int = 64  # LSTM hidden size
    n_heads: int = 2  # Transformer heads
    n_layers: int = 1  # Transformer blocks (one is enough to look things up)
    batch_size: int = 64
    steps: int = 600  # optimiser steps, each model
    lr: float = 5e-3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, not {self.task!r}")

    @property
    def T(self) -> int:
        """Length of the model input: n symbols, ``=``, n - 1 answer symbols."""
        return 2 * self.n


def answer(x: Tensor, task: str) -> Tensor:
    """(..., n) symbol ids -> (..., n) the answer: reversed or copied."""
    return x.flip(-1) if task == "reverse" else x.clone()


def make_batch(config: BridgeConfig, batch_size: int, generator: torch.Generator):
    """Random problems: inputs (B, 2n) and targets (B, n) for positions n .. 2n-1."""
    x = torch.randint(1, len(VOCAB), (batch_size, config.n), generator=generator)
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
        self.emb = nn.Embedding(len(VOCAB), config.E)
        self.lstm = nn.LSTM(config.E, config.H)
        self.head = nn.Linear(config.H, len(VOCAB))
        gen = torch.Generator().manual_seed(config.seed)
        with torch.no_grad():  # PyTorch's default scales, drawn from our generator
            self.emb.weight.normal_(0.0, 1.0, generator=gen)
            for p in (*self.lstm.parameters(), *self.head.parameters()):
                p.uniform_(-(config.H**-0.5), config.H**-0.5, generator=gen)

    def forward(self, inputs: Tensor) -> Tensor:
        """(B, T) ids -> (B, T, V) logits."""
        out, _ = self.lstm(self.emb(inputs).transpose(0, 1))  # (T, B, H)
        return self.head(out.transpose(0, 1))


def make_transformer(config: BridgeConfig) -> TinyTransformer:
    return TinyTransformer(
        TransformerConfig(
            vocab_size=len(VOCAB),
            d_model=config.E,
            n_heads=config.n_heads,
            n_layers=config.n_layers,
            d_ff=2 * config.E,
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
    pred = _answer_logits(model, inputs, config.n).argmax(-1)  # (B, n)
    return (pred == y).float().mean().item()


def _answer_logits(model: nn.Module, inputs: Tensor, n: int) -> Tensor:
    """(B, n, V): the logits at the positions that predict y_1..y_n."""
    # position n-1 holds x_n and predicts y_1 ... position 2n-2 holds y_{n-1} and predicts y_n
    return model(inputs)[:, n - 1 : 2 * n - 1]


def train_model(
    model: nn.Module,
    config: BridgeConfig,
    callback: Callable[[int, int, float], None] | None = None,
) -> list[float]:
    """Adam on fresh random problems every step; the loss is on the answer only."""
    gen = torch.Generator().manual_seed(config.seed + 1)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    model.train()
    for step in range(1, config.steps + 1):
        inputs, y = make_batch(config, config.batch_size, gen)
        logits = _answer_logits(model, inputs, config.n)
        loss = F.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if callback is not None:
            callback(step, config.steps, losses[-1])
    model.eval().requires_grad_(False)
    return losses


@dataclass(frozen=True)
class Pair:
    """The two trained solvers of one task (eval mode, gradients off)."""

    config: BridgeConfig
    lstm: LSTMSolver
    transformer: TinyTransformer
    lstm_accuracy: float  # on fresh problems
    transformer_accuracy: float


def train_pair(
    config: BridgeConfig, callback: Callable[[str, int, int], None] | None = None
) -> Pair:
    """Train both models on the task; ``callback(model_name, step, total)`` for progress."""
    lstm, transformer = LSTMSolver(config), make_transformer(config)
    for name, model in (("LSTM", lstm), ("Transformer", transformer)):
        cb = None if callback is None else (lambda s, t, _l, name=name: callback(name, s, t))
        train_model(model, config, cb)
    return Pair(config, lstm, transformer, accuracy(lstm, config), accuracy(transformer, config))


@dataclass(frozen=True)
class Alignment:
    """Where each answer symbol comes from, according to each model."""

    tokens: list[str]  # T = 2n input tokens: x_1..x_n, "=", y_1..y_{n-1}
    targets: list[str]  # n answer symbols y_1..y_n
    lstm_pred: list[str]  # n symbols the LSTM predicts (greedy, teacher-forced)
    transformer_pred: list[str]  # n symbols the Transformer predicts
    attention: Tensor  # (L, nh, n, T) attention of the positions predicting y_1..y_n
    connectivity: Tensor  # (n, T) ||∂ log p(y_k) / ∂ e_s||, zero for s after the position


def align(pair: Pair, x: Tensor) -> Alignment:
    """Run both models on one problem ``x`` (n,) of symbol ids."""
    config = pair.config
    n = config.n
    if x.shape != (n,):
        raise ValueError(f"expected {n} symbols, got {tuple(x.shape)}")
    y = answer(x, config.task)
    inputs = torch.cat([x, torch.zeros(1, dtype=torch.long), y[:-1]])  # (T,)
    rows = slice(n - 1, 2 * n - 1)
    _, tr = pair.transformer(inputs, return_trace=True)
    attn = tr.weights[:, :, rows]  # (L, nh, n, T)
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


# --- the pretrained pair -----------------------------------------------------------------

PRETRAINED = BridgeConfig()


def _paths(task: str):
    stem = ASSETS / "models" / f"{NAME}-{task}"
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def available(task: str) -> bool:
    return all(p.exists() for p in _paths(task))


def load(task: str) -> Pair:
    """The pretrained pair for ``task`` (seed 0); shared, do not modify."""
    weights_path, meta_path = _paths(task)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    config = BridgeConfig(**meta["config"])
    lstm, transformer = LSTMSolver(config), make_transformer(config)
    tensors = load_file(str(weights_path))
    for prefix, model in (("lstm.", lstm), ("transformer.", transformer)):
        part = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        model.load_state_dict(part, strict=True)
        model.eval().requires_grad_(False)
    return Pair(config, lstm, transformer, meta["lstm_accuracy"], meta["transformer_accuracy"])


def build(task: str) -> dict:
    config = dataclasses.replace(PRETRAINED, task=task)
    start = time.perf_counter()
    pair = train_pair(config)
    tensors = {f"lstm.{k}": v.contiguous() for k, v in pair.lstm.state_dict().items()}
    tensors |= {
        f"transformer.{k}": v.contiguous() for k, v in pair.transformer.state_dict().items()
    }
    weights_path, meta_path = _paths(task)
    save_file(tensors, str(weights_path), metadata={"name": f"{NAME}-{task}"})
    weights_path.chmod(0o644)
    meta = {
        "name": f"{NAME}-{task}",
        "config": dataclasses.asdict(config),
        "lstm_accuracy": round(pair.lstm_accuracy, 4),
        "transformer_accuracy": round(pair.transformer_accuracy, 4),
        "command": "python -m seqviz.bridge",
        "torch_version": torch.__version__,
        "training_seconds": round(time.perf_counter() - start, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    torch.set_num_threads(1)
    for task in TASKS:
        meta = build(task)
        print(
            f"{task}: LSTM {meta['lstm_accuracy']:.3f}, Transformer "
            f"{meta['transformer_accuracy']:.3f}, {meta['training_seconds']}s",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
