"""Figures for the language-model lab: training curves, n-gram vs RNN, Markov window, rollouts.

Pure builders: data in, Plotly figure out (no Streamlit, no training).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.style import (
    ACCENT,
    FONT_SIZE,
    NEUTRAL,
    OKABE_ITO,
    SEQUENTIAL,
    STEP_FILL,
    STEP_LINE,
    apply_layout,
    token_label,
)


def _smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over the last ``window`` values (shorter at the start)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def training_curves(
    steps: Sequence[int],
    losses: Sequence[float],
    eval_steps: Sequence[int] = (),
    heldout_ppl: Sequence[float] = (),
    title: str | None = None,
    height: int = 440,
    window: int = 50,
    max_points: int = 600,
) -> go.Figure:
    """Loss (left) and perplexity (right) against training step.

    Args:
        steps, losses: every minibatch's cross-entropy.
        eval_steps, heldout_ppl: held-out perplexity where it was measured.
        window: running-mean window of the smoothed curves.
    """
    # A run may still be appending to these lists (a training loop in another script
    # thread): take equal-length copies so the pairs stay aligned.
    n = min(len(steps), len(losses))
    steps, losses = list(steps[:n]), list(losses[:n])
    m = min(len(eval_steps), len(heldout_ppl))
    eval_steps, heldout_ppl = list(eval_steps[:m]), list(heldout_ppl[:m])
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("cross-entropy loss (nats)", "perplexity = exp(loss)")
    )
    if len(steps):
        smooth = _smooth(losses, window)
        every = max(1, len(steps) // max_points)  # thin out long runs, keep the last point
        sel = list(range(0, len(steps), every))
        if sel[-1] != len(steps) - 1:
            sel.append(len(steps) - 1)
        x = np.asarray(steps)[sel]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(losses)[sel],
                mode="lines",
                name="minibatch loss",
                line=dict(color=NEUTRAL, width=1),
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=smooth[sel],
                mode="lines",
                name=f"mean of last {window}",
                line=dict(color=ACCENT, width=3),
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.exp(smooth[sel]),
                mode="lines",
                name="training perplexity",
                line=dict(color=ACCENT, width=3),
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    if len(eval_steps):
        fig.add_trace(
            go.Scatter(
                x=list(eval_steps),
                y=list(heldout_ppl),
                mode="lines+markers",
                name="held-out perplexity",
                line=dict(color=OKABE_ITO["vermillion"], width=3),
                marker=dict(size=8),
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0))
    fig = apply_layout(fig, title, height)
    fig.update_annotations(font_size=FONT_SIZE)
    return fig


def perplexity_bars(
    labels: Sequence[str],
    perplexities: Sequence[float],
    highlight: int | None = None,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """Held-out perplexity of several models (lower is better); inf drawn as a capped bar."""
    finite = [p for p in perplexities if math.isfinite(p)]
    cap = (max(finite) if finite else 30.0) * 1.3
    shown = [p if math.isfinite(p) else cap for p in perplexities]
    text = [f"{p:.2f}" if math.isfinite(p) else "∞" for p in perplexities]
    colors = [ACCENT if i == highlight else NEUTRAL for i in range(len(labels))]
    fig = go.Figure(
        go.Bar(
            x=list(labels),
            y=shown,
            text=text,
            textposition="outside",
            textfont=dict(size=FONT_SIZE),
            marker=dict(color=colors),
            hovertemplate="%{x}<br>perplexity %{text}<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="held-out perplexity", range=[0, cap * 1.15])
    return apply_layout(fig, title, height)


def memory_bars(
    labels: Sequence[str],
    sizes: Sequence[int],
    highlight: int | None = None,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """How many numbers each model stores (log scale): n-gram counts vs RNN parameters."""
    colors = [ACCENT if i == highlight else NEUTRAL for i in range(len(labels))]
    fig = go.Figure(
        go.Bar(
            x=list(labels),
            y=list(sizes),
            text=[f"{s:,}" for s in sizes],
            textposition="outside",
            textfont=dict(size=FONT_SIZE),
            marker=dict(color=colors),
            hovertemplate="%{x}<br>%{y:,} numbers<extra></extra>",
        )
    )
    top = max(sizes) if len(sizes) else 10
    fig.update_yaxes(
        type="log",
        title_text="numbers stored (log scale)",
        range=[0, math.log10(max(top, 10)) + 0.6],
    )
    return apply_layout(fig, title, height)


def markov_window(
    tokens: Sequence[str], t: int, n: int, title: str | None = None, height: int = 230
) -> go.Figure:
    """A sentence as boxes: the n-1 tokens the model sees, the token it predicts at t.

    Everything left of the window is greyed out: the n-gram model cannot see it.
    """
    T = len(tokens)
    fig = go.Figure()
    lo = max(0, t - n + 1)
    for i, tok in enumerate(tokens):
        if i == t:
            fill, line, font = STEP_FILL, STEP_LINE, "#000000"
        elif lo <= i < t:
            fill, line, font = ACCENT, STEP_LINE, "#FFFFFF"
        elif i < lo:
            fill, line, font = "#EEEEEE", "#CCCCCC", "#9A9A9A"
        else:
            fill, line, font = "#FFFFFF", "#DDDDDD", "#BBBBBB"
        fig.add_shape(
            type="rect",
            x0=i - 0.45,
            x1=i + 0.45,
            y0=-0.45,
            y1=0.45,
            fillcolor=fill,
            line=dict(color=line, width=2),
        )
        fig.add_annotation(
            x=i,
            y=0,
            text=token_label(tok, compact=False),
            showarrow=False,
            font=dict(size=FONT_SIZE + 4, color=font),
        )
    if t < T:
        fig.add_annotation(x=t, y=0.75, text="predict", showarrow=False, font=dict(size=FONT_SIZE))
    if lo < t:
        fig.add_shape(
            type="line",
            x0=lo - 0.45,
            x1=t - 0.55,
            y0=-0.65,
            y1=-0.65,
            line=dict(color=ACCENT, width=4),
        )
        fig.add_annotation(
            x=(lo + t - 1) / 2,
            y=-0.95,
            showarrow=False,
            text=f"context: the last {t - lo} token{'s' if t - lo != 1 else ''}",
            font=dict(size=FONT_SIZE, color=ACCENT),
        )
    fig.update_xaxes(visible=False, range=[-0.7, max(T, 1) - 0.3])
    fig.update_yaxes(visible=False, range=[-1.2, 1.0], scaleanchor=None)
    fig = apply_layout(fig, title, height)
    fig.update_layout(margin=dict(l=10, r=10, t=50 if title else 10, b=10), showlegend=False)
    return fig


# rollout_figure's layout (px): one heatmap row per character, each tall enough for its
# label (14 px text, 18 px in lecture mode), the loss panel below, margins around.
ROW_PX = 24
ROW_TICK_SIZE = 14
LOSS_PANEL_PX = 150
ROLLOUT_TOP_PX = 100
ROLLOUT_BOTTOM_PX = 90
ROLLOUT_GAP = 0.03
ROLLOUT_MARGIN_PX = ROLLOUT_TOP_PX + ROLLOUT_BOTTOM_PX


def rollout_figure(
    inputs: Sequence[str],
    targets: Sequence[str],
    probs,
    losses,
    vocab: Sequence[str],
    free_from: int | None = None,
    step: int | None = None,
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Step by step: the input fed in, the distribution over the next character, the loss.

    The height grows with V: every row of the heatmap gets :data:`ROW_PX` pixels, room
    for its tick label at 14 px (18 px once lecture mode scales chart text by 1.3).

    Top: a (V x T) heatmap of P(next = row | inputs up to t); a black ring marks the
    true target in every column. Bottom: -log P(target) at each step. Columns from
    ``free_from`` on were fed the model's own output (orange tick labels).

    Args:
        inputs, targets: T characters each.
        probs: (T, V) next-character probabilities.
        losses: (T,) per-step cross-entropy.
        vocab: the V tokens (index order of ``probs``).
        free_from: first step fed the model's own output (None: all teacher-forced).
        step: a column to outline.
        height: the whole figure's height in px (default: enough for every row label).
    """
    P = np.asarray(probs, dtype=float)
    T, V = P.shape
    loss = np.asarray(losses, dtype=float)
    rows = list(range(V))
    heat_px = ROW_PX * V
    if height is None:
        height = ROLLOUT_MARGIN_PX + heat_px + LOSS_PANEL_PX
    plot_px = max(height - ROLLOUT_MARGIN_PX, 1)
    # the heatmap's share of the plot area: its rows keep ROW_PX each (if height allows)
    heat = min(0.85, max(0.5, heat_px / plot_px))
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[heat, 1 - heat],
        vertical_spacing=ROLLOUT_GAP,
    )
    labels = [token_label(v, compact=False) for v in vocab]
    fig.add_trace(
        go.Heatmap(
            z=P.T,
            x=list(range(T)),
            y=rows,
            colorscale=SEQUENTIAL,
            zmin=0,
            zmax=1,
            colorbar=dict(title="P", len=heat, y=1 - heat / 2),
            customdata=np.array([[labels[r]] * T for r in rows], dtype=object),
            hovertemplate="step %{x}<br>next = %{customdata}<br>P = %{z:.3f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    target_rows = [vocab.index(c) if c in vocab else 0 for c in targets]
    fig.add_trace(
        go.Scatter(
            x=list(range(T)),
            y=target_rows,
            mode="markers",
            name="true next character",
            marker=dict(
                symbol="circle-open", size=14, color=OKABE_ITO["vermillion"], line=dict(width=3)
            ),
            hovertemplate="step %{x}: true next character<extra></extra>",
        ),
        row=1,
        col=1,
    )
    free = T if free_from is None else free_from
    colors = [ACCENT if t < free else OKABE_ITO["orange"] for t in range(T)]
    fig.add_trace(
        go.Bar(
            x=list(range(T)),
            y=loss,
            marker=dict(color=colors),
            name="−log P(target)",
            hovertemplate="step %{x}<br>loss %{y:.2f}<extra></extra>",
            showlegend=False,
        ),
        row=2,
        col=1,
    )
    tick = [
        f"<span style='color:{OKABE_ITO['orange'] if t >= free else '#222'}'>"
        f"{token_label(c)}</span>"
        for t, c in enumerate(inputs)
    ]
    fig.update_xaxes(
        tickvals=list(range(T)),
        ticktext=tick,
        row=2,
        col=1,
        title_text="input fed at each step (orange: the model's own output)",
    )
    fig.update_xaxes(tickvals=list(range(T)), ticktext=[""] * T, row=1, col=1)
    fig.update_yaxes(
        tickvals=rows,
        ticktext=labels,
        autorange="reversed",
        row=1,
        col=1,
        title_text="next character",
        tickfont=dict(size=ROW_TICK_SIZE),
    )
    fig.update_yaxes(title_text="loss", row=2, col=1, rangemode="tozero")
    if step is not None and 0 <= step < T:
        for r in (1, 2):
            fig.add_vrect(
                x0=step - 0.5, x1=step + 0.5, line=dict(color=STEP_LINE, width=3), row=r, col=1
            )
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    fig = apply_layout(fig, title, height)
    fig.update_yaxes(tickfont=dict(size=ROW_TICK_SIZE), row=1, col=1)
    fig.update_layout(margin=dict(t=ROLLOUT_TOP_PX, b=ROLLOUT_BOTTOM_PX))
    return fig
