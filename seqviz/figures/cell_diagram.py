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
read each number back. Coordinates are abstract diagram units (x 0..14).
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

R = 0.32  # radius of a ⊙ / + node
BOX_W, BOX_H = 1.1, 0.7  # a σ / tanh box
LABEL_SIZE = 15  # value labels (the diagram is dense; still >= 14 px)
INPUT = "#555555"  # [h_{t-1}, x_t], the input every gate reads

# Where things are. Each path: (points, label (x, y, xanchor), symbol, colour key).
# Colour keys: a gate name, "cell", "hidden" or "input".
_LSTM_PATHS = {
    "c_prev": ([(0.0, 5.5), (3.0 - R, 5.5)], (0.1, 5.9, "left"), "c<sub>t−1</sub>", "cell"),
    "f_c_prev": (
        [(3.0 + R, 5.5), (6.5 - R, 5.5)],
        (4.75, 5.9, "center"),
        "f⊙c<sub>t−1</sub>",
        "forget",
    ),
    "c": ([(6.5 + R, 5.5), (14.0, 5.5)], (12.2, 5.9, "center"), "c<sub>t</sub>", "cell"),
    "h_prev": ([(0.0, 1.0), (9.0, 1.0)], (0.1, 0.6, "left"), "h<sub>t−1</sub>", "in"),
    "forget": ([(3.0, 1.0), (3.0, 5.5 - R)], (3.15, 4.35, "left"), "f<sub>t</sub>", "forget"),
    "input": (
        [(5.0, 1.0), (5.0, 4.0), (6.5 - R, 4.0)],
        (4.85, 3.35, "right"),
        "i<sub>t</sub>",
        "input",
    ),
    "candidate": ([(6.5, 1.0), (6.5, 4.0 - R)], (6.65, 3.35, "left"), "g<sub>t</sub>", "candidate"),
    "i_g": ([(6.5, 4.0 + R), (6.5, 5.5 - R)], (6.65, 4.75, "left"), "i⊙g", "input"),
    "output": (
        [(9.0, 1.0), (9.0, 3.0), (10.5 - R, 3.0)],
        (9.6, 3.35, "center"),
        "o<sub>t</sub>",
        "output",
    ),
    "tanh_c": (
        [(10.5, 5.5), (10.5, 3.0 + R)],
        (10.65, 3.65, "left"),
        "tanh(c<sub>t</sub>)",
        "cell",
    ),
    "h": (
        [(10.5, 3.0 - R), (10.5, 1.0), (14.0, 1.0)],
        (12.4, 0.6, "center"),
        "h<sub>t</sub>",
        "hidden",
    ),
}
_LSTM_NODES = {  # (x, y, kind, text, colour key); kind "box" or "node"
    "f_box": (3.0, 2.1, "box", "σ", "forget"),
    "i_box": (5.0, 2.1, "box", "σ", "input"),
    "g_box": (6.5, 2.1, "box", "tanh", "candidate"),
    "o_box": (9.0, 2.1, "box", "σ", "output"),
    "tanh_box": (10.5, 4.4, "box", "tanh", "cell"),
    "f_mul": (3.0, 5.5, "node", "×", "forget"),
    "ig_mul": (6.5, 4.0, "node", "×", "input"),
    "add": (6.5, 5.5, "node", "+", "cell"),
    "o_mul": (10.5, 3.0, "node", "×", "output"),
}

_GRU_PATHS = {
    "h_prev": (
        [(0.0, 5.5), (4.5 - R, 5.5)],
        (0.1, 5.9, "left"),
        "h<sub>t−1</sub>",
        "hidden",
    ),
    "bus": ([(1.0, 5.5), (1.0, 1.0), (9.0, 1.0)], None, "", "in"),
    "reset": (
        [(2.5, 1.0), (2.5, 3.0), (6.5 - R, 3.0)],
        (3.5, 3.35, "center"),
        "r<sub>t</sub>",
        "reset",
    ),
    "update": ([(4.5, 1.0), (4.5, 5.5 - R)], (4.35, 4.4, "right"), "z<sub>t</sub>", "update"),
    "z_branch": ([(4.5, 4.0), (7.2 - R, 4.0)], None, "", "update"),
    "one_minus_z": (
        [(7.2 + R, 4.0), (11.0 - R, 4.0)],
        (9.1, 4.35, "center"),
        "1−z<sub>t</sub>",
        "update",
    ),
    "hn": (
        [(6.5, 1.0), (6.5, 3.0 - R)],
        (6.65, 2.0, "left"),
        "W<sub>hn</sub>h+b<sub>hn</sub>",
        "in",
    ),
    "r_hn": ([(6.5 + R, 3.0), (9.0 - R, 3.0)], (7.75, 3.35, "center"), "r⊙(·)", "reset"),
    "xn": (
        [(9.0, 1.0), (9.0, 3.0 - R)],
        (9.15, 1.45, "left"),
        "W<sub>in</sub>x+b<sub>in</sub>",
        "in",
    ),
    "candidate": (
        [(9.0 + R, 3.0), (11.0, 3.0), (11.0, 4.0 - R)],
        (11.15, 3.35, "left"),
        "n<sub>t</sub>",
        "candidate",
    ),
    "keep_n": ([(11.0, 4.0 + R), (11.0, 5.5 - R)], (11.15, 4.75, "left"), "(1−z)⊙n", "candidate"),
    "z_h_prev": (
        [(4.5 + R, 5.5), (11.0 - R, 5.5)],
        (7.5, 5.9, "center"),
        "z⊙h<sub>t−1</sub>",
        "update",
    ),
    "h": ([(11.0 + R, 5.5), (14.0, 5.5)], (12.6, 5.9, "center"), "h<sub>t</sub>", "hidden"),
}
_GRU_NODES = {
    "r_box": (2.5, 2.1, "box", "σ", "reset"),
    "z_box": (4.5, 2.1, "box", "σ", "update"),
    "tanh_box": (10.15, 3.0, "box", "tanh", "candidate"),
    "r_mul": (6.5, 3.0, "node", "×", "reset"),
    "add_n": (9.0, 3.0, "node", "+", "candidate"),
    "one_minus": (7.2, 4.0, "node", "1−", "update"),
    "n_mul": (11.0, 4.0, "node", "×", "candidate"),
    "z_mul": (4.5, 5.5, "node", "×", "update"),
    "add": (11.0, 5.5, "node", "+", "hidden"),
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
        x0=0.6,
        x1=13.4,
        y0=0.2,
        y1=6.5,
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
            font=dict(size=ANNOTATION_SIZE, color=font_color),
            name=f"node:{name}",
        )
    # x_t comes in from below
    x_in = 2.0 if step.kind == "lstm" else 1.6
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
    fig.update_xaxes(visible=False, range=[-0.3, 14.3], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1.5, 6.8], fixedrange=True)
    fig.update_layout(showlegend=False, dragmode=False)
    apply_layout(fig, title, height)
    fig.update_layout(margin=dict(l=10, r=10, t=60 if title else 10, b=10))
    return fig
