"""Training the encoder–decoder, and measuring it by source length.

:func:`fit` is the one training entry point (the page's live training and the
checkpoints both use it). It takes a frozen config and the dict a previous call
returned, trains on :class:`seqviz.training.Trainer` for at most ``max_seconds``,
and returns a picklable dict (state dicts, lists of numbers, the generator state),
so a run can stop and continue where it stopped. Loss: the mean cross-entropy of
the target tokens,

    L = -(1/N) Σ_{b,t} log p(y_{b,t} | y_{b,<t}, x_b),

with **teacher forcing** (the decoder reads the true previous token) when
``forcing`` = 1, or reading its own greedy guess with probability 1 - ``forcing``
at each step (free running at 0); gradients clipped to norm θ; Adam.

Measurements: translation — corpus BLEU of greedy outputs on the held-out pairs
(:mod:`seqviz.bleu`); copy — token accuracy, the share of target positions j where
the output's j-th token is the target's.

Dimension letters: ``B`` batch, ``S`` source length, ``T`` target length.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import torch

from seqviz import bleu, training
from seqviz import translation_data as data
from seqviz.seq2seq import ATTENTIONS, NAMES, ModelConfig, Seq2Seq, greedy_batch, loss

EVAL_SENTENCES = 300  # held-out pairs measured during training (all of them at the end)
EVAL_EVERY = 250  # steps between held-out measurements


@dataclass(frozen=True)
class FitConfig:
    """The task, the model and the training (defaults: the checkpoints')."""

    task: str = "fra-eng"  # "fra-eng" | "copy"
    attention: str = "additive"  # "none" | "additive" | "dot"
    embedding_size: int = 32  # E
    hidden_size: int = 64  # H
    batch_size: int = 64  # B
    steps: int = 2000  # optimiser steps planned
    lr: float = 5e-3  # Adam learning rate
    clip: float = 1.0  # θ, max global gradient norm
    forcing: float = 1.0  # probability of reading the true previous token (1: teacher forcing)
    seed: int = 0  # initialisation and minibatches

    def __post_init__(self) -> None:
        if self.task not in data.TASKS:
            raise ValueError(f"task must be one of {data.TASKS}, not {self.task!r}")
        if not 0.0 <= self.forcing <= 1.0:
            raise ValueError(f"forcing must be in [0, 1], not {self.forcing}")
        self.model_config()  # checks the attention

    def model_config(self) -> ModelConfig:
        return ModelConfig(self.attention, self.embedding_size, self.hidden_size)


@dataclass(frozen=True)
class Translator:
    """A model with the vocabularies of its task."""

    model: Seq2Seq
    pairs: data.Pairs

    @property
    def bos(self) -> int:
        return self.pairs.tgt_vocab[data.BOS]

    @property
    def eos(self) -> int:
        return self.pairs.tgt_vocab[data.EOS]

    def source_ids(self, tokens) -> list[int]:
        """Source tokens -> ids ending in <eos>."""
        return self.pairs.src_vocab[list(tokens)] + [self.pairs.src_vocab[data.EOS]]

    def translate(self, sources, max_len: int = 20) -> list[tuple[str, ...]]:
        """Greedy outputs (tokens, no <eos>) for a list of token sequences."""
        out = []
        for i in range(0, len(sources), 256):
            X, X_len = data.encode(sources[i : i + 256], self.pairs.src_vocab)
            ids = greedy_batch(self.model, X, X_len, self.bos, self.eos, max_len)
            out += [tuple(self.pairs.tgt_vocab.to_tokens(row)) for row in ids]
        return out


def untrained(config: FitConfig, seed: int | None = None) -> Translator:
    """The model of ``config``, freshly initialised (eval mode)."""
    pairs = data.load(config.task)
    model = Seq2Seq(
        config.model_config(),
        len(pairs.src_vocab),
        len(pairs.tgt_vocab),
        config.seed if seed is None else seed,
    )
    return Translator(model.eval(), pairs)


def token_accuracy(outputs, targets) -> float:
    """Share of target positions j whose output token j is right (a short output misses the rest)."""
    right = sum(
        sum(1 for j, tok in enumerate(t) if j < len(o) and o[j] == tok)
        for o, t in zip(outputs, targets, strict=True)
    )
    return right / max(1, sum(len(t) for t in targets))


def score(translator: Translator, pairs, max_n: int = 4) -> float:
    """The task's held-out measure on ``pairs``: BLEU (fra-eng) or token accuracy (copy)."""
    outputs = translator.translate([s for s, _ in pairs])
    targets = [t for _, t in pairs]
    if translator.pairs.task == "copy":
        return token_accuracy(outputs, targets)
    return bleu.corpus_bleu(outputs, targets, max_n).score


def by_length(translator: Translator, max_n: int = 2) -> dict[int, float]:
    """Source length (tokens, without <eos>) -> the held-out measure over those pairs.

    Translation uses BLEU up to ``max_n``-grams (short sentences have few 4-grams).
    """
    groups = defaultdict(list)
    for pair in translator.pairs.heldout:
        groups[len(pair[0])].append(pair)
    return {n: score(translator, groups[n], max_n) for n in sorted(groups)}


def history_dict(history: training.History) -> dict:
    """A History as the plain dict a fit state carries."""
    return {
        "losses": list(history.losses),
        "eval_steps": list(history.eval_steps),
        "heldout": list(history.heldout),
        "tokens": history.tokens,
        "seconds": history.seconds,
    }


def history_of_dict(saved: dict | None) -> training.History:
    """The History a fit state's dict describes (an empty one for None)."""
    history = training.History()
    if saved:
        history.losses = list(saved["losses"])
        history.steps = list(range(1, len(history.losses) + 1))
        history.eval_steps, history.heldout = list(saved["eval_steps"]), list(saved["heldout"])
        history.tokens, history.seconds = saved["tokens"], saved["seconds"]
    return history


def fit(
    config: FitConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: Callable[[], bool] | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """Train ``config``'s model for at most ``max_seconds``, continuing ``state``.

    Args:
        config: the task, model and training.
        state: what a previous call returned (None: start from the initialisation).
        max_seconds: training time of this call.
        stop: checked before every step; true ends the call.
        callback: told after every step (True ends the call).

    Returns:
        ``{"model", "optimizer"}`` state dicts, ``"rng"`` the minibatch generator's state,
        ``"history"`` (losses, held-out measurements), ``"step"``, ``"outcome"`` and
        ``"done"`` (the planned steps are taken).
    """
    translator = untrained(config)
    model, pairs = translator.model, translator.pairs
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    forcing_gen = torch.Generator().manual_seed(config.seed + 1)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["rng"])
        forcing_gen.set_state(state["forcing_rng"])
    pad, bos = pairs.tgt_vocab[data.PAD], translator.bos
    heldout = pairs.heldout[:EVAL_SENTENCES] if pairs.task == "fra-eng" else pairs.heldout[::4]

    def batches():
        while True:
            yield data.train_batch(pairs, config.batch_size, generator)

    def loss_fn(m, batch):
        X, X_len, Y = batch
        return loss(m(X, X_len, Y, bos, config.forcing, forcing_gen), Y, pad)

    trainer = training.Trainer(
        model,
        loss_fn,
        batches(),
        optimizer,
        clip=config.clip,
        evaluate=lambda m: score(translator, heldout),
        total=config.steps,
        tokens=lambda batch: int((batch[2] != pad).sum()),
        label=config.attention,
    )
    trainer.history = history_of_dict(state["history"] if state else None)
    trainer.steps_taken = trainer.history.step
    outcome = trainer.run(
        max_seconds=max_seconds, stop=stop, callback=callback, eval_every=EVAL_EVERY
    )
    return {
        "model": copy.deepcopy(model.state_dict()),
        "optimizer": copy.deepcopy(optimizer.state_dict()),
        "rng": generator.get_state(),
        "forcing_rng": forcing_gen.get_state(),
        "history": history_dict(trainer.history),
        "step": trainer.history.step,
        "outcome": outcome,
        "done": trainer.done,
    }


def trained(config: FitConfig, state: dict) -> Translator:
    """The model a :func:`fit` state holds (eval mode, gradients off)."""
    translator = untrained(config)
    translator.model.load_state_dict(state["model"])
    translator.model.requires_grad_(False)
    return translator


# --- checkpoints ------------------------------------------------------------------------


def baseline_outputs(pairs: data.Pairs) -> tuple[str, tuple[str, ...]]:
    """The trivial baseline: one constant answer for every source, and what it is.

    Translation: the most frequent target sentence of the training set. Copy: the first
    16 letters in alphabetical order.
    """
    if pairs.task == "copy":
        return "the letters a, b, c, … in order, whatever the source", tuple(data.LETTERS[:16])
    counts: dict = defaultdict(int)
    for _, t in pairs.train:
        counts[t] += 1
    best = max(counts, key=lambda t: (counts[t], t))
    return f"the most frequent training target “{' '.join(best)}”", best


def metrics(translator: Translator, history: training.History | None = None) -> dict:
    """Held-out measure, the trivial baseline and the margin, and the measure by length."""
    pairs = translator.pairs
    name = "token_accuracy" if pairs.task == "copy" else "bleu"
    heldout = score(translator, pairs.heldout)
    what, constant = baseline_outputs(pairs)
    targets = [t for _, t in pairs.heldout]
    if pairs.task == "copy":
        base = token_accuracy([constant] * len(targets), targets)
    else:
        base = bleu.corpus_bleu([constant] * len(targets), targets).score
    out = {
        "measure": name,
        "heldout": round(heldout, 4),
        "baseline": round(base, 4),
        "baseline_is": what,
        "margin": round(heldout - base, 4),
        "heldout_pairs": len(pairs.heldout),
        "by_source_length": {str(n): round(v, 4) for n, v in by_length(translator).items()},
    }
    if history is not None:
        out["heldout_curve"] = {
            "steps": list(history.eval_steps),
            "values": [round(v, 4) for v in history.heldout],
        }
    return out


def build(config: FitConfig, callback: training.Callback | None = None):
    """Train a checkpoint: (translator, metrics, seconds)."""
    state = fit(config, None, max_seconds=float("inf"), callback=callback)
    translator = trained(config, state)
    history = history_of_dict(state["history"])
    return translator, metrics(translator, history), history.seconds


TASK_NAMES = {"fra-eng": "fra", "copy": "copy"}
CHECKPOINT_STEPS = {"fra-eng": 2000, "copy": 800}


def checkpoint_name(task: str, attention: str) -> str:
    """``s2s-<fra|copy>-<none|additive|dot>``."""
    return f"s2s-{TASK_NAMES[task]}-{attention}"


def checkpoint_config(task: str, attention: str) -> FitConfig:
    return FitConfig(task=task, attention=attention, steps=CHECKPOINT_STEPS[task])


def checkpoints(make_checkpoint, family) -> list:
    """The six registry entries (both tasks × three models), built by ``make_checkpoint``."""
    what = {"fra-eng": "English → French (Tatoeba)", "copy": "copy letters (synthetic)"}
    return [
        make_checkpoint(
            checkpoint_name(task, attention),
            f"GRU encoder–decoder, {NAMES[attention]}: {what[task]}",
            checkpoint_config(task, attention),
            family,
        )
        for task in data.TASKS
        for attention in ATTENTIONS
    ]
