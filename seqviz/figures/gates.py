"""Figures of LSTM and GRU gates, cell states and interpretable units.

Dimension letters: ``T`` time steps (one per input token), ``H`` hidden units.

Gates (after the sigmoid) live in 0..1 and use the sequential scale; the
candidate (after tanh), the cell state and hidden state are signed and use the
diverging scale centred on 0. Each gate has one colour everywhere
(``seqviz.figures.style.GATE_COLORS``). NaN/±inf values never raise: cells are
drawn blank, line points become gaps, and a note above the plot counts them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.heatmap import units_by_time
from seqviz.figures.style import (
    ANNOTATION_SIZE,
    CELL_TEXT_SIZE,
    DIVERGING,
    FONT_SIZE,
    GATE_COLORS,
    GATE_ORDER,
    GATE_SYMBOLS,
    NEUTRAL,
    SEQUENTIAL,
    STATE_COLORS,
    STEP_LINE,
    apply_layout,
    gate_color,
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
    "cell_vs_hidden",
    "gate_heatmap",
    "gate_timeseries",
    "saturation_scatter",
    "text_activation",
    "text_step_marker",
    "unit_ranking_bar",
]


def _gate_title(gate: str) -> str:
    symbol = GATE_SYMBOLS[gate]
    name = f"{gate} gate {symbol}" if gate != "candidate" else "candidate (proposed new content)"
    return f'<span style="color:{gate_color(gate)}"><b>{name}</b></span>'


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
        colorscale=DIVERGING if signed else SEQUENTIAL,
        zmin=-1.0 if signed else 0.0,
        zmax=1.0,
        zmid=0.0 if signed else None,
        value_name=gate,
        colorbar_title=GATE_SYMBOLS[gate] if not signed else "value",
        title=title if title is not None else _gate_title(gate),
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
        title = f"How often is the {_gate_title(gate)} saturated?"
    return apply_layout(fig, title, height)


def _wrap(tokens: Sequence[str], width: int) -> list[list[int]]:
    """Time indices per row: at most ``width`` per row, a new row after each newline."""
    rows: list[list[int]] = [[]]
    for t, tok in enumerate(tokens):
        if len(rows[-1]) == width:
            rows.append([])
        rows[-1].append(t)
        if tok == "\n" and t < len(tokens) - 1:
            rows.append([])
    return rows


def text_activation(
    tokens: Sequence[str],
    values,
    width: int = 40,
    vmin: float | None = None,
    vmax: float | None = None,
    scale: str = "diverging",
    title: str | None = "The text, coloured by one unit",
    value_name: str = "activation",
    step: int | None = None,
    height: int | None = None,
) -> go.Figure:
    """The input text, each character on a cell coloured by one unit's value.

    The text is drawn by Plotly as heatmap cell text (escaped, never HTML),
    wrapped into rows of ``width`` characters and after every newline; a
    space is shown as ``␣``, a newline as ``↵``.

    Args:
        tokens: the ``T`` input tokens.
        values: ``(T,)`` the chosen unit's activation at each step.
        width: characters per row.
        vmin, vmax: colour range; default -1..1 for ``scale="diverging"``
            (centred on 0) and 0..1 for ``scale="sequential"`` (gates).
        scale: ``"diverging"`` for signed values, ``"sequential"`` for 0..1.
        step: current step, outlined.

    Returns:
        ``go.Figure`` with one ``Heatmap`` trace of shape ``(rows, width)``;
        cells past the end of a row are empty (NaN), and so are NaN/inf
        values (their character is still written and the hover says
        ``nan`` / ``inf``).
    """
    if scale not in ("diverging", "sequential"):
        raise ValueError(f"scale must be 'diverging' or 'sequential', got {scale!r}")
    v = as_array(values).reshape(-1)
    tokens = [str(tok) for tok in tokens]
    T = v.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the text is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    width = max(1, int(width))
    diverging = scale == "diverging"
    vmin = (-1.0 if diverging else 0.0) if vmin is None else float(vmin)
    vmax = 1.0 if vmax is None else float(vmax)

    rows = _wrap(tokens, width)
    n_rows = len(rows)
    clean, n_bad = finite(v)
    z = np.full((n_rows, width), np.nan)
    text = np.full((n_rows, width), "", dtype=object)
    custom = np.full((n_rows, width, 3), "", dtype=object)
    for r, row in enumerate(rows):
        for c, t in enumerate(row):
            z[r, c] = clean[t]
            text[r, c] = token_label(tokens[t])
            custom[r, c] = (str(t), token_label(tokens[t], compact=False), f"{v[t]:.3f}")

    fig = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=CELL_TEXT_SIZE),
            customdata=custom,
            colorscale=DIVERGING if diverging else SEQUENTIAL,
            zmin=vmin,
            zmax=vmax,
            zmid=0.0 if diverging and vmin < 0 < vmax else None,
            xgap=1,
            ygap=3,
            hoverongaps=False,
            hovertemplate=(
                "t = %{customdata[0]}<br>token %{customdata[1]}<br>"
                f"{value_name} = %{{customdata[2]}}<extra></extra>"
            ),
            # a horizontal bar under the text: an upright one is squeezed into the
            # height of one or two rows of characters
            colorbar=dict(
                title=dict(text=value_name, font=dict(size=FONT_SIZE), side="right"),
                orientation="h",
                thickness=16,
                len=320,
                lenmode="pixels",
                x=1.0,
                xanchor="right",
                yref="container",
                y=0.0,
                yanchor="bottom",
                ypad=8,
            ),
        )
    )
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5])
    fig.update_yaxes(
        autorange="reversed",
        tickvals=list(range(n_rows)),
        ticktext=[f"t = {row[0]}" if row else "" for row in rows],
        title_text=None,
    )
    if step is not None:
        for shape in text_step_marker(tokens, step, width)["shapes"]:
            fig.add_shape(**shape)
    note_non_finite(fig, n_bad)
    fig = apply_layout(fig, title, height if height is not None else 190 + 34 * n_rows)
    fig.update_layout(margin=dict(b=80))  # room for the colour bar under the text
    return fig


def text_step_marker(tokens: Sequence[str], step: int, width: int = 40) -> dict[str, list[dict]]:
    """The outline of character ``step`` in ``text_activation(tokens, ..., width)``, as dicts.

    Returns ``{"shapes": [rect]}`` for ``seqviz.figures.overlay.overlay``; ``step``
    is clipped to ``0 .. T-1`` like the figure's.
    """
    tokens = [str(tok) for tok in tokens]
    step = clip_step(step, len(tokens))
    if step is None:
        return {"shapes": []}
    rows = _wrap(tokens, max(1, int(width)))
    r = next(i for i, row in enumerate(rows) if step in row)
    c = rows[r].index(step)
    rect = dict(
        type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
        line=dict(color=STEP_LINE, width=3), layer="above", name="current step",
    )  # fmt: skip
    return {"shapes": [rect]}


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
