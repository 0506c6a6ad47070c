"""A corpus with planted structure: sentences generated from word clusters.

Used by the Word2Vec tests and benchmark (not part of the seqviz package).

Each sentence picks one topic (a cluster of words) and draws its words from
that cluster, with a few function words ("the", "of", ...) shared by every
topic mixed in. Words of one cluster therefore share their contexts and only
them, so the right nearest neighbours of every word are known: the other words
of its cluster. Within a cluster word frequencies follow Zipf's law (weight
1 / rank), so frequent and rare words both occur and subsampling matters.

Designs (``design=``): ``"zipf"`` as above; ``"uniform"`` every word of a cluster
equally frequent; ``"shared"`` each cluster also uses ``shared`` words that belong
to two clusters (they are left out of the scored clusters: their right neighbours
are ambiguous); ``"filler"`` ``n_filler`` filler words, uniform and frequent, mixed
into every topic (instead of the six function words).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Planted", "planted_corpus"]

FUNCTION_WORDS = ("the", "of", "and", "a", "to", "in")


@dataclass(frozen=True)
class Planted:
    """The generated sentences and the clusters they came from."""

    sentences: tuple[tuple[str, ...], ...]  # the corpus, one tuple of words per sentence
    clusters: tuple[tuple[str, ...], ...]  # the planted clusters (function words excluded)
    function_words: tuple[str, ...]  # words shared by every cluster

    def cluster_of(self) -> dict[str, int]:
        """word -> index of its cluster (function words are not in any)."""
        return {w: c for c, words in enumerate(self.clusters) for w in words}

    @property
    def n_words(self) -> int:
        return sum(len(s) for s in self.sentences)


def planted_corpus(
    n_clusters: int = 10,
    words_per_cluster: int = 10,
    n_sentences: int = 2000,
    sentence_length: int = 12,
    function_rate: float = 0.3,
    seed: int = 0,
    design: str = "zipf",
    shared: int = 20,
    n_filler: int = 50,
) -> Planted:
    """Sentences drawn from ``n_clusters`` topics of ``words_per_cluster`` words each.

    Args:
        function_rate: probability that a position holds a function word instead
            of a topic word.
        seed: seeds every draw.

    Word ``w`` of cluster ``c`` is written ``c{c}w{w}`` (e.g. ``c3w07``).
    """
    if design not in ("zipf", "uniform", "shared", "filler"):
        raise ValueError(f"unknown design {design!r}")
    rng = np.random.default_rng(seed)
    width = len(str(words_per_cluster - 1))
    clusters = tuple(
        tuple(f"c{c}w{w:0{width}d}" for w in range(words_per_cluster)) for c in range(n_clusters)
    )
    glue_words = FUNCTION_WORDS
    if design == "filler":
        glue_words = tuple(f"f{i:02d}" for i in range(n_filler))
    # each topic's vocabulary: its own words, plus (design "shared") the shared words
    # s0..s{shared-1}, word s_i used by the topics i mod n and (i + 1) mod n
    topic_vocab = [list(c) for c in clusters]
    if design == "shared":
        for i in range(shared):
            for c in (i % n_clusters, (i + 1) % n_clusters):
                topic_vocab[c].append(f"s{i:02d}")
    sizes = [len(v) for v in topic_vocab]
    topics = rng.integers(0, n_clusters, size=n_sentences)
    function = rng.random((n_sentences, sentence_length)) < function_rate
    glue = rng.integers(0, len(glue_words), size=(n_sentences, sentence_length))
    draws = rng.random((n_sentences, sentence_length))
    tables = []
    for n in sizes:
        # Zipf within a cluster: P(rank r) ∝ 1 / (r + 1); or uniform
        p = np.ones(n) if design == "uniform" else 1.0 / np.arange(1, n + 1)
        tables.append(np.cumsum(p / p.sum()))
    sentences = tuple(
        tuple(
            glue_words[glue[s, t]]
            if function[s, t]
            else topic_vocab[topics[s]][
                min(int(np.searchsorted(tables[topics[s]], draws[s, t])), sizes[topics[s]] - 1)
            ]
            for t in range(sentence_length)
        )
        for s in range(n_sentences)
    )
    return Planted(sentences, clusters, glue_words)
