"""The input text, each character on a cell coloured by one unit's value.

Dimension letters: ``T`` time steps (one per character).

``text_step_marker`` outlines one character alone, for a coloured text built once
and kept frozen (``seqviz.figures.overlay``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import (
    CELL_TEXT_SIZE,
    DIVERGING,
    FONT_SIZE,
    SEQUENTIAL,
    STEP_LINE,
    apply_layout,
    token_label,
)
from seqviz.figures.timeaxis import (
    as_array,
    check_tokens,
    clip_step,
    empty_figure,
    finite,
    note_non_finite,
)

__all__ = ["text_activation", "text_step_marker"]


def _wrap(tokens: Sequence[str], width: int) -> list[list[int]]:
    """Time indices per row: at most ``width`` per row, a new row after each newline."""
    rows: list[list[int]] = [[]]
    for t, tok in enumerate(tokens):
        if len(rows[-1]) == width:
            rows.append([])
        rows[-1].append(t)
        if tok == "\n" and t < len(tokens) - 1:
            rows.append([])
    return rows


def text_activation(
    tokens: Sequence[str],
    values,
    width: int = 40,
    vmin: float | None = None,
    vmax: float | None = None,
    scale: str = "diverging",
    title: str | None = "The text, coloured by one unit",
    value_name: str = "activation",
    step: int | None = None,
    height: int | None = None,
    first: int = 0,
) -> go.Figure:
    """The input text, each character on a cell coloured by one unit's value.

    The text is drawn by Plotly as heatmap cell text (escaped, never HTML),
    wrapped into rows of ``width`` characters and after every newline; a
    space is shown as ``␣``, a newline as ``↵``.

    Args:
        tokens: the ``T`` input tokens.
        values: ``(T,)`` the chosen unit's activation at each step.
        width: characters per row.
        vmin, vmax: colour range; default -1..1 for ``scale="diverging"``
            (centred on 0) and 0..1 for ``scale="sequential"`` (gates).
        scale: ``"diverging"`` for signed values, ``"sequential"`` for 0..1.
        step: current step (0-based), outlined.
        first: the step number the labels give the first character (1 for x_1 … x_T).

    Returns:
        ``go.Figure`` with one ``Heatmap`` trace of shape ``(rows, width)``;
        cells past the end of a row are empty (NaN), and so are NaN/inf
        values (their character is still written and the hover says
        ``nan`` / ``inf``).
    """
    if scale not in ("diverging", "sequential"):
        raise ValueError(f"scale must be 'diverging' or 'sequential', got {scale!r}")
    v = as_array(values).reshape(-1)
    tokens = [str(tok) for tok in tokens]
    T = v.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the text is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    width = max(1, int(width))
    diverging = scale == "diverging"
    vmin = (-1.0 if diverging else 0.0) if vmin is None else float(vmin)
    vmax = 1.0 if vmax is None else float(vmax)

    rows = _wrap(tokens, width)
    n_rows = len(rows)
    clean, n_bad = finite(v)
    z = np.full((n_rows, width), np.nan)
    text = np.full((n_rows, width), "", dtype=object)
    custom = np.full((n_rows, width, 3), "", dtype=object)
    for r, row in enumerate(rows):
        for c, t in enumerate(row):
            z[r, c] = clean[t]
            text[r, c] = token_label(tokens[t])
            custom[r, c] = (str(t + first), token_label(tokens[t], compact=False), f"{v[t]:.3f}")

    fig = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=CELL_TEXT_SIZE),
            customdata=custom,
            colorscale=DIVERGING if diverging else SEQUENTIAL,
            zmin=vmin,
            zmax=vmax,
            zmid=0.0 if diverging and vmin < 0 < vmax else None,
            xgap=1,
            ygap=3,
            hoverongaps=False,
            hovertemplate=(
                "t = %{customdata[0]}<br>token %{customdata[1]}<br>"
                f"{value_name} = %{{customdata[2]}}<extra></extra>"
            ),
            # a horizontal bar under the text: an upright one is squeezed into the
            # height of one or two rows of characters
            colorbar=dict(
                title=dict(text=value_name, font=dict(size=FONT_SIZE), side="right"),
                orientation="h",
                thickness=16,
                len=320,
                lenmode="pixels",
                x=1.0,
                xanchor="right",
                yref="container",
                y=0.0,
                yanchor="bottom",
                ypad=8,
            ),
        )
    )
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5])
    fig.update_yaxes(
        autorange="reversed",
        tickvals=list(range(n_rows)),
        ticktext=[f"t = {row[0] + first}" if row else "" for row in rows],
        title_text=None,
    )
    if step is not None:
        for shape in text_step_marker(tokens, step, width)["shapes"]:
            fig.add_shape(**shape)
    note_non_finite(fig, n_bad)
    fig = apply_layout(fig, title, height if height is not None else 190 + 34 * n_rows)
    fig.update_layout(margin=dict(b=80))  # room for the colour bar under the text
    return fig


def text_step_marker(tokens: Sequence[str], step: int, width: int = 40) -> dict[str, list[dict]]:
    """The outline of character ``step`` in ``text_activation(tokens, ..., width)``, as dicts.

    Returns ``{"shapes": [rect]}`` for ``seqviz.figures.overlay.overlay``; ``step``
    is clipped to ``0 .. T-1`` like the figure's.
    """
    tokens = [str(tok) for tok in tokens]
    step = clip_step(step, len(tokens))
    if step is None:
        return {"shapes": []}
    rows = _wrap(tokens, max(1, int(width)))
    r = next(i for i, row in enumerate(rows) if step in row)
    c = rows[r].index(step)
    rect = dict(
        type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
        line=dict(color=STEP_LINE, width=3), layer="above", name="current step",
    )  # fmt: skip
    return {"shapes": [rect]}
