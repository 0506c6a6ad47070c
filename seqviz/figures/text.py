"""Figures for the text lab: Zipf plot, vocabulary / <unk> curve, minibatch partitioning, BPE.

Pure builders: data in, Plotly figure out (no Streamlit, no training).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.batching import Partition
from seqviz.figures.style import (
    ACCENT,
    FONT_SIZE,
    NEUTRAL,
    OKABE_ITO,
    STEP_LINE,
    apply_layout,
    token_label,
)
from seqviz.zipf import ZipfFit

ORDER_NAMES = {1: "unigrams", 2: "bigrams", 3: "trigrams"}
ORDER_COLORS = {1: OKABE_ITO["blue"], 2: OKABE_ITO["vermillion"], 3: OKABE_ITO["bluish green"]}
BATCH_COLORS = [
    OKABE_ITO[c]
    for c in ("blue", "orange", "bluish green", "reddish purple", "sky blue", "vermillion")
]


def _log_sample(n: int, points: int = 400) -> np.ndarray:
    """About ``points`` ranks 1..n, evenly spaced on a log scale (every rank if few)."""
    if n <= points:
        return np.arange(1, n + 1)
    return np.unique(np.round(np.logspace(0, math.log10(n), points)).astype(int))


def zipf_plot(
    counts: Mapping[int, Sequence[int]],
    fits: Mapping[int, ZipfFit],
    title: str | None = None,
    height: int = 520,
) -> go.Figure:
    """Frequency against rank on log-log axes, one line per n-gram order, fits dashed.

    Each fit is drawn over the ranks it was fitted on only (``fit.ranks``), ending in
    a vertical bar at its last rank, and its legend entry names that range.

    Args:
        counts: n -> frequencies in descending order (rank 1 first).
        fits: n -> the :class:`ZipfFit` of those counts (drawn over its rank range).
    """
    fig = go.Figure()
    for n, c in counts.items():
        if not len(c):
            continue
        ranks = _log_sample(len(c))
        freqs = np.asarray(c)[ranks - 1]
        color = ORDER_COLORS.get(n, NEUTRAL)
        fit = fits.get(n)
        alpha = f" (α = {fit.alpha:.2f})" if fit is not None and math.isfinite(fit.alpha) else ""
        fig.add_trace(
            go.Scatter(
                x=ranks,
                y=freqs,
                mode="lines+markers",
                marker=dict(size=5, color=color),
                line=dict(color=color, width=3),
                name=f"{ORDER_NAMES.get(n, f'{n}-grams')}{alpha}",
                hovertemplate="rank %{x}<br>frequency %{y}<extra></extra>",
            )
        )
        if fit is not None and math.isfinite(fit.alpha):
            k0, k1 = fit.ranks
            ks = _log_sample(k1)
            ks = ks[ks >= k0].astype(float)
            fig.add_trace(
                go.Scatter(
                    x=ks,
                    # n_k = exp(c) / k^α, drawn over the fitted ranks only
                    y=np.exp(fit.log_c) / ks**fit.alpha,
                    mode="lines+markers",
                    line=dict(color=color, width=3, dash="dash"),
                    # a bar marks the last fitted rank K: the fit's range is k0..K
                    marker=dict(
                        size=[0] * (len(ks) - 1) + [22],
                        symbol="line-ns",
                        line=dict(color=color, width=3),
                    ),
                    name=f"fit over ranks {k0}–{k1:,}",
                    hovertemplate=f"fit (ranks {k0}–{k1:,}): n_k ≈ %{{y:.1f}} at k = %{{x}}<extra></extra>",
                )
            )
    # dtick=1: one labelled tick per power of ten, no crowded minor labels
    fig.update_xaxes(type="log", dtick=1, title_text="rank k (log scale)")
    fig.update_yaxes(type="log", dtick=1, title_text="frequency n_k (log scale)")
    fig.update_layout(legend=dict(x=0.99, xanchor="right", y=0.99, bgcolor="rgba(255,255,255,0.8)"))
    return apply_layout(fig, title, height)


def unk_curve(
    min_freqs: Sequence[int],
    unk_rates: Sequence[float],
    vocab_sizes: Sequence[int],
    current: int | None = None,
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """Share of tokens that become <unk> (left axis) and vocabulary size (right) vs min_freq."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=list(min_freqs),
            y=[100 * r for r in unk_rates],
            mode="lines+markers",
            line=dict(color=ACCENT, width=3),
            name="<unk> rate (%)",
            hovertemplate="min_freq %{x}<br><unk> %{y:.2f}%<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(min_freqs),
            y=list(vocab_sizes),
            mode="lines+markers",
            line=dict(color=OKABE_ITO["vermillion"], width=3, dash="dot"),
            name="vocabulary size",
            yaxis="y2",
            hovertemplate="min_freq %{x}<br>V = %{y}<extra></extra>",
        )
    )
    if current is not None:
        fig.add_vline(x=current, line=dict(color=STEP_LINE, width=2))
    fig.update_layout(
        xaxis=dict(title_text="min_freq (tokens seen fewer times become <unk>)"),
        yaxis=dict(title_text="<unk> rate (%)", rangemode="tozero"),
        yaxis2=dict(
            title_text="vocabulary size V",
            overlaying="y",
            side="right",
            rangemode="tozero",
            showgrid=False,
        ),
        legend=dict(x=0.5, xanchor="center", y=1.0, yanchor="bottom", orientation="h"),
    )
    fig = apply_layout(fig, title, height)
    fig.update_layout(margin=dict(r=90))
    return fig


def partition_picture(
    part: Partition,
    tokens: Sequence[str],
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Which slice of the corpus goes into which row of which minibatch.

    The x axis is the position in the corpus; each coloured bar is one row of one
    minibatch (a slice of T tokens), labelled with its batch number and drawn in the
    lane of its row b. Grey: positions no minibatch reads (the random offset at the
    start, the remainder at the end).

    Args:
        part: the :class:`Partition` of ``tokens``.
        tokens: the corpus (N tokens), used for hover text.
    """
    N, B, T = len(tokens), part.batch_size, part.num_steps
    fig = go.Figure()
    used = set(part.covered())
    unused = [p for p in range(N) if p not in used]
    if unused:
        fig.add_trace(
            go.Bar(
                x=[1] * len(unused),
                base=unused,
                y=["not read"] * len(unused),
                orientation="h",
                marker=dict(color="#BBBBBB", line=dict(width=0)),
                name="not read",
                hovertemplate="position %{base}: not read this epoch<extra></extra>",
            )
        )
    show_text = T * 12 <= 1200 and N <= 400
    for i, batch in enumerate(part.starts):
        color = BATCH_COLORS[i % len(BATCH_COLORS)]
        labels = [f"row {b}" for b in range(len(batch))]
        slices = ["".join(tokens[s : s + T]) for s in batch]
        fig.add_trace(
            go.Bar(
                x=[T] * len(batch),
                base=list(batch),
                y=labels,
                orientation="h",
                marker=dict(color=color, line=dict(color="white", width=2)),
                name=f"batch {i + 1}",
                text=[f"{i + 1}" for _ in batch] if show_text else None,
                textposition="inside",
                insidetextanchor="middle",
                textfont=dict(size=FONT_SIZE, color="white"),
                customdata=[
                    [s, s + T - 1, token_label(x, compact=False)]
                    for s, x in zip(batch, slices, strict=True)
                ],
                hovertemplate=f"batch {i + 1}, %{{y}}<br>positions %{{customdata[0]}}–%{{customdata[1]}}"
                "<br>%{customdata[2]}<extra></extra>",
            )
        )
    fig.update_layout(barmode="overlay", bargap=0.25, showlegend=part.num_batches <= 12)
    fig.update_xaxes(title_text="position in the text", range=[-0.5, max(N, 1) + 0.5])
    fig.update_yaxes(
        title_text="row b of the minibatch",
        autorange="reversed",
        type="category",
        categoryorder="array",
        categoryarray=[f"row {b}" for b in range(B)] + (["not read"] if unused else []),
    )
    lanes = B + (1 if unused else 0)
    return apply_layout(fig, title, height if height is not None else 170 + 48 * lanes)


def bpe_curve(
    num_merges: Sequence[int],
    num_tokens: Sequence[int],
    current: int | None = None,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """How many tokens the text takes after each number of merges (compression)."""
    fig = go.Figure(
        go.Scatter(
            x=list(num_merges),
            y=list(num_tokens),
            mode="lines+markers",
            line=dict(color=ACCENT, width=3),
            name="tokens",
            hovertemplate="%{x} merges<br>%{y:,} tokens<extra></extra>",
        )
    )
    if current is not None:
        fig.add_vline(x=current, line=dict(color=STEP_LINE, width=2))
    fig.update_xaxes(title_text="number of merges (vocabulary = characters + merges)")
    fig.update_yaxes(title_text="tokens needed for the text", rangemode="tozero")
    return apply_layout(fig, title, height)
