"""Figures for the attention and Transformer labs: matrices, attention maps, model view.

Pure builders: (arrays, tokens, options) -> ``go.Figure``. Attention weights use the
sequential 0..1 scale, signed values (Q, K, V, scores, encodings) the diverging
scale centred on 0 (see :mod:`seqviz.figures.style`). Every hover shows the exact
value and, for attention, the (query, key) token pair.

Dimension letters: ``T_q`` queries, ``T_k`` keys, ``d`` columns, ``L`` layers, ``nh`` heads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.matrix import (
    heatmap_trace,
    matrix_heatmap,
    matrix_height,
    token_axis_labels,
)
from seqviz.figures.style import ACCENT, NEUTRAL, STEP_LINE, apply_layout, token_label
from seqviz.figures.timeaxis import as_array


def matrix(
    values,
    row_tokens: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    value_name: str = "value",
    highlight_row: int | None = None,
    height: int | None = None,
) -> go.Figure:
    """A signed (T, d) or (T_q, T_k) matrix on the diverging scale, rows = tokens.

    Args:
        values: ``(T, d)`` e.g. Q, K, V, or ``(T_q, T_k)`` scores.
        row_tokens: the ``T`` tokens, one per row.
        col_labels: unique column names (e.g. ``token_axis_labels(tokens)`` for
            scores); default ``"0" .. "d-1"``.
        highlight_row: the row outlined (the query), or ``None``.

    NaN / -inf cells (masked scores) are left blank and hover as "−∞ (masked)".
    """
    v = as_array(values)
    cols = list(col_labels) if col_labels is not None else [str(j) for j in range(v.shape[1])]
    return matrix_heatmap(
        v,
        rows=token_axis_labels(row_tokens),
        cols=cols,
        value_name=value_name,
        masked="−∞ (masked)",
        outline_rows=() if highlight_row is None else (highlight_row,),
        title=title,
        height=height,
    )


MASKED = "masked: −∞ → 0"
"""What a masked cell of an attention map says on hover: its score was set to −∞, so
its weight is exactly 0 — not a small weight the model chose."""

HATCH = "rgba(80, 80, 80, 0.55)"  # the strokes drawn across a masked cell


def masked_weights(weights, mask) -> np.ndarray:
    """The weights as floats with NaN where ``mask`` (bool, True = allowed) forbids the
    cell: a figure draws those blank instead of as a weight of 0."""
    w = as_array(weights).astype(float)
    if mask is None:
        return w
    allowed = np.broadcast_to(as_array(mask).astype(bool), w.shape)
    return np.where(allowed, w, np.nan)


def hatch_trace(allowed: np.ndarray, rows: Sequence[str], cols: Sequence[str]) -> go.Scatter:
    """One diagonal stroke in every masked cell (``allowed`` False), so a masked cell reads
    as "not there" rather than as a blank weight; the hover says what it is."""
    r, c = np.nonzero(~allowed)
    return go.Scatter(
        x=[cols[j] for j in c],
        y=[rows[i] for i in r],
        mode="markers",
        marker=dict(symbol="line-ne", size=9, line=dict(color=HATCH, width=1.5)),
        hovertemplate=f"query “%{{y}}” → key “%{{x}}”<br>{MASKED}<extra></extra>",
        showlegend=False,
        name="masked",
    )


def attention_map(
    weights,
    q_tokens: Sequence[str],
    k_tokens: Sequence[str] | None = None,
    *,
    title: str | None = None,
    highlight_row: int | None = None,
    height: int | None = None,
    show_values: bool | None = None,
    mask=None,
) -> go.Figure:
    """(T_q, T_k) attention weights on the sequential 0..1 scale; rows are queries.

    Hover: 'query “x” (i) → key “y” (j): weight 0.123'. Values are printed in the
    cells when the matrix is small enough to read them (at most 16 x 16).

    ``mask`` (bool, broadcastable to (T_q, T_k), True = allowed, e.g. the causal mask):
    the cells it forbids are drawn blank with a hatch stroke, print no value, and hover
    as "masked: −∞ → 0" — a masked weight is not a small weight.
    """
    w = masked_weights(weights, mask)
    T_q, T_k = w.shape
    k_tokens = q_tokens if k_tokens is None else k_tokens
    show = (T_q <= 16 and T_k <= 16) if show_values is None else show_values
    rows, cols = token_axis_labels(q_tokens), token_axis_labels(k_tokens)
    fig = matrix_heatmap(
        w,
        rows=rows,
        cols=cols,
        scale="sequential",
        value_name="weight",
        hover="query “%{y}” → key “%{x}”",
        hover_digits=4,
        cell_digits=2 if show else None,
        masked=MASKED,
        outline_rows=() if highlight_row is None else (highlight_row,),
        title=title,
        height=height or matrix_height(T_q, base=260),
    )
    allowed = np.isfinite(w)
    if show and not allowed.all():
        heat = fig.data[0]
        heat.text = np.where(allowed, heat.text, "")  # no "nan" printed in a masked cell
    if not allowed.all():
        fig.add_trace(hatch_trace(allowed, rows, cols))
    fig.update_yaxes(title_text="query (row)")
    fig.update_xaxes(title_text="key (column)")
    return fig


def weight_bars(
    row, k_tokens: Sequence[str], *, title: str | None = None, height: int = 360
) -> go.Figure:
    """One query's weights over the keys, as bars (the heaviest key in the accent colour)."""
    w = as_array(row).astype(float)
    labels = token_axis_labels(k_tokens)
    colours = (
        [ACCENT if j == int(np.argmax(w)) else NEUTRAL for j in range(len(w))] if len(w) else []
    )
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=w,
            marker_color=colours,
            text=np.char.mod("%.3f", w),
            textposition="outside",
            hovertemplate="key %{x}<br>weight = %{y:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 1.1], title="weight")
    fig.update_xaxes(type="category")
    return apply_layout(fig, title=title, height=height)


def entropy_bars(
    entropy, tokens: Sequence[str], max_entropy: Sequence[float], *, title: str | None = None
) -> go.Figure:
    """Entropy of each query's weights (bars) against the uniform maximum (line)."""
    h = as_array(entropy).astype(float)
    labels = token_axis_labels(tokens)
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=h,
                name="entropy of the row",
                marker_color=ACCENT,
                hovertemplate="query %{x}<br>entropy = %{y:.3f} nats<extra></extra>",
            ),
            go.Scatter(
                x=labels,
                y=list(max_entropy),
                name="uniform (log of keys allowed)",
                mode="lines+markers",
                line=dict(color=NEUTRAL, dash="dash"),
                hovertemplate="query %{x}<br>uniform = %{y:.3f} nats<extra></extra>",
            ),
        ]
    )
    fig.update_yaxes(title="nats", rangemode="tozero")
    fig.update_xaxes(type="category")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return apply_layout(fig, title=title, height=380)


MODEL_VIEW_TICKS = 24  # label every token on the small maps' axes up to this many tokens


def model_view(
    weights,
    tokens: Sequence[str],
    *,
    selected: tuple[int, int] | None = None,
    height: int | None = None,
    mask=None,
    tick_labels: bool | None = None,
) -> go.Figure:
    """A grid of small attention maps: one row per layer, one column per head.

    Args:
        weights: (L, nh, T, T).
        tokens: T tokens: every cell's hover names its (query → key) pair.
        selected: (layer, head) outlined, or None.
        mask: bool (T, T), True = allowed (e.g. the causal mask): forbidden cells are
            drawn blank and hover as "masked: −∞ → 0".
        tick_labels: write the tokens on the axes (the left column's rows, the bottom
            row's columns); default: when T <= :data:`MODEL_VIEW_TICKS`, so that each
            label has room. Larger maps are labelled by their hover only (and the page
            enlarges the selected one with every label).
    """
    w = as_array(weights)
    L, nh, T, _ = w.shape
    labels = token_axis_labels(tokens)
    ticks = T <= MODEL_VIEW_TICKS if tick_labels is None else tick_labels
    fig = make_subplots(
        rows=L,
        cols=nh,
        subplot_titles=[f"layer {l + 1} · head {h + 1}" for l in range(L) for h in range(nh)],
        horizontal_spacing=0.05 if ticks else 0.03,
        vertical_spacing=(0.14 if ticks else 0.08) if L > 1 else 0.0,
    )
    for l in range(L):
        for h in range(nh):
            trace = heatmap_trace(
                masked_weights(w[l, h], mask),
                labels,
                labels,
                scale="sequential",
                value_name="weight",
                hover=f"layer {l + 1}, head {h + 1}<br>query “%{{y}}” → key “%{{x}}”",
                hover_digits=4,
                masked=MASKED,
            )
            trace.showscale = l == 0 and h == nh - 1
            fig.add_trace(trace, row=l + 1, col=h + 1)
    fig.update_xaxes(type="category", showticklabels=False)
    fig.update_yaxes(showticklabels=False, autorange="reversed", type="category")
    if ticks:
        tick_font = dict(size=10)
        for h in range(nh):
            fig.update_xaxes(
                showticklabels=True, tickangle=-90, tickfont=tick_font, row=L, col=h + 1
            )
        for l in range(L):
            fig.update_yaxes(showticklabels=True, tickfont=tick_font, row=l + 1, col=1)
    if selected is not None:
        l, h = selected
        idx = l * nh + h + 1
        suffix = "" if idx == 1 else str(idx)
        fig.add_shape(
            type="rect",
            x0=-0.5,
            x1=T - 0.5,
            y0=-0.5,
            y1=T - 0.5,
            xref=f"x{suffix}",
            yref=f"y{suffix}",
            line=dict(color=STEP_LINE, width=4),
        )
    per_layer = 300 if ticks else 260
    apply_layout(fig, height=height or min(per_layer * L + 80, 900))
    margin = 70 if ticks else 20
    fig.update_layout(margin=dict(l=margin, r=20, t=50, b=margin))
    return fig


def alignment_pair(
    attention, connectivity, tokens: Sequence[str], targets: Sequence[str], *, height: int = 420
) -> go.Figure:
    """Transformer attention next to LSTM connectivity, both (n answers, T inputs).

    Each connectivity row is divided by its maximum so both panels share the 0..1 scale.
    """
    a = as_array(attention)
    c = as_array(connectivity)
    c = c / np.maximum(c.max(axis=1, keepdims=True), 1e-12)
    xs = token_axis_labels(tokens)
    ys = [f"y{k + 1}={token_label(t)}" for k, t in enumerate(targets)]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.08,
        subplot_titles=(
            "Transformer: attention weights",
            "LSTM: ‖∂ log p(y_k) / ∂ e_s‖ (row / row max)",
        ),
    )
    for col, (z, what) in enumerate(((a, "weight"), (c, "relative gradient norm")), start=1):
        trace = heatmap_trace(
            z,
            ys,
            xs,
            scale="sequential",
            value_name=what,
            hover="answer %{y}<br>input %{x}",
            colorbar=dict(title="0 to 1"),
        )
        trace.showscale = col == 2
        fig.add_trace(trace, row=1, col=col)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", title="input position s")
    return apply_layout(fig, height=height)


def prefix_attention(
    weights, tokens: Sequence[str], position: int, *, height: int | None = None
) -> go.Figure:
    """Every head's attention from one position over the prefix it can see.

    Args:
        weights: (L, nh, T, T) attention weights of a causal model.
        tokens: T tokens.
        position: the query position p; columns 0..p are drawn.
    """
    w = as_array(weights)
    L, nh = w.shape[:2]
    rows = w[:, :, position, : position + 1].reshape(L * nh, position + 1)
    names = [f"L{l + 1} H{h + 1}" for l in range(L) for h in range(nh)]
    cols = token_axis_labels(tokens[: position + 1])
    fig = matrix_heatmap(
        rows,
        rows=names,
        cols=cols,
        scale="sequential",
        value_name="weight",
        hover=f"%{{y}}: “{cols[-1] if cols else ''}” → “%{{x}}”",
        hover_digits=4,
        title=f"Attention of position {position} over its prefix",
        height=height or 200 + 34 * len(names),
    )
    fig.update_yaxes(title_text="layer, head")
    fig.update_xaxes(title_text="characters it can see")
    return fig
