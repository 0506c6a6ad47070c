"""Figures for the encoder–decoder lab: the bottleneck by length, the beam tree, curves.

Pure builders: (numbers, tokens, options) -> ``go.Figure``. The attention weights
over the source and the alignment heatmap reuse :mod:`seqviz.figures.attention`.

Dimension letters: ``S`` source length, ``T`` output length, ``H`` hidden.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.style import ACCENT, NEUTRAL, OKABE_ITO, STEP_LINE, apply_layout

MODEL_COLORS = {
    "none": OKABE_ITO["vermillion"],
    "additive": OKABE_ITO["blue"],
    "dot": OKABE_ITO["bluish green"],
}
MODEL_DASH = {"none": "solid", "additive": "dash", "dot": "dot"}
BEAM_FONT = 13  # px: the beam tree's node labels (a column is ~35 px wide at 20 steps)


def by_length(
    scores: Mapping[str, Mapping[int, float]],
    names: Mapping[str, str],
    *,
    measure: str,
    title: str | None = None,
    baseline: float | None = None,
    height: int = 420,
) -> go.Figure:
    """One line per model: the held-out measure against the source length.

    Args:
        scores: model key ("none", "additive", "dot") -> source length -> measure.
        names: model key -> legend name.
        measure: the y-axis title (e.g. "token accuracy").
        baseline: a constant answer's measure, drawn as a grey line.
    """
    fig = go.Figure()
    for key, by_n in scores.items():
        n = sorted(by_n)
        fig.add_trace(
            go.Scatter(
                x=n,
                y=[by_n[i] for i in n],
                name=names[key],
                mode="lines+markers",
                line=dict(color=MODEL_COLORS[key], width=3, dash=MODEL_DASH[key]),
                marker=dict(size=9),
                hovertemplate=f"{names[key]}<br>source length %{{x}}<br>{measure} %{{y:.3f}}"
                "<extra></extra>",
            )
        )
    if baseline is not None:
        fig.add_hline(
            y=baseline,
            line=dict(color=NEUTRAL, dash="dash"),
            annotation_text="constant answer",
            annotation_position="top right",
        )
    fig.update_xaxes(title="source length (tokens)", dtick=1)
    fig.update_yaxes(title=measure, range=[0, 1.02])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return apply_layout(fig, title=title, height=height)


def beam_tree(
    steps: Sequence[Sequence],
    token_names: Sequence[str],
    best: Sequence[int],
    *,
    pruned: bool = False,
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """The beam search tree: one column per step, one node per candidate.

    Args:
        steps: per step the candidates (objects with ``tokens``, ``logp``, ``parent``,
            ``kept``, ``finished``), best first; the kept live ones are the next
            step's parents, in order.
        token_names: id -> token text.
        best: the answer's token ids (its path is outlined).
        pruned: draw every pruned candidate (grey) too; otherwise only the kept ones,
            and each column says under it how many candidates it pruned ("−6").
            A kept node is labelled with its token, a finished one (orange, it chose
            <eos>) with its log p.
        height: px; None grows it with the widest column drawn.
    """
    fig = go.Figure()
    prev_y: list[float] = [0.0]  # the <bos> root
    fig.add_trace(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers+text",
            text=["&lt;bos&gt;"],
            textposition="top center",
            marker=dict(size=14, color=NEUTRAL),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    best = tuple(best)
    widest = max((len(s) if pruned else sum(c.kept for c in s) for s in steps), default=1)
    for t, step in enumerate(steps, start=1):
        shown = [c for c in step if pruned or c.kept]
        n = len(shown)
        ys = [(n - 1) / 2 - j for j in range(n)]
        for j, c in enumerate(shown):
            on_best = tuple(c.tokens) == best[: len(c.tokens)]
            fig.add_trace(
                go.Scatter(
                    x=[t - 1, t],
                    y=[prev_y[c.parent], ys[j]],
                    mode="lines",
                    line=dict(
                        color=STEP_LINE if on_best else (ACCENT if c.kept else NEUTRAL),
                        width=4 if on_best else (2 if c.kept else 1),
                        dash="solid" if c.kept else "dot",
                    ),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=[t] * n,
                y=ys,
                mode="markers+text",
                # kept live nodes name their token; a finished one (orange: <eos>) its log p
                text=[
                    html.escape(token_names[c.tokens[-1]]) if c.kept and not c.finished else ""
                    for c in shown
                ],
                textposition="top center",
                textfont=dict(size=BEAM_FONT),
                marker=dict(
                    size=[14 if c.kept else 8 for c in shown],
                    color=[
                        OKABE_ITO["orange"]
                        if c.finished and c.kept
                        else (ACCENT if c.kept else NEUTRAL)
                        for c in shown
                    ],
                    line=dict(
                        color=STEP_LINE, width=[3 if tuple(c.tokens) == best else 0 for c in shown]
                    ),
                ),
                customdata=[
                    [html.escape(" ".join(token_names[i] for i in c.tokens)), c.logp] for c in shown
                ],
                hovertemplate="%{customdata[0]}<br>log p = %{customdata[1]:.3f}<extra></extra>",
                showlegend=False,
            )
        )
        done = [(y, c) for y, c in zip(ys, shown, strict=True) if c.kept and c.finished]
        if done:
            fig.add_trace(
                go.Scatter(
                    x=[t] * len(done),
                    y=[y for y, _ in done],
                    mode="text",
                    text=[f"{c.logp:.2f}" for _, c in done],
                    # above on even steps, below on odd ones: neighbours never collide
                    textposition="top center" if t % 2 == 0 else "bottom center",
                    textfont=dict(size=BEAM_FONT - 1, color=OKABE_ITO["vermillion"]),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        prev_y = [ys[j] for j, c in enumerate(shown) if c.kept and not c.finished]
    if not pruned:
        cut = [(t, sum(not c.kept for c in s)) for t, s in enumerate(steps, start=1)]
        cut = [(t, k) for t, k in cut if k]
        fig.add_trace(
            go.Scatter(
                x=[t for t, _ in cut],
                y=[-widest / 2 - 0.2] * len(cut),
                mode="text",
                text=[f"−{k}" for _, k in cut],
                textfont=dict(size=BEAM_FONT - 2, color=NEUTRAL),
                hovertemplate="%{text} candidates pruned at step %{x}<extra></extra>",
                showlegend=False,
            )
        )
    fig.update_xaxes(title="output step t", dtick=1, range=[-0.8, len(steps) + 0.8])
    fig.update_yaxes(visible=False, range=[-widest / 2 - 0.5, widest / 2 + 0.3])
    if height is None:
        height = min(640, 180 + (24 if pruned else 60) * widest)
    return apply_layout(fig, title=title, height=height)


def context_strip(
    h: np.ndarray, c: np.ndarray, source: Sequence[str], alpha: np.ndarray, *, height: int = 320
) -> go.Figure:
    """The encoder states h_1 … h_S (rows) and the context c_t = Σ α h_i beneath them."""
    h, c, alpha = np.asarray(h, float), np.asarray(c, float), np.asarray(alpha, float)
    rows = [
        f"h{i + 1} “{html.escape(tok)}” α={a:.2f}"
        for i, (tok, a) in enumerate(zip(source, alpha, strict=False))
    ]
    z = np.vstack([h, c[None]])
    zmax = float(np.abs(z).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z[::-1],
            y=(rows + ["c_t"])[::-1],
            x=list(range(1, h.shape[1] + 1)),
            colorscale="RdBu_r",
            zmid=0,
            zmin=-zmax,
            zmax=zmax,
            hovertemplate="%{y}<br>unit %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.add_hline(y=0.5, line=dict(color=STEP_LINE, width=3))
    fig.update_xaxes(title="unit j")
    return apply_layout(fig, height=max(height, 60 + 28 * (len(rows) + 1)))


def training_curves(
    losses: Sequence[float],
    eval_steps: Sequence[int],
    heldout: Sequence[float],
    *,
    measure: str,
    labels: Sequence[str] = (),
    height: int = 380,
    window: int = 25,
    eval_every: int | None = None,
) -> go.Figure:
    """Training loss (left, smoothed) and the held-out measure (right) against the step.

    Several runs: pass lists of lists and ``labels``. Before the first held-out
    measurement the right panel says when it comes (``eval_every``: its step).
    """
    runs = (
        list(zip(losses, eval_steps, heldout, labels, strict=True))
        if labels
        else [(losses, eval_steps, heldout, "")]
    )
    fig = make_subplots(1, 2, subplot_titles=("training loss", f"held-out {measure}"))
    colours = [ACCENT, OKABE_ITO["vermillion"], OKABE_ITO["bluish green"]]
    for k, (loss, es, ho, label) in enumerate(runs):
        loss = np.asarray(loss, float)
        if len(loss):
            w = min(window, len(loss))
            smooth = np.convolve(loss, np.ones(w) / w, mode="valid")
            fig.add_trace(
                go.Scatter(
                    x=np.arange(w, len(loss) + 1),
                    y=smooth,
                    name=label or "loss",
                    line=dict(color=colours[k % 3]),
                    legendgroup=label,
                    showlegend=bool(label),
                ),
                1,
                1,
            )
        n = min(len(es), len(ho))
        fig.add_trace(
            go.Scatter(
                x=list(es[:n]),
                y=list(ho[:n]),
                mode="lines+markers",
                name=label,
                line=dict(color=colours[k % 3]),
                legendgroup=label,
                showlegend=False,
            ),
            1,
            2,
        )
    if not any(len(ho) for _, _, ho, _ in runs):
        when = f" (step {eval_every})" if eval_every else ""
        fig.add_annotation(
            text=f"appears after<br>the first evaluation{when.replace(' (', '<br>(')}",
            xref="x2 domain",
            yref="y2 domain",
            x=0.5,
            y=0.5,
            showarrow=False,
            font=dict(color=NEUTRAL),
        )
        fig.update_xaxes(showticklabels=False, row=1, col=2)
        fig.update_yaxes(showticklabels=False, row=1, col=2)
    fig.update_xaxes(title="step")
    apply_layout(fig, height=height)
    # the legend under the panels: at the side it would squeeze them
    return fig.update_layout(
        legend=dict(orientation="h", x=0, y=-0.3, yanchor="top"), margin=dict(b=110)
    )


def _labels(tokens: Sequence[str], symbol: str) -> list[str]:
    """Unique 1-based axis labels: "x1 ‘b’" (Plotly merges equal categories)."""
    return [f"{symbol}{i + 1} {html.escape(tok)}" for i, tok in enumerate(tokens)]


def source_bars(
    alpha, source: Sequence[str], *, title: str | None = None, height: int = 330
) -> go.Figure:
    """α_{t,i} over the source positions i = 1 … S (the heaviest in the accent colour)."""
    w = np.asarray(alpha, float)
    best = int(np.argmax(w)) if len(w) else -1
    fig = go.Figure(
        go.Bar(
            x=_labels(source, "x"),
            y=w,
            marker_color=[ACCENT if i == best else NEUTRAL for i in range(len(w))],
            text=[f"{v:.2f}" for v in w],
            textposition="outside",
            hovertemplate="%{x}<br>α = %{y:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 1.12], title="α")
    fig.update_xaxes(type="category", title="source position i")
    return apply_layout(fig, title=title, height=height)


def alignment(
    weights,
    output: Sequence[str],
    source: Sequence[str],
    *,
    step: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """(T, S) α_{t,i} on the sequential 0..1 scale: row t = output step t, column i = source i."""
    w = np.asarray(weights, float)
    T, S = w.shape
    rows, cols = _labels(output, "y"), _labels(source, "x")
    fig = go.Figure(
        go.Heatmap(
            z=w,
            x=cols,
            y=rows,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            text=np.char.mod("%.2f", w) if T * S <= 400 else None,
            texttemplate="%{text}" if T * S <= 400 else None,
            hovertemplate="output %{y} ← source %{x}: α = %{z:.4f}<extra></extra>",
            colorbar=dict(title="α"),
        )
    )
    if step is not None:
        fig.add_shape(
            type="rect",
            x0=-0.5,
            x1=S - 0.5,
            y0=step - 0.5,
            y1=step + 0.5,
            line=dict(color=OKABE_ITO["orange"], width=4),
        )
    fig.update_yaxes(autorange="reversed", title="output step t", type="category")
    fig.update_xaxes(title="source position i", type="category")
    return apply_layout(fig, title=title, height=min(900, 160 + 30 * T))
