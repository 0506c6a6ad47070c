"""The RNN unrolled over time: one column of boxes per step, arrows carrying the weights.

Dimension letters: ``T`` time steps (one per input token), ``L`` stacked layers.

Rows from the bottom: the inputs ``x_t`` (the characters), one row of hidden-state
boxes ``h_t`` per layer (two per layer when bidirectional: forward ``→`` then
backward ``←``), and the outputs ``y_t``. The diagram is drawn in data coordinates:
column index ``i`` (0 .. T-1) at ``x = i``, row ``k`` at ``y = k``. Labels count as
the lecture does: column ``i`` is step ``t = i + first`` (``first = 1``: x_1 … x_T),
and the initial state h_0 = 0 (h←_{T+1} = 0 on a backward row) is drawn where the
window reaches the end of the text.

A bidirectional model here fills in a blank (``seqviz.charlm.CharModel.blank_hidden``):
its output at t reads h→_{t-1} and h←_{t+1}, neither of which has seen x_t, so the
arrows into y_t come from the neighbouring columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from seqviz.figures.style import ANNOTATION_SIZE, STEP_FILL, STEP_LINE, apply_layout, token_label
from seqviz.figures.timeaxis import clip_step, empty_figure

__all__ = ["unrolled"]

BOX_W = 0.22  # half-width of a box, in time steps
BOX_H = 0.22  # half-height of a box, in rows
LABEL_SIZE = ANNOTATION_SIZE + 2  # the text in a box
SMALL = ANNOTATION_SIZE - 3  # weight labels on arrows
QUIET = "#555555"  # arrows and labels away from the current step
BACKWARD = "←"


def visible_steps(T: int, step: int | None, width: int | None) -> range:
    """First and one-past-last step shown: all ``T <= 9`` steps, else 9 centred on ``step``."""
    w = T if width is None and T <= 9 else (9 if width is None else max(1, int(width)))
    w = min(w, T)
    centre = step if step is not None else 0
    start = min(max(centre - w // 2, 0), T - w)
    return range(start, start + w)


class Canvas:
    """The diagram's boxes, arrows and labels, collected as plain Plotly dicts.

    Hundreds of shapes and annotations added one by one through Plotly's
    validators take seconds; :meth:`figure` sets them once, after validation.
    """

    def __init__(self, step: int | None, first: int = 1):
        self.step = step  # the highlighted column
        self.first = first  # the step number of column 0
        self.shapes: list[dict] = []
        self.notes: list[dict] = []
        self.hover: list[tuple[float, float, str]] = []  # (x, y, equation) per box

    def text(
        self, x: float, y: float, text: str, size: int, color: str | None = None, **kw
    ) -> None:
        """A label at ``(x, y)``; ``kw`` are further Plotly annotation properties."""
        font = dict(size=size) | (dict(color=color) if color else {})
        self.notes.append(dict(x=x, y=y, text=text, showarrow=False, font=font, **kw))

    def box(self, t: int, y: float, label: str, hover: str, size: int = LABEL_SIZE) -> None:
        """A box at column ``t``, row ``y``; yellow and thick in the highlighted column."""
        hot = t == self.step
        self.shapes.append(
            dict(
                type="rect",
                x0=t - BOX_W,
                x1=t + BOX_W,
                y0=y - BOX_H,
                y1=y + BOX_H,
                line=dict(color=STEP_LINE, width=3 if hot else 1.5),
                fillcolor=STEP_FILL if hot else "white",
                layer="below",
            )
        )
        self.text(t, y, label, size)
        self.hover.append((t, y, hover))

    def n(self, t: int) -> int:
        """The step number shown for column ``t``."""
        return t + self.first

    def line(self, points: Sequence[tuple[float, float]], hot: bool = False) -> None:
        """A polyline without a head (the bent part of an arrow routed around a box)."""
        path = "M " + " L ".join(f"{x},{y}" for x, y in points)
        width, color = (2.5, STEP_LINE) if hot else (1.5, QUIET)
        self.shapes.append(
            dict(type="path", path=path, line=dict(color=color, width=width), layer="below")
        )

    def arrow(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        label: str = "",
        hot: bool = False,
        side: str = "right",
    ) -> None:
        """An arrow from ``start`` to ``end``, its label beside (``"right"``) or ``"above"`` it."""
        (x0, y0), (x1, y1) = start, end
        self.notes.append(
            dict(
                x=x1,
                y=y1,
                ax=x0,
                ay=y0,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                text="",
                showarrow=True,
                arrowhead=2,
                arrowsize=1.2,
                arrowwidth=2.5 if hot else 1.5,
                arrowcolor=STEP_LINE if hot else QUIET,
            )
        )
        if not label:
            return
        self.notes.append(
            dict(
                x=(x0 + x1) / 2,
                y=(y0 + y1) / 2,
                text=label,
                showarrow=False,
                xanchor="left" if side == "right" else "center",
                yanchor="bottom" if side == "above" else "middle",
                xshift=4 if side == "right" else 0,
                font=dict(size=SMALL, color=STEP_LINE if hot else QUIET),
            )
        )

    def figure(
        self,
        x_range: list[float],
        y_range: list[float],
        title: str | None,
        height: int,
        bottom: int,
    ) -> go.Figure:
        """The diagram: one invisible scatter carrying each box's hover, then the shapes."""
        xs, ys, hover = zip(*self.hover, strict=True) if self.hover else ((), (), ())
        fig = go.Figure(
            go.Scatter(
                x=list(xs),
                y=list(ys),
                mode="markers",
                marker=dict(size=40, opacity=0),
                text=list(hover),
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
                name="boxes",
            )
        )
        fig.update_xaxes(visible=False, range=x_range, fixedrange=True)
        fig.update_yaxes(visible=False, range=y_range, fixedrange=True)
        fig = apply_layout(fig, title, height)
        fig.update_layout(margin=dict(b=bottom), hovermode="closest")
        # The rest of the figure, template included, is validated; the shapes and
        # annotations are plain dicts from fixed keys above.
        spec = fig.to_dict()
        spec["layout"]["shapes"] = self.shapes
        spec["layout"]["annotations"] = self.notes
        return go.Figure(spec, _validate=False)


class Rows:
    """Which row of the diagram holds what: inputs at 0, ``(layer, direction)`` rows, outputs."""

    def __init__(self, num_layers: int, bidirectional: bool):
        self.num_layers = num_layers
        self.directions = ("→", BACKWARD) if bidirectional else ("",)
        self.hidden = [(layer, d) for layer in range(1, num_layers + 1) for d in self.directions]
        self.y = {row: i + 1 for i, row in enumerate(self.hidden)}
        self.output = len(self.hidden) + 1

    def sup(self, layer: int, d: str) -> str:
        """The ``(l)`` and direction superscript of a stacked or bidirectional row."""
        parts = ([f"({layer})"] if self.num_layers > 1 else []) + ([d] if d else [])
        return f"<sup>{''.join(parts)}</sup>" if parts else ""

    def below(self, layer: int) -> int:
        """The row a layer reads from: the inputs, or the top row of the layer below."""
        return 0 if layer == 1 else self.y[(layer - 1, self.directions[-1])]


def draw_input(c: Canvas, t: int, token: str) -> None:
    """The input box ``x_t`` (the token) with ``x_t`` written under it."""
    tok = token_label(token, compact=False)
    # a multi-character token (<unk>, a word) gets a smaller font to fit its box
    size = LABEL_SIZE if len(token) == 1 else SMALL - 1
    c.box(t, 0, f"<b>{tok}</b>", f"x<sub>{c.n(t)}</sub> = one-hot({tok})", size)
    c.text(t, -BOX_H, f"x<sub>{c.n(t)}</sub>", SMALL, QUIET, yanchor="top")


def draw_hidden(
    c: Canvas, rows: Rows, t: int, layer: int, d: str, span: range, labels: bool
) -> None:
    """The box ``h_t`` of one row, the arrow from below and the recurrent arrow into it."""
    y, s, hot = rows.y[(layer, d)], rows.sup(layer, d), t == c.step
    prev = f"h<sub>{c.n(t) - 1 if d != BACKWARD else c.n(t) + 1}</sub>{s}"
    below = (
        f"x<sub>{c.n(t)}</sub>" if layer == 1 else f"h<sub>{c.n(t)}</sub>{rows.sup(layer - 1, '')}"
    )
    # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h), with h_{t+1} on a backward row
    hover = f"h<sub>{c.n(t)}</sub>{s} = tanh(W<sub>xh</sub>{s} {below} + W<sub>hh</sub>{s} {prev} + b<sub>h</sub>{s})"
    c.box(t, y, f"h<sub>{c.n(t)}</sub>{s}", hover)
    y_from = rows.below(layer) + BOX_H
    if d == BACKWARD:
        # from the top of the same input box, bent around the forward box of this layer
        side = t + BOX_W + 0.12
        c.line([(t + 0.1, y_from), (side, y_from + 0.25), (side, y - BOX_H - 0.25)], hot)
        c.arrow((side, y - BOX_H - 0.25), (t + 0.12, y - BOX_H), "", hot, "right")
    else:
        c.arrow((t, y_from), (t, y - BOX_H), f"W<sub>xh</sub>{s}" if labels else "", hot, "right")
    label = f"W<sub>hh</sub>{s}" if labels else ""
    if d != BACKWARD and t > span.start:  # h_{t-1} -> h_t
        c.arrow((t - 1 + BOX_W, y), (t - BOX_W, y), label, hot, "above")
    if d == BACKWARD and t < span.stop - 1:  # h_{t+1} -> h_t
        c.arrow((t + 1 - BOX_W, y), (t + BOX_W, y), label, hot, "above")


def draw_output(c: Canvas, rows: Rows, t: int, labels: bool, T: int) -> None:
    """The output box ``y_t`` and the arrows from the hidden states it reads.

    A one-directional model: ``ŷ_t = softmax(W_hq h_t + b_q)``, its guess for x_{t+1}.
    A bidirectional one: ``ŷ_t = softmax(W_hq [h→_{t-1} ; h←_{t+1}] + b_q)``, its guess
    for x_t itself; the state beyond either end is the zero initial state.
    """
    n, hot = c.n(t), t == c.step
    if len(rows.directions) == 1:
        label = "W<sub>hq</sub>" if labels else ""
        c.box(
            t,
            rows.output,
            f"ŷ<sub>{n}</sub>",
            f"ŷ<sub>{n}</sub> = softmax(W<sub>hq</sub> h<sub>{n}</sub> + b<sub>q</sub>): "
            f"P(x<sub>{n + 1}</sub>)",
        )
        top = rows.y[rows.hidden[-1]] + BOX_H
        c.arrow((t, top), (t, rows.output - BOX_H), label, hot, "right")
        return
    layer = rows.num_layers
    sf, sb = rows.sup(layer, "→"), rows.sup(layer, BACKWARD)
    c.box(
        t,
        rows.output,
        f"ŷ<sub>{n}</sub>",
        f"ŷ<sub>{n}</sub> = softmax(W<sub>hq</sub> [h<sub>{n - 1}</sub>{sf} ; "
        f"h<sub>{n + 1}</sub>{sb}] + b<sub>q</sub>): P(x<sub>{n}</sub>), x<sub>{n}</sub> unseen",
    )
    y_fwd, y_bwd = rows.y[(layer, "→")], rows.y[(layer, BACKWARD)]
    end = (t, rows.output - BOX_H)
    # h→_{t-1}: the box one column left (or the initial state h→_0 = 0 left of column 0)
    start_f = (t - 1 + 0.12, y_fwd + BOX_H) if t > 0 else (t - 0.62, y_fwd + 0.12)
    # (W_hq is named in the hover and the note: a label here would sit on the ← row)
    c.arrow(start_f, (t - 0.08, end[1]), "", hot, "right")
    # h←_{t+1}: the box one column right (or h←_{T+1} = 0 right of the last column)
    start_b = (t + 1 - 0.12, y_bwd + BOX_H) if t < T - 1 else (t + 0.62, y_bwd + 0.12)
    c.arrow(start_b, (t + 0.08, end[1]), "", hot, "right")


def draw_initial(
    c: Canvas, rows: Rows, x: float, y: float, number: int, backward: bool, layer: int
) -> None:
    """The zero initial state beside the first box a row computes: h_0 = 0 (h←_{T+1})."""
    d = BACKWARD if backward else "→" if len(rows.directions) > 1 else ""
    c.text(x, y, f"h<sub>{number}</sub>{rows.sup(layer, d)} = 0", SMALL, QUIET)
    box = (x + 0.6 - BOX_W, y) if not backward else (x - 0.6 + BOX_W, y)
    c.arrow((x + (-0.25 if backward else 0.25), y), box, "", False, "above")


def draw_cut_ends(c: Canvas, rows: Rows, span: range, T: int) -> None:
    """``…`` where the window cuts the text, with the state flowing in from / out to it;
    the zero initial state where the window reaches the start (or, backward, the end)."""
    start, end = span.start, span.stop
    for row in rows.hidden:
        y, backward = rows.y[row], row[1] == BACKWARD
        if start == 0 and not backward:
            draw_initial(c, rows, -0.6, y, c.n(0) - 1, False, row[0])
        if end == T and backward:
            draw_initial(c, rows, T - 1 + 0.6, y, c.n(T - 1) + 1, True, row[0])
        if start > 0:
            c.text(start - 0.75, y, "…", 28)
            edge, outside = (start - BOX_W, y), (start - 0.6, y)
            c.arrow(*((edge, outside) if backward else (outside, edge)), "", False, "above")
        if end < T:
            c.text(end - 0.25, y, "…", 28)
            edge, outside = (end - 1 + BOX_W, y), (end - 0.4, y)
            c.arrow(*((outside, edge) if backward else (edge, outside)), "", False, "above")


def sharing_note(num_layers: int, bidirectional: bool) -> list[str]:
    """The lines of the note under the diagram: every column uses the same weights."""
    lines = [
        "Every column uses the SAME W<sub>xh</sub>, W<sub>hh</sub> and W<sub>hq</sub>: "
        "one set of weights, reused at every time step."
    ]
    if bidirectional:
        lines.append(
            "→ and ← rows have their own weights. ŷ<sub>t</sub> guesses x<sub>t</sub> from "
            "h→<sub>t−1</sub> and h←<sub>t+1</sub>: neither has read x<sub>t</sub>."
        )
    if num_layers > 1:
        lines.append("Each layer has its own weights; layer l reads the states of layer l−1.")
    return lines


def unrolled(
    tokens: Sequence[str],
    step: int | None = None,
    num_layers: int = 1,
    bidirectional: bool = False,
    window: int | None = None,
    title: str | None = "The RNN unrolled over time",
    height: int | None = None,
    first: int = 1,
) -> go.Figure:
    """Diagram of the RNN unrolled over the input, one column per time step.

    Arrows carry the weight that acts along them: ``W_xh`` (input to hidden),
    ``W_hh`` (hidden to next hidden; right-to-left on a backward row) and ``W_hq``
    (hidden to output: from h_t, or from h→_{t-1} and h←_{t+1} when bidirectional).
    A note under the diagram says that every column uses the same weights.

    Args:
        tokens: the ``T`` input tokens.
        step: the column to highlight (yellow boxes), or ``None``.
        num_layers: stacked layers ``L >= 1`` (labels gain a ``(l)`` superscript).
        bidirectional: add a backward row per layer.
        window: how many columns to draw; default all when ``T <= 9``, else 9
            around ``step``. Cut ends show ``…`` with the arrow coming in/out.
        first: the step number of the first token (1: x_1 … x_T, h_0 = 0).

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
    span = visible_steps(T, step, window)
    rows = Rows(num_layers, bidirectional)
    c = Canvas(step, first)
    # Weight labels on every column crowd out a stacked or bidirectional diagram:
    # there, label only the highlighted column (the first if none is).
    every_column = num_layers == 1 and not bidirectional and len(span) <= 9
    label_col = step if step is not None else span.start
    for t in span:
        labels = every_column or t == label_col
        draw_input(c, t, tokens[t])
        for layer, d in rows.hidden:
            draw_hidden(c, rows, t, layer, d, span, labels)
        draw_output(c, rows, t, labels, T)
    draw_cut_ends(c, rows, span, T)
    note = sharing_note(num_layers, bidirectional)
    c.text(0.5, -0.02, "<br>".join(note), ANNOTATION_SIZE, xref="paper", yref="paper",
           yanchor="top", name="weight sharing")  # fmt: skip
    room = 0.35 if bidirectional and span.stop == T else 0.0  # for "h←_{T+1} = 0"
    return c.figure(
        [span.start - 1, span.stop + room],
        [-0.7, rows.output + 0.5],
        title,
        height if height is not None else 130 * (rows.output + 1) + 40 * len(note),
        bottom=40 + 30 * len(note),
    )
