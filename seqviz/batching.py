"""Cutting one long token sequence into (B, T) minibatches, as d2l does.

A language model reads a corpus of N token ids as minibatches of ``B`` rows of
``T = num_steps`` tokens; the targets Y are the inputs X shifted by one token.
Both schemes start at a random offset in 0..T-1 (``random``) or 0..T
(``sequential``), so different epochs cut the text at different places.

- **random**: the text after the offset is cut into consecutive subsequences of
  T tokens; they are shuffled and dealt out B at a time. Neighbouring rows of one
  batch come from anywhere in the text, so the hidden state must start from zero
  for every batch.
- **sequential**: the text after the offset is split into B long streams, one
  per row; batch i takes columns i T .. (i+1) T - 1 of every stream. Row b of
  batch i+1 continues row b of batch i exactly, so the hidden state can be
  carried from one batch to the next (and detached: truncated BPTT).

The functions return *positions* (where each row starts in the corpus), so the
app can draw which slice goes into which batch, and :func:`batches` turns them
into tensors. Every function takes a ``seed``; nothing touches global state.

Dimension letters: ``B`` batch (rows), ``T`` num_steps (columns), ``N`` corpus length.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

MODES = ("sequential", "random")


@dataclass(frozen=True)
class Partition:
    """Where every row of every minibatch of one epoch starts in the corpus."""

    mode: str  # "sequential" | "random"
    offset: int  # the random offset the epoch starts at
    batch_size: int  # B
    num_steps: int  # T
    starts: tuple[tuple[int, ...], ...]  # (num_batches, B): corpus position of X[b, 0]

    @property
    def num_batches(self) -> int:
        return len(self.starts)

    def covered(self) -> list[int]:
        """Every corpus position read as an input, batch by batch, row by row."""
        T = self.num_steps
        return [s + j for batch in self.starts for s in batch for j in range(T)]


def partition(n: int, batch_size: int, num_steps: int, mode: str, seed: int = 0) -> Partition:
    """The d2l partitioning of a corpus of ``n`` tokens into one epoch of minibatches.

    Args:
        n: corpus length N.
        batch_size: rows per minibatch B (>= 1).
        num_steps: tokens per row T (>= 1).
        mode: ``"sequential"`` or ``"random"``.
        seed: seeds the offset (and, for ``random``, the shuffle).

    Returns:
        A :class:`Partition`; it has no batches when the corpus is too short.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if batch_size < 1 or num_steps < 1:
        raise ValueError("batch_size and num_steps must be at least 1")
    rng = random.Random(seed)
    B, T = batch_size, num_steps
    if mode == "random":
        # d2l: offset in 0..T-1; the last token is kept back as the final target
        offset = rng.randint(0, T - 1) if n > 0 else 0
        num_subseqs = max(0, (n - offset - 1) // T)
        initial = [offset + i * T for i in range(num_subseqs)]
        rng.shuffle(initial)
        num_batches = num_subseqs // B
        starts = tuple(tuple(initial[i * B : (i + 1) * B]) for i in range(num_batches))
        return Partition(mode, offset, B, T, starts)
    # sequential, d2l: offset in 0..T; B streams of equal length ℓ
    offset = rng.randint(0, T) if n > 0 else 0
    num_tokens = max(0, (n - offset - 1) // B) * B
    ell = num_tokens // B  # ℓ, stream length
    num_batches = ell // T
    starts = tuple(tuple(offset + b * ell + i * T for b in range(B)) for i in range(num_batches))
    return Partition(mode, offset, B, T, starts)


def batches(corpus: Tensor, part: Partition) -> Iterator[tuple[Tensor, Tensor]]:
    """The minibatches of ``part`` as tensors: X (B, T) and Y = X shifted by one."""
    T = part.num_steps
    steps = torch.arange(T)
    for batch in part.starts:
        starts = torch.tensor(batch)
        index = starts[:, None] + steps[None, :]  # (B, T)
        yield corpus[index], corpus[index + 1]


def sequential_batches(corpus: Tensor, batch_size: int, num_steps: int, seed: int = 0):
    """Sequential minibatches as (B, T) tensor pairs, built by reshaping (fast path).

    Same batches as ``batches(corpus, partition(len(corpus), B, T, "sequential", seed))``.
    """
    part = partition(len(corpus), batch_size, num_steps, "sequential", seed)
    if part.num_batches == 0:
        return []
    B, T, o = batch_size, num_steps, part.offset
    used = part.num_batches * T  # columns of each stream that are read
    stream = (len(corpus) - o - 1) // B  # full stream length (the tail beyond `used` is unread)
    X = corpus[o : o + B * stream].reshape(B, stream)[:, :used]
    Y = corpus[o + 1 : o + 1 + B * stream].reshape(B, stream)[:, :used]
    return [(X[:, i : i + T], Y[:, i : i + T]) for i in range(0, used, T)]


def random_windows(
    corpus: Tensor, window: int, batch_size: int, generator: torch.Generator
) -> Iterator[Tensor]:
    """Endless minibatches of B windows of ``window`` consecutive tokens, each at a random place.

    Every window start in 0..N - window is equally likely, drawn from ``generator``;
    a language model reads a window's first ``window - 1`` tokens and predicts its
    last ``window - 1``. Yields (B, window) tensors.
    """
    n_starts = len(corpus) - window + 1
    if n_starts < 1:
        raise ValueError(f"a corpus of {len(corpus)} tokens holds no window of {window}")
    offsets = torch.arange(window)
    while True:
        starts = torch.randint(0, n_starts, (batch_size,), generator=generator)
        yield corpus[starts[:, None] + offsets[None, :]]  # (B, window)
