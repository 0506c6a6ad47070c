"""seqviz.batching: d2l's random and sequential partitioning."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqviz.batching import batches, partition, sequential_batches

sizes = st.tuples(st.integers(0, 300), st.integers(1, 6), st.integers(1, 12), st.integers(0, 50))


@given(sizes)
def test_sequential_reads_every_token_once_and_rows_continue(args):
    n, B, T, seed = args
    part = partition(n, B, T, "sequential", seed)
    covered = part.covered()
    assert len(covered) == len(set(covered))  # each token in exactly one slice
    assert all(0 <= p < n - 1 for p in covered)  # room for the target
    assert 0 <= part.offset <= T
    for i in range(1, part.num_batches):  # row b of batch i continues row b of batch i-1
        assert all(
            s == prev + T for s, prev in zip(part.starts[i], part.starts[i - 1], strict=True)
        )
    if part.num_batches:
        # the read positions of each row form one contiguous stream
        L = (n - part.offset - 1) // B
        assert part.starts[0] == tuple(part.offset + b * L for b in range(B))


@given(sizes)
def test_random_slices_are_disjoint_and_aligned(args):
    n, B, T, seed = args
    part = partition(n, B, T, "random", seed)
    covered = part.covered()
    assert len(covered) == len(set(covered))
    assert all(0 <= p < n - 1 for p in covered)
    assert 0 <= part.offset < T
    assert all((s - part.offset) % T == 0 for batch in part.starts for s in batch)


def test_offsets_are_random_but_seeded():
    offsets = {partition(1000, 4, 10, "sequential", seed).offset for seed in range(40)}
    assert len(offsets) > 3
    assert partition(1000, 4, 10, "random", 7) == partition(1000, 4, 10, "random", 7)
    assert partition(1000, 4, 10, "random", 7).starts != partition(1000, 4, 10, "random", 8).starts


def test_d2l_example_sequence_of_35():
    corpus = torch.arange(35)
    part = partition(35, 2, 5, "sequential", seed=0)
    for X, Y in batches(corpus, part):
        assert X.shape == (2, 5)
        assert torch.equal(Y, X + 1)


@settings(max_examples=30)
@given(sizes)
def test_reshape_fast_path_equals_the_positions(args):
    n, B, T, seed = args
    corpus = torch.arange(n) * 3
    slow = list(batches(corpus, partition(n, B, T, "sequential", seed)))
    fast = sequential_batches(corpus, B, T, seed)
    assert len(slow) == len(fast)
    for (x1, y1), (x2, y2) in zip(slow, fast, strict=True):
        assert torch.equal(x1, x2) and torch.equal(y1, y2)


def test_too_short_gives_no_batches():
    assert partition(3, 4, 10, "sequential").num_batches == 0
    assert partition(0, 1, 1, "random").num_batches == 0
