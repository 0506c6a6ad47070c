"""seqviz.streaks: lag-1 autocorrelation and longest same-sign streak, on hand-made states."""

import numpy as np
import pytest
import torch

from seqviz.streaks import lag1_autocorrelation, longest_streak, streakiness


def test_lag1_matches_numpy_corrcoef():
    v = np.random.default_rng(0).normal(size=(30, 4)).cumsum(axis=0)
    r = lag1_autocorrelation(torch.tensor(v))
    for j in range(4):
        assert r[j] == pytest.approx(np.corrcoef(v[:-1, j], v[1:, j])[0, 1])


def test_lag1_alternating_is_minus_one_and_constant_is_nan():
    v = np.stack([np.tile([1.0, -1.0], 10), np.ones(20)], axis=1)
    r = lag1_autocorrelation(v)
    assert r[0] == pytest.approx(-1.0) and np.isnan(r[1])


def test_longest_streak():
    v = np.array([[0.5, 0.5], [0.6, -0.5], [0.05, 0.5], [0.7, 0.5], [0.8, 0.5], [0.9, -0.5]])
    assert longest_streak(v, threshold=0.1).tolist() == [3, 3]
    assert longest_streak(v, threshold=0.55).tolist() == [3, 0]


def test_streakiness_counts_units():
    v = np.zeros((40, 3))
    v[:, 0] = 1.0  # one long streak
    v[::2, 1], v[1::2, 1] = 1.0, -1.0  # flips every step
    v[:25, 2] = -0.5
    s = streakiness(v, min_length=20)
    assert (s.n_streaky, s.n_units) == (2, 3)
    with pytest.raises(ValueError, match=r"\(T, H\)"):
        streakiness(np.zeros(5))
