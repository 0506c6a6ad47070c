"""BLEU (Papineni et al., 2002): corpus-level, up to 4-grams, with the brevity penalty.

For candidate translations ĉ and one reference r each, the modified n-gram
precision clips every n-gram's count by its count in the reference:

    p_n = Σ_sentences Σ_{g ∈ n-grams(ĉ)} min(count_ĉ(g), count_r(g))
          / Σ_sentences Σ_{g ∈ n-grams(ĉ)} count_ĉ(g)

The brevity penalty, with c the total candidate length and r the total reference
length, punishes outputs that are too short (precision alone would reward them):

    BP = 1 if c > r,   else exp(1 - r / c)

    BLEU = BP · exp( Σ_{n=1}^{N} w_n log p_n ),     w_n = 1 / N

BLEU is 0 when some p_n is 0 (no smoothing): on short sentences use a corpus,
or N < 4.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    """Counts of the n-grams (tuples) of ``tokens``."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class Bleu:
    """BLEU and its parts."""

    score: float  # BLEU in [0, 1]
    precisions: tuple[float, ...]  # p_1 … p_N
    matches: tuple[int, ...]  # clipped n-gram matches, numerator of p_n
    totals: tuple[int, ...]  # candidate n-grams, denominator of p_n
    brevity_penalty: float  # BP
    candidate_length: int  # c
    reference_length: int  # r


def corpus_bleu(
    candidates: Sequence[Sequence[str]], references: Sequence[Sequence[str]], max_n: int = 4
) -> Bleu:
    """Corpus BLEU of tokenised candidates against one tokenised reference each."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} references")
    matches, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for cand, ref in zip(candidates, references, strict=True):
        c, r = c + len(cand), r + len(ref)
        for n in range(1, max_n + 1):
            counts, ref_counts = ngrams(cand, n), ngrams(ref, n)
            # min(count_ĉ(g), count_r(g)), summed over the candidate's n-grams
            matches[n - 1] += sum(min(k, ref_counts[g]) for g, k in counts.items())
            totals[n - 1] += sum(counts.values())
    precisions = tuple(m / t if t else 0.0 for m, t in zip(matches, totals, strict=True))
    # BP = 1 if c > r else exp(1 - r / c)
    bp = 1.0 if c > r else (math.exp(1 - r / c) if c else 0.0)
    if min(precisions) == 0.0:
        score = 0.0
    else:
        # BLEU = BP exp(Σ_n (1/N) log p_n)
        score = bp * math.exp(sum(math.log(p) for p in precisions) / max_n)
    return Bleu(score, precisions, tuple(matches), tuple(totals), bp, c, r)


def sentence_bleu(candidate: Sequence[str], reference: Sequence[str], max_n: int = 4) -> Bleu:
    """BLEU of one sentence (a corpus of one)."""
    return corpus_bleu([candidate], [reference], max_n)
