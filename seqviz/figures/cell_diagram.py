"""A live cell diagram: the inside of an LSTM or GRU cell at one step, for one unit.

Drawn in the style of Olah's diagrams ("Understanding LSTM Networks", 2015): the
state lines run left to right, the gates are σ / tanh boxes fed from below by
[h_{t-1}, x_t], and ⊙ (elementwise product) and + (sum) are circles where paths
meet. Every path is drawn in its gate's colour (:mod:`seqviz.figures.style`) and
labelled with unit j's value on it at step t, read from a
:class:`seqviz.cell_step.CellStep`; a gate path's width grows with the gate's
value (a closed gate is a thin line). The formulas are PyTorch's: the GRU's reset
gate multiplies W_hn h_{t-1} + b_hn, and h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}.

Every value label is an annotation named ``value:<path>`` (path names:
:data:`seqviz.cell_step.PATHS`) whose ``text`` ends in the number, so a test can
read each number back. Coordinates are abstract diagram units (x 0..18).
"""

from __future__ import annotations

import plotly.graph_objects as go

from seqviz.cell_step import CellStep
from seqviz.figures.style import (
    ANNOTATION_SIZE,
    GATE_COLORS,
    STATE_COLORS,
    apply_layout,
    token_label,
)

__all__ = ["cell_diagram", "value_text"]

R = 0.4  # radius of a ⊙ / + node
BOX_W, BOX_H = 1.7, 0.8  # a σ / tanh box
LABEL_SIZE = 15  # value labels (the diagram is dense; still >= 14 px)
INPUT = "#555555"  # [h_{t-1}, x_t], the input every gate reads

# Where things are (x 0 .. 18, y -1.5 .. 6.8). Each path: (points, label (x, y, xanchor)
# or None, symbol, colour key); colour keys: a gate name, "cell", "hidden" or "in" (the
# input [h_{t-1}, x_t]). Labels sit where no other line runs at their height.
TOP, BUS, MID = 5.6, 1.0, 3.3  # y of the state line, the input bus, the products
_LSTM_PATHS = {
    "c_prev": ([(0.0, TOP), (3.2 - R, TOP)], (0.1, 6.15, "left"), "c<sub>t−1</sub>", "cell"),
    "f_c_prev": (
        [(3.2 + R, TOP), (9.4 - R, TOP)],
        (6.3, 6.15, "center"),
        "f⊙c<sub>t−1</sub>",
        "forget",
    ),
    "c": ([(9.4 + R, TOP), (18.0, TOP)], (16.6, 6.15, "center"), "c<sub>t</sub>", "cell"),
    "h_prev": ([(0.0, BUS), (12.6, BUS)], (0.1, 1.4, "left"), "h<sub>t−1</sub>", "in"),
    "forget": ([(3.2, BUS), (3.2, TOP - R)], (3.35, MID, "left"), "f<sub>t</sub>", "forget"),
    "input": (
        [(6.6, BUS), (6.6, 4.2), (9.4 - R, 4.2)],
        (6.75, MID, "left"),
        "i<sub>t</sub>",
        "input",
    ),
    "candidate": ([(9.4, BUS), (9.4, 4.2 - R)], (9.55, MID, "left"), "g<sub>t</sub>", "candidate"),
    "i_g": ([(9.4, 4.2 + R), (9.4, TOP - R)], (9.55, 4.9, "left"), "i⊙g", "input"),
    "output": (
        [(12.6, BUS), (12.6, MID + 0.1), (14.6 - R, MID + 0.1)],
        (12.75, 2.75, "left"),
        "o<sub>t</sub>",
        "output",
    ),
    "tanh_c": (
        [(14.6, TOP), (14.6, MID + 0.1 + R)],
        (14.1, 4.05, "right"),
        "tanh(c<sub>t</sub>)",
        "cell",
    ),
    "h": (
        [(14.6 + R, MID + 0.1), (18.0, MID + 0.1)],
        (16.6, 3.85, "center"),
        "h<sub>t</sub>",
        "hidden",
    ),
}
_LSTM_NODES = {  # (x, y, kind, text, colour key); kind "box" or "node"
    "f_box": (3.2, 2.1, "box", "σ", "forget"),
    "i_box": (6.6, 2.1, "box", "σ", "input"),
    "g_box": (9.4, 2.1, "box", "tanh", "candidate"),
    "o_box": (12.6, 2.1, "box", "σ", "output"),
    "tanh_box": (14.6, 4.85, "box", "tanh", "cell"),
    "f_mul": (3.2, TOP, "node", "×", "forget"),
    "ig_mul": (9.4, 4.2, "node", "×", "input"),
    "add": (9.4, TOP, "node", "+", "cell"),
    "o_mul": (14.6, MID + 0.1, "node", "×", "output"),
}

_GRU_PATHS = {
    "h_prev": ([(0.0, TOP), (5.0 - R, TOP)], (0.1, 6.15, "left"), "h<sub>t−1</sub>", "hidden"),
    "bus": ([(1.0, TOP), (1.0, BUS), (11.6, BUS)], None, "", "in"),
    "update": (
        [(2.2, BUS), (2.2, 4.0), (5.0, 4.0), (5.0, TOP - R)],
        (2.35, 3.0, "left"),
        "z<sub>t</sub>",
        "update",
    ),
    "reset": (
        [(4.6, BUS), (4.6, MID), (8.0 - R, MID)],
        (6.3, 3.65, "center"),
        "r<sub>t</sub>",
        "reset",
    ),
    "z_branch": ([(5.0, 4.0), (9.6 - R, 4.0)], None, "", "update"),
    "one_minus_z": (
        [(9.6 + R, 4.0), (14.0 - R, 4.0)],
        (11.8, 4.35, "center"),
        "1−z<sub>t</sub>",
        "update",
    ),
    "hn": (
        [(8.0, BUS), (8.0, MID - R)],
        (7.6, 0.6, "center"),
        "W<sub>hn</sub>h+b<sub>hn</sub>",
        "in",
    ),
    "r_hn": ([(8.0 + R, MID), (11.6 - R, MID)], (10.0, 2.95, "center"), "r⊙(·)", "reset"),
    "xn": (
        [(11.6, BUS), (11.6, MID - R)],
        (12.4, 0.6, "center"),
        "W<sub>in</sub>x+b<sub>in</sub>",
        "in",
    ),
    "candidate": (
        [(11.6 + R, MID), (14.0, MID), (14.0, 4.0 - R)],
        (14.15, 2.95, "left"),
        "n<sub>t</sub>",
        "candidate",
    ),
    "keep_n": ([(14.0, 4.0 + R), (14.0, TOP - R)], (14.15, 4.8, "left"), "(1−z)⊙n", "candidate"),
    "z_h_prev": (
        [(5.0 + R, TOP), (14.0 - R, TOP)],
        (9.5, 6.15, "center"),
        "z⊙h<sub>t−1</sub>",
        "update",
    ),
    "h": ([(14.0 + R, TOP), (18.0, TOP)], (16.6, 6.15, "center"), "h<sub>t</sub>", "hidden"),
}
_GRU_NODES = {
    "z_box": (2.2, 2.1, "box", "σ", "update"),
    "r_box": (4.6, 2.1, "box", "σ", "reset"),
    "tanh_box": (12.95, MID, "box", "tanh", "candidate"),
    "r_mul": (8.0, MID, "node", "×", "reset"),
    "add_n": (11.6, MID, "node", "+", "candidate"),
    "one_minus": (9.6, 4.0, "node", "1−", "update"),  # 1 - z_t
    "n_mul": (14.0, 4.0, "node", "×", "candidate"),
    "z_mul": (5.0, TOP, "node", "×", "update"),
    "add": (14.0, TOP, "node", "+", "hidden"),
}

_GEOMETRY = {"lstm": (_LSTM_PATHS, _LSTM_NODES), "gru": (_GRU_PATHS, _GRU_NODES)}
_GATES = {"input", "forget", "output", "reset", "update"}


def _color(key: str) -> str:
    if key in GATE_COLORS:
        return GATE_COLORS[key]
    return {"cell": STATE_COLORS["cell"], "hidden": STATE_COLORS["hidden"]}.get(key, INPUT)


def value_text(value: float) -> str:
    """A value as the diagram writes it: signed, 3 decimals (−0.125, +0.973)."""
    return f"{value:+.3f}".replace("-", "−")


def _width(path: str, value: float | None) -> float:
    """Gate paths grow with the gate (0 -> 1.5 px, 1 -> 7.5 px); other paths 3 px."""
    if path in _GATES and value is not None:
        return 1.5 + 6.0 * min(max(value, 0.0), 1.0)
    return 3.0


def _arrow(fig: go.Figure, start: tuple[float, float], end: tuple[float, float], color: str):
    fig.add_annotation(
        x=end[0],
        y=end[1],
        ax=start[0],
        ay=start[1],
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        showarrow=True,
        arrowhead=2,
        arrowsize=1.2,
        arrowwidth=2.5,
        arrowcolor=color,
        text="",
        name="arrow",
    )


def cell_diagram(
    step: CellStep,
    token: str | None = None,
    title: str | None = None,
    height: int | None = 520,
) -> go.Figure:
    """The cell at one step, each path labelled with unit j's value.

    Args:
        step: the values (``seqviz.cell_step.cell_step(direction, kind, t, j)``).
        token: the character x_t read at this step (labelled under the cell).
        title: default ``"LSTM cell, unit j, step t"`` with the 1-based step.
        height: px.

    Returns:
        ``go.Figure``: one ``Scatter`` line per path (named after the path), the
        boxes and nodes as shapes, and one annotation ``value:<path>`` per value.
    """
    paths, nodes = _GEOMETRY[step.kind]
    fig = go.Figure()
    # the cell's outline
    fig.add_shape(
        type="rect",
        x0=0.5,
        x1=17.5,
        y0=0.2,
        y1=6.6,
        line=dict(color="#BBBBBB", width=2),
        fillcolor="#F4F4F4",
        layer="below",
        name="cell outline",
    )
    for name, (points, label, symbol, color_key) in paths.items():
        value = step.values.get(name)
        color = _color(color_key)
        xs, ys = zip(*points, strict=True)
        fig.add_trace(
            go.Scatter(
                x=list(xs),
                y=list(ys),
                mode="lines",
                name=name,
                line=dict(color=color, width=_width(name, value)),
                hoverinfo="skip",
                showlegend=False,
            )
        )
        _arrow(fig, points[-2], points[-1], color)
        if label is not None and value is not None:
            x, y, anchor = label
            fig.add_annotation(
                x=x,
                y=y,
                xanchor=anchor,
                text=f"<b>{symbol}</b> {value_text(value)}",
                showarrow=False,
                font=dict(size=LABEL_SIZE, color=color),
                bgcolor="rgba(255,255,255,0.85)",
                name=f"value:{name}",
            )
    for name, (x, y, kind, text, color_key) in nodes.items():
        color = _color(color_key)
        if kind == "box":
            fig.add_shape(
                type="rect",
                x0=x - BOX_W / 2,
                x1=x + BOX_W / 2,
                y0=y - BOX_H / 2,
                y1=y + BOX_H / 2,
                line=dict(color=color, width=2),
                fillcolor=color,
                layer="above",
                name=name,
            )
            font_color = "white"
        else:
            fig.add_shape(
                type="circle",
                x0=x - R,
                x1=x + R,
                y0=y - R,
                y1=y + R,
                line=dict(color=color, width=2.5),
                fillcolor="white",
                layer="above",
                name=name,
            )
            font_color = color
        fig.add_annotation(
            x=x,
            y=y,
            text=f"<b>{text}</b>",
            showarrow=False,
            font=dict(
                size=ANNOTATION_SIZE if len(text) == 1 or kind == "box" else 14, color=font_color
            ),
            name=f"node:{name}",
        )
    # x_t comes in from below
    x_in = 4.9 if step.kind == "lstm" else 1.6
    fig.add_trace(
        go.Scatter(
            x=[x_in, x_in],
            y=[-0.8, 1.0],
            mode="lines",
            name="x",
            line=dict(color=INPUT, width=3),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    _arrow(fig, (x_in, -0.8), (x_in, 1.0), INPUT)
    shown = token_label(token, compact=False) if token is not None else "?"
    fig.add_annotation(
        x=x_in,
        y=-1.15,
        text=f"<b>x<sub>t</sub></b> = “{shown}”",
        showarrow=False,
        font=dict(size=LABEL_SIZE + 1, color=INPUT),
        name="value:x",
    )
    if title is None:
        title = f"{step.kind.upper()} cell, unit {step.unit}, step t = {step.shown_t}"
    fig.update_xaxes(visible=False, range=[-0.2, 18.2], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1.5, 6.8], fixedrange=True)
    fig.update_layout(showlegend=False, dragmode=False)
    apply_layout(fig, title, height)
    fig.update_layout(margin=dict(l=10, r=10, t=60 if title else 10, b=10))
    return fig
