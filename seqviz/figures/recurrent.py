"""Figures of a recurrent network's hidden state over time.

Dimension letters: ``T`` time steps (one per input token), ``H`` hidden units.

Every builder is a pure function (arrays, tokens, options) -> ``go.Figure``;
arrays may be numpy arrays or torch tensors. Time steps are numbered
``t = 0 .. T-1`` as in ``seqviz.recurrent.Trace``; ``step`` is clipped to that
range. NaN/±inf values never raise: heatmap cells are drawn blank, points on
lines become gaps, and a note above the plot counts them. The path of h_t is in
:mod:`seqviz.figures.projection`, the unrolled diagram in
:mod:`seqviz.figures.unrolling`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.heatmap import units_by_time
from seqviz.figures.style import ACCENT, apply_layout, token_label
from seqviz.figures.timeaxis import (
    as_array,
    check_tokens,
    clip_step,
    empty_figure,
    finite,
    mark_step,
    note_non_finite,
    time_axis_title,
    time_ticks,
)

__all__ = ["hidden_heatmap", "norms_over_time"]


def hidden_heatmap(
    h,
    tokens: Sequence[str] | None,
    step: int | None = None,
    title: str | None = "Hidden state h<sub>t</sub>: every unit at every step",
    zmax: float | None = None,
    height: int | None = None,
) -> go.Figure:
    """Units x time heatmap of the hidden states.

    Args:
        h: ``(T, H)`` hidden states (e.g. ``trace.hidden`` of unbatched input).
        tokens: the ``T`` input tokens, used as x tick labels (``␣`` for a
            space, a coloured ``?`` for ``<unk>``); ``None`` for no labels.
            With more than 60 tokens only every n-th one is labelled.
        step: current step ``t`` to outline, or ``None``.
        title: rich-text title; ``None`` for none.
        zmax: colour range is ``[-zmax, zmax]``; default the largest finite
            ``|h|`` (use ``1.0`` to compare tanh states across runs).
        height: px; default grows with ``H`` up to 820.

    Returns:
        ``go.Figure`` with one ``Heatmap`` trace of ``z = h.T (H, T)`` on the
        diverging scale centred on 0.
    """
    return units_by_time(
        h,
        tokens,
        step,
        scale="diverging",
        zmin=None,
        zmax=zmax,
        value_name="h",
        colorbar_title="h",
        title=title,
        height=height,
    )


def norms_over_time(
    norms,
    tokens: Sequence[str] | None,
    step: int | None = None,
    title: str | None = "Size of the hidden state ‖h<sub>t</sub>‖",
    y_title: str = "‖h<sub>t</sub>‖",
    height: int | None = 320,
) -> go.Figure:
    """Line chart of a per-step norm, e.g. ``‖h_t‖`` (or ``‖∂L/∂h_t‖`` with ``y_title``).

    Args:
        norms: ``(T,)`` values.
        tokens: the ``T`` tokens for the x tick labels.
        step: current step to outline.

    Returns:
        ``go.Figure`` with one ``Scatter`` trace (lines+markers); NaN/inf are gaps.
    """
    n = as_array(norms).reshape(-1)
    T = n.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    n, n_bad = finite(n)
    labels = [token_label(tok, compact=False) for tok in tokens]
    fig = go.Figure(
        go.Scatter(
            x=np.arange(T),
            y=n,
            mode="lines+markers",
            line=dict(color=ACCENT, width=3),
            marker=dict(size=7),
            customdata=labels,
            hovertemplate="t = %{x}<br>token %{customdata}<br>%{y:.3f}<extra></extra>",
            name="norm",
        )
    )
    tickvals, ticktext, stride = time_ticks(tokens)
    fig.update_xaxes(
        tickvals=tickvals,
        ticktext=ticktext,
        title_text=time_axis_title(stride),
        range=[-0.5, T - 0.5],
    )
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    if step is not None:
        mark_step(fig, step)
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height)
