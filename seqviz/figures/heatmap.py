"""The units x time heatmap used for hidden states, cell states and gates.

Dimension letters: ``T`` time steps, ``H`` hidden units.

Units run down the y axis (unit 0 at the top, like the rows of a matrix),
time runs along the x axis with the input characters as tick labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.matrix import matrix_heatmap
from seqviz.figures.style import FONT_SIZE, token_label
from seqviz.figures.timeaxis import (
    as_array,
    check_tokens,
    clip_step,
    empty_figure,
    mark_step,
    note_non_finite,
    time_axis_title,
    time_ticks,
)


def default_height(H: int) -> int:
    """Figure height in px for ``H`` unit rows: readable, but never taller than a screen."""
    return int(min(max(18 * H + 220, 320), 820))


def units_by_time(
    values,
    tokens: Sequence[str] | None,
    step: int | None,
    *,
    scale: str,
    zmin: float | None,
    zmax: float | None,
    value_name: str,
    colorbar_title: str,
    title: str | None,
    height: int | None,
    first: int = 0,
    units: Sequence[int] | None = None,
) -> go.Figure:
    """Heatmap of ``values (T, H)`` with units on y and time on x.

    ``scale``, ``zmin`` and ``zmax`` are :func:`seqviz.figures.matrix.color_range`'s.
    The hover shows unit, t, token and the value with 3 decimals. NaN/±inf
    cells are drawn blank (the plot background shows through), their hover
    shows ``nan`` / ``inf``, and a note above the plot counts them. Labels number
    column 0 as ``first`` (``seqviz.figures.timeaxis``). ``units`` draws only those
    columns of ``values``, top row first, each labelled with its unit number.
    """
    v = as_array(values)
    if v.ndim == 1:
        v = v[:, None]
    if v.ndim != 2:
        raise ValueError(f"expected a (T, H) array, got shape {v.shape}")
    if units is not None:
        units = [int(j) for j in units]
        v = v[:, units]  # (T, k)
    T, H = v.shape
    if T == 0 or H == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    # The hover's "t = k, token c" lives in the x categories, one string per column:
    # a per-cell label array would be most of the figure's JSON (~250 KB for 100
    # characters). Ticks and the step marker address the columns by index 0 .. T-1.
    fig = matrix_heatmap(
        v.T,  # (H, T)
        rows=units,
        cols=column_labels(tokens, first),
        scale=scale,
        zmin=zmin,
        zmax=zmax,
        value_name=value_name,
        hover="unit %{y}<br>%{x}",
        colorbar=dict(
            title=dict(text=colorbar_title, font=dict(size=FONT_SIZE)),
            thickness=22,
        ),
        title=title,
        height=height if height is not None else default_height(H),
    )
    tickvals, ticktext, stride = time_ticks(tokens, first=first)
    fig.update_xaxes(
        tickvals=tickvals,
        ticktext=ticktext,
        # characters stay upright; word tokens may need Plotly's automatic rotation
        tickangle=0 if all(len(tok) <= 1 for tok in tokens) else None,
        title_text=time_axis_title(stride),
        range=[-0.5, T - 0.5],
    )
    fig.update_yaxes(title_text="hidden unit")
    if step is not None:
        mark_step(fig, step, first)
    note_non_finite(fig, int((~np.isfinite(v)).sum()))
    return fig


def column_labels(tokens: Sequence[str], first: int = 0) -> list[str]:
    """One hover label per time step, ``t = k<br>token c``: the categories of a time axis."""
    return [
        f"t = {t + first}<br>token {token_label(tok, compact=False)}"
        for t, tok in enumerate(tokens)
    ]
