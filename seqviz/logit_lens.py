"""The logit lens: what the model would predict if it stopped after each layer.

The residual stream after layer l (l = 0: the embedding + position, before any block)
is read by the model's own output layer — the final LayerNorm LN_f (pre-LN models; a
post-LN model has none, its stream is already normalised) and the unembedding
W_out, b_out — exactly as the real output reads the last layer::

    P^l(x_{t+1} | x_1..x_t) = softmax(W_out LN_f(x^l_t) + b_out)

so the last layer's lens *is* the model's prediction. Nothing is trained for the lens.

Dimension letters: ``T`` time, ``V`` vocabulary, ``L`` blocks (L + 1 readings:
the embedding and each block's output). Positions and layers are 0-based here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz.transformer import TinyTransformer, TransformerTrace


@dataclass(frozen=True)
class Lens:
    """The lens at every layer and position."""

    streams: Tensor  # (L + 1, T, E) x^0 (embedding + position), then each block's output
    logits: Tensor  # (L + 1, T, V) W_out LN_f(x^l) + b_out
    probs: Tensor  # (L + 1, T, V) softmax of the logits


@torch.no_grad()
def lens(model: TinyTransformer, tr: TransformerTrace) -> Lens:
    """The logit lens over ``tr`` (a trace of ``model``)."""
    streams = torch.stack([tr.x0] + [b.after_ff for b in tr.blocks])  # (L + 1, T, E)
    # logits^l = W_out LN_f(x^l) + b_out   (LN_f is the identity in a post-LN model)
    logits = model.head(model.norm_f(streams))
    return Lens(streams, logits, torch.softmax(logits, dim=-1))


def next_probability(ln: Lens, ids: Tensor) -> Tensor:
    """(L + 1, T − 1): at each layer, the probability of the character that really
    follows position t (``ids[t + 1]``), for t = 0 .. T − 2."""
    nxt = ids[1:]  # (T − 1,)
    return ln.probs[:, :-1, :].gather(-1, nxt[None, :, None].expand(ln.probs.shape[0], -1, 1))[
        ..., 0
    ]


def top_k(ln: Lens, t: int, k: int = 5) -> tuple[Tensor, Tensor]:
    """(values (L + 1, k), indices (L + 1, k)): the k most probable next tokens per layer."""
    return torch.topk(ln.probs[:, t, :], k, dim=-1)


__all__ = ["Lens", "lens", "next_probability", "top_k"]
