"""seqviz.figures.tagging: the right traces with the numbers they are given."""

import numpy as np
import torch

from seqviz.figures import tagging as tfigs
from seqviz.ner_data import TAGS

WORDS = ["Teddy", "<b>", "sale"]


def test_tag_probabilities_draws_every_cell_and_rings_the_chosen_tag():
    p = torch.softmax(torch.randn(3, len(TAGS), generator=torch.Generator().manual_seed(0)), -1)
    fig = tfigs.tag_probabilities(p, WORDS, TAGS, unknown=[True, False, False], step=1)
    heat, ring = fig.data
    np.testing.assert_allclose(np.asarray(heat.z), p.T.numpy(), rtol=1e-6)
    assert list(ring.y) == p.argmax(-1).tolist()
    assert [s.x0 for s in fig.layout.shapes] == [0.5]  # word 2 outlined
    ticks = fig.layout.xaxis.ticktext
    assert ticks[0].startswith("Teddy<sup>?</sup>") and "&lt;b&gt;" in ticks[1]


def test_logit_split_stacks_to_the_logit():
    f, b, bias = torch.tensor([1.0, -2.0]), torch.tensor([0.5, 0.25]), torch.tensor([0.1, 0.2])
    fig = tfigs.logit_split(f, b, bias, ["O", "B-PER"], chosen=0)
    bars = [t for t in fig.data if t.type == "bar"]
    total = next(t for t in fig.data if t.type == "scatter")
    assert len(bars) == 3 and fig.layout.barmode == "relative"
    np.testing.assert_allclose(sum(np.asarray(t.y) for t in bars), np.asarray(total.y), rtol=1e-6)
    assert list(total.x)[0] == "<b>O</b>"
    assert (
        len([t for t in tfigs.logit_split(f, None, bias, ["O", "B-PER"]).data if t.type == "bar"])
        == 2
    )


def test_confusion_rows_are_shares():
    fig = tfigs.confusion([[3, 1], [0, 0]], ["O", "B-PER"])
    z = np.asarray(fig.data[0].z)
    np.testing.assert_allclose(z, [[0.75, 0.25], [0.0, 0.0]])


def test_curves_and_states():
    fig = tfigs.f1_curve([100, 200], [0.2, 0.4], [1.0, 0.5, 0.3])
    assert [t.name for t in fig.data] == ["training loss", "held-out entity F1"]
    states = tfigs.direction_states(torch.zeros(3, 4), WORDS, 2)
    assert np.asarray(states.data[0].z).shape == (4, 3)
