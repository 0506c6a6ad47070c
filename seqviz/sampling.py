"""Choosing the next token from a language model's scores: temperature, top-k, greedy.

Every generating model in seqviz (the recurrent character LM and the Transformer)
turns its logits o (V,) into the next token with these two functions:

    p = softmax(o / τ)                          temperature τ > 0
    p restricted to the k largest o, renormalised   (top-k; k = 0 keeps all)
    τ = 0: all the mass on argmax o (greedy)

Logits of -inf (e.g. a masked ``<unk>``) get probability 0.

Dimension letters: ``V`` vocabulary.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def distribution(logits: Tensor, temperature: float = 1.0, top_k: int = 0) -> Tensor:
    """The distribution the next token is drawn from, given logits (..., V).

    softmax(logits / τ) over the ``top_k`` largest logits (0: all), renormalised;
    τ <= 0 puts all the mass on the argmax (greedy).
    """
    if temperature <= 0:
        return F.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    # z = o / τ
    z = logits / temperature
    if 0 < top_k < logits.shape[-1]:
        kth = z.topk(top_k).values[..., -1:]  # the k-th largest score
        z = z.masked_fill(z < kth, float("-inf"))
    # p = softmax(z)
    return torch.softmax(z, dim=-1)


def pick(
    logits: Tensor,
    temperature: float = 1.0,
    top_k: int = 0,
    generator: torch.Generator | None = None,
) -> int:
    """One next-token index from logits (V,): the argmax if τ <= 0, else a draw."""
    if temperature <= 0:
        return int(logits.argmax())
    p = distribution(logits, temperature, top_k)
    return int(torch.multinomial(p, 1, generator=generator))
