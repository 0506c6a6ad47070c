"""Exercises for the Siamese lab: a cosine by hand, the two hard-negative loss terms of a
batch row, and the shipped encoder's verdict on a held-out pair — answers from
``seqviz.siamese`` and ``seqviz.triplet``.

Dimensions: B pairs in a batch, H units of an encoding.
"""

from __future__ import annotations

from functools import cache

import torch

from seqviz import checkpoints, pairs_data, siamese, siamese_training
from seqviz.exercises import Context, Exercise, fmt
from seqviz.triplet import triplet_terms

NAME = "siamese-lstm"


@cache
def _encoder() -> siamese.Encoder:
    return checkpoints.load(NAME)


def _draw_matrix(ctx: Context, B: int) -> torch.Tensor:
    """A B x B similarity matrix of two-decimal cosines, diagonal at least 0.3."""
    rows = [[ctx.rng.randint(-60, 95) / 100 for _ in range(B)] for _ in range(B)]
    for i in range(B):
        rows[i][i] = ctx.rng.randint(30, 95) / 100
    return torch.tensor(rows, dtype=torch.float64)


def _matrix_md(S: torch.Tensor) -> str:
    B = len(S)
    head = "| | " + " | ".join(f"P{j + 1}" for j in range(B)) + " |"
    rule = "|---" * (B + 1) + "|"
    body = [
        f"| **A{i + 1}** | " + " | ".join(f"{float(S[i, j]):.2f}" for j in range(B)) + " |"
        for i in range(B)
    ]
    return "\n".join([head, rule, *body])


def cosine_by_hand(ctx: Context) -> Exercise:
    H = 3
    a = [ctx.rng.randint(-3, 3) or 1 for _ in range(H)]
    b = [ctx.rng.randint(-3, 3) or 2 for _ in range(H)]
    va, vb = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    cos = float(siamese.cosine(va, vb))
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return Exercise(
        title="A cosine by hand",
        prompt=f"The shared encoder gives $v_A = ({', '.join(map(str, a))})$ and "
        f"$v_B = ({', '.join(map(str, b))})$. What is $\\cos(v_A, v_B)$? (3 decimals)",
        kind="number",
        answer=cos,
        tolerance=0.0015,
        hint="Dot product over the product of the two lengths: "
        "$v_A \\cdot v_B / (\\lVert v_A \\rVert \\lVert v_B \\rVert)$.",
        solution=f"$v_A \\cdot v_B = {dot}$, $\\lVert v_A \\rVert = {fmt(float(va.norm()))}$, "
        f"$\\lVert v_B \\rVert = {fmt(float(vb.norm()))}$, so $\\cos = {dot} / "
        f"({fmt(float(va.norm()))} \\times {fmt(float(vb.norm()))})$ = **{cos:.3f}**.",
        numbers={"dot": dot},
    )


def mean_negative_loss(ctx: Context) -> Exercise:
    B = 3
    S = _draw_matrix(ctx, B)
    alpha = ctx.rng.choice((0.25, 0.5))
    i = ctx.rng.randrange(B)
    t = triplet_terms(S, alpha, "mean")
    m, s_ii, loss = float(t.mean_negative[i]), float(t.positive[i]), float(t.loss_mean[i])
    return Exercise(
        title="The mean-negative loss of one row",
        prompt=f"A batch of {B} duplicate pairs has the similarity matrix "
        f"$S_{{ij}} = \\cos(A_i, P_j)$ below (diagonal = duplicates), margin α = {alpha}.\n\n"
        f"{_matrix_md(S)}\n\n"
        f"What is $L_{{\\text{{mean}},{i + 1}}} = \\max(0, \\alpha - S_{{{i + 1},{i + 1}}} + m_{{{i + 1}}})$ "
        "for anchor A" + f"{i + 1}? (3 decimals)",
        kind="number",
        answer=loss,
        tolerance=0.0015,
        hint=f"$m_{{{i + 1}}}$ is the average of the row's {B - 1} off-diagonal cosines.",
        solution=f"$m_{{{i + 1}}} = {fmt(m)}$, so $L = \\max(0, {alpha} - {s_ii:.2f} + "
        f"{fmt(m)})$ = **{loss:.3f}**.",
        numbers={"m": m, "S_ii": s_ii},
    )


def closest_negative(ctx: Context) -> Exercise:
    B = 4
    S = _draw_matrix(ctx, B)
    i = ctx.rng.randrange(B)
    if ctx.rng.random() < 0.25:  # sometimes every negative is above the positive
        S[i, i] = -0.6
    t = triplet_terms(S, 0.25, "closest")
    n = float(t.closest_negative[i])
    fallback = bool(t.fallback[i])
    why = (
        f"Every negative of row {i + 1} is above $S_{{{i + 1},{i + 1}}}$, so the notes' fallback "
        f"applies: the largest negative minus 2"
        if fallback
        else f"The largest off-diagonal value of row {i + 1} that is not above "
        f"$S_{{{i + 1},{i + 1}}} = {float(S[i, i]):.2f}$ is in column P{int(t.closest_index[i]) + 1}"
    )
    return Exercise(
        title="The closest negative",
        prompt=f"Similarity matrix of a batch of {B} pairs (diagonal = duplicates):\n\n"
        f"{_matrix_md(S)}\n\n"
        f"What is the closest negative $n_{{{i + 1}}}$ of anchor A{i + 1} — the largest "
        "negative cosine not above its positive (if there is none: the largest negative "
        "minus 2)? (2 decimals)",
        kind="number",
        answer=n,
        tolerance=0.005,
        hint="Ignore the diagonal and every value above the diagonal's value in this row.",
        solution=f"{why}: $n_{{{i + 1}}}$ = **{n:.2f}**.",
        numbers={"n": n},
    )


def verdict(ctx: Context) -> Exercise:
    pairs = pairs_data.heldout_pairs()
    p = pairs[ctx.rng.randrange(len(pairs))]
    tau = round(siamese_training.score(_encoder()).threshold, 2)
    cos = float(siamese_training.pair_cosines(_encoder(), [p])[0])
    dup, non = "Duplicates (cos > τ)", "Not duplicates (cos ≤ τ)"
    answer = dup if cos > tau else non
    truth = "a duplicate" if p.duplicate else "not a duplicate"
    return Exercise(
        title="What will the model say?",
        prompt=f"Sentence A: *{p.a}*  \nSentence B: *{p.b}*  \nThe trained Siamese encoder "
        f"calls a pair duplicates when $\\cos(v_A, v_B) > τ = {tau}$. What will it say? "
        "(Predict, then try the pair in the lab.)",
        kind="choice",
        answer=answer,
        choices=(dup, non),
        hint="The trained encoder mostly rewards shared words in a similar order; a "
        '"not" or a swapped subject changes few words.',
        solution=f"The encoder gives cos = {cos:.3f}, so: {answer}. The corpus says the pair "
        f"is {truth}.",
        numbers={"cos": cos},
    )


GENERATORS = {
    "sia.cosine": cosine_by_hand,
    "sia.mean_loss": mean_negative_loss,
    "sia.closest": closest_negative,
    "sia.verdict": verdict,
}
