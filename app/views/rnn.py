"""RNN step-through: read a sentence one character at a time and watch h_t change."""

import streamlit as st

from app import controls, equations, figcache, frame, lesson, loaders, quiz, share, stepper, tour
from app.urlstate import BOUND
from seqviz import recurrent
from seqviz.charlm import CharModel

st.title("RNN step-through")
lesson.intro("rnn_intro")

# --- controls ---------------------------------------------------------------------
text = controls.text_input()
c_weights, c_stacked, c_layers, c_bidir = st.columns([2, 1, 1, 1.4], vertical_alignment="bottom")
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
lesson.try_this("rnn_try")
tour.guided_tour("rnn")


def describe(t: int) -> str:
    seen = zip(enc.tokens[: t + 1], enc.unknown[: t + 1], strict=True)
    read_so_far = "".join("?" if unk else c for c, unk in seen)
    return (
        f"**t = {t}** (steps 0 – {T - 1}): the model reads {controls.token_md(enc.tokens[t])}"
        f" — so far: `{read_so_far.replace('`', '')}`"
    )


def show_step(t: int) -> None:
    """Everything that depends on the time step (redrawn by the step control alone)."""
    lesson.chart(
        figcache.unrolled(name, trained, text, t, model.config.num_layers, bidirectional),
        key="rnn_unrolled",
        how="each column is one time step; every column uses the *same* W_xh, W_hh and "
        "W_hq (shared weights); the highlighted column is step t.",
    )
    show_equation(t)
    pred, path = st.columns(2, gap="large")
    with pred:
        show_prediction(t)
    with path:
        lesson.chart(
            figcache.trajectory(name, trained, text, t),
            key="rnn_trajectory",
            how=f"each dot is one h_t ({H} numbers) flattened to 2-D by PCA fitted on this "
            "text; the line follows time, the big marker is step t.",
        )
    show_states(t)
    quiz.check_yourself("rnn", text=text, t=t, unit=int(unit))


def show_equation(t: int) -> None:
    st.subheader("The equation, with this step's numbers")
    forward = tr.layers[0].directions[0]  # layer 1 reads the one-hot characters
    for line in equations.rnn_unit(forward, t, unit, tr.nonlinearity):
        st.latex(line)
    st.latex(equations.one_hot_column(forward, t, unit, int(enc.ids[t]), enc.tokens[t]))
    st.latex(equations.rnn_norms(forward, t))
    if t == 0:
        st.caption(
            "At t = 0 nothing has been read yet: h_{-1} is the initial state, all "
            "zeros, so the memory term W_hh h_{-1} is 0."
        )
    lesson.how_to_read(
        "the braces are the three terms for unit j; they add up to the pre-activation, "
        "and tanh squashes it into (−1, 1). The norms compare the whole vectors: new "
        "character vs memory vs bias."
    )
    if bidirectional:
        backward = tr.layers[0].directions[1]
        st.markdown("The **backward** RNN at the same position reads from the right:")
        for line in equations.rnn_unit(backward, t, unit, tr.nonlinearity, backward=True)[1:]:
            st.latex(line)


def show_prediction(t: int) -> None:
    vocab = model.vocab.idx_to_token
    if bidirectional:
        st.subheader("Fill in the blank at t")
        lesson.chart(
            figcache.topk(name, trained, text, t, title=None),
            key="rnn_topk",
            how="the model hides character t and guesses it from the forward state at t−1 "
            "and the backward state at t+1; the accent bar is the true character.",
        )
        return
    st.subheader("What comes next?")
    st.latex(
        equations.softmax_line(float(reading.probs[t].max()), vocab[int(reading.probs[t].argmax())])
    )
    lesson.chart(
        figcache.topk(name, trained, text, t, title=None),
        key="rnn_topk",
        how="bar length is the probability the model gives each next character after "
        "reading up to t; the accent bar is the character that really comes next.",
    )


def show_states(t: int) -> None:
    st.subheader("The hidden state over the whole text")
    if bidirectional:
        fwd_col, bwd_col = st.columns(2)
        with fwd_col:
            lesson.chart(
                figcache.hidden_heatmap(
                    name,
                    trained,
                    text,
                    direction=0,
                    title="Forward h→<sub>t</sub> (left to right)",
                    step=t,
                ),
                key="rnn_heat_fwd",
                how="a column is h→_t, everything left of and including t.",
            )
        with bwd_col:
            lesson.chart(
                figcache.hidden_heatmap(
                    name,
                    trained,
                    text,
                    direction=1,
                    title="Backward h←<sub>t</sub> (right to left)",
                    step=t,
                ),
                key="rnn_heat_bwd",
                how="a column is h←_t, everything right of and including t.",
            )
    else:
        for l in range(len(tr.layers)):
            title = (
                f"Layer {l + 1}: h<sub>t</sub><sup>({l + 1})</sup>" if len(tr.layers) > 1 else None
            )
            lesson.chart(
                figcache.hidden_heatmap(
                    name,
                    trained,
                    text,
                    layer=l,
                    title=title,
                    height=380 if len(tr.layers) > 1 else None,
                    step=t,
                ),
                key=f"rnn_heat_{l}",
                how="one row per unit, one column per character; red is positive, blue "
                "negative (tanh keeps every value in −1..1); the outlined column is step t.",
            )


stepper.step_through(T, show_step, label=describe)

# --- the rest of the lesson ----------------------------------------------------------
lesson.more("Why W_xh x_t is just a column", "rnn_onehot")
lesson.show_code(
    recurrent._run_direction,
    CharModel.probs,
    note="`seqviz.recurrent.trace` runs this loop for every layer and direction, recording "
    "every intermediate value the page shows.",
)
share.share_box(
    data={
        "hidden states": lambda: share.trace_table(tr, enc.tokens),
        ("fill-in-the-blank" if bidirectional else "next-character") + " probabilities": lambda: (
            share.labelled(reading.probs, model.vocab.idx_to_token, enc.tokens)
        ),
    },
    hideable=(
        "text",
        "model",
        "unit",
        "rnn_stacked",
        "rnn_bidirectional",
        "rnn_layers",
        "step",
        "sidebar",
    ),
)
lesson.lab_links("rnn")
