"""seqviz.zipf: n-gram counts and the least-squares Zipf exponent."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqviz.text import load_time_machine, tokenize
from seqviz.zipf import fit_zipf, ngram_freqs, ngrams, zipf_table


def test_ngrams_are_consecutive_runs():
    assert ngrams(list("abcd"), 2) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert ngrams(list("ab"), 3) == []
    with pytest.raises(ValueError):
        ngrams(["a"], 0)


@given(st.lists(st.sampled_from("abc"), max_size=40), st.integers(1, 4))
def test_counts_add_up_to_the_number_of_ngrams(tokens, n):
    freqs = ngram_freqs(tokens, n)
    assert sum(c for _, c in freqs) == max(0, len(tokens) - n + 1)
    counts = [c for _, c in freqs]
    assert counts == sorted(counts, reverse=True)


def test_exact_power_law_is_recovered():
    counts = [round(1e6 / k**1.3) for k in range(1, 200)]
    fit = fit_zipf(counts)
    assert fit.alpha == pytest.approx(1.3, abs=0.01)
    assert math.exp(fit.log_c) == pytest.approx(1e6, rel=0.05)


def test_fit_matches_numpy_polyfit():
    np = pytest.importorskip("numpy")
    counts = [50, 30, 20, 9, 9, 4, 2, 1, 1]
    slope, intercept = np.polyfit(np.log(np.arange(1, 10)), np.log(counts), 1)
    fit = fit_zipf(counts)
    assert fit.alpha == pytest.approx(-slope)
    assert fit.log_c == pytest.approx(intercept)


def test_too_few_ranks_give_nan():
    assert math.isnan(fit_zipf([5]).alpha)
    assert math.isnan(fit_zipf([]).alpha)


def test_time_machine_words_follow_zipf_with_flatter_higher_orders():
    words = tokenize(load_time_machine(), "word")
    table = zipf_table(words)
    assert table[1][0][0] == (("the",), 2261)
    alphas = [table[n][1].alpha for n in (1, 2, 3)]
    assert 0.8 < alphas[0] < 1.3
    assert alphas[0] > alphas[1] > alphas[2] > 0
