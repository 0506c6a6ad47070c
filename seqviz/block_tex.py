"""The block's equations in LaTeX with one token's numbers substituted.

Pure formatting over a :class:`seqviz.block_trace.BlockReading`: every number is read
off the reading (nothing is computed here beyond picking entries), and every piece of
user text goes through :func:`seqviz.latex.char`. Positions ``t``, blocks ``l``,
dimensions ``i``, heads ``h`` and units ``j`` arrive 0-based and are written from 1.
"""

from __future__ import annotations

import math

import torch

from seqviz.block_trace import BlockReading
from seqviz.latex import char, num, pnum


def general(pre: bool) -> str:
    """The block's two updates, as the model computes them."""
    if pre:
        return (
            r"x \leftarrow x + \mathrm{MHA}(\mathrm{LN}_1(x)),\qquad "
            r"x \leftarrow x + \mathrm{FFN}(\mathrm{LN}_2(x)),\qquad "
            r"\text{logits} = W_{out}\,\mathrm{LN}_f(x) + b_{out}"
        )
    return (
        r"x \leftarrow \mathrm{LN}_1(x + \mathrm{MHA}(x)),\qquad "
        r"x \leftarrow \mathrm{LN}_2(x + \mathrm{FFN}(x)),\qquad "
        r"\text{logits} = W_{out}\,x + b_{out}"
    )


def embedding_line(r: BlockReading, token: str, t: int, i: int) -> str:
    """x⁰_{t,i} = W_E[x_t]_i + P_{t,i} with the numbers."""
    tr = r.trace
    e, p, x = (float(v[t, i]) for v in (tr.embeddings, tr.positions, tr.x0))
    return (
        rf"x^{{0}}_{{{t + 1},{i + 1}}} = W_E[{char(token)}]_{{{i + 1}}} + P_{{{t + 1},{i + 1}}}"
        rf" = {num(e)} + {pnum(p)} = {num(x)}"
    )


def block_lines(r: BlockReading, l: int, t: int, i: int) -> list[str]:
    """Block l's two updates of dimension i at position t, each with its numbers."""
    bt, parts = r.trace.blocks[l], r.parts[l]
    L, T, I = l + 1, t + 1, i + 1
    x_in, a, ff, out = (float(v[t, i]) for v in (bt.input, bt.attn_out, bt.ff_out, bt.after_ff))
    mid = float(bt.after_attn[t, i])
    if r.pre:
        return [
            rf"\text{{block {L}:}}\ x_{{{T},{I}}} \leftarrow x_{{{T},{I}}} + \mathrm{{MHA}}(\mathrm{{LN}}_1(x))_{{{T},{I}}}"
            rf" = {num(x_in)} + {pnum(a)} = {num(mid)}",
            rf"\text{{block {L}:}}\ x_{{{T},{I}}} \leftarrow x_{{{T},{I}}} + \mathrm{{FFN}}(\mathrm{{LN}}_2(x))_{{{T},{I}}}"
            rf" = {num(mid)} + {pnum(ff)} = {num(out)}",
        ]
    s1, s2 = float(parts.attn_sum[t, i]), float(parts.ff_sum[t, i])
    return [
        rf"\text{{block {L}:}}\ x_{{{T},{I}}} \leftarrow \mathrm{{LN}}_1(x + \mathrm{{MHA}}(x))_{{{T},{I}}}:\ "
        rf"{num(x_in)} + {pnum(a)} = {num(s1)} \xrightarrow{{\mathrm{{LN}}_1}} {num(mid)}",
        rf"\text{{block {L}:}}\ x_{{{T},{I}}} \leftarrow \mathrm{{LN}}_2(x + \mathrm{{FFN}}(x))_{{{T},{I}}}:\ "
        rf"{num(mid)} + {pnum(ff)} = {num(s2)} \xrightarrow{{\mathrm{{LN}}_2}} {num(out)}",
    ]


def norm_line(r: BlockReading, l: int, t: int) -> str:
    """‖x‖ entering block l, after its attention and after its feed-forward."""
    bt = r.trace.blocks[l]
    n0, n1, n2 = (float(v[t].norm()) for v in (bt.input, bt.after_attn, bt.after_ff))
    na, nf = float(bt.attn_out[t].norm()), float(bt.ff_out[t].norm())
    return (
        rf"\|x\|:\ {num(n0)} \xrightarrow{{+\,\mathrm{{MHA}}\ (\|\cdot\| = {num(na)})}} {num(n1)}"
        rf" \xrightarrow{{+\,\mathrm{{FFN}}\ (\|\cdot\| = {num(nf)})}} {num(n2)}"
    )


def layer_norm_line(r: BlockReading, l: int, t: int, i: int, which: int = 1) -> str:
    """LN_1 (or LN_2) of block l for dimension i at position t, every part substituted."""
    p = r.parts[l].ln1 if which == 1 else r.parts[l].ln2
    x, mu, var = float(p.x[t, i]), float(p.mean[t]), float(p.var[t])
    g, b, out = float(p.gamma[i]), float(p.beta[i]), float(p.out[t, i])
    return (
        rf"\mathrm{{LN}}_{which}(x)_{{{i + 1}}} = \gamma_{{{i + 1}}} \frac{{x_{{{i + 1}}} - \mu}}"
        rf"{{\sqrt{{\sigma^2 + \epsilon}}}} + \beta_{{{i + 1}}} = {num(g)} \cdot "
        rf"\frac{{{num(x)} - {pnum(mu)}}}{{\sqrt{{{num(var)} + 10^{{{round(math.log10(p.eps))}}}}}}}"
        rf" + {pnum(b)} = {num(out)}"
    )


def ffn_lines(r: BlockReading, l: int, t: int, j: int) -> list[str]:
    """Unit j of block l's feed-forward at position t: its pre-activation and GELU."""
    z, h = float(r.parts[l].ff_pre[t, j]), float(r.trace.blocks[l].ff_hidden[t, j])
    phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    n_pos = int((r.parts[l].ff_pre[t] > 0).sum())
    F = r.parts[l].ff_pre.shape[1]
    return [
        r"\mathrm{FFN}(u) = W_2\,\mathrm{GELU}(W_1 u + b_1) + b_2,\qquad "
        r"\mathrm{GELU}(z) = z\,\Phi(z)",
        rf"h_{{{j + 1}}} = \mathrm{{GELU}}((W_1 u + b_1)_{{{j + 1}}}) = \mathrm{{GELU}}({num(z)})"
        rf" = {num(z)} \cdot \Phi({num(z)}) = {num(z)} \cdot {num(phi)} = {num(h)}",
        rf"\text{{{n_pos} of the {F} units have a positive pre-activation}}",
    ]


def attention_lines(r: BlockReading, l: int, h: int, t: int) -> list[str]:
    """Head h of block l at query t: the largest score, its softmax, the row's sum and the
    head's output (its first dimension) as the weighted sum of the values."""
    bt = r.trace.blocks[l]
    dh = bt.q.shape[-1]
    w = bt.weights[h, t, : t + 1]
    j = int(torch.argmax(w))
    qk = float(bt.scores[h, t, j])
    s = float(bt.scaled[h, t, j])
    den = float(torch.exp(bt.scaled[h, t, : t + 1]).sum())
    T, J = t + 1, j + 1
    # the head's output, dimension 1: the weighted values (the two largest terms, then the rest)
    contrib = w * bt.v[h, : t + 1, 0]
    order = torch.argsort(w, descending=True).tolist()
    shown = [rf"{num(float(w[k]))} \cdot {pnum(float(bt.v[h, k, 0]))}" for k in order[:2]]
    rest = float(contrib[order[2:]].sum()) if len(order) > 2 else None
    terms = " + ".join(shown) + (
        rf" + \underbrace{{{num(rest)}}}_{{\text{{the other {len(order) - 2}}}}}"
        if rest is not None
        else ""
    )
    return [
        rf"s_{{{T},{J}}} = \frac{{q_{{{T}}} \cdot k_{{{J}}}}}{{\sqrt{{d_h}}}} = "
        rf"\frac{{{num(qk)}}}{{\sqrt{{{dh}}}}} = {num(s)}",
        rf"\alpha_{{{T},{J}}} = \frac{{e^{{s_{{{T},{J}}}}}}}{{\sum_{{j \le {T}}} e^{{s_{{{T},j}}}}}}"
        rf" = \frac{{{num(math.exp(s))}}}{{{num(den)}}} = {num(float(w[j]))},\qquad "
        rf"\sum_{{j=1}}^{{{T}}} \alpha_{{{T},j}} = {num(float(w.sum()))}",
        rf"o_{{{T},1}} = \sum_{{j \le {T}}} \alpha_{{{T},j}}\, v_{{j,1}} = {terms}"
        rf" = {num(float(bt.heads[h, t, 0]))}",
    ]


def lens_line(p_next: list[float], nxt: str, position: int) -> str:
    """P(the real next character) read after each layer; ``position``: its index as the
    student counts (from 1)."""
    where = ["embedding"] + [f"block {l}" for l in range(1, len(p_next))]
    parts = [rf"\text{{{w}: }}{num(p)}" for w, p in zip(where, p_next, strict=True)]
    return rf"P(x_{{{position}}} = {char(nxt)})\text{{ read after}}\quad " + r",\quad ".join(parts)


__all__ = [
    "general",
    "embedding_line",
    "block_lines",
    "norm_line",
    "layer_norm_line",
    "ffn_lines",
    "attention_lines",
    "lens_line",
]
