"""Inside the tiny Transformer's blocks: every stage of the residual stream, for a text.

:meth:`seqviz.transformer.TinyTransformer.trace` already keeps each block's values; this
module lays them out as the *residual stream* a student follows for one token, in the
order the model really computes them, and adds what the trace does not keep: each
LayerNorm's mean and spread and the feed-forward's pre-activations.

A pre-LN block (the pretrained model's; GPT-2's) reads a normalised copy of the stream
and *adds* its result to the stream, which itself is never normalised::

    x ← x + MHA(LN_1(x))        x ← x + FFN(LN_2(x))        logits = W_out LN_f(x) + b_out

A post-LN block (the 2017 paper's) normalises the stream after each addition::

    x ← LN_1(x + MHA(x))        x ← LN_2(x + FFN(x))        logits = W_out x + b_out

with LN(x)_i = γ_i (x_i − μ) / sqrt(σ² + ε) + β_i (μ, σ² the mean and the biased
variance of the E numbers of x), FFN(u) = W_2 GELU(W_1 u + b_1) + b_2 and
GELU(u) = u Φ(u) (Φ the standard normal CDF; PyTorch's exact form).

Dimension letters: ``T`` time, ``E`` model size, ``F`` feed-forward size, ``V``
vocabulary, ``nh`` heads, ``dh`` head size; ``L`` blocks. Positions and layers are
0-based here; the page shows them from 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqviz.transformer import TinyTransformer, TransformerTrace


@dataclass(frozen=True)
class Stage:
    """One stage of the stream for every position."""

    name: str  # plain words, e.g. "x + MHA(LN₁(x))"
    tex: str  # the same in LaTeX
    layer: int  # 0 = embedding, l = block l (1-based), L + 1 = the output layer
    kind: str  # "stream" (the residual stream itself) | "branch" (what a sub-layer reads/adds)
    value: Tensor  # (T, E)


@dataclass(frozen=True)
class LayerNormParts:
    """LN(x) = γ (x − μ) / sqrt(σ² + ε) + β for every position, each part kept."""

    x: Tensor  # (T, E) input
    mean: Tensor  # (T,) μ
    var: Tensor  # (T,) σ², biased (divided by E)
    eps: float  # ε
    x_hat: Tensor  # (T, E) (x − μ) / sqrt(σ² + ε)
    gamma: Tensor  # (E,) γ
    beta: Tensor  # (E,) β
    out: Tensor  # (T, E) γ x_hat + β


@dataclass(frozen=True)
class BlockParts:
    """What one block computed beyond :class:`seqviz.transformer.BlockTrace`."""

    ln1: LayerNormParts  # pre-LN: LN_1(x) read by attention; post-LN: LN_1(x + MHA(x))
    ln2: LayerNormParts  # pre-LN: LN_2(x) read by the FFN; post-LN: LN_2(x + FFN(x))
    ff_in: Tensor  # (T, E) u, what the FFN reads
    ff_pre: Tensor  # (T, F) W_1 u + b_1, before GELU
    attn_sum: Tensor  # (T, E) x + MHA(...), before LN_1 in post-LN (= after_attn in pre-LN)
    ff_sum: Tensor  # (T, E) x + FFN(...), before LN_2 in post-LN (= after_ff in pre-LN)


@dataclass(frozen=True)
class BlockReading:
    """A text read by the model, laid out stage by stage."""

    trace: TransformerTrace  # the model's own trace
    pre: bool  # pre-LN (True) or post-LN
    parts: tuple[BlockParts, ...]  # L blocks
    final_ln: LayerNormParts | None  # LN_f (pre-LN only)
    stages: tuple[Stage, ...]  # the stream and its branches, in computing order

    def stream(self) -> tuple[Stage, ...]:
        """The stages that are the residual stream itself (x⁰, after each addition, ...)."""
        return tuple(s for s in self.stages if s.kind == "stream")


def layer_norm_parts(ln: nn.LayerNorm, x: Tensor) -> LayerNormParts:
    """Recompute ``ln(x)`` for (T, E) ``x`` with every part kept (equals ``ln(x)``)."""
    # μ = (1/E) Σ_i x_i
    mean = x.mean(-1)
    # σ² = (1/E) Σ_i (x_i − μ)²   (biased, as LayerNorm uses)
    var = x.var(-1, unbiased=False)
    # x̂ = (x − μ) / sqrt(σ² + ε)
    x_hat = (x - mean[:, None]) / torch.sqrt(var[:, None] + ln.eps)
    # LN(x) = γ ⊙ x̂ + β
    gamma, beta = ln.weight.detach(), ln.bias.detach()
    out = x_hat * gamma + beta
    return LayerNormParts(x, mean, var, ln.eps, x_hat, gamma, beta, out)


@torch.no_grad()
def read(model: TinyTransformer, ids: Tensor) -> BlockReading:
    """Run ``model`` over (T,) ``ids`` and lay out every stage of every block.

    The stages recompose: in a pre-LN model every "stream" stage is the previous one
    plus the branch added to it; the last stage is what the output layer reads
    (``trace.final``), and ``trace.logits`` = W_out · that + b_out.
    """
    tr = model.trace(ids)
    pre = model.config.norm == "pre"
    parts, stages = [], []
    stages.append(Stage("x⁰ (embedding + position)", r"x^{0} = W_E[x_t] + P_t", 0, "stream", tr.x0))
    for l, (block, bt) in enumerate(zip(model.blocks, tr.blocks, strict=True), start=1):
        if pre:
            ln1 = layer_norm_parts(block.norm1, bt.input)
            ln2 = layer_norm_parts(block.norm2, bt.after_attn)
            ff_in, attn_sum, ff_sum = ln2.out, bt.after_attn, bt.after_ff
            stages += [
                Stage(f"LN₁(x) [{l}]", rf"\mathrm{{LN}}^{{{l}}}_1(x)", l, "branch", ln1.out),
                Stage(f"MHA(LN₁(x)) [{l}]", rf"\mathrm{{MHA}}^{{{l}}}", l, "branch", bt.attn_out),
                Stage(f"x + MHA [{l}]", rf"x + \mathrm{{MHA}}^{{{l}}}", l, "stream", bt.after_attn),
                Stage(f"LN₂(x) [{l}]", rf"\mathrm{{LN}}^{{{l}}}_2(x)", l, "branch", ln2.out),
                Stage(f"FFN(LN₂(x)) [{l}]", rf"\mathrm{{FFN}}^{{{l}}}", l, "branch", bt.ff_out),
                Stage(f"x + FFN [{l}]", rf"x + \mathrm{{FFN}}^{{{l}}}", l, "stream", bt.after_ff),
            ]
        else:
            attn_sum = bt.input + bt.attn_out
            ln1 = layer_norm_parts(block.norm1, attn_sum)
            ff_sum = bt.after_attn + bt.ff_out
            ln2 = layer_norm_parts(block.norm2, ff_sum)
            ff_in = bt.after_attn
            stages += [
                Stage(f"MHA(x) [{l}]", rf"\mathrm{{MHA}}^{{{l}}}", l, "branch", bt.attn_out),
                Stage(f"x + MHA [{l}]", rf"x + \mathrm{{MHA}}^{{{l}}}", l, "branch", attn_sum),
                Stage(f"LN₁(x + MHA) [{l}]", rf"\mathrm{{LN}}^{{{l}}}_1", l, "stream", ln1.out),
                Stage(f"FFN(x) [{l}]", rf"\mathrm{{FFN}}^{{{l}}}", l, "branch", bt.ff_out),
                Stage(f"x + FFN [{l}]", rf"x + \mathrm{{FFN}}^{{{l}}}", l, "branch", ff_sum),
                Stage(f"LN₂(x + FFN) [{l}]", rf"\mathrm{{LN}}^{{{l}}}_2", l, "stream", ln2.out),
            ]
        # W_1 u + b_1, the feed-forward's pre-activations (GELU of these is bt.ff_hidden)
        ff_pre = block.ff1(ff_in)
        parts.append(BlockParts(ln1, ln2, ff_in, ff_pre, attn_sum, ff_sum))
    L = len(tr.blocks)
    final_ln = layer_norm_parts(model.norm_f, tr.blocks[-1].after_ff) if pre else None
    if pre:
        stages.append(Stage("LN_f(x)", r"\mathrm{LN}_f(x)", L + 1, "branch", tr.final))
    return BlockReading(tr, pre, tuple(parts), final_ln, tuple(stages))


def norms(reading: BlockReading, t: int) -> list[float]:
    """‖stage‖₂ of every stage for position t (0-based)."""
    return [float(s.value[t].norm()) for s in reading.stages]


__all__ = [
    "Stage",
    "LayerNormParts",
    "BlockParts",
    "BlockReading",
    "layer_norm_parts",
    "read",
    "norms",
]
