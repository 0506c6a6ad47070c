"""Figures for the Word2Vec lab: the window over a sentence, the network's numbers
and the loss curve (the embedding map is in :mod:`seqviz.figures.embeddings`).

Pure builders: data in, Plotly figure out (no Streamlit, no training). Words are
escaped with :func:`seqviz.figures.style.token_label` before they reach Plotly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.matrix import matrix_heatmap
from seqviz.figures.style import (
    ACCENT,
    ANNOTATION_SIZE,
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
        center: index of the centre word (labelled j = center + 1: positions count from 1).
        context: indices of its context words (labelled by their offsets i − j).
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
            text=f"j={j + 1}" if j == center else f"{j - center:+d}" if j in ctx else str(j + 1),
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


def network_matrix(
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
    """One of the network's small signed matrices (W, W′, u, a gradient), numbers in the cells.

    Diverging scale, 0 white. Highlighted rows / columns get a thick outline (the
    centre's row of W, the context words' columns of W′). Labels may repeat (a
    negative drawn twice has two rows).
    """
    M = _np(M)
    if M.ndim == 1:
        M = M[None, :]
    R, C = M.shape
    fig = matrix_heatmap(
        M,
        row_ticks=[token_label(r, compact=False) for r in row_labels],
        col_ticks=[token_label(c, compact=False) for c in col_labels],
        zmax=zmax or None,
        hover="%{y}, %{x}",
        hover_digits=4,
        cell_digits=digits if R * C <= 400 else None,
        outline_rows=highlight_rows,
        outline_cols=highlight_cols,
        colorbar=dict(title=None),
        title=title,
        height=height or max(140, 60 + 34 * R + (60 if title else 0)),
    )
    fig.update_traces(showscale=R > 1)  # one row: the numbers are in the cells
    fig.update_xaxes(side="top")
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
            showlegend=False,
        )
    )
    # the uniform level 1/V is a dotted line named in the legend above the plot: a
    # label on the line itself would sit on some bar's value
    uniform = 1 / max(len(words), 1)
    fig.add_trace(
        go.Scatter(
            x=[labels[0], labels[-1]],
            y=[uniform, uniform],
            mode="lines",
            line=dict(color="#777777", dash="dot", width=2),
            name=f"1/V = {uniform:.3f} (uniform)",
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        showlegend=True,
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom"),
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


# --- one step of the network, from its trace (seqviz.word2vec.SoftmaxStep / NegSamplingStep)


def _dims(E: int) -> list[str]:
    return [f"e{d}" for d in range(E)]


def embedding_matrix(W, words: Sequence[str], center: int) -> go.Figure:
    """W (V × E), the centre word's row w_j outlined: the one-hot x_j times W picks it."""
    V, E = W.shape
    title = f"W ({V}×{E}): embedding matrix"
    return network_matrix(W, words, _dims(E), highlight_rows=[center], title=title)


def context_matrix(W_prime, words: Sequence[str], contexts: Sequence[int]) -> go.Figure:
    """W′ (E × V), one column v′_w per word, the true context words' columns outlined."""
    E, V = W_prime.shape
    title = f"W′ ({E}×{V}): context matrix"
    return network_matrix(W_prime, _dims(E), words, highlight_cols=contexts, title=title)


def input_and_scores(step, words: Sequence[str]) -> go.Figure:
    """Two rows over the vocabulary: the one-hot x_j and the scores u_j = h_j W′."""
    return network_matrix(
        np.stack([_np(step.x), _np(step.u)]),
        ["x_j", "u_j"],
        words,
        highlight_cols=step.contexts,
        title="The one-hot input x<sub>j</sub> and the scores u<sub>j</sub> = h<sub>j</sub> W′",
    )


def softmax_output(step, words: Sequence[str]) -> go.Figure:
    """ŷ_j = softmax(u_j), the true context words in the accent colour."""
    title = "ŷ<sub>j</sub> = softmax(u<sub>j</sub>)"
    return softmax_bars(words, step.y_hat, step.contexts, step.center, title=title)


def embedding_gradient(step, words: Sequence[str]) -> go.Figure:
    """∂H/∂W: its only non-zero row, the centre word's (row w_j, its vocabulary index)."""
    w, E = step.center, step.grad_W.shape[1]
    row = step.grad_W[w : w + 1]
    title = f"∂H/∂W: only row w<sub>j</sub> = {w} ({token_label(words[w], compact=False)})"
    return network_matrix(row, [words[w]], _dims(E), digits=3, title=title)


def context_gradient(step, words: Sequence[str]) -> go.Figure:
    """∂H/∂W′ = h_jᵀ ∂H/∂u_j: every column gets a gradient (the full softmax's O(V) cost)."""
    return network_matrix(
        step.grad_W_prime,
        _dims(step.grad_W_prime.shape[0]),
        words,
        highlight_cols=step.contexts,
        digits=3,
        title="∂H/∂W′ = h_jᵀ ∂H/∂u_j",
    )


def _negative_rows(step, words: Sequence[str]) -> list[tuple[str, float, np.ndarray]]:
    """(label, σ score, gradient) per vector the step uses: "+word" for a true context
    word, then "−word (n)" for each negative drawn for the n-th context word."""
    rows = []
    for n, c in enumerate(step.contexts):
        rows.append((f"+{words[c]}", float(step.pos_score[n]), _np(step.grad_pos[n])))
        for m, neg in enumerate(step.negatives[n].tolist()):
            label = f"−{words[neg]}\u00a0({n + 1})"
            rows.append((label, float(step.neg_score[n, m]), _np(step.grad_neg[n, m])))
    return rows


def negative_step_scores(step, words: Sequence[str]) -> go.Figure:
    """σ(v′·h_j) of every vector a negative-sampling step scores, with its gradient's length."""
    bars = [(lbl, s, float(np.linalg.norm(g))) for lbl, s, g in _negative_rows(step, words)]
    centre = token_label(words[step.center], compact=False)
    return negative_scores(bars, title=f"σ(v′·h<sub>j</sub>) for the centre “{centre}”")


def negative_step_gradients(step, words: Sequence[str]) -> go.Figure:
    """The gradient on every vector the step uses (one row per use) and on h_j."""
    rows = _negative_rows(step, words)
    labels = [lbl for lbl, _, _ in rows] + [f"h_j\u00a0=\u00a0W[{words[step.center]}]"]
    return network_matrix(
        np.stack([g for _, _, g in rows] + [_np(step.grad_h)]),
        labels,
        _dims(len(step.grad_h)),
        digits=3,
        title="The gradient on each vector this step uses",
    )


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
