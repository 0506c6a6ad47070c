"""Figures for the Word2Vec lab: the window over a sentence, the network's numbers,
the loss curve and the embedding map.

Pure builders: data in, Plotly figure out (no Streamlit, no training). Words are
escaped with :func:`seqviz.figures.style.token_label` before they reach Plotly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import (
    ACCENT,
    ANNOTATION_SIZE,
    CELL_TEXT_SIZE,
    DIVERGING,
    FONT_SIZE,
    NEUTRAL,
    OKABE_ITO,
    STEP_FILL,
    STEP_LINE,
    apply_layout,
    token_label,
)

CONTEXT_FILL = OKABE_ITO["sky blue"]  # words inside the centre's window
DROPPED = "#D0D0D0"  # words removed by subsampling
NEGATIVE = OKABE_ITO["vermillion"]  # sampled negatives


def _np(a) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=float)


def window_strip(
    tokens: Sequence[str],
    center: int,
    context: Sequence[int],
    kept: Sequence[bool] | None = None,
    keep_prob: Sequence[float] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The sentence as a row of boxes: the centre j, its context words, dropped words.

    Args:
        tokens: the sentence (N words).
        center: position j of the centre word.
        context: positions i of its context words (the pairs (j, i) it makes).
        kept: (N,) False for words subsampling removed (drawn grey and struck out).
        keep_prob: (N,) P_keep of each word, written under it when given.
    """
    n = len(tokens)
    kept = [True] * n if kept is None else list(kept)
    widths = [max(3, len(t)) * 0.62 + 1.2 for t in tokens]  # box width ~ word length
    gap = 0.35
    lefts = np.cumsum([0.0] + [w + gap for w in widths[:-1]])
    fig = go.Figure()
    ctx = set(context)
    for j, (word, left, w) in enumerate(zip(tokens, lefts, widths, strict=True)):
        if j == center:
            fill, line, role = STEP_FILL, STEP_LINE, "centre"
        elif j in ctx:
            fill, line, role = CONTEXT_FILL, STEP_LINE, "context"
        elif not kept[j]:
            fill, line, role = "white", DROPPED, "dropped"
        else:
            fill, line, role = "white", NEUTRAL, ""
        fig.add_shape(
            type="rect",
            x0=left,
            x1=left + w,
            y0=0,
            y1=1,
            fillcolor=fill,
            line=dict(color=line, width=3 if j == center else 1.5),
            layer="below",
        )
        label = token_label(word, compact=False)
        color = "#999999" if role == "dropped" else "#111111"
        fig.add_annotation(
            x=left + w / 2,
            y=0.5,
            text=f"<b>{label}</b>" if role in ("centre", "context") else label,
            showarrow=False,
            font=dict(size=ANNOTATION_SIZE + 2, color=color),
        )
        below = [role] if role else []
        if keep_prob is not None:
            below.append(f"p={keep_prob[j]:.2f}")  # P_keep, explained in the caption
        for line, text in enumerate(below):
            fig.add_annotation(
                x=left + w / 2,
                y=-0.3 - 0.35 * line,
                text=text,
                showarrow=False,
                font=dict(size=FONT_SIZE - 3, color="#555555"),
            )
        if role == "dropped":  # strike it through
            fig.add_shape(
                type="line", x0=left + 0.3, x1=left + w - 0.3, y0=0.5, y1=0.5,
                line=dict(color="#999999", width=2),
            )  # fmt: skip
        fig.add_annotation(
            x=left + w / 2,
            y=1.3,
            text=f"j={j}" if j == center else f"{j - center:+d}" if j in ctx else str(j),
            showarrow=False,
            font=dict(size=FONT_SIZE - 3, color=STEP_LINE if j == center else "#777777"),
        )
    right = float(lefts[-1] + widths[-1]) if n else 1.0
    fig.update_xaxes(visible=False, range=[-0.3, right + 0.3], fixedrange=True)
    low = -0.95 if keep_prob is not None else -0.6
    fig.update_yaxes(visible=False, range=[low, 1.6], fixedrange=True)
    apply_layout(
        fig, title=title, height=(230 if keep_prob is not None else 190) + (50 if title else 0)
    )
    fig.update_layout(margin=dict(l=10, r=10, t=60 if title else 10, b=10), showlegend=False)
    return fig


def matrix_heatmap(
    M,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    highlight_rows: Sequence[int] = (),
    highlight_cols: Sequence[int] = (),
    title: str | None = None,
    zmax: float | None = None,
    digits: int = 2,
    height: int | None = None,
) -> go.Figure:
    """A small signed matrix with its numbers in the cells (diverging scale, 0 white).

    Highlighted rows / columns get a thick outline (the centre's row of W, the
    context words' columns of W').
    """
    M = _np(M)
    if M.ndim == 1:
        M = M[None, :]
    R, C = M.shape
    lim = float(zmax) if zmax else float(np.max(np.abs(M))) if M.size else 1.0
    lim = lim if lim > 0 else 1.0
    cols = [token_label(c, compact=False) for c in col_labels]
    rows = [token_label(r, compact=False) for r in row_labels]
    show_text = R * C <= 400
    fig = go.Figure(
        go.Heatmap(
            z=M,
            x=list(range(C)),
            y=list(range(R)),
            colorscale=DIVERGING,
            zmid=0,
            zmin=-lim,
            zmax=lim,
            text=np.vectorize(lambda v: f"{v:.{digits}f}")(M) if show_text else None,
            texttemplate="%{text}" if show_text else None,
            textfont=dict(size=CELL_TEXT_SIZE - 3),
            hovertemplate="%{y}, %{x}: %{z:.4f}<extra></extra>",
            colorbar=dict(thickness=14),
            showscale=R > 1,  # one row: the numbers are in the cells
        )
    )
    for r in highlight_rows:
        fig.add_shape(
            type="rect", x0=-0.5, x1=C - 0.5, y0=r - 0.5, y1=r + 0.5,
            line=dict(color=STEP_LINE, width=4),
        )  # fmt: skip
    for c in highlight_cols:
        fig.add_shape(
            type="rect", x0=c - 0.5, x1=c + 0.5, y0=-0.5, y1=R - 0.5,
            line=dict(color=ACCENT, width=3),
        )  # fmt: skip
    fig.update_xaxes(tickmode="array", tickvals=list(range(C)), ticktext=cols, side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(R)), ticktext=rows, autorange="reversed")
    apply_layout(fig, title=title, height=height or max(140, 60 + 34 * R + (60 if title else 0)))
    fig.update_layout(margin=dict(l=90, r=20, t=110 if title else 60, b=20))
    return fig


def softmax_bars(
    words: Sequence[str],
    y_hat,
    contexts: Sequence[int],
    center: int,
    title: str | None = None,
) -> go.Figure:
    """ŷ_j = softmax(u_j) over the vocabulary; the true context words in the accent colour."""
    p = _np(y_hat)
    ctx = set(contexts)
    colors = [ACCENT if w in ctx else NEUTRAL for w in range(len(words))]
    labels = [
        token_label(w, compact=False) + (" (centre)" if i == center else "")
        for i, w in enumerate(words)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=p,
            marker_color=colors,
            text=[f"{v:.3f}" for v in p],
            textposition="outside",
            textfont=dict(size=FONT_SIZE - 2),
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
        )
    )
    fig.add_hline(
        y=1 / max(len(words), 1),
        line=dict(color="#777777", dash="dot"),
        annotation_text="1/V (uniform)",
        annotation_position="top left",
    )
    fig.update_yaxes(
        title="ŷ<sub>j</sub> (probability)", range=[0, min(1.0, p.max() * 1.25 + 0.02)]
    )
    fig.update_xaxes(tickangle=-35)
    return apply_layout(fig, title=title, height=430)


def negative_scores(
    pairs: Sequence[tuple[str, float, float]],
    title: str | None = None,
) -> go.Figure:
    """σ(v'·h) of every scored word: true context words (should be 1) and negatives (0).

    Args:
        pairs: (label, score, gradient norm) per scored vector, in display order;
            labels start with "+" for a true context word and "−" for a negative.
    """
    labels = [token_label(lbl, compact=False) for lbl, _, _ in pairs]
    scores = [s for _, s, _ in pairs]
    grads = [g for _, _, g in pairs]
    colors = [ACCENT if lbl.startswith("+") else NEGATIVE for lbl, _, _ in pairs]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(pairs))),
            y=scores,
            marker_color=colors,
            text=[f"σ={s:.3f}<br>‖∇‖={g:.3f}" for s, g in zip(scores, grads, strict=True)],
            textposition="outside",
            textfont=dict(size=FONT_SIZE - 4),
            hovertemplate="%{y:.4f}<extra></extra>",
        )
    )
    fig.update_xaxes(
        tickmode="array", tickvals=list(range(len(pairs))), ticktext=labels, tickangle=-35
    )
    fig.update_yaxes(title="σ(v′·h<sub>j</sub>)", range=[0, 1.3])
    return apply_layout(fig, title=title, height=440)


def loss_curve(
    words: Sequence[int],
    losses: Sequence[float],
    *,
    title: str | None = None,
    y_title: str = "mean loss per pair",
    color: str = ACCENT,
    height: int = 360,
) -> go.Figure:
    """Training loss against corpus words processed."""
    fig = go.Figure(
        go.Scatter(
            x=list(words),
            y=list(losses),
            mode="lines+markers",
            line=dict(color=color, width=3),
            marker=dict(size=5),
            hovertemplate="%{x:,} words: %{y:.4f}<extra></extra>",
        )
    )
    fig.update_xaxes(title="corpus words processed")
    fig.update_yaxes(title=y_title)
    return apply_layout(fig, title=title, height=height)


def _map_range(frames: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    pts = np.concatenate([f for f in frames if len(f)]) if frames else np.zeros((1, 2))
    pts = pts[np.all(np.isfinite(pts), axis=1)] if len(pts) else np.zeros((1, 2))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * 0.12, 0.05)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    ]


def _scatter(points: np.ndarray, words: Sequence[str], groups: Sequence[int] | None) -> go.Scatter:
    palette = list(OKABE_ITO.values())
    colors = [palette[g % len(palette)] for g in groups] if groups is not None else ACCENT
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers+text",
        text=[token_label(w, compact=False) for w in words],
        textposition="top center",
        textfont=dict(size=FONT_SIZE),
        marker=dict(size=12, color=colors, line=dict(color="white", width=1)),
        hovertemplate="%{text}<extra></extra>",
    )


def embedding_map(
    points,
    words: Sequence[str],
    *,
    groups: Sequence[int] | None = None,
    title: str | None = None,
    height: int = 560,
) -> go.Figure:
    """Labelled words at their 2-D (PCA) positions."""
    points = _np(points)
    fig = go.Figure(_scatter(points, words, groups))
    x_range, y_range = _map_range([points])
    fig.update_xaxes(title="PC 1", range=x_range, zeroline=False)
    fig.update_yaxes(title="PC 2", range=y_range, zeroline=False)
    fig.update_layout(showlegend=False)
    return apply_layout(fig, title=title, height=height)


def _standardise(points: np.ndarray) -> np.ndarray:
    """Centre the points and scale them to root-mean-square distance 1 from the centre."""
    centred = points - points.mean(axis=0)
    # rms radius = sqrt(mean ||p - mean||^2)
    rms = float(np.sqrt(np.mean(np.sum(centred**2, axis=1)))) if len(points) else 0.0
    return centred / rms if rms > 1e-12 else centred


def embedding_animation(
    frames: Sequence,
    words: Sequence[str],
    frame_labels: Sequence[str],
    *,
    groups: Sequence[int] | None = None,
    title: str | None = None,
    height: int = 620,
) -> go.Figure:
    """The map replayed frame by frame (Play button and a slider), one shared projection.

    Each frame is centred and scaled to unit RMS radius, so early frames (random,
    spread out) and late ones (often close together) use the plot equally: the
    animation shows how the arrangement changes, not the overall size.
    """
    arrays = [_standardise(_np(f)) for f in frames]
    fig = embedding_map(arrays[-1], words, groups=groups, title=title, height=height)
    x_range, y_range = _map_range(arrays)
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    fig.frames = [
        go.Frame(data=[_scatter(a, words, groups)], name=str(i)) for i, a in enumerate(arrays)
    ]
    steps = [
        dict(
            method="animate",
            label=lbl,
            args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True))],
        )
        for i, lbl in enumerate(frame_labels)
    ]
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                showactive=False,
                x=0.0,
                y=-0.2,
                xanchor="left",
                yanchor="top",
                buttons=[
                    dict(
                        label="▶ Replay training",
                        method="animate",
                        args=[
                            None,
                            dict(frame=dict(duration=120, redraw=True), fromcurrent=False),
                        ],
                    )
                ],
            )
        ],
        sliders=[
            dict(
                active=len(arrays) - 1,
                steps=steps,
                x=0.32,
                len=0.68,
                y=-0.16,
                font=dict(
                    color="rgba(0,0,0,0)"
                ),  # 50 tick labels would overlap: show the current one
                currentvalue=dict(prefix="after ", font=dict(size=FONT_SIZE, color="#222222")),
            )
        ],
        margin=dict(b=190),
    )
    return fig
