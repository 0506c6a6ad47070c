"""RNN step-through: read a sentence one character at a time and watch h_t change.

The student reads x_1 … x_T, h_0 = 0 and h_t after x_t; the trace's row i is step
t = i + 1 (``rnn_parts.FIRST``).
"""

import streamlit as st

from app import controls, frame, lesson, loaders, quiz, share, stepper, stepview, tour
from app.urlstate import BOUND
from app.views import rnn_parts as parts
from seqviz import recurrent
from seqviz.charlm import CharModel

st.title("RNN step-through")
# On a projector the step-through comes first; the intro, the text and the model settings
# go under it.
lecture = bool(st.session_state.get("lecture"))
if not lecture:
    lesson.intro("rnn_intro")
if lecture:
    stage, settings = st.container(), st.expander("Text, model and unit", icon=":material/tune:")
else:
    settings, stage = st.container(), st.container()

# --- controls ---------------------------------------------------------------------
with settings:
    text = controls.text_input()
    c_weights, c_stacked, c_layers, c_bidir = st.columns(
        [2, 1, 1, 1.4], vertical_alignment="bottom"
    )
    with c_weights:
        trained = controls.model_choice()
    bidirectional = c_bidir.toggle(
        "Bidirectional",
        key="rnn_bidirectional",
        help="Two RNNs, left-to-right and right-to-left.",
        **BOUND,
    )
    stacked = c_stacked.toggle(
        "Stacked",
        key="rnn_stacked",
        disabled=bidirectional,
        help="Several RNN layers on top of each other (off while Bidirectional is on).",
        **BOUND,
    )
    layers = c_layers.segmented_control(
        "Layers",
        options=[2, 3],
        default=2,
        required=True,
        key="rnn_layers",
        disabled=not stacked or bidirectional,
        **BOUND,
    )
if text is None:
    frame.stop()

name = "birnn" if bidirectional else f"rnn-{layers}layer" if stacked else "rnn"
if trained and not loaders.has_checkpoint(name):
    controls.missing_checkpoint(name, name)

# --- the one core call: run the model over the text once (cached) -------------------
reading = loaders.read(name, trained, text)
tr, enc, model = reading.trace, reading.encoded, reading.model
T, H = len(enc.tokens), model.config.hidden_size
vocab = model.vocab.idx_to_token

with settings:
    controls.show_encoded(enc.tokens, enc.unknown)
    unit = st.columns([1, 3])[0].number_input(
        f"Unit j (0 – {H - 1})",
        min_value=0,
        max_value=H - 1,
        step=1,
        key="unit",
        help="The hidden state has H numbers; the equation shows one of them.",
        **BOUND,
    )
    if bidirectional:
        lesson.more("Bidirectional RNNs: I am ___ very hungry", "rnn_bidirectional", expanded=True)
        st.button(
            "Try it on “I am not very hungry”",
            key="rnn_try_hungry",
            icon=":material/edit:",
            on_click=controls.set_text,
            args=("I am not very hungry",),
        )
    elif stacked:
        lesson.more("Stacked RNNs", "rnn_stacked", expanded=True)
    if not lecture:
        lesson.try_this("rnn_try")
        tour.guided_tour("rnn")


# "How to read this" under each part: the same sentences under the server's charts and in
# the browser's step view (parts.plain_how turns their markdown into plain text)
HOW = {
    "unrolled": "each column is one time step; every column uses the *same* W_xh, W_hh and "
    "W_hq (shared weights); the highlighted column is step t; h_0 = 0 is the initial state.",
    "equation": "the braces are the three terms for unit j; they add up to the pre-activation, "
    "and tanh squashes it into (−1, 1)."
    + (
        " The last line is the guess for the blank at t."
        if bidirectional
        else " The norms compare the whole vectors: new character vs memory vs bias."
    ),
    "pred": (
        r"the model guesses $x_t$ from $\overrightarrow{h}_{t-1}$ (everything left of it) "
        r"and $\overleftarrow{h}_{t+1}$ (everything right of it): neither has read $x_t$; "
        r"the accent bar is the true $x_t$."
        if bidirectional
        else "bar length is the probability the model gives each character $x_{t+1}$ after "
        "reading $x_1 … x_t$; the accent bar is the character that really comes next."
    ),
    "traj": f"each dot is one state h_1 … h_t ({H * model.num_directions} numbers) "
    "flattened to 2-D by PCA fitted on the whole text; older dots fade, the last 12 "
    "carry their character, the big marker is h_t.",
}


def show_step(i: int) -> None:
    """Everything that depends on the step t = i + 1 (redrawn by the step control alone)."""
    if lecture:  # on a projector the live equation and the diagram share the first screen
        show_equation(i, key="rnn_equation")
    lesson.chart(
        parts.unrolled(
            name,
            trained,
            text,
            i,
            model.config.num_layers,
            bidirectional,
            title=None if lecture else parts.UNROLLED_TITLE,
        ),
        key="rnn_unrolled",
        how=HOW["unrolled"],
    )
    if lecture:
        show_details(i)
    else:
        st.subheader("The equation, with this step's numbers")
        st.latex(parts.general(tr.nonlinearity))
        show_equation(i, key="rnn_equation")
        show_details(i)
    pred, path = st.columns(2, gap="large")
    with pred:
        show_prediction(i)
    with path:
        lesson.chart(
            parts.trajectory(name, trained, text, i),
            key="rnn_trajectory",
            how=HOW["traj"],
        )
    show_states(i)
    quiz.check_yourself("rnn", text=text, t=i, unit=int(unit))


def show_equation(i: int, key: str) -> None:
    """The live equation: unit j of h_t (and of h←_t), numbers substituted."""
    forward = tr.layers[0].directions[0]  # layer 1 reads the one-hot characters
    with st.container(key=key):
        st.latex(parts.unit_line(forward, i, unit, tr.nonlinearity, "→" if bidirectional else ""))
        if bidirectional:
            backward = tr.layers[0].directions[1]
            st.latex(parts.unit_line(backward, i, unit, tr.nonlinearity, "←"))


def show_details(i: int) -> None:
    """The rest of the step's maths: the one-hot column and the norms, or the blank's guess."""
    forward = tr.layers[0].directions[0]
    if bidirectional:
        st.latex(parts.blank(reading.probs, vocab, i, T))
    else:
        st.latex(parts.one_hot_column(forward, i, unit, int(enc.ids[i]), enc.tokens[i]))
        st.latex(parts.norms(forward, i))
    if i == 0:
        st.caption(
            "At t = 1 nothing was read before x_1: h_0 = 0 is the initial state, so the "
            "memory term W_hh h_0 is 0."
        )
    lesson.how_to_read(HOW["equation"])


def show_prediction(i: int) -> None:
    if bidirectional:
        st.subheader("Fill in the blank at t")
        lesson.chart(
            parts.topk(name, trained, text, i),
            key="rnn_topk",
            how=HOW["pred"],
        )
        return
    st.subheader("What comes next?")
    st.latex(parts.next_char(reading.probs, vocab, i))
    lesson.chart(
        parts.topk(name, trained, text, i),
        key="rnn_topk",
        how=HOW["pred"],
    )


HEAT_HOW = {
    "active": f"rows are the {parts.TOP_K} units with the largest mean |h_t| over the text, "
    "most active first",
    "change": "rows are all units, sorted by the step at which each changes most",
    "as-is": "rows are all units, unit 0 at the top",
}


def units_shown() -> str:
    """The unit-order control; returns seqviz.unit_order's name for the choice."""
    order = controls.choose(
        st,
        "segmented_control",
        "Units shown",
        list(parts.ORDERS),
        key="rnn_units",
        default=parts.DEFAULT_ORDER,
        help="Which rows of the hidden state to draw, and in which order: the units that "
        "are largest on average, all units sorted by the step at which each jumps most, or "
        "all units as numbered.",
    )
    return parts.ORDERS[order]


def show_states(i: int) -> None:
    st.subheader("The hidden state so far")
    order = units_shown()
    how = (
        f"{HEAT_HOW[order]}; one column per character read so far (grey: not read yet); "
        "red is positive, blue negative (tanh keeps every value in −1..1); the outlined "
        "column is step t."
    )
    if bidirectional:
        fwd_col, bwd_col = st.columns(2)
        for col, d, title, key in (
            (fwd_col, 0, "Forward h→<sub>t</sub> (left to right)", "rnn_heat_fwd"),
            (bwd_col, 1, "Backward h←<sub>t</sub> (right to left)", "rnn_heat_bwd"),
        ):
            with col:
                fig, _ = parts.heatmap(
                    name, trained, text, i, direction=d, order=order, title=title
                )
                lesson.chart(fig, key=key, how=how)
        return
    for l in range(len(tr.layers)):
        title = f"Layer {l + 1}: h<sub>t</sub><sup>({l + 1})</sup>" if len(tr.layers) > 1 else None
        fig, _ = parts.heatmap(name, trained, text, i, layer=l, order=order, title=title)
        lesson.chart(fig, key=f"rnn_heat_{l}", how=how)


with stage:
    if stepview.mode() == "browser":  # every step drawn by the browser from data sent once
        order = units_shown()
        view = (name, trained, text, int(unit), order, lecture)
        heat_how = (
            f"{HEAT_HOW[order]}; one column per character read so far (grey: not read yet); "
            "red is positive, blue negative (tanh keeps every value in −1..1); the outlined "
            "column is step t."
        )
        with st.container(key="rnn_step_view"):  # Lab.main_chart: the unrolled diagram inside
            stepview.step_view(
                T,
                parts.step_payload(*view, how=parts.plain_how({**HOW, "heat": heat_how})),
                repr(view),
                first=parts.FIRST,
                # asked about the step on screen: the browser sends it when the student
                # turns to the question, and the question is redrawn for it
                after=lambda i: quiz.check_yourself("rnn", text=text, t=i, unit=int(unit)),
            )
    else:  # a fragment rerun on the server per step
        stepper.step_through(
            T,
            show_step,
            label=lambda i: parts.step_label(enc.tokens, enc.unknown, i, controls.token_md),
            first=parts.FIRST,
        )

# --- the rest of the lesson ----------------------------------------------------------
if lecture:
    lesson.intro("rnn_intro")
    lesson.try_this("rnn_try")
lesson.more("Why W_xh x_t is just a column", "rnn_onehot")
lesson.show_code(
    recurrent._run_direction,
    CharModel.probs,
    note="`seqviz.recurrent.trace` runs this loop for every layer and direction, recording "
    "every intermediate value the page shows.",
)
share.share_box(
    data={
        "hidden states": lambda: parts.hidden_table(reading),
        ("fill-in-the-blank" if bidirectional else "next-character") + " probabilities": lambda: (
            parts.probability_table(reading)
        ),
    },
    hideable=(
        "text",
        "model",
        "unit",
        "rnn_stacked",
        "rnn_bidirectional",
        "rnn_layers",
        "rnn_units",
        "step",
        "sidebar",
    ),
)
lesson.lab_links("rnn")
