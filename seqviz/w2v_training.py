"""Training word2vec fast: word2vec.c's pair-by-pair SGD, or minibatches, on its schedule.

Dimension letters: ``N`` tokens in the corpus, ``P`` pairs in an epoch, ``B``
pairs in a minibatch, ``K`` negatives per pair, ``V`` vocabulary, ``E`` embedding.

One epoch = every (centre, context) pair of the corpus (with a fresh dynamic
window and subsampling draw, as word2vec does). Skip-gram with negative sampling, the
lab's main run, then goes through the pairs one at a time in corpus order, each pair its
own SGD step, in a loop compiled by Numba (:mod:`seqviz.w2v_kernel`): exactly word2vec.c's
and gensim's algorithm, at gensim's speed. The full softmax and CBOW take minibatches of
B pairs (windows), shuffled, one summed SGD step each, in PyTorch; that path can also
train skip-gram (``TrainConfig.update="minibatch"``). Either way the gradients come from
the formulas in :mod:`seqviz.word2vec` (no autograd: the updates touch only the rows that
were used, like word2vec.c). The learning rate falls linearly from ``lr`` to
``lr * 1e-4`` over the whole run, updated every 10,000 words, as in word2vec.c and
gensim. A negative that happens to be the context word itself is skipped, as in
word2vec.c and gensim. As in word2vec.c and gensim, the *context* word's row of W is h
and predicts the centre (``TrainConfig.h_from``): the slides' skip-gram has the centre
predict each context word; both see the same pairs, up to the dynamic window's draw.

Why real text used to agree less with gensim (and what fixed it)
-----------------------------------------------------------------
On stemmed Wikipedia (297k words, gensim's test data; top-10 neighbour lists of the 500
most frequent words) this trainer's lists agreed with gensim's 0.467, while two gensim
seeds agreed 0.702 (``benchmarks/w2v_quality.py``). Experiments (one seed each):

- one pair per SGD step in the same *shuffled* order: 0.463. Summed minibatch updates
  were not the cause;
- one pair per step in corpus order: 0.690. Shuffling was: gensim and word2vec.c go
  through the text in order, and on Wikipedia, whose articles come one topic at a time,
  that order shapes the neighbours as much as a seed does;
- and with the context word's row as h (gensim's direction): 0.702 and 0.707.

So skip-gram now trains pair by pair, in corpus order, the context predicting the
centre; pair by pair also made it as fast as gensim (the minibatch step in PyTorch took
~1 µs a pair against gensim's ~0.65 µs; the compiled loop ~0.5 µs).

Why a small corpus used to learn less than gensim (and what fixed it)
---------------------------------------------------------------------
On a planted corpus of 3,600 words (10 clusters of 10 words, Zipf frequencies,
``benchmarks/planted.py`` with 300 sentences; E = 100, window 5, K = 5, t = 1e-3,
5 epochs; precision@5, mean of seeds 0-4) gensim scored 0.905 and this trainer
0.571. Experiments (the per-pair reference is a NumPy loop that copies gensim's
``train_batch_sg`` and can switch each of its choices off; seeds 0-2):

- minibatches are not the cause: one pair per SGD step gave 0.61;
- initialisation is not: both start W ~ U(-1/E, 1/E), W' = 0 (word2vec.c's
  narrower U(-0.5/E, 0.5/E) gave 0.51); neither are subsampling's keep
  probabilities (both keep 1,370 of the 3,596 words per epoch on average) nor the
  direction of a pair (gensim predicts the centre from the context: 0.888 against
  0.886 the other way round);
- the corpus is *under*-trained, so the total amount of learning decides: without
  subsampling this trainer reached 0.988, with lr = 0.05 0.992, with 10 epochs
  0.995;
- **the learning-rate schedule is the cause.** word2vec.c and gensim update alpha
  only every 10,000 words (gensim: once per job of 10,000 words, and a job never
  spans two epochs). A corpus shorter than that trains each epoch at the rate of
  its start: alpha, 0.8 alpha, ..., 0.2 alpha, an average of 0.6 alpha instead of
  the 0.5 alpha of a rate that falls word by word. The reference scored 0.888 with
  gensim's schedule and 0.648 with a per-pair linear one;
- skipping a negative equal to the context word (V is only ~100 here) adds a
  little: 0.888 with, 0.859 without;
- with both, minibatches in corpus order scored 0.874: a minibatch held all pairs
  of a few neighbouring centres, whose summed updates all point the same way.
  Shuffling the pairs of each epoch gave 0.895, the per-pair reference's score.

So this trainer uses gensim's blocks of 10,000 words (``TrainConfig.lr_block``), skips
negatives equal to the context, and shuffles minibatches (one pair per step goes in
corpus order, as the per-pair reference did). ``benchmarks/w2v_quality.py`` compares it
with gensim from ~2k to ~500k words (results in ``benchmarks/results/w2v_quality.json``).

Where a minibatch step's time goes (and why it is not made of bigger batches)
-----------------------------------------------------------------------------
An epoch's pairs, their negatives (one draw from the alias table for the whole epoch)
and the (P, 1 + K) table of targets are built once, so a step only slices them. On one
thread a pair then costs about 1 µs in a minibatch of 500-1,000 pairs (measured in
isolation, E = 100, K = 5): gathering its 1 + K rows of W' (~0.1 µs), the 1 + K scores
(~0.2), dL/dh (~0.15), the outer products (~0.13) and the two scatter-adds back into W
and W' (~0.3), plus ~20% of per-step Python. gensim's loop does the same arithmetic pair
by pair with the rows in the L1 cache, about 0.65 µs a pair on the same machine, and
holds that better when other processes compete for the caches. Bigger minibatches do
not help at the same quality: a minibatch of 16,384 pairs through the dense product
(three (V, V) x (V, E) matrix products, ~25x faster per multiply than gathering rows),
even with each row's summed step damped by its curvature, scored precision@5 0.44
against gensim's 0.96 on the 4k-word planted corpus: the summed duplicate updates again
(``min_steps`` keeps a small corpus at >= 200 steps an epoch for that reason).
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

from seqviz import training, w2v_kernel
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
    "epoch_windows",
    "cbow_sgd_step",
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
    architecture: str = "skipgram"  # "skipgram" (centre predicts each context word) or "cbow"
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
    # shuffle the examples of each epoch; None: minibatches shuffled, examples one by one in
    # corpus order
    shuffle: bool | None = None
    lr_block: int = 10_000  # corpus words between learning-rate updates (word2vec.c, gensim)
    # "example": one SGD step per example (a skip-gram pair, a CBOW window), in corpus
    # order, compiled, as word2vec.c (seqviz.w2v_kernel); "minibatch": one summed step per
    # B examples in PyTorch; None: "example" with negative sampling (the compiled loops
    # do not do the full softmax), else "minibatch"
    update: str | None = None
    # skip-gram: whose row of W is h. "context": the context word's row predicts the centre
    # (word2vec.c, gensim); "centre": the centre's row predicts each context word (the
    # slides). The same pairs either way, up to the dynamic window's draw.
    h_from: str = "context"

    def __post_init__(self) -> None:
        if self.objective not in ("negative", "softmax"):
            raise ValueError(f"objective must be 'negative' or 'softmax', not {self.objective!r}")
        if self.architecture not in ("skipgram", "cbow"):
            raise ValueError(
                f"architecture must be 'skipgram' or 'cbow', not {self.architecture!r}"
            )
        if self.update not in (None, "example", "minibatch"):
            raise ValueError(f"update must be 'example' or 'minibatch', not {self.update!r}")
        if self.update == "example" and self.objective != "negative":
            raise ValueError("one example per step is for negative sampling only")
        if self.h_from not in ("context", "centre"):
            raise ValueError(f"h_from must be 'context' or 'centre', not {self.h_from!r}")

    @property
    def per_example(self) -> bool:
        """One SGD step per example (the compiled loops), rather than per minibatch."""
        return self.update == "example" or (self.update is None and self.objective == "negative")

    @property
    def shuffled(self) -> bool:
        """Whether an epoch's examples are shuffled (see ``shuffle``)."""
        return (not self.per_example) if self.shuffle is None else self.shuffle


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
    ids, ids_p, i, inside = _epoch_table(corpus, window, dynamic, sample, seed)
    centers = np.broadcast_to(ids[:, None], inside.shape)[inside]
    return torch.from_numpy(centers), torch.from_numpy(ids_p[i[inside]])


def _epoch_table(
    corpus: Corpus, window: int, dynamic: bool, sample: float | None, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kept ids (n,), the padded ids, the (n, 2 window) positions around each centre
    in them and the mask of those inside its window and sentence."""
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
    return ids, ids_p, i, inside


def epoch_windows(
    corpus: Corpus, window: int, dynamic: bool, sample: float | None, seed: int
) -> tuple[Tensor, Tensor, Tensor]:
    """CBOW's examples of one pass: each kept centre with its whole window.

    The same draws as :func:`epoch_pairs` (the same seed gives the same windows).
    Returns centres (n,), contexts (n, 2 window) and a float mask (n, 2 window), 1.0
    at the slots inside the centre's window; centres without a context are left out.
    """
    ids, ids_p, i, inside = _epoch_table(corpus, window, dynamic, sample, seed)
    has = inside.any(1)  # (n,)
    table = torch.from_numpy(np.where(inside, ids_p[i], 0)[has])
    return torch.from_numpy(ids[has]), table, torch.from_numpy(inside[has].astype(np.float32))


EXAMPLES_PER_CALL = 8192
"""Examples per step when each is its own update: one call of the compiled loop (~5 ms),
long enough that the step's Python costs little, short enough for Stop."""
EXAMPLE_STEPS = 50
"""Fewest steps an epoch when each example is its own update (a small corpus gets fewer
examples per step): the grain of the loss curve and of Stop."""


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
        """Pairs per step for an epoch of ``n_pairs`` pairs: ``config.batch_size``, smaller
        if that would give fewer than ``config.min_steps`` steps (summed minibatch updates
        learn like word2vec's one-pair-at-a-time updates only if there are enough of them).
        With one example per update: :data:`EXAMPLES_PER_CALL`, at least :data:`EXAMPLE_STEPS`
        steps.
        """
        c = self.config
        if c.per_example:
            return max(1, min(EXAMPLES_PER_CALL, n_pairs // EXAMPLE_STEPS))
        return max(1, min(c.batch_size, n_pairs // c.min_steps))

    def _load_epoch(self) -> None:
        """The pairs of the current epoch and all their negatives (regenerated identically
        after a pause): drawn for the whole epoch at once, so a step only slices them."""
        c = self.config
        seed = c.seed * 1_000_003 + self.epoch
        make = epoch_windows if c.architecture == "cbow" else epoch_pairs
        pairs = make(self.corpus, c.window, c.dynamic, c.sample, seed)
        if c.architecture == "skipgram" and c.h_from == "context":
            pairs = (pairs[1], pairs[0])  # (h's word, target): the context predicts the centre
        # Minibatches are shuffled: in corpus order one would hold all the pairs of a few
        # neighbouring centres, whose summed updates overshoot on a small corpus. One
        # example per step goes in corpus order, as word2vec.c (negatives drawn in the loop).
        if c.shuffled:
            shuffle = np.random.default_rng([c.seed, self.epoch, 2])
            order = torch.from_numpy(shuffle.permutation(len(pairs[0])))
            pairs = tuple(t[order] for t in pairs)
        if c.objective == "negative" and not c.per_example:
            rng = np.random.default_rng([c.seed, self.epoch, 1])
            negatives = alias_draw(*self._alias, (len(pairs[0]), c.num_negatives), rng)  # (P, K)
            if c.architecture == "skipgram":  # targets (P, 1 + K): the context, then negatives
                pairs = (pairs[0], torch.cat([pairs[1][:, None], negatives], 1))
            else:
                pairs = (*pairs, negatives)
        self._pairs = pairs

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
        if self._pairs is None:
            self._load_epoch()
        centers = self._pairs[0]  # pairs (skip-gram) or windows (CBOW)
        B = self.batch_size(len(centers))
        n_batches = max(1, -(-len(centers) // B))
        lr = self.learning_rate(n_batches)
        lo, hi = self.batch * B, (self.batch + 1) * B
        loss_sum, n = 0.0, len(centers[lo:hi])
        if n:
            loss_sum = self._sgd(*(t[lo:hi] for t in self._pairs), lr=lr)
            self._loss_sum, self._loss_n = self._loss_sum + loss_sum, self._loss_n + n
        epoch, words_before = self.epoch, self.words
        self.batch += 1
        self.words = round(self.corpus.n_words * (self.epoch + self.batch / n_batches))
        if self.batch >= n_batches:
            self.epoch, self.batch, self._pairs = self.epoch + 1, 0, None
        return training.Step(loss_sum / max(n, 1), self.words - words_before, lr, epoch)

    def learning_rate(self, n_batches: int) -> float:
        """alpha for the next minibatch: linear in the words processed at the start of its
        block of ``config.lr_block`` words, falling to alpha * 1e-4 at the end of the run.

        Blocks restart at every epoch (gensim's jobs of 10,000 words never span two
        epochs), so a corpus shorter than a block trains each epoch at one rate:
        alpha (1 - e / epochs) in epoch e, as gensim does.
        """
        c, N = self.config, self.corpus.n_words
        done = round(N * self.batch / n_batches)  # words of this epoch before the minibatch
        block = done // c.lr_block * c.lr_block if c.lr_block > 0 else done
        progress = (self.epoch * N + block) / max(self.total_words, 1)
        # alpha = alpha_0 (1 - progress), never below alpha_0 * 1e-4
        return c.lr * max(1.0 - progress, 1e-4)

    def _sgd(self, centers: Tensor, contexts: Tensor, *more: Tensor, lr: float) -> float:
        """One minibatch: skip-gram (centres, contexts) or (centres, targets (B, 1 + K));
        CBOW (centres, windows, mask[, negatives])."""
        W, W_out = self.model.W.data, self.model.W_out.data
        c = self.config
        if c.per_example:
            # the step's negatives: a stream of its own, so a resumed run draws the same
            state = w2v_kernel.stream_seed(c.seed, self.epoch, self.batch)
            K = c.num_negatives
            if c.architecture == "cbow":
                return w2v_kernel.sgd_windows_sampled(
                    W, W_out, centers, contexts, more[0], K, self._alias, state, lr
                )
            return w2v_kernel.sgd_pairs_sampled(
                W, W_out, centers, contexts, K, self._alias, state, lr
            )
        if self.config.architecture == "cbow":
            negatives = more[1] if len(more) > 1 else None
            return cbow_sgd_step(W, W_out, centers, contexts, more[0], negatives, lr)
        if self.config.objective == "softmax":
            return softmax_sgd_step(W, W_out, centers, contexts, lr)
        if self._workspace is None:
            self._workspace = Workspace()
        return _negative_step(W, W_out, centers, contexts, lr, self._workspace)

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
    targets = torch.cat([contexts[:, None], negatives], 1)  # (B, 1 + K): context, negatives
    return _negative_step(W, W_out, centers, targets, lr, workspace or Workspace())


def _negative_step(
    W: Tensor, W_out: Tensor, centers: Tensor, targets: Tensor, lr: float, ws: Workspace
) -> float:
    """:func:`negative_sgd_step` with the targets (B, 1 + K) already side by side (the
    trainer builds them for a whole epoch at once)."""
    B, V = targets.shape[0], W.shape[0]
    # a negative that is the context word itself is skipped, as word2vec.c does
    skip = targets[:, 1:] == targets[:, :1]  # (B, K)
    # the dense path can only pay off if even the most distinct rows a minibatch can touch,
    # min(B, V) centres x min(B (1 + K), V) targets, are few (a small vocabulary)
    if min(B, V) * min(targets.numel(), V) <= DENSE_FACTOR * targets.numel():
        s, g = _dense_step(W, W_out, centers, targets, skip, lr)
    else:
        s, g = _gather_step(W, W_out, centers, targets, skip, lr, ws)
    # L = -log σ(s_c) - sum_{k: n_k != c} log σ(-s_k)
    return float(-F.logsigmoid(s[:, 0]).sum() - F.logsigmoid(-s[:, 1:]).masked_fill_(skip, 0).sum())


DENSE_FACTOR = 16
"""The dense path computes all U_c x U_t scores of a minibatch with one matrix product; it
is used while that is at most this many times the B (1 + K) scores the pairs need (a small
vocabulary: three matrix products, ~25x faster per multiply than gathering and scattering
rows, beat gathering and scattering B (1 + K) rows)."""


def _step_sizes(s: Tensor, skip: Tensor, lr: float) -> Tensor:
    """-lr dL/ds (B, 1 + K), with the negatives that equal their context word left out."""
    # dL/ds = σ(s) - label   (label 1 for the context, 0 for the negatives)
    g = torch.sigmoid(s)
    g[:, 0] -= 1.0  # (B, 1 + K)
    g[:, 1:].masked_fill_(skip, 0.0)
    return g.mul_(-lr)  # the SGD step -lr * dL/ds, folded in once for both updates


def _dense_step(W, W_out, centers, targets, skip, lr) -> tuple[Tensor, Tensor]:
    """The update through the distinct rows: H (U_c, E), T (U_t, E), S = H T^T (U_c, U_t)."""
    uc, ci = torch.unique(centers, return_inverse=True)  # (U_c,), (B,)
    ut, ti = torch.unique(targets, return_inverse=True)  # (U_t,), (B, 1 + K)
    H, T = W[uc], W_out[ut]  # (U_c, E), (U_t, E)
    # s = v' · h: the entries of S = H T^T that the pairs use
    S = H @ T.T  # (U_c, U_t)
    rows = ci[:, None].expand_as(ti)  # (B, 1 + K)
    s = S[rows, ti]  # (B, 1 + K)
    g = _step_sizes(s, skip, lr)
    # G[a, b] = sum of the steps of every (centre a, target b) use: repeated uses add up
    G = torch.zeros_like(S).index_put_((rows, ti), g, accumulate=True)  # (U_c, U_t)
    # dL/dh = sum over targets of (dL/ds) v'  and  dL/dv' = sum over centres of (dL/ds) h
    W.index_add_(0, uc, G @ T)  # (U_c, E)
    W_out.index_add_(0, ut, G.T @ H)  # (U_t, E)
    return s, g


def _gather_step(W, W_out, centers, targets, skip, lr, ws) -> tuple[Tensor, Tensor]:
    """The update pair by pair: gather B (1 + K) rows of W', scatter their steps back."""
    B, E = len(centers), W.shape[1]
    h = torch.index_select(W, 0, centers, out=ws.get("h", (B, E)))  # (B, E)
    v = torch.index_select(W_out, 0, targets.view(-1), out=ws.get("v", (targets.numel(), E)))
    v = v.view(B, -1, E)  # (B, 1 + K, E)
    # s = v' · h for the true context and each negative (one fused kernel, no (B, 1 + K, E)
    # product in memory)
    s = torch.linalg.vecdot(v, h[:, None, :])  # (B, 1 + K)
    g = _step_sizes(s, skip, lr)
    # dL/dh = sum over targets of (dL/ds) v'
    step_h = torch.bmm(g[:, None, :], v).view(B, E)  # (B, E)
    # dL/dv' = (dL/ds) h
    step_v = torch.mul(g[:, :, None], h[:, None, :], out=ws.get("vh", v.shape)).view(-1, E)
    W.index_add_(0, centers, step_h)
    W_out.index_add_(0, targets.view(-1), step_v)
    return s, g


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


def cbow_sgd_step(
    W: Tensor,
    W_out: Tensor,
    centers: Tensor,
    contexts: Tensor,
    mask: Tensor,
    negatives: Tensor | None,
    lr: float,
) -> float:
    """One SGD step of CBOW on B windows, in place; returns the summed loss.

    Args:
        centers: (B,) the words to predict; contexts, mask: (B, 2 window) the ids of
            each window's context words and 1.0 where a slot holds one.
        negatives: (B, K) for negative sampling; None for the full softmax.
    """
    B, E = len(centers), W.shape[1]
    count = mask.sum(1, keepdim=True)  # (B, 1) |C| of each window
    # h_j = (1/|C|) sum_c W[w_c]
    h = (W[contexts] * mask[..., None]).sum(1) / count  # (B, E)
    if negatives is None:
        # u_j = h_j W',  H = -log softmax(u_j)[w_j]
        log_y = torch.log_softmax(h @ W_out.T, dim=1)  # (B, V)
        rows = torch.arange(B)
        loss = -log_y[rows, centers].sum()
        # dH/du = y_hat - onehot(w_j)
        g = log_y.exp_()
        g[rows, centers] -= 1.0  # (B, V)
        step_h = g @ W_out * -lr  # (B, E)
        W_out.add_(g.T @ h, alpha=-lr)
    else:
        targets = torch.cat([centers[:, None], negatives], 1)  # (B, 1 + K)
        v = W_out[targets]  # (B, 1 + K, E)
        # s = v'_t · h_j for the centre and each negative
        s = torch.linalg.vecdot(v, h[:, None, :])  # (B, 1 + K)
        skip = negatives == centers[:, None]  # a negative that is the centre is skipped
        # L = -log σ(s_o) - sum_{k: n_k != w_j} log σ(-s_k)
        loss = -F.logsigmoid(s[:, 0]).sum() - F.logsigmoid(-s[:, 1:]).masked_fill(skip, 0).sum()
        g = _step_sizes(s, skip, lr)  # -lr dL/ds
        # dL/dh_j = sum_t (dL/ds_t) v'_t,  dL/dv'_t = (dL/ds_t) h_j
        step_h = torch.bmm(g[:, None, :], v).view(B, E)
        step_v = (g[:, :, None] * h[:, None, :]).view(-1, E)
        W_out.scatter_add_(0, targets.view(-1, 1).expand(-1, E), step_v)
    # each context word's row gets dL/dh_j / |C|
    share = (step_h / count)[:, None, :] * mask[..., None]  # (B, 2 window, E)
    W.scatter_add_(0, contexts.view(-1, 1).expand(-1, E), share.view(-1, E))
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
