"""Analogy accuracy and neighbour tables of seqviz.w2v_eval."""

import torch

from seqviz import embeddings
from seqviz import w2v_eval as ev
from seqviz.text import Vocab

WORDS = ["king", "queen", "man", "woman", "boy", "girl", "paris", "france"]


def _vocab():
    return Vocab([WORDS], min_freq=1)


def test_the_analogy_file_is_google_s_set():
    qs = ev.load_questions()
    assert len(qs) == 19_544
    assert len({q.section for q in qs}) == 14
    assert qs[0] == ev.Question("capital-common-countries", "athens", "greece", "baghdad", "iraq")


def test_a_planted_gender_direction_answers_every_covered_question():
    vocab = _vocab()
    W = torch.zeros(len(vocab), 8)
    gender = torch.zeros(8)
    gender[0] = 1.0
    for n, (m, f) in enumerate((("king", "queen"), ("man", "woman"), ("boy", "girl"))):
        W[vocab.token_to_idx[m], n + 1] = 1.0
        W[vocab.token_to_idx[f]] = W[vocab.token_to_idx[m]] + gender
    W[vocab.token_to_idx["paris"], 5] = 1.0
    W[vocab.token_to_idx["france"], 6] = 1.0
    questions = [
        ev.Question("family", "man", "woman", "king", "queen"),
        ev.Question("family", "boy", "girl", "man", "woman"),
        ev.Question("family", "king", "queen", "boy", "girl"),
        ev.Question("family", "king", "queen", "prince", "princess"),  # not covered
    ]
    score = ev.analogy_accuracy(W, vocab, questions)
    assert score.total == 4 and len(score.questions) == 3
    assert score.answers == ("queen", "woman", "girl") and score.accuracy == 1.0
    assert score.by_section == {"family": (3, 3)}
    # the same answers one question at a time
    for q, a in zip(score.questions, score.answers, strict=True):
        assert embeddings.analogy(W, vocab, q.a, q.b, q.c).answers[0][0] == a


def test_random_vectors_agree_with_one_at_a_time_answers():
    vocab = _vocab()
    W = torch.randn(len(vocab), 5, generator=torch.Generator().manual_seed(0))
    questions = [ev.Question("s", *q) for q in (WORDS[:4], WORDS[2:6], WORDS[4:8], WORDS[1:5])]
    score = ev.analogy_accuracy(W, vocab, questions)
    expected = [embeddings.analogy(W, vocab, q.a, q.b, q.c).answers[0][0] for q in questions]
    assert list(score.answers) == expected
    assert score.right == sum(a == q.d for a, q in zip(expected, questions, strict=True))
    empty = ev.analogy_accuracy(W, vocab, [ev.Question("s", "a", "b", "c", "d")])
    assert empty.accuracy == 0.0 and empty.questions == ()


def test_neighbour_table_skips_unknown_words():
    vocab = _vocab()
    W = torch.randn(len(vocab), 5, generator=torch.Generator().manual_seed(1))
    table = ev.neighbour_table(W, vocab, ["king", "zebra", "😀"], k=3)
    assert list(table) == ["king"]
    assert table["king"] == embeddings.nearest(W, vocab, "king", 3)
