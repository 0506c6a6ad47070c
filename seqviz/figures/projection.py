"""The path of the hidden state h_t, projected onto two principal components.

Dimension letters: ``T`` time steps (one per input token).

Non-finite points are gaps, counted in a note above the plot. The current step
is a big yellow marker; ``trajectory_step_marker`` gives it alone, for a path
built once and kept frozen (``seqviz.figures.overlay``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import (
    ACCENT,
    ANNOTATION_SIZE,
    FONT_SIZE,
    NEUTRAL,
    STEP_FILL,
    STEP_LINE,
    TIME_SCALE,
    apply_layout,
    token_label,
)
from seqviz.figures.timeaxis import (
    as_array,
    check_tokens,
    clip_step,
    empty_figure,
    finite,
    note_non_finite,
    time_ticks,
)

__all__ = ["trajectory", "trajectory_so_far", "trajectory_step_marker"]


def _percent(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "?"
    if 0 < ratio < 0.01:
        return "<1%"
    return f"{100 * ratio:.0f}%"


def _checked_points(points, tokens: Sequence[str] | None) -> tuple[np.ndarray, int, list[str]]:
    """``(T, 2)`` finite-or-NaN points, how many were not finite, and the T token labels."""
    P = as_array(points)
    if P.ndim != 2 or (P.shape[0] > 0 and P.shape[1] < 2):
        raise ValueError(f"expected (T, 2) points, got shape {P.shape}")
    tokens = check_tokens(tokens, P.shape[0])
    P, n_bad = finite(P[:, :2])
    return P, n_bad, [token_label(tok, compact=False) for tok in tokens]


HOVER = (
    "t = %{customdata[0]}<br>token %{customdata[1]}<br>"
    "PC1 = %{x:.3f}<br>PC2 = %{y:.3f}<extra></extra>"
)


def _pc_axes(fig: go.Figure, explained, ranges: np.ndarray | None = None) -> None:
    """Axis titles ``PC1 (42% of variance)``; fixed ranges around ``ranges``' points."""
    ratios = as_array(explained).reshape(-1) if explained is not None else None
    for axis, j in (("xaxis", 0), ("yaxis", 1)):
        name = f"PC{j + 1}"
        if ratios is not None and ratios.size > j:
            name += f" ({_percent(float(ratios[j]))} of variance)"
        spec = dict(title_text=name, zeroline=True)
        if ranges is not None:
            ok = np.isfinite(ranges).all(axis=1)
            lo, hi = (ranges[ok, j].min(), ranges[ok, j].max()) if ok.any() else (-1.0, 1.0)
            pad = 0.08 * max(hi - lo, 1e-6)
            spec["range"] = [lo - pad, hi + pad]
        fig.update_layout({axis: spec})


def trajectory(
    points,
    tokens: Sequence[str] | None,
    step: int | None = None,
    explained=None,
    title: str | None = "Path of the hidden state h<sub>t</sub> (PCA)",
    height: int | None = 600,
) -> go.Figure:
    """The path of ``h_t`` projected onto two principal components.

    Args:
        points: ``(T, 2)`` projected states (``seqviz.projection.pca(h).points``);
            extra columns are ignored.
        tokens: the ``T`` tokens, written next to the points (every n-th one
            when there are more than 40).
        step: current step, drawn as a big yellow marker with ``t = k``.
        explained: ``(2,)`` explained-variance ratios, shown in the axis titles
            as ``PC1 (42% of variance)``.

    Returns:
        ``go.Figure`` with traces: ``"path"`` (line through the steps in
        order), ``"steps"`` (markers coloured by t, with token labels) and,
        if ``step`` is given, ``"current step"``. Non-finite points are gaps.
    """
    P, n_bad, labels = _checked_points(points, tokens)
    T = P.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    step = clip_step(step, T)
    x, y = P[:, 0], P[:, 1]
    tokens = check_tokens(tokens, T)
    _, _, stride = time_ticks(tokens, max_labels=40)
    text = [labels[t] if t % stride == 0 else "" for t in range(T)]
    customdata = np.array([[t, labels[t]] for t in range(T)], dtype=object)

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line=dict(color=NEUTRAL, width=2),
            hoverinfo="skip",
            showlegend=False,
            name="path",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=text,
            textposition="top center",
            textfont=dict(size=FONT_SIZE),
            customdata=customdata,
            marker=dict(
                size=12,
                color=np.arange(T),
                colorscale=TIME_SCALE,
                cmin=0,
                cmax=max(T - 1, 1),
                line=dict(color="white", width=1),
                colorbar=dict(title=dict(text="t", font=dict(size=FONT_SIZE)), thickness=22),
            ),
            hovertemplate=HOVER,
            showlegend=False,
            name="steps",
        )
    )
    if step is not None:
        fig.add_trace(_current_point(x[step], y[step], step, labels[step]))
    _pc_axes(fig, explained)
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height)


def _current_point(x: float, y: float, step: int, label: str) -> go.Scatter:
    return go.Scatter(
        x=[x],
        y=[y],
        mode="markers+text",
        text=[f"<b>t = {step}</b>"],
        textposition="bottom center",
        textfont=dict(size=ANNOTATION_SIZE, color=STEP_LINE),
        marker=dict(size=28, color=STEP_FILL, line=dict(color=STEP_LINE, width=3)),
        hovertemplate=f"current step t = {step}<br>token {label}<extra></extra>",
        showlegend=False,
        name="current step",
    )


def trajectory_step_marker(points, tokens: Sequence[str] | None, step: int) -> dict[str, list]:
    """The big ``t = k`` marker of ``trajectory(points, tokens, step)``, as a plain trace dict.

    Returns ``{"traces": [scatter]}`` for ``seqviz.figures.overlay.overlay``
    (empty if there are no points); ``step`` is clipped to ``0 .. T-1``.
    """
    P = as_array(points)
    T = P.shape[0]
    step = clip_step(step, T)
    if step is None:
        return {"traces": []}
    tokens = check_tokens(tokens, T)
    xy, _ = finite(P[step, :2])
    label = token_label(tokens[step], compact=False)
    return {"traces": [_current_point(xy[0], xy[1], step, label).to_plotly_json()]}


def trajectory_so_far(
    points,
    tokens: Sequence[str] | None,
    step: int,
    explained=None,
    first: int = 0,
    labelled: int = 12,
    title: str | None = "h<sub>1</sub> … h<sub>t</sub> as a path (PCA)",
    height: int | None = 560,
) -> go.Figure:
    """The path of ``h_t`` up to ``step`` only, older points fading, the latest labelled.

    The axes span every point of the text (the PCA is fitted on the whole text), so
    the view stays put while the path grows; points after ``step`` are not drawn.

    Args:
        points: ``(T, 2)`` projected states; row t is the state after token t.
        tokens: the ``T`` tokens.
        step: index ``0 .. T-1`` of the current step (clipped).
        explained: ``(2,)`` explained-variance ratios for the axis titles.
        first: the number shown for index 0 (1 for x_1 … x_T).
        labelled: the last this-many points carry their character.

    Returns:
        ``go.Figure`` with traces ``"path"`` (the faint line so far), ``"recent path"``
        (the line through the last ``labelled`` steps), ``"steps"`` (one
        marker per step so far, opacity rising from 0.15 for the oldest to 1 for
        the newest, the last ``labelled`` with their character) and
        ``"current step"`` (the big ``t = k`` marker).
    """
    P, n_bad, labels = _checked_points(points, tokens)
    T = P.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    step = clip_step(step, T)
    x, y = P[: step + 1, 0], P[: step + 1, 1]
    n = step + 1
    age = np.arange(n)[::-1]  # 0 for the current step
    opacity = 0.15 + 0.85 * (1 - age / max(n - 1, 1)) if n > 1 else np.ones(1)
    text = [labels[t] if step - t < labelled else "" for t in range(n)]
    customdata = np.array([[t + first, labels[t]] for t in range(n)], dtype=object)

    fig = go.Figure()
    recent = max(n - labelled, 0)
    for name, xs, ys, line in (
        ("path", x, y, dict(color="rgba(166,166,166,0.35)", width=1)),  # every step so far
        ("recent path", x[recent:], y[recent:], dict(color=NEUTRAL, width=2.5)),
    ):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=line,
                hoverinfo="skip",
                showlegend=False,
                name=name,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=text,
            textposition="top center",
            textfont=dict(size=FONT_SIZE, color=STEP_LINE),
            customdata=customdata,
            marker=dict(size=11, color=ACCENT, opacity=opacity, line=dict(width=0)),
            hovertemplate=HOVER,
            showlegend=False,
            name="steps",
        )
    )
    fig.add_trace(_current_point(x[step], y[step], step + first, labels[step]))
    _pc_axes(fig, explained, ranges=P)  # the whole text: the view stays put
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height)
