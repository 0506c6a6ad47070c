"""Evaluating trained word vectors: neighbours with their cosines, and analogy accuracy.

Dimension letters: ``V`` vocabulary size, ``E`` embedding size, ``Q`` analogy questions.

The analogy set is Google's (Mikolov et al. 2013, ``assets/analogies/``): 19,544
questions "a : b :: c : d" in 14 sections. A question counts only if all four of
its words have a vector (gensim's ``evaluate_word_analogies`` does the same), so a
small corpus is scored on the few questions it covers, and the score says how
many. The answer is 3CosAdd: the word nearest (cosine) to unit(b) - unit(a) +
unit(c), with a, b and c left out (:func:`seqviz.embeddings.analogy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch
from torch import Tensor

from seqviz.embeddings import nearest, unit_rows, unknown_words
from seqviz.text import UNK, Vocab

__all__ = [
    "ANALOGY_FILE",
    "Question",
    "load_questions",
    "covered",
    "AnalogyScore",
    "analogy_accuracy",
    "neighbour_table",
]

ANALOGY_FILE = Path(__file__).resolve().parents[1] / "assets" / "analogies" / "questions-words.txt"


@dataclass(frozen=True)
class Question:
    """a is to b as c is to d, from one section of the set."""

    section: str
    a: str
    b: str
    c: str
    d: str


def _parse(lines: Iterable[str]) -> tuple[Question, ...]:
    section, out = "", []
    for line in lines:
        line = line.strip()
        if line.startswith(":"):
            section = line[1:].strip()
        elif line:
            a, b, c, d = line.lower().split()
            out.append(Question(section, a, b, c, d))
    return tuple(out)


@cache
def load_questions(path: Path = ANALOGY_FILE) -> tuple[Question, ...]:
    """Every question of the analogy file, lower-cased, in file order."""
    return _parse(path.read_text(encoding="utf8").splitlines())


def covered(vocab: Vocab, questions: Sequence[Question]) -> list[Question]:
    """The questions all four of whose words have a vector in ``vocab``."""
    return [q for q in questions if not unknown_words(vocab, [q.a, q.b, q.c, q.d])]


@dataclass(frozen=True)
class AnalogyScore:
    """Analogy accuracy over the questions a vocabulary covers."""

    total: int  # questions in the set
    questions: tuple[Question, ...]  # (Q,) the covered ones
    answers: tuple[str, ...]  # (Q,) the model's answer to each
    by_section: dict[str, tuple[int, int]]  # section -> (right, covered)

    @property
    def right(self) -> int:
        return sum(a == q.d for a, q in zip(self.answers, self.questions, strict=True))

    @property
    def accuracy(self) -> float:
        """Share of the covered questions answered right (0 if none is covered)."""
        return self.right / len(self.questions) if self.questions else 0.0


def analogy_accuracy(
    W: Tensor, vocab: Vocab, questions: Sequence[Question] | None = None
) -> AnalogyScore:
    """3CosAdd's answer to every covered question, all at once; see the module docstring."""
    questions = load_questions() if questions is None else questions
    asked = covered(vocab, questions)
    answers: list[str] = []
    if asked:
        U = unit_rows(W)  # (V, E)
        idx = {w: torch.tensor([vocab.token_to_idx[getattr(q, w)] for q in asked]) for w in "abc"}
        # query = unit(b) - unit(a) + unit(c)
        query = U[idx["b"]] - U[idx["a"]] + U[idx["c"]]  # (Q, E)
        # cos(query, w) for every word w (query's length does not change the order)
        scores = query @ U.T  # (Q, V)
        rows = torch.arange(len(asked))
        for w in "abc":
            scores[rows, idx[w]] = -float("inf")  # a, b and c are never the answer
        if UNK in vocab:
            scores[:, vocab.token_to_idx[UNK]] = -float("inf")
        answers = [vocab.idx_to_token[int(i)] for i in scores.argmax(1)]
    by_section: dict[str, tuple[int, int]] = {}
    for q, a in zip(asked, answers, strict=True):
        right, n = by_section.get(q.section, (0, 0))
        by_section[q.section] = (right + (a == q.d), n + 1)
    return AnalogyScore(len(questions), tuple(asked), tuple(answers), by_section)


def neighbour_table(
    W: Tensor, vocab: Vocab, words: Sequence[str], k: int = 5
) -> dict[str, list[tuple[str, float]]]:
    """The ``k`` nearest words (with their cosines) of each word that has a vector."""
    return {w: nearest(W, vocab, w, k) for w in words if not unknown_words(vocab, [w])}
