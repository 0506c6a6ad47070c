"""Figures of LSTM and GRU gates and cell states over time.

Dimension letters: ``T`` time steps (one per input token), ``H`` hidden units.

Gates (after the sigmoid) live in 0..1 and use the sequential scale; the
candidate (after tanh), the cell state and hidden state are signed and use the
diverging scale centred on 0. Each gate has one colour, name and symbol everywhere
(:mod:`seqviz.figures.style`). The candidate is not a gate: it has its own figure
(:func:`candidate_timeseries`, axis -1..1), never a line among the gates. Labels
number the first step ``first`` (1 for the lecture's x_1 … x_T; the arrays and the
``step`` argument are indexed 0 .. T-1). NaN/±inf values never raise: cells are drawn blank,
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
    GATE_NAMES,
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

__all__ = [
    "candidate_timeseries",
    "cell_vs_hidden",
    "gate_heatmap",
    "gate_timeseries",
    "state_heatmap",
]


def gate_heatmap(
    values,
    tokens: Sequence[str] | None,
    step: int | None = None,
    gate: str = "forget",
    title: str | None = None,
    height: int | None = None,
    first: int = 0,
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
        first: the step number the labels give column 0.

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
        first=first,
    )


def state_heatmap(
    values,
    tokens: Sequence[str] | None,
    state: str = "cell",
    step: int | None = None,
    zmax: float | None = None,
    title: str | None = None,
    height: int | None = None,
    first: int = 0,
) -> go.Figure:
    """Units x time heatmap of a signed state: the cell state c_t or a hidden state h_t.

    Args:
        values: ``(T, H)`` states, e.g. ``trace.cell``.
        tokens: the ``T`` input tokens.
        state: ``"cell"`` (colour bar c) or ``"hidden"`` (colour bar h).
        step: current step to outline (0-based).
        zmax: colour range ``[-zmax, zmax]`` on the diverging scale; larger values take
            the end colours (the hover shows the true value). Default: the largest |value|.
        first: the step number the labels give column 0.
    """
    if state not in ("cell", "hidden"):
        raise ValueError(f"state is 'cell' or 'hidden', not {state!r}")
    letter = "c" if state == "cell" else "h"
    return units_by_time(
        values,
        tokens,
        step,
        scale="diverging",
        zmin=None,
        zmax=zmax,
        value_name=letter,
        colorbar_title=letter,
        title=title,
        height=height,
        first=first,
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
    first: int = 0,
    names: Mapping[str, str] | None = None,
) -> tuple[go.Figure, int]:
    """One line per entry of ``series`` (each ``(T,)``) over a token-labelled time axis.

    ``names`` gives a legend name per series (default: the key)."""
    arrays = {name: as_array(v).reshape(-1) for name, v in series.items()}
    lengths = {v.shape[0] for v in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"all series must have the same length, got {sorted(lengths)}")
    T = lengths.pop() if lengths else 0
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title), 0
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    labels = [[t + first, token_label(tok, compact=False)] for t, tok in enumerate(tokens)]
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
                name=(names or {}).get(name, name),
                line=dict(color=colors.get(name, NEUTRAL), width=3, dash=dashes.get(name)),
                marker=dict(size=7),
                customdata=labels,
                hovertemplate=f"{(names or {}).get(name, name)}<br>t = %{{customdata[0]}}<br>"
                "token %{customdata[1]}<br>%{y:.3f}<extra></extra>",
            )
        )
    tickvals, ticktext, stride = time_ticks(tokens, first=first)
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
        mark_step(fig, step, first)
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height), T


def gate_timeseries(
    series: Mapping[str, object],
    tokens: Sequence[str] | None,
    step: int | None = None,
    unit: int | None = None,
    title: str | None = None,
    height: int | None = 420,
    first: int = 0,
) -> go.Figure:
    """One line per gate of a chosen unit, in the gates' colours, on a 0..1 axis.

    Args:
        series: gate name -> ``(T,)`` values of one unit, e.g.
            ``{g: trace.gates[g][:, j] for g in trace.gates if g != "candidate"}``.
            Drawn in ``GATE_ORDER`` (LSTM then GRU order), named as in
            ``style.GATE_NAMES`` (``forget gate f<sub>t</sub>``).
        tokens: the ``T`` input tokens.
        step: current step to outline (0-based).
        unit: the unit's index, for the title.
        first: the step number the labels give step 0.

    Returns:
        ``go.Figure`` with one ``Scatter`` trace per gate (``trace.meta`` is the gate's
        name); the y axis is 0..1 (closed .. open).

    Raises:
        ValueError: for the candidate (signed, not a gate: see
            :func:`candidate_timeseries`) or a name that is not a gate.
    """
    if "candidate" in series:
        raise ValueError("the candidate is not a gate: draw it with candidate_timeseries")
    unknown = [name for name in series if name not in GATE_COLORS]
    if unknown:
        raise ValueError(f"not gates: {unknown}")
    order = [g for g in GATE_ORDER["lstm"] + GATE_ORDER["gru"] if g in series]
    ordered = {name: series[name] for name in dict.fromkeys(order)}
    if title is None:
        title = "Gates over time" + (f" (unit {int(unit)})" if unit is not None else "")
    fig, T = _time_lines(
        ordered, GATE_COLORS, {}, tokens, step, "gate value", title, height, first, GATE_NAMES
    )
    for trace, name in zip(fig.data, ordered, strict=False):
        trace.meta = name
    if T:
        fig.update_yaxes(range=[-0.03, 1.03])
    return fig


def candidate_timeseries(
    values,
    tokens: Sequence[str] | None,
    kind: str = "lstm",
    step: int | None = None,
    unit: int | None = None,
    title: str | None = None,
    height: int | None = 300,
    first: int = 0,
) -> go.Figure:
    """The candidate of one unit over time: g_t (LSTM) or n_t (GRU), a tanh in -1..1.

    It is the proposed new content, not a valve: signed, on its own -1..1 axis with
    a dotted line at 0, in the candidate's colour.
    """
    letter = "n" if kind == "gru" else "g"
    name = f"candidate {letter}<sub>t</sub>"
    if title is None:
        title = f"Candidate {letter}<sub>t</sub> over time" + (
            f" (unit {int(unit)})" if unit is not None else ""
        )
    fig, T = _time_lines(
        {name: values},
        {name: GATE_COLORS["candidate"]},
        {},
        tokens,
        step,
        f"{letter}<sub>t</sub> (tanh)",
        title,
        height,
        first,
    )
    if T:
        fig.update_yaxes(range=[-1.05, 1.05])
        fig.add_hline(y=0, line=dict(color=NEUTRAL, width=1, dash="dot"))
    return fig


def cell_vs_hidden(
    c,
    h,
    tokens: Sequence[str] | None,
    step: int | None = None,
    unit: int | None = None,
    title: str | None = None,
    height: int | None = 420,
    first: int = 0,
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
        first,
    )
    if T:
        fig.add_hline(y=0, line=dict(color=NEUTRAL, width=1, dash="dot"))
    return fig
