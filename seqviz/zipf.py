"""Zipf's law: how often the k-th most frequent unigram, bigram or trigram occurs.

Zipf's law says the frequency n_k of the k-th most frequent token falls as a power
of its rank k:

    n_k ∝ 1 / k^α,   i.e.   log n_k = -α log k + c

so frequency against rank is a straight line on log-log axes, with slope -α. The
same holds (with a smaller α) for bigrams and trigrams, which is why an n-gram
table needs ever more entries that are each seen ever less often.

The tail of a real text is a staircase: thousands of n-grams seen exactly once share
one count (the "singleton plateau"), then those seen twice, and so on. A plain
least-squares line through every rank is dominated by those plateaus (most ranks
are in them) and misses the frequent n-grams several-fold. :func:`fit_head` fits
only the ranks of n-grams seen at least ``MIN_COUNT`` times, and weights rank k by
1/k so that every decade of ranks counts equally (an unweighted fit lets the
hundreds of ranks between 100 and 1000 outvote the ten between 1 and 10).

Nothing here needs torch.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Every run of ``n`` consecutive tokens, in order (len(tokens) - n + 1 of them)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    return list(zip(*(tokens[i:] for i in range(n)), strict=False))


def ngram_freqs(tokens: Sequence[str], n: int) -> list[tuple[tuple[str, ...], int]]:
    """(n-gram, count) pairs, most frequent first (ties in alphabetical order)."""
    counter = collections.Counter(ngrams(tokens, n))
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


MIN_COUNT = 5
""":func:`fit_head` fits the ranks of n-grams seen at least this many times."""

_WORDLIKE = re.compile(r"\w")


def words_only(tokens: Sequence[str]) -> list[str]:
    """The tokens that contain a letter or digit: punctuation marks are left out."""
    return [t for t in tokens if _WORDLIKE.search(t)]


@dataclass(frozen=True)
class ZipfFit:
    """A (weighted) least-squares line through (log rank, log frequency)."""

    n: int  # 1 unigrams, 2 bigrams, 3 trigrams
    alpha: float  # fitted exponent: n_k ≈ C / k^alpha
    log_c: float  # intercept c of log n_k = -alpha log k + c (natural log)
    ranks: tuple[int, int]  # (first, last) rank used in the fit
    n_types: int  # number of distinct n-grams
    n_tokens: int  # number of n-grams in the text (len(tokens) - n + 1)


def fit_zipf(
    counts: Sequence[int], n: int = 1, skip: int = 0, max_rank: int | None = None
) -> ZipfFit:
    """Fit log n_k = -α log k + c by least squares on ranks ``skip+1 .. max_rank``.

    Args:
        counts: frequencies sorted in descending order (rank 1 first).
        n: which n-gram order these counts are (recorded only).
        skip: leave out the first ``skip`` ranks (the most common words often sit
            below the line, as d2l notes).
        max_rank: last rank to use (default: every rank).

    Returns:
        The :class:`ZipfFit`; ``alpha`` is NaN if fewer than two distinct ranks remain.
    """
    last = len(counts) if max_rank is None else min(max_rank, len(counts))
    ks = range(skip + 1, last + 1)
    xs = [math.log(k) for k in ks]
    ys = [math.log(counts[k - 1]) for k in ks]
    m = len(xs)
    n_tokens = int(sum(counts))
    if m < 2:
        return ZipfFit(n, float("nan"), float("nan"), (skip + 1, last), len(counts), n_tokens)
    x_bar, y_bar = sum(xs) / m, sum(ys) / m
    # slope = Σ (x - x̄)(y - ȳ) / Σ (x - x̄)^2,  and α = -slope
    sxx = sum((x - x_bar) ** 2 for x in xs)
    sxy = sum((x - x_bar) * (y - y_bar) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    # c = ȳ - slope x̄
    return ZipfFit(n, -slope, y_bar - slope * x_bar, (skip + 1, last), len(counts), n_tokens)


def fit_head(counts: Sequence[int], n: int = 1, min_count: int = MIN_COUNT) -> ZipfFit:
    """Fit log n_k = -α log k + c over ranks 1..K, weighting rank k by w_k = 1/k.

    K is the last rank whose count is at least ``min_count``: the plateaus of
    n-grams seen once, twice, ... (most of the ranks) stay out of the fit. The 1/k
    weights give every decade of ranks the same total weight (Σ_{k=a}^{10a} 1/k ≈ log 10).

    Args:
        counts: frequencies sorted in descending order (rank 1 first).
        n: which n-gram order these counts are (recorded only).
        min_count: the smallest count whose rank is fitted.

    Returns:
        The :class:`ZipfFit` with ``ranks = (1, K)``; ``alpha`` is NaN if K < 2.
    """
    last = sum(1 for c in counts if c >= min_count)
    n_tokens = int(sum(counts))
    if last < 2:
        return ZipfFit(n, float("nan"), float("nan"), (1, last), len(counts), n_tokens)
    ks = range(1, last + 1)
    ws = [1 / k for k in ks]
    xs = [math.log(k) for k in ks]
    ys = [math.log(counts[k - 1]) for k in ks]
    # weighted means: x̄ = Σ w x / Σ w,  ȳ = Σ w y / Σ w
    w_sum = sum(ws)
    x_bar = sum(w * x for w, x in zip(ws, xs, strict=True)) / w_sum
    y_bar = sum(w * y for w, y in zip(ws, ys, strict=True)) / w_sum
    # slope = Σ w (x - x̄)(y - ȳ) / Σ w (x - x̄)^2,  and α = -slope
    sxx = sum(w * (x - x_bar) ** 2 for w, x in zip(ws, xs, strict=True))
    sxy = sum(w * (x - x_bar) * (y - y_bar) for w, x, y in zip(ws, xs, ys, strict=True))
    slope = sxy / sxx
    # c = ȳ - slope x̄
    return ZipfFit(n, -slope, y_bar - slope * x_bar, (1, last), len(counts), n_tokens)


def zipf_table(
    tokens: Sequence[str], orders: Sequence[int] = (1, 2, 3), min_count: int = MIN_COUNT
) -> dict[int, tuple[list[tuple[tuple[str, ...], int]], ZipfFit]]:
    """For each n in ``orders``: the sorted (n-gram, count) list and its :func:`fit_head`."""
    table = {}
    for n in orders:
        freqs = ngram_freqs(tokens, n)
        table[n] = (freqs, fit_head([c for _, c in freqs], n=n, min_count=min_count))
    return table
