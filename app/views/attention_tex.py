"""LaTeX for the attention labs: each step's equation with one query's real numbers.

Only formatting: every number is read from a :class:`seqviz.attention.Steps` or a
:class:`seqviz.self_attention.SelfAttention`. Long rows are shortened to their
first entries and the query's own column, with an ellipsis.
"""

import math

import torch

from seqviz.latex import num, pnum
from seqviz.latex import word as word_tex

SHOW = 6  # entries of a row written out before the ellipsis


def vec(v, show: int = SHOW) -> str:
    """A row vector: (a, b, c, …) with at most ``show`` entries, then its length."""
    values = [float(x) for x in v]
    body = ", ".join(
        num(x) if math.isfinite(x) else (r"-\infty" if x < 0 else r"\infty") for x in values[:show]
    )
    if len(values) > show:
        body += rf", \dots\ (\text{{{len(values)} in all}})"
    return r"\left(" + body + r"\right)"


def embedding(sa, i: int, token: str) -> str:
    return (
        rf"\begin{{aligned}} x_{{{i}}} &= E[{word_tex(token)}] + P_{{{i}}} \\"
        rf"E[{word_tex(token)}] &= {vec(sa.embeddings[i])} \\"
        rf"P_{{{i}}} &= {vec(sa.positions[i])} \\"
        rf"x_{{{i}}} &= {vec(sa.X[i])} \end{{aligned}}"
    )


def projections(sa, i: int) -> list[str]:
    return [
        rf"q_{{{i}}} = x_{{{i}}} W_q = {vec(sa.Q[i])}",
        rf"k_{{{i}}} = x_{{{i}}} W_k = {vec(sa.K[i])}",
        rf"v_{{{i}}} = x_{{{i}}} W_v = {vec(sa.V[i])}",
    ]


def scores(steps, Q, K, i: int) -> str:
    j = 0
    dot = r" + ".join(
        rf"{pnum(a)}\cdot{pnum(b)}"
        for a, b in zip(Q[i][:3].tolist(), K[j][:3].tolist(), strict=True)
    )
    more = r" + \dots" if Q.shape[1] > 3 else ""
    return (
        rf"\begin{{aligned}} s_{{{i},j}} &= q_{{{i}}} \cdot k_j \\"
        rf"s_{{{i},0}} &= {dot}{more} = {num(steps.scores[i, 0])} \\"
        rf"s_{{{i},:}} &= {vec(steps.scores[i])} \end{{aligned}}"
    )


def scaled(steps, i: int, d_k: int) -> str:
    if steps.scale == 1.0:
        return (
            rf"\text{{scaling off: }} s_{{{i},:}} \text{{ goes to the softmax as it is}} = "
            rf"{vec(steps.scaled[i])}"
        )
    return (
        rf"\frac{{s_{{{i},:}}}}{{\sqrt{{d_k}}}} = \frac{{s_{{{i},:}}}}{{\sqrt{{{d_k}}}}} = "
        rf"\frac{{s_{{{i},:}}}}{{{num(steps.scale)}}} = {vec(steps.scaled[i])}"
    )


def masked(steps, i: int, causal: bool) -> str:
    if not causal:
        return rf"\text{{no mask: every word may look at every word}}\quad m_{{{i},:}} = {vec(steps.masked[i])}"
    T = steps.masked.shape[-1]
    hidden = T - i - 1
    term = rf"s_{{{i},j}} / \sqrt{{d_k}}" if steps.scale != 1.0 else rf"s_{{{i},j}}"
    return (
        rf"\begin{{gathered}} m_{{{i},j}} = \begin{{cases}} {term} & j \le {i} \\ -\infty & j > {i}"
        rf"\end{{cases}}\quad ({hidden}\ \text{{future word{'s' if hidden != 1 else ''} hidden}})\\ "
        rf"m_{{{i},:}} = {vec(steps.masked[i])} \end{{gathered}}"
    )


def softmax(steps, i: int) -> str:
    row = steps.weights[i]
    j = int(row.argmax())
    m = steps.masked[i]
    finite = m[torch.isfinite(m)]
    denom = float(torch.exp(finite - finite.max()).sum()) if finite.numel() else float("nan")
    return (
        rf"\begin{{gathered}}\alpha_{{{i},j}} = \frac{{e^{{m_{{{i},j}}}}}}{{\sum_l e^{{m_{{{i},l}}}}}}"
        rf" = \frac{{e^{{m_{{{i},j}} - \max_l m_{{{i},l}}}}}}{{\sum_l e^{{m_{{{i},l}} - \max_l m_{{{i},l}}}}}},\quad "
        rf"\alpha_{{{i},{j}}} = \frac{{e^{{{num(m[j])} - {num(finite.max())}}}}}{{{num(denom)}}}"
        rf" = \mathbf{{{num(row[j])}}}\\ \alpha_{{{i},:}} = {vec(row)},\quad "
        rf"\textstyle\sum_j \alpha_{{{i},j}} = {num(row.sum())}\end{{gathered}}"
    )


def entropy(steps, i: int) -> str:
    allowed = int(torch.isfinite(steps.masked[i]).sum())
    return (
        rf"H(\alpha_{{{i},:}}) = -\sum_j \alpha_{{{i},j}} \log \alpha_{{{i},j}} = "
        rf"{num(steps.entropy[i])}\ \text{{nats}}\quad(\text{{uniform over {allowed} words: }}"
        rf"\log {allowed} = {num(math.log(max(allowed, 1)))})"
    )


def output(steps, V, i: int) -> str:
    top = steps.weights[i].topk(min(2, V.shape[0])).indices.tolist()
    terms = " + ".join(rf"{num(steps.weights[i, j])}\, v_{{{j}}}" for j in top)
    rest = r" + \dots" if V.shape[0] > 2 else ""
    return (
        rf"\text{{out}}_{{{i}}} = \sum_j \alpha_{{{i},j}} v_j = {terms}{rest} = {vec(steps.out[i])}"
    )


def sinusoid(pos: int, dim: int, j: int, value: float) -> str:
    i2 = j - j % 2
    f = r"\sin" if j % 2 == 0 else r"\cos"
    return (
        rf"PE({pos}, {j}) = {f}\left(\frac{{{pos}}}{{10000^{{{i2}/{dim}}}}}\right) = "
        rf"{f}({num(pos / 10000 ** (i2 / dim))}) = {num(value)}"
    )


def head_row(weights, scaled_row, tokens, pos: int, layer: int, head: int, dh: int) -> str:
    """One head's attention row for a query position: the top keys with their weights."""
    top = weights.topk(min(3, pos + 1)).indices.tolist()
    labels = [word_tex(tokens[j]) for j in top]
    items = r",\ ".join(
        rf"\alpha_{{{pos},{j}}} = {num(weights[j])}\ ({label})"
        for j, label in zip(top, labels, strict=True)
    )
    return (
        rf"\text{{layer {layer + 1}, head {head + 1}:}}\ \alpha_{{{pos},:}} = "
        rf"\operatorname{{softmax}}\!\Big(\frac{{q_{{{pos}}} K^\top}}{{\sqrt{{{dh}}}}}\Big),\quad {items}"
    )
