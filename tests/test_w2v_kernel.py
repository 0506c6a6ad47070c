"""The compiled per-pair skip-gram loop against the minibatch step and autograd."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from seqviz import w2v_kernel
from seqviz.w2v_training import alias_table, cbow_sgd_step, negative_sgd_step


def weights(V: int, E: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(V, E, generator=g) * 0.5, torch.randn(V, E, generator=g) * 0.5


def distinct_targets(V: int, P: int, K: int, seed: int) -> torch.Tensor:
    """(P, 1 + K): each pair's context word and K negatives, no id twice in a pair."""
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randperm(V, generator=g)[: 1 + K] for _ in range(P)])


@given(
    V=st.integers(8, 30),
    E=st.integers(1, 12),
    K=st.integers(1, 6),
    P=st.integers(1, 12),
    lr=st.floats(0.001, 1.0),
    seed=st.integers(0, 10_000),
)
def test_pair_by_pair_equals_the_minibatch_step_taken_one_pair_at_a_time(V, E, K, P, lr, seed):
    W, W_out = weights(V, E, seed)
    centers = torch.randint(0, V, (P,), generator=torch.Generator().manual_seed(seed + 1))
    targets = distinct_targets(V, P, K, seed + 2)
    W_ref, W_out_ref = W.clone(), W_out.clone()
    want = 0.0
    for p in range(P):
        want += negative_sgd_step(
            W_ref, W_out_ref, centers[p : p + 1], targets[p : p + 1, 0], targets[p : p + 1, 1:], lr
        )
    got = w2v_kernel.sgd_pairs(W, W_out, centers, targets, lr)
    assert got == pytest.approx(want, rel=1e-4, abs=1e-5)
    torch.testing.assert_close(W, W_ref, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(W_out, W_out_ref, rtol=1e-4, atol=1e-5)


def test_targets_are_taken_in_turn_as_word2vec_c_does():
    """A negative drawn twice for one pair sees its own first update (autograd, target by
    target: v'_t steps at once, h takes the sum of its gradients at the end); a negative
    that is the context word is skipped."""
    V, E, lr = 6, 5, 0.3
    W, W_out = weights(V, E, 3)
    c, targets = 2, [4, 1, 1, 4, 0]  # context 4; negatives 1, 1 (twice), 4 (skipped), 0
    h = W[c].clone()
    v = W_out.clone()
    dh = torch.zeros(E)
    loss = 0.0
    for k, t in enumerate(targets):
        if k > 0 and t == targets[0]:
            continue
        h_k, v_t = h.clone().requires_grad_(), v[t].clone().requires_grad_()
        s = h_k @ v_t
        # L_t = -log σ(s) for the context word, -log σ(-s) for a negative
        L = -F.logsigmoid(s if k == 0 else -s)
        L.backward()
        loss += float(L.detach())
        dh += h_k.grad
        v[t] = v_t.detach() - lr * v_t.grad
    want_W = W.clone()
    want_W[c] = h - lr * dh
    got = w2v_kernel.sgd_pairs(W, W_out, torch.tensor([c]), torch.tensor([targets]), lr)
    assert got == pytest.approx(loss, rel=1e-5)
    torch.testing.assert_close(W, want_W)
    torch.testing.assert_close(W_out, v)


def test_each_pair_sees_the_rows_the_last_one_moved():
    """Two identical pairs: the second's step is smaller than the first's (its score has
    already moved towards the label), unlike a minibatch that adds two equal steps."""
    W, W_out = weights(5, 4, 1)
    pairs, targets = torch.tensor([0, 0]), torch.tensor([[1, 2], [1, 2]])
    before = W[0].clone()
    w2v_kernel.sgd_pairs(W, W_out, pairs[:1], targets[:1], 0.5)
    first = (W[0] - before).norm()
    mid = W[0].clone()
    w2v_kernel.sgd_pairs(W, W_out, pairs[1:], targets[1:], 0.5)
    second = (W[0] - mid).norm()
    assert 0 < second < first


def test_the_sampled_loop_is_the_loop_over_its_own_draws():
    V, E, K, P = 40, 8, 5, 300
    noise = torch.rand(V) + 0.1
    table = alias_table(noise)
    W, W_out = weights(V, E, 7)
    g = torch.Generator().manual_seed(8)
    centers, contexts = (
        torch.randint(0, V, (P,), generator=g),
        torch.randint(0, V, (P,), generator=g),
    )
    negatives = w2v_kernel.draw_negatives(table, w2v_kernel.stream_seed(4, 1, 2), P * K).view(P, K)
    targets = torch.cat([contexts[:, None], negatives], 1)
    A = (W.clone(), W_out.clone())
    B = (W.clone(), W_out.clone())
    want = w2v_kernel.sgd_pairs(*A, centers, targets, 0.05)
    got = w2v_kernel.sgd_pairs_sampled(
        *B, centers, contexts, K, table, w2v_kernel.stream_seed(4, 1, 2), 0.05
    )
    assert got == want
    assert torch.equal(A[0], B[0]) and torch.equal(A[1], B[1])
    again = w2v_kernel.draw_negatives(table, w2v_kernel.stream_seed(4, 1, 3), P * K)
    assert not torch.equal(again, negatives.view(-1))  # another step, other draws


def test_negatives_follow_the_noise_distribution():
    noise = torch.tensor([0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0])
    n = 200_000
    draws = w2v_kernel.draw_negatives(alias_table(noise), w2v_kernel.stream_seed(1), n)
    freq = torch.bincount(draws, minlength=6).double() / n
    sd = (noise.double() * (1 - noise.double()) / n).sqrt()
    assert (freq - noise.double()).abs().le(5 * sd + 1e-12).all(), freq
    assert freq[5] == 0  # a word with no mass is never drawn


def test_streams_from_nearby_keys_are_unrelated():
    table = alias_table(torch.ones(1000))
    a = w2v_kernel.draw_negatives(table, w2v_kernel.stream_seed(0, 0, 0), 2000).double()
    b = w2v_kernel.draw_negatives(table, w2v_kernel.stream_seed(0, 0, 1), 2000).double()
    assert abs(float(torch.corrcoef(torch.stack([a, b]))[0, 1])) < 0.1
    assert (a == b).float().mean() < 0.01


def test_the_loss_stays_finite_at_extreme_scores():
    W = torch.full((3, 4), 30.0)
    W_out = torch.full((3, 4), -30.0)  # s = -3600 for the context word: σ underflows
    loss = w2v_kernel.sgd_pairs(W, W_out, torch.tensor([0]), torch.tensor([[1, 2]]), 1e-6)
    assert math.isfinite(loss) and loss == pytest.approx(3600.0, rel=1e-3)
    assert torch.isfinite(W).all() and torch.isfinite(W_out).all()


def test_only_float32_contiguous_rows_are_updated_in_place():
    W = torch.zeros(4, 3, dtype=torch.float64)
    with pytest.raises(TypeError):
        w2v_kernel.sgd_pairs(W, W.clone(), torch.tensor([0]), torch.tensor([[1, 2]]), 0.1)
    W = torch.zeros(3, 4).T
    with pytest.raises(ValueError):
        w2v_kernel.sgd_pairs(W, W.clone(), torch.tensor([0]), torch.tensor([[1, 2]]), 0.1)


def test_the_shown_source_is_the_compiled_loop():
    """The lab's "show the code" prints one_pair; the loops run it compiled: the same
    numbers in plain Python."""
    W, W_out = weights(7, 5, 11)
    targets = torch.tensor([3, 1, 3, 6])
    A, B = (W.clone(), W_out.clone()), (W.clone(), W_out.clone())
    scratch = torch.zeros(5).numpy()
    plain = w2v_kernel.one_pair(A[0].numpy(), A[1].numpy(), 2, targets.numpy(), 0.2, scratch)
    compiled = w2v_kernel.sgd_pairs(*B, torch.tensor([2]), targets[None], 0.2)
    assert plain == pytest.approx(compiled, rel=1e-6)
    torch.testing.assert_close(A[0], B[0])
    torch.testing.assert_close(A[1], B[1])


@given(
    V=st.integers(12, 30),
    E=st.integers(1, 10),
    K=st.integers(1, 5),
    P=st.integers(1, 8),
    lr=st.floats(0.001, 1.0),
    seed=st.integers(0, 10_000),
)
def test_window_by_window_equals_the_cbow_minibatch_step_one_window_at_a_time(V, E, K, P, lr, seed):
    W, W_out = weights(V, E, seed)
    g = torch.Generator().manual_seed(seed + 1)
    contexts = torch.randint(0, V, (P, 4), generator=g)
    mask = (torch.rand(P, 4, generator=g) < 0.7).float()
    mask[:, 0] = 1.0  # every window holds a context word
    table = alias_table(torch.rand(V, generator=g) + 0.1)
    # the loop's own draws, and centres that none of them equals (the minibatch step
    # takes a pair's targets at once, the loop in turn: they agree when none repeats)
    negatives = w2v_kernel.draw_negatives(table, w2v_kernel.stream_seed(seed), P * K).view(P, K)
    centers = torch.tensor(
        [next(c for c in range(V) if c not in row) for row in negatives.tolist()]
    )
    if any(len(set(row)) < K for row in negatives.tolist()):
        return  # a negative drawn twice for one window: the other test's case
    W_ref, W_out_ref = W.clone(), W_out.clone()
    want = sum(
        cbow_sgd_step(
            W_ref,
            W_out_ref,
            centers[p : p + 1],
            contexts[p : p + 1],
            mask[p : p + 1],
            negatives[p : p + 1],
            lr,
        )
        for p in range(P)
    )
    got = w2v_kernel.sgd_windows_sampled(
        W, W_out, centers, contexts, mask, K, table, w2v_kernel.stream_seed(seed), lr
    )
    assert got == pytest.approx(want, rel=1e-4, abs=1e-5)
    torch.testing.assert_close(W, W_ref, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(W_out, W_out_ref, rtol=1e-4, atol=1e-5)


def test_an_empty_window_changes_nothing():
    W, W_out = weights(6, 3, 2)
    before = (W.clone(), W_out.clone())
    table = alias_table(torch.ones(6))
    loss = w2v_kernel.sgd_windows_sampled(
        W,
        W_out,
        torch.tensor([1]),
        torch.tensor([[2, 3]]),
        torch.zeros(1, 2),
        2,
        table,
        w2v_kernel.stream_seed(0),
        0.5,
    )
    assert loss == 0.0 and torch.equal(W, before[0]) and torch.equal(W_out, before[1])
