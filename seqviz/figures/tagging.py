"""Figures of the named-entity tagger: the tagged sentence, each direction's share of a
tag's logit, the two directions' states, the confusion matrix.

Dimension letters: ``T`` words, ``K`` tags, ``H`` hidden units per direction.
Words are counted from 1 on every axis (x_1 … x_T).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.matrix import column_outline, matrix_heatmap
from seqviz.figures.style import ACCENT, NEUTRAL, OKABE_ITO, apply_layout, token_label
from seqviz.figures.timeaxis import as_array

PART_COLORS = {
    "forward": OKABE_ITO["blue"],
    "backward": OKABE_ITO["vermillion"],
    "bias": NEUTRAL,
}


def word_labels(words: Sequence[str], unknown: Sequence[bool] = ()) -> list[str]:
    """Tick text "word·t" (t from 1), an unknown word in the <unk> colour with a "?"."""
    unknown = list(unknown) or [False] * len(words)
    return [
        f"{token_label(w)}{'<sup>?</sup>' if u else ''}·{t}"
        for t, (w, u) in enumerate(zip(words, unknown, strict=True), start=1)
    ]


def tag_probabilities(
    probs,
    words: Sequence[str],
    tags: Sequence[str],
    *,
    unknown: Sequence[bool] = (),
    step: int | None = None,
    title: str | None = None,
    row_height: int = 34,
) -> go.Figure:
    """p(y_t = k) for every tag k (rows) and word t (columns), the argmax tag written on
    top; ``step`` (0-based) outlines that word's column; ``row_height`` in px per tag."""
    p = as_array(probs).T  # (K, T)
    labels = word_labels(words, unknown)
    fig = matrix_heatmap(
        p,
        row_ticks=list(tags),
        col_ticks=labels,
        scale="sequential",
        value_name="p",
        hover="tag %{y}<br>word %{x}",
        cell_digits=2,
        outline_cols=() if step is None else (step,),
        title=title,
        height=150 + row_height * len(tags),
    )
    best = p.argmax(0)
    fig.update_xaxes(side="top", tickangle=-40 if len(words) > 8 else 0)
    fig.add_trace(  # the chosen tag of each word: a ring around its cell
        go.Scatter(
            x=list(range(len(words))),
            y=best.tolist(),
            mode="markers",
            marker=dict(symbol="square-open", size=30, color=OKABE_ITO["orange"], line_width=3),
            name="chosen tag",
            hoverinfo="skip",
        )
    )
    fig.update_layout(showlegend=False, margin=dict(t=110 if not title else 150, b=20))
    return fig


def logit_split(
    fwd_part,
    bwd_part,
    bias,
    tags: Sequence[str],
    *,
    chosen: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """For one word: each tag's logit z_k = W→ h→ + W← h← + b as stacked bars (forward,
    backward, bias) with the total as a diamond; ``bwd_part`` None for a forward-only
    tagger. ``chosen`` (a tag index) is named in bold."""
    parts = [("forward", "W→h→<sub>t</sub>", as_array(fwd_part))]
    if bwd_part is not None:
        parts.append(("backward", "W←h←<sub>t</sub>", as_array(bwd_part)))
    parts.append(("bias", "b", as_array(bias)))
    total = sum(v for _, _, v in parts)
    names = [f"<b>{t}</b>" if k == chosen else t for k, t in enumerate(tags)]
    fig = go.Figure()
    for key, label, values in parts:
        fig.add_trace(
            go.Bar(
                x=names,
                y=values,
                name=label,
                marker_color=PART_COLORS[key],
                hovertemplate=f"{label} = %{{y:.3f}}<extra>%{{x}}</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=total,
            mode="markers",
            name="z<sub>t</sub> (sum)",
            marker=dict(
                symbol="diamond", size=16, color="#222222", line=dict(color="white", width=1)
            ),
            hovertemplate="z = %{y:.3f}<extra>%{x}</extra>",
        )
    )
    fig.add_hline(y=0, line_color="#888888", line_width=1)
    fig.update_yaxes(title_text="logit")
    fig = apply_layout(fig, title, 400)
    fig.update_layout(barmode="relative", legend=dict(orientation="h", y=-0.18, x=0))
    return fig


def direction_states(
    h, words: Sequence[str], step: int, *, title: str | None = None, unknown: Sequence[bool] = ()
) -> go.Figure:
    """One direction's states, units (rows) by words (columns), word ``step`` outlined."""
    v = as_array(h).T  # (H, T)
    fig = matrix_heatmap(
        v,
        col_ticks=word_labels(words, unknown),
        scale="diverging",
        zmax=1.0,
        value_name="h",
        hover="unit %{y}<br>word %{x}",
        outline_cols=(step,),
        title=title,
        height=320,
    )
    fig.update_yaxes(title_text="unit")
    return fig


def confusion(counts, tags: Sequence[str], *, title: str | None = None) -> go.Figure:
    """Gold tag (rows) by predicted tag (columns), each cell the share of its row (the count
    in the hover); the diagonal is right."""
    c = as_array(counts)
    share = c / np.maximum(c.sum(1, keepdims=True), 1)
    fig = matrix_heatmap(
        share,
        row_ticks=list(tags),
        col_ticks=list(tags),
        scale="sequential",
        value_name="share of row",
        hover="gold %{y}<br>predicted %{x}",
        cell_digits=2,
        title=title,
        height=440,
    )
    fig.update_xaxes(title_text="predicted tag")
    fig.update_yaxes(title_text="gold tag")
    return fig


def f1_curve(eval_steps: Sequence[int], f1: Sequence[float], losses: Sequence[float]) -> go.Figure:
    """Training loss per step (grey) and held-out entity F1 where measured (accent)."""
    fig = go.Figure()
    if len(losses):
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(losses) + 1)),
                y=list(losses),
                mode="lines",
                name="training loss",
                line=dict(color=NEUTRAL, width=1),
            )
        )
    if len(f1):
        fig.add_trace(
            go.Scatter(
                x=list(eval_steps),
                y=list(f1),
                mode="lines+markers",
                name="held-out entity F1",
                yaxis="y2",
                line=dict(color=ACCENT, width=3),
            )
        )
    fig.update_layout(
        yaxis=dict(title="cross-entropy (nats)"),
        yaxis2=dict(
            title="entity F1", overlaying="y", side="right", range=[0, 1], dtick=0.2, showgrid=False
        ),
        legend=dict(orientation="h", y=-0.25, x=0),
    )
    fig.update_xaxes(title_text="training step")
    return apply_layout(fig, None, 380)


__all__ = [
    "column_outline",
    "confusion",
    "direction_states",
    "f1_curve",
    "logit_split",
    "tag_probabilities",
    "word_labels",
]
