"""The Gates lab's caches, LaTeX and captions.

Every figure over the whole text is built once per (cell, weights, text[, unit]) and
kept frozen (``seqviz.figures.overlay.freeze``); a step click adds the step's marker.
Steps are shown 1 … T (FIRST = 1: the cell reads x_1 … x_T from h_0 = 0, c_0 = 0); the
trace and the step control's ``render(t)`` index them 0 … T-1.

The sentences that tell the student what the default view shows are constants here
(and in assets/text/gates_*.md); tests/test_claims_gates.py computes each one.
"""

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import lesson, loaders, share
from seqviz import streaks, units
from seqviz.cell_step import CellStep, cell_step
from seqviz.figures import coloured_text
from seqviz.figures import gates as gfigs
from seqviz.figures import units as ufigs
from seqviz.figures.cell_diagram import cell_diagram
from seqviz.figures.overlay import freeze, overlay
from seqviz.figures.timeaxis import clip_step, step_marker
from seqviz.latex import num, pnum

FIRST = 1  # the number shown for the first step: x_1, after h_0 = 0
CELLS = {"lstm": "LSTM", "gru": "GRU"}  # model name -> label (the URL holds the label)
STATE_ZMAX = 1.0  # colour range ±1 for every state heatmap (h_t is a tanh; c_t is cut there)
STREAK = dict(min_length=20, threshold=0.1)  # a streak: one sign, |v| > 0.1, 20+ steps

# --- the claims (tests/test_claims_gates.py) -----------------------------------------
CLAIM_CELL_STREAKS = (
    "The cell state c_t shows long horizontal streaks: on the default text more than a "
    "quarter of the units keep one sign for 20 characters or more."
)
CLAIM_HIDDEN_SPECKLED = (
    "The LSTM's h_t = o_t ⊙ tanh(c_t) is far more speckled than its c_t: the output gate "
    "and the tanh re-weight it at every character."
)
CLAIM_RNN_SPECKLED = (
    "The plain RNN rewrites its whole state at every character: short, busy speckle, and "
    "almost no unit keeps its sign for 20 characters."
)
CLAIM_GRU_SPECKLED = (
    "The GRU has no separate memory: its h_t is nearly as speckled as the plain RNN's on "
    "the default text."
)
CLAIM_SATURATION = "Trained gates saturate far more often than untrained ones."

# --- captions (how to read each chart; no claims about the default view) -------------
DIAGRAM_HOW = {
    "lstm": "the inside of the LSTM cell at step t for unit j (after Olah's diagrams): the "
    "cell state runs along the top, c_{t−1} → ×f_t → +i_t⊙g_t → c_t; the gates are fed "
    "from below by h_{t−1} and x_t. Each path carries unit j's value at this step; a "
    "gate's line is thicker the more open it is. Every gate reads all H units of h_{t−1} "
    "(and x_t), not only unit j.",
    "gru": "the inside of the GRU cell at step t for unit j, with PyTorch's formulas: "
    "r_t multiplies W_hn h_{t−1} + b_hn, after the matrix product (the textbook writes "
    "W_hn (r_t ⊙ h_{t−1})); then h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}, so z_t near 1 "
    "keeps the old state. Each path carries unit j's value; a gate's line is thicker "
    "the more open it is. Every gate reads all H units of h_{t−1} and x_t.",
}
EQUATION_HOW = {
    "lstm": "The same numbers as on the diagram: the forget gate scales the old memory, "
    "the input gate scales the candidate, the output gate scales tanh(c_t).",
    "gru": "PyTorch's GRU: the reset gate scales W_hn h_{t−1} + b_hn, and z_t mixes the "
    "old state with the candidate (1 − z_t of n_t, z_t of h_{t−1}).",
}
SERIES_HOW = (
    "one line per gate of unit j over the text (σ, 0..1): near 1 the valve is open, near 0 "
    "closed; the outlined column is step t."
)
CANDIDATE_HOW = {
    "lstm": "the candidate g_t is not a gate but the proposed new content (tanh, −1..1); "
    "the input gate i_t decides how much of it goes into c_t.",
    "gru": "the candidate n_t is not a gate but the proposed new state (tanh, −1..1); "
    "1 − z_t decides how much of it goes into h_t.",
}
STATE_TITLES = {
    ("lstm", "cell"): "LSTM cell state c<sub>t</sub>",
    ("lstm", "hidden"): "LSTM hidden state h<sub>t</sub>",
    ("gru", "hidden"): "GRU hidden state h<sub>t</sub>",
    ("rnn", "hidden"): "Plain RNN hidden state h<sub>t</sub>",
}
STATE_KEYS = {  # chart keys
    ("lstm", "cell"): "gates_heat_c",
    ("lstm", "hidden"): "gates_heat_gated",
    ("gru", "hidden"): "gates_heat_gated",
    ("rnn", "hidden"): "gates_heat_rnn",
}


def _marker(t: int | None, T: int) -> dict:
    t = clip_step(t, T)
    return step_marker(t, FIRST) if t is not None else {}


# --- one step: the cell diagram and its equations ------------------------------------


def step_values(cell: str, trained: bool, text: str, t: int, unit: int) -> CellStep:
    """Every value on the diagram's paths for unit j at step t (0-based row)."""
    reading = loaders.read(cell, trained, text)
    return cell_step(reading.trace.layers[0].directions[0], cell, t, unit)


@st.cache_resource(max_entries=256, ttl=1800, show_spinner=False)
def _diagram(cell: str, trained: bool, text: str, t: int, unit: int, height: int) -> dict:
    token = loaders.read(cell, trained, text).encoded.tokens[t]
    return freeze(cell_diagram(step_values(cell, trained, text, t, unit), token, height=height))


def diagram(cell: str, trained: bool, text: str, t: int, unit: int, height: int) -> go.Figure:
    """The live cell diagram of unit j at step t (cached per step for every session)."""
    return overlay(_diagram(cell, trained, text, t, unit, height))


def state_equation(s: CellStep) -> str:
    """How the new state is made: symbols, then unit j's numbers, then the result.

    The numbers are the diagram's (``s.values``); rows are short enough for a column
    beside the diagram, also at the projector's 1.5x equation size.
    """
    v, j = s.values, s.unit
    if s.kind == "lstm":
        return (
            r"\begin{aligned}"
            rf"c_{{t,{j}}} &= f_t \odot c_{{t-1}} + i_t \odot g_t\\"
            rf"&= {pnum(v['forget'])}\cdot{pnum(v['c_prev'])}\\"
            rf"&\qquad + {pnum(v['input'])}\cdot{pnum(v['candidate'])}\\"
            rf"&= \mathbf{{{num(v['c'])}}}\\[4pt]"
            rf"h_{{t,{j}}} &= o_t \odot \tanh(c_t)\\"
            rf"&= {pnum(v['output'])}\cdot\tanh({num(v['c'])})\\"
            rf"&= \mathbf{{{num(v['h'])}}}"
            r"\end{aligned}"
        )
    return (
        r"\begin{aligned}"
        rf"n_{{t,{j}}} &= \tanh\big(W_{{in}} x_t + b_{{in}}\\"
        rf"&\qquad + r_t \odot (W_{{hn}} h_{{t-1}} + b_{{hn}})\big)\\"
        rf"&= \tanh({num(v['xn'])} + {pnum(v['r_hn'])})\\"
        rf"&= \mathbf{{{num(v['candidate'])}}}\\[4pt]"
        rf"h_{{t,{j}}} &= (1 - z_t) \odot n_t + z_t \odot h_{{t-1}}\\"
        rf"&= {pnum(v['one_minus_z'])}\cdot{pnum(v['candidate'])}\\"
        rf"&\qquad + {pnum(v['update'])}\cdot{pnum(v['h_prev'])}\\"
        rf"&= \mathbf{{{num(v['h'])}}}"
        r"\end{aligned}"
    )


# --- one unit over the whole text ----------------------------------------------------


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def _unit_figures(cell: str, trained: bool, text: str, unit: int) -> tuple[dict | None, ...]:
    reading = loaders.read(cell, trained, text)
    tr, tokens = reading.trace, reading.encoded.tokens
    gates = {g: tr.gates[g][:, unit] for g in tr.gates if g != "candidate"}
    series = gfigs.gate_timeseries(gates, tokens, unit=unit, first=FIRST, height=360)
    cand = gfigs.candidate_timeseries(
        tr.gates["candidate"][:, unit], tokens, kind=cell, unit=unit, first=FIRST
    )
    cell_fig = (
        None
        if tr.cell is None
        else gfigs.cell_vs_hidden(
            tr.cell[:, unit], tr.hidden[:, unit], tokens, unit=unit, first=FIRST
        )
    )
    text_fig = coloured_text.text_activation(
        tokens,
        tr.hidden[:, unit],
        title=f"Your text, coloured by unit {unit}'s h<sub>t</sub>",
        first=FIRST,
    )
    return (
        freeze(series),
        freeze(cand),
        None if cell_fig is None else freeze(cell_fig),
        freeze(text_fig),
    )


def unit_figures(
    cell: str, trained: bool, text: str, unit: int, t: int
) -> tuple[go.Figure, go.Figure, go.Figure | None, go.Figure]:
    """Unit j at step t: gates (0..1), candidate (-1..1), cell vs hidden (LSTM), text."""
    series, cand, cell_fig, text_fig = _unit_figures(cell, trained, text, unit)
    tokens = loaders.read(cell, trained, text).encoded.tokens
    marker = _marker(t, len(tokens))
    return (
        overlay(series, **marker),
        overlay(cand, **marker),
        None if cell_fig is None else overlay(cell_fig, **marker),
        overlay(text_fig, **coloured_text.text_step_marker(tokens, t)),
    )


# --- the whole text: gates, states, saturation ---------------------------------------


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def _gate_heatmap(cell: str, trained: bool, text: str, gate: str) -> dict:
    reading = loaders.read(cell, trained, text)
    return freeze(
        gfigs.gate_heatmap(
            reading.trace.gates[gate], reading.encoded.tokens, gate=gate, first=FIRST
        )
    )


def gate_heatmap(cell: str, trained: bool, text: str, gate: str) -> go.Figure:
    """Units x time heatmap of one gate over the whole text (no step)."""
    return overlay(_gate_heatmap(cell, trained, text, gate))


def _state(name: str, trained: bool, text: str, state: str):
    tr = loaders.read(name, trained, text).trace
    return tr.cell if state == "cell" else tr.hidden  # (T, H)


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def _state_heatmap(name: str, trained: bool, text: str, state: str, title: str) -> dict:
    tokens = loaders.read(name, trained, text).encoded.tokens
    values = _state(name, trained, text, state)
    return freeze(
        gfigs.state_heatmap(
            values, tokens, state, zmax=STATE_ZMAX, title=title, height=520, first=FIRST
        )
    )


def state_heatmap(name: str, trained: bool, text: str, state: str, title: str) -> go.Figure:
    """Units x time heatmap of c_t (``state="cell"``) or h_t of model ``name``."""
    return overlay(_state_heatmap(name, trained, text, state, title))


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def streakiness(name: str, trained: bool, text: str, state: str) -> streaks.Streakiness:
    """How streaky c_t or h_t of model ``name`` is on this text (seqviz.streaks)."""
    return streaks.streakiness(_state(name, trained, text, state), **STREAK)


def streak_note(s: streaks.Streakiness) -> str:
    """The measured numbers under a state heatmap."""
    lag1 = (
        f"median lag-1 autocorrelation {s.median_lag1:+.2f} (1 = changes slowly, 0 = new at "
        "every step)"
        if math.isfinite(s.median_lag1)
        else "the lag-1 autocorrelation needs at least 3 characters that vary"
    )
    return (
        f"On this text: {s.n_streaky} of {s.n_units} units keep one sign "
        f"(|value| > {s.threshold:g}) for {s.min_length} characters or more; {lag1}."
    )


def state_chart(name: str, trained: bool, text: str, state: str, claim: str) -> None:
    """A state heatmap with its claim and the streaks measured on this text."""
    how = claim + " " + streak_note(streakiness(name, trained, text, state))
    if state == "cell":
        c_max = float(_state(name, trained, text, state).abs().max())
        how += (
            f" Colours stop at ±{STATE_ZMAX:g} like h_t's; c_t is not squashed and reaches "
            f"±{c_max:.1f} here (hover shows the value)."
        )
    lesson.chart(
        state_heatmap(name, trained, text, state, STATE_TITLES[name, state]),
        key=STATE_KEYS[name, state],
        how=how,
    )


def step_table(trace, tokens) -> pd.DataFrame:
    """``share.trace_table`` with the steps numbered as shown, FIRST … FIRST + T - 1."""
    table = share.trace_table(trace, tokens)
    return table.assign(t=table["t"] - table["t"].min() + FIRST)


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def _saturation(cell: str, trained: bool, text: str, gate: str, title: str) -> dict:
    reading = loaders.read(cell, trained, text)
    frac_low, frac_high = units.saturation(reading.trace.gates[gate])
    return freeze(ufigs.saturation_scatter(frac_low, frac_high, gate=gate, height=420, title=title))


def saturation(cell: str, trained: bool, text: str, gate: str, title: str) -> go.Figure:
    """Fraction of steps each unit's gate is closed (< 0.1) / open (> 0.9), one dot per unit."""
    return overlay(_saturation(cell, trained, text, gate, title))


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def _unit_ranking(
    cell: str, trained: bool, text: str, feature: str
) -> tuple[tuple[units.UnitScore, ...], dict]:
    reading = loaders.read(cell, trained, text)
    features = units.text_features(list(text.lower()))  # the T characters the model read
    # a tuple of frozen scores: shared by every session, so no reader can reorder or cut it
    ranking = tuple(units.rank_units(reading.trace.hidden, features[feature], top=8))
    return ranking, freeze(ufigs.unit_ranking_bar(ranking, feature=feature))


def unit_ranking(
    cell: str, trained: bool, text: str, feature: str
) -> tuple[tuple[units.UnitScore, ...], go.Figure]:
    """``units.rank_units`` of h_t against a text feature (top 8, a tuple), and its bar chart."""
    ranking, fig = _unit_ranking(cell, trained, text, feature)
    return ranking, overlay(fig)
