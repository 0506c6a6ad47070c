"""The map of recurrent shapes: five small unrolled diagrams (one-to-one … many-to-many
unaligned), each with the labs that sit there and their models' tensor shapes.

Inputs are drawn at the bottom (red), recurrent states in the middle (green), outputs on
top (blue), as in the lecture's picture; arrows go up and to the right.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from seqviz.figures.style import OKABE_ITO, apply_layout

# (cells, which cells read an input, which cells give an output) for each kind
PATTERNS = {
    "one-to-one": (1, (0,), (0,)),
    "one-to-many": (3, (0,), (0, 1, 2)),
    "many-to-one": (3, (0, 1, 2), (2,)),
    "many-to-many (aligned)": (3, (0, 1, 2), (0, 1, 2)),
    "many-to-many (unaligned)": (4, (0, 1), (2, 3)),
}
COLORS = {
    "in": OKABE_ITO["vermillion"],
    "cell": OKABE_ITO["bluish green"],
    "out": OKABE_ITO["blue"],
}
BOX = 0.075  # half the width of a box, in panel units
ROWS = {"in": 0.0, "cell": 1.0, "out": 2.0}


def _x(panel: int, cell: int, cells: int) -> float:
    """x of a cell: panels are 1 wide, cells spread over the middle of theirs."""
    if cells == 1:
        return panel + 0.5
    return panel + 0.14 + 0.72 * cell / (cells - 1)


def _arrow(fig: go.Figure, x0: float, y0: float, x1: float, y1: float) -> None:
    fig.add_annotation(
        x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.6, arrowcolor="#555555", text="",
    )  # fmt: skip


def shapes_map(
    kinds: Sequence[str],
    labs: Mapping[str, Sequence[tuple[str, Sequence[tuple[str, str]]]]],
    *,
    title: str | None = None,
    height: int = 560,
) -> go.Figure:
    """The map.

    Args:
        kinds: the panels, left to right (keys of :data:`PATTERNS`).
        labs: kind -> [(lab title, [(tensor, shape), ...]), ...]: written under the panel,
            one line per lab (plain text: escaped here).
    """
    fig = go.Figure()
    for p, kind in enumerate(kinds):
        cells, reads, gives = PATTERNS[kind]
        for c in range(cells):
            x = _x(p, c, cells)
            rows = ["cell"] + (["in"] if c in reads else []) + (["out"] if c in gives else [])
            for row in rows:
                y = ROWS[row]
                fig.add_shape(
                    type="rect", x0=x - BOX, x1=x + BOX, y0=y - 0.22, y1=y + 0.22,
                    fillcolor=COLORS[row], line=dict(color="#333333", width=1), opacity=0.85,
                )  # fmt: skip
            if c in reads:
                _arrow(fig, x, ROWS["in"] + 0.22, x, ROWS["cell"] - 0.22)
            if c in gives:
                _arrow(fig, x, ROWS["cell"] + 0.22, x, ROWS["out"] - 0.22)
            if c + 1 < cells:
                _arrow(fig, x + BOX, 1.0, _x(p, c + 1, cells) - BOX, 1.0)
        fig.add_annotation(
            x=p + 0.5, y=2.5, yanchor="bottom", showarrow=False,
            text="<br>".join(f"<b>{html.escape(w)}</b>" for w in kind.split(" ", 1)),
            font=dict(size=17), xref="x", yref="y",
        )  # fmt: skip
        lines = []
        for lab, shapes in labs.get(kind, ()):
            chain = " → ".join(f"{html.escape(n)} {html.escape(s)}" for n, s in shapes)
            lines.append(f"<b>{html.escape(lab)}</b><br>{_wrap(chain)}")
        fig.add_annotation(
            x=p + 0.5, y=-0.35, yanchor="top", xref="x", yref="y", showarrow=False,
            text="<br><br>".join(lines) or "<i>no lab yet</i>", font=dict(size=13), align="center",
        )  # fmt: skip
    for p in range(1, len(kinds)):  # a thin line between two panels
        fig.add_shape(type="line", x0=p, x1=p, y0=-0.3, y1=3.0, line=dict(color="#DDDDDD", width=1))
    fig.add_trace(  # invisible points: the axes keep their range, the hover names the rows
        go.Scatter(
            x=[0.02] * 3,
            y=[0, 1, 2],
            mode="markers",
            marker=dict(size=1, color="rgba(0,0,0,0)"),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False, range=[0, len(kinds)], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-2.6, 3.2], fixedrange=True)
    for row, label in (("in", "input x"), ("cell", "state h"), ("out", "output y")):
        fig.add_annotation(
            x=0, y=ROWS[row], xref="paper", yref="y", xanchor="right", showarrow=False,
            text=f'<span style="color:{COLORS[row]}">{label}</span>', font=dict(size=13),
        )  # fmt: skip
    fig = apply_layout(fig, title, height)
    fig.update_layout(margin=dict(l=80, r=10, t=60 if title else 10, b=10))
    return fig


def _wrap(chain: str, width: int = 22) -> str:
    """Break a long "a → b → c" chain onto lines of about ``width`` characters."""
    out, line = [], ""
    for piece in chain.split(" → "):
        candidate = f"{line} → {piece}" if line else piece
        if line and len(candidate) > width:
            out.append(line + " →")
            line = piece
        else:
            line = candidate
    out.append(line)
    return "<br>".join(out)
