"""How long a unit keeps its value: the "streaks" of a units x time heatmap.

A state that a cell carries across many steps shows as a horizontal streak in the
heatmap (one unit keeping its colour); a state rewritten at every step shows as
speckle. Two measures, per unit:

- lag-1 autocorrelation: corr(v_t, v_{t+1}) over the T steps; near 1 the unit
  changes slowly, near 0 each step is new;
- longest streak: the most consecutive steps the unit keeps one sign with
  |v_t| > threshold (one colour that is not white on the diverging scale).

Dimension letters: ``T`` time steps, ``H`` hidden units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Streakiness", "lag1_autocorrelation", "longest_streak", "streakiness"]


def _as_float64(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"expected a (T, H) array, got shape {v.shape}")
    return v


def lag1_autocorrelation(values) -> np.ndarray:
    """corr(v_t, v_{t+1}) of each unit over time.

    Args:
        values: ``(T, H)`` states (array or tensor).

    Returns:
        ``(H,)``; NaN for a unit that is constant, or when T < 3.
    """
    v = _as_float64(values)
    if v.shape[0] < 3:
        return np.full(v.shape[1], np.nan)
    a = v[:-1] - v[:-1].mean(axis=0)  # (T-1, H) v_t, centred
    b = v[1:] - v[1:].mean(axis=0)  # (T-1, H) v_{t+1}, centred
    # r_j = Σ_t a_tj b_tj / sqrt(Σ_t a_tj² · Σ_t b_tj²)
    denom = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (a * b).sum(axis=0) / denom, np.nan)


def longest_streak(values, threshold: float = 0.1) -> np.ndarray:
    """The longest run of consecutive steps each unit keeps one sign with |v_t| > threshold.

    Args:
        values: ``(T, H)`` states.
        threshold: values with ``|v_t| <= threshold`` (near white) break a streak.

    Returns:
        ``(H,)`` int lengths in steps, 0 .. T.
    """
    v = _as_float64(values)
    sign = np.where(np.abs(v) > threshold, np.sign(v), 0.0)  # (T, H) in {-1, 0, 1}
    best = np.zeros(v.shape[1], dtype=int)
    run = np.zeros(v.shape[1], dtype=int)
    for t in range(v.shape[0]):
        same = (sign[t] != 0) & (t > 0) & (sign[t] == sign[t - 1])
        run = np.where(same, run + 1, (sign[t] != 0).astype(int))
        best = np.maximum(best, run)
    return best


@dataclass(frozen=True)
class Streakiness:
    """Summary of one units x time state: how much of it forms streaks."""

    median_lag1: float  # median over units of the lag-1 autocorrelation
    n_streaky: int  # units whose longest streak is at least `min_length` steps
    n_units: int  # H
    min_length: int  # streak length counted, in steps
    threshold: float  # |v| a streak must exceed


def streakiness(values, min_length: int = 20, threshold: float = 0.1) -> Streakiness:
    """How streaky a ``(T, H)`` state is: median lag-1 autocorrelation, and how many
    units keep one sign (|v| > threshold) for at least ``min_length`` steps in a row."""
    r = lag1_autocorrelation(values)
    L = longest_streak(values, threshold)
    return Streakiness(
        median_lag1=float(np.nanmedian(r)) if np.isfinite(r).any() else float("nan"),
        n_streaky=int((min_length <= L).sum()),
        n_units=int(L.shape[0]),
        min_length=int(min_length),
        threshold=float(threshold),
    )
