"""The two tasks of the encoder–decoder lab: English → French, and copying letters.

**English → French** (``"fra-eng"``): 18,065 short Tatoeba sentence pairs
(``assets/translation/fra-eng.txt``, see its README), preprocessed as in d2l:
non-breaking spaces become spaces, everything is lower-cased and a space goes
before ``, . ! ?`` so punctuation is its own token; tokens are split on spaces.
The split is fixed: pairs shuffled with seed 0, the first 90 % train, the rest
held out. Vocabularies keep tokens seen at least twice in training.

**Copy** (``"copy"``, synthetic): the source is 3–16 distinct random letters, the
target the same letters in the same order. Its alignment is crisp (output j reads
input j) and its lengths reach well past the translation pairs' 2–6 tokens, so it is
the task where the fixed-size context of an encoder–decoder without attention
visibly runs out.

Dimension letters: ``B`` batch, ``S`` source length, ``T`` target length.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import torch
from torch import Tensor

from seqviz.text import ASSETS, Vocab

DATA = ASSETS / "translation" / "fra-eng.txt"
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, BOS, EOS)
TASKS = ("fra-eng", "copy")
HELDOUT_SHARE = 0.1
MIN_FREQ = 2
LETTERS = "abcdefghijklmnopqrstuvwxyz"
COPY_LENGTHS = (3, 16)  # shortest and longest copy source, inclusive
COPY_HELDOUT_PER_LENGTH = 40  # held-out copy problems of each length


def preprocess(text: str) -> str:
    """d2l's preprocessing: spaces for non-breaking spaces, lower case, space before , . ! ?"""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = [
        " " + ch if i > 0 and ch in ",.!?" and text[i - 1] != " " else ch
        for i, ch in enumerate(text)
    ]
    return "".join(out)


def tokens(text: str) -> list[str]:
    """A preprocessed sentence's tokens (words and punctuation marks)."""
    return preprocess(text).split()


@dataclass(frozen=True)
class Pairs:
    """Tokenised (source, target) pairs of one task, split into train and held out."""

    task: str
    train: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (source, target) tokens
    heldout: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    src_vocab: Vocab
    tgt_vocab: Vocab


def _vocab(sentences) -> Vocab:
    return Vocab([list(s) for s in sentences], min_freq=MIN_FREQ, reserved=SPECIALS)


@functools.lru_cache(maxsize=1)
def _fra_eng() -> Pairs:
    pairs = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        english, french = line.split("\t")
        pairs.append((tuple(tokens(english)), tuple(tokens(french))))
    order = list(range(len(pairs)))
    random.Random(0).shuffle(order)
    cut = int(len(pairs) * (1 - HELDOUT_SHARE))
    train = tuple(pairs[i] for i in order[:cut])
    heldout = tuple(pairs[i] for i in order[cut:])
    return Pairs(
        "fra-eng",
        train,
        heldout,
        _vocab(s for s, _ in train),
        _vocab(t for _, t in train),
    )


def copy_problem(length: int, rng: random.Random) -> tuple[str, ...]:
    """``length`` distinct random letters (the source; the target is the same)."""
    return tuple(rng.sample(LETTERS, length))


@functools.lru_cache(maxsize=1)
def _copy() -> Pairs:
    rng = random.Random(1)  # the held-out problems: fixed; training draws fresh ones
    heldout = tuple(
        (p, p)
        for length in range(COPY_LENGTHS[0], COPY_LENGTHS[1] + 1)
        for p in (copy_problem(length, rng) for _ in range(COPY_HELDOUT_PER_LENGTH))
    )
    letters = Vocab.from_list(["<unk>", *SPECIALS, *LETTERS])
    return Pairs("copy", (), heldout, letters, letters)


def load(task: str) -> Pairs:
    """The pairs of ``task`` (``"fra-eng"`` or ``"copy"``); cached, shared: do not modify."""
    if task == "fra-eng":
        return _fra_eng()
    if task == "copy":
        return _copy()
    raise ValueError(f"task must be one of {TASKS}, not {task!r}")


def encode(sentences, vocab: Vocab, eos: bool = True) -> tuple[Tensor, Tensor]:
    """Token lists -> padded ids (B, S) and lengths (B,), each ending in <eos> if ``eos``."""
    ids = [vocab[list(s)] + ([vocab[EOS]] if eos else []) for s in sentences]
    lengths = torch.tensor([len(i) for i in ids])
    out = torch.full((len(ids), int(lengths.max())), vocab[PAD], dtype=torch.long)
    for b, row in enumerate(ids):
        out[b, : len(row)] = torch.tensor(row)
    return out, lengths


def train_batch(pairs: Pairs, batch_size: int, generator: torch.Generator):
    """A random training minibatch: source ids, source lengths, target ids (with <eos>)."""
    if pairs.task == "copy":
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        rng = random.Random(seed)
        sources = [copy_problem(rng.randint(*COPY_LENGTHS), rng) for _ in range(batch_size)]
        chosen = [(s, s) for s in sources]
    else:
        index = torch.randint(0, len(pairs.train), (batch_size,), generator=generator)
        chosen = [pairs.train[int(i)] for i in index]
    X, X_len = encode([s for s, _ in chosen], pairs.src_vocab)
    Y, _ = encode([t for _, t in chosen], pairs.tgt_vocab)
    return X, X_len, Y
