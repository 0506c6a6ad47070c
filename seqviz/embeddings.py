"""What trained embeddings are for: nearest neighbours, analogies, a 2-D map.

Dimension letters: ``V`` vocabulary size, ``E`` embedding size, ``n`` words asked about.

Everything works on the rows of an embedding matrix ``W`` (V, E) and a
:class:`seqviz.text.Vocab` for its row order. Similarity is the cosine::

    cos(a, b) = a · b / (||a|| ||b||)

The ``<unk>`` row (index 0) and words the caller excludes are never returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from seqviz.projection import PCA, pca
from seqviz.text import UNK, Vocab

__all__ = [
    "unit_rows",
    "cosine_similarity",
    "nearest",
    "Analogy",
    "analogy",
    "parse_word_list",
    "unknown_words",
    "neighbour_precision",
    "project",
    "project_frames",
]


def unit_rows(W: Tensor) -> Tensor:
    """Each row divided by its length (zero rows stay zero), (V, E)."""
    W = torch.as_tensor(W, dtype=torch.float32)
    # w / ||w||
    return W / W.norm(dim=1, keepdim=True).clamp(min=1e-12)


def cosine_similarity(W: Tensor, vector: Tensor) -> Tensor:
    """cos(w, vector) for every row w of W, (V,)."""
    v = torch.as_tensor(vector, dtype=torch.float32)
    # cos = (w / ||w||) · (v / ||v||)
    return unit_rows(W) @ (v / v.norm().clamp(min=1e-12))


def parse_word_list(text: str) -> list[str]:
    """The words of a typed list ("time, machine; said"): split at spaces, commas and
    semicolons, lower-cased, each kept once, in order."""
    return list(dict.fromkeys(w for w in re.split(r"[\s,;]+", text.lower()) if w))


def unknown_words(vocab: Vocab, words: Sequence[str]) -> list[str]:
    """The words of ``words`` that have no vector (not in the vocabulary, or <unk>)."""
    return [w for w in words if w not in vocab or w == UNK]


def _top(scores: Tensor, vocab: Vocab, k: int, exclude: Sequence[str]) -> list[tuple[str, float]]:
    scores = scores.clone()
    banned = [vocab.token_to_idx[w] for w in (*exclude, UNK) if w in vocab]
    scores[banned] = -float("inf")
    k = min(k, len(vocab) - len(set(banned)))
    values, idx = torch.topk(scores, k) if k > 0 else (torch.zeros(0), torch.zeros(0, dtype=int))
    return [(vocab.idx_to_token[int(i)], float(v)) for v, i in zip(values, idx, strict=True)]


def nearest(W: Tensor, vocab: Vocab, word: str, k: int = 10) -> list[tuple[str, float]]:
    """The ``k`` words with the highest cosine similarity to ``word`` (itself excluded).

    Raises:
        KeyError: if ``word`` has no vector.
    """
    if unknown_words(vocab, [word]):
        raise KeyError(word)
    return _top(cosine_similarity(W, W[vocab.token_to_idx[word]]), vocab, k, exclude=[word])


@dataclass(frozen=True)
class Analogy:
    """a : b :: c : ?  answered by 3CosAdd."""

    query: Tensor  # (E,) unit(b) - unit(a) + unit(c)
    answers: tuple[tuple[str, float], ...]  # (word, cosine with the query), best first


def analogy(W: Tensor, vocab: Vocab, a: str, b: str, c: str, k: int = 5) -> Analogy:
    """ "a is to b as c is to ?": the words nearest to b - a + c (a, b, c excluded).

    Vectors are unit-normalised first (Mikolov et al. 2013's 3CosAdd, as gensim's
    ``most_similar(positive=[b, c], negative=[a])``).

    Raises:
        KeyError: naming the first of a, b, c that has no vector.
    """
    missing = unknown_words(vocab, [a, b, c])
    if missing:
        raise KeyError(missing[0])
    U = unit_rows(W)
    ia, ib, ic = (vocab.token_to_idx[w] for w in (a, b, c))
    # query = b - a + c
    query = U[ib] - U[ia] + U[ic]  # (E,)
    return Analogy(query, tuple(_top(cosine_similarity(W, query), vocab, k, exclude=[a, b, c])))


def neighbour_precision(
    W: Tensor, vocab: Vocab, cluster_of: Mapping[str, int], k: int = 5
) -> float:
    """Mean share of each clustered word's k nearest neighbours (among clustered words)
    that are in its own cluster: 1.0 means every planted cluster is recovered.
    """
    words = [w for w in cluster_of if w in vocab]
    if not words:
        return 0.0
    ids = torch.tensor([vocab.token_to_idx[w] for w in words])
    labels = torch.tensor([cluster_of[w] for w in words])
    U = unit_rows(W[ids])  # (n, E)
    # cos between every pair of clustered words
    sims = U @ U.T  # (n, n)
    sims.fill_diagonal_(-float("inf"))
    k = min(k, len(words) - 1)
    idx = sims.topk(k, dim=1).indices  # (n, k)
    return float((labels[idx] == labels[:, None]).float().mean())


def project(W: Tensor, vocab: Vocab, words: Sequence[str], fit_rows: Tensor | None = None) -> PCA:
    """2-D PCA of the unit-length vectors of ``words`` (fitted on ``fit_rows`` if given).

    ``fit_rows`` (n, E) lets several snapshots share one projection (the frames of
    an animation); by default the projection is fitted on the words themselves.
    """
    ids = [vocab.token_to_idx[w] for w in words]
    X = unit_rows(W[ids])  # (n, E)
    fit = pca(unit_rows(fit_rows) if fit_rows is not None else X, k=2)
    if fit_rows is None:
        return fit
    return PCA(fit.transform(X), fit.components, fit.mean, fit.explained)


def project_frames(snapshots: Sequence[Tensor]) -> list[np.ndarray]:
    """The same n words at several moments (n, E) each -> 2-D points (n, 2) per moment.

    One projection for all frames (PCA of the unit-length vectors of the *last*
    snapshot), so a word's movement between frames is real, not a change of axes.
    """
    if not snapshots:
        return []
    fit = pca(unit_rows(snapshots[-1]), k=2)
    return [fit.transform(unit_rows(s)) for s in snapshots]
