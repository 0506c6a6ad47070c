"""Tests for seqviz.units: gate saturation, text features, unit ranking."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from seqviz.units import UnitScore, correlations, rank_units, saturation, text_features

# --- saturation -------------------------------------------------------------


def test_saturation_hand_example():
    gate = np.array(
        [
            [0.05, 0.5, 0.95],
            [0.05, 0.9, 0.95],
            [0.50, 0.1, 0.99],
            [0.99, 0.0, 0.05],
        ]
    )
    lo, hi = saturation(gate)
    np.testing.assert_allclose(lo, [0.5, 0.25, 0.25])  # 0.1 itself is not < 0.1
    np.testing.assert_allclose(hi, [0.25, 0.0, 0.75])  # 0.9 itself is not > 0.9


def test_saturation_thresholds_and_tensor_input():
    gate = torch.tensor([[0.2], [0.3], [0.8]])
    lo, hi = saturation(gate, low=0.25, high=0.75)
    np.testing.assert_allclose(lo, [1 / 3])
    np.testing.assert_allclose(hi, [1 / 3])


def test_saturation_empty_and_nan():
    lo, hi = saturation(np.zeros((0, 4)))
    assert lo.shape == hi.shape == (4,) and not lo.any() and not hi.any()
    lo, hi = saturation(np.array([[np.nan], [0.0]]))
    np.testing.assert_allclose(lo, [0.5])
    np.testing.assert_allclose(hi, [0.0])


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 8)), elements=st.floats(0, 1))
)
def test_saturation_fractions_in_unit_interval(gate):
    lo, hi = saturation(gate)
    assert lo.shape == hi.shape == (gate.shape[1],)
    assert np.all((lo >= 0) & (lo <= 1) & (hi >= 0) & (hi <= 1))
    assert np.all(lo + hi <= 1)


# --- text features ----------------------------------------------------------


def test_space_vowel_position():
    f = text_features(list("an ox  it"))
    np.testing.assert_array_equal(f["is a space"], [0, 0, 1, 0, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(f["is a vowel"], [1, 0, 0, 1, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(f["position in word"], [1, 2, 0, 1, 2, 0, 0, 1, 2])


def test_newline_is_a_space_and_unk_is_a_symbol():
    f = text_features(["a", "\n", "<unk>", "b"])
    np.testing.assert_array_equal(f["is a space"], [0, 1, 0, 0])
    np.testing.assert_array_equal(f["position in word"], [1, 0, 1, 2])
    np.testing.assert_array_equal(f["is a vowel"], [1, 0, 0, 0])


def test_inside_double_quotes():
    text = 'a "bc" d'
    f = text_features(list(text))["inside quotes"]
    np.testing.assert_array_equal(f, [0, 0, 0, 1, 1, 0, 0, 0])


def test_inside_single_quotes_ignores_apostrophes():
    text = "I 'don't' x's"
    f = text_features(list(text))["inside quotes"]
    expected = [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    np.testing.assert_array_equal(f, expected)


def test_unclosed_quote_runs_to_end_and_no_nesting():
    f = text_features(list("x \"a'b"))["inside quotes"]
    np.testing.assert_array_equal(f, [0, 0, 0, 1, 1, 1])


def test_empty_text():
    f = text_features([])
    assert all(v.shape == (0,) for v in f.values())


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab '\"\n.", max_size=40))
def test_feature_shapes_and_ranges(text):
    f = text_features(list(text))
    for v in f.values():
        assert v.shape == (len(text),)
    for name in ("is a space", "is a vowel", "inside quotes"):
        assert set(np.unique(f[name])) <= {0.0, 1.0}
    assert np.all((f["position in word"] == 0) == (f["is a space"] == 1))


# --- ranking ----------------------------------------------------------------


def test_planted_unit_ranks_first_with_r_one():
    rng = np.random.default_rng(0)
    feature = text_features(list("the cat sat on the mat"))["position in word"]
    A = rng.normal(size=(len(feature), 16))
    A[:, 11] = 0.5 * feature - 2  # an affine copy of the feature
    A[:, 3] = -feature  # a perfectly anti-correlated unit
    ranked = rank_units(A, feature, top=5)
    assert [s.unit for s in ranked[:2]] == [3, 11]  # tie on |r| = 1: lower index first
    assert ranked[0].r == pytest.approx(-1.0) and ranked[1].r == pytest.approx(1.0)
    assert all(isinstance(s, UnitScore) for s in ranked) and len(ranked) == 5
    rs = [abs(s.r) for s in ranked]
    assert rs == sorted(rs, reverse=True)


def test_correlation_matches_numpy_corrcoef():
    rng = np.random.default_rng(1)
    A, f = rng.normal(size=(30, 4)), rng.normal(size=30)
    expected = [np.corrcoef(A[:, j], f)[0, 1] for j in range(4)]
    np.testing.assert_allclose(correlations(A, f), expected, atol=1e-12)
    np.testing.assert_allclose(correlations(torch.tensor(A), torch.tensor(f)), expected)


def test_zero_variance_unit_and_constant_feature_give_zero():
    A = np.column_stack([np.full(5, 0.3), np.arange(5.0), [np.nan, 1, 2, 3, 4]])
    r = correlations(A, np.arange(5.0))
    np.testing.assert_allclose(r, [0.0, 1.0, 0.0])
    assert not np.any(np.isnan(r))
    assert all(s.r == 0 for s in rank_units(A, np.full(5, 2.0)))
    assert rank_units(A, np.full(5, 2.0))[0].unit == 0


def test_top_larger_than_h_and_single_step():
    assert len(rank_units(np.ones((4, 3)), np.arange(4.0), top=10)) == 3
    assert [s.r for s in rank_units(np.ones((1, 2)), [1.0])] == [0.0, 0.0]


def test_shape_mismatch_raises():
    with pytest.raises(ValueError):
        correlations(np.zeros((4, 2)), np.zeros(5))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 15).flatmap(
        lambda T: st.tuples(
            arrays(np.float64, (T, 5), elements=st.floats(-1e3, 1e3)),
            arrays(np.float64, (T,), elements=st.floats(-1e3, 1e3)),
        )
    )
)
def test_r_in_range(args):
    A, f = args
    ranked = rank_units(A, f, top=5)
    assert len(ranked) == 5 and sorted(s.unit for s in ranked) == list(range(5))
    assert all(-1 <= s.r <= 1 and np.isfinite(s.r) for s in ranked)
