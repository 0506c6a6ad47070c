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


def _rollout(V: int, T: int = 20, height=None):
    import numpy as np

    vocab = ["<unk>", " ", *"abcdefghijklmnopqrstuvwxyz0123456789.,;:!?"][:V]
    probs = np.full((T, V), 1 / V)
    return lfigs.rollout_figure(
        vocab[1:2] * T, vocab[2:3] * T, probs, [1.0] * T, vocab, height=height
    )


def _px_per_row(fig, V: int) -> float:
    lay = fig.layout
    plot = lay.height - lay.margin.t - lay.margin.b
    d0, d1 = lay.yaxis.domain
    return (d1 - d0) * plot / V


def test_every_heatmap_row_label_has_room_even_scaled_for_the_projector():
    """28 characters (the pretrained model's vocabulary): each row is at least 1.2 x its
    tick label's size, in normal mode and after lecture mode's 1.3 x font scale."""
    from app.frame import PROJECTOR_SCALE

    for V in (5, 28, 40):
        fig = _rollout(V)
        tick = fig.layout.yaxis.tickfont.size
        assert tick >= 14
        assert _px_per_row(fig, V) >= 1.2 * tick * PROJECTOR_SCALE, V
        assert list(fig.layout.yaxis.tickvals) == list(range(V))  # every label is drawn


def test_a_squashed_height_is_what_made_the_labels_overlap():
    """The old fixed 560 px gave 28 rows about 10 px each: the test above would fail."""
    fig = _rollout(28, height=560)
    assert _px_per_row(fig, 28) < 1.2 * fig.layout.yaxis.tickfont.size
