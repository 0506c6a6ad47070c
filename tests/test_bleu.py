"""BLEU on hand-worked examples."""

import math

import pytest

from seqviz.bleu import corpus_bleu, ngrams, sentence_bleu


def test_a_perfect_match_scores_one():
    s = "the cat sat on the mat".split()
    b = sentence_bleu(s, s)
    assert b.score == pytest.approx(1.0)
    assert b.precisions == (1.0, 1.0, 1.0, 1.0) and b.brevity_penalty == 1.0


def test_clipping_papineni_example():
    # "the" x7 against "the cat is on the mat": "the" counts at most twice -> p_1 = 2/7
    b = sentence_bleu(["the"] * 7, "the cat is on the mat".split(), max_n=1)
    assert (b.matches, b.totals) == ((2,), (7,))
    assert b.score == pytest.approx(2 / 7)
    assert b.brevity_penalty == 1.0  # c = 7 > r = 6


def test_brevity_penalty_for_a_short_candidate():
    # p_1 = p_2 = 1, but c = 2 < r = 6: BP = exp(1 - 6/2) = e^-2
    b = sentence_bleu("the cat".split(), "the cat sat on the mat".split(), max_n=2)
    assert b.precisions == (1.0, 1.0)
    assert b.brevity_penalty == pytest.approx(math.exp(-2))
    assert b.score == pytest.approx(math.exp(-2))


def test_equal_lengths_have_no_penalty_and_a_missing_order_gives_zero():
    b3 = sentence_bleu(list("abcd"), list("abce"), max_n=3)
    # p_1 = 3/4, p_2 = 2/3, p_3 = 1/2, BP = exp(1 - 4/4) = 1
    assert b3.score == pytest.approx((3 / 4 * 2 / 3 * 1 / 2) ** (1 / 3))
    assert sentence_bleu(list("abcd"), list("abce")).score == 0.0  # p_4 = 0/1


def test_corpus_bleu_sums_counts_before_dividing():
    cands = [["a", "b"], ["c", "d", "e"]]
    refs = [["a", "b"], ["c", "x", "e", "f"]]
    b = corpus_bleu(cands, refs, max_n=2)
    # p_1 = (2 + 2) / (2 + 3); p_2 = (1 + 0) / (1 + 2); c = 5, r = 6
    assert b.precisions == pytest.approx((4 / 5, 1 / 3))
    assert (b.candidate_length, b.reference_length) == (5, 6)
    assert b.score == pytest.approx(math.exp(1 - 6 / 5) * math.sqrt(4 / 5 * 1 / 3))
    # not the mean of the sentence scores
    mean = (
        sentence_bleu(cands[0], refs[0], 2).score + sentence_bleu(cands[1], refs[1], 2).score
    ) / 2
    assert b.score != pytest.approx(mean)


def test_edge_cases():
    assert sentence_bleu([], ["a"]).score == 0.0
    assert ngrams(list("aba"), 2) == {("a", "b"): 1, ("b", "a"): 1}
    with pytest.raises(ValueError, match="references"):
        corpus_bleu([["a"]], [])
