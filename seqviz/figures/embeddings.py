"""The embedding map: words at their 2-D (PCA) positions, and its replay through training.

Dimension letters: ``N`` words on the map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import ACCENT, FONT_SIZE, OKABE_ITO, apply_layout, token_label
from seqviz.figures.timeaxis import as_array

__all__ = ["embedding_animation", "embedding_map", "label_boxes", "labelled"]


def _map_range(frames: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    pts = np.concatenate([f for f in frames if len(f)]) if frames else np.zeros((1, 2))
    pts = pts[np.all(np.isfinite(pts), axis=1)] if len(pts) else np.zeros((1, 2))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * 0.12, 0.05)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    ]


# Label placement. The map sits in one of two columns of a wide page (about 560 px,
# of which ~450 px is plot); labels are FONT_SIZE px, x 1.3 in lecture mode. A label is
# drawn only where its box would not touch one already drawn; the rest are on hover.
PLOT_WIDTH_PX = 450
LABEL_SCALE = 1.3  # room for lecture mode's larger chart text
CHAR_WIDTH = 0.6  # a character's width as a fraction of the font size (Source Sans)


def label_boxes(
    points, words, x_range, y_range, plot_px: tuple[float, float], where: str = "top"
) -> list:
    """Each word's label box (x0, y0, x1, y1) in plot pixels (y down), the text centred
    above its dot (``where="top"``) or below it (``"bottom"``)."""
    (x_lo, x_hi), (y_lo, y_hi), (w_px, h_px) = x_range, y_range, plot_px
    size = FONT_SIZE * LABEL_SCALE
    boxes = []
    for (x, y), word in zip(points, words, strict=True):
        cx = (x - x_lo) / (x_hi - x_lo) * w_px
        cy = (y_hi - y) / (y_hi - y_lo) * h_px  # from the top
        half = CHAR_WIDTH * size * len(word) / 2 + 2
        y0 = cy - 8 - 1.2 * size if where == "top" else cy + 8
        boxes.append((cx - half, y0, cx + half, y0 + 1.2 * size))
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def labelled(points, words, x_range, y_range, plot_px: tuple[float, float]) -> list[str | None]:
    """Where each word's label goes: "top" (above its dot), "bottom", or None (hover
    only). Greedily in the order given (the caller's most important first): above the
    dot if that box touches no label already placed, else below it, else nowhere."""
    sides = {w: label_boxes(points, words, x_range, y_range, plot_px, w) for w in ("top", "bottom")}
    kept: list = []
    where: list[str | None] = []
    for i in range(len(words)):
        for side in ("top", "bottom"):
            box = sides[side][i]
            if all(math.isfinite(v) for v in box) and not any(_overlap(box, k) for k in kept):
                where.append(side)
                kept.append(box)
                break
        else:
            where.append(None)
    return where


def _scatter(
    points: np.ndarray,
    words: Sequence[str],
    groups: Sequence[int] | None,
    where: Sequence[str | None],
) -> go.Scatter:
    palette = list(OKABE_ITO.values())
    colors = [palette[g % len(palette)] for g in groups] if groups is not None else ACCENT
    names = [token_label(w, compact=False) for w in words]
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers+text",
        text=[n if side else "" for n, side in zip(names, where, strict=True)],
        textposition=[f"{side or 'top'} center" for side in where],
        textfont=dict(size=FONT_SIZE),
        marker=dict(size=12, color=colors, line=dict(color="white", width=1)),
        customdata=names,
        hovertemplate="%{customdata}<extra></extra>",
    )


def _plot_px(height: int, margin_tb: int) -> tuple[float, float]:
    return PLOT_WIDTH_PX, max(height - margin_tb, 1)


def embedding_map(
    points,
    words: Sequence[str],
    *,
    groups: Sequence[int] | None = None,
    title: str | None = None,
    height: int = 560,
) -> go.Figure:
    """Words at their 2-D (PCA) positions, labelled where the labels do not collide
    (earlier words first); every word is named on hover."""
    points = as_array(points)
    x_range, y_range = _map_range([points])
    show = labelled(points, words, x_range, y_range, _plot_px(height, 150))
    fig = go.Figure(_scatter(points, words, groups, show))
    fig.update_xaxes(title="PC 1", range=x_range, zeroline=False)
    fig.update_yaxes(title="PC 2", range=y_range, zeroline=False)
    fig.update_layout(showlegend=False)
    return apply_layout(fig, title=title, height=height)


def _standardise(points: np.ndarray) -> np.ndarray:
    """Centre the points and scale them to root-mean-square distance 1 from the centre."""
    centred = points - points.mean(axis=0)
    # rms radius = sqrt(mean ||p - mean||^2)
    rms = float(np.sqrt(np.mean(np.sum(centred**2, axis=1)))) if len(points) else 0.0
    return centred / rms if rms > 1e-12 else centred


ANIMATION_TOP_PX = 90  # room above the plot for the Replay button (and a title)
ANIMATION_BOTTOM_PX = 190  # the x axis title, then the slider with its label


def embedding_animation(
    frames: Sequence,
    words: Sequence[str],
    frame_labels: Sequence[str],
    *,
    groups: Sequence[int] | None = None,
    title: str | None = None,
    height: int = 620,
) -> go.Figure:
    """The map replayed frame by frame (Play button and a slider), one shared projection.

    Each frame is centred and scaled to unit RMS radius, so early frames (random,
    spread out) and late ones (often close together) use the plot equally: the
    animation shows how the arrangement changes, not the overall size. Each frame
    labels the words whose labels do not collide (``words`` order decides who wins);
    hover names every dot.
    """
    arrays = [_standardise(as_array(f)) for f in frames]
    fig = embedding_map(arrays[-1], words, groups=groups, title=title, height=height)
    x_range, y_range = _map_range(arrays)
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    plot_px = _plot_px(height, ANIMATION_TOP_PX + ANIMATION_BOTTOM_PX)
    scatters = [
        _scatter(a, words, groups, labelled(a, words, x_range, y_range, plot_px)) for a in arrays
    ]
    fig.data = []
    fig.add_trace(scatters[-1])
    fig.frames = [go.Frame(data=[sc], name=str(i)) for i, sc in enumerate(scatters)]
    steps = [
        dict(
            method="animate",
            label=lbl,
            args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True))],
        )
        for i, lbl in enumerate(frame_labels)
    ]
    fig.update_layout(
        # the Replay button sits above the plot, on the right; the slider and its
        # "after … words" label have the whole width below the plot to themselves
        updatemenus=[
            dict(
                type="buttons",
                showactive=False,
                x=1.0,
                y=1.02,
                xanchor="right",
                yanchor="bottom",
                pad=dict(t=0, b=0),
                buttons=[
                    dict(
                        label="▶ Replay training",
                        method="animate",
                        args=[
                            None,
                            dict(frame=dict(duration=120, redraw=True), fromcurrent=False),
                        ],
                    )
                ],
            )
        ],
        sliders=[
            dict(
                active=len(arrays) - 1,
                steps=steps,
                x=0.0,
                len=1.0,
                y=-0.14,
                yanchor="top",
                font=dict(
                    color="rgba(0,0,0,0)"
                ),  # 50 tick labels would overlap: show the current one
                currentvalue=dict(
                    prefix="after ", xanchor="left", font=dict(size=FONT_SIZE, color="#222222")
                ),
            )
        ],
        margin=dict(t=ANIMATION_TOP_PX, b=ANIMATION_BOTTOM_PX),
    )
    return fig
