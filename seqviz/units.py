"""Interpretable cells: which hidden units track which property of the text.

After Karpathy, Johnson & Fei-Fei (2015), "Visualizing and Understanding
Recurrent Networks": look at how often each gate is saturated, and search for
single units whose activation follows a simple feature of the input (spaces,
position in a word, being inside quotes).

Dimension letters: ``T`` time steps (one per input character), ``H`` hidden
units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "UnitScore",
    "correlations",
    "rank_units",
    "saturation",
    "text_features",
    "VOWELS",
]

VOWELS = frozenset("aeiouAEIOU")
_DOUBLE_QUOTES = {'"': '"', "\u201c": "\u201d"}  # opening char -> closing char
_SINGLE_QUOTES = {"'": "'", "\u2018": "\u2019"}


def _as_float64(x) -> np.ndarray:
    """Numpy float64 copy of a numpy array, torch tensor or nested list."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------------------
# Gate saturation
# ---------------------------------------------------------------------------


def saturation(gate, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """How often each unit of a gate is saturated.

    Args:
        gate: ``(T, H)`` gate activations in [0, 1] (array or tensor).
        low: a value ``< low`` counts as left-saturated (gate closed).
        high: a value ``> high`` counts as right-saturated (gate open).

    Returns:
        ``(frac_low, frac_high)``, each ``(H,)`` in [0, 1]: the fraction of the
        ``T`` steps at which the unit is ``< low`` / ``> high``. NaN values
        count as neither. ``T = 0`` gives zeros.
    """
    g = _as_float64(gate)
    if g.ndim != 2:
        raise ValueError(f"saturation expects a (T, H) array, got shape {g.shape}")
    T = g.shape[0]
    if T == 0:
        return np.zeros(g.shape[1]), np.zeros(g.shape[1])
    with np.errstate(invalid="ignore"):
        frac_low = np.mean(g < low, axis=0)  # (H,)
        frac_high = np.mean(g > high, axis=0)  # (H,)
    return frac_low, frac_high


# ---------------------------------------------------------------------------
# Simple features of a character sequence
# ---------------------------------------------------------------------------


def _inside_quotes(chars: list[str]) -> np.ndarray:
    """1.0 for characters strictly between an opening and its closing quote.

    See :func:`text_features` for the exact rule.
    """
    out = np.zeros(len(chars))
    closing: str | None = None  # the quote char that would end the current span
    for t, ch in enumerate(chars):
        prev = chars[t - 1] if t > 0 else " "
        nxt = chars[t + 1] if t + 1 < len(chars) else " "
        if closing is None:
            if ch in _DOUBLE_QUOTES:
                closing = _DOUBLE_QUOTES[ch]
            elif ch in _SINGLE_QUOTES and not prev.isalnum():
                # ' after a letter is an apostrophe (don't, dogs'), not an opening quote
                closing = _SINGLE_QUOTES[ch]
            continue
        if ch == closing and (closing not in ("'", "\u2019") or not nxt.isalnum()):
            # ' followed by a letter is an apostrophe inside the quote ('don't')
            closing = None
            continue
        out[t] = 1.0
    return out


def text_features(chars: list[str]) -> dict[str, np.ndarray]:
    """Per-character features of the input text, to correlate units against.

    Args:
        chars: the ``T`` input tokens, normally single characters. A longer
            token (e.g. ``"<unk>"``) counts as one non-space, non-vowel symbol.

    Returns:
        dict of name -> float array ``(T,)``:

        - ``"is a space"``: 1 where the token is whitespace (space, newline, tab).
        - ``"is a vowel"``: 1 where the token is one of ``a e i o u`` (either case).
        - ``"position in word"``: 0 at whitespace, then 1, 2, 3, ... for the
          characters after it up to the next whitespace (punctuation counts as
          part of the word).
        - ``"inside quotes"``: 1 for the characters strictly between an
          opening quote and the quote that closes it; the quote characters
          themselves are 0. ``"`` opens and closes (a curly opening double
          quote is closed by the curly closing one). ``'`` opens a span only
          when the previous character is not a letter or digit (so the
          apostrophes in ``don't`` and ``dogs'`` do not open one) and closes
          an open ``'`` span only when the next character is not a letter or
          digit (so ``'don't'`` is one span). Inside a ``"`` span single
          quotes are plain text and vice versa (no nesting). A quote that is
          never closed marks everything after it as 1: that is all a model
          reading left to right can know.
    """
    T = len(chars)
    is_space = np.array([1.0 if c.isspace() else 0.0 for c in chars]).reshape(T)
    is_vowel = np.array([1.0 if c in VOWELS else 0.0 for c in chars]).reshape(T)
    position = np.zeros(T)
    for t, c in enumerate(chars):
        if not c.isspace():
            # position_t = position_{t-1} + 1 inside a word, 0 at whitespace
            position[t] = (position[t - 1] if t > 0 else 0.0) + 1.0
    return {
        "is a space": is_space,
        "is a vowel": is_vowel,
        "position in word": position,
        "inside quotes": _inside_quotes(list(chars)),
    }


# ---------------------------------------------------------------------------
# Ranking units by correlation with a feature
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitScore:
    """One hidden unit and its Pearson correlation with a feature."""

    unit: int  # index of the hidden unit, 0 .. H-1
    r: float  # Pearson correlation in [-1, 1]; 0 if undefined


def correlations(activations, feature) -> np.ndarray:
    """Pearson r between every unit's activation and a feature.

    Args:
        activations: ``(T, H)`` array or tensor, e.g. ``trace.hidden`` or a gate.
        feature: ``(T,)`` feature values (e.g. from :func:`text_features`).

    Returns:
        ``(H,)`` float array in [-1, 1]:
        ``r_j = sum_t (a_tj - mean a_j)(f_t - mean f) / (||a_j - mean a_j|| ||f - mean f||)``.
        A unit with zero variance (or any NaN/inf value) gets ``r = 0``; a
        constant feature, or ``T < 2``, gives all zeros.
    """
    A = _as_float64(activations)
    f = _as_float64(feature).reshape(-1)
    if A.ndim != 2 or A.shape[0] != f.shape[0]:
        raise ValueError(f"expected activations (T, H) and feature (T,), got {A.shape}, {f.shape}")
    T, H = A.shape
    r = np.zeros(H)
    if T < 2 or not np.all(np.isfinite(f)):
        return r
    finite = np.all(np.isfinite(A), axis=0)  # (H,) units we can score
    A = np.where(finite, A, 0.0)
    A_c = A - A.mean(axis=0)  # (T, H)
    f_c = f - f.mean()  # (T,)
    a_norm = np.linalg.norm(A_c, axis=0)  # (H,)
    f_norm = np.linalg.norm(f_c)
    # Round-off after centring is ~eps * |x|; below that the variance is zero.
    eps = np.finfo(np.float64).eps
    a_ok = a_norm > 8 * eps * np.sqrt(T) * np.max(np.abs(A), axis=0, initial=0.0)
    f_ok = f_norm > 8 * eps * np.sqrt(T) * np.max(np.abs(f))
    ok = finite & a_ok & f_ok
    if not np.any(ok):
        return r
    r[ok] = (f_c @ A_c[:, ok]) / (a_norm[ok] * f_norm)
    return np.clip(r, -1.0, 1.0)


def rank_units(activations, feature, top: int = 10) -> list[UnitScore]:
    """The ``top`` units whose activation best tracks ``feature``.

    Args:
        activations: ``(T, H)`` array or tensor.
        feature: ``(T,)`` feature values.
        top: how many units to return (fewer if ``H < top``).

    Returns:
        list of :class:`UnitScore`, sorted by ``|r|`` descending (ties: lower
        unit index first). See :func:`correlations` for how undefined
        correlations become 0.
    """
    r = correlations(activations, feature)
    # stable sort on -|r| keeps lower unit indices first among ties
    order = np.argsort(-np.abs(r), kind="stable")[: max(int(top), 0)]
    return [UnitScore(unit=int(j), r=float(r[j])) for j in order]
