"""Figures of a recurrent network's hidden state over time.

Dimension letters: ``T`` time steps (one per input token), ``H`` hidden units.

Every builder is a pure function (arrays, tokens, options) -> ``go.Figure``;
arrays may be numpy arrays or torch tensors. ``step`` is an index ``0 .. T-1``
into ``seqviz.recurrent.Trace`` (clipped to that range); labels show it as
``t = step + first`` (``first = 1``: the lecture's x_1 … x_T after h_0 = 0). NaN/±inf values never raise: heatmap cells are drawn blank, points on
lines become gaps, and a note above the plot counts them. The path of h_t is in
:mod:`seqviz.figures.projection`, the unrolled diagram in
:mod:`seqviz.figures.unrolling`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.heatmap import units_by_time
from seqviz.figures.style import ACCENT, ANNOTATION_SIZE, apply_layout, token_label
from seqviz.figures.timeaxis import (
    as_array,
    check_tokens,
    clip_step,
    empty_figure,
    finite,
    mark_step,
    note_non_finite,
    step_marker,
    time_axis_title,
    time_ticks,
)

__all__ = ["hidden_heatmap", "hide_future", "norms_over_time"]

FUTURE_FILL = "#E6E6E6"  # the columns not read yet


def hidden_heatmap(
    h,
    tokens: Sequence[str] | None,
    step: int | None = None,
    title: str | None = "Hidden state h<sub>t</sub>: every unit at every step",
    zmax: float | None = None,
    height: int | None = None,
    units: Sequence[int] | None = None,
    first: int = 1,
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
        units: the units to draw, top row first (``seqviz.unit_order``); all if None.
        first: the number shown for step index 0 (1: x_1 … x_T; 0 counts from 0).

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
        first=first,
        units=units,
    )


def hide_future(base: Mapping, z: np.ndarray, step: int, first: int = 1) -> go.Figure:
    """A heatmap built once (``freeze(hidden_heatmap(..., step=None))``) showing only the
    columns up to ``step``: later ones are blank on a grey band, with no hover.

    Args:
        base: the frozen figure; its first trace is the heatmap.
        z: ``(k, T)`` the values that trace draws (rows as drawn).
        step: index of the last column read, ``0 .. T-1`` (clipped).
        first: the number shown for index 0.

    Returns:
        a new ``go.Figure`` (``base`` is not modified) with the step marked.
    """
    T = z.shape[1]
    step = clip_step(step, T)
    if step is None:
        return go.Figure(base, _validate=False)
    shown = np.array(z, dtype=np.float32)  # (k, T)
    shown[:, step + 1 :] = np.nan
    heat = {**base["data"][0], "z": shown, "hoverongaps": False}
    layout = dict(base.get("layout", {}))
    marker = step_marker(step, first)
    shapes = list(marker["shapes"])
    notes = list(marker["annotations"])
    if step < T - 1:
        shapes.insert(
            0,
            dict(
                type="rect",
                x0=step + 0.5,
                x1=T - 0.5,
                y0=0,
                y1=1,
                yref="y domain",
                line=dict(width=0),
                fillcolor=FUTURE_FILL,
                layer="below",
                name="not read yet",
            ),
        )
        notes.append(
            dict(
                x=(step + T) / 2,
                y=0.5,
                yref="y domain",
                text="not read yet" if T - 1 - step >= 8 else "",
                showarrow=False,
                font=dict(size=ANNOTATION_SIZE, color="#777777"),
                name="not read yet",
            )
        )
    layout["shapes"] = [*layout.get("shapes", ()), *shapes]
    layout["annotations"] = [*layout.get("annotations", ()), *notes]
    return go.Figure(data=[heat, *base["data"][1:]], layout=layout, _validate=False)


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
