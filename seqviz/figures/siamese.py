"""Figures of the Siamese lab: two encodings and their cosine, a batch's similarity matrix
with its negatives, the embedding space before and after training, one-shot ranking.

Dimension letters: ``H`` hidden units, ``B`` pairs in a batch, ``N`` points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.matrix import heatmap_trace
from seqviz.figures.style import ACCENT, NEUTRAL, OKABE_ITO, STEP_LINE, apply_layout
from seqviz.triplet import TripletTerms

CLOSEST_COLOR = OKABE_ITO["vermillion"]  # the closest negative of a row, everywhere
MEAN_COLOR = OKABE_ITO["bluish green"]  # the mean negative


def _np(x) -> np.ndarray:
    return np.asarray(x.detach() if hasattr(x, "detach") else x, dtype=np.float64)


def encodings(v_a, v_b, title: str | None = None, height: int = 360) -> go.Figure:
    """Three rows over the H units: v_A, v_B and û_A ⊙ û_B, whose sum is the cosine.

    û = v / ‖v‖; the third row's j-th cell is unit j's share of cos(v_A, v_B).
    """
    a, b = _np(v_a), _np(v_b)
    share = (a / np.linalg.norm(a).clip(1e-12)) * (b / np.linalg.norm(b).clip(1e-12))
    rows = [
        "v<sub>A</sub> = h<sub>T</sub>(A)",
        "v<sub>B</sub> = h<sub>T</sub>(B)",
        "û<sub>A,j</sub> û<sub>B,j</sub>",
    ]
    cols = [str(j + 1) for j in range(len(a))]
    fig = make_subplots(
        rows=2, cols=1, row_heights=[2, 1], vertical_spacing=0.12, shared_xaxes=True
    )
    fig.add_trace(
        heatmap_trace(
            np.stack([a, b]),
            rows[:2],
            cols,
            zmin=-1,
            zmax=1,
            value_name="h",
            hover="%{y}<br>unit j = %{x}",
            colorbar=dict(y=0.72, len=0.6, tickvals=[-1, 0, 1]),
        ),
        row=1,
        col=1,
    )
    limit = max(float(np.abs(share).max()), 1e-6)
    fig.add_trace(
        heatmap_trace(
            share[None, :],
            rows[2:],
            cols,
            zmin=-limit,
            zmax=limit,
            value_name="share",
            hover="unit j = %{x}<br>its share of the cosine",
        ),
        row=2,
        col=1,
    )
    # no colour bars: the strips are short, and the hover gives every value (v in -1..1
    # on one diverging scale; the shares on their own, since they are small)
    fig.data[0].showscale = False
    fig.data[1].showscale = False
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", title_text="hidden unit j", row=2, col=1)
    return apply_layout(fig, title=title, height=height)


def similarity_matrix(
    terms: TripletTerms, anchors: Sequence[str], positives: Sequence[str], title: str | None = None
) -> go.Figure:
    """S (B x B) with its numbers; the diagonal outlined in black, each row's closest negative
    in vermillion; beside it each row's mean negative m_i and closest negative n_i."""
    S = _np(terms.S)
    B = len(S)
    rows = [f"A{i + 1}" for i in range(B)]
    cols = [f"P{j + 1}" for j in range(B)]
    fig = make_subplots(
        rows=1, cols=2, column_widths=[B, 2.4], shared_yaxes=True, horizontal_spacing=0.03
    )
    hover_rows = [f"A{i + 1}: {s}" for i, s in enumerate(anchors)]
    hover_cols = [f"P{j + 1}: {s}" for j, s in enumerate(positives)]
    trace = heatmap_trace(
        S, rows, cols, zmin=-1, zmax=1, value_name="S_ij", cell_digits=2, hover="%{customdata}"
    )
    trace.customdata = np.array(
        [
            [f"{hover_rows[i]}<br>{hover_cols[j]}<br>S = {S[i, j]:.3f}" for j in range(B)]
            for i in range(B)
        ],
        dtype=object,
    )
    trace.hovertemplate = "%{customdata}<extra></extra>"
    fig.add_trace(trace, row=1, col=1)
    side = np.stack([_np(terms.mean_negative), _np(terms.closest_negative)], axis=1)
    side_trace = heatmap_trace(
        side,
        rows,
        ["mean m_i", "closest n_i"],
        zmin=-1,
        zmax=1,
        value_name="S_ij",
        cell_digits=2,
        hover="row %{y}, %{x}",
    )
    side_trace.showscale = False
    fig.add_trace(side_trace, row=1, col=2)
    for i in range(B):  # the positive (diagonal) and the closest negative of row i
        fig.add_shape(
            type="rect",
            x0=i - 0.5,
            x1=i + 0.5,
            y0=i - 0.5,
            y1=i + 0.5,
            line=dict(color=STEP_LINE, width=3),
            row=1,
            col=1,
        )
        j = int(terms.closest_index[i])
        fig.add_shape(
            type="rect",
            x0=j - 0.42,
            x1=j + 0.42,
            y0=i - 0.42,
            y1=i + 0.42,
            line=dict(
                color=CLOSEST_COLOR, width=3, dash="dot" if bool(terms.fallback[i]) else "solid"
            ),
            row=1,
            col=1,
        )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    return apply_layout(fig, title=title, height=min(900, 160 + 46 * B))


def word_effects(tokens_a: Sequence[str], d_a, tokens_b: Sequence[str], d_b) -> go.Figure:
    """Two bar charts side by side, one bar per word of A and of B: Δ_t, the cosine lost
    when word t is left out (seqviz.siamese.word_effects); blue Δ > 0 (the word makes the
    two sentences look alike), vermillion Δ < 0."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("words of A", "words of B"), horizontal_spacing=0.08
    )
    for col, (tokens, d) in enumerate(((tokens_a, _np(d_a)), (tokens_b, _np(d_b))), start=1):
        labels = [f"{t + 1}. {w}" for t, w in enumerate(tokens)]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=d,
                marker_color=[ACCENT if x > 0 else CLOSEST_COLOR for x in d],
                hovertemplate="without %{x}: cos falls by %{y:.3f}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(type="category", tickangle=-40)
    fig.update_yaxes(title_text="Δ cos without the word", col=1)
    fig.add_hline(y=0, line_color="#888888", line_width=1)
    return apply_layout(fig, height=340)


def embedding_space(before, after, labels: Sequence[str], titles: tuple[str, str]) -> go.Figure:
    """Two PCA maps side by side; ``before``/``after`` are ``(2 n, 2)`` points where rows
    2k and 2k + 1 are the two sentences of duplicate pair k, joined by a line."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.08)
    for col, pts in ((1, _np(before)), (2, _np(after))):
        xs, ys = [], []
        for k in range(0, len(pts), 2):
            xs += [pts[k, 0], pts[k + 1, 0], None]
            ys += [pts[k, 1], pts[k + 1, 1], None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color=NEUTRAL, width=1.5),
                hoverinfo="skip",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=pts[:, 0],
                y=pts[:, 1],
                mode="markers",
                text=list(labels),
                marker=dict(
                    size=9, color=[ACCENT if k % 2 == 0 else CLOSEST_COLOR for k in range(len(pts))]
                ),
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(title_text="PC 1")
    fig.update_yaxes(title_text="PC 2", col=1)
    return apply_layout(fig, height=460)


def one_shot(
    sentences: Sequence[str], cosines, threshold: float, title: str | None = None
) -> go.Figure:
    """Horizontal bars: the cosine of the new sentence with each sentence of the set, best
    on top, coloured by the verdict (above τ: duplicate), with τ as a dashed line."""
    c = _np(cosines)
    order = np.argsort(-c, kind="stable")
    fig = go.Figure(
        go.Bar(
            x=c[order],
            y=[f"{k + 1}. {sentences[i][:60]}" for k, i in enumerate(order)],
            orientation="h",
            text=[f"{x:.3f}" for x in c[order]],
            textposition="auto",
            marker_color=[ACCENT if x > threshold else NEUTRAL for x in c[order]],
            hovertemplate="%{y}<br>cos = %{x:.3f}<extra></extra>",
        )
    )
    fig.add_vline(
        x=threshold,
        line=dict(color=STEP_LINE, dash="dash", width=2),
        annotation_text=f"τ = {threshold:.2f}",
        annotation_position="top",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[-1, 1], title_text="cos(new, sentence)")
    return apply_layout(fig, title=title, height=140 + 34 * len(c))


def training_curves(history: dict) -> go.Figure:
    """Training loss J per step and the held-out ROC AUC, side by side."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("triplet loss J (per batch)", "held-out ROC AUC")
    )
    fig.add_trace(
        go.Scatter(
            x=history["steps"],
            y=history["losses"],
            mode="lines",
            line=dict(color=NEUTRAL),
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=history["eval_steps"],
            y=history["heldout"],
            mode="lines+markers",
            line=dict(color=ACCENT),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="step")
    return apply_layout(fig, height=340)


def reading(tokens: Sequence[str], h, cos_to_other, t: int, title: str | None = None) -> go.Figure:
    """The encoder reading sentence A: h_1 .. h_T (units x words, words after t greyed out)
    above cos(h_t, v_B) after each word; step t (0-based) outlined and marked."""
    H_ = _np(h).T  # (H, T)
    T = H_.shape[1]
    shown = np.where(np.arange(T)[None, :] <= t, H_, np.nan)
    cols = [f"{k + 1}. {w}" for k, w in enumerate(tokens)]
    fig = make_subplots(
        rows=2, cols=1, row_heights=[2, 1], shared_xaxes=True, vertical_spacing=0.08
    )
    fig.add_trace(
        heatmap_trace(
            shown,
            [str(j + 1) for j in range(H_.shape[0])],
            cols,
            zmin=-1,
            zmax=1,
            value_name="h_t",
            masked="not read yet",
            hover="unit %{y}<br>after %{x}",
            colorbar=dict(y=0.7, len=0.6),
        ),
        row=1,
        col=1,
    )
    c = _np(cos_to_other)
    fig.add_trace(
        go.Scatter(
            x=cols[: t + 1],
            y=c[: t + 1],
            mode="lines+markers",
            line=dict(color=ACCENT),
            showlegend=False,
            hovertemplate="after %{x}<br>cos(h_t, v_B) = %{y:.3f}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[cols[t]],
            y=[c[t]],
            mode="markers+text",
            text=[f"t = {t + 1}"],
            textposition="top center",
            showlegend=False,
            hoverinfo="skip",
            marker=dict(size=16, color=STEP_LINE),
        ),
        row=2,
        col=1,
    )
    fig.add_shape(
        type="rect",
        x0=t - 0.5,
        x1=t + 0.5,
        yref="y domain",
        y0=0,
        y1=1,
        line=dict(color=STEP_LINE, width=3),
        row=1,
        col=1,
    )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=cols)
    # a few unit labels (hover names every unit): the chart keeps its height, so the
    # cosine under the heatmap stays in view with it
    H = H_.shape[0]
    labelled = sorted({1, H, *range(8, H, 8)})
    fig.update_yaxes(
        autorange="reversed",
        title_text="unit j",
        tickmode="array",
        tickvals=[str(j) for j in labelled],
        ticktext=[str(j) for j in labelled],
        row=1,
        col=1,
    )
    fig.update_yaxes(range=[-1.05, 1.15], title_text="cos(h_t, v_B)", row=2, col=1)
    return apply_layout(fig, title=title, height=560)
