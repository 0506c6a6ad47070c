"""Figures of a recurrent network's hidden state.

Dimension letters: ``T`` time steps (one per input token), ``H`` hidden
units, ``V`` vocabulary size.

Every builder is a pure function (arrays, tokens, options) -> ``go.Figure``;
arrays may be numpy arrays or torch tensors. Time steps are numbered
``t = 0 .. T-1`` as in ``seqviz.recurrent.Trace``; ``step`` is clipped to that
range. NaN/±inf values never raise: heatmap cells are drawn blank, points on
lines become gaps, and a note above the plot counts them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.heatmap import symmetric_limit, units_by_time
from seqviz.figures.style import (
    ACCENT,
    ANNOTATION_SIZE,
    DIVERGING,
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
    mark_step,
    note_non_finite,
    time_axis_title,
    time_ticks,
)

__all__ = [
    "hidden_heatmap",
    "norms_over_time",
    "topk_bar",
    "trajectory",
    "trajectory_step_marker",
    "unrolled",
]


# ---------------------------------------------------------------------------
# Hidden states over time
# ---------------------------------------------------------------------------


def hidden_heatmap(
    h,
    tokens: Sequence[str] | None,
    step: int | None = None,
    title: str | None = "Hidden state h<sub>t</sub>: every unit at every step",
    zmax: float | None = None,
    height: int | None = None,
) -> go.Figure:
    """Units x time heatmap of the hidden states.

    Args:
        h: ``(T, H)`` hidden states (e.g. ``trace.hidden`` of unbatched input).
        tokens: the ``T`` input tokens, used as x tick labels (``␣`` for a
            space, a coloured ``?`` for ``<unk>``); ``None`` for no labels.
            With more than 60 tokens only every n-th one is labelled.
        step: current step ``t`` to outline, or ``None``.
        title: rich-text title; ``None`` for none.
        zmax: colour range is ``[-zmax, zmax]``; default the largest finite
            ``|h|`` (use ``1.0`` to compare tanh states across runs).
        height: px; default grows with ``H`` up to 820.

    Returns:
        ``go.Figure`` with one ``Heatmap`` trace of ``z = h.T (H, T)`` on the
        diverging scale centred on 0.
    """
    limit = symmetric_limit(h, zmax)
    return units_by_time(
        h,
        tokens,
        step,
        colorscale=DIVERGING,
        zmin=-limit,
        zmax=limit,
        zmid=0.0,
        value_name="h",
        colorbar_title="h",
        title=title,
        height=height,
    )


def _percent(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "?"
    if 0 < ratio < 0.01:
        return "<1%"
    return f"{100 * ratio:.0f}%"


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
    P = as_array(points)
    if P.ndim != 2 or (P.shape[0] > 0 and P.shape[1] < 2):
        raise ValueError(f"expected (T, 2) points, got shape {P.shape}")
    T = P.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    P, n_bad = finite(P[:, :2])
    x, y = P[:, 0], P[:, 1]

    labels = [token_label(tok, compact=False) for tok in tokens]
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
            hovertemplate=(
                "t = %{customdata[0]}<br>token %{customdata[1]}<br>"
                "PC1 = %{x:.3f}<br>PC2 = %{y:.3f}<extra></extra>"
            ),
            showlegend=False,
            name="steps",
        )
    )
    if step is not None:
        fig.add_trace(_current_point(x[step], y[step], step, labels[step]))
    ratios = as_array(explained).reshape(-1) if explained is not None else None
    for axis, j in (("xaxis", 0), ("yaxis", 1)):
        name = f"PC{j + 1}"
        if ratios is not None and ratios.size > j:
            name += f" ({_percent(float(ratios[j]))} of variance)"
        fig.update_layout({axis: dict(title_text=name, zeroline=True)})
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


def norms_over_time(
    norms,
    tokens: Sequence[str] | None,
    step: int | None = None,
    title: str | None = "Size of the hidden state ‖h<sub>t</sub>‖",
    y_title: str = "‖h<sub>t</sub>‖",
    height: int | None = 320,
) -> go.Figure:
    """Line chart of a per-step norm, e.g. ``‖h_t‖`` (or ``‖∂L/∂h_t‖`` with ``y_title``).

    Args:
        norms: ``(T,)`` values.
        tokens: the ``T`` tokens for the x tick labels.
        step: current step to outline.

    Returns:
        ``go.Figure`` with one ``Scatter`` trace (lines+markers); NaN/inf are gaps.
    """
    n = as_array(norms).reshape(-1)
    T = n.shape[0]
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    tokens = check_tokens(tokens, T)
    step = clip_step(step, T)
    n, n_bad = finite(n)
    labels = [token_label(tok, compact=False) for tok in tokens]
    fig = go.Figure(
        go.Scatter(
            x=np.arange(T),
            y=n,
            mode="lines+markers",
            line=dict(color=ACCENT, width=3),
            marker=dict(size=7),
            customdata=labels,
            hovertemplate="t = %{x}<br>token %{customdata}<br>%{y:.3f}<extra></extra>",
            name="norm",
        )
    )
    tickvals, ticktext, stride = time_ticks(tokens)
    fig.update_xaxes(
        tickvals=tickvals,
        ticktext=ticktext,
        title_text=time_axis_title(stride),
        range=[-0.5, T - 0.5],
    )
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    if step is not None:
        mark_step(fig, step)
    note_non_finite(fig, n_bad)
    return apply_layout(fig, title, height)


# ---------------------------------------------------------------------------
# Next-character distribution
# ---------------------------------------------------------------------------


def topk_bar(
    probs,
    tokens: Sequence[str],
    k: int = 5,
    actual: str | int | None = None,
    title: str | None = "What comes next? Top predictions",
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars of the ``k`` most probable next tokens, in percent.

    Args:
        probs: ``(V,)`` probabilities (softmax output).
        tokens: the ``V`` vocabulary tokens, ``tokens[i]`` for ``probs[i]``.
        k: how many bars; all ``V`` if ``k > V``.
        actual: the true next token (string, or its index). Its bar is drawn
            in the accent colour; if it is not in the top ``k`` it is added as
            an extra bar at the bottom labelled with its rank.

    Returns:
        ``go.Figure`` with one ``Bar`` trace, most probable at the top. NaN
        probabilities rank last and are drawn as empty bars labelled ``NaN``.
    """
    p = as_array(probs).reshape(-1)
    tokens = [str(tok) for tok in tokens]
    V = p.shape[0]
    if len(tokens) != V:
        raise ValueError(f"got {len(tokens)} tokens for {V} probabilities")
    if V == 0 or k < 1:
        return empty_figure("No predictions to show.", title)
    # rank by probability, NaN last; stable so equal probabilities keep vocab order
    order = np.argsort(-np.nan_to_num(p, nan=-np.inf), kind="stable")
    rank = np.empty(V, dtype=int)
    rank[order] = np.arange(1, V + 1)
    shown = list(order[: min(k, V)])

    actual_idx: int | None = None
    if isinstance(actual, (int, np.integer)) and not isinstance(actual, bool):
        actual_idx = int(actual) if 0 <= int(actual) < V else None
    elif isinstance(actual, str) and actual in tokens:
        actual_idx = tokens.index(actual)
    if actual_idx is not None and actual_idx not in shown:
        shown.append(actual_idx)

    percent = [100 * float(p[i]) if np.isfinite(p[i]) else 0.0 for i in shown]
    bar_text = [f"{100 * float(p[i]):.1f}%" if np.isfinite(p[i]) else "NaN" for i in shown]
    labels = []
    for i in shown:
        label = token_label(tokens[i], compact=False)
        if i == actual_idx:
            label = f"<b>{label}</b> (actual" + (f", rank {rank[i]})" if rank[i] > k else ")")
        labels.append(label)
    colors = [ACCENT if i == actual_idx else NEUTRAL for i in shown]

    fig = go.Figure(
        go.Bar(
            x=percent,
            y=np.arange(len(shown)),
            orientation="h",
            marker=dict(
                color=colors,
                line=dict(color=STEP_LINE, width=[2 if c == ACCENT else 0 for c in colors]),
            ),
            text=bar_text,
            textposition="outside",
            textfont=dict(size=FONT_SIZE),
            customdata=np.array(
                [[labels[j], int(rank[i])] for j, i in enumerate(shown)], dtype=object
            ),
            hovertemplate="%{customdata[0]}<br>rank %{customdata[1]}<br>%{x:.2f}%<extra></extra>",
            name="probability",
        )
    )
    top = max(percent) if percent else 0.0
    fig.update_xaxes(title_text="probability (%)", range=[0, max(top, 1.0) * 1.2])
    fig.update_yaxes(
        tickvals=list(range(len(shown))), ticktext=labels, autorange="reversed", title_text=None
    )
    return apply_layout(fig, title, height if height is not None else 120 + 48 * len(shown))


# ---------------------------------------------------------------------------
# The unrolled network
# ---------------------------------------------------------------------------

_BOX_W = 0.22  # half-width of a box, in time steps
_BOX_H = 0.22  # half-height of a box, in rows
_SMALL = ANNOTATION_SIZE - 3  # weight labels on arrows


def _window(T: int, step: int | None, window: int | None) -> tuple[int, int]:
    """First and one-past-last step shown: ~9 steps centred on ``step``."""
    w = T if window is None and T <= 9 else (9 if window is None else max(1, int(window)))
    w = min(w, T)
    centre = step if step is not None else 0
    start = min(max(centre - w // 2, 0), T - w)
    return start, start + w


def unrolled(
    tokens: Sequence[str],
    step: int | None = None,
    num_layers: int = 1,
    bidirectional: bool = False,
    window: int | None = None,
    title: str | None = "The RNN unrolled over time",
    height: int | None = None,
) -> go.Figure:
    """Diagram of the RNN unrolled over the input, one column per time step.

    Rows from the bottom: the inputs ``x_t`` (the characters), one row of
    hidden-state boxes ``h_t`` per layer (two per layer when bidirectional:
    forward ``→`` then backward ``←``), and the outputs ``y_t``. Arrows carry
    the weight that acts along them: ``W_xh`` (input to hidden), ``W_hh``
    (hidden to next hidden; right-to-left on a backward row) and ``W_hq``
    (hidden to output). A note under the diagram says that every column uses
    the same weights.

    Args:
        tokens: the ``T`` input tokens.
        step: the column to highlight (yellow boxes), or ``None``.
        num_layers: stacked layers ``L >= 1`` (labels gain a ``(l)`` superscript).
        bidirectional: add a backward row per layer.
        window: how many columns to draw; default all when ``T <= 9``, else 9
            around ``step``. Cut ends show ``…`` with the arrow coming in/out.

    Returns:
        ``go.Figure`` with one invisible ``Scatter`` trace (hover text with the
        equation of each box), one rectangle shape per box (``window x
        (2 + L * directions)``), and the arrows and labels as annotations.
    """
    tokens = [str(tok) for tok in tokens]
    T = len(tokens)
    if T == 0:
        return empty_figure("Nothing to show: the sequence is empty.", title)
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")
    step = clip_step(step, T)
    start, end = _window(T, step, window)
    dirs = ("→", "←") if bidirectional else ("",)

    # rows: 0 input, then (layer, direction) rows, then the output row
    rows = [(layer, d) for layer in range(1, num_layers + 1) for d in dirs]
    y_of = {row: i + 1 for i, row in enumerate(rows)}
    y_out = len(rows) + 1

    # Shapes and annotations are collected as plain dicts and set once at the end:
    # adding hundreds of them one by one through Plotly's validators takes seconds.
    shapes: list[dict] = []
    notes: list[dict] = []

    def add_shape(**kw) -> None:
        shapes.append(kw)

    def add_annotation(**kw) -> None:
        notes.append(kw)

    hover_x, hover_y, hover_text = [], [], []

    def sup(layer: int, d: str) -> str:
        parts = ([f"({layer})"] if num_layers > 1 else []) + ([d] if d else [])
        return f"<sup>{''.join(parts)}</sup>" if parts else ""

    def box(t: int, y: float, label: str, hover: str, size: int = ANNOTATION_SIZE + 2) -> None:
        hot = t == step
        add_shape(
            type="rect",
            x0=t - _BOX_W,
            x1=t + _BOX_W,
            y0=y - _BOX_H,
            y1=y + _BOX_H,
            line=dict(color=STEP_LINE, width=3 if hot else 1.5),
            fillcolor=STEP_FILL if hot else "white",
            layer="below",
        )
        add_annotation(x=t, y=y, text=label, showarrow=False, font=dict(size=size))
        hover_x.append(t)
        hover_y.append(y)
        hover_text.append(hover)

    def arrow(x0: float, y0: float, x1: float, y1: float, label: str, hot: bool, side: str) -> None:
        add_annotation(
            x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
            text="", showarrow=True, arrowhead=2, arrowsize=1.2,
            arrowwidth=2.5 if hot else 1.5, arrowcolor=STEP_LINE if hot else "#555555",
        )  # fmt: skip
        if not label:
            return
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        add_annotation(
            x=mx, y=my, text=label, showarrow=False,
            xanchor="left" if side == "right" else "center",
            yanchor="bottom" if side == "above" else "middle",
            xshift=4 if side == "right" else 0,
            font=dict(size=_SMALL, color=STEP_LINE if hot else "#555555"),
        )  # fmt: skip

    # Weight labels on every column crowd out a stacked or bidirectional diagram:
    # there, label only the highlighted column (the first if none is).
    simple = num_layers == 1 and not bidirectional and end - start <= 9
    label_col = step if step is not None else start
    for t in range(start, end):
        hot = t == step
        show = simple or t == label_col
        tok = token_label(tokens[t], compact=False)
        # a multi-character token (<unk>, a word) gets a smaller font to fit its box
        size = ANNOTATION_SIZE + 2 if len(tokens[t]) == 1 else _SMALL - 1
        box(t, 0, f"<b>{tok}</b>", f"x<sub>{t}</sub> = one-hot({tok})", size)
        add_annotation(
            x=t, y=-_BOX_H, yanchor="top", text=f"x<sub>{t}</sub>", showarrow=False,
            font=dict(size=_SMALL, color="#555555"),
        )  # fmt: skip
        for layer, d in rows:
            y = y_of[(layer, d)]
            prev = f"h<sub>{t - 1 if d != '←' else t + 1}</sub>{sup(layer, d)}"
            below = f"x<sub>{t}</sub>" if layer == 1 else f"h<sub>{t}</sub>{sup(layer - 1, '')}"
            box(
                t,
                y,
                f"h<sub>{t}</sub>{sup(layer, d)}",
                f"h<sub>{t}</sub>{sup(layer, d)} = tanh(W<sub>xh</sub>{sup(layer, d)} {below}"
                f" + W<sub>hh</sub>{sup(layer, d)} {prev} + b<sub>h</sub>{sup(layer, d)})",
            )
            # input from below: x_t for layer 1, the layer below's state otherwise
            y_from = 0 if layer == 1 else y_of[(layer - 1, dirs[-1])]
            if d == "←":
                # routed beside the forward box of the same layer, so it does not cross it
                arrow(t + 0.36, y_from + _BOX_H, t + 0.16, y - _BOX_H, "", hot, "right")
            else:
                x_label = f"W<sub>xh</sub>{sup(layer, d)}" if show else ""
                arrow(t, y_from + _BOX_H, t, y - _BOX_H, x_label, hot, "right")
            # recurrence: h_{t-1} -> h_t (forward) or h_{t+1} -> h_t (backward)
            h_label = f"W<sub>hh</sub>{sup(layer, d)}" if show else ""
            if d != "←" and t > start:
                arrow(t - 1 + _BOX_W, y, t - _BOX_W, y, h_label, hot, "above")
            if d == "←" and t < end - 1:
                arrow(t + 1 - _BOX_W, y, t + _BOX_W, y, h_label, hot, "above")
        top = y_of[rows[-1]]
        box(
            t,
            y_out,
            f"y<sub>{t}</sub>",
            f"y<sub>{t}</sub> = W<sub>hq</sub> h<sub>{t}</sub> + b<sub>q</sub>",
        )
        arrow(t, top + _BOX_H, t, y_out - _BOX_H, "W<sub>hq</sub>" if show else "", hot, "right")

    # cut ends: "…" and the state flowing in from / out to the hidden steps
    for layer, d in rows:
        y = y_of[(layer, d)]
        if start > 0:
            add_annotation(x=start - 0.75, y=y, text="…", showarrow=False, font=dict(size=28))
            if d != "←":
                arrow(start - 0.6, y, start - _BOX_W, y, "", False, "above")
            else:
                arrow(start - _BOX_W, y, start - 0.6, y, "", False, "above")
        if end < T:
            add_annotation(x=end - 0.25, y=y, text="…", showarrow=False, font=dict(size=28))
            if d != "←":
                arrow(end - 1 + _BOX_W, y, end - 0.4, y, "", False, "above")
            else:
                arrow(end - 0.4, y, end - 1 + _BOX_W, y, "", False, "above")

    note = (
        "Every column uses the SAME W<sub>xh</sub>, W<sub>hh</sub> and W<sub>hq</sub>: "
        "one set of weights, reused at every time step."
    )
    if bidirectional:
        note += "<br>→ and ← rows have their own weights; y<sub>t</sub> reads both."
    if num_layers > 1:
        note += "<br>Each layer has its own weights; layer l reads the states of layer l−1."
    add_annotation(
        x=0.5, y=-0.02, xref="paper", yref="paper", yanchor="top", text=note,
        showarrow=False, font=dict(size=ANNOTATION_SIZE), name="weight sharing",
    )  # fmt: skip

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=hover_x,
            y=hover_y,
            mode="markers",
            marker=dict(size=40, opacity=0),
            text=hover_text,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name="boxes",
        )
    )
    fig.update_xaxes(visible=False, range=[start - 1, end], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.7, y_out + 0.5], fixedrange=True)
    n_notes = 1 + bidirectional + (num_layers > 1)
    fig = apply_layout(
        fig, title, height if height is not None else 130 * (y_out + 1) + 40 * n_notes
    )
    fig.update_layout(margin=dict(b=40 + 30 * n_notes), hovermode="closest")
    # The shapes and annotations are plain dicts from fixed keys above: adding them
    # after validation (Plotly checks every property of hundreds of them) keeps a
    # step click fast. The rest of the figure, template included, is validated.
    spec = fig.to_dict()
    spec["layout"]["shapes"] = shapes
    spec["layout"]["annotations"] = notes
    return go.Figure(spec, _validate=False)
