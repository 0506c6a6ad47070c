"""Figures of interpretable units: how often a unit's gate saturates, which units track a feature.

Dimension letters: ``H`` hidden units. The data come from :mod:`seqviz.units`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import (
    ANNOTATION_SIZE,
    FONT_SIZE,
    NEUTRAL,
    STEP_LINE,
    apply_layout,
    gate_color,
    gate_title,
)
from seqviz.figures.timeaxis import as_array, empty_figure, finite, note_non_finite

__all__ = ["saturation_scatter", "unit_ranking_bar"]


def saturation_scatter(
    frac_low,
    frac_high,
    gate: str,
    low: float = 0.1,
    high: float = 0.9,
    title: str | None = None,
    height: int | None = 600,
) -> go.Figure:
    """How often each unit's gate is saturated (Karpathy et al. 2015, Fig. 3).

    One dot per unit: x = fraction of steps the gate is left-saturated
    (``< low``, closed), y = fraction right-saturated (``> high``, open). Since
    the two fractions add up to at most 1 every dot lies in the triangle
    drawn as a guide; the corners are labelled.

    Args:
        frac_low: ``(H,)`` from ``seqviz.units.saturation``.
        frac_high: ``(H,)``.
        gate: gate name, sets the dot colour.
        low, high: the thresholds used, for the axis titles.

    Returns:
        ``go.Figure`` with one ``Scatter`` trace (the units) and one shape
        (the triangle). Units with a NaN fraction are not drawn.
    """
    color = gate_color(gate)
    lo = as_array(frac_low).reshape(-1)
    hi = as_array(frac_high).reshape(-1)
    if lo.shape != hi.shape:
        raise ValueError(f"frac_low and frac_high differ in shape: {lo.shape} vs {hi.shape}")
    lo, bad_lo = finite(lo)
    hi, bad_hi = finite(hi)
    H = lo.shape[0]
    fig = go.Figure(
        go.Scatter(
            x=lo,
            y=hi,
            mode="markers",
            marker=dict(size=14, color=color, opacity=0.8, line=dict(color="white", width=1)),
            customdata=np.arange(H),
            hovertemplate=(
                f"unit %{{customdata}}<br>closed (&lt; {low:g}): %{{x:.0%}} of steps<br>"
                f"open (&gt; {high:g}): %{{y:.0%}} of steps<extra></extra>"
            ),
            name="units",
            showlegend=False,
        )
    )
    fig.add_shape(
        type="path",
        path="M 0 0 L 1 0 L 0 1 Z",
        line=dict(color=NEUTRAL, width=2, dash="dash"),
        layer="below",
        name="triangle",
    )
    corners = [
        (0, 1, "always open", "left", "bottom"),
        (1, 0, "always closed", "right", "bottom"),
        (0, 0, "never saturated", "left", "top"),
    ]
    for x, y, text, xanchor, yanchor in corners:
        fig.add_annotation(
            x=x, y=y, text=text, showarrow=False, xanchor=xanchor, yanchor=yanchor,
            font=dict(size=ANNOTATION_SIZE - 2, color="#555555"), yshift=4 if y else -4,
        )  # fmt: skip
    fig.update_xaxes(
        title_text=f"fraction of steps closed (&lt; {low:g})",
        range=[-0.05, 1.05],
        tickformat=".0%",
        constrain="domain",
    )
    fig.update_yaxes(
        title_text=f"fraction of steps open (&gt; {high:g})",
        range=[-0.08, 1.08],
        tickformat=".0%",
        scaleanchor="x",
    )
    note_non_finite(fig, bad_lo + bad_hi)
    if title is None:
        title = f"How often is the {gate_title(gate)} saturated?"
    return apply_layout(fig, title, height)


def unit_ranking_bar(
    scores: Sequence[object],
    feature: str | None = None,
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Bar chart of the units that best track a feature and their Pearson r.

    Args:
        scores: ``seqviz.units.UnitScore`` items (anything with ``.unit`` and
            ``.r``), best first, as returned by ``rank_units``.
        feature: the feature's name, for the title.

    Returns:
        ``go.Figure`` with one horizontal ``Bar`` trace, best unit at the
        top, x fixed to -1..1; positive r in red, negative in blue (the ends
        of the diverging scale).
    """
    scores = list(scores)
    if title is None:
        title = "Units that track " + (
            f"“{html.escape(feature, quote=False)}”" if feature else "the feature"
        )
    if not scores:
        return empty_figure("No units to rank.", title)
    r = np.array([float(s.r) for s in scores])
    r, _ = finite(r)
    units = [int(s.unit) for s in scores]
    colors = ["#B2182B" if x >= 0 else "#2166AC" for x in np.nan_to_num(r)]
    fig = go.Figure(
        go.Bar(
            x=r,
            y=np.arange(len(scores)),
            orientation="h",
            marker=dict(color=colors),
            text=[f"{x:+.2f}" if np.isfinite(x) else "NaN" for x in r],
            textposition="outside",
            textfont=dict(size=FONT_SIZE),
            customdata=units,
            hovertemplate="unit %{customdata}<br>r = %{x:.3f}<extra></extra>",
            name="r",
        )
    )
    fig.add_vline(x=0, line=dict(color=STEP_LINE, width=1))
    fig.update_xaxes(range=[-1.15, 1.15], title_text="Pearson correlation r")
    fig.update_yaxes(
        tickvals=list(range(len(units))),
        ticktext=[f"unit {u}" for u in units],
        autorange="reversed",
    )
    return apply_layout(fig, title, height if height is not None else 140 + 44 * len(units))
