"""Pure figure builders: (arrays, tokens, options) -> plotly ``go.Figure``.

No Streamlit, no training, no autograd. Arrays may be numpy arrays or torch
tensors. Visual conventions (colours, scales, fonts) live in
:mod:`seqviz.figures.style`.
"""

from seqviz.figures.gates import (
    cell_vs_hidden,
    gate_heatmap,
    gate_timeseries,
    saturation_scatter,
    text_activation,
    unit_ranking_bar,
)
from seqviz.figures.recurrent import (
    hidden_heatmap,
    norms_over_time,
    topk_bar,
    trajectory,
    unrolled,
)

__all__ = [
    "cell_vs_hidden",
    "gate_heatmap",
    "gate_timeseries",
    "hidden_heatmap",
    "norms_over_time",
    "saturation_scatter",
    "text_activation",
    "topk_bar",
    "trajectory",
    "unit_ranking_bar",
    "unrolled",
]
