"""The embedding map: words at their 2-D (PCA) positions, and its replay through training.

Dimension letters: ``N`` words on the map.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from seqviz.figures.style import ACCENT, FONT_SIZE, OKABE_ITO, apply_layout, token_label
from seqviz.figures.timeaxis import as_array

__all__ = ["embedding_animation", "embedding_map"]


def _map_range(frames: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    pts = np.concatenate([f for f in frames if len(f)]) if frames else np.zeros((1, 2))
    pts = pts[np.all(np.isfinite(pts), axis=1)] if len(pts) else np.zeros((1, 2))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * 0.12, 0.05)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    ]


def _scatter(points: np.ndarray, words: Sequence[str], groups: Sequence[int] | None) -> go.Scatter:
    palette = list(OKABE_ITO.values())
    colors = [palette[g % len(palette)] for g in groups] if groups is not None else ACCENT
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers+text",
        text=[token_label(w, compact=False) for w in words],
        textposition="top center",
        textfont=dict(size=FONT_SIZE),
        marker=dict(size=12, color=colors, line=dict(color="white", width=1)),
        hovertemplate="%{text}<extra></extra>",
    )


def embedding_map(
    points,
    words: Sequence[str],
    *,
    groups: Sequence[int] | None = None,
    title: str | None = None,
    height: int = 560,
) -> go.Figure:
    """Labelled words at their 2-D (PCA) positions."""
    points = as_array(points)
    fig = go.Figure(_scatter(points, words, groups))
    x_range, y_range = _map_range([points])
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
    animation shows how the arrangement changes, not the overall size.
    """
    arrays = [_standardise(as_array(f)) for f in frames]
    fig = embedding_map(arrays[-1], words, groups=groups, title=title, height=height)
    x_range, y_range = _map_range(arrays)
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    fig.frames = [
        go.Frame(data=[_scatter(a, words, groups)], name=str(i)) for i, a in enumerate(arrays)
    ]
    steps = [
        dict(
            method="animate",
            label=lbl,
            args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True))],
        )
        for i, lbl in enumerate(frame_labels)
    ]
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                showactive=False,
                x=0.0,
                y=-0.2,
                xanchor="left",
                yanchor="top",
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
                x=0.32,
                len=0.68,
                y=-0.16,
                font=dict(
                    color="rgba(0,0,0,0)"
                ),  # 50 tick labels would overlap: show the current one
                currentvalue=dict(prefix="after ", font=dict(size=FONT_SIZE, color="#222222")),
            )
        ],
        margin=dict(b=190),
    )
    return fig
