"""Which hidden units to draw, in which order, so a units x time heatmap can be read.

Dimension letters: ``T`` time steps, ``H`` hidden units, ``k`` units kept.

A hidden state of 128 units drawn in unit order reads as noise: neighbouring rows
have nothing to do with each other. Two orders make structure visible:

- ``"change"``: every unit, sorted by the step at which it changes most,
  ``argmax_t |h_{t,j} - h_{t-1,j}|`` (with ``h_0 = 0`` before the first input),
  so the big moves run down a diagonal as the text is read;
- ``"active"``: the ``k`` units with the largest mean ``|h_{t,j}|`` over the text,
  most active first.

``"as-is"`` keeps units ``0 .. H-1``. Orders are computed from the whole text.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["ORDERS", "order_units"]

ORDERS = ("active", "change", "as-is")


def _as_array(h) -> np.ndarray:
    if isinstance(h, torch.Tensor):
        h = h.detach().cpu().to(torch.float64).numpy()
    return np.asarray(h, dtype=np.float64)


def order_units(h, how: str = "active", k: int = 32) -> list[int]:
    """Unit indices to draw, top row first.

    Args:
        h: ``(T, H)`` hidden states h_1 .. h_T (row t-1 is h_t).
        how: ``"active"`` (top ``k`` by mean |h|), ``"change"`` (all, by the step of
            the largest jump) or ``"as-is"`` (all, in order).
        k: how many units ``"active"`` keeps (all if ``k >= H``).

    Returns:
        Distinct unit indices in ``0 .. H-1``. Ties keep the lower unit first;
        non-finite values count as 0.

    Raises:
        ValueError: for an unknown ``how``, ``k < 1`` or ``h`` not ``(T, H)``.
    """
    if how not in ORDERS:
        raise ValueError(f"how must be one of {ORDERS}, not {how!r}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    h = _as_array(h)
    if h.ndim != 2:
        raise ValueError(f"expected (T, H) hidden states, got shape {h.shape}")
    T, H = h.shape
    h = np.where(np.isfinite(h), h, 0.0)
    if how == "as-is" or T == 0:
        return list(range(H))
    if how == "active":
        # activity_j = (1/T) Σ_t |h_{t,j}|
        activity = np.abs(h).mean(axis=0)  # (H,)
        return [int(j) for j in np.argsort(-activity, kind="stable")[: min(k, H)]]
    # jump_{t,j} = |h_{t,j} - h_{t-1,j}|, h_0 = 0
    previous = np.vstack([np.zeros((1, H)), h[:-1]])  # (T, H)
    jump = np.abs(h - previous)  # (T, H)
    when = jump.argmax(axis=0)  # (H,) step index of each unit's largest jump
    return [int(j) for j in np.lexsort((np.arange(H), when))]
