"""Figures of one self-attention pass over a sentence, step by step, and of the order test.

Pure builders over :class:`seqviz.self_attention.SelfAttention` and
:class:`seqviz.self_attention.OrderTest`: every matrix of the pass (E, P, X, Q, K, V,
scores, scaled, masked, weights) and the entropy of each row, named as the lab names
them. No row is outlined here: a page draws the query's row on its own copy
(:func:`seqviz.figures.matrix.row_outline`), so the set can be cached for every reader.

Dimension letters: ``T`` words, ``D`` embedding size, ``d_k`` query/key/value size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
import torch

from seqviz.attention_heads import Heads
from seqviz.figures.attention import attention_map, entropy_bars, matrix, weight_bars
from seqviz.figures.matrix import token_axis_labels
from seqviz.self_attention import OrderTest, SelfAttention

STEPS = ("E", "P", "X", "Q", "K", "V", "scores", "scaled", "masked", "weights", "entropy")
"""The names of :func:`step_figures`, in the order of the lesson."""


def uniform_entropy(masked: torch.Tensor) -> list[float]:
    """log(number of keys row i may see) for every row of ``masked`` (T, T): the most a
    row's entropy can be (at least one key, so never log 0)."""
    allowed = torch.isfinite(masked).sum(-1).clamp(min=1)
    # H_max = log n: the entropy of the uniform distribution over n keys
    return [math.log(n) for n in allowed.tolist()]


def step_figures(
    sa: SelfAttention, tokens: Sequence[str], *, positions: bool, scale: bool, causal: bool
) -> dict[str, go.Figure]:
    """Every figure of the step-by-step lesson, by name (see :data:`STEPS`).

    Args:
        sa: one pass over T words.
        tokens: the T tokens as the model reads them (row labels).
        positions, scale, causal: the switches ``sa`` was computed with (for the titles).
    """
    D, d_k = sa.X.shape[1], sa.Q.shape[1]
    dims = [f"d{j}" for j in range(D)]
    kdims = [f"d{j}" for j in range(d_k)]
    keys = token_axis_labels(tokens)
    s = sa.steps
    trained = sa.source == "trained"
    b = (lambda n: f" + b<sub>{n}</sub>") if trained else (lambda n: "")
    return {
        "E": matrix(
            sa.embeddings,
            tokens,
            dims,
            title="E[c]: trained character embeddings" if trained else "E[w]: word embeddings",
        ),
        "P": matrix(
            sa.positions, tokens, dims, title="P: positions" + ("" if positions else " (off)")
        ),
        "X": matrix(
            sa.X, tokens, dims, title="X = LN<sub>1</sub>(E[c] + P)" if trained else "X = E[w] + P"
        ),
        "Q": matrix(sa.Q, tokens, kdims, title="Q = X W<sub>q</sub>" + b("q")),
        "K": matrix(sa.K, tokens, kdims, title="K = X W<sub>k</sub>" + b("k")),
        "V": matrix(sa.V, tokens, kdims, title="V = X W<sub>v</sub>" + b("v")),
        "scores": matrix(s.scores, tokens, keys, title="Q K<sup>T</sup>", value_name="score"),
        "scaled": matrix(
            s.scaled,
            tokens,
            keys,
            title="Q K<sup>T</sup> / √d<sub>k</sub>" if scale else "Q K<sup>T</sup> (not scaled)",
            value_name="score",
        ),
        "masked": matrix(
            s.masked,
            tokens,
            keys,
            title="masked (causal)" if causal else "no mask",
            value_name="score",
        ),
        "weights": attention_map(
            s.weights, tokens, title="softmax: attention weights α", mask=sa.mask
        ),
        "entropy": entropy_bars(
            s.entropy, tokens, uniform_entropy(s.masked), title="Entropy of each row"
        ),
    }


def query_bars(sa: SelfAttention, tokens: Sequence[str], i: int) -> go.Figure:
    """Query i's attention weights α_{i,:} as bars, one per word."""
    return weight_bars(sa.steps.weights[i], tokens, title=f"α for query {i}: where it looks")


def order_maps(
    off: OrderTest, on: OrderTest, tokens: Sequence[str]
) -> tuple[list[str], tuple[go.Figure, go.Figure, go.Figure]]:
    """The shuffled words, and three attention maps: the original sentence and the shuffled
    one without positions (``off``), and the shuffled one with positions (``on``) put back
    in the original order. ``off`` and ``on`` use the same permutation."""
    shuffled = [tokens[int(k)] for k in off.perm]
    maps = (
        attention_map(off.original, tokens, title="Original, no positions", show_values=False),
        attention_map(off.shuffled, shuffled, title="Shuffled, no positions", show_values=False),
        attention_map(
            on.unshuffled, tokens, title="Shuffled + positions, re-sorted", show_values=False
        ),
    )
    for fig in maps:
        label_every_word(fig)
    return shuffled, maps


ORDER_ROW_PX = 22  # height of one word's row in the shuffle maps: room for its label


def label_every_word(fig: go.Figure) -> go.Figure:
    """Write every row's and every column's word on the axes (Plotly would skip labels
    it thinks crowded), columns rotated upright, with :data:`ORDER_ROW_PX` per row. No
    colour bar and no axis titles: the words get the width (the scale is the weights' 0..1,
    as in the main map)."""
    heat = fig.data[0]
    rows, cols = list(heat.y), list(heat.x)
    fig.update_yaxes(
        tickmode="array", tickvals=rows, ticktext=rows, tickfont=dict(size=11), automargin=True
    )
    fig.update_xaxes(
        tickmode="array",
        tickvals=cols,
        ticktext=cols,
        tickangle=-90,
        tickfont=dict(size=11),
        automargin=True,
    )
    fig.update_traces(showscale=False, selector=dict(type="heatmap"))
    fig.update_xaxes(title_text=None)
    fig.update_yaxes(title_text=None)
    fig.update_layout(margin=dict(l=10, r=10))
    # the rows, plus room for the title above and the rotated word labels below
    fig.update_layout(height=ORDER_ROW_PX * len(rows) + 250)
    return fig


# --- several heads ---------------------------------------------------------------------


def head_figures(heads: Heads, tokens: Sequence[str], h: int) -> dict[str, go.Figure]:
    """Head ``h`` (0-based) of a multi-head pass: its Q, K, V and its weights."""
    d_h = heads.Q.shape[-1]
    dims = [f"d{j}" for j in range(d_h)]
    n = h + 1
    figs = {
        name: matrix(M[h], tokens, dims, title=f"{name}<sup>({n})</sup>", height=_small(tokens))
        for name, M in (("Q", heads.Q), ("K", heads.K), ("V", heads.V))
    }
    figs["weights"] = attention_map(
        heads.steps.weights[h],
        tokens,
        title=f"Head {n}: weights α<sup>({n})</sup>",
        mask=heads.mask,
    )
    return figs


def _small(tokens: Sequence[str]) -> int:
    return max(300, 140 + 22 * len(tokens))


def concat_figure(heads: Heads, tokens: Sequence[str]) -> go.Figure:
    """concat = [head^1, …, head^n] (T, n d_h), a dashed line between two heads' columns."""
    nh, d_h = heads.n_heads, heads.Q.shape[-1]
    cols = [f"h{h + 1}·d{j}" for h in range(nh) for j in range(d_h)]
    fig = matrix(heads.concat, tokens, cols, title="concat = [head<sup>(1)</sup>, …]")
    for h in range(1, nh):
        fig.add_vline(x=h * d_h - 0.5, line=dict(color="black", width=2, dash="dash"))
    fig.update_xaxes(tickangle=-90)
    return fig


def output_figure(heads: Heads, tokens: Sequence[str]) -> go.Figure:
    """out = concat W_o (+ b_o): (T, D), back to the model's size."""
    D = heads.out.shape[1]
    title = "out = concat W<sub>o</sub>" + (" + b<sub>o</sub>" if heads.b_o is not None else "")
    return matrix(heads.out, tokens, [f"d{j}" for j in range(D)], title=title)
