"""The triplet loss with in-batch negatives, and its two hard-negative variants.

A batch holds B duplicate pairs (A_i, P_i). Every other P_j of the batch is a
negative for anchor A_i, so the similarity matrix ``S_ij = cos(v_{A_i}, v_{P_j})``
holds one positive per row (the diagonal) and B - 1 negatives. The plain triplet
loss for one triplet is ``max(0, α − cos(A, P) + cos(A, N))``: it is zero once the
positive beats the negative by the margin α. The notes summarise each row's
negatives in two ways:

    mean negative      m_i = Σ_{j≠i} S_ij / (B − 1)
    closest negative   n_i = max { S_ij : j ≠ i, S_ij ≤ S_ii }
                       (the hardest negative that is still not above the positive;
                        if every negative is above it, the notes' fallback: the rows'
                        excluded entries count as S_ij − 2, so n_i = max_{j≠i} S_ij − 2)

    L_mean,i    = max(0, α − S_ii + m_i)
    L_closest,i = max(0, α − S_ii + n_i)
    J = Σ_i L_mean,i  ("mean"),  Σ_i L_closest,i  ("closest"),
        or Σ_i (L_mean,i + L_closest,i)  ("both": the notes' full loss)

Dimension letters: ``B`` pairs in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

VARIANTS = ("both", "mean", "closest")
"""Which loss terms J sums: both (the notes' full loss), the mean negative, the closest one."""


@dataclass(frozen=True)
class TripletTerms:
    """Every number of the triplet loss for one batch."""

    S: Tensor  # (B, B) S_ij = cos(A_i, P_j); the diagonal holds the positives
    positive: Tensor  # (B,) S_ii
    mean_negative: Tensor  # (B,) m_i
    closest_negative: Tensor  # (B,) n_i (with the fallback where no negative is below S_ii)
    closest_index: Tensor  # (B,) long: the column j of n_i
    fallback: Tensor  # (B,) bool: no negative of row i is at or below S_ii
    loss_mean: Tensor  # (B,) L_mean,i
    loss_closest: Tensor  # (B,) L_closest,i
    loss: Tensor  # () J, with gradients if S has them
    margin: float  # α
    variant: str  # "both", "mean" or "closest"


def triplet_terms(S: Tensor, margin: float, variant: str = "both") -> TripletTerms:
    """The triplet loss of a batch from its similarity matrix ``S (B, B)``, B >= 2.

    Args:
        S: S_ij = cos(A_i, P_j); the diagonal holds the duplicates.
        margin: α, how far the positive must beat the negatives.
        variant: "both", "mean" or "closest" (see the module notes).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    B = S.shape[0]
    if S.shape != (B, B) or B < 2:
        raise ValueError(f"S must be square with at least 2 rows, not {tuple(S.shape)}")
    eye = torch.eye(B, dtype=torch.bool, device=S.device)
    # S_ii: each anchor with its own duplicate
    positive = S.diagonal()
    # m_i = Σ_{j≠i} S_ij / (B − 1)
    mean_negative = S.masked_fill(eye, 0.0).sum(dim=1) / (B - 1)
    # excluded: the positive itself and every negative above the positive
    excluded = eye | (S > positive.unsqueeze(1))
    # n_i = max_j (S_ij, or S_ij − 2 where excluded): the closest negative not above S_ii
    closest_negative, closest_index = (S - 2.0 * excluded.to(S.dtype)).max(dim=1)
    # every negative above S_ii: all of row i is excluded, and n_i = max_{j≠i} S_ij − 2
    fallback = excluded.all(dim=1)
    # L_mean,i = max(0, α − S_ii + m_i)
    loss_mean = (margin - positive + mean_negative).clamp(min=0)
    # L_closest,i = max(0, α − S_ii + n_i)
    loss_closest = (margin - positive + closest_negative).clamp(min=0)
    if variant == "mean":
        loss = loss_mean.sum()
    elif variant == "closest":
        loss = loss_closest.sum()
    else:
        loss = (loss_mean + loss_closest).sum()
    return TripletTerms(
        S=S,
        positive=positive,
        mean_negative=mean_negative,
        closest_negative=closest_negative,
        closest_index=closest_index,
        fallback=fallback,
        loss_mean=loss_mean,
        loss_closest=loss_closest,
        loss=loss,
        margin=float(margin),
        variant=variant,
    )
