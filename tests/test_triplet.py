"""seqviz.triplet: the triplet loss and both hard-negative variants against hand computations."""

import pytest
import torch

from seqviz.triplet import triplet_terms

# a 3 x 3 batch worked by hand (rows: anchors, columns: positives; diagonal = duplicates)
S = torch.tensor(
    [
        [0.9, 0.3, 0.5],  # row 1: negatives 0.3, 0.5 (both below 0.9) -> closest 0.5
        [0.6, 0.4, 0.2],  # row 2: 0.6 is above the positive 0.4, so closest = 0.2
        [0.7, 0.8, 0.1],  # row 3: every negative above 0.1 -> fallback 0.8 - 2 = -1.2
    ]
)
ALPHA = 0.25


def test_mean_negative_by_hand():
    t = triplet_terms(S, ALPHA)
    # m_i = sum of the off-diagonal row / (B - 1)
    assert t.mean_negative.tolist() == pytest.approx([(0.3 + 0.5) / 2, (0.6 + 0.2) / 2, 0.75])
    assert t.positive.tolist() == pytest.approx([0.9, 0.4, 0.1])


def test_closest_negative_by_hand_with_the_notes_fallback():
    t = triplet_terms(S, ALPHA)
    assert t.closest_negative.tolist() == pytest.approx([0.5, 0.2, 0.8 - 2.0])
    assert t.closest_index.tolist() == [2, 2, 1]
    assert t.fallback.tolist() == [False, False, True]


def test_loss_terms_and_each_variant_by_hand():
    t = triplet_terms(S, ALPHA)
    # L_mean,i = max(0, α − S_ii + m_i)
    l_mean = [max(0, 0.25 - 0.9 + 0.4), max(0, 0.25 - 0.4 + 0.4), max(0, 0.25 - 0.1 + 0.75)]
    # L_closest,i = max(0, α − S_ii + n_i)
    l_closest = [max(0, 0.25 - 0.9 + 0.5), max(0, 0.25 - 0.4 + 0.2), max(0, 0.25 - 0.1 - 1.2)]
    assert l_mean == pytest.approx([0.0, 0.25, 0.9])
    assert l_closest == pytest.approx([0.0, 0.05, 0.0])
    assert t.loss_mean.tolist() == pytest.approx(l_mean)
    assert t.loss_closest.tolist() == pytest.approx(l_closest)
    assert float(t.loss) == pytest.approx(sum(l_mean) + sum(l_closest))
    assert float(triplet_terms(S, ALPHA, "mean").loss) == pytest.approx(sum(l_mean))
    assert float(triplet_terms(S, ALPHA, "closest").loss) == pytest.approx(sum(l_closest))


def test_matches_a_loop_over_every_triplet_on_random_batches():
    g = torch.Generator().manual_seed(3)
    for _ in range(20):
        B = int(torch.randint(2, 9, (1,), generator=g))
        S_r = torch.rand(B, B, generator=g) * 2 - 1
        t = triplet_terms(S_r, 0.3)
        for i in range(B):
            negs = [float(S_r[i, j]) for j in range(B) if j != i]
            below = [x for x in negs if x <= float(S_r[i, i])]
            closest = max(below) if below else max(negs) - 2
            assert float(t.closest_negative[i]) == pytest.approx(closest)
            assert float(t.mean_negative[i]) == pytest.approx(sum(negs) / (B - 1))


def test_the_gradient_is_autograd_of_the_hand_formula():
    S_g = S.clone().requires_grad_(True)
    triplet_terms(S_g, ALPHA, "both").loss.backward()
    # only rows with a positive term pull: row 2 (both terms), row 3 (mean term)
    # ∂L/∂S_22 = −1 (mean) −1 (closest); ∂L/∂S_21 = 1/2 (mean); ∂L/∂S_23 = 1/2 + 1
    expected = torch.tensor([[0, 0, 0], [0.5, -2, 1.5], [0.5, 0.5, -1]])
    assert torch.allclose(S_g.grad, expected)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="variant"):
        triplet_terms(S, 0.1, "hardest")
    with pytest.raises(ValueError, match="square"):
        triplet_terms(torch.zeros(1, 1), 0.1)
