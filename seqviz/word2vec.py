"""Word2Vec skip-gram: the window, the pairs, the network and one step of it.

Dimension letters: ``V`` vocabulary size, ``E`` embedding size, ``C`` number of
context words of one centre, ``K`` negatives per (centre, context) pair, ``B``
pairs in a minibatch.

The lecture's network, for the centre word at position j of the text. j is a
position; the word there has a vocabulary index w_j (its id), and W has one row per
vocabulary word, so the one-hot x_j picks row w_j, not row j::

    x_j       one-hot of w_j, (V,)
    h_j     = x_j W          = W[w_j], the centre word's row     (E,)    W: (V, E)
    u_j     = h_j W'                                          (V,)    W': (E, V)
    y_hat_j = softmax(u_j)                                    (V,)
    H       = -sum_{c in C} log y_hat_j[x_c]      C = {j-2, j-1, j+1, j+2} for window 2

Negative sampling replaces the softmax over all V words by K+1 logistic
regressions: the true context word against K "negative" words drawn from the
unigram distribution raised to the power 0.75::

    L = -log σ(v'_c · h_j) - sum_k log σ(-v'_{n_k} · h_j)

where v'_w is column w of W' (stored as row w of ``W_out = W'^T``).

CBOW, the paper's other architecture, turns the window around: the *average* of
the context words' rows predicts the centre word::

    h_j     = (1/|C|) sum_{c in C} W[w_c]                      (E,)
    u_j     = h_j W'                                          (V,)
    H       = -log softmax(u_j)[w_j]          (negative sampling: K negatives for w_j)

so one window is one example (skip-gram makes |C| of them), and the gradient on h_j
is shared out equally, 1/|C| to each context word's row.

Training (:mod:`seqviz.w2v_training`) is batched and vectorised; this module is
the teaching path: readable pairs, the noise distribution, the model and a
:class:`SoftmaxStep` / :class:`NegSamplingStep` trace of one training step with
every intermediate value and the gradients computed from the formulas.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "DEFAULT_SAMPLE",
    "PAIR_COLUMNS",
    "Windows",
    "keep_probability",
    "draw_windows",
    "skipgram_pairs",
    "noise_distribution",
    "sample_negatives",
    "SkipGram",
    "SoftmaxStep",
    "NegSamplingStep",
    "softmax_step",
    "neg_sampling_step",
    "CbowStep",
    "cbow_softmax_step",
    "cbow_neg_sampling_step",
]

DEFAULT_SAMPLE = 1e-3
"""Subsampling threshold t, the default of word2vec.c and gensim."""


# --- the window and its pairs --------------------------------------------------------


def keep_probability(count: float, total: float, sample: float = DEFAULT_SAMPLE) -> float:
    """Probability that subsampling keeps one occurrence of a word.

    The formula of the original C implementation (word2vec.c, also gensim), with
    f = count / total the word's relative frequency and t = ``sample``::

        P_keep(w) = min(1, (sqrt(f / t) + 1) * t / f) = min(1, sqrt(t / f) + t / f)

    (The paper writes the *discard* probability as 1 - sqrt(t / f); the code that
    everybody runs adds t / f.) Words rarer than t are always kept.
    """
    if count <= 0:
        return 1.0
    f = count / total
    # P_keep = (sqrt(f / t) + 1) * t / f
    return min(1.0, (math.sqrt(f / sample) + 1.0) * sample / f)


PAIR_COLUMNS = ("pair", "centre j", "centre word", "context i", "context word", "i − j")
"""The columns of :meth:`Windows.pair_rows`."""


@dataclass(frozen=True)
class Windows:
    """Which words survived subsampling and how wide each centre's window was."""

    tokens: tuple[str, ...]  # (N,) the input tokens
    keep_prob: tuple[float, ...]  # (N,) P_keep of each token (1.0 without subsampling)
    kept: tuple[bool, ...]  # (N,) survived subsampling
    effective: tuple[int, ...]  # (N,) window actually used around each kept token (0 if dropped)
    positions: tuple[tuple[int, int], ...]  # (j, i) pairs of positions, in order of j then i
    window: int = 0  # m, the largest number of words taken on either side
    dynamic: bool = False  # each centre's window was drawn from 1..m
    sample: float | None = None  # the subsampling threshold t (None: no subsampling)

    def contexts(self, j: int) -> list[int]:
        """Positions i of the centre j's context words, in order (none if j was dropped)."""
        return [i for c, i in self.positions if c == j]

    def pair_rows(self, j: int) -> list[dict[str, object]]:
        """The pairs made by the centres up to index j as table rows, newest first.

        Pairs are numbered 1, 2, … in order; the positions count from 1 as the slides'
        x_1 … x_N do (the row of ``positions`` entry (c, i) shows c + 1 and i + 1).
        """
        rows = [
            dict(
                zip(
                    PAIR_COLUMNS,
                    (n + 1, c + 1, self.tokens[c], i + 1, self.tokens[i], i - c),
                    strict=True,
                )
            )
            for n, (c, i) in enumerate(self.positions)
            if c <= j
        ]
        return rows[::-1]


def draw_windows(
    tokens: Sequence[str],
    window: int,
    *,
    dynamic: bool = False,
    sample: float | None = None,
    counts: Mapping[str, int] | None = None,
    seed: int = 0,
) -> Windows:
    """The skip-gram windows over ``tokens``, with every random choice recorded.

    Args:
        tokens: one sentence (or a corpus as one stream), as a list of tokens.
        window: the largest number of words taken on either side of the centre.
        dynamic: draw each centre's window uniformly from 1..``window`` (word2vec.c
            and gensim do this: near words are used more often than far ones).
        sample: subsampling threshold t (e.g. 1e-3); ``None`` keeps every word.
            Dropped words are removed *before* windowing, so the windows of the
            remaining words reach further, as in word2vec.
        counts: word counts for the frequencies f (default: counts in ``tokens``).
            A word missing from ``counts`` is always kept.
        seed: seeds the draws (first one uniform per token for subsampling, then
            one window size per kept token).

    Returns:
        :class:`Windows`; ``positions`` index into ``tokens``.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    tokens = tuple(tokens)
    rng = np.random.default_rng(seed)
    if sample is not None:
        counts = Counter(tokens) if counts is None else counts
        total = sum(counts.values())
        keep_prob = tuple(keep_probability(counts.get(w, 0), total, sample) for w in tokens)
        kept = tuple(bool(u < p) for u, p in zip(rng.random(len(tokens)), keep_prob, strict=True))
    else:
        keep_prob = (1.0,) * len(tokens)
        kept = (True,) * len(tokens)
    alive = [j for j, k in enumerate(kept) if k]  # positions that take part
    if dynamic:
        # word2vec.c: b = random % window; the window used is window - b, in 1..window
        reduced = rng.integers(0, window, size=len(alive))
        widths = [window - int(b) for b in reduced]
    else:
        widths = [window] * len(alive)
    effective = [0] * len(tokens)
    positions = []
    for a, j in enumerate(alive):
        effective[j] = widths[a]
        for b in range(max(0, a - widths[a]), min(len(alive), a + widths[a] + 1)):
            if b != a:
                positions.append((j, alive[b]))
    return Windows(
        tokens, keep_prob, kept, tuple(effective), tuple(positions), window, dynamic, sample
    )


def skipgram_pairs(
    tokens: Sequence[str],
    window: int,
    *,
    dynamic: bool = False,
    sample: float | None = None,
    counts: Mapping[str, int] | None = None,
    seed: int = 0,
) -> list[tuple[str, str]]:
    """Every (centre, context) pair: (token at j, token at i) with 0 < |i - j| <= window.

    In order of j, then i. Dynamic window and subsampling are opt-in; see
    :func:`draw_windows` for what they do and how ``seed`` is used.
    """
    w = draw_windows(tokens, window, dynamic=dynamic, sample=sample, counts=counts, seed=seed)
    return [(w.tokens[j], w.tokens[i]) for j, i in w.positions]


# --- negative sampling's noise distribution ------------------------------------------


def noise_distribution(counts: Tensor, power: float = 0.75) -> Tensor:
    """P_n(w) = count(w)^0.75 / sum_v count(v)^0.75, shape (V,), float64."""
    counts = torch.as_tensor(counts, dtype=torch.float64)
    # P_n(w) ∝ count(w)^0.75: rare words are drawn more often than their frequency
    weights = counts.clamp(min=0) ** power  # (V,)
    return weights / weights.sum()


def sample_negatives(noise: Tensor, shape: tuple[int, ...], generator: torch.Generator) -> Tensor:
    """Draw word ids from ``noise`` (V,) with replacement -> int64 tensor of ``shape``."""
    n = math.prod(shape)
    if n == 0:
        return torch.zeros(shape, dtype=torch.long)
    return torch.multinomial(noise.float(), n, replacement=True, generator=generator).view(shape)


# --- the network ---------------------------------------------------------------------


class SkipGram(nn.Module):
    """The skip-gram network: an embedding matrix W and a context matrix W'.

    Args:
        V: vocabulary size.
        E: embedding size (the length of h_j).
        seed: seeds the initialisation.
        init: ``"word2vec"`` — W ~ U(-0.5/E, 0.5/E), W' = 0, as word2vec.c;
            ``"gensim"`` — W ~ U(-1/E, 1/E), W' = 0, as gensim (twice as wide);
            ``"random"`` — both ~ N(0, 1/E), so an untrained network already gives
            uneven scores (used to show the numbers of one step).
    """

    def __init__(self, V: int, E: int, seed: int = 0, init: str = "word2vec") -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        if init in ("word2vec", "gensim"):
            width = 1.0 if init == "word2vec" else 2.0
            W = (torch.rand(V, E, generator=g) - 0.5) * width / E
            W_out = torch.zeros(V, E)
        elif init == "random":
            W = torch.randn(V, E, generator=g) / math.sqrt(E)
            W_out = torch.randn(V, E, generator=g) / math.sqrt(E)
        else:
            raise ValueError(f"init must be 'word2vec', 'gensim' or 'random', not {init!r}")
        self.W = nn.Parameter(W)  # (V, E) embedding matrix: row w is word w's vector h
        self.W_out = nn.Parameter(W_out)  # (V, E) = W'^T: row w is context vector v'_w

    @property
    def W_prime(self) -> Tensor:
        """The context matrix W' as the lecture writes it, (E, V)."""
        return self.W_out.T

    def forward(self, centers: Tensor) -> Tensor:
        """Scores u = h W' for a batch of centre ids (B,) -> (B, V)."""
        # h_j = x_j W = W[w_j], the row of the centre word's id
        h = self.W[centers]  # (B, E)
        # u_j = h_j W'
        return h @ self.W_out.T  # (B, V)


# --- one training step, every value recorded ------------------------------------------


@dataclass(frozen=True)
class SoftmaxStep:
    """One full-softmax step for a centre and its context words (the lecture's H)."""

    center: int  # w_j, the centre word's id (vocabulary index, not its position j)
    contexts: tuple[int, ...]  # (C,) ids of the true context words
    x: Tensor  # (V,) one-hot of the centre
    h: Tensor  # (E,) h_j = W[w_j], the centre word's row of W
    u: Tensor  # (V,) u_j = h_j W'
    y_hat: Tensor  # (V,) softmax(u_j)
    losses: Tensor  # (C,) -log y_hat[c] for each context word
    loss: float  # H = sum of losses
    dL_du: Tensor  # (V,) C * y_hat - sum_c onehot(c)
    grad_W: Tensor  # (V, E) dH/dW, zero except row w_j
    grad_W_prime: Tensor  # (E, V) dH/dW'


def softmax_step(model: SkipGram, center: int, contexts: Sequence[int]) -> SoftmaxStep:
    """The forward pass and gradients of H = -sum_c log softmax(h_j W')[c].

    Gradients come from the formulas (written above each line), not autograd;
    the tests check them against autograd.
    """
    W, W_out = model.W.detach(), model.W_out.detach()  # (V, E), (V, E)
    V, E = W.shape
    ctx = torch.as_tensor(list(contexts), dtype=torch.long)  # (C,)
    # x_j: one-hot of the centre
    x = torch.zeros(V)
    x[center] = 1.0
    # h_j = x_j W (picks row w_j, the centre word's)
    h = x @ W  # (E,)
    # u_j = h_j W'
    u = h @ W_out.T  # (V,)
    # y_hat_j = softmax(u_j)
    y_hat = torch.softmax(u, dim=0)  # (V,)
    # H = -sum_{c in C} log y_hat_j[c]
    losses = -torch.log_softmax(u, dim=0)[ctx]  # (C,)
    # dH/du_j = |C| y_hat_j - sum_c onehot(c)
    dL_du = len(ctx) * y_hat - torch.zeros(V).index_add_(0, ctx, torch.ones(len(ctx)))  # (V,)
    # dH/dW' = h_j^T (dH/du_j)
    grad_W_prime = torch.outer(h, dL_du)  # (E, V)
    # dH/dh_j = W' (dH/du_j); only row w_j of W gets it
    grad_W = torch.zeros(V, E)
    grad_W[center] = W_out.T @ dL_du  # (E,)
    return SoftmaxStep(
        center=int(center),
        contexts=tuple(int(c) for c in ctx),
        x=x,
        h=h,
        u=u,
        y_hat=y_hat,
        losses=losses,
        loss=float(losses.sum()),
        dL_du=dL_du,
        grad_W=grad_W,
        grad_W_prime=grad_W_prime,
    )


@dataclass(frozen=True)
class NegSamplingStep:
    """One negative-sampling step for a centre and its context words."""

    center: int  # j, the centre word id
    contexts: tuple[int, ...]  # (C,) ids of the true context words
    negatives: Tensor  # (C, K) sampled negative ids, K per context word
    h: Tensor  # (E,) h_j = W[w_j], the centre word's row of W
    pos_dot: Tensor  # (C,) v'_c · h_j
    neg_dot: Tensor  # (C, K) v'_n · h_j
    pos_score: Tensor  # (C,) σ(v'_c · h_j): should go to 1
    neg_score: Tensor  # (C, K) σ(v'_n · h_j): should go to 0
    losses: Tensor  # (C,) -log σ(v'_c·h) - sum_k log σ(-v'_{n_k}·h), per context word
    loss: float  # sum of losses
    grad_h: Tensor  # (E,) dL/dh_j (the gradient on row w_j of W)
    grad_pos: Tensor  # (C, E) dL/dv'_c for each true context vector
    grad_neg: Tensor  # (C, K, E) dL/dv'_n for each sampled negative


def neg_sampling_step(
    model: SkipGram,
    center: int,
    contexts: Sequence[int],
    noise: Tensor,
    num_negatives: int = 5,
    seed: int = 0,
) -> NegSamplingStep:
    """Forward pass and gradients of the negative-sampling loss for one centre.

    Args:
        noise: (V,) the noise distribution, :func:`noise_distribution`.
        num_negatives: K, negatives per (centre, context) pair.
        seed: seeds the draw of the negatives.
    """
    W, W_out = model.W.detach(), model.W_out.detach()
    ctx = torch.as_tensor(list(contexts), dtype=torch.long)  # (C,)
    gen = torch.Generator().manual_seed(seed)
    negatives = sample_negatives(noise, (len(ctx), num_negatives), gen)  # (C, K)
    h = W[center]  # (E,)
    v_pos = W_out[ctx]  # (C, E)
    v_neg = W_out[negatives]  # (C, K, E)
    pos_dot = v_pos @ h  # (C,)
    neg_dot = v_neg @ h  # (C, K)
    # σ(v'_c · h_j) and σ(v'_n · h_j)
    pos_score = torch.sigmoid(pos_dot)  # (C,)
    neg_score = torch.sigmoid(neg_dot)  # (C, K)
    # L = -log σ(v'_c·h) - sum_k log σ(-v'_{n_k}·h)
    logsig = torch.nn.functional.logsigmoid
    losses = -logsig(pos_dot) - logsig(-neg_dot).sum(-1)  # (C,)
    # dL/dv'_c = (σ(v'_c·h) - 1) h
    grad_pos = (pos_score - 1.0)[:, None] * h  # (C, E)
    # dL/dv'_n = σ(v'_n·h) h
    grad_neg = neg_score[..., None] * h  # (C, K, E)
    # dL/dh = sum_c [(σ(v'_c·h) - 1) v'_c + sum_k σ(v'_{n_k}·h) v'_{n_k}]
    grad_h = ((pos_score - 1.0)[:, None] * v_pos).sum(0) + (neg_score[..., None] * v_neg).sum(
        (0, 1)
    )
    return NegSamplingStep(
        center=int(center),
        contexts=tuple(int(c) for c in ctx),
        negatives=negatives,
        h=h,
        pos_dot=pos_dot,
        neg_dot=neg_dot,
        pos_score=pos_score,
        neg_score=neg_score,
        losses=losses,
        loss=float(losses.sum()),
        grad_h=grad_h,
        grad_pos=grad_pos,
        grad_neg=grad_neg,
    )


# --- CBOW: the context's average predicts the centre -----------------------------------


@dataclass(frozen=True)
class CbowStep:
    """One CBOW step for a window: the mean of the context rows predicts the centre.

    ``objective`` says which loss: "softmax" fills ``y_hat`` (scores of every word);
    "negative" fills ``negatives`` and scores only the centre and its K negatives.
    """

    objective: str  # "softmax" or "negative"
    center: int  # w_j, the id of the word to predict
    contexts: tuple[int, ...]  # (C,) ids of the context words (repeats allowed)
    h: Tensor  # (E,) h_j = mean of W[w_c] over the context words
    targets: Tensor  # (1 + K,) the centre, then the negatives ((1,) for softmax)
    u: Tensor  # (V,) all scores h_j W' (softmax) or (1 + K,) v'_t · h_j (negative)
    y_hat: Tensor | None  # (V,) softmax(u_j) (softmax only)
    score: Tensor  # (1 + K,) ŷ[w_j] (softmax) or σ(v'_t · h_j) (negative)
    loss: float  # -log ŷ[w_j], or -log σ(v'_o·h) - sum_k log σ(-v'_{n_k}·h)
    grad_h: Tensor  # (E,) dL/dh_j
    grad_W: Tensor  # (V, E) dL/dW: grad_h / C added to each context word's row
    grad_W_out: Tensor  # (V, E) dL/dW'^T (row w = dL/dv'_w)

    @property
    def negatives(self) -> Tensor:
        """(K,) the sampled negatives (empty for softmax)."""
        return self.targets[1:]


def _cbow_h(W: Tensor, contexts: Sequence[int]) -> tuple[Tensor, Tensor]:
    ctx = torch.as_tensor(list(contexts), dtype=torch.long)  # (C,)
    if len(ctx) == 0:
        raise ValueError("CBOW needs at least one context word")
    # h_j = (1/|C|) sum_c W[w_c]
    return ctx, W[ctx].mean(0)  # (C,), (E,)


def _cbow_grad_W(V: int, ctx: Tensor, grad_h: Tensor) -> Tensor:
    # dL/dW[w_c] = dL/dh_j / |C| for each context word (a repeated word gets it twice)
    grad_W = torch.zeros(V, len(grad_h))
    grad_W.index_add_(0, ctx, (grad_h / len(ctx)).expand(len(ctx), -1))
    return grad_W


def cbow_softmax_step(model: SkipGram, center: int, contexts: Sequence[int]) -> CbowStep:
    """CBOW with the full softmax: H = -log softmax(h_j W')[w_j], gradients by formula."""
    W, W_out = model.W.detach(), model.W_out.detach()
    V = W.shape[0]
    ctx, h = _cbow_h(W, contexts)
    # u_j = h_j W'
    u = h @ W_out.T  # (V,)
    # y_hat_j = softmax(u_j)
    y_hat = torch.softmax(u, dim=0)  # (V,)
    # H = -log y_hat_j[w_j]
    loss = float(-torch.log_softmax(u, dim=0)[center])
    # dH/du_j = y_hat_j - onehot(w_j)
    dL_du = y_hat.clone()
    dL_du[center] -= 1.0
    # dH/dh_j = W' (dH/du_j)
    grad_h = W_out.T @ dL_du  # (E,)
    # dH/dW'^T = (dH/du_j)^T h_j
    grad_W_out = torch.outer(dL_du, h)  # (V, E)
    return CbowStep(
        objective="softmax",
        center=int(center),
        contexts=tuple(int(c) for c in ctx),
        h=h,
        targets=torch.tensor([int(center)]),
        u=u,
        y_hat=y_hat,
        score=y_hat[[int(center)]],
        loss=loss,
        grad_h=grad_h,
        grad_W=_cbow_grad_W(V, ctx, grad_h),
        grad_W_out=grad_W_out,
    )


def cbow_neg_sampling_step(
    model: SkipGram,
    center: int,
    contexts: Sequence[int],
    noise: Tensor,
    num_negatives: int = 5,
    seed: int = 0,
) -> CbowStep:
    """CBOW with negative sampling: the centre against K negatives drawn from ``noise``."""
    W, W_out = model.W.detach(), model.W_out.detach()
    V = W.shape[0]
    ctx, h = _cbow_h(W, contexts)
    gen = torch.Generator().manual_seed(seed)
    negatives = sample_negatives(noise, (num_negatives,), gen)  # (K,)
    targets = torch.cat([torch.tensor([int(center)]), negatives])  # (1 + K,)
    # s_t = v'_t · h_j for the centre and each negative
    s = W_out[targets] @ h  # (1 + K,)
    score = torch.sigmoid(s)
    # L = -log σ(s_o) - sum_k log σ(-s_k)
    logsig = torch.nn.functional.logsigmoid
    loss = float(-logsig(s[0]) - logsig(-s[1:]).sum())
    # dL/ds = σ(s) - label (1 for the centre, 0 for the negatives)
    g = score.clone()
    g[0] -= 1.0
    # dL/dh_j = sum_t (dL/ds_t) v'_t
    grad_h = g @ W_out[targets]  # (E,)
    # dL/dv'_t = (dL/ds_t) h_j  (a word drawn twice gets both)
    grad_W_out = torch.zeros(V, W.shape[1]).index_add_(0, targets, g[:, None] * h)
    return CbowStep(
        objective="negative",
        center=int(center),
        contexts=tuple(int(c) for c in ctx),
        h=h,
        targets=targets,
        u=s,
        y_hat=None,
        score=score,
        loss=loss,
        grad_h=grad_h,
        grad_W=_cbow_grad_W(V, ctx, grad_h),
        grad_W_out=grad_W_out,
    )
