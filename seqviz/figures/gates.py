"""Figures of LSTM and GRU gates and cell states over time.

Dimension letters: ``T`` time steps (one per input token), ``H`` hidden units.

Gates (after the sigmoid) live in 0..1 and use the sequential scale; the
candidate (after tanh), the cell state and hidden state are signed and use the
diverging scale centred on 0. Each gate has one colour, name and symbol everywhere
(:mod:`seqviz.figures.style`). NaN/±inf values never raise: cells are drawn blank,
line points become gaps, and a note above the plot counts them. How often units
saturate is in :mod:`seqviz.figures.units`, the text coloured by one unit in
:mod:`seqviz.figures.coloured_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.heatmap import units_by_time
from seqviz.figures.style import (
    GATE_COLORS,
    GATE_ORDER,
    GATE_SYMBOLS,
    NEUTRAL,
    STATE_COLORS,
    apply_layout,
    gate_color,
    gate_title,
    token_label,
)
from seqviz.figures.timeaxis import (
    as_array,
    check_tokens,
    clip_step,
    empty_figure,
    finite,
    mark_step,
    note_non_finite,
    time_axis_title,
    time_ticks,
)

__all__ = ["cell_vs_hidden", "gate_heatmap", "gate_timeseries"]


def gate_heatmap(
    values,
    tokens: Sequence[str] | None,
    step: int | None = None,
    gate: str = "forget",
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Units x time heatmap of one gate, with the axes of ``hidden_heatmap``.

    Args:
        values: ``(T, H)`` gate activations, e.g. ``trace.gates["forget"]``.
        tokens: the ``T`` input tokens (x tick labels).
        step: current step to outline.
        gate: ``"input"``, ``"forget"``, ``"output"``, ``"reset"``, ``"update"``
            (sequential scale, fixed 0..1) or ``"candidate"`` (tanh output:
            diverging scale, fixed -1..1).
        title: default: the gate's name and symbol in the gate's colour.

    Returns:
        ``go.Figure`` with one ``Heatmap`` trace of ``z = values.T (H, T)``.

    Raises:
        ValueError: for an unknown gate name.
    """
    gate_color(gate)  # validates the name
    signed = gate == "candidate"
    return units_by_time(
        values,
        tokens,
        step,
        scale="diverging" if signed else "sequential",
        zmin=None if signed else 0.0,
        zmax=1.0,
        value_name=gate,
        colorbar_title=GATE_SYMBOLS[gate] if not signed else "value",
        title=title if title is not None else gate_title(gate),
        height=height,
    )


def _time_lines(
    series: Mapping[str, object],
    colors: Mapping[str, str],
    dashes: Mapping[str, str],
    tokens: Sequence[str] | None,
    step: int | None,
    y_title: str,
    title: str | None,
    height: int | None,
) -> tuple[go.Figure, int]:
    """One line per entry of ``series`` (each ``(T,)``) over a token-labelled time axis."""
    arrays = {name: as_array(v).reshape(-1) for name, v in series.items()}
    lengths = {v.shape[0] for v in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"all series must have the same length, got {sorted(lengths)}")
    T = lengths.pop() if lengths else 0
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title), 0
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    labels = [token_label(tok, compact=False) for tok in tokens]
    fig = go.Figure()
    n_bad = 0
    for name, v in arrays.items():
        v, bad = finite(v)
        n_bad += bad
        fig.add_trace(
            go.Scatter(
                x=np.arange(T),
                y=v,
                mode="lines+markers" if T <= 60 else "lines",
                name=name,
                line=dict(color=colors.get(name, NEUTRAL), width=3, dash=dashes.get(name)),
                marker=dict(size=7),
                customdata=labels,
                hovertemplate=f"{name}<br>t = %{{x}}<br>token %{{customdata}}<br>"
                "%{y:.3f}<extra></extra>",
            )
        )
    tickvals, ticktext, stride = time_ticks(tokens)
    fig.update_xaxes(
        tickvals=tickvals,
        ticktext=ticktext,
        title_text=time_axis_title(stride),
        range=[-0.5, T - 0.5],
    )
    fig.update_yaxes(title_text=y_title)
    # beside the plot, top right: above it, the legend ran into the title at half width
    fig.update_layout(
        legend=dict(orientation="v", x=1.01, xanchor="left", y=1.0, yanchor="top"),
        showlegend=True,
    )
    if step is not None:
        mark_step(fig, step)
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height), T


def gate_timeseries(
    series: Mapping[str, object],
    tokens: Sequence[str] | None,
    step: int | None = None,
    unit: int | None = None,
    title: str | None = None,
    height: int | None = 420,
) -> go.Figure:
    """One line per gate of a chosen unit, in the gates' colours.

    Args:
        series: gate name -> ``(T,)`` values of one unit, e.g.
            ``{g: trace.gates[g][:, j] for g in trace.gates}``. Drawn in
            ``GATE_ORDER`` (LSTM then GRU order); names that are not gates
            are drawn in grey after them.
        tokens: the ``T`` input tokens.
        step: current step to outline.
        unit: the unit's index, for the title.

    Returns:
        ``go.Figure`` with one ``Scatter`` trace per series. The y axis is
        0..1, or -1..1 when a series goes below 0 (the tanh candidate).
    """
    order = [g for g in GATE_ORDER["lstm"] + GATE_ORDER["gru"] if g in series]
    order = list(dict.fromkeys(order)) + [name for name in series if name not in GATE_COLORS]
    ordered = {name: series[name] for name in order}
    if title is None:
        title = "Gates over time" + (f" (unit {int(unit)})" if unit is not None else "")
    fig, T = _time_lines(ordered, GATE_COLORS, {}, tokens, step, "gate value", title, height)
    if T:
        values = np.concatenate([as_array(v).reshape(-1) for v in ordered.values()])
        signed = bool(np.any(values[np.isfinite(values)] < 0))
        fig.update_yaxes(range=[-1.05, 1.05] if signed else [-0.03, 1.03])
    return fig


def cell_vs_hidden(
    c,
    h,
    tokens: Sequence[str] | None,
    step: int | None = None,
    unit: int | None = None,
    title: str | None = None,
    height: int | None = 420,
) -> go.Figure:
    """Cell state ``c_t`` and hidden state ``h_t = o_t * tanh(c_t)`` of one unit.

    Args:
        c: ``(T,)`` cell state of the unit (may leave -1..1: it is not squashed).
        h: ``(T,)`` hidden state of the unit (in -1..1).
        tokens: the ``T`` input tokens.
        step: current step to outline.

    Returns:
        ``go.Figure`` with two ``Scatter`` traces, the cell state (black,
        solid) and the hidden state (grey, dashed), and a dotted line at 0.
    """
    if title is None:
        title = "Cell state vs hidden state" + (f" (unit {int(unit)})" if unit is not None else "")
    names = {"c<sub>t</sub> (cell)": "cell", "h<sub>t</sub> (hidden)": "hidden"}
    fig, T = _time_lines(
        {"c<sub>t</sub> (cell)": c, "h<sub>t</sub> (hidden)": h},
        {name: STATE_COLORS[kind] for name, kind in names.items()},
        {"h<sub>t</sub> (hidden)": "dash"},
        tokens,
        step,
        "value",
        title,
        height,
    )
    if T:
        fig.add_hline(y=0, line=dict(color=NEUTRAL, width=1, dash="dot"))
    return fig
