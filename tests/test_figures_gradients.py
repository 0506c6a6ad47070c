"""The gradient lab's figure builders draw the records they are given."""

import numpy as np
import torch

from seqviz import gradients, truncation
from seqviz.figures import gradients as gfigs
from seqviz.initialisation import build


def x(T=8, D=3):
    return torch.randn(T, D, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_factor_curves_draw_the_factor_and_its_bound():
    for kind, state in (("lstm", "s"), ("gru", "h")):
        module = build(kind, 3, 4).double()
        J, flow = gradients.jacobians(module, x()), gradients.backprop(module, x())
        fig = gfigs.factor_curves(flow.factors, J.step_norms, 3, kind == "lstm", list("abcdefgh"))
        lines = {tr.legendgroup: tr for tr in fig.data}
        np.testing.assert_allclose(lines["bound"].y, J.step_norms.numpy())
        np.testing.assert_allclose(lines["factor"].y, flow.factors.numpy())
        np.testing.assert_array_equal(lines["factor"].x, np.arange(1, 9))  # t = 1 .. T
        assert f"∂{state}<sub>t</sub>" in lines["bound"].name
        assert lines["bound"].line.dash != lines["factor"].line.dash
        assert fig.layout.shapes[0].x0 == 3  # the step line


def test_truncation_curves_shade_the_cut_steps():
    module = build("rnn", 3, 4).double()
    tr = truncation.truncated_bptt(module, x(), 3, 0.5, 0)
    fig = gfigs.truncation_curves(tr)
    names = [t.name for t in fig.data]
    assert {"full BPTT", "truncated, k = 3", "randomized"} <= set(names)
    assert "truncated, k = 3: exactly 0" in names  # the cut steps, marked at the bottom
    np.testing.assert_allclose(fig.data[0].y, tr.hidden_norms["full"].numpy())
    shade = fig.layout.shapes[0]
    assert (shade.x0, shade.x1) == (0.5, 8 - 3 + 0.5)  # steps t = 1 .. T - k get nothing


def test_truncation_lines_are_each_drawn_differently():
    """Where the three schemes agree, their lines would cover each other: each has its own
    dash, width and marker, and the randomized line is drawn last (on top)."""
    module = build("rnn", 3, 4).double()
    tr = truncation.truncated_bptt(module, x(), 3, 0.9, 0)
    lines = [t for t in gfigs.truncation_curves(tr).data if t.legendgroup in tr.hidden_norms]
    assert [t.legendgroup for t in lines] == ["full", "truncated", "randomized"]
    styles = {(t.line.dash, t.line.width, t.mode, t.marker.symbol) for t in lines}
    assert len(styles) == 3
    full, _, randomized = lines
    assert full.line.width > 2 * randomized.line.width  # the wide band stays visible around it
    assert randomized.marker.symbol == "diamond" and "markers" in randomized.mode
