"""The RNN lab's figures: unit orders, the heatmap revealed up to step t, the trajectory so
far, and the unrolled diagram drawn as the models compute (1-based labels, h_0 = 0)."""

import numpy as np
import pytest
import torch

from seqviz.figures.overlay import freeze
from seqviz.figures.projection import trajectory_so_far
from seqviz.figures.recurrent import hidden_heatmap, hide_future
from seqviz.figures.unrolling import BOX_H, BOX_W, unrolled
from seqviz.unit_order import order_units


@pytest.fixture
def h():
    g = torch.Generator().manual_seed(0)
    return torch.tanh(torch.randn(12, 10, generator=g) * 2)  # (T, H)


def test_active_order_is_the_top_k_by_mean_absolute_value(h):
    units = order_units(h, "active", k=4)
    activity = h.abs().mean(0)
    assert units == torch.argsort(activity, descending=True)[:4].tolist()
    assert order_units(h, "active", k=99) == torch.argsort(activity, descending=True).tolist()


def test_change_order_sorts_every_unit_by_the_step_of_its_largest_jump(h):
    units = order_units(h, "change")
    assert sorted(units) == list(range(10))
    prev = torch.cat([torch.zeros(1, 10), h[:-1]])  # h_0 = 0
    when = (h - prev).abs().argmax(0)
    assert [int(when[j]) for j in units] == sorted(int(w) for w in when)


def test_as_is_and_bad_arguments(h):
    assert order_units(h, "as-is") == list(range(10))
    with pytest.raises(ValueError, match="how must be"):
        order_units(h, "random")
    with pytest.raises(ValueError, match="k must be"):
        order_units(h, "active", k=0)
    nan = h.clone()
    nan[3, 2] = float("nan")
    assert len(order_units(nan, "change")) == 10


def test_heatmap_rows_are_the_chosen_units_labelled_by_number(h):
    fig = hidden_heatmap(h, list("abcdefghijkl"), units=[7, 2, 5])
    assert list(fig.data[0].y) == [7, 2, 5]
    assert fig.layout.yaxis.type == "category"
    np.testing.assert_allclose(fig.data[0].z, h[:, [7, 2, 5]].T.numpy(), rtol=1e-6)
    # hover counts the steps from 1: the first column is x_1
    assert fig.data[0].x[0].startswith("t = 1<br>")


def test_hide_future_blanks_the_columns_not_read_yet(h):
    tokens = list("abcdefghijkl")
    base = freeze(hidden_heatmap(h, tokens, units=[0, 1, 2]))
    z = h[:, [0, 1, 2]].T.numpy()
    fig = hide_future(base, z, 4)
    shown = np.asarray(fig.data[0].z)
    assert np.isfinite(shown[:, :5]).all() and np.isnan(shown[:, 5:]).all()
    np.testing.assert_allclose(shown[:, :5], z[:, :5], rtol=1e-6)
    assert fig.data[0].hoverongaps is False
    marks = [a.text for a in fig.layout.annotations if a.text and "t =" in a.text]
    assert marks == ["<b>t = 5</b>"]
    grey = [s for s in fig.layout.shapes if s.name == "not read yet"]
    assert len(grey) == 1 and grey[0].x0 == 4.5 and grey[0].x1 == 11.5
    last = hide_future(base, z, 11)
    assert np.isfinite(np.asarray(last.data[0].z)).all()
    assert not [s for s in last.layout.shapes if s.name == "not read yet"]
    assert "shapes" not in base["layout"] or not any(
        s.get("name") == "not read yet" for s in base["layout"]["shapes"]
    )


def test_trajectory_so_far_draws_only_the_states_read(h):
    P = h[:, :2].numpy()
    fig = trajectory_so_far(P, list("abcdefghijkl"), step=6, first=1)
    path, recent, steps, current = fig.data
    assert len(path.x) == 7 and len(steps.x) == 7 and len(recent.x) == 7
    assert len(trajectory_so_far(P, list("abcdefghijkl"), step=11, labelled=4).data[1].x) == 4
    opacity = np.asarray(steps.marker.opacity)
    assert opacity[0] == pytest.approx(0.15) and opacity[-1] == pytest.approx(1.0)
    assert np.all(np.diff(opacity) > 0)  # older points fade
    assert current.x[0] == pytest.approx(P[6, 0]) and "t = 7" in current.text[0]
    # the axes cover the whole text, so the view stays put as the path grows
    assert fig.layout.xaxis.range[0] < P[:, 0].min() and fig.layout.xaxis.range[1] > P[:, 0].max()
    few = trajectory_so_far(P, list("abcdefghijkl"), step=11, labelled=3)
    assert [t for t in few.data[2].text if t] == ["j", "k", "l"]


def _arrows(fig):
    return [a for a in fig.layout.annotations if a.showarrow]


def test_bidirectional_output_reads_the_neighbours_not_h_t():
    fig = unrolled(list("abcde"), step=2, bidirectional=True)
    out_row = 3  # inputs 0, forward 1, backward 2, outputs 3
    into_y = [a for a in _arrows(fig) if a.y == pytest.approx(out_row - BOX_H)]
    for t in range(5):
        starts = sorted(round(a.ax) for a in into_y if abs(a.x - t) < 0.2)
        # from column t-1 (forward) and t+1 (backward); beyond an end, the zero state
        assert starts == [t - 1, t + 1], (t, starts)
    rows = {round(a.ay - BOX_H) for a in into_y if 0 < a.ax + 0.2 and a.ax < 4.2}
    assert rows <= {1, 2}
    texts = "".join(a.text or "" for a in fig.layout.annotations)
    assert "h<sub>0</sub><sup>→</sup> = 0" in texts and "h<sub>6</sub><sup>←</sup> = 0" in texts
    assert "ŷ<sub>t</sub> guesses x<sub>t</sub>" in texts


def test_backward_inputs_start_at_their_input_box():
    fig = unrolled(list("abcde"), step=2, bidirectional=True)
    bends = [s for s in fig.layout.shapes if s.type == "path"]
    assert len(bends) == 5
    for t, bend in enumerate(bends):
        x0, y0 = (float(v) for v in bend.path.split(" L ")[0][2:].split(","))
        assert abs(x0 - t) < BOX_W and y0 == pytest.approx(BOX_H)  # top edge of x_t's box
