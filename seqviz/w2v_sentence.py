"""A tiny skip-gram network for one sentence, trained full-batch: the lab's "network with
its numbers".

Dimension letters: ``V`` distinct words of the sentence, ``E`` embedding size, ``P``
pairs of the sentence.

The network starts from random weights (``SkipGram(init="random")``) so that even the
untrained scores differ; a few full-batch gradient steps on the sentence's own pairs
then show the softmax piling its probability on the true context words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from seqviz import training
from seqviz.w2v_training import (
    Workspace,
    alias_draw,
    alias_table,
    negative_sgd_step,
    softmax_sgd_step,
)
from seqviz.word2vec import SkipGram, noise_distribution

__all__ = ["fit_pairs", "SentenceNetwork", "sentence_network"]


def fit_pairs(
    model: SkipGram,
    centers: Tensor,
    contexts: Tensor,
    objective: str = "softmax",
    steps: int = 100,
    lr: float = 0.1,
    noise: Tensor | None = None,
    num_negatives: int = 5,
    seed: int = 0,
) -> list[float]:
    """Full-batch gradient descent on the *mean* loss of a few pairs (one sentence).

    Every step uses all P pairs at once (fresh negatives each step for negative
    sampling), with learning rate ``lr / P`` on the summed gradient. Updates
    ``model`` in place; returns the mean loss per pair before each step.
    """
    W, W_out = model.W.data, model.W_out.data
    if len(centers) == 0 or steps == 0:
        return []
    rng = np.random.default_rng(seed)
    alias = alias_table(noise) if objective == "negative" else None
    workspace = Workspace()
    P = len(centers)
    step_lr = lr / P  # the mean loss's gradient is the summed one / P

    def step() -> training.Step:
        if objective == "softmax":
            loss = softmax_sgd_step(W, W_out, centers, contexts, step_lr)
        else:
            negatives = alias_draw(*alias, (P, num_negatives), rng)  # (P, K)
            loss = negative_sgd_step(W, W_out, centers, contexts, negatives, step_lr, workspace)
        return training.Step(loss / P, tokens=P, lr=step_lr)

    history = training.History()
    training.run(step, history, total=steps)
    return history.losses


@dataclass(frozen=True)
class SentenceNetwork:
    """A tiny skip-gram network over the distinct words of one sentence."""

    words: tuple[str, ...]  # (V,) distinct words in order of first appearance
    model: SkipGram  # W (V, E), W_out (V, E)
    noise: Tensor  # (V,) unigram^0.75 of the sentence's own counts
    losses: tuple[float, ...]  # mean loss per pair before each training step


def sentence_network(
    tokens: Sequence[str],
    positions: Sequence[tuple[int, int]],
    embedding_size: int = 4,
    objective: str = "softmax",
    steps: int = 0,
    lr: float = 1.0,
    num_negatives: int = 3,
    seed: int = 0,
) -> SentenceNetwork:
    """A randomly initialised network for ``tokens``, trained ``steps`` full-batch steps
    on the (j, i) ``positions`` of its pairs (0 steps: untrained).
    """
    words = tuple(dict.fromkeys(tokens))
    index = {w: n for n, w in enumerate(words)}
    ids = torch.tensor([index[t] for t in tokens], dtype=torch.long)
    model = SkipGram(len(words), embedding_size, seed=seed, init="random").requires_grad_(False)
    noise = noise_distribution(torch.bincount(ids, minlength=len(words)))
    j = torch.tensor([p[0] for p in positions], dtype=torch.long)
    i = torch.tensor([p[1] for p in positions], dtype=torch.long)
    losses = fit_pairs(model, ids[j], ids[i], objective, steps, lr, noise, num_negatives, seed)
    return SentenceNetwork(words, model, noise, tuple(losses))
