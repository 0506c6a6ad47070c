"""A head view in the style of bertviz: the tokens in two columns, a line from each
query to each key it attends to, as opaque as its weight, one colour per head.

Pure builder: weights and tokens in, a Plotly figure out. Positions are shown from 1.

Dimension letters: ``T`` time, ``nh`` heads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.block import head_color
from seqviz.figures.style import FONT_SIZE, apply_layout, token_label
from seqviz.figures.timeaxis import as_array

__all__ = ["head_view"]


def head_view(
    weights, tokens: Sequence[str], query: int | None = None, min_weight: float = 0.02
) -> go.Figure:
    """bertviz's head view: the tokens in two columns, a line from each token (left, the
    query) to each token it attends to (right, the key), as opaque as its weight, one
    colour per head.

    Args:
        weights: (nh, T, T) one layer's attention weights (rows: queries).
        tokens: T tokens.
        query: draw only this query's lines (0-based), or every query's (None). With one
            query the columns stop at the last token it is drawn to (or at the query):
            under a causal mask, the characters after it.
        min_weight: lines below this weight are not drawn (they would be invisible).
    """
    w = as_array(weights)
    nh, T, _ = w.shape
    if query is not None:  # the rows past every drawn line and the query carry nothing
        drawn = np.flatnonzero((w[:, query, :] >= min_weight).any(axis=0))
        T = max(query, int(drawn.max()) if len(drawn) else 0) + 1
        w, tokens = w[:, :T, :T], tokens[:T]
    labels = [token_label(tok, compact=False) for tok in tokens]
    fig = go.Figure()
    queries = range(T) if query is None else [query]
    levels = np.linspace(0.1, 1.0, 10)  # opacity levels: one trace per (head, level)
    for h in range(nh):
        segs: dict[int, list] = {}
        for i in queries:
            for j in range(T):
                a = float(w[h, i, j])
                if a < min_weight:
                    continue
                lv = int(np.clip(np.ceil(a * 10) - 1, 0, 9))
                # left column (x = 0) token i → right column (x = 1) token j
                segs.setdefault(lv, []).extend([(0.0, -i), (1.0, -j), (None, None)])
        for lv, pts in sorted(segs.items()):
            xs, ys = zip(*pts, strict=True)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line=dict(color=head_color(h), width=1 + 3 * levels[lv]),
                    opacity=float(levels[lv]) * (0.9 if query is not None else 0.6),
                    name=f"head {h + 1}",
                    legendgroup=f"head {h + 1}",
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(  # the legend entry, drawn at full strength
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line=dict(color=head_color(h), width=4),
                name=f"head {h + 1}",
                legendgroup=f"head {h + 1}",
            )
        )
    # the two columns of tokens
    for side, x in (("query", 0.0), ("key", 1.0)):
        shown = [
            f"<b>▶ {lab}</b>" if query is not None and i == query and side == "query" else lab
            for i, lab in enumerate(labels)
        ]
        fig.add_trace(
            go.Scatter(
                x=[x] * T,
                y=[-i for i in range(T)],
                mode="text",
                text=shown,
                textposition="middle left" if x == 0 else "middle right",
                textfont=dict(size=FONT_SIZE, color="#222222"),
                showlegend=False,
                customdata=[i + 1 for i in range(T)],
                hovertemplate=f"{side} position %{{customdata}}: %{{text}}<extra></extra>",
            )
        )
    apply_layout(fig, height=max(300, 70 + 21 * T))
    fig.update_xaxes(visible=False, range=[-0.25, 1.25])
    fig.update_yaxes(visible=False, range=[-T + 0.3, 0.7])
    fig.update_layout(
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0.5, xanchor="center"),
        annotations=[
            dict(
                x=0,
                y=1.0,
                xref="x",
                yref="paper",
                text="<b>query</b>",
                showarrow=False,
                xanchor="right",
                yanchor="bottom",
                font=dict(size=FONT_SIZE),
            ),
            dict(
                x=1,
                y=1.0,
                xref="x",
                yref="paper",
                text="<b>key</b>",
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                font=dict(size=FONT_SIZE),
            ),
        ],
    )
    return fig
