"""Gradient clipping by global norm, with exactly the arithmetic of ``clip_grad_norm_``.

When a gradient explodes, one update can throw the weights far away. Clipping
rescales the whole gradient (every parameter tensor by the same factor) so that its
norm is at most θ, keeping its direction:

    g <- min(1, θ / (||g|| + 1e-6)) · g,      ||g|| = sqrt(Σ_p ||g_p||²)

It cannot repair an overflow. In float32, ||g|| overflows to inf as soon as the sum of
the squares passes 3.4e38 (a gradient of about 1e19 is enough), although every entry is
still finite: the factor is then θ / inf = 0 and the whole update becomes 0. If entries
themselves are inf, 0 · inf = NaN.

Dimensions: P parameter tensors, each of any shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Clipped:
    """Gradient clipping by global norm, as ``torch.nn.utils.clip_grad_norm_`` does it."""

    grads: tuple[Tensor, ...]  # the clipped gradients, same shapes as given
    norm_before: float  # ||g|| over all tensors, as if concatenated (what clip_grad_norm_ returns)
    norm_after: float  # the same norm after clipping
    coef: float  # the factor every gradient was multiplied by, min(1, θ / (||g|| + 1e-6))

    @property
    def overflow(self) -> str | None:
        """None if ||g|| is finite; "norm" if only the norm overflowed (every entry finite:
        clipping zeroes the update); "entries" if entries are inf / NaN (they become NaN)."""
        if torch.isfinite(torch.tensor(self.norm_before)):
            return None
        finite = all(bool(torch.isfinite(g).all()) for g in self.grads)
        return "norm" if finite else "entries"


def clip_global_norm(grads: Sequence[Tensor], max_norm: float, norm_type: float = 2.0) -> Clipped:
    """g <- g · min(1, θ / (||g|| + 1e-6)), with exactly clip_grad_norm_'s arithmetic.

    Like PyTorch (``error_if_nonfinite=False``), a non-finite norm is not an error:
    an inf norm gives the factor 0, and 0 · inf = NaN, so overflowed entries become NaN.
    """
    grads = [g.detach() for g in grads]
    if not grads:
        return Clipped(grads=(), norm_before=0.0, norm_after=0.0, coef=1.0)
    # ||g|| = || (||g_1||, ..., ||g_P||) ||
    total = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type
    )
    clip_coef = max_norm / (total + 1e-6)
    coef = torch.clamp(clip_coef, max=1.0)
    clipped = tuple(g * coef for g in grads)
    after = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g, norm_type) for g in clipped]), norm_type
    )
    return Clipped(
        grads=clipped, norm_before=float(total), norm_after=float(after), coef=float(coef)
    )
