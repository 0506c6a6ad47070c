"""Entity spans from BIO tags, and entity-level precision, recall and F1.

The standard (CoNLL ``conlleval``) definition: a tag sequence is read as spans
(type, first, last); an ``I-X`` that does not continue an ``X`` span (after ``O``, or
after another type) starts a new span, as conlleval reads it. A predicted span is
correct only if a gold span has the same type, the same first and the same last word:

    P = correct / predicted spans,   R = correct / gold spans,   F1 = 2 P R / (P + R)

(0 when the denominator is 0). Positions count from 0 here; the page counts words from 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    first: int  # index of its first word
    last: int  # index of its last word (inclusive)
    type: str  # PER, LOC, ORG, ...


def _split(tag: str) -> tuple[str, str]:
    """("B" | "I" | "O", type) of one tag."""
    if tag == "O":
        return "O", ""
    prefix, _, kind = tag.partition("-")
    if prefix not in ("B", "I") or not kind:
        raise ValueError(f"not a BIO tag: {tag!r}")
    return prefix, kind


def spans(tags: Sequence[str]) -> list[Span]:
    """The entity spans of one sentence's BIO tags, left to right."""
    found: list[Span] = []
    first, kind = None, ""
    for i, tag in enumerate(tags):
        prefix, k = _split(tag)
        continues = prefix == "I" and first is not None and k == kind
        if first is not None and not continues:
            found.append(Span(first, i - 1, kind))
            first = None
        if prefix in ("B", "I") and not continues:
            first, kind = i, k
    if first is not None:
        found.append(Span(first, len(tags) - 1, kind))
    return found


@dataclass(frozen=True)
class Score:
    correct: int  # predicted spans that match a gold span exactly
    predicted: int  # spans in the predictions
    gold: int  # spans in the gold tags

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        # F1 = 2 P R / (P + R)
        return 2 * p * r / (p + r) if p + r else 0.0


def score(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], kind: str | None = None
) -> Score:
    """Entity-level counts over sentences (only spans of type ``kind`` if given)."""
    correct = n_pred = n_gold = 0
    for g, p in zip(gold, predicted, strict=True):
        if len(g) != len(p):
            raise ValueError(f"a sentence has {len(g)} gold tags and {len(p)} predicted")
        gs = {s for s in spans(g) if kind is None or s.type == kind}
        ps = {s for s in spans(p) if kind is None or s.type == kind}
        correct += len(gs & ps)
        n_pred += len(ps)
        n_gold += len(gs)
    return Score(correct, n_pred, n_gold)


def report(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], types: Sequence[str]
) -> dict[str, Score]:
    """Score per type, and over all types under "all"."""
    return {kind: score(gold, predicted, kind) for kind in types} | {"all": score(gold, predicted)}


def token_accuracy(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Share of words whose predicted tag equals the gold tag."""
    pairs = [
        (a, b) for g, p in zip(gold, predicted, strict=True) for a, b in zip(g, p, strict=True)
    ]
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else 0.0


def confusion(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], tags: Sequence[str]
) -> list[list[int]]:
    """counts[i][j]: words whose gold tag is tags[i] and predicted tag tags[j]."""
    index = {t: i for i, t in enumerate(tags)}
    counts = [[0] * len(tags) for _ in tags]
    for g, p in zip(gold, predicted, strict=True):
        for a, b in zip(g, p, strict=True):
            counts[index[a]][index[b]] += 1
    return counts


def frequent_errors(
    words: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[str]],
    n: int = 10,
) -> list[tuple[str, str, str, int]]:
    """The ``n`` most frequent (word, gold tag, predicted tag, count) with gold != predicted;
    ties by word, then tags."""
    counts: dict[tuple[str, str, str], int] = {}
    for ws, g, p in zip(words, gold, predicted, strict=True):
        for w, a, b in zip(ws, g, p, strict=True):
            if a != b:
                counts[(w, a, b)] = counts.get((w, a, b), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(w, a, b, c) for (w, a, b), c in ranked[:n]]
