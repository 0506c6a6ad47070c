"""Skip-gram with negative sampling, one pair at a time, as word2vec.c and gensim train.

Dimension letters: ``P`` pairs, ``K`` negatives per pair, ``V`` vocabulary, ``E``
embedding. A pair is (input word, context word): the input word's row h of W is
trained to score the context word's row v' of W' high and K sampled words' rows low.

:func:`seqviz.w2v_training.negative_sgd_step` updates a minibatch of pairs with one
summed step, every pair's gradient taken at the same weights. word2vec.c and gensim go
pair by pair: the next pair already sees the rows the last one moved. That is what this
module does, in loops compiled by Numba (in Python a pair would take ~100 µs; compiled,
~0.5 µs, the speed of gensim's own C loop, so the lab's trainer is as fast as gensim).

For one pair :func:`sgd_pairs` is ``negative_sgd_step`` with B = 1 (tests/test_w2v_kernel.py
checks it; ``negative_sgd_step``'s gradients are checked against autograd), with one
difference word2vec.c has too: a pair's targets are updated in turn, so a negative drawn
twice for the same pair sees its first update. :func:`sgd_pairs_sampled` draws each
pair's K negatives inside the loop (Walker's alias table over the noise distribution,
a SplitMix64 random stream per call), so an epoch's (P, K) negatives never sit in memory.

Where this differs from word2vec.c and gensim: σ is computed exactly; they read it from a
table over [-6, 6] and skip a target whose score lies outside it.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch
from torch import Tensor

__all__ = [
    "targets_step",
    "one_pair",
    "sgd_pairs",
    "sgd_pairs_sampled",
    "one_window",
    "sgd_windows_sampled",
    "draw_negatives",
    "stream_seed",
    "compile_loops",
]

# reassociation lets the compiler vectorise the dot products; no assumption about NaN or inf
FAST = {"reassoc", "contract"}


def targets_step(h, W_out, targets, lr, neu1e):
    """The output side of one example, in place: h (E,) scores targets[0] (the word to
    predict) against the negatives targets[1:]; each target's row v'_t of W' takes its SGD
    step at once, and -lr dL/dh is added into neu1e (E,). Returns the example's loss."""
    loss = 0.0
    product = 1.0  # prod over targets of (1 + exp(-|s|)): one log for the whole example
    for k in range(len(targets)):
        t = targets[k]
        if k > 0 and t == targets[0]:
            continue  # a negative that is the word to predict itself is skipped
        v = W_out[t]  # (E,) v'_t, a view
        # s = v'_t · h
        s = np.float32(0.0)
        for e in range(len(h)):
            s += h[e] * v[e]
        # one exp serves σ and the loss, and cannot overflow: e = exp(-|s|) <= 1
        e = math.exp(-abs(s))
        # σ(s) = 1 / (1 + exp(-s)), written with e for either sign of s
        sigma = 1.0 / (1.0 + e) if s >= 0 else e / (1.0 + e)
        # L_t = -log σ(s) for the word to predict, -log σ(-s) for a negative:
        # -log σ(z) = log(1 + exp(-|z|)) + max(-z, 0), with |z| = |s|
        z = s if k == 0 else -s
        product *= 1.0 + e
        loss += max(-z, 0.0)
        # g = -lr dL/ds = lr (label - σ(s)), label 1 for the word to predict, 0 for a negative
        g = np.float32(lr * ((1.0 if k == 0 else 0.0) - sigma))
        for e in range(len(h)):
            # -lr dL/dh += g v'_t, with v'_t as it was before its own step
            neu1e[e] += g * v[e]
            # v'_t <- v'_t - lr (dL/ds) h
            v[e] += g * h[e]
    # L = sum_t L_t: the log(1 + exp(-|s|)) parts as the log of their product (<= 2^(1 + K))
    return loss + math.log(product)


_targets = numba.njit(cache=True, nogil=True, fastmath=FAST)(targets_step)


def one_pair(W, W_out, c, targets, lr, neu1e):
    """One pair's SGD step, in place: input word c (its row h of W), targets[0] the word
    to predict, targets[1:] the negatives; neu1e (E,) scratch. Returns the pair's loss.
    Plain Python over NumPy arrays; the loops call it compiled."""
    h = W[c]  # (E,) a view: the update lands in W
    neu1e[:] = 0.0
    loss = _targets(h, W_out, targets, lr, neu1e)
    for e in range(len(h)):
        # h <- h - lr dL/dh
        h[e] += neu1e[e]
    return loss


_pair = numba.njit(cache=True, nogil=True, fastmath=FAST)(one_pair)


@numba.njit(cache=True, nogil=True)
def _sgd_pairs(W, W_out, centers, targets, lr):  # pragma: no cover - compiled
    neu1e = np.zeros(W.shape[1], dtype=np.float32)
    loss = 0.0
    for p in range(len(centers)):
        loss += _pair(W, W_out, centers[p], targets[p], lr, neu1e)
    return loss


@numba.njit(cache=True, nogil=True)
def _next(state):  # pragma: no cover - compiled
    """SplitMix64: the next 64 random bits of the stream in state[0]."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, nogil=True)
def _draw(accept, alias, state):  # pragma: no cover - compiled
    """One draw from an alias table (Walker's method): a uniform column w (the high 32
    random bits scaled to V, no division), kept with probability accept[w] (the low 32)."""
    r = _next(state)
    w = np.int64(((r >> np.uint64(32)) * np.uint64(len(accept))) >> np.uint64(32))
    u = np.float64(r & np.uint64(0xFFFFFFFF)) * (1.0 / 4294967296.0)
    return w if u < accept[w] else alias[w]


@numba.njit(cache=True, nogil=True)
def _draws(accept, alias, state, n):  # pragma: no cover - compiled
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = _draw(accept, alias, state)
    return out


@numba.njit(cache=True, nogil=True)
def _negatives_into(targets, accept, alias, state):  # pragma: no cover - compiled
    """targets[1:] <- K draws from the alias table; targets[0] is left as it is."""
    for k in range(1, len(targets)):
        targets[k] = _draw(accept, alias, state)


@numba.njit(cache=True, nogil=True)
def _sgd_pairs_sampled(
    W, W_out, centers, contexts, K, accept, alias, state, lr
):  # pragma: no cover
    neu1e = np.zeros(W.shape[1], dtype=np.float32)
    targets = np.empty(K + 1, dtype=np.int64)
    loss = 0.0
    for p in range(len(centers)):
        targets[0] = contexts[p]
        _negatives_into(targets, accept, alias, state)
        loss += _pair(W, W_out, centers[p], targets, lr, neu1e)
    return loss


def one_window(W, W_out, contexts, mask, targets, lr, h, neu1e):
    """One CBOW window's SGD step, in place: the context ids (2 window,) where mask > 0
    are averaged into h, which predicts targets[0] (the centre) against the negatives
    targets[1:]; h, neu1e (E,) scratch. Returns the window's loss (0 if it is empty)."""
    count = 0.0
    h[:] = 0.0
    for m in range(len(contexts)):
        if mask[m] > 0:
            count += 1.0
            row = W[contexts[m]]
            for e in range(len(h)):
                h[e] += row[e]
    if count == 0.0:
        return 0.0
    # h_j = (1/|C|) sum_c W[w_c]
    for e in range(len(h)):
        h[e] /= count
    neu1e[:] = 0.0
    loss = _targets(h, W_out, targets, lr, neu1e)
    # each context word's row gets -lr dL/dh_j / |C| (h_j is their mean)
    share = np.float32(1.0 / count)
    for m in range(len(contexts)):
        if mask[m] > 0:
            row = W[contexts[m]]
            for e in range(len(h)):
                row[e] += share * neu1e[e]
    return loss


_window = numba.njit(cache=True, nogil=True, fastmath=FAST)(one_window)


@numba.njit(cache=True, nogil=True)
def _sgd_windows_sampled(
    W, W_out, centers, contexts, mask, K, accept, alias, state, lr
):  # pragma: no cover
    h = np.zeros(W.shape[1], dtype=np.float32)
    neu1e = np.zeros(W.shape[1], dtype=np.float32)
    targets = np.empty(K + 1, dtype=np.int64)
    loss = 0.0
    for p in range(len(centers)):
        targets[0] = centers[p]
        _negatives_into(targets, accept, alias, state)
        loss += _window(W, W_out, contexts[p], mask[p], targets, lr, h, neu1e)
    return loss


def _rows(W: Tensor, W_out: Tensor) -> tuple[np.ndarray, np.ndarray]:
    if W.dtype != torch.float32 or W_out.dtype != torch.float32:
        raise TypeError("W and W_out must be float32")
    if not (W.is_contiguous() and W_out.is_contiguous()):
        raise ValueError("W and W_out must be contiguous (they are updated in place)")
    return W.numpy(), W_out.numpy()  # the same memory: the updates land in the tensors


def _ids(t: Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.numpy(), dtype=np.int64)


def sgd_pairs(W: Tensor, W_out: Tensor, centers: Tensor, targets: Tensor, lr: float) -> float:
    """SGD over the pairs in order, one pair per step, in place; returns the summed loss.

    Args:
        W, W_out: (V, E) float32 embedding matrix and W'^T (contiguous), updated in place.
        centers: (P,) int64 centre ids.
        targets: (P, 1 + K) int64: each pair's context word, then its K negatives.
        lr: the learning rate for all P pairs.
    """
    return float(_sgd_pairs(*_rows(W, W_out), _ids(centers), _ids(targets), lr))


def stream_seed(*keys: int) -> np.ndarray:
    """The starting state (1,) uint64 of a random stream for :func:`sgd_pairs_sampled`,
    from small non-negative integers (e.g. seed, epoch, step): the same keys give the same
    negatives. SplitMix64 scrambles its state, so nearby keys give unrelated streams."""
    state = 0
    for key in keys:
        state = (state * 0x100000001B3 + int(key) + 1) % 2**64  # FNV-style mixing
    return np.array([state], dtype=np.uint64)


def _table(table: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    accept, alias = table
    return np.ascontiguousarray(accept, dtype=np.float64), np.ascontiguousarray(
        alias, dtype=np.int64
    )


def draw_negatives(table: tuple[np.ndarray, np.ndarray], state: np.ndarray, n: int) -> Tensor:
    """``n`` draws (n,) int64 from an alias table, exactly as :func:`sgd_pairs_sampled`
    makes them from the same ``state`` (advanced in place): K per pair, pair by pair."""
    return torch.from_numpy(_draws(*_table(table), state, int(n)))


def sgd_pairs_sampled(
    W: Tensor,
    W_out: Tensor,
    centers: Tensor,
    contexts: Tensor,
    num_negatives: int,
    table: tuple[np.ndarray, np.ndarray],
    state: np.ndarray,
    lr: float,
) -> float:
    """:func:`sgd_pairs` with each pair's K negatives drawn in the loop; returns the loss.

    Args:
        centers, contexts: (P,) int64 ids of the pairs.
        num_negatives: K.
        table: ``(accept, alias)`` of :func:`seqviz.w2v_training.alias_table` over the
            noise distribution (V,).
        state: (1,) uint64 random stream (:func:`stream_seed`), advanced in place.
    """
    K = int(num_negatives)
    W, W_out = _rows(W, W_out)
    return float(
        _sgd_pairs_sampled(W, W_out, _ids(centers), _ids(contexts), K, *_table(table), state, lr)
    )


def sgd_windows_sampled(
    W: Tensor,
    W_out: Tensor,
    centers: Tensor,
    contexts: Tensor,
    mask: Tensor,
    num_negatives: int,
    table: tuple[np.ndarray, np.ndarray],
    state: np.ndarray,
    lr: float,
) -> float:
    """CBOW, one window per SGD step, in order, each with K negatives drawn in the loop
    (the same stream as :func:`sgd_pairs_sampled`); returns the summed loss.

    Args:
        centers: (P,) int64 the words to predict.
        contexts, mask: (P, 2 window) the ids of each window's context words and a float
            mask, 1.0 at the slots that hold one (:func:`seqviz.w2v_training.epoch_windows`).
    """
    K = int(num_negatives)
    W, W_out = _rows(W, W_out)
    mask = np.ascontiguousarray(mask.numpy(), dtype=np.float32)
    return float(
        _sgd_windows_sampled(
            W, W_out, _ids(centers), _ids(contexts), mask, K, *_table(table), state, lr
        )
    )


def compile_loops() -> None:
    """Compile the loops now (or load them from Numba's cache, next to this file): the
    first training would pay it otherwise (~2 s to compile, ~0.3 s from the cache)."""
    W = torch.zeros(2, 4)
    ids = torch.zeros(1, dtype=torch.long)
    sgd_pairs(W, W.clone(), ids, torch.zeros(1, 2, dtype=torch.long), 0.0)
    table = (np.ones(2), np.arange(2))
    sgd_pairs_sampled(W, W.clone(), ids, ids, 1, table, stream_seed(0), 0.0)
    draw_negatives(table, stream_seed(0), 1)
    windows, mask = torch.zeros(1, 2, dtype=torch.long), torch.ones(1, 2)
    sgd_windows_sampled(W, W.clone(), ids, windows, mask, 1, table, stream_seed(0), 0.0)
