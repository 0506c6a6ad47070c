"""seqviz.figures.block: each builder draws what it is given, counted from 1."""

from __future__ import annotations

import numpy as np
import torch

from seqviz.figures import block as bf
from seqviz.figures import head_view as hf
from seqviz.figures import logit_lens as lf


def test_residual_stream_draws_the_stream_as_a_line_and_the_branches_as_bars():
    names = ["x⁰ (embedding + position)", "LN₁(x) [1]", "MHA [1]", "x + MHA [1]", "LN_f(x)"]
    kinds = ["stream", "branch", "branch", "stream", "branch"]
    fig = bf.residual_stream(
        names, kinds, [0, 1, 1, 1, 2], [1, 2, 3, 4, 5], [0.5, -1, 2, 2.5, 0], 6
    )
    bars, line, dims = fig.data
    assert list(bars.x) == [1, 2, 4] and list(line.x) == [0, 3]
    assert list(line.y) == [1, 4] and list(dims.y) == [0.5, -1, 2, 2.5, 0]
    assert fig.layout.xaxis2.ticktext == ("x⁰", "LN₁(x)", "MHA", "x + MHA", "LN_f(x)")
    assert fig.layout.yaxis2.title.text == "dim 7"


def test_head_view_draws_one_line_per_weight_above_the_threshold_in_the_heads_colour():
    w = torch.softmax(torch.randn(3, 5, 5, generator=torch.Generator().manual_seed(0)), -1)
    w = torch.tril(w)
    w = w / w.sum(-1, keepdim=True)
    for query in (None, 3):
        fig = hf.head_view(w, list("abcde"), query)
        lines = [d for d in fig.data if d.mode == "lines" and d.x[0] is not None]
        for h in range(3):
            mine = [d for d in lines if d.legendgroup == f"head {h + 1}"]
            assert all(d.line.color == bf.head_color(h) for d in mine)
            n = sum(sum(1 for x in d.x if x == 0.0) for d in mine)
            rows = range(5) if query is None else [query]
            assert n == sum(int((w[h, i] >= 0.02).sum()) for i in rows)
    legend = [d.name for d in fig.data if d.showlegend is not False and d.mode == "lines"]
    assert legend == ["head 1", "head 2", "head 3"]


def test_qkv_ffn_and_lens_figures():
    q, K, V = torch.randn(4), torch.randn(3, 4), torch.randn(3, 4)
    fig = bf.qkv(q, K, V, torch.tensor([0.2, 0.3, 0.5]), list("abc"), 2, 1)
    assert len(fig.data) == 4 and fig.layout.title.text.startswith("Head 2")
    np.testing.assert_allclose(fig.data[3].x, [0.2, 0.3, 0.5], rtol=1e-6)
    z = torch.linspace(-3, 3, 7)
    fig = bf.ffn_activations(z, torch.nn.functional.gelu(z), top=3)
    assert list(fig.data[2].y) == ["unit 7", "unit 6", "unit 5"]
    p = torch.softmax(torch.randn(3, 6), -1)
    v, i = torch.topk(p, 5)
    fig = lf.lens_topk(v, i, list("abcdef"), int(i[2, 0]))
    assert len(fig.data) == 3 and fig.data[2].marker.color[0] == bf.ACCENT
    fig = lf.lens_next(torch.rand(3, 4), list("abcde"), 2)
    assert fig.data[0].z.shape == (3, 4) and fig.layout.shapes[0].x0 == 1.5


def test_head_view_of_one_query_stops_at_the_query_under_a_causal_mask():
    w = torch.tril(torch.ones(2, 6, 6))
    w = w / w.sum(-1, keepdim=True)
    fig = hf.head_view(w, list("abcdef"), 2)
    columns = [d for d in fig.data if d.mode == "text"]
    assert [len(d.text) for d in columns] == [3, 3]  # a b c: nothing after t is drawn
    assert "c" in columns[0].text[2] and "▶" in columns[0].text[2]
    full = hf.head_view(w, list("abcdef"), None)
    assert [len(d.text) for d in full.data if d.mode == "text"] == [6, 6]
