"""Language-model figures: the training curves stay aligned while a run appends to them."""

import math

from seqviz.figures import lm as lfigs


def test_training_curves_with_a_step_appended_but_not_its_loss_yet():
    # What a reader in another script thread can see mid-append.
    steps = list(range(1, 102))
    losses = [3.0 - 0.01 * i for i in range(100)]
    fig = lfigs.training_curves(steps, losses, [50, 100, 101], [9.0, 8.0])
    loss_trace = fig.data[0]
    assert len(loss_trace.x) == len(loss_trace.y)
    assert loss_trace.x[-1] == 100


def test_training_curves_perplexity_is_exp_of_loss():
    steps, losses = [1, 2, 3], [2.0, 1.0, 0.5]
    fig = lfigs.training_curves(steps, losses, window=1)
    ys = [list(t.y) for t in fig.data if t.y is not None and len(t.y) == 3]
    assert any(
        all(math.isclose(a, math.exp(b)) for a, b in zip(y, losses, strict=True)) for y in ys
    )
