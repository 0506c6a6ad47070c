"""The time axis shared by the sequence figures: token tick labels, the
current-step marker, and input clean-up.

Dimension letters: ``T`` time steps (one per token).

Conventions: time steps are indexed ``0 .. T-1`` like the rows of a ``Trace``;
``first`` is the number a label shows for index 0 (``1`` for the lecture's
x_1 … x_T, h_0 being the initial state; ``0`` by default). The current step is drawn as a black outlined band one step wide
with a ``t = k`` label above the plot; non-finite values (NaN, ±inf from an
exploding run) are drawn as blank cells / gaps and counted in a note under the
title, never raised on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import torch

from seqviz.figures.style import ANNOTATION_SIZE, STEP_LINE, apply_layout, token_label

MAX_TICK_LABELS = 60  # more character labels than this on one axis become unreadable


def as_array(x) -> np.ndarray:
    """Float64 numpy copy of a numpy array, torch tensor or nested list."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().to(torch.float64).numpy()
    return np.array(x, dtype=np.float64)


def finite(x: np.ndarray) -> tuple[np.ndarray, int]:
    """``x`` with NaN/±inf replaced by NaN (drawn blank), and how many there were."""
    bad = ~np.isfinite(x)
    return np.where(bad, np.nan, x), int(bad.sum())


def clip_step(step: int | None, T: int) -> int | None:
    """The current step clipped to ``0 .. T-1`` (a stale slider value stays usable)."""
    if step is None or T == 0:
        return None
    return int(min(max(int(step), 0), T - 1))


def check_tokens(tokens: Sequence[str] | None, T: int) -> list[str]:
    """The token list for ``T`` steps; ``None`` gives empty labels.

    Raises:
        ValueError: if ``len(tokens) != T``.
    """
    if tokens is None:
        return [""] * T
    tokens = [str(tok) for tok in tokens]
    if len(tokens) != T:
        raise ValueError(f"got {len(tokens)} tokens for {T} time steps")
    return tokens


_ROUND_STRIDES = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def time_ticks(
    tokens: Sequence[str], max_labels: int = MAX_TICK_LABELS, first: int = 0
) -> tuple[list[int], list[str], int]:
    """Tick positions and labels for a time axis labelled with the tokens.

    Returns:
        ``(tickvals, ticktext, stride)``: every token is labelled when there
        are at most ``max_labels``. Otherwise every ``stride``-th step is
        labelled, with ``stride`` a round number (2, 5, 10, 20, ...) giving
        at most ``max_labels / 2`` labels, each the token with ``t`` under it
        (a row of isolated characters alone would not say where you are).
    """
    T = len(tokens)
    if T <= max_labels:
        return list(range(T)), [token_label(tok) for tok in tokens], 1
    need = T / max(max_labels // 2, 1)
    stride = next((s for s in _ROUND_STRIDES if s >= need), math.ceil(need))
    tickvals = list(range(0, T, stride))
    return tickvals, [f"{token_label(tokens[t])}<br>{t + first}" for t in tickvals], stride


def time_axis_title(stride: int) -> str:
    """Axis title for a token-labelled time axis."""
    if stride == 1:
        return "time step t (input character)"
    return f"time step t (character and t shown every {stride} steps)"


def step_marker(step: int, first: int = 0) -> dict[str, list[dict]]:
    """The current-step marker as plain Plotly dicts: ``{"shapes": [band], "annotations": [label]}``.

    A band from ``step - 0.5`` to ``step + 0.5`` over the whole plot height and
    ``t = k`` above it; pass to ``seqviz.figures.overlay.overlay(base, **marker)``.
    """
    band = dict(
        type="rect",
        x0=step - 0.5,
        x1=step + 0.5,
        y0=0,
        y1=1,
        yref="y domain",
        line=dict(color=STEP_LINE, width=3),
        fillcolor="rgba(0,0,0,0)",
        layer="above",
        name="current step",
    )
    label = dict(
        x=step,
        y=1.0,
        yref="y domain",
        yanchor="bottom",
        text=f"<b>t = {step + first}</b>",
        showarrow=False,
        font=dict(size=ANNOTATION_SIZE, color=STEP_LINE),
        name="current step",
    )
    return {"shapes": [band], "annotations": [label]}


def mark_step(fig: go.Figure, step: int, first: int = 0) -> None:
    """Draw the current step: a band from ``step - 0.5`` to ``step + 0.5`` and ``t = k``."""
    marker = step_marker(step, first)
    for shape in marker["shapes"]:
        fig.add_shape(**shape)
    for label in marker["annotations"]:
        fig.add_annotation(**label)


def note_non_finite(fig: go.Figure, n_bad: int) -> None:
    """Say how many values were NaN/inf (they are drawn blank)."""
    if n_bad:
        fig.add_annotation(
            x=1.0,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="right",
            yanchor="bottom",
            yshift=28,
            text=f"{n_bad} value(s) are NaN or ±inf: drawn blank",
            showarrow=False,
            font=dict(size=ANNOTATION_SIZE - 2, color="#B00000"),
            name="non-finite note",
        )


def empty_figure(message: str, title: str | None = None, height: int = 300) -> go.Figure:
    """A figure with no data and a centred message (e.g. for an empty input)."""
    fig = go.Figure()
    fig.add_annotation(
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        text=message,
        showarrow=False,
        font=dict(size=ANNOTATION_SIZE + 2),
        name="empty",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_layout(fig, title, height)
