"""Sentence pairs labelled duplicate / not duplicate: the SICK corpus, split once and for all.

A pair is a duplicate (a paraphrase) when each sentence entails the other (see
``assets/pairs/README.md``). The split is fixed:

- training: the ``TRAIN`` duplicates (606 pairs); the triplet loss takes its negatives
  from the other pairs of a batch, so it needs no labelled non-duplicates;
- threshold: the ``TRIAL`` duplicates (84) and as many ``TRIAL`` non-duplicates drawn
  with seed 0, for choosing the decision threshold τ;
- held out: the ``TEST`` duplicates (610) and as many ``TEST`` non-duplicates drawn with
  seed 0; always answering "not a duplicate" scores 0.5 on it.

Dimension letters: ``N`` pairs, ``T`` words of a sentence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import torch

from seqviz.text import ASSETS, Vocab, tokenize

DATA = ASSETS / "pairs" / "sick.tsv"
PAD = "<pad>"
SOURCE = "SICK (Marelli et al., 2014), CC BY-NC-SA 3.0; duplicate = mutual entailment"
SPLIT_SEED = 0  # the seed that draws the non-duplicates of the threshold and held-out sets


@dataclass(frozen=True)
class Pair:
    """One labelled pair of sentences."""

    a: str  # sentence A, as written
    b: str  # sentence B
    duplicate: bool  # A entails B and B entails A
    relatedness: float  # mean human relatedness, 1 .. 5
    split: str  # "TRAIN", "TRIAL" or "TEST" (the corpus's own split)
    pair_id: int  # the corpus's pair id


def words(sentence: str) -> list[str]:
    """The lower-cased word tokens the encoder reads."""
    return tokenize(sentence.lower(), "word")


@cache
def load_pairs() -> tuple[Pair, ...]:
    """Every pair of the corpus, in file order (read once per process)."""
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return tuple(
        Pair(
            a=r["sentence_A"],
            b=r["sentence_B"],
            duplicate=r["entailment_AB"] == "A_entails_B" and r["entailment_BA"] == "B_entails_A",
            relatedness=float(r["relatedness_score"]),
            split=r["SemEval_set"],
            pair_id=int(r["pair_ID"]),
        )
        for r in rows
    )


def _balanced(split: str) -> tuple[Pair, ...]:
    """All duplicates of ``split`` and as many of its non-duplicates, drawn with SPLIT_SEED."""
    pairs = [p for p in load_pairs() if p.split == split]
    dup = [p for p in pairs if p.duplicate]
    non = [p for p in pairs if not p.duplicate]
    g = torch.Generator().manual_seed(SPLIT_SEED)
    pick = torch.randperm(len(non), generator=g)[: len(dup)].sort().values
    return tuple(dup) + tuple(non[i] for i in pick.tolist())


@cache
def training_pairs() -> tuple[Pair, ...]:
    """The duplicate pairs the encoder is trained on (TRAIN, 606 pairs)."""
    return tuple(p for p in load_pairs() if p.split == "TRAIN" and p.duplicate)


@cache
def threshold_pairs() -> tuple[Pair, ...]:
    """TRIAL duplicates + as many TRIAL non-duplicates: where τ is chosen."""
    return _balanced("TRIAL")


@cache
def heldout_pairs() -> tuple[Pair, ...]:
    """TEST duplicates + as many TEST non-duplicates: the held-out score."""
    return _balanced("TEST")


@cache
def vocab() -> Vocab:
    """Every lower-cased word of the TRAIN sentences; ``<unk>`` is 0, ``<pad>`` is 1."""
    train = [p for p in load_pairs() if p.split == "TRAIN"]
    tokens = [w for p in train for s in (p.a, p.b) for w in words(s)]
    return Vocab(tokens, reserved=(PAD,))


def batch_ids(sentences: list[str], v: Vocab) -> tuple[torch.Tensor, torch.Tensor]:
    """Word ids of several sentences, right-padded: ``ids (B, T_max)`` and ``lengths (B,)``.

    A sentence with no word (only spaces, say) reads as one ``<unk>``.
    """
    seqs = [[v[w] for w in words(s)] or [v["<unk>"]] for s in sentences]
    T = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), T), v[PAD], dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, torch.tensor([len(s) for s in seqs], dtype=torch.long)


def sample(pairs: tuple[Pair, ...], size: int, seed: int) -> list[Pair]:
    """``size`` pairs drawn without replacement with ``seed`` (in drawn order)."""
    g = torch.Generator().manual_seed(seed)
    return [pairs[i] for i in torch.randperm(len(pairs), generator=g)[:size].tolist()]


def heldout_duplicates() -> tuple[Pair, ...]:
    """The duplicate pairs of the held-out set (what a batch view draws from)."""
    return tuple(p for p in heldout_pairs() if p.duplicate)
