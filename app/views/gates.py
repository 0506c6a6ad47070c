"""Gates: what the LSTM's and GRU's sigmoid valves do over a text, unit by unit."""

import streamlit as st

from app import controls, equations, figcache, frame, lesson, loaders, quiz, share, stepper, tour
from app.urlstate import BOUND
from seqviz import recurrent, units
from seqviz.figures.style import GATE_LABELS, GATE_NAMES

FEATURES = list(units.text_features(["a"]))  # "is a space", "is a vowel", ...
# model name -> label (the URL holds the label: ?gates_cell=GRU)
CELLS = {"lstm": "LSTM", "gru": "GRU"}
GATE_TITLES = {  # short rich-text titles for the small saturation plots
    g: f"{GATE_NAMES[g].capitalize()}: saturation" for g in GATE_NAMES if g != "candidate"
}

st.title("Gates: LSTM & GRU")
lesson.intro("gates_intro")

# --- controls ---------------------------------------------------------------------
text = controls.text_input()
c_weights, c_cell, _ = st.columns([2, 1, 2], vertical_alignment="bottom")
with c_weights:
    trained = controls.model_choice()
cell = c_cell.segmented_control(  # "lstm" | "gru", the pretrained model's name
    "Cell",
    options=list(CELLS),
    format_func=CELLS.get,
    default="lstm",
    required=True,
    key="gates_cell",
    **BOUND,
)
if text is None:
    frame.stop()

if trained and not loaders.has_checkpoint(cell):
    controls.missing_checkpoint(cell, CELLS[cell])

# --- the one core call: run the cell over the text once (cached) --------------------
reading = loaders.read(cell, trained, text)
tr, enc = reading.trace, reading.encoded
T, H = len(enc.tokens), reading.model.config.hidden_size
layer = tr.layers[0].directions[0]  # one layer, one direction
controls.show_encoded(enc.tokens, enc.unknown)


def select_unit(j: int) -> None:
    st.session_state["unit"] = j


# --- find a unit: rank units by how well h_t tracks a feature of the text ------------
with st.expander(
    "Find a unit — which units track a feature of the text?",
    expanded=False,
    icon=":material/search:",
):
    st.markdown(lesson.prose("find_unit"))
    feature = st.selectbox("Feature", FEATURES, key="gates_feature", **BOUND)
    # units.rank_units(h, units.text_features(chars)[feature]), cached per text
    ranking, ranking_fig = figcache.unit_ranking(cell, trained, text, feature)
    lesson.chart(
        ranking_fig,
        key="gates_ranking",
        how="bar length is Pearson r between the unit's h_t and the feature over your text; "
        "red: the unit goes up with the feature, blue: it goes down.",
    )
    st.markdown("Pick a unit to inspect below:")
    for i, (col, score) in enumerate(zip(st.columns(len(ranking)), ranking, strict=True)):
        col.button(
            f"unit {score.unit}",
            key=f"gates_pick_{i}",
            help=f"r = {score.r:+.2f}",
            width="stretch",
            on_click=select_unit,
            args=(score.unit,),
        )

unit = st.columns([1, 3])[0].number_input(
    f"Unit j (0 – {H - 1})",
    min_value=0,
    max_value=H - 1,
    step=1,
    key="unit",
    help="Every gate has H units; the equations and time series follow unit j.",
    **BOUND,
)
lesson.try_this("gates_try")
tour.guided_tour("gates")


def describe(t: int) -> str:
    return f"**t = {t}** (steps 0 – {T - 1}): the cell reads {controls.token_md(enc.tokens[t])}"


def show_step(t: int) -> None:
    """Everything that depends on the time step (redrawn by the step control alone)."""
    st.subheader(f"{CELLS[cell]} equations for unit {unit} at t = {t}")
    for line in equations.gate_lines(cell, layer, t, unit):
        st.latex(line)
    lesson.how_to_read(
        "each gate adds its input part, recurrent part and two biases, then σ squashes the "
        "sum into 0..1 (closed..open); bold numbers are the results at this step."
    )
    series_fig, cell_fig, text_fig = figcache.unit_figures(cell, trained, text, unit, t)
    lesson.chart(
        series_fig,
        key="gates_series",
        how="one line per gate of unit j over the text; near 1 the valve is open, near 0 "
        "closed; the outlined column is step t.",
    )
    if cell_fig is not None:
        lesson.chart(
            cell_fig,
            key="gates_cell_vs_hidden",
            how="the cell state c_t (black) is the memory the forget gate keeps; h_t = "
            "o_t ⊙ tanh(c_t) (grey, dashed) is what the rest of the network sees.",
        )
    lesson.chart(
        text_fig,
        key="gates_text_activation",
        how="red characters: unit j's hidden state is positive after reading them, blue: "
        "negative; the outlined character is step t.",
    )
    quiz.check_yourself("gates", text=text, t=t, unit=int(unit))


stepper.step_through(T, show_step, label=describe)

# --- the whole text at once (no step): every gate, saturation, vs. the plain RNN ------
st.subheader("Every gate of every unit")
tabs = st.tabs(
    [GATE_LABELS[g] for g in tr.gates], key="gates_tab", on_change="rerun", bind="query-params"
)
for tab, gate in zip(tabs, tr.gates, strict=True):
    if tab.open:  # draw only the tab on show: each heatmap is T x H cells
        with tab:
            lesson.chart(
                figcache.gate_heatmap(cell, trained, text, gate),
                key=f"gates_heat_{gate}",
                how="one row per unit, one column per character; bright = gate open (near 1), "
                "dark = closed (near 0)."
                if gate != "candidate"
                else "the candidate is a tanh, so it is signed: red positive, blue negative.",
            )

st.subheader("Saturation: are the valves fully open or shut?")
sigmoid_gates = [g for g in tr.gates if g != "candidate"]
for col, gate in zip(st.columns(len(sigmoid_gates)), sigmoid_gates, strict=True):
    with col:
        lesson.chart(
            figcache.saturation(cell, trained, text, gate, GATE_TITLES[gate]),
            key=f"gates_sat_{gate}",
            how="one dot per unit: right = often closed (< 0.1), up = often open (> 0.9); "
            "dots near the diagonal act like switches.",
        )

st.subheader(f"Plain RNN vs {CELLS[cell]} on the same text")
lesson.chart(
    figcache.hidden_heatmap("rnn", trained, text, title="Plain RNN h<sub>t</sub>", height=420),
    key="gates_heat_rnn",
    how="the plain RNN rewrites its whole state at every character: short, busy stripes.",
)
lesson.chart(
    figcache.hidden_heatmap(cell, trained, text, title=f"{CELLS[cell]} h<sub>t</sub>", height=420),
    key="gates_heat_gated",
    how="gated units can hold a value across many characters: look for long horizontal "
    "streaks, the same unit keeping its colour.",
)

if cell == "gru":
    lesson.more("PyTorch's GRU vs the textbook GRU", "gru_pytorch", expanded=True)
with st.expander("The equations PyTorch uses"):
    for line in equations.GATE_FORMULAS[cell]:
        st.latex(line)
lesson.show_code(
    recurrent._run_direction,
    units.rank_units,
    note="`seqviz.recurrent.trace` runs this loop over your text and records every gate; "
    "`seqviz.units.rank_units` ranks units for *Find a unit*.",
)
shown_gate = "forget" if "forget" in tr.gates else "update"  # a GRU has no forget gate
share.share_box(
    data={"gates, cell and hidden states": lambda: share.trace_table(tr, enc.tokens)},
    charts={f"{shown_gate} gate heatmap": figcache.gate_heatmap(cell, trained, text, shown_gate)},
    hideable=("text", "model", "gates_cell", "unit", "gates_feature", "step", "sidebar"),
)
lesson.lab_links("gates")
