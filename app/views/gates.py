"""Gates: what the LSTM's and GRU's sigmoid valves do over a text, unit by unit."""

import streamlit as st

from app import controls, frame, lesson, loaders, quiz, share, stepper, tour
from app.urlstate import BOUND
from app.views import gates_parts as parts
from app.views.gates_parts import CELLS, FIRST
from seqviz import cell_step, gates_tex, recurrent, units
from seqviz.figures.style import GATE_LABELS, GATE_NAMES

FEATURES = list(units.text_features(["a"]))  # "is a space", "is a vowel", ...
GATE_TITLES = {  # short rich-text titles for the small saturation plots
    g: f"{GATE_NAMES[g].capitalize()}: saturation" for g in GATE_NAMES if g != "candidate"
}
lecture = frame.lecture_on()  # projector: the cell diagram and its equation come first

st.title("Gates: LSTM & GRU")
if not lecture:  # on the projector the intro follows the diagram
    lesson.intro("gates_intro")

# --- controls ---------------------------------------------------------------------
if lecture:  # one row of controls, the text folded away: the diagram fits the first screen
    c_text, c_weights, c_cell, c_unit = st.columns([2, 2, 1.2, 1.3], vertical_alignment="bottom")
    with c_text.expander("Your text", expanded=False):
        text = controls.text_input()
else:
    text = controls.text_input()
    c_weights, c_cell, c_unit = st.columns([2, 1, 1], vertical_alignment="bottom")
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
unit = c_unit.number_input(
    f"Unit j (0 – {H - 1})",
    min_value=0,
    max_value=H - 1,
    step=1,
    key="unit",
    help="Every gate has H units; the diagram, equations and time series follow unit j.",
    **BOUND,
)
if not lecture:
    controls.show_encoded(enc.tokens, enc.unknown)


def select_unit(j: int) -> None:
    st.session_state["unit"] = j


def describe(t: int) -> str:
    start = "$h_0 = 0, c_0 = 0$" if cell == "lstm" else "$h_0 = 0$"
    return (
        f"**t = {t + FIRST}** (steps {FIRST} – {T - 1 + FIRST}, starting from {start}): "
        f"the cell reads $x_{{{t + FIRST}}}$ = {controls.token_md(enc.tokens[t])}"
    )


def show_step(t: int) -> None:
    """Everything that depends on the time step (redrawn by the step control alone)."""
    s = parts.step_values(cell, trained, text, t, int(unit))
    # lecture: the equation beside the diagram, on the first screen; otherwise below it
    left, right = st.columns([1.4, 1]) if lecture else (st.container(), st.container())
    with left:
        lesson.chart(
            parts.diagram(cell, trained, text, t, int(unit), height=430 if lecture else 500),
            key="gates_diagram",
            how=parts.DIAGRAM_HOW[cell],
        )
    with right:
        if not lecture:
            st.markdown(f"**How unit {s.unit} gets its new state at t = {s.shown_t}**")
        with st.container(key="gates_equation"):
            st.latex(parts.state_equation(s))
        st.caption(parts.EQUATION_HOW[cell])
    with st.expander(
        f"Every gate equation for unit {s.unit} at t = {s.shown_t}", expanded=not lecture
    ):
        for line in gates_tex.gate_lines(cell, layer, t, int(unit)):
            st.latex(line)
        lesson.how_to_read(
            "each gate adds its input part, recurrent part and two biases, then σ squashes "
            "the sum into 0..1 (closed..open); bold numbers are the results at this step."
        )
    series_fig, cand_fig, cell_fig, text_fig = parts.unit_figures(cell, trained, text, int(unit), t)
    lesson.chart(series_fig, key="gates_series", how=parts.SERIES_HOW)
    lesson.chart(cand_fig, key="gates_candidate", how=parts.CANDIDATE_HOW[cell])
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


stepper.step_through(T, show_step, label=describe, first=FIRST)
if lecture:
    lesson.intro("gates_intro")
    controls.show_encoded(enc.tokens, enc.unknown)

# --- find a unit: rank units by how well h_t tracks a feature of the text ------------
with st.expander(
    "Find a unit — which units track a feature of the text?",
    expanded=False,
    icon=":material/search:",
):
    st.markdown(lesson.prose("find_unit"))
    feature = st.selectbox("Feature", FEATURES, key="gates_feature", **BOUND)
    # units.rank_units(h, units.text_features(chars)[feature]), cached per text
    ranking, ranking_fig = parts.unit_ranking(cell, trained, text, feature)
    lesson.chart(
        ranking_fig,
        key="gates_ranking",
        how="bar length is Pearson r between the unit's h_t and the feature over your text; "
        "red: the unit goes up with the feature, blue: it goes down.",
    )
    st.markdown("Pick a unit to inspect above:")
    for i, (col, score) in enumerate(zip(st.columns(len(ranking)), ranking, strict=True)):
        col.button(
            f"unit {score.unit}",
            key=f"gates_pick_{i}",
            help=f"r = {score.r:+.2f}",
            width="stretch",
            on_click=select_unit,
            args=(score.unit,),
        )
lesson.try_this("gates_try")
tour.guided_tour("gates")

# --- the whole text at once (no step): memory, every gate, saturation ---------------
st.subheader(f"Memory over the whole text: {CELLS[cell]} vs the plain RNN")
if cell == "lstm":
    parts.state_chart("lstm", trained, text, "cell", parts.CLAIM_CELL_STREAKS)
    parts.state_chart("lstm", trained, text, "hidden", parts.CLAIM_HIDDEN_SPECKLED)
else:
    parts.state_chart("gru", trained, text, "hidden", parts.CLAIM_GRU_SPECKLED)
parts.state_chart("rnn", trained, text, "hidden", parts.CLAIM_RNN_SPECKLED)

st.subheader("Every gate of every unit")
tabs = st.tabs(
    [GATE_LABELS[g] for g in tr.gates], key="gates_tab", on_change="rerun", bind="query-params"
)
for tab, gate in zip(tabs, tr.gates, strict=True):
    if tab.open:  # draw only the tab on show: each heatmap is T x H cells
        with tab:
            lesson.chart(
                parts.gate_heatmap(cell, trained, text, gate),
                key=f"gates_heat_{gate}",
                how="one row per unit, one column per character; bright = gate open (near 1), "
                "dark = closed (near 0)."
                if gate != "candidate"
                else "the candidate is not a gate: a tanh in −1..1, red positive, blue negative.",
            )

st.subheader("Saturation: are the valves fully open or shut?")
st.markdown(parts.CLAIM_SATURATION + " Switch **Weights** to compare.")
sigmoid_gates = [g for g in tr.gates if g != "candidate"]
for col, gate in zip(st.columns(len(sigmoid_gates)), sigmoid_gates, strict=True):
    with col:
        lesson.chart(
            parts.saturation(cell, trained, text, gate, GATE_TITLES[gate]),
            key=f"gates_sat_{gate}",
            how="one dot per unit: right = often closed (< 0.1), up = often open (> 0.9); "
            "dots on the dashed line from 'always closed' to 'always open' are saturated at "
            "every step (switches), dots near the bottom-left corner never are.",
        )

if cell == "gru":
    lesson.more("PyTorch's GRU vs the textbook GRU", "gru_pytorch", expanded=True)
with st.expander("The equations PyTorch uses"):
    for line in gates_tex.GATE_FORMULAS[cell]:
        st.latex(line)
lesson.show_code(
    recurrent._run_direction,
    cell_step.cell_step,
    units.rank_units,
    note="`seqviz.recurrent.trace` runs this loop over your text and records every gate; "
    "`seqviz.cell_step.cell_step` reads the diagram's numbers from it; "
    "`seqviz.units.rank_units` ranks units for *Find a unit*.",
)
shown_gate = "forget" if "forget" in tr.gates else "update"  # a GRU has no forget gate
share.share_box(
    data={"gates, cell and hidden states": lambda: parts.step_table(tr, enc.tokens)},
    charts={f"{shown_gate} gate heatmap": parts.gate_heatmap(cell, trained, text, shown_gate)},
    hideable=("text", "model", "gates_cell", "unit", "gates_feature", "step", "sidebar"),
)
lesson.lab_links("gates")
