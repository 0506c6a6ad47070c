"""Exercises for the Transformer lab, on the trained character Transformer itself:
one head's attention weight, what the causal mask hides, parameter counts, and one
generation step — every number shown and every answer read off the real model
(the ``transformer`` checkpoint, or its untrained twin where it is not installed).

Dimensions: T characters, E model size (d_model), F feed-forward size, V vocabulary,
nh heads, d_h head size.
"""

from __future__ import annotations

import torch

from seqviz import sampling
from seqviz.exercises import Context, Exercise, char_label, lab_text, shown_text

MODEL = "transformer"


def _read(ctx: Context, min_len: int):
    """(model, tokens, trace) of the model reading the lab's text or a drawn phrase."""
    lm = ctx.load(MODEL)
    text = lab_text(ctx, min_len)[: lm.model.config.context]
    enc = lm.encode(text)
    with torch.no_grad():
        _, tr = lm.model(enc.ids, return_trace=True)
    return lm, enc.tokens, tr


def head_weight(ctx: Context) -> Exercise:
    """α_{t,j} of one head of layer 1 from its scaled scores (the model's own numbers)."""
    lm, tokens, tr = _read(ctx, 5)
    nh = lm.model.config.n_heads
    h = ctx.rng.randrange(nh)
    t = ctx.rng.randint(2, min(4, len(tokens) - 1))
    block = tr.blocks[0]
    scaled = [float(v) for v in block.scaled[h, t, : t + 1]]  # the keys position t may see
    j = ctx.rng.randrange(t + 1)
    alpha = float(block.weights[h, t, j])
    listed = ", ".join(
        f"$s_{{{t + 1},{k + 1}}} = {v:.3f}$ ({char_label(tokens[k])})" for k, v in enumerate(scaled)
    )
    exps = " + ".join(f"e^{{{v:.3f}}}" for v in scaled)
    return Exercise(
        title="One head's attention weight",
        prompt=f"The trained Transformer reads {shown_text(tokens)}. In layer 1, head {h + 1}, "
        f"the query of position {t + 1} ({char_label(tokens[t])}) has the scaled scores "
        f"$q_{{{t + 1}}} \\cdot k_j / \\sqrt{{d_h}}$ {listed} for the {t + 1} positions it may "
        f"see. What attention weight $\\alpha_{{{t + 1},{j + 1}}}$ does it give position "
        f"{j + 1}? (2 decimals)",
        kind="number",
        answer=alpha,
        tolerance=0.0051,
        hint="Softmax over the allowed positions only: exponentiate each score and divide by "
        "the sum (the future positions are masked and take no part).",
        solution=f"$\\alpha_{{{t + 1},{j + 1}}} = e^{{{scaled[j]:.3f}}} / ({exps}) = "
        f"{alpha:.4f}$ — the model's own weight (layer 1, head {h + 1}).",
        numbers={"alpha": alpha, "head": h + 1, "t": t + 1, "j": j + 1},
    )


def masked_count(ctx: Context) -> Exercise:
    """How many positions the causal mask hides from one query (counted in the model)."""
    lm, tokens, tr = _read(ctx, 6)
    T = len(tokens)
    t = ctx.rng.randrange(T - 1)
    h = ctx.rng.randrange(lm.model.config.n_heads)
    masked = tr.blocks[0].masked[h, t]
    hidden = int(torch.isinf(masked).sum())  # -inf before the softmax: the model's own mask
    zero = int((tr.blocks[0].weights[h, t] == 0).sum())
    return Exercise(
        title="What the causal mask hides",
        prompt=f"The trained Transformer reads {shown_text(tokens)} (T = {T} characters). For "
        f"the query at position {t + 1} ({char_label(tokens[t])}), how many positions does "
        "the causal mask hide (score set to −∞, weight exactly 0)?",
        kind="number",
        answer=float(hidden),
        hint="Position t may look at positions 1 … t (itself included) and nothing after it.",
        solution=f"Positions {t + 2} … {T} are in the future: $T - t = {T} - {t + 1} = "
        f"{hidden}$. In the model their scores are −∞ and {zero} of the row's weights are "
        f"exactly 0; the other {t + 1} (positions 1 … {t + 1}) sum to 1.",
        numbers={"T": T, "t": t + 1},
    )


PARTS = ("attention", "feed-forward", "layer norm", "embedding")


def parameters(ctx: Context) -> Exercise:
    """Parameters of one part of the model, counted from its own modules."""
    lm = ctx.load(MODEL)
    model, cfg = lm.model, lm.model.config
    E, F, V = cfg.d_model, cfg.d_ff, cfg.vocab_size
    part = ctx.rng.choice(PARTS)
    block = model.blocks[0]
    modules = {
        "attention": (block.attn,),
        "feed-forward": (block.ff1, block.ff2),
        "layer norm": (block.norm1,),
        "embedding": (model.tok_emb,),
    }[part]
    count = sum(p.numel() for m in modules for p in m.parameters())
    question, working = {
        "attention": (
            f"one multi-head attention sub-layer ({cfg.n_heads} heads, $W_q, W_k, W_v, W_o$ "
            "with their biases)",
            f"$W_q, W_k, W_v, W_o$ are {E} × {E} each and have {E} biases each: "
            f"$4 \\cdot {E}^2 + 4 \\cdot {E} = {count}$ (the heads split these matrices, they "
            "do not add any)",
        ),
        "feed-forward": (
            f"one feed-forward sub-layer ({E} → {F} → {E}, with biases)",
            f"$W_1$: {E} × {F}, $b_1$: {F}, $W_2$: {F} × {E}, $b_2$: {E}: "
            f"$2 \\cdot {E} \\cdot {F} + {F} + {E} = {count}$",
        ),
        "layer norm": (
            "one layer norm",
            f"a gain and a bias per dimension: $2 \\cdot {E} = {count}$",
        ),
        "embedding": (
            f"the character embedding table ({V} characters, <unk> included)",
            f"one row of {E} numbers per character: ${V} \\cdot {E} = {count}$",
        ),
    }[part]
    return Exercise(
        title="Parameter count",
        prompt=f"The trained Transformer has d_model = {E}, {cfg.n_heads} heads, d_ff = {F} and "
        f"a vocabulary of V = {V}. How many parameters does {question} have?",
        kind="number",
        answer=float(count),
        hint="Count every matrix (rows × columns) and every bias vector of that part.",
        solution=working + ", counted from the model's own parameter tensors.",
        numbers={"E": E, "F": F, "V": V, "count": count},
    )


def generation_step(ctx: Context) -> Exercise:
    """The top-k renormalised probability of one next character (the sampler's own)."""
    lm = ctx.load(MODEL)
    text = lab_text(ctx, 3)[: lm.model.config.context - 1]
    k = 3
    enc = lm.encode(text)
    with torch.no_grad():
        logits = lm.model(enc.ids)[-1].clone()  # (V,) after the last character read
    logits[lm.vocab.unk] = float("-inf")  # the generator never writes <unk>
    probs = torch.softmax(logits, -1)
    sampled = sampling.distribution(logits, 1.0, k)  # τ = 1, top-k = 3: what is drawn from
    top = probs.topk(k).indices.tolist()
    c = ctx.rng.choice(top)
    label = {i: char_label(lm.vocab.idx_to_token[i]) for i in top}
    listed = ", ".join(f"{label[i]}: {float(probs[i]):.4f}" for i in top)
    total = sum(float(probs[i]) for i in top)
    answer = float(sampled[c])
    return Exercise(
        title="One generation step",
        prompt=f"After reading {shown_text(enc.tokens)} the trained Transformer's next-character "
        f"probabilities (τ = 1), the three largest, are {listed}. Sampling with top-k = {k} and τ = 1, "
        f"what is the probability that it writes {label[c]}? (3 decimals)",
        kind="number",
        answer=answer,
        tolerance=0.0011,
        hint=f"Top-k keeps the {k} most likely characters and renormalises them to sum to 1.",
        solution=f"${float(probs[c]):.4f} / ({' + '.join(f'{float(probs[i]):.4f}' for i in top)})"
        f" = {float(probs[c]):.4f} / {total:.4f} = {answer:.4f}$; every other character gets 0."
        f" Greedy decoding (τ = 0) would write {label[top[0]]}.",
        numbers={"p": answer, "total": total, **{label[i]: float(probs[i]) for i in top}},
    )


GENERATORS = {
    "tf.weight": head_weight,
    "tf.masked": masked_count,
    "tf.params": parameters,
    "tf.step": generation_step,
}

__all__ = ["GENERATORS"]
