"""The gradient lab's figure builders draw the records they are given."""

import numpy as np
import torch

from seqviz import gradients, truncation
from seqviz.figures import gradients as gfigs
from seqviz.initialisation import build


def x(T=8, D=3):
    return torch.randn(T, D, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_jacobian_curves_draw_the_step_and_product_norms():
    for kind, state in (("lstm", "s"), ("gru", "h")):
        J = gradients.jacobians(build(kind, 3, 4).double(), x())
        fig = gfigs.jacobian_curves(J, 3, list("abcdefgh"))
        lines = {tr.name: tr for tr in fig.data}
        step = lines[f"‖∂{state}_t / ∂{state}_t−1‖₂, one step"]
        np.testing.assert_allclose(step.y, J.step_norms.numpy())
        np.testing.assert_allclose(lines["‖∂h_T/∂h_t‖₂, product of Jacobians"].y, J.product_norms)
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
    assert (shade.x0, shade.x1) == (-0.5, 8 - 3 - 0.5)
