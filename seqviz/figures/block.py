"""Figures for the inside of a Transformer block: the residual stream, the feed-forward's
hidden units and one head's Q / K / V (the bertviz-style head view is in
:mod:`seqviz.figures.head_view`, the logit lens in :mod:`seqviz.figures.logit_lens`).

Pure builders: arrays and labels in, Plotly figures out (no model, no Streamlit).
Positions, layers, heads and units are shown counted from 1.

Dimension letters: ``T`` time, ``E`` model size, ``F`` feed-forward size, ``V``
vocabulary, ``nh`` heads, ``dh`` head size, ``L`` blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.style import (
    ACCENT,
    DIVERGING,
    NEUTRAL,
    OKABE_ITO,
    SEQUENTIAL,
    TICK_SIZE,
    apply_layout,
    token_label,
)
from seqviz.figures.timeaxis import as_array

__all__ = [
    "HEAD_COLORS",
    "head_color",
    "residual_stream",
    "ffn_activations",
    "qkv",
]

HEAD_COLORS = tuple(
    OKABE_ITO[c]
    for c in ("blue", "vermillion", "bluish green", "reddish purple", "orange", "sky blue")
)
BRANCH_COLOR = OKABE_ITO["orange"]  # what a sub-layer reads or adds (not the stream itself)


def head_color(h: int) -> str:
    """The colour of head h (0-based), the same in every figure of the page."""
    return HEAD_COLORS[h % len(HEAD_COLORS)]


def residual_stream(
    names: Sequence[str],
    kinds: Sequence[str],
    layers: Sequence[int],
    norms: Sequence[float],
    values: Sequence[float],
    dim: int,
    title: str | None = None,
) -> go.Figure:
    """The stream through the blocks for one token: each stage's norm and one dimension.

    Args:
        names: the stages, in computing order (plain text).
        kinds: "stream" (the residual stream itself: a connected line) or "branch" (what a
            sub-layer reads or adds: bars).
        layers: 0 = embedding, l = block l, L + 1 = the output layer (shaded bands).
        norms: ‖stage‖₂ for the token.
        values: the stage's number in dimension ``dim`` (0-based; shown from 1).
    """
    x = list(range(len(names)))
    labels = list(names)
    # the band above says which block: the ticks drop the " [l]" suffix
    ticks = [n.rsplit(" [", 1)[0].split(" (")[0] for n in names]  # "x⁰ (embedding …)" -> "x⁰"
    norms_a, values_a = np.asarray(norms, float), np.asarray(values, float)
    stream = [i for i, k in enumerate(kinds) if k == "stream"]
    branch = [i for i, k in enumerate(kinds) if k != "stream"]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.55, 0.45],
    )
    fig.add_trace(
        go.Bar(
            x=branch,
            y=norms_a[branch],
            marker_color=BRANCH_COLOR,
            name="sub-layer input / output",
            hovertemplate="%{customdata}<br>‖·‖ = %{y:.3f}<extra></extra>",
            customdata=[labels[i] for i in branch],
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=stream,
            y=norms_a[stream],
            mode="lines+markers",
            line=dict(color=ACCENT, width=3),
            marker=dict(size=12),
            name="residual stream x",
            hovertemplate="%{customdata}<br>‖x‖ = %{y:.3f}<extra></extra>",
            customdata=[labels[i] for i in stream],
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=values_a,
            marker=dict(
                color=values_a,
                colorscale=DIVERGING,
                cmid=0,
                line=dict(
                    color=[ACCENT if k == "stream" else BRANCH_COLOR for k in kinds], width=3
                ),
            ),
            name=f"x_i, i = {dim + 1}",
            showlegend=False,
            text=[f"{v:.2f}" for v in values_a],
            textposition="outside",
            textfont=dict(size=TICK_SIZE - 2),
            cliponaxis=False,
            hovertemplate="%{customdata}<br>dimension "
            + str(dim + 1)
            + ": %{y:.4f}<extra></extra>",
            customdata=labels,
        ),
        row=2,
        col=1,
    )
    # shaded bands: which block each stage belongs to
    last = max(layers)
    for l in sorted(set(layers)):
        idx = [i for i, v in enumerate(layers) if v == l]
        band = "x⁰" if l == 0 else "out" if l == last else f"block {l}"
        fig.add_vrect(
            x0=min(idx) - 0.5,
            x1=max(idx) + 0.5,
            fillcolor="#000000" if l % 2 else "#FFFFFF",
            opacity=0.05,
            line_width=0,
            annotation_text=band,
            annotation_position="top",
            annotation_font_size=TICK_SIZE - 2,
            row=1,
            col=1,
        )
    fig.update_xaxes(tickvals=x, ticktext=ticks, tickangle=-35, row=2, col=1)
    fig.update_yaxes(title_text="‖·‖₂", rangemode="tozero", row=1, col=1)
    pad = max(float(np.abs(values_a).max(initial=0.0)) * 0.25, 0.05)
    fig.update_yaxes(
        title_text=f"dim {dim + 1}",
        range=[min(values_a.min(initial=0.0), 0) - pad, max(values_a.max(initial=0.0), 0) + pad],
        row=2,
        col=1,
    )
    apply_layout(fig, title=title, height=560)
    fig.update_layout(
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, xanchor="left"),
        margin=dict(t=90 if title else 60, b=150),
        bargap=0.3,
    )
    return fig


def ffn_activations(pre, hidden, top: int = 10) -> go.Figure:
    """The feed-forward's F hidden units for one token.

    Left: every unit j as a dot (W_1 u + b_1)_j → GELU(·)_j on the GELU curve. Right: the
    ``top`` units with the largest activation, numbered from 1.
    """
    u, h = as_array(pre).reshape(-1), as_array(hidden).reshape(-1)
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.58, 0.42],
        horizontal_spacing=0.12,
        subplot_titles=(f"all {len(u)} units on the GELU curve", f"the {top} most active units"),
    )
    lo, hi = min(float(u.min()), -3.0) - 0.3, max(float(u.max()), 3.0) + 0.3
    grid = np.linspace(lo, hi, 200)
    gelu = 0.5 * grid * (1 + np.vectorize(math.erf)(grid / math.sqrt(2)))
    fig.add_trace(
        go.Scatter(x=grid, y=gelu, mode="lines", line=dict(color=NEUTRAL, width=3), name="GELU(u)"),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=u,
            y=h,
            mode="markers",
            marker=dict(size=8, color=ACCENT, opacity=0.7),
            name="units",
            customdata=np.arange(1, len(u) + 1),
            hovertemplate="unit %{customdata}<br>pre-activation %{x:.3f}<br>GELU %{y:.3f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    order = np.argsort(-h, kind="stable")[:top]
    fig.add_trace(
        go.Bar(
            x=h[order],
            y=[f"unit {j + 1}" for j in order],
            orientation="h",
            marker_color=ACCENT,
            showlegend=False,
            text=[f"{v:.2f}" for v in h[order]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="pre-activation (W₁u + b₁)ⱼ", row=1, col=1)
    fig.update_yaxes(title_text="hidden GELU(·)ⱼ", row=1, col=1)
    fig.update_xaxes(title_text="activation", row=1, col=2)
    fig.update_yaxes(autorange="reversed", type="category", row=1, col=2)
    apply_layout(fig, height=420)
    fig.update_layout(showlegend=False, margin=dict(t=60))
    return fig


def qkv(q, K, V, weights, tokens: Sequence[str], t: int, head: int) -> go.Figure:
    """One head's query for position t, the keys and values it may see, and its weights.

    Args:
        q: (dh,) q_t.
        K, V: (t + 1, dh) k_j and v_j for j = 1 … t (0-based rows 0 .. t).
        weights: (t + 1,) α_{t,j}.
        tokens: the t + 1 tokens read so far.
        t: the query position (0-based); head: the head (0-based), for the titles.
    """
    q, K, V, w = as_array(q).reshape(1, -1), as_array(K), as_array(V), as_array(weights)
    n, dh = K.shape
    rows = [f"{j + 1} {token_label(tok)}" for j, tok in enumerate(tokens[:n])]
    fig = make_subplots(
        rows=2,
        cols=3,
        row_heights=[0.14, 0.86],
        column_widths=[0.38, 0.38, 0.24],
        shared_yaxes=False,
        horizontal_spacing=0.06,
        vertical_spacing=0.1,
        specs=[[{}, None, None], [{}, {}, {}]],
        subplot_titles=(
            f"query q<sub>{t + 1}</sub>",
            "keys k<sub>j</sub>",
            "values v<sub>j</sub>",
            f"weights α<sub>{t + 1},j</sub>",
        ),
    )
    scale = max(float(np.abs(np.concatenate([q.ravel(), K.ravel(), V.ravel()])).max()), 1e-9)
    common = dict(colorscale=DIVERGING, zmid=0, zmin=-scale, zmax=scale)
    dims = list(range(1, dh + 1))
    fig.add_trace(
        go.Heatmap(
            z=q,
            x=dims,
            y=[f"q {t + 1}"],
            showscale=False,
            hovertemplate="q: dim %{x}: %{z:.3f}<extra></extra>",
            **common,
        ),
        row=1,
        col=1,
    )
    for col, (M, name) in enumerate(((K, "k"), (V, "v")), start=2):
        fig.add_trace(
            go.Heatmap(
                z=M,
                x=dims,
                y=rows,
                showscale=col == 3,
                colorbar=dict(x=1.02, len=0.75, y=0.4, thickness=14),
                hovertemplate=name + "%{y}: dim %{x}: %{z:.3f}<extra></extra>",
                **common,
            ),
            row=2,
            col=col - 1,
        )
    fig.add_trace(
        go.Bar(
            x=w,
            y=rows,
            orientation="h",
            marker=dict(color=w, colorscale=SEQUENTIAL, cmin=0, cmax=1),
            text=[f"{v:.2f}" for v in w],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="α to %{y}: %{x:.4f}<extra></extra>",
        ),
        row=2,
        col=3,
    )
    for col in (1, 2, 3):
        fig.update_yaxes(autorange="reversed", type="category", row=2, col=col)
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_yaxes(showticklabels=False, row=2, col=2)
    fig.update_yaxes(showticklabels=False, row=2, col=3)
    fig.update_xaxes(range=[0, 1.25], row=2, col=3)
    fig.update_xaxes(title_text="dimension of the head", row=2, col=1)
    fig.update_xaxes(title_text="dimension of the head", row=2, col=2)
    apply_layout(fig, title=f"Head {head + 1}: query, keys, values", height=max(360, 150 + 24 * n))
    fig.update_layout(showlegend=False)
    return fig
