"""Siamese networks: one LSTM encodes two sentences, the cosine says whether they mean the same."""

import streamlit as st

from app import controls, frame, lesson, quiz, share, stepper
from app.urlstate import BOUND, clamp, start_value
from app.views import siamese_parts as parts
from seqviz import pairs_data, siamese, siamese_training, triplet
from seqviz.figures import siamese as figs

lecture = frame.lecture_on()

st.title("Siamese networks")
if not lecture:
    lesson.intro("sia_intro")

# --- two sentences in -----------------------------------------------------------------
if lecture:  # one row of controls: the equation and the chart fit the first screen
    c_a, c_b, c_w, c_tau = st.columns([2.6, 2.6, 2, 1.8], vertical_alignment="bottom")
else:
    c_a, c_b = st.columns(2)
    c_w, c_tau = st.columns([1, 2], vertical_alignment="bottom")
a = parts.sentence_box(c_a, "sia_a", "Sentence A", parts.DEFAULT_A)
b = parts.sentence_box(c_b, "sia_b", "Sentence B", parts.DEFAULT_B)
run = parts.my_run()  # the student's own encoder, once trained at the bottom of the page
which = parts.choose_weights(c_w, run)
if which == "trained" and not parts.has_checkpoint():
    st.warning(
        f"The trained encoder is not installed: run `python -m seqviz.checkpoints build "
        f"{parts.NAME}`. Showing the untrained one.",
        icon=":material/cloud_off:",
    )
wkey, enc = parts.weights_of(which, run)  # every section below reads with these weights
chosen = parts.scored(wkey, enc)
# τ follows the weights: each encoder's cosines live on their own scale, so switching the
# weights (or training new ones) moves τ to their own best threshold; a link's τ stands
parts.follow_weights("sia_tau", wkey, round(chosen.threshold, 2))
clamp("sia_tau", -1.0, 1.0)
tau = c_tau.slider(
    "Threshold τ" if lecture else "Decision threshold τ (duplicate when cos > τ)",
    -1.0,
    1.0,
    step=0.01,
    key="sia_tau",
    help=f"The τ that classifies most threshold pairs right: {chosen.threshold:.2f} for these "
    "weights. Switching the weights moves τ to theirs.",
    **BOUND,
)
if a is None or b is None:
    frame.stop()

# --- the one core call: both sentences through the same encoder -----------------------
e_a, e_b, cos = parts.pair(wkey, a, b, enc)
duplicate = cos > tau
with st.container(key="sia_verdict"):
    st.latex(parts.cosine_latex(e_a, e_b, cos, tau))
    verdict = "**duplicates**" if duplicate else "**not duplicates**"
    (st.success if duplicate else st.info)(
        f"cos = {cos:.3f} {'>' if duplicate else '≤'} τ = {tau:.2f}: the model calls A and B "
        f"{verdict}.",
        icon=":material/join_inner:" if duplicate else ":material/call_split:",
    )
score_note = (
    f"{parts.WEIGHTS[which]} weights on {len(pairs_data.heldout_pairs()):,} held-out SICK "
    f"pairs, half of them duplicates: accuracy {chosen.accuracy:.1%} at τ = "
    f'{chosen.threshold:.2f} (always "not a duplicate": {chosen.baseline:.0%}); ROC AUC '
    f"{chosen.auc:.3f}."
)
if not lecture:
    st.caption(score_note)
lesson.chart(
    figs.encodings(
        e_a.v,
        e_b.v,
        # on a projector the verdict above says the cosine: no title, the chart fits
        title=None if lecture else f"v<sub>A</sub>, v<sub>B</sub> and cos = {cos:.3f}",
        height=280 if lecture else 360,
    ),
    key="sia_cosine",
    how="top two rows: the encodings v_A and v_B, one cell per hidden unit (red positive, blue "
    "negative, white 0, full colour ±1; hover for the numbers); bottom row: each unit's share "
    "û_A,j û_B,j of the cosine (û = v / ‖v‖) — the cells of the bottom row add up to "
    "cos(v_A, v_B).",
)
if lecture:
    st.caption(score_note)
    lesson.intro("sia_intro")
st.markdown(f"**A reads as** {parts.tokens_line(e_a)}  \n**B reads as** {parts.tokens_line(e_b)}")
parts.unknown_note({"A": e_a, "B": e_b})
d_a, d_b = parts.effects(wkey, a, b, enc)
lesson.chart(
    figs.word_effects(e_a.tokens, d_a, e_b.tokens, d_b),
    key="sia_words",
    how="why this cosine: each bar is how much cos(v_A, v_B) falls when that one word is left "
    "out of its sentence (Δ > 0, blue: the word makes A and B look alike; Δ < 0, vermillion: "
    "it makes them look different).",
)
st.markdown(parts.strongest_word(e_a, d_a, e_b, d_b))

with st.expander(
    "One encoder, one set of weights: both sentences use the same numbers",
    expanded=not lecture,
    icon=":material/link:",
):
    st.markdown(lesson.prose("sia_shared"))
    table = parts.weights_table(enc)
    st.dataframe(table, hide_index=True, key="sia_weights_table")
    st.markdown(
        f"**{int(table['numbers'].sum()):,} numbers in all** — once, not twice: "
        "v_A and v_B both come out of exactly these tensors."
    )
    st.latex(
        r"v_A = h_T\big(\text{LSTM}_\theta(E[w^A_1], \dots, E[w^A_{T_A}])\big),\quad "
        r"v_B = h_T\big(\text{LSTM}_\theta(E[w^B_1], \dots, E[w^B_{T_B}])\big)"
    )

# --- step through: the encoder reading A, word by word --------------------------------
st.subheader("Step through: the encoder reading sentence A")
reading = parts.reading(wkey, a, b, enc)


def show_step(t: int) -> None:
    """The state after word t (redrawn by the step control alone)."""
    lesson.chart(
        parts.reading_figure(wkey, a, b, t, enc),
        key="sia_reading",
        how="top: h_t after each word read so far (one row per unit, red positive, blue "
        "negative, blank: not read yet); bottom: cos(h_t, v_B), how close A's state is to B's "
        "encoding after each word. The last step's h_T is the encoding v_A.",
    )
    st.latex(parts.step_latex(reading, t))


stepper.step_through(
    len(reading.tokens),
    show_step,
    key="sia_step",
    label=lambda t: (
        f"**t = {t + 1}** of {len(reading.tokens)}: the LSTM reads "
        f"*{controls.md_escape(reading.tokens[t])}* (h_0 = c_0 = 0 before the first word)"
    ),
    axis="Word",
    item="word",
    first=1,
)

# --- a batch: the similarity matrix and the triplet loss ------------------------------
st.subheader("A batch: every anchor against every positive")
lesson.more("What the batch shows", "sia_batch")
c1, c2, c3, c4 = st.columns(4)
for key, default in (("sia_batch", 6), ("sia_batch_seed", 0), ("sia_margin", 0.25)):
    start_value(key, default)
clamp("sia_batch", 2, 12)
clamp("sia_batch_seed", 0, 999)
clamp("sia_margin", 0.0, 1.0)
size = c1.slider("Pairs in the batch B", 2, 12, key="sia_batch", **BOUND)
seed = c2.number_input("Draw (seed)", 0, 999, step=1, key="sia_batch_seed", **BOUND)
margin = c3.slider("Margin α", 0.0, 1.0, step=0.05, key="sia_margin", **BOUND)
variant = controls.choose(
    c4,
    "selectbox",
    "Loss J sums",
    triplet.VARIANTS,
    key="sia_variant",
    default="both",
    help="both: the notes' full loss, L_mean + L_closest per row.",
)
anchors, positives, terms = parts.batch(wkey, int(size), int(seed), float(margin), variant, enc)
lesson.chart(
    figs.similarity_matrix(terms, anchors, positives),
    key="sia_matrix",
    how="row i is anchor A_i, column j positive P_j; S_ij = cos(v_Ai, v_Pj). Black squares: the "
    "diagonal, each anchor with its own duplicate. Vermillion squares: each row's closest "
    "negative n_i, the largest S_ij that is not above the diagonal (dotted: none is, the notes' "
    "fallback). Right: each row's mean negative m_i and closest negative n_i.",
)
for i, (s_a, s_p) in enumerate(zip(anchors, positives, strict=True)):
    st.caption(f"A{i + 1}: {controls.md_escape(s_a)} — P{i + 1}: {controls.md_escape(s_p)}")
start_value("sia_row", 1)
clamp("sia_row", 1, int(size))
row = st.columns([1, 3])[0].number_input(
    "Row i for the loss terms", 1, int(size), step=1, key="sia_row", **BOUND
)
with st.container(key="sia_row_terms"):
    for line in parts.row_latex(terms, int(row) - 1):
        st.latex(line)
    st.latex(parts.total_latex(terms))
st.dataframe(parts.terms_table(terms), hide_index=True, key="sia_terms_table")

# --- the embedding space, before and after training -----------------------------------
st.subheader("The embedding space before and after training")
before, after = parts.before_and_after(which, run)
sentences, maps, means = parts.embedding_space((before[0], after[0]), (before[1], after[1]))
(d0, n0), (d1, n1) = means
names = ("yours at its start", "yours now") if which == "mine" else ("untrained", "trained")
lesson.chart(
    figs.embedding_space(maps[0], maps[1], sentences, names),
    key="sia_space",
    how=f"{parts.PCA_PAIRS} held-out duplicate pairs, each encoding normalised (û = v / ‖v‖) and "
    "flattened to 2-D by PCA, one map per weights; a grey line joins the two sentences of a "
    "pair (blue: A, vermillion: B).",
)
widened = (d1 - n1) > (d0 - n0)
st.markdown(
    f"Mean cosine of held-out duplicates vs non-duplicates: {names[0]} **{d0:.3f}** vs "
    f"**{n0:.3f}** (gap {d0 - n0:+.3f}), {names[1]} **{d1:.3f}** vs **{n1:.3f}** "
    f"(gap {d1 - n1:+.3f}). "
    + (
        "Training pulls duplicates together more than it pulls non-duplicates."
        if widened
        else "This training has not widened the gap: train longer."
    )
)

# --- one shot: a new sentence against a set, no retraining ----------------------------
st.subheader("One-shot: compare a new sentence with a set, without retraining")
lesson.more("Why this is one-shot", "sia_oneshot")
c_new, c_set = st.columns([1, 1])
new = parts.sentence_box(c_new, "sia_new", "New sentence", parts.DEFAULT_NEW)
candidates = parts.set_box(c_set, "sia_set")
if new is not None and candidates:
    parts.unknown_note({"the new sentence": siamese.encode(enc, pairs_data.vocab(), [new])[0]})
    cosines = parts.one_shot(wkey, new, candidates, enc)
    best = int(cosines.argmax())
    lesson.chart(
        figs.one_shot(candidates, cosines, tau),
        key="sia_oneshot_chart",
        how="one bar per sentence of the set, the highest cosine on top; blue bars are above τ "
        "(the model calls them duplicates of the new sentence), grey ones are not.",
    )
    st.markdown(
        f"Closest: **{controls.md_escape(candidates[best])}** (cos = "
        f"{float(cosines[best]):.3f}, {'above' if float(cosines[best]) > tau else 'not above'} "
        f"τ = {tau:.2f})."
    )

# --- train your own -------------------------------------------------------------------
with st.expander("Train your own encoder (live)", icon=":material/model_training:"):
    lesson.more("How it trains", "sia_training", expanded=True)
    parts.train_section()

lesson.try_this("sia_try")
quiz.check_yourself("siamese")
lesson.show_code(
    siamese.Encoder.forward,
    siamese.cosine_matrix,
    triplet.triplet_terms,
    siamese_training.fit,
    note="`seqviz.siamese` encodes, `seqviz.triplet` computes every loss term, "
    "`seqviz.siamese_training.fit` trains in pieces.",
)
share.share_box(
    data={
        "the batch's loss terms": lambda: parts.terms_table(terms),
        "the encodings": lambda: parts.encodings_table(e_a, e_b),
    },
    charts={"similarity matrix": figs.similarity_matrix(terms, anchors, positives)},
    hideable=(
        "sia_a",
        "sia_b",
        "sia_weights",
        "sia_tau",
        "sia_step",
        "sia_batch",
        "sia_variant",
        "sia_new",
        "sia_set",
        "sidebar",
    ),
)
lesson.lab_links("siamese")
