"""The units x time heatmap used for hidden states, cell states and gates.

Dimension letters: ``T`` time steps, ``H`` hidden units.

Units run down the y axis (unit 0 at the top, like the rows of a matrix),
time runs along the x axis with the input characters as tick labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import FONT_SIZE, apply_layout, token_label
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


def default_height(H: int) -> int:
    """Figure height in px for ``H`` unit rows: readable, but never taller than a screen."""
    return int(min(max(18 * H + 220, 320), 820))


def units_by_time(
    values,
    tokens: Sequence[str] | None,
    step: int | None,
    *,
    colorscale: str,
    zmin: float,
    zmax: float,
    zmid: float | None,
    value_name: str,
    colorbar_title: str,
    title: str | None,
    height: int | None,
) -> go.Figure:
    """Heatmap of ``values (T, H)`` with units on y and time on x.

    The hover shows unit, t, token and the value with 3 decimals. NaN/±inf
    cells are drawn blank (the plot background shows through), their hover
    shows ``nan`` / ``inf``, and a note above the plot counts them.
    """
    v = as_array(values)
    if v.ndim == 1:
        v = v[:, None]
    if v.ndim != 2:
        raise ValueError(f"expected a (T, H) array, got shape {v.shape}")
    T, H = v.shape
    if T == 0 or H == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    z, n_bad = finite(v.T)  # (H, T)

    # The hover's "t = k, token c" lives in the x categories, one string per column:
    # a per-cell label array would be most of the figure's JSON (~250 KB for 100
    # characters). Ticks and the step marker address the columns by index 0 .. T-1.
    columns = column_labels(tokens)
    if n_bad:
        # the raw value as text, so NaN and inf cells still say what they are in the hover
        customdata = np.vectorize(lambda x: f"{x:.3f}", otypes=[object])(v.T)  # (H, T)
        value_ref = "%{customdata}"
    else:
        customdata, value_ref = None, "%{z:.3f}"

    fig = go.Figure(
        go.Heatmap(
            # float32 goes to the browser as a base64 typed array: 4 bytes a cell
            z=z.astype(np.float32),
            x=columns,
            y=np.arange(H),
            customdata=customdata,
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            zmid=zmid,
            hoverongaps=True,
            hovertemplate=f"unit %{{y}}<br>%{{x}}<br>{value_name} = {value_ref}<extra></extra>",
            colorbar=dict(
                title=dict(text=colorbar_title, font=dict(size=FONT_SIZE)),
                thickness=22,
            ),
        )
    )
    tickvals, ticktext, stride = time_ticks(tokens)
    fig.update_xaxes(
        tickvals=tickvals,
        ticktext=ticktext,
        # characters stay upright; word tokens may need Plotly's automatic rotation
        tickangle=0 if all(len(tok) <= 1 for tok in tokens) else None,
        title_text=time_axis_title(stride),
        type="category",
        range=[-0.5, T - 0.5],
    )
    fig.update_yaxes(title_text="hidden unit", autorange="reversed")
    if step is not None:
        mark_step(fig, step)
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height if height is not None else default_height(H))


def column_labels(tokens: Sequence[str]) -> list[str]:
    """One hover label per time step, ``t = k<br>token c``: the categories of a time axis."""
    return [f"t = {t}<br>token {token_label(tok, compact=False)}" for t, tok in enumerate(tokens)]


def symmetric_limit(values, zmax: float | None) -> float:
    """``zmax`` if given, else the largest finite |value| (1.0 if there is none)."""
    if zmax is not None:
        return float(abs(zmax)) or 1.0
    v = as_array(values)
    v = v[np.isfinite(v)]
    m = float(np.max(np.abs(v))) if v.size else 0.0
    return m if m > 0 else 1.0
