"""The sentiment data: 3000 labelled review sentences, split, tokenised and padded.

Kotzias et al.'s "Sentiment Labelled Sentences" (KDD 2015, CC BY 4.0): 1000 sentences
from each of Amazon, IMDb and Yelp, 500 positive (label 1) and 500 negative (label 0)
each, shipped in ``assets/sentiment/`` (source and licence in its README).

The split is fixed and balanced: within each file, the k-th sentence of each label
(counting from 0 in file order) is held out when k % 5 == 4, so 2400 sentences train
and 600 are held out, each half positive, each a third from every source.
Words come from :func:`seqviz.text.tokenize` on lower-cased text; the vocabulary
keeps the training words seen at least ``MIN_FREQ`` times, with ``<unk>`` = 0 and
``<pad>`` = 1.

Dimension letters: ``B`` batch, ``T`` time (words, padded), ``V`` vocabulary.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz.text import ASSETS, UNK, Vocab, tokenize

DATA_DIR = ASSETS / "sentiment"
SOURCES = ("amazon_cells", "imdb", "yelp")  # files <source>_labelled.txt
HELDOUT_EVERY = 5  # the k-th sentence of a label in a file is held out when k % 5 == 4
PAD = "<pad>"
MIN_FREQ = 2  # training words seen fewer times become <unk>
LABELS = ("negative", "positive")  # label 0, label 1


@dataclass(frozen=True)
class Example:
    """One labelled sentence."""

    text: str  # the sentence as written
    label: int  # 0 negative, 1 positive
    source: str  # "amazon_cells" | "imdb" | "yelp"
    line: int  # line number in its file, from 0


@dataclass(frozen=True)
class Split:
    """The fixed train / held-out split."""

    train: tuple[Example, ...]  # 2400 sentences
    heldout: tuple[Example, ...]  # 600 sentences


def words(text: str) -> list[str]:
    """The word tokens a model reads: :func:`seqviz.text.tokenize` of the lower-cased text."""
    return tokenize(text.lower(), "word")


def read_file(source: str) -> list[Example]:
    """Every sentence of ``assets/sentiment/<source>_labelled.txt`` ("sentence<TAB>label")."""
    raw = (DATA_DIR / f"{source}_labelled.txt").read_text(encoding="utf-8")
    examples = []
    # split on "\n" only: some IMDb sentences hold other line-break characters (U+0085)
    for line in raw.split("\n"):
        if not line.strip():
            continue
        sentence, label = line.rsplit("\t", 1)
        examples.append(Example(sentence.strip(), int(label), source, len(examples)))
    return examples


@functools.lru_cache(maxsize=1)
def load() -> Split:
    """The 2400 / 600 split (cached; immutable)."""
    train, heldout = [], []
    for source in SOURCES:
        seen = [0, 0]  # sentences of each label so far in this file
        for ex in read_file(source):
            k = seen[ex.label]
            seen[ex.label] += 1
            (heldout if k % HELDOUT_EVERY == HELDOUT_EVERY - 1 else train).append(ex)
    return Split(tuple(train), tuple(heldout))


@functools.lru_cache(maxsize=4)
def vocabulary(min_freq: int = MIN_FREQ) -> Vocab:
    """The vocabulary of the training sentences: ``<unk>`` = 0, ``<pad>`` = 1, then words."""
    return Vocab([words(ex.text) for ex in load().train], min_freq=min_freq, reserved=(PAD,))


def encode(vocab: Vocab, text: str) -> tuple[list[str], list[int]]:
    """(tokens, ids) of ``text``; unknown words keep their spelling in tokens and map to <unk>."""
    tokens = words(text)
    return tokens, list(vocab[tokens]) if tokens else []


def shown_tokens(vocab: Vocab, tokens: Sequence[str]) -> list[str]:
    """The tokens as the model sees them: unknown words become ``<unk>``."""
    return [t if t in vocab else UNK for t in tokens]


def pad_batch(ids: Sequence[Sequence[int]], pad: int, min_len: int = 1) -> tuple[Tensor, Tensor]:
    """Pad sentences of ids to one matrix.

    Args:
        ids: B lists of word ids (each non-empty).
        pad: the id of ``<pad>``.
        min_len: the matrix is at least this wide (TextCNN needs its widest filter).

    Returns:
        X (B, T) long, padded on the right with ``pad``; lengths (B,) long, the true
        number of words of each row. The mask is ``arange(T) < lengths[:, None]``.
    """
    lengths = torch.tensor([len(s) for s in ids], dtype=torch.long)
    if (lengths == 0).any():
        raise ValueError("every sentence needs at least one word")
    T = max(int(lengths.max()), min_len)
    X = torch.full((len(ids), T), pad, dtype=torch.long)
    for b, s in enumerate(ids):
        X[b, : len(s)] = torch.tensor(list(s), dtype=torch.long)
    return X, lengths


def mask(lengths: Tensor, T: int) -> Tensor:
    """m_{b,t} = 1 if t < length_b else 0: (B, T) bool, True on real words."""
    return torch.arange(T)[None, :] < lengths[:, None]


@dataclass(frozen=True)
class Encoded:
    """A whole split encoded with one vocabulary."""

    ids: tuple[tuple[int, ...], ...]  # one tuple of word ids per sentence (empty ones dropped)
    labels: Tensor  # (N,) float, 1.0 positive
    texts: tuple[str, ...]  # the sentences kept


def encode_split(vocab: Vocab, examples: Sequence[Example]) -> Encoded:
    """Encode sentences; a sentence with no word token (none in this data) is left out."""
    kept = [(tuple(encode(vocab, ex.text)[1]), ex) for ex in examples]
    kept = [(ids, ex) for ids, ex in kept if ids]
    return Encoded(
        ids=tuple(ids for ids, _ in kept),
        labels=torch.tensor([float(ex.label) for _, ex in kept]),
        texts=tuple(ex.text for _, ex in kept),
    )


@dataclass(frozen=True)
class Stats:
    """What the preprocessing leaves: vocabulary size, <unk> rate and lengths."""

    vocab_size: int  # V, <unk> and <pad> included
    train_words: int  # distinct words in the training sentences
    heldout_unk_rate: float  # share of held-out word tokens mapped to <unk>
    train_lengths: tuple[int, ...]  # words per training sentence
    heldout_lengths: tuple[int, ...]  # words per held-out sentence
    train_positive: int  # positive training sentences
    heldout_positive: int  # positive held-out sentences


@functools.lru_cache(maxsize=4)
def stats(min_freq: int = MIN_FREQ) -> Stats:
    """The preprocessing's numbers for a ``min_freq``."""
    split, vocab = load(), vocabulary(min_freq)
    heldout_tokens = [t for ex in split.heldout for t in words(ex.text)]
    unknown = sum(1 for t in heldout_tokens if t not in vocab)
    return Stats(
        vocab_size=len(vocab),
        train_words=len({t for ex in split.train for t in words(ex.text)}),
        heldout_unk_rate=unknown / len(heldout_tokens),
        train_lengths=tuple(len(words(ex.text)) for ex in split.train),
        heldout_lengths=tuple(len(words(ex.text)) for ex in split.heldout),
        train_positive=sum(ex.label for ex in split.train),
        heldout_positive=sum(ex.label for ex in split.heldout),
    )
