"""The tiny Transformer as a character-level language model of *The Time Machine*.

A :class:`CharLM` is a :class:`seqviz.transformer.TinyTransformer` with its
character vocabulary: it encodes text, scores it (the loss on windows, the mean
cross-entropy of a whole text, hence :func:`seqviz.lm.perplexity`) and generates
with temperature and top-k (:mod:`seqviz.sampling`), recording the distribution
behind every generated character. Training is in :mod:`seqviz.transformer_training`;
the pretrained model is the ``transformer`` checkpoint of :mod:`seqviz.checkpoints`.

Loaded models are in eval mode with gradients off and are shared by every user
of the app: never modify one; train a new one instead.

Dimension letters: ``T`` time, ``B`` batch, ``V`` vocabulary, ``E`` model size (d_model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor

from seqviz import sampling
from seqviz.charlm import Encoded, encode
from seqviz.text import Vocab
from seqviz.transformer import TinyTransformer

if TYPE_CHECKING:
    from seqviz.transformer_training import TrainConfig


@dataclass(frozen=True)
class CharLM:
    """A :class:`TinyTransformer` with its character vocabulary."""

    model: TinyTransformer
    vocab: Vocab
    config: TrainConfig  # how it is (or was) trained

    def encode(self, text: str) -> Encoded:
        """Lower-cased characters and their ids (T,), unknown ones marked."""
        return encode(text, self.vocab)

    def loss(self, windows: Tensor) -> Tensor:
        """Mean cross-entropy of every character after the first, given the ones before it.

        Args:
            windows: (B, W) ids; row b is read as x_1..x_{W-1} and scored on x_2..x_W.

        Returns:
            L = -(1/(B (W - 1))) Σ log softmax(o_t)[x_{t+1}], a scalar tensor.
        """
        logits = self.model(windows[:, :-1])  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))

    @torch.no_grad()
    def cross_entropy(self, ids: Tensor) -> float:
        """Mean cross-entropy (nats) of next-character prediction over a text of ids (N,).

        The text is cut into consecutive windows of ``context`` + 1 characters; in each
        window every character after the first is predicted from the ones before it
        in that window (so a few predictions near window starts have short contexts).
        """
        W = self.model.config.context + 1
        if len(ids) < 2:
            raise ValueError(f"text too short for a perplexity ({len(ids)} characters)")
        n = max(1, len(ids) // W)
        windows = ids[: n * W].reshape(n, W) if len(ids) >= W else ids[None]
        return self.loss(windows).item()


def summary(lm: CharLM) -> str:
    """The model's size in words, read off the model itself (never a remembered number):
    layers, heads, d_model, d_h, d_ff, positions, layer norm, context and parameters."""
    cfg = lm.model.config
    n_params = sum(p.numel() for p in lm.model.parameters())
    return (
        f"{cfg.num_layers} layers × {cfg.n_heads} heads, d_model = {cfg.d_model}, "
        f"d_h = {cfg.d_model // cfg.n_heads}, d_ff = {cfg.d_ff}, {cfg.positions} positions, "
        f"{cfg.norm}-LN, context {cfg.context} characters, {n_params:,} parameters"
    )


@dataclass(frozen=True)
class Generation:
    """A prompt and what the model wrote after it."""

    prompt_ids: Tensor  # (P,) ids of the prompt as the model read it
    ids: Tensor  # (N,) generated ids
    probs: Tensor  # (N, V) the model's distribution for each generated token
    sampled_from: Tensor  # (N, V) after temperature and top-k (what was sampled)

    @property
    def all_ids(self) -> Tensor:
        """(P + N,) prompt followed by the generated tokens."""
        return torch.cat([self.prompt_ids, self.ids])


@torch.no_grad()
def generate(
    lm: CharLM, prompt: str, n: int, temperature: float = 1.0, top_k: int = 0, seed: int = 0
) -> Generation:
    """Sample ``n`` characters after ``prompt``; never samples ``<unk>``.

    The model sees at most ``context`` characters: with a longer text only the last
    ``context`` are fed (a sliding window). An empty prompt starts from a space.
    """
    gen = torch.Generator().manual_seed(seed)
    prompt_ids = lm.encode(prompt or " ").ids
    ids = prompt_ids.tolist()
    out, probs, sampled = [], [], []
    C = lm.model.config.context
    for _ in range(n):
        logits = lm.model(torch.tensor(ids[-C:]))[-1]  # (V,)
        logits[lm.vocab.unk] = float("-inf")
        next_id = sampling.pick(logits, temperature, top_k, gen)
        ids.append(next_id)
        out.append(next_id)
        probs.append(torch.softmax(logits, dim=-1))
        sampled.append(sampling.distribution(logits, temperature, top_k))
    V = len(lm.vocab)
    return Generation(
        prompt_ids=prompt_ids,
        ids=torch.tensor(out, dtype=torch.long),
        probs=torch.stack(probs) if probs else torch.zeros(0, V),
        sampled_from=torch.stack(sampled) if sampled else torch.zeros(0, V),
    )
