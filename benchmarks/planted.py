"""A corpus with planted structure: sentences generated from word clusters.

Used by the Word2Vec tests and benchmark (not part of the seqviz package).

Each sentence picks one topic (a cluster of words) and draws its words from
that cluster, with a few function words ("the", "of", ...) shared by every
topic mixed in. Words of one cluster therefore share their contexts and only
them, so the right nearest neighbours of every word are known: the other words
of its cluster. Within a cluster word frequencies follow Zipf's law (weight
1 / rank), so frequent and rare words both occur and subsampling matters.
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
) -> Planted:
    """Sentences drawn from ``n_clusters`` topics of ``words_per_cluster`` words each.

    Args:
        function_rate: probability that a position holds a function word instead
            of a topic word.
        seed: seeds every draw.

    Word ``w`` of cluster ``c`` is written ``c{c}w{w}`` (e.g. ``c3w07``).
    """
    rng = np.random.default_rng(seed)
    width = len(str(words_per_cluster - 1))
    clusters = tuple(
        tuple(f"c{c}w{w:0{width}d}" for w in range(words_per_cluster)) for c in range(n_clusters)
    )
    # Zipf within a cluster: P(rank r) ∝ 1 / (r + 1)
    zipf = 1.0 / np.arange(1, words_per_cluster + 1)
    zipf /= zipf.sum()
    topics = rng.integers(0, n_clusters, size=n_sentences)
    function = rng.random((n_sentences, sentence_length)) < function_rate
    topic_word = rng.choice(words_per_cluster, size=(n_sentences, sentence_length), p=zipf)
    glue = rng.integers(0, len(FUNCTION_WORDS), size=(n_sentences, sentence_length))
    sentences = tuple(
        tuple(
            FUNCTION_WORDS[glue[s, t]] if function[s, t] else clusters[topics[s]][topic_word[s, t]]
            for t in range(sentence_length)
        )
        for s in range(n_sentences)
    )
    return Planted(sentences, clusters, FUNCTION_WORDS)
