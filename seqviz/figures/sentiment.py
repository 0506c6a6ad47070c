"""Figures for the Sentiment lab: reading a review, lengths, padding, importance, TextCNN.

Pure builders: data in, Plotly figure out (no Streamlit, no training). User words are
escaped by :func:`seqviz.figures.style.token_label`; an unknown word is written in the
``<unk>`` colour with a "?" after it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import (
    ACCENT,
    CELL_NUMBER_SIZE,
    DIVERGING,
    FONT_SIZE,
    NEUTRAL,
    OKABE_ITO,
    SEQUENTIAL,
    STEP_FILL,
    STEP_LINE,
    UNK_COLOR,
    apply_layout,
)

MODEL_COLORS = {
    "bag": OKABE_ITO["orange"],
    "rnn": OKABE_ITO["sky blue"],
    "gru": OKABE_ITO["bluish green"],
    "lstm": OKABE_ITO["blue"],
    "bilstm": OKABE_ITO["vermillion"],
    "bilstm-max": OKABE_ITO["reddish purple"],
    "textcnn": OKABE_ITO["black"],
}


def word_label(word: str, known: bool) -> str:
    """A word for an axis: escaped; an unknown one in the <unk> colour with a "?"."""
    shown = html.escape(word, quote=False)
    if known:
        return shown
    return f'<span style="color:{UNK_COLOR}">{shown}?</span>'


def position_labels(words: Sequence[str], known: Sequence[bool], first: int = 1) -> list[str]:
    """ "t<br>word" for each position t (counted from ``first``)."""
    return [
        f"{t + first}<br>{word_label(w, k)}"
        for t, (w, k) in enumerate(zip(words, known, strict=True))
    ]


def reading_curve(
    words: Sequence[str],
    known: Sequence[bool],
    curves: Mapping[str, Sequence[float]],
    step: int,
    focus: str,
    labels: Mapping[str, str] | None = None,
    height: int = 420,
    title: str | None = None,
    final: Mapping[str, float] | None = None,
) -> go.Figure:
    """P(positive) after each word, one line per model; words after ``step`` faded.

    Args:
        words, known: the sentence's word tokens and whether each is in the vocabulary.
        curves: model kind -> p_t for t = 1 … T.
        step: the current step (0-based): its column is outlined.
        focus: the model drawn thick, with its value at ``step`` written beside it.
        labels: model kind -> legend name.
        final: model kind -> P(positive) of a model that reads the whole sentence at once,
            drawn as a star after the last word.
    """
    T = len(words)
    x = list(range(T))
    fig = go.Figure()
    fig.add_hrect(y0=0.5, y1=1.0, fillcolor="#E8F1FA", line_width=0, layer="below")
    fig.add_hline(y=0.5, line_dash="dash", line_color=NEUTRAL)
    fig.add_vrect(
        x0=step - 0.5,
        x1=step + 0.5,
        fillcolor=STEP_FILL,
        opacity=0.35,
        line_color=STEP_LINE,
        layer="below",
    )
    for kind, p in curves.items():
        p = np.asarray(p, dtype=float)
        name = (labels or {}).get(kind, kind)
        is_focus = kind == focus
        color = MODEL_COLORS.get(kind, ACCENT)
        fig.add_trace(
            go.Scatter(
                x=x[: step + 1],
                y=p[: step + 1],
                mode="lines+markers",
                name=name,
                line=dict(color=color, width=5 if is_focus else 2),
                marker=dict(size=11 if is_focus else 6, color=color),
                opacity=1.0 if is_focus else 0.75,
                hovertemplate=f"{html.escape(name)}<br>after word %{{x}}: P(positive) = %{{y:.3f}}<extra></extra>",
            )
        )
        if step + 1 < T:  # what comes after the current step, faded
            fig.add_trace(
                go.Scatter(
                    x=x[step:],
                    y=p[step:],
                    mode="lines",
                    line=dict(color=color, width=1.5, dash="dot"),
                    opacity=0.35,
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        if is_focus:
            fig.add_annotation(
                x=step,
                y=float(p[step]),
                text=f"<b>{p[step]:.2f}</b>",
                showarrow=True,
                arrowhead=0,
                ax=30,
                ay=-30,
                font=dict(size=FONT_SIZE, color=color),
                bgcolor="white",
            )
    for kind, p in (final or {}).items():
        name = (labels or {}).get(kind, kind)
        fig.add_trace(
            go.Scatter(
                x=[T - 1],
                y=[p],
                mode="markers",
                name=f"{name} (whole sentence)",
                marker=dict(
                    symbol="star",
                    size=20,
                    color=MODEL_COLORS.get(kind, ACCENT),
                    line=dict(color="white", width=1),
                ),
                hovertemplate=f"{html.escape(name)}: P(positive) = %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_xaxes(
        tickvals=x,
        ticktext=[word_label(w, k) for w, k in zip(words, known, strict=True)],
        range=[-0.6, T - 0.4],
        title_text=f"after word t = 1 … {T}",
    )
    fig.update_yaxes(
        range=[-0.02, 1.02], title_text="P(positive)", tickvals=[0, 0.25, 0.5, 0.75, 1]
    )
    apply_layout(fig, title=title, height=height)
    fig.update_layout(
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(t=60 if not title else 110),
    )
    return fig


def length_histogram(train: Sequence[int], heldout: Sequence[int], height: int = 340) -> go.Figure:
    """Words per sentence, training and held-out sentences overlaid."""
    fig = go.Figure()
    for values, name, color in (
        (train, "train", ACCENT),
        (heldout, "held out", OKABE_ITO["orange"]),
    ):
        fig.add_trace(
            go.Histogram(
                x=list(values),
                name=f"{name} ({len(values)})",
                marker_color=color,
                opacity=0.7,
                xbins=dict(start=0.5, size=2),
                histnorm="percent",
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text="words per sentence")
    fig.update_yaxes(title_text="% of sentences")
    return apply_layout(fig, height=height)


def padded_batch(
    words: Sequence[Sequence[str]],
    ids: np.ndarray,
    lengths: Sequence[int],
    height: int | None = None,
    unk: int | None = None,
) -> go.Figure:
    """The padded id matrix, one column per sentence, one row per position t; pads grey;
    a word whose id is ``unk`` is shown as "word → <unk>"."""
    ids = np.asarray(ids)
    B, T = ids.shape
    m = np.arange(T)[None, :] < np.asarray(lengths)[:, None]

    def cell(b: int, t: int) -> str:
        if not m[b, t]:
            return f"&lt;pad&gt;  ({ids[b, t]})"
        word = html.escape(words[b][t], quote=False)
        if unk is not None and ids[b, t] == unk:
            word += " → &lt;unk&gt;"
        return f"{word}  ({ids[b, t]})"

    text = [[cell(b, t) for b in range(B)] for t in range(T)]
    fig = go.Figure(
        go.Heatmap(
            z=m.T.astype(float),
            x=[f"sentence {b + 1}" for b in range(B)],
            y=list(range(1, T + 1)),
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=CELL_NUMBER_SIZE),
            colorscale=[[0, "#E0E0E0"], [1, "#CFE3F5"]],
            showscale=False,
            zmin=0,
            zmax=1,
            hovertemplate="%{x}, position %{y}: %{text}<extra></extra>",
            xgap=3,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="position t", dtick=1)
    fig.update_xaxes(side="top")
    return apply_layout(fig, height=height or 90 + 24 * T)


def importance_bars(
    words: Sequence[str],
    known: Sequence[bool],
    grad_x_input: Sequence[float],
    occlusion: Sequence[float],
    height: int = 400,
) -> go.Figure:
    """Gradient × input and occlusion for each word, side by side (units of the logit z)."""
    x = list(range(len(words)))
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=list(grad_x_input),
            name="gradient × input",
            marker_color=ACCENT,
            hovertemplate="word %{x}: gradient × input %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=list(occlusion),
            name="occlusion (word -> <unk>)",
            marker_color=OKABE_ITO["orange"],
            hovertemplate="word %{x}: occlusion %{y:.3f}<extra></extra>",
        )
    )
    fig.add_hline(y=0, line_color="#444444", line_width=1)
    fig.update_xaxes(
        tickvals=x,
        ticktext=[word_label(w, k) for w, k in zip(words, known, strict=True)],
        title_text=f"word t = 1 … {len(words)}",
    )
    fig.update_yaxes(title_text="push on z (+ positive, − negative)")
    apply_layout(fig, height=height)
    fig.update_layout(barmode="group", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def conv_activations(
    c: np.ndarray,
    ngrams: Sequence[str],
    argmax: Sequence[int],
    width: int,
    height: int | None = None,
    selected: int | None = None,
) -> go.Figure:
    """One width's filter activations c_{k,t} (K, windows); each row's max outlined, the
    ``selected`` filter's row (0-based) labelled in bold; columns named by their first word."""
    c = np.asarray(c, dtype=float)
    K, W = c.shape
    shown = np.where(np.isfinite(c), c, np.nan)
    fig = go.Figure(
        go.Heatmap(
            z=shown,
            x=list(range(W)),
            y=[f"<b>filter {k + 1}</b>" if k == selected else f"filter {k + 1}" for k in range(K)],
            colorscale=SEQUENTIAL,
            zmin=0,
            colorbar=dict(title="c", thickness=18),
            text=np.round(shown, 2),
            texttemplate="%{text}",
            textfont=dict(size=CELL_NUMBER_SIZE),
            customdata=[[html.escape(g, quote=False) for g in ngrams]] * K,
            hovertemplate="%{y}, n-gram “%{customdata}”: c = %{z:.3f}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    for k, t in enumerate(argmax):
        fig.add_shape(
            type="rect",
            x0=t - 0.5,
            x1=t + 0.5,
            y0=k - 0.5,
            y1=k + 0.5,
            line=dict(color=OKABE_ITO["vermillion"], width=3),
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(
        tickvals=list(range(W)),
        ticktext=[html.escape(g.split(" ")[0], quote=False) for g in ngrams],
        title_text=f"the window of {width} words starting at each word; red box: the max",
    )
    return apply_layout(fig, height=height or 120 + 34 * K)


def confusion_matrix(counts: Sequence[Sequence[int]], height: int = 320) -> go.Figure:
    """counts[true][predicted] as a 2 x 2 grid."""
    z = np.asarray(counts, dtype=float)
    names = ["negative", "positive"]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"predicted {n}" for n in names],
            y=[f"true {n}" for n in names],
            text=z.astype(int),
            texttemplate="%{text}",
            textfont=dict(size=FONT_SIZE),
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return apply_layout(fig, height=height)


def training_curves(history: Mapping, height: int = 380) -> go.Figure:
    """Training loss per step (left axis) and held-out accuracy per epoch (right axis)."""
    fig = go.Figure()
    steps, losses = list(history["steps"]), list(history["losses"])
    n = min(len(steps), len(losses))
    fig.add_trace(
        go.Scatter(
            x=steps[:n],
            y=losses[:n],
            name="training loss L",
            mode="lines",
            line=dict(color=NEUTRAL, width=1.5),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(history["eval_steps"]),
            y=list(history["heldout"]),
            name="held-out accuracy",
            mode="lines+markers",
            yaxis="y2",
            line=dict(color=ACCENT, width=3),
        )
    )
    fig.update_layout(
        yaxis=dict(title="loss", rangemode="tozero"),
        yaxis2=dict(
            title="held-out accuracy",
            overlaying="y",
            side="right",
            range=[0.4, 1.0],
            tickmode="array",
            tickvals=[0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
            tickformat=".0%",
            showgrid=False,
        ),
    )
    fig.update_xaxes(title_text="step (one minibatch of sentences)")
    apply_layout(fig, height=height)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


LABEL_SPOTS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "top left",
    "bottom right",
    "bottom left",
)


def label_spots(
    points: np.ndarray, words: Sequence[str], size: tuple[float, float] = (600.0, 290.0)
) -> list[str]:
    """A text position per point (above, below, right or left) so that few labels overlap:
    each point in turn takes the first spot whose label box (about 8.5 px a character, in a
    plot area of ``size`` pixels) misses the boxes placed so far and the points."""
    if len(points) == 0:
        return []
    lo, hi = points.min(axis=0), points.max(axis=0)
    xy = (points - lo) / np.where(hi > lo, hi - lo, 1.0) * np.asarray(size)  # pixels
    xy[:, 1] = size[1] - xy[:, 1]  # screen y grows downwards
    taken: list[tuple[float, float, float, float]] = [(x - 5, y - 5, x + 5, y + 5) for x, y in xy]

    def box(spot: str, x: float, y: float, w: float, h: float = 16.0):
        return {
            "top center": (x - w / 2, y - 6 - h, x + w / 2, y - 6),
            "bottom center": (x - w / 2, y + 6, x + w / 2, y + 6 + h),
            "middle right": (x + 7, y - h / 2, x + 7 + w, y + h / 2),
            "middle left": (x - 7 - w, y - h / 2, x - 7, y + h / 2),
            "top right": (x + 3, y - 4 - h, x + 3 + w, y - 4),
            "top left": (x - 3 - w, y - 4 - h, x - 3, y - 4),
            "bottom right": (x + 3, y + 4, x + 3 + w, y + 4 + h),
            "bottom left": (x - 3 - w, y + 4, x - 3, y + 4 + h),
        }[spot]

    def overlap(a, b) -> float:
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(
            0.0, min(a[3], b[3]) - max(a[1], b[1])
        )

    spots = []
    for (x, y), word in zip(xy, words, strict=True):
        w = 8.5 * len(word)
        costs = [sum(overlap(box(s, x, y, w), t) for t in taken) for s in LABEL_SPOTS]
        best = LABEL_SPOTS[int(np.argmin(costs))]
        spots.append(best)
        taken.append(box(best, x, y, w))
    return spots


def embedding_map(
    points: np.ndarray,
    words: Sequence[str],
    push: Sequence[float],
    title: str | None = None,
    height: int = 460,
    limit: float | None = None,
) -> go.Figure:
    """Word vectors in 2-D (PCA), coloured by how each word pushes z (blue −, red +);
    ``limit`` fixes the colour range to ±limit (to compare two maps)."""
    points = np.asarray(points, dtype=float)
    push = np.asarray(push, dtype=float)
    lim = limit if limit is not None else (float(np.abs(push).max()) if len(push) else 1.0)
    fig = go.Figure(
        go.Scatter(
            x=points[:, 0],
            y=points[:, 1],
            mode="markers+text",
            text=[html.escape(w, quote=False) for w in words],
            textposition=label_spots(points, words),
            marker=dict(
                size=10,
                color=push,
                colorscale=DIVERGING,
                cmin=-lim,
                cmax=lim,
                colorbar=dict(title="push", thickness=18),
                line=dict(width=0.5, color="#444"),
            ),
            customdata=push,
            hovertemplate="%{text}: push %{customdata:.3f}<extra></extra>",
        )
    )
    # room around the points for the labels (a label sits above its point)
    for axis, values, low, high in (
        (fig.update_xaxes, points[:, 0], 0.12, 0.12),
        (fig.update_yaxes, points[:, 1], 0.12, 0.14),
    ):
        span = float(np.ptp(values)) if len(values) else 1.0
        axis(range=[float(values.min()) - low * span, float(values.max()) + high * span])
    fig.update_xaxes(title_text="PC 1")
    fig.update_yaxes(title_text="PC 2")
    return apply_layout(fig, title=title, height=height)
