"""One heatmap of a matrix: every matrix figure in seqviz is drawn here.

Dimension letters: ``R`` rows, ``C`` columns.

Row 0 is at the top and columns run left to right, as a matrix is written. What
differs between the labs' matrices is an option of :func:`matrix_heatmap`:

- ``scale``: ``"diverging"`` for signed values (blue < 0, white = 0, red > 0, a
  range symmetric about 0: ``±zmax``, by default the largest finite |value|) or
  ``"sequential"`` for values in ``zmin .. zmax`` (default 0..1: gates, attention
  weights, probabilities);
- ``cell_digits``: write each value in its cell;
- the axes: ``rows`` / ``cols`` name each row / column with a unique category
  (the hover shows it; :func:`token_axis_labels` makes them for tokens), or
  ``row_ticks`` / ``col_ticks`` label positions ``0 .. n-1`` (for labels that
  repeat, like the characters of a text);
- ``masked``: what a non-finite cell means. Such cells are drawn blank and their
  hover says ``masked`` (e.g. "−∞ (masked)"), or the value itself ("nan",
  "inf") when ``masked`` is None;
- ``outline_rows`` / ``outline_cols``: rows outlined in black (the current query
  or word, :func:`row_outline`), columns in the accent colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import (
    ACCENT,
    CELL_NUMBER_SIZE,
    DIVERGING,
    SEQUENTIAL,
    STEP_LINE,
    apply_layout,
    token_label,
)
from seqviz.figures.timeaxis import as_array

__all__ = [
    "color_range",
    "column_outline",
    "heatmap_trace",
    "matrix_heatmap",
    "matrix_height",
    "row_outline",
    "symmetric_limit",
    "token_axis_labels",
]

SCALES = ("diverging", "sequential")


def token_axis_labels(tokens: Sequence[str]) -> list[str]:
    """One unique axis category per token, ``word·i`` (Plotly merges equal categories)."""
    return [f"{token_label(t)}·{i}" for i, t in enumerate(tokens)]


def matrix_height(rows: int, base: int = 200, per_row: int = 26, cap: int = 900) -> int:
    """Figure height in px for ``rows`` rows: at least 300, at most ``cap``."""
    return int(min(max(base + per_row * rows, 300), cap))


def symmetric_limit(values, zmax: float | None = None) -> float:
    """``|zmax|`` if given, else the largest finite |value| (1.0 if there is none or it is 0)."""
    if zmax is not None:
        return float(abs(zmax)) or 1.0
    v = as_array(values)
    v = v[np.isfinite(v)]
    m = float(np.max(np.abs(v))) if v.size else 0.0
    return m if m > 0 else 1.0


def color_range(
    values, scale: str = "diverging", zmin: float | None = None, zmax: float | None = None
) -> dict:
    """Plotly's ``colorscale``, ``zmin``, ``zmax`` (and ``zmid``) for ``values`` on ``scale``.

    Diverging: ``-limit .. limit`` centred on 0, ``limit = symmetric_limit(values,
    zmax)`` (``zmin`` is not used). Sequential: ``zmin .. zmax``, default 0..1.

    Raises:
        ValueError: for a scale that is not ``"diverging"`` or ``"sequential"``.
    """
    if scale == "diverging":
        limit = symmetric_limit(values, zmax)
        return dict(colorscale=DIVERGING, zmin=-limit, zmax=limit, zmid=0.0)
    if scale == "sequential":
        return dict(
            colorscale=SEQUENTIAL,
            zmin=0.0 if zmin is None else float(zmin),
            zmax=1.0 if zmax is None else float(zmax),
        )
    raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")


def row_outline(row: int) -> dict:
    """The black outline of one row, across the plot's whole width, as a plain shape dict.

    For ``matrix_heatmap(outline_rows=...)``, and for a figure kept frozen
    (``seqviz.figures.overlay.overlay(base, shapes=[row_outline(i)])``).
    """
    return dict(
        type="rect",
        xref="x domain",
        x0=0,
        x1=1,
        y0=row - 0.5,
        y1=row + 0.5,
        line=dict(color=STEP_LINE, width=3),
    )


def column_outline(col: int) -> dict:
    """The accent-coloured outline of one column, over the plot's whole height."""
    return dict(
        type="rect",
        yref="y domain",
        y0=0,
        y1=1,
        x0=col - 0.5,
        x1=col + 0.5,
        line=dict(color=ACCENT, width=3),
    )


def heatmap_trace(
    values,
    rows: Sequence | None = None,
    cols: Sequence | None = None,
    *,
    scale: str = "diverging",
    zmin: float | None = None,
    zmax: float | None = None,
    value_name: str = "value",
    hover: str = "row %{y}<br>column %{x}",
    hover_digits: int = 3,
    cell_digits: int | None = None,
    masked: str | None = None,
    colorbar: Mapping | None = None,
) -> go.Heatmap:
    """The ``go.Heatmap`` of an ``(R, C)`` matrix (see :func:`matrix_heatmap`).

    The hover reads ``{hover}<br>{value_name} = value`` with ``hover_digits``
    decimals; ``hover`` says where the cell is, with Plotly's ``%{x}`` / ``%{y}``.
    """
    v = as_array(values)
    if v.ndim != 2:
        raise ValueError(f"expected an (R, C) matrix, got shape {v.shape}")
    finite = np.isfinite(v)
    # non-finite cells are NaN: drawn blank. float32 goes to the browser as a base64
    # typed array, 4 bytes a cell (exact for the float32 tensors of the models).
    z = np.where(finite, v, np.nan).astype(np.float32)
    if finite.all():
        customdata, shown = None, f"%{{z:.{hover_digits}f}}"
    else:
        # a blank cell has no z to hover: every cell's value as text, the blank ones
        # saying what they are (only then: a per-cell text array is most of the JSON)
        text = np.vectorize(lambda x: f"{x:.{hover_digits}f}", otypes=[object])(v)
        customdata = np.where(finite, text, masked) if masked is not None else text
        shown = "%{customdata}"
    cells = {}
    if cell_digits is not None:
        cells = dict(
            text=np.vectorize(lambda x: f"{x:.{cell_digits}f}", otypes=[object])(v),
            texttemplate="%{text}",
            textfont=dict(size=CELL_NUMBER_SIZE),
        )
    return go.Heatmap(
        z=z,
        x=None if cols is None else list(cols),
        y=None if rows is None else list(rows),
        customdata=customdata,
        hovertemplate=f"{hover}<br>{value_name} = {shown}<extra></extra>",
        colorbar=dict(title=value_name, thickness=14) | dict(colorbar or {}),
        **color_range(v, scale, zmin, zmax),
        **cells,
    )


def matrix_heatmap(
    values,
    rows: Sequence | None = None,
    cols: Sequence | None = None,
    *,
    row_ticks: Sequence[str] | None = None,
    col_ticks: Sequence[str] | None = None,
    outline_rows: Sequence[int] = (),
    outline_cols: Sequence[int] = (),
    title: str | None = None,
    height: int | None = None,
    **trace_options,
) -> go.Figure:
    """Heatmap of an ``(R, C)`` matrix, row 0 at the top.

    Args:
        values: ``(R, C)`` numpy array, torch tensor or nested list.
        rows, cols: unique names of the rows / columns (category axes; the hover
            shows the name), or ``None`` for positions ``0 .. n-1``.
        row_ticks, col_ticks: tick text for positions ``0 .. n-1`` (rich text,
            already escaped), when ``rows`` / ``cols`` are ``None``.
        outline_rows: rows outlined in black; out-of-range rows are ignored.
        outline_cols: columns outlined in the accent colour.
        title: rich-text title.
        height: px; default grows with ``R`` (:func:`matrix_height`).
        **trace_options: ``scale``, ``zmin``, ``zmax``, ``value_name``, ``hover``,
            ``hover_digits``, ``cell_digits``, ``masked``, ``colorbar``, as in
            :func:`heatmap_trace`.

    Returns:
        ``go.Figure`` with one ``Heatmap`` trace and one rectangle per outline.
    """
    v = as_array(values)
    fig = go.Figure(heatmap_trace(v, rows, cols, **trace_options))
    R, C = v.shape
    for axis, names, ticks, n in (
        (fig.update_xaxes, cols, col_ticks, C),
        (fig.update_yaxes, rows, row_ticks, R),
    ):
        if names is not None:
            axis(type="category")
        elif ticks is not None:
            axis(tickmode="array", tickvals=list(range(n)), ticktext=list(ticks))
    fig.update_yaxes(autorange="reversed")
    for r in outline_rows:
        if 0 <= r < R:
            fig.add_shape(**row_outline(r))
    for c in outline_cols:
        if 0 <= c < C:
            fig.add_shape(**column_outline(c))
    return apply_layout(fig, title=title, height=height or matrix_height(R))
