"""Figures of gradients through time: norms on a log scale, W_hh's eigenvalues, heatmaps.

Pure builders: tensors / arrays in, ``go.Figure`` out; no autograd here. Gradients
span dozens of orders of magnitude, so norms are drawn on log axes. A value that
overflowed (inf / NaN) or underflowed to exactly 0 has no place on a log axis: it is
never dropped silently but marked with a symbol at the edge of the plot and named in
the hover text.

Dimensions: T time steps, H hidden size, K models.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqviz.figures.matrix import matrix_heatmap
from seqviz.figures.style import (  # noqa: F401  (ACCENT, NEUTRAL re-exported for pages)
    ACCENT,
    NEUTRAL,
    OKABE_ITO,
    SEQUENTIAL,
    STEP_LINE,
    apply_layout,
    token_label,
)

# One colour per model, on every chart of this lab (not shared with the gate colours).
MODEL_COLORS = {"rnn": OKABE_ITO["black"], "gru": OKABE_ITO["orange"], "lstm": OKABE_ITO["blue"]}
MODEL_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
MODEL_DASH = {"rnn": "solid", "gru": "dash", "lstm": "dot"}  # readable without colour too
OVERFLOW_COLOR = OKABE_ITO["vermillion"]


def _np(a) -> np.ndarray:
    return np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float64)


def _log_range(arrays: list[np.ndarray]) -> tuple[float, float]:
    """[low, high] in log10 units covering every finite positive value, padded."""
    values = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in arrays] or [np.array([])])
    if values.size == 0:
        return -1.0, 1.0
    lo, hi = math.log10(values.min()), math.log10(values.max())
    pad = max(0.5, 0.08 * (hi - lo))
    return lo - pad, hi + pad


def _status(v: float) -> str:
    if math.isnan(v):
        return "NaN (overflow)"
    if math.isinf(v):
        return "inf (overflow)"
    if v == 0:
        return "exactly 0 (underflow)"
    return f"{v:.3g}"


def _token_note(tokens: list[str | None] | None, i: int) -> str:
    """ " (x_t = 'a')" for hover text; the initial state (token None) is named as such."""
    if not tokens or i >= len(tokens):
        return ""
    if tokens[i] is None:
        return " (h<sub>0</sub> = 0, the initial state)"
    return f" ({token_label(tokens[i])})"


def norm_curves(
    curves: dict[str, object],
    *,
    title: str | None = None,
    y_title: str = "‖∂L/∂h<sub>t</sub>‖",
    tokens: list[str] | None = None,
    step: int | None = None,
    cut: int | None = None,
    height: int = 460,
    names: dict[str, str] | None = None,
    colors: dict[str, str] | None = None,
    dashes: dict[str, str] | None = None,
    first: int = 1,
    step_label: str | None = None,
) -> go.Figure:
    """One log-scale line per curve (name -> (T,) values) over time t.

    Value i is drawn at t = first + i: steps count from 1 (x_1 .. x_T), or from 0 when
    a curve starts with the initial state h_0 (``first=0``; its token is None).
    Non-finite values are marked with a red × at the top edge, exact zeros with a ▼ at
    the bottom edge. ``step`` draws a vertical line at t; ``cut`` shades the first
    ``cut`` steps (truncated BPTT).
    """
    arrays = {k: _np(v) for k, v in curves.items()}
    lo, hi = _log_range(list(arrays.values()))
    fig = go.Figure()
    for name, a in arrays.items():
        T = len(a)
        t = np.arange(T) + first
        ok = np.isfinite(a) & (a > 0)
        label = (names or MODEL_NAMES).get(name, name)
        color = (colors or MODEL_COLORS).get(name, ACCENT)
        hover = [
            f"t = {i + first}{_token_note(tokens, i)}<br>{_status(v)}" for i, v in enumerate(a)
        ]
        fig.add_trace(
            go.Scatter(
                x=t,
                y=np.where(ok, a, np.nan),
                mode="lines+markers" if T <= 60 else "lines",
                name=label,
                legendgroup=name,
                line=dict(color=color, width=3, dash=(dashes or MODEL_DASH).get(name)),
                marker=dict(size=6),
                text=hover,
                hovertemplate="%{text}<extra>" + label + "</extra>",
                connectgaps=False,
            )
        )
        # values a log axis cannot place, marked at its edges: overflow on top, 0 below
        edges = (
            (
                ~np.isfinite(a),
                hi,
                "overflow (inf/NaN)",
                dict(symbol="x", size=11, color=OVERFLOW_COLOR),
            ),
            (a == 0, lo, "exactly 0", dict(symbol="triangle-down", size=10, color=color)),
        )
        for where, edge, what, marker in edges:
            if where.any():
                fig.add_trace(
                    go.Scatter(
                        x=t[where],
                        y=np.full(where.sum(), 10**edge),
                        mode="markers",
                        name=f"{label}: {what}",
                        marker=marker,
                        text=[hover[i] for i in np.flatnonzero(where)],
                        hovertemplate="%{text}<extra>" + label + "</extra>",
                    )
                )
    if cut is not None and cut > 0:
        x0 = first - 0.5
        fig.add_vrect(x0=x0, x1=x0 + cut, fillcolor=NEUTRAL, opacity=0.25, line_width=0)
    if step is not None:
        fig.add_vline(x=step, line=dict(color=STEP_LINE, width=2, dash="dot"))
        fig.add_annotation(
            x=step,
            y=1.0,
            yref="paper",
            text=step_label or f"t = {step}",
            showarrow=False,
            yanchor="bottom",
        )
    fig.update_yaxes(
        type="log",
        range=[lo, hi],
        title=y_title,
        exponentformat="power",
        dtick=max(1, math.ceil((hi - lo) / 9)),
        ticklabelstandoff=8,  # the lowest power clears the first step's tick at the corner
    )
    fig.update_xaxes(title="time step t", ticklabelstandoff=6)
    apply_layout(fig, title, height)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def factor_curves(factors, bounds, step: int | None = None, lstm: bool = False, tokens=None):
    """Each step back: the factor BPTT really multiplied the gradient's norm by,
    ||dL/ds_{t-1}|| / ||dL/ds_t||, beside ||ds_t/ds_{t-1}||_2, the norm that bounds it
    (both (T,), for t = 1 .. T; s = [h; c] for the LSTM). ``step`` marks the step
    from s_step back to s_{step-1}."""
    s = "s" if lstm else "h"
    label = f"{s}<sub>{step}</sub> → {s}<sub>{step - 1}</sub>" if step is not None else None
    fig = norm_curves(
        {"bound": bounds, "factor": factors},
        colors={"bound": NEUTRAL, "factor": ACCENT},
        dashes={"bound": "dash", "factor": "solid"},
        names={
            "bound": f"‖∂{s}<sub>t</sub>/∂{s}<sub>t−1</sub>‖₂: the bound",
            "factor": f"‖∂L/∂{s}<sub>t−1</sub>‖ / ‖∂L/∂{s}<sub>t</sub>‖: the actual factor",
        },
        y_title="one step back: × this",
        step=step,
        step_label=label,
        tokens=tokens,
    )
    fig.add_hline(y=1.0, line=dict(color=OVERFLOW_COLOR, width=1, dash="dot"))
    # the factors sit near 1: label 1, 2 and 5 of every power of ten, written out (0.5, 2)
    lo, hi = fig.layout.yaxis.range
    ticks = [m * 10.0**e for e in range(math.floor(lo), math.ceil(hi) + 1) for m in (1, 2, 5)]
    ticks = [v for v in ticks if lo <= math.log10(v) <= hi]
    if len(ticks) <= 12:
        fig.update_yaxes(tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    return fig


def truncation_curves(truncation, tokens: list[str] | None = None) -> go.Figure:
    """‖dL/dh_t‖ under full, truncated and randomized BPTT, for a
    :class:`seqviz.truncation.Truncation`; the steps truncation cuts off are shaded.

    Where the three agree their lines would cover each other, so each is drawn
    differently: full BPTT as a wide pale band underneath, truncated dashed, the
    randomized chain on top, thin, dotted, with diamond markers.
    """
    T = len(truncation.hidden_norms["full"])
    fig = norm_curves(
        truncation.hidden_norms,
        names=TRUNCATION_NAMES | {"truncated": f"truncated, k = {truncation.k}"},
        cut=T - truncation.k,
        colors={"full": MODEL_COLORS["rnn"], "truncated": ACCENT, "randomized": OVERFLOW_COLOR},
        dashes={"full": "solid", "truncated": "dash", "randomized": "dot"},
        tokens=tokens,
    )
    for name, style in TRUNCATION_STYLE.items():
        fig.update_traces(selector=dict(legendgroup=name), **style)
    # both schemes' exact zeros sit at the bottom edge: the randomized ones a row higher
    lo, hi = fig.layout.yaxis.range  # log10 units
    for trace in fig.data:
        if trace.name == "randomized: exactly 0":
            trace.y = [10 ** (lo + 0.04 * (hi - lo))] * len(trace.y)
            trace.marker.symbol = "triangle-down-open"
    return fig


TRUNCATION_NAMES = {"full": "full BPTT", "truncated": "truncated", "randomized": "randomized"}
# line width, opacity and markers per scheme (dashes above): each stays visible on the others
TRUNCATION_STYLE = {
    "full": dict(line_width=9, opacity=0.35, mode="lines"),
    "truncated": dict(line_width=3, mode="lines+markers", marker=dict(symbol="square", size=5)),
    "randomized": dict(line_width=2, mode="lines+markers", marker=dict(symbol="diamond", size=7)),
}


def eigen_plane(
    eigenvalues, gamma: float = 1.0, sigma_max: float | None = None, title: str | None = None
) -> go.Figure:
    """W_hh's eigenvalues in the complex plane, with the unit circle and the 1/γ circle."""
    ev = np.asarray(eigenvalues.detach() if hasattr(eigenvalues, "detach") else eigenvalues)
    ev = ev.astype(np.complex128)
    theta = np.linspace(0, 2 * np.pi, 241)
    fig = go.Figure()
    same = abs(1 / gamma - 1) <= 1e-9  # tanh, ReLU: the 1/γ circle is the unit circle
    unit = "|λ| = 1 (unit circle" + (" = 1/γ circle)" if same else ")")
    circles = [(1.0, unit, NEUTRAL, "solid")]
    if not same:
        circles.append((1 / gamma, f"|λ| = 1/γ = {1 / gamma:g}", OVERFLOW_COLOR, "dash"))
    if sigma_max is not None and math.isfinite(sigma_max):
        circles.append((sigma_max, f"σ_max = {sigma_max:.3g}", ACCENT, "dot"))
    for r, name, color, dash in circles:
        fig.add_trace(
            go.Scatter(
                x=r * np.cos(theta),
                y=r * np.sin(theta),
                mode="lines",
                name=name,
                line=dict(color=color, width=2, dash=dash),
                hoverinfo="skip",
            )
        )
    mod = np.abs(ev)
    fig.add_trace(
        go.Scatter(
            x=ev.real,
            y=ev.imag,
            mode="markers",
            name="eigenvalues λ of W_hh",
            marker=dict(
                size=10, color=np.where(mod > 1, OVERFLOW_COLOR, STEP_LINE), line=dict(width=0)
            ),
            text=[
                f"λ = {z.real:.3f} {'+' if z.imag >= 0 else '−'} {abs(z.imag):.3f}i<br>|λ| = {m:.3f}"
                for z, m in zip(ev, mod, strict=True)
            ],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    extent = 1.1 * max([1.0, 1 / gamma, float(mod.max()) if mod.size else 1.0])
    fig.update_xaxes(range=[-extent, extent], title="real part", zeroline=True)
    fig.update_yaxes(range=[-extent, extent], title="imaginary part", scaleanchor="x", scaleratio=1)
    apply_layout(fig, title, 520)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def _log10_abs(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(np.abs(a))
    out[~np.isfinite(out)] = np.nan
    return out


def grad_heatmap(grad, tokens: list[str] | None = None, title: str | None = None) -> go.Figure:
    """Units x time heatmap of log10 |dL/dh_{t,j}| (grad is (T, H)).

    Blank cells are exactly 0 (underflow, or a dead ReLU unit) or inf / NaN (overflow).
    """
    z = _log10_abs(_np(grad)).T  # (H, T)
    H, T = z.shape
    seen = z[np.isfinite(z)]
    fig = matrix_heatmap(
        z,
        col_ticks=[token_label(tok) for tok in tokens] if tokens and T <= 80 else None,
        scale="sequential",
        zmin=float(seen.min()) if seen.size else None,
        zmax=float(seen.max()) if seen.size else None,
        value_name="log<sub>10</sub>|dL/dh|",
        hover="t = %{x}, unit %{y}",
        hover_digits=2,
        masked="blank: exactly 0 or inf/NaN",
        colorbar=dict(title="log<sub>10</sub>|g|", tickfont=dict(size=14), thickness=22),
        title=title,
        height=420,
    )
    # column i is step t = i + 1 (x_1 .. x_T)
    fig.update_traces(x=np.arange(1, T + 1))
    if tokens and T <= 80:
        fig.update_xaxes(tickvals=list(range(1, T + 1)))
    fig.update_xaxes(title_text="time step t", tickangle=0 if tokens and T <= 80 else None)
    fig.update_yaxes(title_text="unit j")
    return fig


def connectivity(
    norms: dict[str, object], tokens: list[str] | None = None, title: str | None = None
) -> go.Figure:
    """One row per model: log10 ||dL/dx_t||, how much input t still moves the output."""
    names = list(norms)
    rows = [_log10_abs(_np(norms[n])) for n in names]
    T = len(rows[0])
    labels = [token_label(tokens[t]) for t in range(T)] if tokens else list(range(1, T + 1))
    raw = [[_status(v) for v in _np(norms[n])] for n in names]
    fig = go.Figure(
        go.Heatmap(
            z=rows,
            x=list(range(1, T + 1)),  # x_1 .. x_T
            y=[MODEL_NAMES.get(n, n) for n in names],
            colorscale=SEQUENTIAL,
            colorbar=dict(title="log<sub>10</sub>‖dL/dx<sub>t</sub>‖", tickfont=dict(size=14)),
            text=raw,
            hovertemplate="%{y}, t = %{x}<br>‖dL/dx‖ = %{text}<extra></extra>",
            hoverongaps=False,
            xgap=1 if T <= 80 else 0,
            ygap=3,
        )
    )
    if tokens and T <= 80:
        fig.update_xaxes(
            tickmode="array", tickvals=list(range(1, T + 1)), ticktext=labels, tickangle=0
        )
    fig.update_xaxes(title="input x<sub>t</sub>")
    return apply_layout(fig, title, 300)


def clipping_bars(
    names: list[str], before: list[float], after: list[float], max_norm: float, title=None
) -> go.Figure:
    """Per-parameter gradient norms before and after clipping the global norm to θ."""

    def shown(values):
        return [v if math.isfinite(v) and v > 0 else None for v in values]

    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=shown(before),
        name="before clipping",
        marker_color=NEUTRAL,
        text=[_status(v) for v in before],
        textposition="outside",
    )
    fig.add_bar(
        x=names,
        y=shown(after),
        name=f"after clipping at θ = {max_norm:g}",
        marker_color=ACCENT,
        text=[_status(v) for v in after],
        textposition="outside",
    )
    lo, hi = _log_range([np.array(before, dtype=float), np.array(after, dtype=float)])
    fig.update_yaxes(
        type="log",
        title="‖dL/dθ‖ of each tensor",
        range=[lo, hi + 0.5],
        dtick=1,
        exponentformat="power",
    )
    apply_layout(fig, title, 420)
    fig.update_layout(barmode="group", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def training_curves(runs: dict[str, tuple[list[float], list[float]]], chance: float) -> go.Figure:
    """Loss and held-out accuracy per optimiser step, one line per model."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("training loss", "held-out accuracy"),
        horizontal_spacing=0.1,
    )
    for kind, (losses, accs) in runs.items():
        style = dict(color=MODEL_COLORS.get(kind), width=3, dash=MODEL_DASH.get(kind))
        steps = list(range(1, len(losses) + 1))
        name = MODEL_NAMES.get(kind, kind)
        fig.add_scatter(x=steps, y=losses, name=name, line=style, row=1, col=1, legendgroup=kind)
        fig.add_scatter(
            x=steps, y=accs, name=name, line=style, row=1, col=2, legendgroup=kind, showlegend=False
        )
    fig.add_hline(
        y=chance,
        line=dict(color=NEUTRAL, dash="dash"),
        annotation_text=f"chance = {chance:.1%}",
        row=1,
        col=2,
    )
    fig.update_xaxes(title="optimiser step")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", row=1, col=2)
    apply_layout(fig, None, 420)
    fig.update_annotations(font_size=18)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.08, x=0))
    return fig
