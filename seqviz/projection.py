"""Principal component analysis of hidden-state sequences.

Dimension letters: ``T`` time steps (rows, one hidden state per step), ``H``
hidden units (columns), ``k`` number of components kept.

The hidden states ``h_1 .. h_T`` of a recurrent network live in ``R^H``; PCA
finds the ``k`` directions along which they vary most so the path can be drawn
in 2-D. Computed with ``torch.linalg.svd`` on the centred data::

    X_c = X - mean                        # (T, H)
    X_c = U S V^T                         # SVD
    points     = X_c V_k = U_k S_k        # (T, k)
    explained  = S_k^2 / sum(S^2)         # fraction of the total variance
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["PCA", "pca"]


@dataclass(frozen=True)
class PCA:
    """Result of :func:`pca`; all arrays are float64 numpy arrays."""

    points: np.ndarray  # (T, k) coordinates of each row of X on the components
    components: np.ndarray  # (k, H) unit-length principal directions, one per row
    mean: np.ndarray  # (H,) mean of X over time, subtracted before projecting
    explained: np.ndarray  # (k,) explained-variance ratio of each component, sum <= 1

    def transform(self, X) -> np.ndarray:
        """Project new states ``X (N, H)`` onto the components -> ``(N, k)``."""
        return (_as_float64(X) - self.mean) @ self.components.T

    def reconstruct(self) -> np.ndarray:
        """Rank-k approximation of the original data -> ``(T, H)``."""
        return self.points @ self.components + self.mean


def _as_float64(X) -> np.ndarray:
    """Numpy float64 copy of a numpy array, torch tensor or nested list."""
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    return np.asarray(X, dtype=np.float64)


def pca(X, k: int = 2) -> PCA:
    """Project the rows of ``X`` onto their top-``k`` principal components.

    Args:
        X: ``(T, H)`` array or tensor, one hidden state per row.
        k: number of components, ``k >= 1``. If ``k > min(T, H)`` the extra
            components are zero vectors with zero explained variance, so the
            output shapes are always ``(T, k)``, ``(k, H)``, ``(k,)``.

    Returns:
        :class:`PCA`. Signs are deterministic: in each component the loading
        with the largest absolute value is positive (ties: the first such
        unit). ``T = 1`` or constant data give all-zero points, components
        and explained ratios (no NaN). Rows containing NaN/inf (an exploding
        run) are left out of the fit and get NaN points, so a plot shows a
        gap there; if no row is finite, everything else is zero.

    Raises:
        ValueError: if ``X`` is not 2-D, has no rows/columns, or ``k < 1``.
    """
    X = _as_float64(X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"pca expects a non-empty (T, H) array, got shape {X.shape}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    rows_ok = np.all(np.isfinite(X), axis=1)  # (T,)
    if not np.all(rows_ok):
        fit = pca(X[rows_ok], k) if np.any(rows_ok) else None
        points = np.full((X.shape[0], k), np.nan)
        if fit is None:
            zeros = np.zeros((k, X.shape[1]))
            return PCA(points=points, components=zeros, mean=zeros[0], explained=np.zeros(k))
        points[rows_ok] = fit.points
        return PCA(points=points, components=fit.components, mean=fit.mean, explained=fit.explained)
    T, H = X.shape

    mean = X.mean(axis=0)  # (H,)
    X_c = torch.from_numpy(X - mean)  # (T, H)
    # X_c = U S V^T, with S sorted descending
    U, S, Vh = torch.linalg.svd(X_c, full_matrices=False)  # (T, r), (r,), (r, H); r = min(T, H)
    U, S, Vh = U.numpy(), S.numpy(), Vh.numpy()

    # explained_j = S_j^2 / sum(S^2), computed on S / S_max so tiny data cannot underflow
    S_rel = S / S[0] if S.size and S[0] > 0 else np.zeros_like(S)
    ratio = S_rel**2 / max(float(np.sum(S_rel**2)), 1e-300)
    # Singular values at round-off level carry no variance: treat them as zero so
    # that constant data (and T = 1) yields zeros instead of arbitrary directions.
    # Centring leaves errors of ~eps * |X| per entry; anything below that is noise.
    eps = np.finfo(np.float64).eps
    noise = 16 * eps * np.sqrt(T * H) * float(np.max(np.abs(X)))
    keep = S > max(noise, max(T, H) * eps * float(S[0]))

    r = min(k, S.size)
    components = np.zeros((k, H))
    points = np.zeros((T, k))
    explained = np.zeros(k)
    for j in range(r):
        if not keep[j]:
            continue
        v = Vh[j]  # (H,)
        u = U[:, j]  # (T,)
        # fix the sign: the largest-|loading| unit gets a positive loading
        sign = 1.0 if v[np.argmax(np.abs(v))] >= 0 else -1.0
        components[j] = sign * v
        # points = X_c V_k = U_k S_k
        points[:, j] = sign * u * S[j]
        explained[j] = ratio[j]
    return PCA(points=points, components=components, mean=mean, explained=explained)
