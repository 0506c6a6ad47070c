"""Truncated and randomized backpropagation through time, next to the full gradient.

Full BPTT sends dL/dh_t back through every step. Truncation stops it after k steps
(the state entering step T - k is treated as a constant), which is cheaper and biased
towards short-term dependencies. Randomized truncation (Tallec & Ollivier 2017; d2l
9.7) stops at each step with probability 1 - π and otherwise scales the gradient by
1/π, so its expectation is the full gradient.

Both are written as one scale ξ_t on the gradient that flows from step t back into
step t - 1: 1 for full BPTT, 0 to cut, 1/π to continue a randomized chain.

Dimensions: T time steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqviz.gradients import LossFn, backprop


@dataclass(frozen=True)
class Truncation:
    """The parameter gradient of one loss under full, truncated and randomized BPTT."""

    k: int  # truncation length: the gradient flows back through the last k steps
    keep_prob: float  # π, probability of continuing at each step (randomized truncation)
    xi: Tensor  # (T,) the random scales drawn: 0 (cut) or 1/π (continue)
    full: dict[str, Tensor]  # name -> dL/dθ, full BPTT
    truncated: dict[str, Tensor]  # name -> dL/dθ, cut k steps before the end
    randomized: dict[str, Tensor]  # name -> dL/dθ, randomized truncation
    hidden_norms: dict[str, Tensor]  # "full" | "truncated" | "randomized" -> (T,) ||dL/dh_t||


def truncation_scales(T: int, k: int) -> list[float]:
    """ξ_t for truncation after k steps: 1 for the last k - 1 links of the chain, 0 before."""
    if not 1 <= k:
        raise ValueError(f"truncation length must be at least 1, got {k}")
    return [1.0 if t > T - k else 0.0 for t in range(T)]


def randomized_scales(T: int, keep_prob: float, generator: torch.Generator) -> list[float]:
    """ξ_t = 1/π with probability π, else 0 (Tallec & Ollivier 2017): unbiased, E[ξ_t] = 1."""
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep probability must be in (0, 1], got {keep_prob}")
    keep = torch.rand(T, generator=generator, dtype=torch.float64) < keep_prob
    return [1.0 / keep_prob if k else 0.0 for k in keep.tolist()]


def truncated_bptt(
    module: nn.Module,
    x: Tensor,
    k: int,
    keep_prob: float = 0.5,
    seed: int = 0,
    loss_fn: LossFn | None = None,
) -> Truncation:
    """The gradient dL/dθ from full BPTT, from BPTT truncated to k steps, and randomized.

    Truncation multiplies the gradient flowing from step t back to step t - 1 by ξ_t:
    regular truncation uses ξ_t = 0 for t <= T - k (the state entering step T - k is
    a constant), so k = T is full BPTT and k = 1 keeps only the last step.
    Randomized truncation draws ξ_t ∈ {0, 1/π} (see :func:`randomized_scales`).
    The loss should depend on the last step (the default, L = output[-1].sum()).
    """
    T = x.shape[0]
    gen = torch.Generator().manual_seed(seed)
    schemes = {
        "full": None,
        "truncated": truncation_scales(T, k),
        "randomized": randomized_scales(T, keep_prob, gen),
    }
    flows = {n: backprop(module, x, loss_fn, xi, params=True) for n, xi in schemes.items()}
    grads = {n: f.param_grads for n, f in flows.items()}
    norms = {n: f.hidden_norms for n, f in flows.items()}
    return Truncation(
        k=k,
        keep_prob=keep_prob,
        xi=torch.tensor(schemes["randomized"]),
        full=grads["full"],
        truncated=grads["truncated"],
        randomized=grads["randomized"],
        hidden_norms=norms,
    )


def global_norm(grads: dict[str, Tensor]) -> float:
    """||g|| of a dict of gradients, as if they were one vector."""
    return float(
        torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads.values()]).double())
    )


def cosine(a: dict[str, Tensor], b: dict[str, Tensor]) -> float:
    """cos(a, b) of two gradients flattened into vectors (NaN if either is zero)."""
    u = torch.cat([g.flatten() for g in a.values()]).double()
    v = torch.cat([g.flatten() for g in b.values()]).double()
    denom = torch.linalg.vector_norm(u) * torch.linalg.vector_norm(v)
    return float(u @ v / denom) if denom > 0 else math.nan
