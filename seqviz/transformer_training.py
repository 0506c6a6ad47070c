"""Training the tiny Transformer as a character-level language model.

The recipe (the ``transformer`` checkpoint's, and the Transformer lab's live
training): AdamW with weight decay on the weight matrices only, a linear warm-up
then a cosine decay of the learning rate, gradient clipping, on random windows of
the first 90% of the text; held-out perplexity on the last 10%. It runs on
:class:`seqviz.training.Trainer`.

Dimension letters: ``T`` time, ``B`` batch, ``V`` vocabulary, ``E`` model size (d_model).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from seqviz import resume, training
from seqviz.batching import random_windows
from seqviz.lm import perplexity
from seqviz.text import Vocab, heldout_split, load_time_machine, tokenize
from seqviz.transformer import TinyTransformer, TransformerConfig
from seqviz.transformer_lm import CharLM


@dataclass(frozen=True)
class TrainConfig:
    """How to train a character-level :class:`TinyTransformer` (the defaults: the checkpoint's)."""

    d_model: int = 64  # E
    n_heads: int = 4  # nh
    num_layers: int = 2  # blocks
    d_ff: int = 256  # F, feed-forward hidden size
    context: int = 128  # longest input the model can read
    positions: str = "sinusoidal"  # "sinusoidal" | "learned" | "none"
    norm: str = "pre"  # "pre" | "post"
    num_steps: int = 128  # T of one training window (<= context; later positions never train)
    batch_size: int = 16  # B
    lr: float = 3e-3  # peak AdamW learning rate
    warmup: int = 100  # steps of linear warm-up, then cosine decay to lr / 10
    steps: int = 3000  # optimiser steps
    weight_decay: float = 0.1  # decoupled (AdamW), on matrices only
    clip: float = 1.0  # θ, max global gradient norm
    seed: int = 0  # initialisation and window sampling

    def model_config(self, vocab_size: int) -> TransformerConfig:
        return TransformerConfig(
            vocab_size=vocab_size,
            d_model=self.d_model,
            n_heads=self.n_heads,
            num_layers=self.num_layers,
            d_ff=self.d_ff,
            context=self.context,
            positions=self.positions,
            norm=self.norm,
            seed=self.seed,
        )


def untrained(config: TrainConfig, vocab: Vocab) -> CharLM:
    """A freshly initialised model (from ``config.seed``), eval mode, gradients off."""
    model = TinyTransformer(config.model_config(len(vocab))).eval().requires_grad_(False)
    return CharLM(model, vocab, config)


def trainer(
    config: TrainConfig, text: str, generator: torch.Generator | None = None
) -> tuple[CharLM, training.Trainer]:
    """A resumable training run: the model and its :class:`~seqviz.training.Trainer`.

    AdamW on random windows of the first 90% of ``text``, cosine learning rate with
    warm-up, held-out perplexity on the last 10%. Reproducible: the initialisation and
    the windows come from generators seeded with ``config.seed``. Run it in pieces
    (``trainer.run(max_seconds=...)``) to draw progress or stop between them; the model
    is left in eval mode after each piece. ``generator`` draws the windows (default: a new
    one seeded with ``config.seed + 1``; pass one to save and restore its state).
    """
    vocab = Vocab(tokenize(text, "char"))
    lm = untrained(config, vocab)
    model = lm.model.requires_grad_(True)
    train_text, heldout_text = heldout_split(text)
    train_ids = lm.encode(train_text).ids
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [
            {"params": matrices, "weight_decay": config.weight_decay},
            {"params": others, "weight_decay": 0.0},
        ],
        lr=config.lr,
    )
    if generator is None:
        generator = torch.Generator().manual_seed(config.seed + 1)
    run = training.Trainer(
        model,
        lambda _model, windows: lm.loss(windows),  # windows (B, T + 1)
        random_windows(train_ids, config.num_steps + 1, config.batch_size, generator),
        optimizer,
        clip=config.clip,
        schedule=training.cosine_schedule(config.lr, config.steps, config.warmup),
        evaluate=lambda _model: perplexity(lm, heldout_text),
        total=config.steps,
        tokens=lambda _windows: config.batch_size * config.num_steps,
        label="transformer",
    )
    return lm, run


def train(
    config: TrainConfig,
    text: str,
    callback: training.Callback | None = None,
    eval_every: int = 0,
) -> tuple[CharLM, training.History]:
    """Train all ``config.steps`` at once (see :func:`trainer`).

    ``callback(progress)`` runs after every step (True stops); held-out perplexity
    every ``eval_every`` steps and at the end.

    Returns:
        The model (eval mode, gradients off) and its :class:`~seqviz.training.History`.
    """
    lm, run = trainer(config, text)
    run.run(callback=callback, eval_every=eval_every)
    lm.model.requires_grad_(False)
    return lm, run.history


def fit(
    config: TrainConfig,
    state: dict | None,
    *,
    max_seconds: float,
    stop: training.StopWhen | None = None,
    callback: training.Callback | None = None,
) -> dict:
    """The Transformer lab's live training on The Time Machine, resumable in pieces.

    Continues ``state`` (what the last call returned; None: a new model from
    ``config.seed``) for at most ``max_seconds`` of training, up to ``config.steps`` in
    all. Held-out perplexity every ``config.steps // 4`` steps, at the end, and where the
    call stops. Pieces end with the weights of one uninterrupted run (one thread).

    Returns:
        The run as data (:func:`seqviz.resume.trainer_state` plus ``"step"`` and
        ``"done"``).
    """
    generator = torch.Generator().manual_seed(config.seed + 1)
    lm, run = trainer(config, load_time_machine(), generator)
    if state is not None:
        resume.load_trainer_state(run, state, generator)
    h = run.history
    run.run(
        max_seconds=max_seconds, callback=callback, stop=stop, eval_every=max(1, config.steps // 4)
    )
    if h.step and (not h.eval_steps or h.eval_steps[-1] != h.step):
        run.evaluate()  # held-out perplexity where this piece stopped
    return resume.trainer_state(run, generator) | {"step": h.step, "done": run.done}


def model_of(config: TrainConfig, state: dict) -> CharLM:
    """The model a :func:`fit` state holds (eval mode, gradients off)."""
    lm = untrained(config, Vocab(tokenize(load_time_machine(), "char")))
    lm.model.load_state_dict(state["model"])
    return lm
