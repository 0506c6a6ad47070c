"""Multi-head self-attention step by step: every head's Q, K, V and weights, the
concatenation and the output projection.

``n_heads`` heads read the same X (T, D), each through its own projections of size
d_h = D / n_heads, attend on their own, and their outputs are put side by side and
projected back to D:

    Q^h = X W_q^h,  K^h = X W_k^h,  V^h = X W_v^h          (T, d_h) each, h = 1..n_heads
    head^h = softmax(mask(Q^h K^h^T / sqrt(d_h))) V^h      (T, d_h)
    concat = [head^1, head^2, ..., head^n_heads]           (T, n_heads d_h) = (T, D)
    out = concat W_o (+ b_o)                               (T, D)

This is what ``torch.nn.MultiheadAttention`` computes (the tests build one with the same
weights and compare). Two sources of weights: :func:`random_heads` (drawn from a seed,
not learned, like :mod:`seqviz.self_attention`) run by :func:`self_attention_heads`, and
any ``nn.MultiheadAttention`` (e.g. the trained Transformer's first layer) read by
:func:`from_module`.

Dimension letters: ``T`` tokens, ``D`` model size, ``nh`` heads, ``d_h`` head size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqviz import attention

HEAD_CHOICES = (2, 4)  # heads the lab offers (D = 16 splits evenly)


@dataclass(frozen=True)
class HeadWeights:
    """Random embeddings and per-head projections (not learned)."""

    E: Tensor  # (V, D) word embeddings ~ N(0, 1)
    W_q: Tensor  # (nh, D, d_h) ~ N(0, 1/D)
    W_k: Tensor  # (nh, D, d_h)
    W_v: Tensor  # (nh, D, d_h)
    W_o: Tensor  # (nh d_h, D) ~ N(0, 1/D)


def random_heads(vocab_size: int, D: int, n_heads: int, seed: int) -> HeadWeights:
    """Draw every weight from one generator seeded with ``seed``; E is drawn first, so it
    equals :func:`seqviz.self_attention.random_weights`'s E for the same seed and size."""
    if n_heads < 1 or D % n_heads:
        raise ValueError(f"D = {D} must split evenly into n_heads = {n_heads} heads")
    d_h = D // n_heads
    gen = torch.Generator().manual_seed(seed)
    E = torch.randn(vocab_size, D, generator=gen)
    # W ~ N(0, 1/D): each entry of x W has variance about 1 when x has unit entries
    W_q, W_k, W_v = (torch.randn(n_heads, D, d_h, generator=gen) / D**0.5 for _ in range(3))
    W_o = torch.randn(n_heads * d_h, D, generator=gen) / D**0.5
    return HeadWeights(E, W_q, W_k, W_v, W_o)


@dataclass(frozen=True)
class Heads:
    """Every value of one multi-head self-attention pass."""

    X: Tensor  # (T, D) what every head reads
    Q: Tensor  # (nh, T, d_h) per head
    K: Tensor  # (nh, T, d_h)
    V: Tensor  # (nh, T, d_h)
    mask: Tensor | None  # (T, T) True where allowed, or None
    steps: attention.Steps  # per head: scores ... weights (nh, T, T), out (nh, T, d_h)
    concat: Tensor  # (T, nh d_h) the heads' outputs side by side
    W_o: Tensor  # (nh d_h, D) the output projection, as concat @ W_o
    b_o: Tensor | None  # (D,) its bias, or None
    out: Tensor  # (T, D) concat W_o + b_o

    @property
    def n_heads(self) -> int:
        return self.Q.shape[0]


def _concat_and_project(
    X, Q, K, V, mask, W_o: Tensor, b_o: Tensor | None, scale: bool = True
) -> Heads:
    # head^h = softmax(mask(Q^h K^h^T / sqrt(d_h))) V^h, every head at once
    steps = attention.steps(Q, K, V, mask, scale=scale)  # weights (nh, T, T), out (nh, T, d_h)
    T = X.shape[0]
    # concat = [head^1, ..., head^nh]: head h fills columns h d_h .. (h + 1) d_h - 1
    concat = steps.out.transpose(0, 1).reshape(T, -1)  # (T, nh d_h)
    # out = concat W_o + b_o
    out = concat @ W_o + (b_o if b_o is not None else 0.0)  # (T, D)
    return Heads(X, Q, K, V, mask, steps, concat, W_o, b_o, out)


def self_attention_heads(
    X: Tensor, weights: HeadWeights, *, causal: bool = False, scale: bool = True
) -> Heads:
    """Multi-head self-attention over X (T, D) with the random ``weights`` (no biases)."""
    # Q^h = X W_q^h (and K^h, V^h), every head at once
    Q = X @ weights.W_q  # (nh, T, d_h)
    K = X @ weights.W_k
    V = X @ weights.W_v
    mask = attention.causal_mask(X.shape[0]) if causal else None
    return _concat_and_project(X, Q, K, V, mask, weights.W_o, None, scale)


def to_module(weights: HeadWeights) -> nn.MultiheadAttention:
    """The same weights in a ``torch.nn.MultiheadAttention`` (batch_first, no biases).

    PyTorch stores W_q^T of all heads stacked (``in_proj_weight``: (3D, D), head h in rows
    h d_h .. (h + 1) d_h - 1) and computes ``x W^T``; :class:`HeadWeights` keeps ``x W``.
    """
    nh, D, d_h = weights.W_q.shape
    module = nn.MultiheadAttention(D, nh, bias=False, batch_first=True)
    with torch.no_grad():
        stacked = [
            W.permute(0, 2, 1).reshape(nh * d_h, D) for W in (weights.W_q, weights.W_k, weights.W_v)
        ]
        module.in_proj_weight.copy_(torch.cat(stacked))
        module.out_proj.weight.copy_(weights.W_o.T)
    return module.eval()


def from_module(module: nn.MultiheadAttention, X: Tensor, *, causal: bool) -> Heads:
    """Every head of ``module`` (a self-attention layer, e.g. a trained Transformer's)
    reading X (T, D), with its own biases: Q^h = X W_q^h + b_q^h."""
    T, D = X.shape
    nh, d_h = module.num_heads, module.head_dim
    W_q, W_k, W_v = module.in_proj_weight.split(D)  # (D, D) each, x W^T
    biases = module.in_proj_bias.split(D) if module.in_proj_bias is not None else (None,) * 3
    per_head = []
    for W, b in zip((W_q, W_k, W_v), biases, strict=True):
        # Q = X W_q^T + b_q, then split the D columns into nh heads of d_h
        Y = nn.functional.linear(X, W, b)  # (T, D)
        per_head.append(Y.view(T, nh, d_h).transpose(0, 1))  # (nh, T, d_h)
    mask = attention.causal_mask(T) if causal else None
    b_o = module.out_proj.bias
    return _concat_and_project(X, *per_head, mask, module.out_proj.weight.T, b_o)
