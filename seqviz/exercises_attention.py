"""Exercises for the attention and word2vec labs: scaled dot-product weights, masks,
positional encodings, skip-gram windows and the skip-gram softmax — answers from
``seqviz.attention`` and ``seqviz.word2vec``.

Dimensions: T tokens, d_k key size, V vocabulary, E embedding size.
"""

from __future__ import annotations

import torch

from seqviz import attention, word2vec
from seqviz.exercises import Context, Exercise, fmt

SENTENCES = (
    "the quick brown fox jumps over the lazy dog",
    "he says business is good in the city this year",
    "a little cat sat on the warm mat by the door",
    "we went to the market to buy fresh bread and milk",
    "the time traveller smiled and held out his hand",
)
IT_SENTENCES = (
    ("the animal did not cross the street because it was tired", "animal"),
    ("the cat sat on the mat because it was warm", "mat"),
    ("the bird left the nest when it was old", "bird"),
)


def _vector(ctx: Context, d: int, low: int = -2, high: int = 2) -> list[int]:
    while True:
        v = [ctx.rng.randint(low, high) for _ in range(d)]
        if any(v):
            return v


def _tex_vector(v) -> str:
    return "(" + ", ".join(str(int(x)) for x in v) + ")"


# --- attention ----------------------------------------------------------------------


def weight(ctx: Context) -> Exercise:
    d = 2
    q = _vector(ctx, d, -1, 1)  # small entries keep every weight away from 0 and 1
    keys = [_vector(ctx, d, -1, 1) for _ in range(3)]
    j = ctx.rng.randrange(3)
    s = attention.steps(
        torch.tensor([q], dtype=torch.float64),
        torch.tensor(keys, dtype=torch.float64),
        torch.eye(3, dtype=torch.float64),
    )
    alpha = float(s.weights[0, j])
    scaled = [float(v) for v in s.scaled[0]]
    listed = ", ".join(f"$k_{i + 1} = {_tex_vector(k)}$" for i, k in enumerate(keys))
    exps = " + ".join(f"e^{{{v:.3f}}}" for v in scaled)
    return Exercise(
        title="One attention weight",
        prompt=f"A query $q = {_tex_vector(q)}$ attends to three keys {listed} "
        f"($d_k = {d}$, scaled dot product, no mask). What weight $\\alpha_{j + 1}$ does key "
        f"{j + 1} get? (2 decimals)",
        kind="number",
        answer=alpha,
        tolerance=0.0051,
        hint="Dot products $q \\cdot k_i$, divide each by $\\sqrt{d_k}$, then softmax over "
        "the three keys.",
        solution=f"Scores $q \\cdot k_i / \\sqrt{{{d}}}$ = "
        + ", ".join(f"{v:.3f}" for v in scaled)
        + f"; $\\alpha_{j + 1} = e^{{{scaled[j]:.3f}}} / ({exps}) = {alpha:.4f}$.",
        numbers={"alpha": alpha, **{f"s{i}": v for i, v in enumerate(scaled)}},
    )


def most_attended(ctx: Context) -> Exercise:
    sentence, _ = ctx.rng.choice(IT_SENTENCES)
    tokens = sentence.split()
    i_it = tokens.index("it")
    before = tokens[:i_it]  # the causal mask: 'it' sees itself and what came before
    d = 3
    q = _vector(ctx, d)
    keys = [_vector(ctx, d) for _ in range(i_it + 1)]
    mask = attention.causal_mask(len(keys))[-1:]  # the row of 'it'
    s = attention.steps(
        torch.tensor([q], dtype=torch.float64),
        torch.tensor(keys, dtype=torch.float64),
        torch.eye(len(keys), dtype=torch.float64),
        mask=mask,
    )
    w = s.weights[0]
    labels = [f"{tok} (position {p})" for p, tok in enumerate([*before, "it"])]
    best = int(w.argmax())
    order = [int(p) for p in torch.argsort(w, descending=True)[:4]]
    choices = tuple(ctx.rng.sample([labels[p] for p in order], len(order)))
    table = ", ".join(f"{labels[p]}: {float(w[p]):.3f}" for p in order)
    keys_md = "\n".join(f"- {labels[p]}: $k = {_tex_vector(k)}$" for p, k in enumerate(keys))
    return Exercise(
        title="Who does 'it' attend to?",
        prompt=f"In *{sentence}*, one causal attention head gives the query of **it** "
        f"$q = {_tex_vector(q)}$ ($d_k = {d}$); the keys of the tokens it may see are\n\n"
        f"{keys_md}\n\nWhich token receives the most attention from 'it'?",
        kind="choice",
        answer=labels[best],
        choices=choices,
        hint="The softmax is monotone: the largest weight goes to the largest $q \\cdot k$. "
        "Scaling by $\\sqrt{d_k}$ does not change which one wins.",
        solution=f"Weights (the four largest): {table}. Real heads learn such a match "
        "between 'it' and its referent; here the vectors are made up.",
        numbers={labels[p]: float(w[p]) for p in range(len(keys))},
    )


def causal(ctx: Context) -> Exercise:
    T = ctx.rng.randint(4, 12)
    s = attention.steps(
        torch.randn(T, 4, generator=torch.Generator().manual_seed(T)),
        torch.randn(T, 4, generator=torch.Generator().manual_seed(T + 1)),
        torch.eye(T),
        mask=attention.causal_mask(T),
    )
    n = int((s.weights > 0).sum())
    return Exercise(
        title="The causal mask",
        prompt=f"A language-model Transformer reads T = {T} tokens with a causal mask. How "
        f"many of the {T} × {T} attention weights of one head can be non-zero?",
        kind="number",
        answer=float(n),
        hint="Token i may attend to tokens 0 … i: count the allowed positions row by row.",
        solution=f"Row i has i + 1 allowed keys: $1 + 2 + \\dots + {T} = {T}\\cdot{T + 1}/2 = "
        f"{n}$; the other {T * T - n} are masked to $-\\infty$ before the softmax, so their "
        "weights are exactly 0.",
        numbers={"T": T},
    )


def position(ctx: Context) -> Exercise:
    dim = ctx.rng.choice((8, 16, 32))
    pos = ctx.rng.randint(1, 20)
    col = ctx.rng.randrange(min(dim, 6))
    value = float(attention.sinusoidal_positions(pos + 1, dim)[pos, col])
    i2 = col - col % 2
    fn = "sin" if col % 2 == 0 else "cos"
    angle = pos / 10000 ** (i2 / dim)
    return Exercise(
        title="A positional encoding",
        prompt=f"With sinusoidal positional encodings of size d = {dim}, what is entry "
        f"{col} (counting from 0) of the encoding of position {pos}? (3 decimals)",
        kind="number",
        answer=value,
        tolerance=0.0006,
        hint="$PE(pos, 2i) = \\sin(pos / 10000^{2i/d})$ and $PE(pos, 2i+1) = "
        "\\cos(pos / 10000^{2i/d})$: even entries are sines, odd ones cosines of the same "
        "angle.",
        solution=f"Entry {col} is {'2i' if col % 2 == 0 else '2i+1'} with 2i = {i2}: "
        f"$\\{fn}({pos} / 10000^{{{i2}/{dim}}}) = \\{fn}({angle:.4f}) = {value:.4f}$",
        numbers={"dim": dim, "pos": pos, "col": col},
    )


# --- word2vec -----------------------------------------------------------------------


def pair_count(ctx: Context) -> Exercise:
    tokens = ctx.rng.choice(SENTENCES).split()
    window = ctx.rng.randint(1, 3)
    pairs = word2vec.skipgram_pairs(tokens, window)
    N = len(tokens)
    return Exercise(
        title="How many skip-gram pairs?",
        prompt=f"The sentence *{' '.join(tokens)}* has N = {N} tokens. How many (centre, "
        f"context) pairs does a skip-gram window of size {window} produce?",
        kind="number",
        answer=float(len(pairs)),
        hint=f"Each centre pairs with up to {window} words on each side; near the ends of "
        "the sentence some of them are missing.",
        solution=f"Away from the ends every centre gives {2 * window} pairs; the first and "
        f"last {window} tokens lose the missing neighbours: $2 \\cdot {window} \\cdot {N} - "
        f"{window}({window} + 1) = {len(pairs)}$.",
        numbers={"N": N, "window": window},
    )


def centre_pairs(ctx: Context) -> Exercise:
    tokens = ctx.rng.choice(SENTENCES).split()
    once = [j for j, t in enumerate(tokens) if tokens.count(t) == 1 and 1 <= j < len(tokens) - 1]
    j = ctx.rng.choice(once)
    centre = tokens[j]
    window = 2

    def contexts(w: int) -> str:
        pairs = word2vec.skipgram_pairs(tokens, w)
        # the pairs of this centre: position j's pairs, in order (centre occurs once)
        return ", ".join(f"({c}, {o})" for c, o in pairs if c == centre)

    right = contexts(window)
    after = ", ".join(f"({centre}, {o})" for o in tokens[j + 1 : j + 1 + 2 * window])
    candidates = [right, contexts(1), contexts(3), after]
    choices = list(dict.fromkeys(c for c in candidates if c))
    return Exercise(
        title="The pairs of one centre word",
        prompt=f"Skip-gram with window 2 over *{' '.join(tokens)}*: which (centre, context) "
        f"pairs does it produce for the centre word **{centre}**?",
        kind="choice",
        answer=right,
        choices=tuple(ctx.rng.sample(choices, len(choices))),
        hint="Window 2 means the two words on each side of the centre, in sentence order; "
        "the centre never pairs with itself.",
        solution=f"Position {j + 1} is *{centre}*; positions {max(1, j - 1)} … "
        f"{min(len(tokens), j + 3)} except {j + 1}: {right}.",
        numbers={"j": j + 1},  # counted from 1, as the slides' x_1 … x_N
    )


def skipgram_softmax(ctx: Context) -> Exercise:
    vocab = ("king", "queen", "man", "woman", "royal")
    model = word2vec.SkipGram(len(vocab), 2, seed=ctx.rng.randrange(10_000), init="random")
    j, c = ctx.rng.sample(range(len(vocab)), 2)
    step = word2vec.softmax_step(model, j, [c])
    u = [round(float(v), 2) for v in step.u]
    p = float(step.y_hat[c])
    listed = ", ".join(f"{w}: {v:.2f}" for w, v in zip(vocab, u, strict=True))
    exps = " + ".join(f"e^{{{v:.2f}}}" for v in u)
    return Exercise(
        title="The skip-gram softmax",
        prompt=f"A skip-gram network over the vocabulary ({', '.join(vocab)}) gives the centre "
        f"word **{vocab[j]}** the scores $u = h_j W'$: {listed}. What probability "
        f"$\\hat y$ does it give the context word **{vocab[c]}**? (2 decimals)",
        kind="number",
        answer=p,
        tolerance=0.0051 + 0.005 * p,  # scores shown to 2 decimals
        hint="$\\hat y_j = \\mathrm{softmax}(u_j)$: exponentiate every score and divide by "
        "the sum.",
        solution=f"$e^{{{u[c]:.2f}}} / ({exps}) = {p:.4f}$; the loss for this pair is "
        f"$-\\log {p:.4f} = {float(step.losses[0]):.4f}$.",
        numbers={"p": p, **{w: v for w, v in zip(vocab, u, strict=True)}},
    )


GENERATORS = {
    "attn.weight": weight,
    "attn.most": most_attended,
    "attn.causal": causal,
    "attn.position": position,
    "w2v.pairs": pair_count,
    "w2v.centre": centre_pairs,
    "w2v.softmax": skipgram_softmax,
}

__all__ = ["GENERATORS", "fmt"]
