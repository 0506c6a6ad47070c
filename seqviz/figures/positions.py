"""Figures of sinusoidal positional encodings: the encoding matrix and its dot products.

Dimension letters: ``n`` positions, ``dim`` encoding size.
"""

from __future__ import annotations

import plotly.graph_objects as go

from seqviz.figures.matrix import matrix_heatmap

__all__ = ["positions_heatmap", "similarity_heatmap"]


def positions_heatmap(pe, *, title: str | None = None, height: int = 420) -> go.Figure:
    """The (n, dim) positional-encoding matrix: positions down, dimensions across."""
    fig = matrix_heatmap(
        pe,
        zmax=1.0,
        value_name="PE",
        hover="position %{y}<br>dimension %{x}",
        hover_digits=4,
        title=title,
        height=height,
    )
    fig.update_yaxes(title_text="position pos")
    fig.update_xaxes(title_text="dimension (even: sin, odd: cos)")
    return fig


def similarity_heatmap(sim, *, title: str | None = None, height: int = 420) -> go.Figure:
    """(n, n) dot products PE_i · PE_j between positions."""
    fig = matrix_heatmap(
        sim,
        value_name="PE·PE",
        hover="positions %{y} and %{x}",
        colorbar=dict(title="dot"),
        title=title,
        height=height,
    )
    fig.update_yaxes(title_text="position i")
    fig.update_xaxes(title_text="position j")
    return fig
