"""Figures for the logit lens: the top predictions read from the residual stream after each
layer, and the probability of the real next character at every layer and position.

Pure builders: arrays and labels in, Plotly figures out. Positions are shown from 1.

Dimension letters: ``T`` time, ``V`` vocabulary, ``L`` blocks (L + 1 readings).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.style import (
    ACCENT,
    NEUTRAL,
    SEQUENTIAL,
    STEP_LINE,
    TICK_SIZE,
    apply_layout,
    token_label,
)
from seqviz.figures.timeaxis import as_array

__all__ = ["lens_topk", "lens_next"]


def lens_topk(values, indices, vocab: Sequence[str], actual: int | None) -> go.Figure:
    """The top-k next tokens the stream predicts after each layer (one panel per layer).

    Args:
        values, indices: (L + 1, k) probabilities and token ids, layer 0 = embedding.
        vocab: V tokens.
        actual: id of the token that really follows (its bar in the accent colour), or None.
    """
    p, idx = as_array(values), np.asarray(indices)
    n, k = p.shape
    titles = ["embedding"] + [f"after block {l}" for l in range(1, n)]
    fig = make_subplots(rows=1, cols=n, subplot_titles=titles, horizontal_spacing=0.08)
    for l in range(n):
        labels = [token_label(vocab[i], compact=False) for i in idx[l]]
        fig.add_trace(
            go.Bar(
                x=100 * p[l],
                y=[f"{r + 1}. {lab}" for r, lab in enumerate(labels)],
                orientation="h",
                marker_color=[ACCENT if i == actual else NEUTRAL for i in idx[l]],
                text=[f"{100 * v:.1f}%" for v in p[l]],
                textposition="outside",
                cliponaxis=False,
                showlegend=False,
                hovertemplate="%{y}: %{x:.2f}%<extra></extra>",
            ),
            row=1,
            col=l + 1,
        )
        fig.update_yaxes(autorange="reversed", type="category", row=1, col=l + 1)
        fig.update_xaxes(range=[0, 125], title_text="%", row=1, col=l + 1)
    apply_layout(fig, height=320)
    fig.update_layout(margin=dict(t=60))
    return fig


def lens_next(p_next, tokens: Sequence[str], t: int | None = None) -> go.Figure:
    """P(the real next character) at each layer (rows) for each position (columns).

    Args:
        p_next: (L + 1, T − 1) probabilities; column j is position j + 1 predicting j + 2.
        tokens: the T tokens.
        t: the outlined column (0-based position), if it has a next character.
    """
    p = as_array(p_next)
    n, m = p.shape
    cols = [f"{j + 1} {token_label(tokens[j])}" for j in range(m)]
    rows = ["embedding"] + [f"after block {l}" for l in range(1, n)]
    nxt = [token_label(tokens[j + 1], compact=False) for j in range(m)]
    fig = go.Figure(
        go.Heatmap(
            z=p,
            x=cols,
            y=rows,
            colorscale=SEQUENTIAL,
            zmin=0,
            zmax=1,
            customdata=np.array([nxt] * n, dtype=object),
            hovertemplate="%{y}, position %{x}<br>P(next = %{customdata}) = %{z:.3f}<extra></extra>",
            colorbar=dict(title="P"),
        )
    )
    if t is not None and 0 <= t < m:
        fig.add_shape(
            type="rect",
            x0=t - 0.5,
            x1=t + 0.5,
            y0=-0.5,
            y1=n - 0.5,
            line=dict(color=STEP_LINE, width=3),
        )
    fig.update_xaxes(type="category", tickangle=-90, tickfont=dict(size=TICK_SIZE - 4))
    fig.update_yaxes(type="category", autorange="reversed")
    apply_layout(fig, height=300)
    fig.update_layout(margin=dict(t=30, b=90))
    return fig
