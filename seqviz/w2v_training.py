"""Training a skip-gram model fast: batched, vectorised SGD with the word2vec schedule.

Dimension letters: ``N`` tokens in the corpus, ``P`` pairs in an epoch, ``B``
pairs in a minibatch, ``K`` negatives per pair, ``V`` vocabulary, ``E`` embedding.

One epoch = every (centre, context) pair of the corpus (with a fresh dynamic
window and subsampling draw, as word2vec does), shuffled, cut into minibatches
of B pairs. Each minibatch is one plain SGD step whose gradients come from the
formulas in :mod:`seqviz.word2vec` (no autograd: the updates touch only the
rows that were used, like word2vec.c). The learning rate falls linearly from
``lr`` to ``lr * 1e-4`` over the whole run, as in word2vec.c and gensim.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from seqviz import training
from seqviz.text import Vocab
from seqviz.word2vec import DEFAULT_SAMPLE, SkipGram, noise_distribution

__all__ = [
    "Corpus",
    "chunks",
    "build_corpus",
    "TrainConfig",
    "epoch_pairs",
    "Trainer",
    "train",
    "alias_table",
    "alias_draw",
    "negative_sgd_step",
    "Workspace",
    "softmax_sgd_step",
]


@dataclass(frozen=True)
class Corpus:
    """Sentences as word ids; words below ``min_count`` are removed (not mapped to <unk>)."""

    vocab: Vocab  # index 0 is <unk> (count 0, never trained)
    ids: Tensor  # (N,) int64 word ids of the kept tokens, sentence after sentence
    sentence: Tensor  # (N,) int64 sentence index of each token (windows stop at its ends)
    counts: Tensor  # (V,) int64 occurrences of each word in ``ids``
    min_count: int  # words seen fewer times were dropped

    @property
    def n_words(self) -> int:
        return int(self.ids.numel())


def chunks(words: Sequence[str], size: int = 1000) -> list[Sequence[str]]:
    """A long text as "sentences" of ``size`` words: windows never cross a chunk's edge
    (gensim cuts long texts the same way)."""
    return [words[i : i + size] for i in range(0, len(words), size)]


def build_corpus(sentences: Sequence[Sequence[str]], min_count: int = 5) -> Corpus:
    """Vocabulary and id stream of a list of tokenised sentences."""
    vocab = Vocab([list(s) for s in sentences], min_freq=max(min_count, 1))
    ids, sent = [], []
    for n, sentence in enumerate(sentences):
        kept = [vocab.token_to_idx[w] for w in sentence if w in vocab.token_to_idx]
        ids += kept
        sent += [n] * len(kept)
    ids_t = torch.tensor(ids, dtype=torch.long)
    counts = torch.bincount(ids_t, minlength=len(vocab))  # (V,)
    return Corpus(vocab, ids_t, torch.tensor(sent, dtype=torch.long), counts, min_count)


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters; the defaults are gensim's (except E and epochs)."""

    objective: str = "negative"  # "negative" (sampling) or "softmax" (full)
    embedding_size: int = 50  # E
    window: int = 5  # largest window on either side
    dynamic: bool = True  # window drawn from 1..window per centre
    sample: float | None = DEFAULT_SAMPLE  # subsampling threshold t (None: off)
    num_negatives: int = 5  # K, negatives per pair
    lr: float = 0.025  # starting learning rate (alpha)
    epochs: int = 5  # passes over the corpus
    batch_size: int = 1024  # B (at most: see min_steps)
    min_steps: int = (
        200  # a small corpus gets smaller minibatches: >= this many SGD steps per epoch
    )
    seed: int = 0  # initialisation, windows, subsampling and negatives
    init: str = "word2vec"  # starting W: "word2vec" (word2vec.c) or "gensim" (twice as wide)

    def __post_init__(self) -> None:
        if self.objective not in ("negative", "softmax"):
            raise ValueError(f"objective must be 'negative' or 'softmax', not {self.objective!r}")


def epoch_pairs(
    corpus: Corpus, window: int, dynamic: bool, sample: float | None, seed: int
) -> tuple[Tensor, Tensor]:
    """All (centre, context) id pairs of one pass over the corpus, in order of j then i.

    The same draws as :func:`seqviz.word2vec.draw_windows` with the same ``seed``
    (one uniform per token for subsampling, then one window per kept token), made
    for all tokens at once: row j of an (n, 2 window) table holds the positions
    j - window .. j + window (j itself left out), and a mask keeps the ones inside
    the centre's window and sentence. Returns centres (P,) and contexts (P,), int64.
    """
    rng = np.random.default_rng(seed)
    ids = corpus.ids.numpy()
    sent = corpus.sentence.numpy()
    if sample is not None:
        f = corpus.counts.numpy() / max(corpus.n_words, 1)  # (V,) relative frequency
        with np.errstate(divide="ignore", invalid="ignore"):
            # P_keep = (sqrt(f / t) + 1) * t / f, capped at 1 (word2vec.c)
            p_keep = np.minimum(1.0, (np.sqrt(f / sample) + 1.0) * sample / f)
        keep = rng.random(len(ids)) < p_keep[ids]
        ids, sent = ids[keep], sent[keep]
    n = len(ids)
    # window actually used: window - b with b uniform in 0..window-1
    width = window - rng.integers(0, window, size=n) if dynamic else np.full(n, window)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2 window,)
    # pad both ends with `window` positions of sentence -1, so j + offset is always valid
    sent_p = np.concatenate([np.full(window, -1), sent, np.full(window, -1)])
    ids_p = np.concatenate([np.zeros(window, ids.dtype), ids, np.zeros(window, ids.dtype)])
    i = np.arange(window, n + window, dtype=np.int32)[:, None] + offsets.astype(np.int32)
    # context i is used if it lies within the centre's window and in the same sentence
    inside = (np.abs(offsets) <= width[:, None]) & (sent_p[i] == sent[:, None])  # (n, 2 window)
    centers = np.broadcast_to(ids[:, None], inside.shape)[inside]
    return torch.from_numpy(centers), torch.from_numpy(ids_p[i[inside]])


@dataclass
class Trainer:
    """A skip-gram model being trained; :meth:`run` continues where it stopped.

    Each step is one minibatch of hand-written SGD (:func:`negative_sgd_step` or
    :func:`softmax_sgd_step`), run by :func:`seqviz.training.run`; its
    :class:`~seqviz.training.History` holds every step's mean loss per pair, and
    ``tokens`` counts corpus words. Deterministic per ``config.seed``: the draws of
    epoch e come from generators seeded with (seed, e), so stopping and resuming
    gives the same numbers. Every 1/``n_reports`` of the run is a *report*: the
    mean loss since the last one is recorded and the rows of the word ids in
    ``track`` are copied (the frames of the animated map; snapshot 0 is the
    initial state).
    """

    corpus: Corpus
    config: TrainConfig
    track: tuple[int, ...] = ()
    model: SkipGram = field(init=False)
    noise: Tensor = field(init=False)  # (V,) unigram^0.75
    history: training.History = field(init=False)
    epoch: int = 0
    batch: int = 0  # next minibatch within the epoch
    words: int = 0
    losses: list[float] = field(default_factory=list)  # one per report
    loss_words: list[int] = field(default_factory=list)  # words processed at each report
    snapshots: list[Tensor] = field(default_factory=list)  # (len(track), E) per report
    _pairs: tuple[Tensor, Tensor] | None = None
    n_reports: int = 50  # loss points and snapshots per run (at fixed word counts)
    _rng: np.random.Generator | None = None
    _workspace: Workspace | None = None
    _reported: int = 0
    _loss_sum: float = 0.0
    _loss_n: int = 0
    _alias: tuple[np.ndarray, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        V = len(self.corpus.vocab)
        self.model = SkipGram(
            V, self.config.embedding_size, seed=self.config.seed, init=self.config.init
        )
        self.model.requires_grad_(False)
        self.noise = noise_distribution(self.corpus.counts)
        self._alias = alias_table(self.noise)
        self.history = training.History()
        self._snapshot()

    @property
    def total_words(self) -> int:
        return self.corpus.n_words * self.config.epochs

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    @property
    def initial_loss(self) -> float:
        """The loss per pair before training, where every curve starts: W′ starts at 0, so
        every score is 0. Full softmax: ŷ = 1/V, -log ŷ = log V. Negative sampling:
        σ(0) = 1/2 for the context word and the K negatives, (K + 1) log 2."""
        if self.config.objective == "softmax":
            return math.log(len(self.corpus.vocab))
        return (self.config.num_negatives + 1) * math.log(2)

    @property
    def seconds(self) -> float:
        """Training time so far (reports and callbacks excluded)."""
        return self.history.seconds

    def _snapshot(self) -> None:
        if self.track:
            self.snapshots.append(self.model.W[list(self.track)].clone())

    def batch_size(self, n_pairs: int) -> int:
        """Minibatch size for an epoch of ``n_pairs`` pairs: ``config.batch_size``, smaller
        if that would give fewer than ``config.min_steps`` steps (summed minibatch updates
        learn like word2vec's one-pair-at-a-time updates only if there are enough of them).
        """
        return max(1, min(self.config.batch_size, n_pairs // self.config.min_steps))

    def _load_epoch(self) -> None:
        """The pairs of the current epoch (regenerated identically after a pause)."""
        c = self.config
        seed = c.seed * 1_000_003 + self.epoch
        # In corpus order, like word2vec.c: a minibatch holds ~B / (2 window) neighbouring
        # centres. (A full shuffle costs ~10% of the time and learns no better.)
        self._pairs = epoch_pairs(self.corpus, c.window, c.dynamic, c.sample, seed)
        if self.batch == 0:
            self._rng = np.random.default_rng([c.seed, self.epoch, 1])  # negatives

    def run(
        self,
        max_seconds: float | None = None,
        callback: training.Callback | None = None,
        stop: training.StopWhen | None = None,
    ) -> bool:
        """Train until done, ``max_seconds`` of training in this call, or a stop.

        ``callback`` is called at every report with a :class:`~seqviz.training.Progress`
        (``tokens`` = words processed, ``loss`` = mean loss per pair since the last
        report, ``fraction`` of all words); returning True stops, as ``stop`` does.
        Returns True when all epochs are done.
        """
        every = max(1, self.total_words // self.n_reports)  # words between reports

        def report(p: training.Progress) -> bool:
            if self.words // every <= self._reported and not self.done:
                return False
            self._reported = self.words // every
            return self._report(p, callback)

        stop_asked = training.stop_predicate(stop)
        try:
            training.run(
                self._step,
                self.history,
                max_seconds=math.inf if max_seconds is None else max_seconds,
                callback=report,
                stop=lambda: self.done or (stop_asked is not None and stop_asked()),
            )
        finally:
            # ~16 bytes per pair and a few MB of scratch: not kept between runs
            self._pairs, self._workspace = None, None
        return self.done

    def _step(self) -> training.Step:
        """One minibatch of SGD, with the word2vec learning rate at this point of the run."""
        c = self.config
        if self._pairs is None:
            self._load_epoch()
        centers, contexts = self._pairs
        B = self.batch_size(len(centers))
        n_batches = max(1, -(-len(centers) // B))
        progress = (self.epoch + self.batch / n_batches) / c.epochs
        # alpha falls linearly to alpha * 1e-4 (word2vec.c)
        lr = c.lr * max(1.0 - progress, 1e-4)
        lo, hi = self.batch * B, (self.batch + 1) * B
        loss_sum, n = 0.0, len(centers[lo:hi])
        if n:
            loss_sum = self._sgd(centers[lo:hi], contexts[lo:hi], lr)
            self._loss_sum, self._loss_n = self._loss_sum + loss_sum, self._loss_n + n
        epoch, words_before = self.epoch, self.words
        self.batch += 1
        self.words = round(self.corpus.n_words * (self.epoch + self.batch / n_batches))
        if self.batch >= n_batches:
            self.epoch, self.batch, self._pairs = self.epoch + 1, 0, None
        return training.Step(loss_sum / max(n, 1), self.words - words_before, lr, epoch)

    def _sgd(self, centers: Tensor, contexts: Tensor, lr: float) -> float:
        W, W_out = self.model.W.data, self.model.W_out.data
        if self.config.objective == "softmax":
            return softmax_sgd_step(W, W_out, centers, contexts, lr)
        shape = (len(centers), self.config.num_negatives)
        negatives = alias_draw(*self._alias, shape, self._rng)
        if self._workspace is None:
            self._workspace = Workspace()
        return negative_sgd_step(W, W_out, centers, contexts, negatives, lr, self._workspace)

    def _report(self, p: training.Progress, callback: training.Callback | None) -> bool:
        loss = self._loss_sum / max(self._loss_n, 1)
        self._loss_sum, self._loss_n = 0.0, 0
        self.losses.append(loss)
        self.loss_words.append(self.words)
        self._snapshot()
        if callback is None:
            return False
        fraction = self.words / max(self.total_words, 1)
        return bool(callback(dataclasses.replace(p, loss=loss, fraction=fraction)))


def alias_table(p: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias method (Vose's construction): O(1) exact draws from ``p`` (V,).

    Column w is chosen uniformly; it returns w with probability ``accept[w]`` and
    ``alias[w]`` otherwise. Every column holds mass 1/V split between two words, so
    P(w) = (accept[w] + sum_{v: alias[v] = w} (1 - accept[v])) / V = p[w].
    """
    p = np.asarray(p, dtype=np.float64)
    V = len(p)
    scaled = p / p.sum() * V  # (V,) mass of each word in units of one column
    accept = np.ones(V)
    alias = np.arange(V)
    small = [w for w in range(V) if scaled[w] < 1.0]
    large = [w for w in range(V) if scaled[w] >= 1.0]
    while small and large:
        s, l = small.pop(), large[-1]
        accept[s], alias[s] = scaled[s], l  # column s: s with scaled[s], the rest is l
        scaled[l] -= 1.0 - scaled[s]
        if scaled[l] < 1.0:
            small.append(large.pop())
    return accept, alias


def alias_draw(
    accept: np.ndarray, alias: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator
) -> Tensor:
    """Draws from an :func:`alias_table`, int64 tensor of ``shape``."""
    column = rng.integers(0, len(accept), size=shape)
    return torch.from_numpy(np.where(rng.random(shape) < accept[column], column, alias[column]))


class Workspace:
    """Reusable scratch tensors for :func:`negative_sgd_step`.

    A minibatch needs a few (B, 1 + K, E) tensors (~2.5 MB each for B = 1024,
    E = 100). Allocating them afresh every step makes the allocator return the
    memory to the OS and fault it back in page by page, which costs more than the
    arithmetic (4-10x slower on a busy machine), so a training run keeps one.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, Tensor] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: torch.dtype = torch.float32) -> Tensor:
        n = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.numel() < n or buf.dtype != dtype:
            buf = self._buffers[name] = torch.empty(n, dtype=dtype)
        return buf[:n].view(shape)


def negative_sgd_step(
    W: Tensor,
    W_out: Tensor,
    centers: Tensor,
    contexts: Tensor,
    negatives: Tensor,
    lr: float,
    workspace: Workspace | None = None,
) -> float:
    """One SGD step of negative sampling on B pairs, in place; returns the summed loss.

    Args:
        W, W_out: (V, E) the embedding matrix and W'^T, updated in place.
        centers, contexts: (B,) word ids of the pairs.
        negatives: (B, K) sampled negative ids.
        workspace: scratch tensors to reuse between calls (a fresh one if None).
    """
    ws = workspace if workspace is not None else Workspace()
    (B, K), E = negatives.shape, W.shape[1]
    targets = ws.get("targets", (B, 1 + K), torch.long)  # (B, 1 + K): context, then negatives
    targets[:, 0] = contexts
    targets[:, 1:] = negatives
    h = torch.index_select(W, 0, centers, out=ws.get("h", (B, E)))  # (B, E)
    v = torch.index_select(W_out, 0, targets.view(-1), out=ws.get("v", (B * (1 + K), E)))
    v = v.view(B, 1 + K, E)  # (B, 1 + K, E)
    # s = v' · h for the true context and each negative
    vh = torch.mul(v, h[:, None, :], out=ws.get("vh", (B, 1 + K, E)))
    s = torch.sum(vh, -1, out=ws.get("s", (B, 1 + K)))  # (B, 1 + K)
    # L = -log σ(s_c) - sum_k log σ(-s_k)
    loss = -F.logsigmoid(s[:, 0]).sum() - F.logsigmoid(-s[:, 1:]).sum()
    # dL/ds = σ(s) - label   (label 1 for the context, 0 for the negatives)
    g = torch.sigmoid(s)
    g[:, 0] -= 1.0  # (B, 1 + K)
    g.mul_(-lr)  # the SGD step -lr * dL/ds, folded in once for both updates below
    # dL/dh = sum over targets of (dL/ds) v'
    step_h = torch.bmm(g[:, None, :], v).view(B, E)  # (B, E)
    # dL/dv' = (dL/ds) h
    step_v = torch.mul(g[:, :, None], h[:, None, :], out=vh).view(-1, E)  # (B (1 + K), E)
    # scatter_add_ rather than index_add_: several times faster on one CPU thread
    W.scatter_add_(0, centers[:, None].expand(-1, E), step_h)
    W_out.scatter_add_(0, targets.view(-1, 1).expand(-1, E), step_v)
    return float(loss)


def softmax_sgd_step(
    W: Tensor, W_out: Tensor, centers: Tensor, contexts: Tensor, lr: float
) -> float:
    """One SGD step of the full softmax on B pairs, in place; returns the summed loss."""
    B = len(centers)
    h = W[centers]  # (B, E)
    # u = h W'
    u = h @ W_out.T  # (B, V)
    log_y = torch.log_softmax(u, dim=1)  # (B, V)
    rows = torch.arange(B)
    # H = -log y_hat[c]
    loss = -log_y[rows, contexts].sum()
    # dH/du = y_hat - onehot(c)
    g = log_y.exp_()
    g[rows, contexts] -= 1.0  # (B, V)
    grad_h = g @ W_out  # (B, E)
    # dH/dW' = h^T (dH/du)   (stored transposed, as W_out)
    grad_W_out = g.T @ h  # (V, E)
    W.scatter_add_(0, centers[:, None].expand(-1, h.shape[1]), grad_h.mul_(-lr))
    W_out.add_(grad_W_out, alpha=-lr)
    return float(loss)


def train(
    corpus: Corpus,
    config: TrainConfig,
    callback: training.Callback | None = None,
) -> Trainer:
    """Train to the end (or until ``callback`` returns True); returns the :class:`Trainer`."""
    trainer = Trainer(corpus, config)
    trainer.run(callback=callback)
    return trainer
