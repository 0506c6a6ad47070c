"""seqviz.ngram: counts, add-k smoothing, backoff and interpolation, perplexity, sampling."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqviz import ngram
from seqviz.text import Vocab

TEXT = list("the cat sat on the mat and the hat")


@pytest.fixture(scope="module")
def counts():
    return ngram.count(TEXT, 4)


@pytest.mark.parametrize("method", ngram.METHODS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("k", [0.0, 0.1, 1.0])
def test_probabilities_sum_to_one(counts, method, n, k):
    model = ngram.NGram(counts, n, k, method)
    for context in ([], list("th"), list("zq"), list(" the "), ["<unk>"]):
        p = model.distribution(context)
        assert p.sum() == pytest.approx(1.0)
        assert (p >= 0).all()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from("abc "), min_size=1, max_size=60),
    st.integers(1, 3),
    st.floats(0.01, 2),
    st.sampled_from(ngram.METHODS),
)
def test_any_corpus_gives_a_distribution(tokens, n, k, method):
    model = ngram.NGram(ngram.count(tokens, 3), n, k, method)
    assert model.distribution(tokens[-2:]).sum() == pytest.approx(1.0)


def test_add_k_formula_by_hand(counts):
    model = ngram.NGram(counts, 2, k=0.5, method="backoff")
    # "h" is followed by "e" twice and "a" once in TEXT
    n_he = sum(1 for a, b in zip(TEXT, TEXT[1:], strict=False) if (a, b) == ("h", "e"))
    n_h = sum(1 for a in TEXT[:-1] if a == "h")
    V = len(counts.vocab)
    assert model.prob(["h"], "e") == pytest.approx((n_he + 0.5) / (n_h + 0.5 * V))
    assert model.prob(["x", "h"], "e") == model.prob(["h"], "e")  # only n-1 tokens matter


def test_backoff_uses_the_longest_seen_context(counts):
    model = ngram.NGram(counts, 3, k=0.1, method="backoff")
    terms = model.terms(list("zh"), "e")  # "zh" never seen -> back off to "h"
    assert len(terms) == 1 and terms[0].context == ("h",)


def test_interpolation_mixes_orders(counts):
    lambdas = (0.2, 0.3, 0.5)
    model = ngram.NGram(counts, 3, k=1.0, method="interpolation", lambdas=lambdas)
    parts = [ngram.NGram(counts, m + 1, k=1.0, method="backoff") for m in range(3)]
    expect = sum(
        lam * part.terms(list("th"), "e")[0].p for lam, part in zip(lambdas, parts, strict=True)
    )
    assert model.prob(list("th"), "e") == pytest.approx(expect)


def test_perplexity_is_exp_of_mean_negative_log_likelihood(counts):
    model = ngram.NGram(counts, 3, k=0.1)
    heldout = list("the rat")
    logs = [
        math.log(model.prob(heldout[max(0, t - 2) : t], heldout[t])) for t in range(1, len(heldout))
    ]
    assert model.perplexity(heldout) == pytest.approx(math.exp(-sum(logs) / len(logs)))


def test_zero_k_and_an_unseen_character_give_infinite_perplexity(counts):
    model = ngram.NGram(counts, 2, k=0.0)
    assert model.perplexity(list("tq")) == math.inf


def test_memory_counts_grow_with_the_order(counts):
    sizes = [counts.num_counts(n) for n in range(1, 5)]
    assert sizes == sorted(sizes) and sizes[0] == len(set(TEXT))


def test_sampling_is_seeded_and_never_unk(counts):
    model = ngram.NGram(counts, 3, k=0.5)
    a, b = model.sample(list("th"), 40, seed=3), model.sample(list("th"), 40, seed=3)
    assert a == b and "<unk>" not in a and len(a) == 40


def test_bad_arguments():
    c = ngram.count(TEXT, 2, Vocab(TEXT))
    with pytest.raises(ValueError):
        ngram.NGram(c, 3)
    with pytest.raises(ValueError):
        ngram.NGram(c, 2, method="nope")
    with pytest.raises(ValueError):
        ngram.NGram(c, 2, k=-1)
