"""Nearest neighbours, analogies, the 2-D map and the planted corpus."""

import numpy as np
import pytest
import torch

from benchmarks.planted import FUNCTION_WORDS, planted_corpus
from seqviz import embeddings
from seqviz.text import Vocab


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread, as the app runs: on a shared 2-core machine more threads only contend."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


WORDS = ["king", "queen", "man", "woman", "apple"]


def toy():
    """Hand-made vectors where king - man + woman = queen."""
    vocab = Vocab.from_list(["<unk>", *WORDS])
    W = torch.tensor(
        [
            [9.0, 9.0, 9.0],  # <unk>: never returned, however close
            [1.0, 1.0, 0.0],  # king   = royal + male
            [1.0, -1.0, 0.0],  # queen  = royal + female
            [0.0, 1.0, 0.1],  # man
            [0.0, -1.0, 0.1],  # woman
            [0.2, 0.1, 5.0],  # apple
        ]
    )
    return W, vocab


def test_nearest_matches_a_brute_force_cosine():
    W, vocab = toy()
    Wn = W.numpy()
    for word in WORDS:
        v = Wn[vocab[word]]
        sims = {
            w: float(Wn[vocab[w]] @ v / np.linalg.norm(Wn[vocab[w]]) / np.linalg.norm(v))
            for w in WORDS
            if w != word
        }
        want = sorted(sims.items(), key=lambda kv: -kv[1])[:3]
        got = embeddings.nearest(W, vocab, word, k=3)
        assert [w for w, _ in got] == [w for w, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)


def test_nearest_never_returns_unk_or_the_word_and_caps_k():
    W, vocab = toy()
    got = embeddings.nearest(W, vocab, "king", k=50)
    assert len(got) == 4 and "<unk>" not in dict(got) and "king" not in dict(got)


def test_analogy_king_man_woman():
    W, vocab = toy()
    result = embeddings.analogy(W, vocab, "man", "king", "woman", k=2)
    assert result.answers[0][0] == "queen"
    assert {w for w, _ in result.answers}.isdisjoint({"man", "king", "woman"})
    U = embeddings.unit_rows(W)
    assert torch.allclose(result.query, U[vocab["king"]] - U[vocab["man"]] + U[vocab["woman"]])


def test_unknown_words_raise_key_error_naming_the_word():
    W, vocab = toy()
    assert embeddings.unknown_words(vocab, ["king", "zebra", "<unk>"]) == ["zebra", "<unk>"]
    with pytest.raises(KeyError, match="zebra"):
        embeddings.nearest(W, vocab, "zebra")
    with pytest.raises(KeyError, match="zebra"):
        embeddings.analogy(W, vocab, "king", "zebra", "man")


def test_cosine_of_zero_rows_is_zero_not_nan():
    W = torch.zeros(3, 4)
    assert torch.equal(embeddings.cosine_similarity(W, torch.ones(4)), torch.zeros(3))


def test_neighbour_precision_perfect_and_random():
    vocab = Vocab.from_list(["<unk>", "a1", "a2", "a3", "b1", "b2", "b3"])
    clusters = {"a1": 0, "a2": 0, "a3": 0, "b1": 1, "b2": 1, "b3": 1}
    W = torch.tensor([[0, 0], [1, 0.1], [1, 0], [1, -0.1], [0.1, 1], [0, 1], [-0.1, 1]])
    assert embeddings.neighbour_precision(W, vocab, clusters, k=2) == 1.0
    swapped = W[[0, 1, 4, 3, 2, 5, 6]]  # a2 and b1 trade places
    assert embeddings.neighbour_precision(swapped, vocab, clusters, k=2) < 1.0


def test_project_shapes_and_shared_projection():
    W, vocab = toy()
    fit = embeddings.project(W, vocab, WORDS)
    assert fit.points.shape == (5, 2)
    again = embeddings.project(W, vocab, WORDS, fit_rows=W[1:])
    assert np.allclose(again.points, fit.points)


def test_planted_corpus_is_deterministic_and_clustered():
    a = planted_corpus(n_clusters=3, words_per_cluster=4, n_sentences=50, seed=2)
    b = planted_corpus(n_clusters=3, words_per_cluster=4, n_sentences=50, seed=2)
    assert a == b and a.n_words == 50 * 12
    cluster_of = a.cluster_of()
    for sentence in a.sentences:
        topics = {cluster_of[w] for w in sentence if w not in FUNCTION_WORDS}
        assert len(topics) <= 1  # one topic per sentence
    assert a != planted_corpus(n_clusters=3, words_per_cluster=4, n_sentences=50, seed=3)


def test_parse_word_list_splits_lowercases_and_keeps_each_word_once():
    assert embeddings.parse_word_list("Time, machine;said  time\nWEENA,,") == [
        "time",
        "machine",
        "said",
        "weena",
    ]
    assert embeddings.parse_word_list("  , ; ") == []
    assert embeddings.parse_word_list("**bold** $x$ 🙂") == ["**bold**", "$x$", "🙂"]
