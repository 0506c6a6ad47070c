"""Attention from scratch: scaled dot product, multi-head, sinusoidal positions.

Scaled dot-product attention (Vaswani et al. 2017) for queries Q, keys K and
values V:

    scores  = Q K^T                       how well each query matches each key
    scaled  = scores / sqrt(d_k)          keeps the logits' spread independent of d_k
    masked  = scaled, -inf where a key is not allowed (e.g. the future)
    weights = softmax(masked) over keys   each row sums to 1
    out     = weights V                   a weighted average of the values

Multi-head attention runs ``nh`` of these side by side on learned projections
of the input and concatenates the head outputs before a last projection W_o.
:func:`multi_head` recomputes ``torch.nn.MultiheadAttention`` from the module's
own weights and returns every head's weights (PyTorch averages them by default).

Dimension letters: ``B`` batch, ``T_q`` queries, ``T_k`` keys, ``E`` embedding
(model) size, ``nh`` heads, ``dh`` head size (E / nh), ``d_k`` key size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class Steps:
    """Every intermediate value of one scaled dot-product attention."""

    scores: Tensor  # (..., T_q, T_k) Q K^T
    scaled: Tensor  # (..., T_q, T_k) Q K^T / sqrt(d_k) (== scores if scaling is off)
    masked: Tensor  # (..., T_q, T_k) scaled, -inf where attention is not allowed
    weights: Tensor  # (..., T_q, T_k) softmax over keys; rows sum to 1 (0 if no key allowed)
    out: Tensor  # (..., T_q, d_v) weights V
    scale: float  # the divisor: sqrt(d_k), or 1 without scaling

    @property
    def entropy(self) -> Tensor:
        """(..., T_q) entropy of each row of weights in nats: log(T_k) uniform, 0 one-hot."""
        return row_entropy(self.weights)


def row_entropy(weights: Tensor) -> Tensor:
    """H(p) = -sum_j p_j log p_j over the last dimension (0 log 0 = 0), in nats."""
    # -sum p log p, with the 0 entries contributing 0
    logp = torch.where(weights > 0, weights.log(), torch.zeros_like(weights))
    return -(weights * logp).sum(-1)


def _softmax_rows(masked: Tensor) -> Tensor:
    """softmax over the last dimension; a row with no finite entry becomes all zeros."""
    allowed_any = torch.isfinite(masked).any(-1, keepdim=True)
    safe = torch.where(allowed_any, masked, torch.zeros_like(masked))
    # softmax(z)_j = exp(z_j - max z) / sum_l exp(z_l - max z)
    weights = torch.softmax(safe, dim=-1)
    return torch.where(allowed_any, weights, torch.zeros_like(weights))


def steps(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None, scale: bool = True) -> Steps:
    """Scaled dot-product attention with every intermediate value kept.

    Args:
        q: (..., T_q, d_k) queries.
        k: (..., T_k, d_k) keys.
        v: (..., T_k, d_v) values.
        mask: optional boolean (..., T_q, T_k) (broadcastable), True where query i
            may attend to key j.
        scale: divide by sqrt(d_k) (the Transformer's choice); False shows what
            happens without it.

    Returns:
        A :class:`Steps`. A query with no allowed key gets zero weights and a zero output.
    """
    d_k = q.shape[-1]
    # scores_ij = q_i · k_j
    scores = q @ k.transpose(-2, -1)  # (..., T_q, T_k)
    divisor = math.sqrt(d_k) if scale else 1.0
    # scaled_ij = q_i · k_j / sqrt(d_k)
    scaled = scores / divisor
    if mask is not None:
        mask = mask.to(torch.bool)
        masked = scaled.masked_fill(~mask, float("-inf"))
    else:
        masked = scaled
    # alpha_ij = exp(s_ij) / sum_l exp(s_il)
    weights = _softmax_rows(masked)
    # out_i = sum_j alpha_ij v_j
    out = weights @ v  # (..., T_q, d_v)
    return Steps(scores, scaled, masked, weights, out, divisor)


def scaled_dot_product(
    q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """softmax(Q K^T / sqrt(d_k), masked) V.

    Args:
        q: (..., T_q, d_k); k: (..., T_k, d_k); v: (..., T_k, d_v).
        mask: optional boolean, broadcastable to (..., T_q, T_k), True where
            attention is allowed (the opposite of ``nn.MultiheadAttention``'s
            ``attn_mask``, the same as ``F.scaled_dot_product_attention``'s).

    Returns:
        ``(out, weights)``: (..., T_q, d_v) and (..., T_q, T_k); each row of
        weights sums to 1 over keys (a row with no allowed key is all zeros).
    """
    s = steps(q, k, v, mask)
    return s.out, s.weights


def causal_mask(T: int, device=None) -> Tensor:
    """(T, T) boolean, True on and below the diagonal: position i may see j <= i."""
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def sinusoidal_positions(n_positions: int, dim: int) -> Tensor:
    """The Transformer's fixed positional encodings.

    PE(pos, 2i) = sin(pos / 10000^(2i/dim)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/dim)).

    Returns:
        (n_positions, dim) float32. For an odd ``dim`` the last column is a sine.
    """
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (n, 1)
    two_i = torch.arange(0, dim, 2, dtype=torch.float64)[None, :]  # (1, ceil(dim/2))
    # angle = pos / 10000^(2i/dim)
    angle = pos / torch.pow(10000.0, two_i / dim)  # (n, ceil(dim/2))
    pe = torch.zeros(n_positions, dim, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : dim // 2])
    return pe.to(torch.float32)


# --- multi-head attention, recomputed from nn.MultiheadAttention -----------------------


@dataclass(frozen=True)
class HeadsTrace:
    """Every intermediate value of one ``nn.MultiheadAttention`` call, per head.

    Always batched here (B >= 1); :func:`multi_head` drops B for unbatched input.
    Keys include the module's bias_k / zero-attention slots if it has them.
    """

    q: Tensor  # (B, nh, T_q, dh) W_q x + b_q, split into heads
    k: Tensor  # (B, nh, T_k, dh)
    v: Tensor  # (B, nh, T_k, dh)
    scores: Tensor  # (B, nh, T_q, T_k) q k^T
    scaled: Tensor  # (B, nh, T_q, T_k) q k^T / sqrt(dh)
    masked: Tensor  # (B, nh, T_q, T_k) scaled + mask (-inf where not allowed)
    weights: Tensor  # (B, nh, T_q, T_k) softmax over keys
    heads: Tensor  # (B, nh, T_q, dh) weights v: each head's output
    concat: Tensor  # (B, T_q, E) the heads side by side
    out: Tensor  # (B, T_q, E) W_o concat + b_o


def _in_projections(module: nn.MultiheadAttention) -> tuple[Tensor, Tensor, Tensor]:
    E = module.embed_dim
    if module._qkv_same_embed_dim:
        W_q, W_k, W_v = module.in_proj_weight.split(E, dim=0)
    else:
        W_q, W_k, W_v = module.q_proj_weight, module.k_proj_weight, module.v_proj_weight
    return W_q, W_k, W_v


def _additive(mask: Tensor | None, dtype: torch.dtype) -> Tensor | None:
    """A mask in nn.MultiheadAttention's convention as something to add to the scores.

    Boolean: True means *not allowed* (-> -inf); float: added as it is.
    """
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype).masked_fill(mask, float("-inf"))
    return mask.to(dtype)


def multi_head_trace(
    module: nn.MultiheadAttention,
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    key_padding_mask: Tensor | None = None,
) -> HeadsTrace:
    """Recompute ``module(query, key, value, ...)`` step by step (batched, B first).

    Args are as for :func:`multi_head` but must be batched (3-D). Dropout is not
    applied (the module's eval-mode result).
    """
    if module.batch_first:
        xq, xk, xv = query, key, value  # (B, T, E)
    else:
        xq, xk, xv = (t.transpose(0, 1) for t in (query, key, value))
    B, T_q, E = xq.shape
    nh, dh = module.num_heads, module.head_dim
    W_q, W_k, W_v = _in_projections(module)
    b_q, b_k, b_v = (
        module.in_proj_bias.split(E) if module.in_proj_bias is not None else (None, None, None)
    )
    # q = x W_q^T + b_q (and the same for k, v)
    q = nn.functional.linear(xq, W_q, b_q)  # (B, T_q, E)
    k = nn.functional.linear(xk, W_k, b_k)  # (B, T_k, E)
    v = nn.functional.linear(xv, W_v, b_v)
    add_mask = _additive(attn_mask, q.dtype)
    pad = _additive(key_padding_mask, q.dtype)
    if module.bias_k is not None:  # one learned extra key / value per sequence
        k = torch.cat([k, module.bias_k.view(1, 1, E).expand(B, 1, E)], dim=1)
        v = torch.cat([v, module.bias_v.view(1, 1, E).expand(B, 1, E)], dim=1)
        add_mask = None if add_mask is None else nn.functional.pad(add_mask, (0, 1))
        pad = None if pad is None else nn.functional.pad(pad, (0, 1))
    q = q.view(B, T_q, nh, dh).transpose(1, 2)  # (B, nh, T_q, dh)
    k = k.view(B, -1, nh, dh).transpose(1, 2)  # (B, nh, T_k, dh)
    v = v.view(B, -1, nh, dh).transpose(1, 2)
    if module.add_zero_attn:  # one extra all-zero key / value
        k = nn.functional.pad(k, (0, 0, 0, 1))
        v = nn.functional.pad(v, (0, 0, 0, 1))
        add_mask = None if add_mask is None else nn.functional.pad(add_mask, (0, 1))
        pad = None if pad is None else nn.functional.pad(pad, (0, 1))
    T_k = k.shape[2]
    # scores = q k^T
    scores = q @ k.transpose(-2, -1)  # (B, nh, T_q, T_k)
    # scaled = q k^T / sqrt(dh)
    scaled = scores / math.sqrt(dh)
    masked = scaled
    if add_mask is not None:  # (T_q, T_k) or (B * nh, T_q, T_k)
        masked = (
            masked + add_mask.reshape(-1, nh, T_q, T_k)
            if add_mask.dim() == 3
            else masked + add_mask
        )
    if pad is not None:  # (B, T_k): the same for every head and query
        masked = masked + pad.view(B, 1, 1, T_k)
    # weights = softmax(masked) over keys
    weights = _softmax_rows(masked)
    # head_i = weights_i v_i
    heads = weights @ v  # (B, nh, T_q, dh)
    concat = heads.transpose(1, 2).reshape(B, T_q, E)  # (B, T_q, nh * dh)
    # out = concat W_o^T + b_o
    out = module.out_proj(concat)  # (B, T_q, E)
    return HeadsTrace(q, k, v, scores, scaled, masked, weights, heads, concat, out)


def multi_head(
    module: nn.MultiheadAttention,
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    key_padding_mask: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``module(query, key, value)`` recomputed from its weights, with per-head weights.

    Args:
        module: a ``torch.nn.MultiheadAttention`` (batch_first or not; separate
            key/value sizes, bias_k/bias_v and add_zero_attn are handled).
        query: (T_q, E) unbatched, or (B, T_q, E) / (T_q, B, E) as the module expects.
        key, value: (T_k, kdim/vdim) or batched like ``query``.
        attn_mask: the module's convention: boolean True = *not* allowed, or float
            added to the scores; (T_q, T_k) or (B * nh, T_q, T_k).
        key_padding_mask: (B, T_k) or (T_k,) unbatched; True (or a float) marks keys to ignore.

    Returns:
        ``(out, weights)``: ``out`` shaped like the module's output; ``weights``
        (nh, T_q, T_k) for unbatched input or (B, nh, T_q, T_k). Dropout is not applied.
    """
    unbatched = query.dim() == 2
    if unbatched:
        dim = 0 if module.batch_first else 1
        query, key, value = (t.unsqueeze(dim) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tr = multi_head_trace(module, query, key, value, attn_mask, key_padding_mask)
    out = tr.out if module.batch_first else tr.out.transpose(0, 1)
    if unbatched:
        return out.squeeze(0 if module.batch_first else 1), tr.weights[0]
    return out, tr.weights
