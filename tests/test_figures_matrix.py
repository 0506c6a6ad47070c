"""The one matrix heatmap builder, and the labs' matrices drawn with it."""

import ast
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

import seqviz.figures.matrix as matrix_module
from seqviz.figures import attention as afigs
from seqviz.figures import gates as gfigs
from seqviz.figures import gradients as grfigs
from seqviz.figures import positions as pfigs
from seqviz.figures import recurrent as rfigs
from seqviz.figures import word2vec as wfigs
from seqviz.figures.matrix import (
    color_range,
    matrix_heatmap,
    row_outline,
    symmetric_limit,
    token_axis_labels,
)
from seqviz.figures.style import ACCENT, CELL_NUMBER_SIZE, DIVERGING, SEQUENTIAL, STEP_LINE

ROOT = Path(__file__).resolve().parents[1]
M = np.array([[0.5, -2.0, 1.0], [0.25, 0.0, -0.75]])


def test_diverging_is_symmetric_about_zero_and_sequential_is_zero_to_one():
    hm = matrix_heatmap(M).data[0]
    assert (hm.colorscale, hm.zmin, hm.zmax, hm.zmid) == (
        go.Heatmap(colorscale=DIVERGING).colorscale,
        -2.0,
        2.0,
        0.0,
    )
    assert matrix_heatmap(M, zmax=5).data[0].zmin == -5.0
    seq = matrix_heatmap(np.abs(M) / 2, scale="sequential").data[0]
    assert seq.colorscale == go.Heatmap(colorscale=SEQUENTIAL).colorscale
    assert (seq.zmin, seq.zmax, seq.zmid) == (0.0, 1.0, None)
    assert color_range(M, "sequential", zmin=-3, zmax=1)["zmin"] == -3.0
    with pytest.raises(ValueError, match="scale"):
        matrix_heatmap(M, scale="rainbow")
    with pytest.raises(ValueError, match="matrix"):
        matrix_heatmap(np.zeros(3))


def test_symmetric_limit_ignores_non_finite_values_and_never_returns_zero():
    assert symmetric_limit(np.array([1.0, -3.0, np.inf, np.nan])) == 3.0
    assert symmetric_limit(np.zeros((2, 2))) == 1.0
    assert symmetric_limit(np.full(2, np.nan)) == 1.0
    assert symmetric_limit(M, zmax=-0.5) == 0.5


def test_numbers_in_cells_and_the_hover():
    hm = matrix_heatmap(M, cell_digits=1, hover="unit %{y}", value_name="h", hover_digits=2).data[0]
    assert np.asarray(hm.text).tolist() == [["0.5", "-2.0", "1.0"], ["0.2", "0.0", "-0.8"]]
    assert hm.texttemplate == "%{text}" and hm.textfont.size == CELL_NUMBER_SIZE
    assert hm.hovertemplate == "unit %{y}<br>h = %{z:.2f}<extra></extra>"
    assert hm.customdata is None  # all finite: the hover reads z
    assert matrix_heatmap(M).data[0].text is None


def test_masked_cells_are_blank_and_say_what_they_are():
    v = M.copy()
    v[0, 1], v[1, 2] = -np.inf, np.nan
    masked = matrix_heatmap(v, masked="−∞ (masked)").data[0]
    z = np.asarray(masked.z)
    assert np.isnan(z[0, 1]) and np.isnan(z[1, 2]) and z[0, 0] == 0.5
    assert np.asarray(masked.customdata).tolist() == [
        ["0.500", "−∞ (masked)", "1.000"],
        ["0.250", "0.000", "−∞ (masked)"],
    ]
    assert "%{customdata}" in masked.hovertemplate
    raw = np.asarray(matrix_heatmap(v).data[0].customdata)
    assert (raw[0, 1], raw[1, 2]) == ("-inf", "nan")  # unexpected: the value itself


def test_axes_named_by_categories_or_labelled_by_position():
    tokens = ["the", "<b>", "the"]
    labels = token_axis_labels(tokens)
    assert labels == ["the·0", "&lt;b&gt;·1", "the·2"]  # unique and escaped
    fig = matrix_heatmap(np.eye(3), rows=labels, cols=labels)
    assert list(fig.data[0].y) == labels and fig.layout.yaxis.type == "category"
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 on top
    ticks = matrix_heatmap(M, row_ticks=["a", "a"], col_ticks=["x", "y", "z"])
    assert ticks.data[0].y is None and list(ticks.layout.yaxis.ticktext) == ["a", "a"]
    assert list(ticks.layout.xaxis.tickvals) == [0, 1, 2]


def test_outlines_span_the_plot_and_ignore_rows_out_of_range():
    fig = matrix_heatmap(M, outline_rows=[1, 7, -1], outline_cols=[2])
    row, col = fig.layout.shapes
    assert (row.xref, row.x0, row.x1, row.y0, row.y1) == ("x domain", 0, 1, 0.5, 1.5)
    assert row.line.color == STEP_LINE and col.line.color == ACCENT
    assert (col.yref, col.x0, col.x1) == ("y domain", 1.5, 2.5)
    assert row_outline(1) == row.to_plotly_json()  # the same dict a frozen figure gets


def test_every_lab_matrix_is_drawn_by_the_one_builder(monkeypatch):
    """The four matrices of the labs (and the attention maps) go through heatmap_trace."""
    calls = []
    real = matrix_module.heatmap_trace

    def recording(*args, **kwargs):
        calls.append(kwargs.get("scale", "diverging"))
        return real(*args, **kwargs)

    monkeypatch.setattr(matrix_module, "heatmap_trace", recording)
    monkeypatch.setattr(afigs, "heatmap_trace", recording)
    h = np.tanh(np.random.default_rng(0).normal(size=(5, 4)))
    tokens = list("abcde")
    builders = {
        "hidden_heatmap": lambda: rfigs.hidden_heatmap(h, tokens),
        "gate_heatmap": lambda: gfigs.gate_heatmap((h + 1) / 2, tokens, gate="input"),
        "attention.matrix": lambda: afigs.matrix(h, tokens),
        "attention_map": lambda: afigs.attention_map(
            torch.softmax(torch.tensor(h[:, :4]), -1)[:4], tokens[:4]
        ),
        "network_matrix": lambda: wfigs.network_matrix(h, tokens, list("wxyz")),
        "grad_heatmap": lambda: grfigs.grad_heatmap(h, tokens),
        "positions_heatmap": lambda: pfigs.positions_heatmap(h),
        "model_view": lambda: afigs.model_view(np.full((1, 2, 3, 3), 1 / 3), list("abc")),
    }
    for name, build in builders.items():
        calls.clear()
        fig = build()
        assert calls, f"{name} does not draw with matrix.heatmap_trace"
        assert all(tr.type == "heatmap" for tr in fig.data)
    assert rfigs.hidden_heatmap(h, tokens).data[0].zmid == 0  # signed: diverging
    assert gfigs.gate_heatmap(h, tokens, gate="forget").data[0].zmin == 0  # gate: 0..1


def figure_aliases(tree: ast.Module) -> set[str]:
    """Names a module binds to seqviz.figures modules (``from seqviz.figures import x as y``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seqviz.figures"):
            for alias in node.names:
                names.add(alias.asname or alias.name)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("seqviz.figures"):
                    names.add(alias.asname or alias.name.split(".")[0])
    return names


def test_the_app_uses_only_public_figure_names():
    """No private helper (``_name``) of seqviz.figures is imported or called from app/."""
    private = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = figure_aliases(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "seqviz.figures"
            ):
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
            ):
                private.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not private, private
