"""Exercises for the Seq2seq & attention lab: one context vector of the trained copy model,
corpus BLEU with its brevity penalty, and greedy vs beam search on a table of probabilities —
answers from ``seqviz.seq2seq``, ``seqviz.bleu`` and ``seqviz.beam``'s rule.

Dimensions: S source length, H hidden size.
"""

from __future__ import annotations

import math

from seqviz import bleu, seq2seq_training
from seqviz import translation_data as data
from seqviz.exercises import Context, Exercise, fmt
from seqviz.seq2seq import greedy

MODEL = "s2s-copy-additive"
WORDS = ("the", "cat", "sat", "on", "a", "mat", "dog", "ran", "big", "red")


def _translator(ctx: Context):
    try:
        return ctx.load(MODEL)
    except (FileNotFoundError, KeyError):
        return seq2seq_training.untrained(seq2seq_training.checkpoint_config("copy", "additive"))


def context_unit(ctx: Context) -> Exercise:
    tr = _translator(ctx)
    letters = ctx.rng.sample(data.LETTERS, ctx.rng.randint(3, 5))
    d = greedy(tr.model, tr.source_ids(letters), tr.pairs.src_vocab, tr.pairs.tgt_vocab, 8)
    t = ctx.rng.randrange(len(d.steps))
    alpha = [float(a) for a in d.steps[t].alpha]
    h1 = [float(h[0]) for h in d.h]
    c1 = float(d.steps[t].c[0])
    rows = ", ".join(
        f"$\\alpha_{{{t + 1},{i + 1}}} = {a:.4f},\\ h_{{{i + 1},1}} = {h:.4f}$"
        for i, (a, h) in enumerate(zip(alpha, h1, strict=True))
    )
    terms = " + ".join(f"{a:.4f} \\cdot {h:.4f}" for a, h in zip(alpha, h1, strict=True))
    return Exercise(
        title="One number of the context vector",
        prompt=f"The trained copy model (additive attention) reads `{''.join(letters)}` "
        f"(then `<eos>`). At output step t = {t + 1} its attention weights and the first unit "
        f"of each encoder state are: {rows}. What is $c_{{{t + 1},1}}$, the first unit of the "
        "context vector? (2 decimals)",
        kind="number",
        answer=c1,
        tolerance=0.0051,
        hint="The context is the weighted average of the encoder states: "
        "$c_t = \\sum_i \\alpha_{t,i} h_i$, unit by unit.",
        solution=f"$c_{{{t + 1},1}} = {terms} = {c1:.4f}$.",
        numbers={"c": c1},
    )


def bleu_score(ctx: Context) -> Exercise:
    ref = ctx.rng.sample(WORDS, 5)
    keep = sorted(ctx.rng.sample(range(5), 3))
    cand = [ref[i] for i in keep]
    if ctx.rng.random() < 0.5:
        cand[ctx.rng.randrange(3)] = ctx.rng.choice([w for w in WORDS if w not in ref])
    b = bleu.sentence_bleu(cand, ref, max_n=1)
    return Exercise(
        title="BLEU-1 with the brevity penalty",
        prompt=f"Reference: `{' '.join(ref)}`. Candidate: `{' '.join(cand)}`. What is its BLEU "
        "score with unigrams only (N = 1), brevity penalty included? (3 decimals)",
        kind="number",
        answer=b.score,
        tolerance=0.00051,
        hint="p₁ = candidate words found in the reference / candidate words; "
        "BP = exp(1 − r/c) when the candidate (c words) is shorter than the reference (r words).",
        solution=f"p₁ = {b.matches[0]}/{b.totals[0]} = {b.precisions[0]:.4f}; c = "
        f"{b.candidate_length}, r = {b.reference_length}, BP = exp(1 − {b.reference_length}/"
        f"{b.candidate_length}) = {b.brevity_penalty:.4f}; BLEU = BP · p₁ = {b.score:.4f}.",
        numbers={"bleu": b.score, "bp": b.brevity_penalty},
    )


def beam_vs_greedy(ctx: Context) -> Exercise:
    # p(y_1) over two words, then p(y_2 | y_1): greedy takes the likelier first word,
    # a beam of width 2 keeps both and compares the products
    a, b = ctx.rng.sample(WORDS, 2)
    x, y = ctx.rng.sample([w for w in WORDS if w not in (a, b)], 2)
    p_a = ctx.rng.choice([0.55, 0.6, 0.65])
    first = {a: p_a, b: round(1 - p_a, 2)}
    second = {
        a: {x: 0.4, y: 0.35},
        b: {x: ctx.rng.choice([0.9, 0.8, 0.5]), y: 0.05},
    }
    paths = {(w1, w2): first[w1] * p for w1 in first for w2, p in second[w1].items()}
    beam_best = max(paths, key=paths.get)
    greedy_path = (a, max(second[a], key=second[a].get))
    options = [f"{w1} {w2}" for w1, w2 in paths]
    table = "; ".join(f"p({w2} | {w1}) = {p}" for w1 in first for w2, p in second[w1].items())
    return Exercise(
        title="Greedy vs beam search",
        prompt=f"A decoder gives p({a}) = {first[a]}, p({b}) = {first[b]} for the first word, "
        f"then {table}. Greedy decoding returns `{' '.join(greedy_path)}`. Which two-word "
        "output does beam search with width k = 2 return (no length normalisation)?",
        kind="choice",
        answer=" ".join(beam_best),
        choices=tuple(options),
        hint="With k = 2 both first words stay in the beam; compare p(y₁) · p(y₂ | y₁) of all "
        "four two-word outputs.",
        solution="; ".join(f"p({w1} {w2}) = {fmt(paths[(w1, w2)])}" for w1, w2 in paths)
        + f". The best is `{' '.join(beam_best)}` (log p = {math.log(paths[beam_best]):.3f}).",
        numbers={"best": paths[beam_best]},
    )


GENERATORS = {
    "s2s.context": context_unit,
    "s2s.bleu": bleu_score,
    "s2s.beam": beam_vs_greedy,
}

__all__ = ["GENERATORS"]
