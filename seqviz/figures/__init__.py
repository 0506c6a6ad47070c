"""Pure figure builders: (arrays, tokens, options) -> plotly ``go.Figure``.

No Streamlit, no training, no autograd. Arrays may be numpy arrays or torch
tensors. Visual conventions (colours, scales, gate names, fonts) live in
:mod:`seqviz.figures.style`; every matrix is drawn by
:func:`seqviz.figures.matrix.matrix_heatmap`.

One module per concept: ``recurrent`` (hidden state over time), ``projection``
(its PCA path), ``unrolling`` (the unrolled diagram), ``predictions`` (next-token
bars), ``gates`` (gates and cell state), ``units`` (saturation, units that track a
feature), ``coloured_text`` (the text coloured by a unit), ``attention``,
``self_attention`` (one pass over a sentence, step by step), ``positions``,
``word2vec``, ``embeddings``, ``gradients``, ``lm``, ``text``; ``overlay`` keeps a
figure frozen and draws the current step on it; ``heatmap`` and ``timeaxis`` are the
units x time heatmap and the time axis they share.
"""

from seqviz.figures.coloured_text import text_activation, text_step_marker
from seqviz.figures.gates import cell_vs_hidden, gate_heatmap, gate_timeseries
from seqviz.figures.matrix import matrix_heatmap, row_outline, token_axis_labels
from seqviz.figures.predictions import topk_bar
from seqviz.figures.projection import trajectory, trajectory_step_marker
from seqviz.figures.recurrent import hidden_heatmap, norms_over_time
from seqviz.figures.units import saturation_scatter, unit_ranking_bar
from seqviz.figures.unrolling import unrolled

__all__ = [
    "cell_vs_hidden",
    "gate_heatmap",
    "gate_timeseries",
    "hidden_heatmap",
    "matrix_heatmap",
    "norms_over_time",
    "row_outline",
    "saturation_scatter",
    "text_activation",
    "text_step_marker",
    "token_axis_labels",
    "topk_bar",
    "trajectory",
    "trajectory_step_marker",
    "unit_ranking_bar",
    "unrolled",
]
