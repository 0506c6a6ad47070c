"""n-gram language models: count, smooth, back off or interpolate, sample.

An n-gram model assumes the next token depends only on the n-1 tokens before it
(the Markov window):

    P(x_t | x_1 .. x_{t-1}) ≈ P(x_t | x_{t-n+1} .. x_{t-1})

and estimates that probability by counting. With add-k smoothing, for a context
c of m tokens,

    P_m(w | c) = (n(c, w) + k) / (n(c) + k V)

where n(c, w) counts c followed by w in the training text, n(c) counts c followed
by anything, and V is the vocabulary size. A context never seen (n(c) = 0) gives
the uniform 1/V, the limit of the same formula. Two ways to combine orders:

- **backoff**: use the longest context (at most n-1 tokens) seen in training;
- **interpolation**: P(w | c) = Σ_m λ_m P_m(w | last m tokens of c), Σ λ_m = 1.

Both give a proper distribution over the V tokens for every context.

Dimension letters: ``V`` vocabulary size, ``N`` number of tokens.
"""

from __future__ import annotations

import collections
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seqviz.text import UNK, Vocab

METHODS = ("backoff", "interpolation")


@dataclass(frozen=True)
class NGramCounts:
    """Counts of every context of 0..n-1 tokens followed by every token."""

    n: int  # the largest order counted
    vocab: Vocab  # V tokens; training tokens outside it were counted as <unk>
    # tables[m][context of m tokens] = Counter(next token -> count), m = 0 .. n-1
    tables: tuple[dict[tuple[str, ...], collections.Counter], ...]

    def num_counts(self, n: int | None = None) -> int:
        """How many non-zero counts orders 1..n store (default all): the model's 'memory'."""
        return sum(len(c) for table in self.tables[:n] for c in table.values())


def count(tokens: Sequence[str], n: int, vocab: Vocab | None = None) -> NGramCounts:
    """Count every m-gram (m = 1..n) of ``tokens``.

    Args:
        tokens: the training tokens.
        n: the order (n = 1 unigram, 2 bigram, ...).
        vocab: the vocabulary (default: built from ``tokens``); tokens outside it
            are counted as ``<unk>``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    vocab = vocab if vocab is not None else Vocab(tokens)
    seq = [t if t in vocab else UNK for t in tokens]
    tables = []
    for m in range(n):  # context length m
        table: dict[tuple[str, ...], collections.Counter] = collections.defaultdict(
            collections.Counter
        )
        for i in range(m, len(seq)):
            table[tuple(seq[i - m : i])][seq[i]] += 1
        tables.append(dict(table))
    return NGramCounts(n, vocab, tuple(tables))


def default_lambdas(n: int) -> tuple[float, ...]:
    """Interpolation weights λ_0..λ_{n-1} ∝ 2^m: each longer context counts twice as much."""
    w = [2.0**m for m in range(n)]
    return tuple(x / sum(w) for x in w)


@dataclass(frozen=True)
class Term:
    """One order's share of a probability, with its counts (for the live equation)."""

    m: int  # context length (order m + 1)
    context: tuple[str, ...]  # the m tokens before the predicted one
    count_cw: int  # n(c, w)
    count_c: int  # n(c)
    p: float  # P_m(w | c), add-k smoothed
    weight: float  # λ_m (interpolation) or 1.0 for the order backoff used


@dataclass(frozen=True)
class NGram:
    """An n-gram model: counts plus a way to turn them into probabilities."""

    counts: NGramCounts
    n: int  # order used (<= counts.n)
    k: float = 1.0  # add-k smoothing; 0 is the raw relative frequency
    method: str = "backoff"  # "backoff" | "interpolation"
    lambdas: tuple[float, ...] = ()  # λ_m for m = 0..n-1 (default: default_lambdas(n))

    def __post_init__(self) -> None:
        if not 1 <= self.n <= self.counts.n:
            raise ValueError(f"n must be in 1..{self.counts.n}, not {self.n}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        if self.k < 0:
            raise ValueError("k must be >= 0")
        if not self.lambdas:
            object.__setattr__(self, "lambdas", default_lambdas(self.n))
        if len(self.lambdas) != self.n or abs(sum(self.lambdas) - 1) > 1e-9:
            raise ValueError("lambdas must be n weights that sum to 1")

    @property
    def V(self) -> int:
        return len(self.counts.vocab)

    def _p_m(self, m: int, context: tuple[str, ...], token: str) -> tuple[int, int, float]:
        """(n(c, w), n(c), P_m(w | c)) for the last m tokens of ``context``."""
        c = tuple(context[len(context) - m :]) if m else ()
        following = self.counts.tables[m].get(c)
        n_c = sum(following.values()) if following else 0
        n_cw = following[token] if following else 0
        if n_c + self.k * self.V == 0:
            return n_cw, n_c, 1.0 / self.V  # unseen context, k = 0: the uniform limit
        # P_m(w | c) = (n(c, w) + k) / (n(c) + k V)
        return n_cw, n_c, (n_cw + self.k) / (n_c + self.k * self.V)

    def terms(self, context: Sequence[str], token: str) -> list[Term]:
        """The order(s) that make up P(token | context), with their counts."""
        context = tuple(t if t in self.counts.vocab else UNK for t in context)
        token = token if token in self.counts.vocab else UNK
        longest = min(self.n - 1, len(context))
        if self.method == "backoff":
            for m in range(longest, -1, -1):
                c = context[len(context) - m :] if m else ()
                if m == 0 or c in self.counts.tables[m]:
                    n_cw, n_c, p = self._p_m(m, context, token)
                    return [Term(m, c, n_cw, n_c, p, 1.0)]
        # interpolation over the orders the context is long enough for
        weights = self.lambdas[: longest + 1]
        total = sum(weights)
        out = []
        for m in range(longest, -1, -1):
            n_cw, n_c, p = self._p_m(m, context, token)
            c = context[len(context) - m :] if m else ()
            out.append(Term(m, c, n_cw, n_c, p, weights[m] / total))
        return out

    def prob(self, context: Sequence[str], token: str) -> float:
        """P(token | context) (only the last n-1 tokens of ``context`` matter)."""
        # backoff: one term with weight 1;  interpolation: Σ_m λ_m P_m(w | c)
        return sum(term.weight * term.p for term in self.terms(context, token))

    def distribution(self, context: Sequence[str]) -> np.ndarray:
        """(V,) probabilities of every vocabulary token after ``context``; sums to 1."""
        tokens = self.counts.vocab.idx_to_token
        return np.array([self.prob(context, w) for w in tokens])

    def log_likelihood(self, tokens: Sequence[str]) -> tuple[float, int]:
        """(Σ_t log P(x_t | x_{<t}), number of predictions) for t = 1..N-1.

        Each token is predicted from the tokens before it in ``tokens`` only, so the
        first few get shorter contexts (like an RNN starting from a zero state).
        """
        total = 0.0
        for t in range(1, len(tokens)):
            p = self.prob(tokens[max(0, t - self.n + 1) : t], tokens[t])
            total += math.log(p) if p > 0 else -math.inf
        return total, max(0, len(tokens) - 1)

    def perplexity(self, tokens: Sequence[str]) -> float:
        """exp(-(1/(N-1)) Σ_t log P(x_t | x_{<t})); inf if a token gets probability 0."""
        ll, n = self.log_likelihood(tokens)
        if n == 0:
            raise ValueError("need at least two tokens for a perplexity")
        return math.exp(-ll / n) if ll > -math.inf else math.inf

    def sample(self, prefix: Sequence[str], n_tokens: int, seed: int = 0) -> list[str]:
        """Draw ``n_tokens`` tokens after ``prefix``, each from P(· | last n-1 tokens).

        ``<unk>`` is never drawn (unless it is all the model knows).
        """
        rng = random.Random(seed)
        vocab = self.counts.vocab.idx_to_token
        seq = list(prefix)
        out = []
        for _ in range(n_tokens):
            p = self.distribution(seq[max(0, len(seq) - self.n + 1) :])
            p[0] = 0.0 if p[1:].sum() > 0 else p[0]  # index 0 is <unk>
            token = rng.choices(vocab, weights=p.tolist())[0]
            seq.append(token)
            out.append(token)
        return out
