"""Tests for seqviz.projection.pca against a plain numpy reference."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from seqviz.projection import PCA, pca


def numpy_pca(X, k):
    """Reference: eigen-decomposition of the covariance matrix (no SVD)."""
    X_c = X - X.mean(axis=0)
    cov = X_c.T @ X_c  # (H, H)
    w, V = np.linalg.eigh(cov)
    order = np.argsort(w)[::-1][:k]
    comps = V[:, order].T  # (k, H)
    for j in range(comps.shape[0]):
        if comps[j, np.argmax(np.abs(comps[j]))] < 0:
            comps[j] = -comps[j]
    return X_c @ comps.T, comps, w[order] / w.sum()


def test_matches_numpy_reference():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 6)) @ rng.normal(size=(6, 6))
    p = pca(X, k=3)
    ref_points, ref_comps, ref_expl = numpy_pca(X, 3)
    np.testing.assert_allclose(p.components, ref_comps, atol=1e-8)
    np.testing.assert_allclose(p.points, ref_points, atol=1e-8)
    np.testing.assert_allclose(p.explained, ref_expl, atol=1e-10)
    np.testing.assert_allclose(p.mean, X.mean(axis=0))


def test_shapes_and_types():
    p = pca(np.random.default_rng(1).normal(size=(7, 4)))
    assert isinstance(p, PCA)
    assert p.points.shape == (7, 2)
    assert p.components.shape == (2, 4)
    assert p.mean.shape == (4,)
    assert p.explained.shape == (2,)


def test_accepts_torch_tensor():
    X = torch.randn(20, 5, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(pca(X).points, pca(X.numpy()).points, atol=1e-6)


def test_full_rank_reconstruction_is_exact():
    X = np.random.default_rng(2).normal(size=(10, 4))
    p = pca(X, k=4)
    np.testing.assert_allclose(p.reconstruct(), X, atol=1e-10)
    np.testing.assert_allclose(p.explained.sum(), 1.0)
    np.testing.assert_allclose(p.transform(X), p.points, atol=1e-10)


def test_rank_one_data_explained_by_first_component():
    t = np.linspace(-1, 1, 30)[:, None]
    X = t * np.array([[3.0, -4.0, 0.0]]) + 1.0
    p = pca(X, k=2)
    np.testing.assert_allclose(p.explained, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(p.components[0], [-0.6, 0.8, 0.0], atol=1e-12)  # |0.8| largest, +
    np.testing.assert_allclose(p.components[1], 0.0)
    np.testing.assert_allclose(p.reconstruct(), X, atol=1e-12)


def test_sign_is_deterministic_under_negation_of_time_order():
    X = np.random.default_rng(3).normal(size=(15, 5))
    a, b = pca(X), pca(X[::-1].copy())
    np.testing.assert_allclose(a.components, b.components, atol=1e-10)
    for comp in a.components:
        assert comp[np.argmax(np.abs(comp))] > 0


def test_single_step_gives_zeros():
    p = pca(np.array([[0.3, -0.2, 0.9]]))
    assert p.points.shape == (1, 2)
    assert np.all(p.points == 0) and np.all(p.components == 0) and np.all(p.explained == 0)
    np.testing.assert_allclose(p.mean, [0.3, -0.2, 0.9])


def test_constant_data_gives_zeros_without_nan():
    p = pca(np.full((12, 3), 0.7), k=2)
    assert np.all(np.isfinite(p.points)) and np.all(p.points == 0)
    assert np.all(p.explained == 0)


def test_k_larger_than_rank_pads_with_zeros():
    X = np.random.default_rng(4).normal(size=(3, 5))  # rank <= 2 after centring
    p = pca(X, k=4)
    assert p.points.shape == (3, 4) and p.components.shape == (4, 5)
    np.testing.assert_allclose(p.explained[2:], 0.0)
    np.testing.assert_allclose(p.explained.sum(), 1.0)


@pytest.mark.parametrize("bad", [np.zeros((0, 3)), np.zeros(5), np.zeros((0, 0))])
def test_rejects_bad_shapes(bad):
    with pytest.raises(ValueError):
        pca(bad)
    with pytest.raises(ValueError):
        pca(np.ones((3, 2)), k=0)


def test_non_finite_rows_are_left_out_and_get_nan_points():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(10, 4))
    Y = X.copy()
    Y[3, 1], Y[7, 0] = np.nan, np.inf
    p, ref = pca(Y), pca(np.delete(X, [3, 7], axis=0))
    assert np.all(np.isnan(p.points[[3, 7]]))
    np.testing.assert_allclose(np.delete(p.points, [3, 7], axis=0), ref.points)
    np.testing.assert_allclose(p.components, ref.components)
    none = pca(np.full((4, 3), np.nan))
    assert np.all(np.isnan(none.points)) and np.all(none.explained == 0)


@settings(max_examples=50, deadline=None)
@given(
    arrays(
        np.float64, st.tuples(st.integers(1, 12), st.integers(1, 6)), elements=st.floats(-100, 100)
    )
)
def test_properties(X):
    p = pca(X, k=2)
    assert np.all(np.isfinite(p.points)) and np.all(np.isfinite(p.explained))
    assert np.all(p.explained >= 0) and p.explained.sum() <= 1 + 1e-9
    assert p.explained[0] >= p.explained[1] - 1e-12
    norms = np.linalg.norm(p.components, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-8) | (norms == 0))
