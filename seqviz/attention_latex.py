"""LaTeX for self-attention step by step: each step's equation with one query's real numbers.

Only formatting: every number is read from a :class:`seqviz.attention.Steps` or a
:class:`seqviz.self_attention.SelfAttention` (or an :class:`~seqviz.self_attention.OrderTest`).
Long rows are shortened to their first entries with an ellipsis. Words a student typed
go through :func:`seqviz.latex.word`, so TeX-special characters show as themselves.

Dimension letters: ``T`` words, ``d_k`` query/key/value size; ``i`` is the query word.
"""

from __future__ import annotations

import math

import torch

from seqviz.attention import Steps
from seqviz.attention_heads import Heads
from seqviz.latex import char as char_tex
from seqviz.latex import num, pnum, sci
from seqviz.latex import word as word_tex
from seqviz.self_attention import OrderTest, SelfAttention

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


def embedding(sa: SelfAttention, i: int, token: str) -> str:
    """x_i = E[w_i] + P_i with the rows of word i (``token`` as the model reads it); for the
    trained source x_i = LN_1(E[c_i] + P_i), what the first block's heads read."""
    if sa.source == "trained":
        return (
            rf"\begin{{aligned}} x_{{{i}}} &= \operatorname{{LN}}_1(E[{char_tex(token)}] + "
            rf"P_{{{i}}}) \\ E[{char_tex(token)}] &= {vec(sa.embeddings[i])} \\"
            rf"P_{{{i}}} &= {vec(sa.positions[i])} \\"
            rf"x_{{{i}}} &= {vec(sa.X[i])} \end{{aligned}}"
        )
    return (
        rf"\begin{{aligned}} x_{{{i}}} &= E[{word_tex(token)}] + P_{{{i}}} \\"
        rf"E[{word_tex(token)}] &= {vec(sa.embeddings[i])} \\"
        rf"P_{{{i}}} &= {vec(sa.positions[i])} \\"
        rf"x_{{{i}}} &= {vec(sa.X[i])} \end{{aligned}}"
    )


def projections(sa: SelfAttention, i: int) -> list[str]:
    """q_i, k_i, v_i: the projections of word i, one line each (with the trained source's
    biases)."""
    if sa.source == "trained":
        return [
            rf"{n}_{{{i}}} = x_{{{i}}} W_{n} + b_{n} = {vec(M[i])}"
            for n, M in (("q", sa.Q), ("k", sa.K), ("v", sa.V))
        ]
    return [
        rf"q_{{{i}}} = x_{{{i}}} W_q = {vec(sa.Q[i])}",
        rf"k_{{{i}}} = x_{{{i}}} W_k = {vec(sa.K[i])}",
        rf"v_{{{i}}} = x_{{{i}}} W_v = {vec(sa.V[i])}",
    ]


def scores(steps: Steps, Q: torch.Tensor, K: torch.Tensor, i: int) -> str:
    """s_{i,j} = q_i · k_j, with the dot product for j = 0 written out. Q, K: (T, d_k)."""
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


def scaled(steps: Steps, i: int, d_k: int) -> str:
    """Row i divided by √d_k (or passed on as it is when scaling is off)."""
    if steps.scale == 1.0:
        return (
            rf"\text{{scaling off: }} s_{{{i},:}} \text{{ goes to the softmax as it is}} = "
            rf"{vec(steps.scaled[i])}"
        )
    return (
        rf"\frac{{s_{{{i},:}}}}{{\sqrt{{d_k}}}} = \frac{{s_{{{i},:}}}}{{\sqrt{{{d_k}}}}} = "
        rf"\frac{{s_{{{i},:}}}}{{{num(steps.scale)}}} = {vec(steps.scaled[i])}"
    )


def masked(steps: Steps, i: int, causal: bool) -> str:
    """Row i after the mask: −∞ for the future words when ``causal``."""
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


def softmax(steps: Steps, i: int) -> str:
    """α_{i,:} = softmax(m_{i,:}), its largest weight computed out, and the row sum."""
    row = steps.weights[i]
    j = int(row.argmax())
    m = steps.masked[i]
    finite = m[torch.isfinite(m)]
    denom = float(torch.exp(finite - finite.max()).sum()) if finite.numel() else float("nan")
    return (
        rf"\begin{{gathered}}\alpha_{{{i},j}} = \frac{{e^{{m_{{{i},j}}}}}}{{\sum_l e^{{m_{{{i},l}}}}}}"
        rf" = \frac{{e^{{m_{{{i},j}} - \max_l m_{{{i},l}}}}}}{{\sum_l e^{{m_{{{i},l}} - \max_l m_{{{i},l}}}}}},\quad "
        rf"\alpha_{{{i},{j}}} = \frac{{e^{{{num(m[j])} - {num(finite.max())}}}}}{{{num(denom)}}}"
        rf" = \mathbf{{{num(row[j])}}}\\ \alpha_{{{i},:}} = {weights_row(row, m)},\quad "
        rf"\textstyle\sum_j \alpha_{{{i},j}} = {num(row.sum())}\end{{gathered}}"
    )


def weights_row(row: torch.Tensor, masked_row: torch.Tensor) -> str:
    """A row of weights; when the mask hides a tail of it (causal), only the allowed entries
    are written and the hidden ones are named as masked — never printed as 0.000 weights."""
    allowed = torch.isfinite(masked_row)
    n = int(allowed.sum())
    if n == len(row) or not bool(allowed[:n].all()):
        return vec(row)
    hidden = len(row) - n
    return rf"{vec(row[:n])}\ \text{{then {hidden} masked (}}-\infty \to 0\text{{)}}"


def entropy(steps: Steps, i: int) -> str:
    """H(α_{i,:}) against the uniform maximum log(number of words row i may see)."""
    allowed = int(torch.isfinite(steps.masked[i]).sum())
    return (
        rf"H(\alpha_{{{i},:}}) = -\sum_j \alpha_{{{i},j}} \log \alpha_{{{i},j}} = "
        rf"{num(steps.entropy[i])}\ \text{{nats}}\quad(\text{{uniform over {allowed} words: }}"
        rf"\log {allowed} = {num(math.log(max(allowed, 1)))})"
    )


def output(steps: Steps, V: torch.Tensor, i: int) -> str:
    """out_i = Σ_j α_{i,j} v_j with its two largest terms. V: (T, d_k)."""
    top = steps.weights[i].topk(min(2, V.shape[0])).indices.tolist()
    terms = " + ".join(rf"{num(steps.weights[i, j])}\, v_{{{j}}}" for j in top)
    rest = r" + \dots" if V.shape[0] > 2 else ""
    return (
        rf"\text{{out}}_{{{i}}} = \sum_j \alpha_{{{i},j}} v_j = {terms}{rest} = "
        rf"{vec(steps.out[i], show=4)}"
    )


def sinusoid(pos: int, dim: int, j: int, value: float) -> str:
    """PE(pos, j) written out for column j of a ``dim``-wide encoding; ``value`` is PE[pos, j]."""
    i2 = j - j % 2
    f = r"\sin" if j % 2 == 0 else r"\cos"
    return (
        rf"PE({pos}, {j}) = {f}\left(\frac{{{pos}}}{{10000^{{{i2}/{dim}}}}}\right) = "
        rf"{f}({num(pos / 10000 ** (i2 / dim))}) = {num(value)}"
    )


def sinusoids(pe: torch.Tensor, pos: int) -> str:
    """The first sine and cosine of position ``pos`` in the encodings ``pe`` (n, dim)."""
    dim = pe.shape[1]
    return (
        sinusoid(pos, dim, 0, float(pe[pos, 0]))
        + r",\qquad "
        + sinusoid(pos, dim, 1, float(pe[pos, 1]))
    )


def order_difference(off: OrderTest, on: OrderTest) -> str:
    """How far the shuffled sentence's weights move, put back in order: without positions
    (zero up to rounding) and with them."""
    return (
        rf"\text{{no positions: }}\max_{{i,j}} |\alpha_{{ij}} - \alpha'_{{\pi(i)\pi(j)}}| = "
        rf"{sci(off.max_difference, 2)}\qquad \text{{with positions: }} {on.max_difference:.3f}"
    )


# --- several heads (seqviz.attention_heads) ---------------------------------------------


def _bias(heads: Heads, name: str, h: int) -> str:
    """ " + b_q^{(h)}" for a source with biases (the trained model), else nothing."""
    return rf" + b_{name}^{{({h + 1})}}" if heads.b_o is not None else ""


def head_projections(heads: Heads, h: int, i: int) -> str:
    """q, k, v of word i in head h (0-based; written 1-based as the head's name)."""
    n = h + 1
    lines = [
        rf"{name}^{{({n})}}_{{{i}}} &= x_{{{i}}} W_{name}^{{({n})}}{_bias(heads, name, h)} = "
        rf"{vec(M[h, i])}"
        for name, M in (("q", heads.Q), ("k", heads.K), ("v", heads.V))
    ]
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def head_output(heads: Heads, h: int, i: int) -> str:
    """Head h's weights for query i and its output head^{(h)}_i = Σ_j α_{i,j} v_j."""
    n, s = h + 1, heads.steps
    d_h = heads.Q.shape[-1]
    row = s.weights[h, i]
    j = int(row.argmax())
    return (
        rf"\begin{{aligned}}\alpha^{{({n})}}_{{{i},:}} &= \operatorname{{softmax}}\Big("
        rf"\frac{{q^{{({n})}}_{{{i}}} K^{{({n})\top}}}}{{\sqrt{{{d_h}}}}}\Big) = {vec(row)}"
        rf",\quad \max_j \alpha^{{({n})}}_{{{i},j}} = \alpha^{{({n})}}_{{{i},{j}}} = "
        rf"\mathbf{{{num(row[j])}}} \\ \text{{head}}^{{({n})}}_{{{i}}} &= \sum_j "
        rf"\alpha^{{({n})}}_{{{i},j}} v^{{({n})}}_j = {vec(s.out[h, i])}\end{{aligned}}"
    )


def concat(heads: Heads, i: int) -> str:
    """concat_i = [head^{(1)}_i, …, head^{(n)}_i]: the heads' outputs side by side."""
    nh, d_h = heads.n_heads, heads.Q.shape[-1]
    names = ", ".join(rf"\text{{head}}^{{({h + 1})}}_{{{i}}}" for h in range(nh))
    return (
        rf"\text{{concat}}_{{{i}}} = [{names}] = {vec(heads.concat[i], show=5)}"
        rf"\quad({nh} \times {d_h} = {nh * d_h})"
    )


def output_projection(heads: Heads, i: int) -> str:
    """out_i = concat_i W_o (+ b_o), with its first entry's sum written out."""
    c, W = heads.concat[i], heads.W_o
    terms = " + ".join(rf"{pnum(c[r])}\cdot{pnum(W[r, 0])}" for r in range(min(3, len(c))))
    more = r" + \dots" if len(c) > 3 else ""
    bias = rf" + {pnum(heads.b_o[0])}" if heads.b_o is not None else ""
    b_name = " + b_o" if heads.b_o is not None else ""
    return (
        rf"\begin{{aligned}}\text{{out}}_{{{i}}} &= \text{{concat}}_{{{i}}}\, W_o{b_name} = "
        rf"{vec(heads.out[i])} \\ \text{{out}}_{{{i},0}} &= {terms}{more}{bias} = "
        rf"{num(heads.out[i, 0])}\end{{aligned}}"
    )
