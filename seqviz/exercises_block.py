"""Exercises for the Transformer-block lab, on the trained character Transformer: one
residual update, one LayerNorm output, one GELU unit and the logit lens — every number
shown and every answer read off the real model (the ``transformer`` checkpoint) through
:func:`seqviz.block_trace.read` and :func:`seqviz.logit_lens.lens`.

Dimensions: T characters, E model size (d_model), F feed-forward size. Positions,
blocks, dimensions and units are shown from 1.
"""

from __future__ import annotations

import math

from seqviz import block_trace, logit_lens
from seqviz.exercises import Context, Exercise, char_label, lab_text, pick, shown_text

MODEL = "transformer"


def _read(ctx: Context, min_len: int):
    """(model, tokens, ids, reading, t) for the lab's text (or a drawn phrase) and step."""
    lm = ctx.load(MODEL)
    text = lab_text(ctx, min_len)[: lm.model.config.context]
    enc = lm.encode(text)
    reading = block_trace.read(lm.model, enc.ids)
    T = len(enc.tokens)
    t = pick(ctx.t, 1, T - 2, ctx.rng) if T > 2 else 0
    return lm, enc.tokens, enc.ids, reading, t


def residual(ctx: Context) -> Exercise:
    """x after a whole pre-LN block, from what enters it and what each sub-layer adds."""
    lm, tokens, _, r, t = _read(ctx, 4)
    L, E = lm.model.config.num_layers, lm.model.config.d_model
    l, i = ctx.rng.randrange(L), ctx.rng.randrange(E)
    bt = r.trace.blocks[l]
    x, a, f = (float(v[t, i]) for v in (bt.input, bt.attn_out, bt.ff_out))
    out = float(bt.after_ff[t, i])
    return Exercise(
        title="The residual stream through one block",
        prompt=f"The trained Transformer (pre-LN) reads {shown_text(tokens)}. At position "
        f"{t + 1} ({char_label(tokens[t])}), dimension {i + 1} of the stream entering block "
        f"{l + 1} is $x = {x:.4f}$; the attention sub-layer outputs {a:.4f} in that dimension "
        f"and the feed-forward sub-layer {f:.4f}. What is dimension {i + 1} of the stream "
        f"leaving block {l + 1}? (3 decimals)",
        kind="number",
        answer=out,
        tolerance=0.0011,
        hint="Pre-LN: x ← x + MHA(LN₁(x)), then x ← x + FFN(LN₂(x)). The LayerNorms only "
        "change what the sub-layers read, not the stream they add to.",
        solution=f"${x:.4f} + ({a:.4f}) + ({f:.4f}) = {out:.4f}$ — the model's own value "
        f"(block {l + 1}, dimension {i + 1}).",
        numbers={"x": x, "attn": a, "ff": f, "out": out},
    )


def layer_norm(ctx: Context) -> Exercise:
    """LN_1(x)_i from μ, σ², γ_i, β_i and x_i (the model's own numbers)."""
    lm, tokens, _, r, t = _read(ctx, 4)
    L, E = lm.model.config.num_layers, lm.model.config.d_model
    l, i = ctx.rng.randrange(L), ctx.rng.randrange(E)
    p = r.parts[l].ln1
    x, mu, var = float(p.x[t, i]), float(p.mean[t]), float(p.var[t])
    g, b, out = float(p.gamma[i]), float(p.beta[i]), float(p.out[t, i])
    return Exercise(
        title="One LayerNorm output",
        prompt=f"The trained Transformer reads {shown_text(tokens)}. Block {l + 1}'s first "
        f"LayerNorm reads the stream at position {t + 1}: its {E} numbers have mean "
        f"$\\mu = {mu:.4f}$ and variance $\\sigma^2 = {var:.4f}$; dimension {i + 1} is "
        f"$x = {x:.4f}$, with gain $\\gamma = {g:.4f}$ and bias $\\beta = {b:.4f}$ "
        f"($\\epsilon = 10^{{-5}}$). What is $\\mathrm{{LN}}(x)_{{{i + 1}}}$? (2 decimals)",
        kind="number",
        answer=out,
        tolerance=0.0051,
        hint="LN(x)ᵢ = γᵢ (xᵢ − μ) / √(σ² + ε) + βᵢ.",
        solution=f"${g:.4f} \\cdot ({x:.4f} - ({mu:.4f})) / \\sqrt{{{var:.4f} + 10^{{-5}}}} + "
        f"({b:.4f}) = {out:.4f}$ — the model's own LayerNorm output.",
        numbers={"x": x, "mu": mu, "var": var, "gamma": g, "beta": b, "out": out},
    )


def gelu(ctx: Context) -> Exercise:
    """GELU of one feed-forward unit's pre-activation (the model's own unit)."""
    lm, tokens, _, r, t = _read(ctx, 4)
    L = lm.model.config.num_layers
    l = ctx.rng.randrange(L)
    pre = r.parts[l].ff_pre[t]
    j = ctx.rng.randrange(pre.shape[0])
    z, h = float(pre[j]), float(r.trace.blocks[l].ff_hidden[t, j])
    phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    return Exercise(
        title="One feed-forward unit",
        prompt=f"The trained Transformer reads {shown_text(tokens)}. In block {l + 1}, hidden "
        f"unit {j + 1} of the feed-forward has the pre-activation $z = (W_1 u + b_1)_{{{j + 1}}}"
        f" = {z:.4f}$ at position {t + 1}. What does GELU make of it? (2 decimals)",
        kind="number",
        answer=h,
        tolerance=0.0051,
        hint="GELU(z) = z Φ(z), Φ the standard normal CDF: Φ(0) = 0.5, Φ(1) ≈ 0.841, "
        "Φ(−1) ≈ 0.159, Φ(2) ≈ 0.977.",
        solution=f"$\\Phi({z:.4f}) = {phi:.4f}$, so $\\mathrm{{GELU}}(z) = {z:.4f} \\cdot "
        f"{phi:.4f} = {h:.4f}$ — the model's own hidden value.",
        numbers={"z": z, "phi": phi, "h": h},
    )


def lens_first(ctx: Context) -> Exercise:
    """The first layer whose logit lens ranks the real next character first."""
    lm, tokens, ids, r, t = _read(ctx, 4)
    ln = logit_lens.lens(lm.model, r.trace)
    top = ln.probs[:, t].argmax(-1)  # (L + 1,)
    nxt = int(ids[t + 1])
    hits = [l for l in range(top.shape[0]) if int(top[l]) == nxt]
    names = ("the embedding (before block 1)",) + tuple(
        f"after block {l}" for l in range(1, top.shape[0])
    )
    answer = names[hits[0]] if hits else "never"
    p = [float(v) for v in ln.probs[:, t, nxt]]
    listed = ", ".join(
        f"{n}: top {char_label(lm.vocab.idx_to_token[int(k)])}"
        for n, k in zip(names, top, strict=True)
    )
    return Exercise(
        title="Logit lens",
        prompt=f"The trained Transformer reads {shown_text(tokens)}. At position {t + 1} "
        f"({char_label(tokens[t])}) the next character is really "
        f"{char_label(tokens[t + 1])}. Reading the residual stream through the final "
        "LayerNorm and the unembedding after each layer (the logit lens): where is "
        f"{char_label(tokens[t + 1])} first the most probable character?",
        kind="choice",
        answer=answer,
        choices=(*names, "never"),
        hint="Open section 5 of the lab at this position: the blue bar is the real next "
        "character; find the first panel where it is on top.",
        solution=f"{listed}. P({char_label(tokens[t + 1])}) per layer: "
        + ", ".join(f"{v:.3f}" for v in p)
        + f". Answer: {answer}.",
        numbers={f"p{l}": v for l, v in enumerate(p)},
    )


GENERATORS = {
    "block.residual": residual,
    "block.layernorm": layer_norm,
    "block.gelu": gelu,
    "block.lens": lens_first,
}

__all__ = ["GENERATORS"]
