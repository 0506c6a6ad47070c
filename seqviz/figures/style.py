"""Visual conventions shared by every seqviz figure.

One place for colours, colour scales, fonts, and each gate's colour, letter and
name, so that the forget gate is the same colour (and f_t) on every page and every
heatmap of signed values uses the same diverging scale. Sized for a projector in a
lecture hall: nothing smaller than 14 px.

Colours come from the Okabe-Ito palette (distinguishable with the common
forms of colour blindness); the colour scales are ColorBrewer RdBu (diverging)
and Viridis / Cividis (sequential, perceptually uniform).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import plotly.io as pio

from seqviz.recurrent import GATES

__all__ = [
    "OKABE_ITO",
    "GATE_COLORS",
    "GATE_LABELS",
    "GATE_LETTERS",
    "GATE_NAMES",
    "GATE_ORDER",
    "GATE_SYMBOLS",
    "STATE_COLORS",
    "DIVERGING",
    "SEQUENTIAL",
    "TIME_SCALE",
    "STEP_LINE",
    "STEP_FILL",
    "UNK_COLOR",
    "NEUTRAL",
    "ACCENT",
    "FONT_FAMILY",
    "FONT_SIZE",
    "TITLE_SIZE",
    "TICK_SIZE",
    "ANNOTATION_SIZE",
    "CELL_TEXT_SIZE",
    "CELL_NUMBER_SIZE",
    "UNK_TOKEN",
    "apply_layout",
    "gate_color",
    "gate_letter",
    "gate_title",
    "token_label",
]

# --- palette ----------------------------------------------------------------

OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}

# --- gates ------------------------------------------------------------------
# Keyed by the core's gate names. Which gates a cell has, and in which order, is the
# core's: seqviz.recurrent.GATES (PyTorch's order); legends, tabs and subplots list
# the gates in that order. Everything a page shows about a gate comes from here.

GATE_ORDER = GATES

# One colour per gate, used on every page. LSTM and GRU "candidate" are the same
# idea (the proposed new content), so they share a colour.
GATE_COLORS = {
    "input": OKABE_ITO["blue"],
    "forget": OKABE_ITO["vermillion"],
    "output": OKABE_ITO["bluish green"],
    "candidate": OKABE_ITO["reddish purple"],
    "reset": OKABE_ITO["orange"],
    "update": OKABE_ITO["sky blue"],
}

# The lecture's letter for each gate: i_t, f_t, o_t, g_t (the LSTM's candidate, also
# written C~_t), r_t, z_t. The GRU's candidate is n_t (see gate_letter).
GATE_LETTERS = {
    "input": "i",
    "forget": "f",
    "output": "o",
    "candidate": "g",
    "reset": "r",
    "update": "z",
}

# The letter with its time index, as Plotly rich text: f<sub>t</sub>.
GATE_SYMBOLS = {gate: f"{letter}<sub>t</sub>" for gate, letter in GATE_LETTERS.items()}

# What a gate is called in a figure (rich text) and in a plain-text label (tabs, menus).
GATE_NAMES = {
    gate: f"{gate} gate {GATE_SYMBOLS[gate]}" for gate in GATE_LETTERS if gate != "candidate"
} | {"candidate": "candidate (proposed new content)"}
GATE_LABELS = {
    gate: f"{gate} gate {letter}_t" for gate, letter in GATE_LETTERS.items() if gate != "candidate"
} | {"candidate": "candidate g_t / n_t"}

# Cell state c_t and hidden state h_t when drawn next to the gates.
STATE_COLORS = {"cell": OKABE_ITO["black"], "hidden": "#7F7F7F"}

# --- colour scales ----------------------------------------------------------

DIVERGING = "RdBu_r"  # signed values: blue < 0, white = 0, red > 0 (always zmid=0)
SEQUENTIAL = "Viridis"  # values in 0..1: gates, attention weights, probabilities
TIME_SCALE = "Cividis"  # position in the sequence (trajectory markers)

# --- highlights -------------------------------------------------------------

STEP_LINE = OKABE_ITO["black"]  # outline of "the current step t" (rectangles, markers)
STEP_FILL = OKABE_ITO["yellow"]  # fill of the current step's marker / box
UNK_COLOR = OKABE_ITO["reddish purple"]  # the <unk> token in labels
NEUTRAL = "#A6A6A6"  # bars / lines that are not the focus
ACCENT = OKABE_ITO["blue"]  # the one bar / line that is the focus (e.g. the actual next char)
UNK_TOKEN = "<unk>"

# --- fonts (px) -------------------------------------------------------------

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
FONT_SIZE = 18  # axis titles, legends, hover labels
TITLE_SIZE = 24
TICK_SIZE = 16
ANNOTATION_SIZE = 18
CELL_TEXT_SIZE = 18  # characters drawn inside heatmap cells
CELL_NUMBER_SIZE = 14  # numbers written inside heatmap cells (the smallest text size)


def gate_color(gate: str) -> str:
    """The colour of a gate, e.g. ``gate_color("forget")``.

    Raises:
        ValueError: for a name that is not a gate of LSTM or GRU.
    """
    try:
        return GATE_COLORS[gate]
    except KeyError:
        raise ValueError(f"unknown gate {gate!r}; expected one of {sorted(GATE_COLORS)}") from None


def gate_letter(gate: str, kind: str = "lstm") -> str:
    """The gate's letter in the lecture's equations: ``f`` for ``"forget"``.

    ``kind`` is the cell (``"lstm"`` or ``"gru"``): the candidate is ``g`` in an
    LSTM and ``n`` in a GRU.

    Raises:
        ValueError: for a name that is not a gate of LSTM or GRU.
    """
    gate_color(gate)  # validates the name
    return "n" if kind == "gru" and gate == "candidate" else GATE_LETTERS[gate]


def gate_title(gate: str) -> str:
    """The gate's name and symbol as a bold rich-text title in the gate's colour."""
    return f'<span style="color:{gate_color(gate)}"><b>{GATE_NAMES[gate]}</b></span>'


def token_label(token: str, compact: bool = True) -> str:
    """How a token is written in a figure, safe for Plotly's rich-text renderer.

    Plotly interprets a small set of HTML tags (``<b>``, ``<a href>``, ...) in
    every label, so user text is escaped here and nowhere else.

    - a space is shown as ``␣``, a newline as ``↵``, a tab as ``⇥``;
    - ``<unk>`` is shown in :data:`UNK_COLOR`, as a bold ``?`` when
      ``compact`` (tick labels, one cell per character) or as ``<unk>``;
    - everything else is HTML-escaped (``<`` -> ``&lt;``), so it renders
      literally.
    """
    if token == UNK_TOKEN:
        inner = "<b>?</b>" if compact else "&lt;unk&gt;"
        return f'<span style="color:{UNK_COLOR}">{inner}</span>'
    shown = token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥").replace("\r", "↵")
    return html.escape(shown, quote=False)


# Plotly's "plotly_white" look, without the defaults for trace types seqviz never draws
# (maps, polar, ternary, carpet, tables, ...). Setting a template deep-copies it for every
# figure: the full one costs ~10 ms per figure and ~7 KB of JSON per chart sent.
TEMPLATE = "seqviz_white"
_TRACE_TYPES = (
    "bar",
    "contour",
    "heatmap",
    "histogram",
    "scatter",
    "scatter3d",
    "scattergl",
    "surface",
)
if TEMPLATE not in pio.templates:
    _white = pio.templates["plotly_white"]
    _layout = _white.layout.to_plotly_json()
    for unused in ("geo", "polar", "ternary", "mapbox", "map"):
        _layout.pop(unused, None)
    pio.templates[TEMPLATE] = go.layout.Template(
        layout=_layout,
        data={kind: _white.data[kind] for kind in _TRACE_TYPES},
    )


def apply_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Apply the projector-friendly layout to ``fig`` (in place) and return it.

    Args:
        fig: any Plotly figure.
        title: rich-text title (already escaped if it contains user text).
        height: figure height in px; ``None`` leaves Plotly's default.
    """
    fig.update_layout(
        template=TEMPLATE,
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color="#222222"),
        title=dict(text=title, font=dict(size=TITLE_SIZE), x=0.0, xanchor="left")
        if title
        else None,
        hoverlabel=dict(font=dict(size=FONT_SIZE)),
        legend=dict(font=dict(size=FONT_SIZE)),
        margin=dict(l=70, r=30, t=90 if title else 40, b=70),
    )
    if height is not None:
        fig.update_layout(height=int(height))
    fig.update_xaxes(tickfont=dict(size=TICK_SIZE), title_font=dict(size=FONT_SIZE))
    fig.update_yaxes(tickfont=dict(size=TICK_SIZE), title_font=dict(size=FONT_SIZE))
    return fig


MAX_FIGURE_HEIGHT = 1400  # px: a heatmap grows to fit its row labels up to here, then thins
LINE_HEIGHT = 1.3  # a tick label's height, in multiples of its font size


def _axis_names(fig: go.Figure, trace, letter: str) -> str:
    """The layout key of a trace's x or y axis ("x2" -> "xaxis2")."""
    ref = getattr(trace, f"{letter}axis", None) or letter
    return f"{letter}axis{ref[1:]}"


def _tick_size(fig: go.Figure, axis) -> float:
    font = (axis.tickfont.size if axis.tickfont else None) or fig.layout.font.size
    return float(font or 12)


def label_every_category(fig: go.Figure) -> go.Figure:
    """Every row and column label of every heatmap drawn, none overlapping (in place).

    Plotly labels a categorical axis automatically and, when the labels are big for
    the space (a projector's fonts, a long sentence), silently skips every other one.
    Here a heatmap's categorical axis without tick settings of its own gets one tick
    per category; x labels that do not fit are rotated by Plotly; row labels that do
    not fit make the figure taller (up to :data:`MAX_FIGURE_HEIGHT`), and past that
    only every k-th row is labelled, which the axis title then says.
    """
    margin = fig.layout.margin
    vertical = (margin.t if margin.t is not None else 100) + (
        margin.b if margin.b is not None else 80
    )
    for trace in fig.data:
        if trace.type != "heatmap":
            continue
        for letter in "xy":
            name = _axis_names(fig, trace, letter)
            axis = fig.layout[name]
            values = getattr(trace, letter)
            categorical = (
                values is not None and len(values) > 0 and all(isinstance(v, str) for v in values)
            )
            if categorical and axis.tickvals is None and axis.dtick is None:
                if axis.tickmode in (None, "auto"):
                    axis.update(tickmode="array", tickvals=list(values), ticktext=list(values))
            if letter != "y" or axis.tickvals is None or axis.showticklabels is False:
                continue
            n = len(axis.tickvals)
            domain = axis.domain or (0, 1)
            share = max(domain[1] - domain[0], 0.05)
            need = n * _tick_size(fig, axis) * LINE_HEIGHT / share + vertical
            height = fig.layout.height or 450
            if need <= height:
                continue
            if need <= MAX_FIGURE_HEIGHT:
                fig.layout.height = int(need) + 1
                continue
            fig.layout.height = MAX_FIGURE_HEIGHT
            room = (MAX_FIGURE_HEIGHT - vertical) * share
            fits = max(1, int(room / (_tick_size(fig, axis) * LINE_HEIGHT)))
            stride = -(-n // fits)
            text = list(axis.ticktext) if axis.ticktext is not None else list(axis.tickvals)
            axis.update(tickvals=list(axis.tickvals)[::stride], ticktext=text[::stride])
            title = axis.title.text or ""
            axis.title.text = f"{title} (one row in {stride} labelled)".strip()
    return fig
