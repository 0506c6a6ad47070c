"""Exercises for the text and language-model labs: vocabularies, Zipf, minibatches,
perplexity, smoothing, temperature — every answer computed by the core module the
lab uses (``seqviz.text``, ``seqviz.zipf``, ``seqviz.batching``, ``seqviz.ngram``,
``seqviz.lm``).

Dimensions: N tokens in a corpus, B batch size, T steps, V vocabulary.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from seqviz import batching, lm, ngram, sampling, zipf
from seqviz.exercises import (
    PHRASES,
    Context,
    Exercise,
    char_label,
    fmt,
    pick,
    shown_text,
)
from seqviz.text import Vocab, load_time_machine, tokenize, unk_rate

WORDS = ("the", "time", "machine", "we", "said", "and", "was", "a", "of", "little")


@functools.cache
def _book_words() -> tuple[str, ...]:
    return tuple(tokenize(load_time_machine(), "word"))


@functools.cache
def _book_bigrams() -> ngram.NGramCounts:
    return ngram.count(tokenize(load_time_machine(), "char"), 2)


# --- Text & tokens ------------------------------------------------------------------


def vocab_size(ctx: Context) -> Exercise:
    phrase = ctx.rng.choice(PHRASES)
    vocab = Vocab(tokenize(phrase, "char"))
    counts = ", ".join(f"{char_label(tok)} ×{n}" for tok, n in vocab.token_freqs)
    return Exercise(
        title="Size of a character vocabulary",
        prompt=f"Tokenize {shown_text(phrase)} into characters and build `Vocab(tokens)` "
        "(no minimum frequency, no extra reserved tokens: only the `<unk>` every `Vocab` "
        "has at index 0). How many entries does the vocabulary have, `<unk>` included?",
        kind="number",
        answer=float(len(vocab)),
        hint="Count each distinct character once — the space is a character — then add "
        "`<unk>`, the one token every vocabulary has for everything it does not know.",
        solution=f"The distinct characters: {counts} — that is {len(vocab) - 1}, plus "
        f"`<unk>` = **{len(vocab)}**.",
        numbers={"distinct": len(vocab) - 1},
    )


def unk(ctx: Context) -> Exercise:
    weights = [1 / (k + 1) for k in range(len(WORDS))]  # a little Zipf of our own
    tokens = ctx.rng.choices(WORDS, weights=weights, k=14)
    min_freq = ctx.rng.choice((2, 3))
    vocab = Vocab(tokens, min_freq=min_freq)
    n_unk = round(unk_rate(tokens, vocab) * len(tokens))
    rare = [(w, n) for w, n in Vocab(tokens).token_freqs if n < min_freq]
    listed = ", ".join(f"‘{w}’ ×{n}" for w, n in rare) or "none"
    return Exercise(
        title="<unk> with a minimum frequency",
        prompt=f"The word tokens {shown_text(' '.join(tokens))} ({len(tokens)} tokens) go into "
        f"`Vocab(tokens, min_freq={min_freq})`. How many of the {len(tokens)} tokens does "
        "this vocabulary map to `<unk>`?",
        kind="number",
        answer=float(n_unk),
        hint=f"A word seen fewer than {min_freq} times is left out of the vocabulary; count "
        "every occurrence of such words.",
        solution=f"Words seen fewer than {min_freq} times: {listed} — **{n_unk}** tokens, an "
        f"`<unk>` rate of {n_unk}/{len(tokens)} = {n_unk / len(tokens):.1%}.",
        numbers={"min_freq": min_freq},
    )


def zipf_law(ctx: Context) -> Exercise:
    counts = [n for _, n in Vocab(_book_words()).token_freqs]
    fit = zipf.fit_head(counts, n=1)  # the fit the Text lab draws
    k = ctx.rng.choice((10, 20, 50, 100, 200, 500))
    alpha, c = round(fit.alpha, 4), round(fit.log_c, 4)
    predicted = math.exp(fit.log_c - fit.alpha * math.log(k))
    return Exercise(
        title="Zipf's law",
        prompt="The word counts of The Time Machine, sorted by rank, fit the line "
        f"$\\log n_k = -\\alpha \\log k + c$ with $\\alpha = {alpha}$ and $c = {c}$ "
        f"(natural logs; fitted on ranks 1 – {fit.ranks[1]:,}, the words seen at least "
        f"{zipf.MIN_COUNT} times). What count does the fit predict for the word of rank k = {k}? "
        "(Nearest whole number.)",
        kind="number",
        answer=predicted,
        tolerance=0.5 + 0.01 * predicted,
        hint="Undo the logarithm: $n_k = e^{c} / k^{\\alpha}$.",
        solution=f"$n_{{{k}}} = e^{{{c} - {alpha} \\cdot \\log {k}}} = "
        f"e^{{{fit.log_c - fit.alpha * math.log(k):.4f}}} \\approx {predicted:.1f}$; the "
        f"book's real rank-{k} word occurs {counts[k - 1]} times.",
        numbers={"alpha": fit.alpha, "c": fit.log_c, "k": k, "actual": counts[k - 1]},
    )


def _partition(ctx: Context, min_batches: int) -> tuple[int, batching.Partition]:
    while True:
        B, T = ctx.rng.randint(2, 4), ctx.rng.randint(3, 8)
        n = ctx.rng.randint(B * T * (min_batches + 1) + T + 1, 400)
        part = batching.partition(n, B, T, "sequential", seed=ctx.rng.randrange(1000))
        if len(part.starts) >= min_batches:
            return n, part


def _stream_length(n: int, part: batching.Partition) -> int:
    return (n - part.offset - 1) // part.batch_size


def batches(ctx: Context) -> Exercise:
    n, part = _partition(ctx, 1)
    B, T, o = part.batch_size, part.num_steps, part.offset
    ell = _stream_length(n, part)
    return Exercise(
        title="Sequential minibatches",
        prompt=f"Sequential partitioning of a corpus of N = {n} tokens with batch size "
        f"B = {B} and T = {T} steps per row starts at the random offset o = {o}. How many "
        "minibatches does the epoch have?",
        kind="number",
        answer=float(len(part.starts)),
        hint="After the offset, keep one token back as the last target and split the rest "
        "into B streams of equal length ℓ; each minibatch reads the next T tokens of every "
        "stream.",
        solution=f"$\\ell = \\lfloor (N - o - 1) / B \\rfloor = \\lfloor ({n} - {o} - 1) / {B} "
        f"\\rfloor = {ell}$, and $\\lfloor \\ell / T \\rfloor = \\lfloor {ell} / {T} \\rfloor = "
        f"{len(part.starts)}$ minibatches.",
        numbers={"N": n, "B": B, "T": T, "offset": o, "stream_length": ell},
    )


def batch_start(ctx: Context) -> Exercise:
    n, part = _partition(ctx, 2)
    B, T, o = part.batch_size, part.num_steps, part.offset
    ell = _stream_length(n, part)
    i, b = ctx.rng.randrange(len(part.starts)), ctx.rng.randrange(B)
    start = part.starts[i][b]
    return Exercise(
        title="Where a row starts",
        prompt=f"Sequential partitioning of N = {n} tokens, B = {B}, T = {T}, offset o = {o}. "
        f"At which corpus position does row b = {b} of minibatch i = {i} start "
        "(both counted from 0)?",
        kind="number",
        answer=float(start),
        hint="Row b always reads stream b, which starts at o + b·ℓ; minibatch i is i·T tokens "
        "further along that stream.",
        solution=f"$\\ell = \\lfloor ({n} - {o} - 1) / {B} \\rfloor = {ell}$; "
        f"$o + b \\ell + i T = {o} + {b} \\cdot {ell} + {i} \\cdot {T} = {start}$.",
        numbers={"N": n, "B": B, "T": T, "offset": o, "stream_length": ell},
    )


# --- Language models ----------------------------------------------------------------


def uniform_ppl(ctx: Context) -> Exercise:
    V = ctx.rng.choice((26, 27, 28, 30, 50, 100))
    targets = torch.arange(V)  # any targets: every character gets probability 1/V
    # PPL = exp(mean cross-entropy) of all-zero logits
    ppl = float(torch.exp(F.cross_entropy(torch.zeros(V, V), targets)))
    return Exercise(
        title="Perplexity of a uniform model",
        prompt=f"A model gives every one of V = {V} characters the same probability, whatever "
        "it has read. What is its perplexity on any text?",
        kind="number",
        answer=ppl,
        tolerance=0.01,
        hint="Perplexity is exp of the mean cross-entropy, $\\exp(-\\frac1n\\sum_t \\log "
        "P(x_t \\mid x_{<t}))$. What is every P here?",
        solution=f"Every $P = 1/{V}$, so the mean cross-entropy is $\\log {V} = "
        f"{math.log(V):.4f}$ nats and $\\exp(\\log {V}) = {V}$: as unsure as a fair "
        f"{V}-sided die. Any model that learned something scores below {V}.",
        numbers={"V": V},
    )


def perplexity(ctx: Context) -> Exercise:
    model = ctx.load("lstm")
    phrase = ctx.rng.choice(PHRASES)
    words = [i + 1 for i, ch in enumerate(phrase[:-6]) if ch == " "]  # word starts
    start = ctx.rng.choice([0, *words])
    text = phrase[start : start + 6]
    roll = lm.rollout(model, text)  # teacher-forced: 5 predictions
    p = torch.exp(-roll.losses).tolist()
    ppl = math.exp(roll.mean_loss)
    rows = "\n".join(
        f"- after {shown_text(text[: t + 1])}: P({char_label(roll.targets[t])}) = {p[t]:.4g}"
        for t in range(len(p))
    )
    logs = " + ".join(f"\\log {q:.4g}" for q in p)
    return Exercise(
        title="Perplexity from probabilities",
        prompt=f"The trained LSTM reads {shown_text(text)} and gives the true next character "
        f"these probabilities:\n\n{rows}\n\nWhat is its perplexity on these {len(p)} "
        "predictions? (2 decimals)",
        kind="number",
        answer=ppl,
        tolerance=0.006 + 0.002 * ppl,
        hint="Average the negative log-probabilities (natural log), then take exp: the "
        "geometric mean of 1/P.",
        solution=f"$\\exp\\big(-\\tfrac{{1}}{{{len(p)}}}({logs})\\big) = "
        f"\\exp({roll.mean_loss:.4f}) = {ppl:.4f}$",
        numbers={f"p{t}": q for t, q in enumerate(p)},
    )


def add_k(ctx: Context) -> Exercise:
    counts = _book_bigrams()
    letters = "abcdefghijklmnopqrstuvwxyz"
    c = ctx.rng.choice(letters)
    w = ctx.rng.choice(sorted(counts.tables[1][(c,)]))  # a character that does follow c
    k = ctx.rng.choice((1.0, 0.5, 0.1))
    model = ngram.NGram(counts, n=2, k=k)
    (term,) = model.terms((c,), w)  # backoff: the bigram term (every letter is a context)
    V = model.V
    return Exercise(
        title="Add-k smoothing",
        prompt=f"In The Time Machine the character {char_label(c)} occurs n(c) = "
        f"{term.count_c} times as a context, followed by {char_label(w)} n(c, w) = "
        f"{term.count_cw} times. The vocabulary has V = {V} tokens. With add-k smoothing, "
        f"k = {fmt(k)}, what is the bigram probability P({char_label(w)} | {char_label(c)})? "
        "(4 decimals)",
        kind="number",
        answer=model.prob((c,), w),
        tolerance=0.00006,
        hint="Every count gets +k, so the denominator grows by k for every one of the V "
        "tokens: $P(w \\mid c) = (n(c, w) + k) / (n(c) + kV)$.",
        solution=f"$({term.count_cw} + {fmt(k)}) / ({term.count_c} + {fmt(k)} \\cdot {V}) = "
        f"{term.p:.5f}$",
        numbers={"n_cw": term.count_cw, "n_c": term.count_c, "V": V, "k": k},
    )


def _prefix(ctx: Context) -> str:
    phrase = ctx.rng.choice(PHRASES)
    return phrase[: ctx.rng.randint(3, len(phrase) - 1)]


def temperature(ctx: Context) -> Exercise:
    model = ctx.load("lstm")
    prefix = _prefix(ctx)
    o_t = lm.next_logits(model, prefix)  # (V,), <unk> masked
    tau = ctx.rng.choice((0.5, 1.0, 2.0))
    top = torch.topk(o_t, 3)
    logits = [round(float(v), 3) for v in top.values]
    tokens = model.vocab.to_tokens(top.indices)
    p_top = float(sampling.distribution(o_t, tau, top_k=3)[top.indices[0]])
    shown = ", ".join(f"{char_label(tok)}: {v:.3f}" for tok, v in zip(tokens, logits, strict=True))
    exps = " + ".join(f"e^{{{v:.3f}/{fmt(tau)}}}" for v in logits)
    return Exercise(
        title="Temperature and top-k",
        prompt=f"After {shown_text(prefix)} the trained LSTM's three largest logits are "
        f"{shown}. Sampling with top-k = 3 and temperature τ = {fmt(tau)}: what is the "
        f"probability of drawing {char_label(tokens[0])}? (2 decimals)",
        kind="number",
        answer=p_top,
        tolerance=0.006,
        hint="Top-k keeps only these three; then $p_i = e^{o_i/τ} / \\sum_j e^{o_j/τ}$. "
        "A small τ sharpens the distribution, a large one flattens it.",
        solution=f"$e^{{{logits[0]:.3f}/{fmt(tau)}}} / ({exps}) = {p_top:.4f}$",
        numbers={"tau": tau, **{f"o{i}": v for i, v in enumerate(logits)}},
    )


def lm_next_char(ctx: Context) -> Exercise:
    model = ctx.load("lstm")
    prefix = _prefix(ctx)
    probs = torch.softmax(lm.next_logits(model, prefix), dim=-1)  # (V,), P(<unk>) = 0
    top = torch.topk(probs, 4)
    choices = [char_label(tok) for tok in model.vocab.to_tokens(top.indices)]
    table = ", ".join(f"{c}: {p:.3f}" for c, p in zip(choices, top.values.tolist(), strict=True))
    return Exercise(
        title="Greedy decoding",
        prompt=f"The trained LSTM has read {shown_text(prefix)}. With temperature 0 (greedy), "
        "which character does it write next? Predict first.",
        kind="choice",
        answer=choices[0],
        choices=tuple(ctx.rng.sample(choices, len(choices))),
        hint="Greedy decoding always takes the most likely next character. Which letter "
        "usually follows in English — or does a word end here?",
        solution=f"The model's top four: {table}.",
        numbers=dict(zip(choices, top.values.tolist(), strict=True)),
    )


GENERATORS = {
    "text.vocab_size": vocab_size,
    "text.unk": unk,
    "text.zipf": zipf_law,
    "text.batches": batches,
    "text.batch_start": batch_start,
    "lm.uniform_ppl": uniform_ppl,
    "lm.ppl": perplexity,
    "lm.add_k": add_k,
    "lm.temperature": temperature,
    "lm.next_char": lm_next_char,
}

__all__ = ["GENERATORS", "pick"]
