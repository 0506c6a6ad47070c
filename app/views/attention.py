"""Self-attention step by step: embeddings + positions -> Q, K, V -> scores -> softmax -> out."""

import streamlit as st

from app import controls, frame, lesson, quiz, share, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import attention_parts as parts
from seqviz import attention, attention_heads, self_attention
from seqviz import attention_latex as tex

DEFAULT_SENTENCE = "the time traveller held in his hand a glittering metallic framework"
D = 16  # embedding size (one heatmap column each)
DK_CHOICES = (2, 4, 8, 16, 32, 64)
PE_DIMS = (4, 8, 16, 32, 64, 128)
WEIGHTS_HOW = (
    "row i is how much word i takes from each word j (0 to 1, each row sums to 1); hover for "
    "the exact weight. Hatched cells are masked (−∞ → 0): not a small weight, no weight at all."
)
BARS_HOW = "the outlined row as bars; the blue bar is the word query i attends to most."

st.title("Self-attention, step by step")
lecture = bool(st.session_state.get("lecture"))
main = st.container(key="att_main") if lecture else None  # lecture: weights + softmax first
lesson.intro("attn_intro")

# --- controls ------------------------------------------------------------------------
for key, value in (("att_sentence", DEFAULT_SENTENCE), ("att_seed", 0)):
    urlstate.start_value(key, value)
for key, value in (("att_scale", True), ("att_causal", False), ("att_positions", True)):
    urlstate.start_value(key, value)
text = st.text_area(
    "Sentence (words of The Time Machine; anything else becomes <unk>)",
    key="att_sentence",
    height=80,
    max_chars=2000,
    help=f"Up to {self_attention.MAX_WORDS} words are used. Press Ctrl+Enter to apply.",
    **BOUND,
)
c_src, c_head = st.columns([3, 2], vertical_alignment="bottom")
source = controls.choose(
    c_src,
    "segmented_control",
    "Weights",
    list(parts.SOURCES),
    key="att_source",
    default="Random",
    help="Random (the default): embeddings and W_q, W_k, W_v drawn from the seed; every switch "
    "below works. Trained: the first layer of the Transformer lab's trained model, reading "
    "characters.",
).lower()
trained = source == "trained"
c_dk, c_seed, c_scale, c_causal, c_pos = st.columns(
    [2, 1.2, 1.3, 1.3, 1.3], vertical_alignment="bottom"
)
d_k = controls.choose(
    c_dk,
    "select_slider",
    "d_k (size of q, k, v)",
    DK_CHOICES,
    key="att_dk",
    default=8,
    disabled=trained,
)
seed = c_seed.number_input(
    "Seed",
    0,
    9999,
    step=1,
    key="att_seed",
    help="Draws the random embeddings and W_q, W_k, W_v.",
    disabled=trained,
    **BOUND,
)
scale = c_scale.toggle("Divide by √d_k", key="att_scale", **BOUND)
causal = c_causal.toggle(
    "Causal mask",
    key="att_causal",
    help="Word i may only look at words 0..i.",
    disabled=trained,
    **BOUND,
)
positions = c_pos.toggle(
    "Positions",
    key="att_positions",
    help="Add sinusoidal position encodings.",
    disabled=trained,
    **BOUND,
)
random_view = ("random", text or "", D, d_k, seed, positions, scale, causal, 0)
if trained:
    lm_cfg = parts.trained_lm().model.config
    head = (
        controls.choose(
            c_head,
            "segmented_control",
            "Head of layer 1",
            list(range(1, lm_cfg.n_heads + 1)),
            key="att_head",
            default=1,
        )
        - 1
    )
    view = parts.trained_view(text or "", scale, head)
    _, _, D, d_k, _, positions, _, causal, _ = view
else:
    view = random_view

sen = parts.sentence(text or "", source)
if not sen.tokens:
    st.info(
        "Type a sentence above (even one word works) and press Ctrl+Enter.", icon=":material/edit:"
    )
    frame.stop()
parts.show_sentence(sen, source)
T = len(sen.tokens)
unit = "character" if trained else "word"
urlstate.clamp("att_query", 0, T - 1)
urlstate.start_value("att_query", min(2, T - 1))
if T > 1:
    i = st.slider(
        f"Query {unit} i (the row written out in the equations)", 0, T - 1, key="att_query", **BOUND
    )
else:
    i = 0
st.markdown(
    f"**Query {unit} {i}:** {md_escape(sen.words[i])}" + (" (<unk>)" if sen.unknown[i] else "")
)
if trained:
    st.caption(
        f"**Trained weights:** head {head + 1} of the first layer of the Transformer lab's "
        f"model (trained on The Time Machine), reading characters: D = {D}, d_h = {d_k}, "
        "its own biases, layer norm before attention, causal mask and sinusoidal positions "
        "(the switches it fixes are greyed out). Every number is the model's own."
    )
else:
    st.caption(
        f"Embeddings (D = {D}) and projections W_q, W_k, W_v (D × d_k) are **random**, drawn "
        f"from seed {seed} — not learned. The mechanics are exact; what attends to what is "
        "chance. Random is the default because every switch works on it; choose **Trained** "
        "under Weights to see the heads of a model that learned something."
    )
lesson.try_this("attn_try")

# --- the one core call (cached) ---------------------------------------------------------
sa = parts.run(*view)
steps = sa.steps

st.header("1 · Words become vectors: X = E[w] + P")
st.latex(tex.embedding(sa, i, sen.tokens[i]))
parts.step_charts(
    ("E", "P", "X"),
    view,
    i,
    how="one row per word, one column per dimension; red > 0, blue < 0; the outlined row is word i.",
)

st.header("2 · Queries, keys and values")
for line in tex.projections(sa, i):
    st.latex(line)
parts.step_charts(
    ("Q", "K", "V"),
    view,
    i,
    how=f"row j is {{name}}_j (d_k = {d_k} numbers); identical words give identical rows.",
)

st.header("3 · Scores, scaling and the mask")
st.latex(tex.scores(steps, sa.Q, sa.K, i))
st.latex(tex.scaled(steps, i, d_k))
st.latex(tex.masked(steps, i, causal))
parts.step_charts(
    ("scores", "scaled"),
    view,
    i,
    how="row i, column j: how well query i matches key j (signed, unbounded).",
)
parts.step_chart(
    "masked", view, i, how="blank cells are −∞: after the softmax they get weight exactly 0."
)

st.header("4 · Softmax: weights that sum to 1")
# the equation and the weights at full width (room for a number in every cell); in lecture
# mode they sit in `main`, on the first screen
with main if main is not None else st.container():
    st.latex(tex.softmax(steps, i))
    parts.step_chart("weights", view, i, how=WEIGHTS_HOW)
lesson.chart(parts.query_bars(view, i), key="att_fig_bars", how=BARS_HOW)
st.latex(tex.entropy(steps, i))
on, off = parts.mean_entropy(*view[:6], causal, view[8])
m1, m2, m3 = st.columns(3)
m1.metric("mean row entropy, scaled", f"{on:.3f} nats")
m2.metric(
    "mean row entropy, not scaled", f"{off:.3f} nats", delta=f"{off - on:+.3f}", delta_color="off"
)
m3.metric("√d_k", f"{d_k**0.5:.3f}")
parts.step_chart(
    "entropy",
    view,
    None,
    how="bar: how spread out each row is; dashed line: the most it can be (uniform over the "
    "words it may see). Near 0 = saturated.",
)
lesson.more("Why divide by √d_k?", "attn_scaling")

st.header("5 · The output: a weighted average of the values")
st.latex(tex.output(steps, sa.V, i))
lesson.how_to_read(
    "out_i mixes the value vectors with the weights of row i; it replaces x_i in the next layer."
)

# --- several heads ----------------------------------------------------------------------
st.header("6 · Several heads at once")
lesson.more("Why several heads?", "attn_heads")
if trained:
    n_heads = lm_cfg.n_heads
    st.caption(f"The trained model's {n_heads} heads of layer 1, each with d_h = {D // n_heads}.")
else:
    n_heads = controls.choose(
        st,
        "segmented_control",
        "Heads",
        list(attention_heads.HEAD_CHOICES),
        key="att_heads",
        default=2,
        help=f"D = {D} is split between the heads: d_h = D / heads.",
    )
hview = (source, text or "", D, n_heads, seed, positions, causal)
hs = parts.heads(*hview)
for h, tab in enumerate(st.tabs([f"Head {h + 1}" for h in range(n_heads)])):
    with tab:
        st.latex(tex.head_projections(hs, h, i))
        st.latex(tex.head_output(hs, h, i))
        parts.head_charts(hview, h, i)
st.subheader("Concatenate, then project with W_o")
st.latex(tex.concat(hs, i))
st.latex(tex.output_projection(hs, i))
parts.mix_charts(hview, i)

# --- positional encodings -----------------------------------------------------------
st.header("7 · Positions, and what happens without them")
lesson.more("Why positions?", "attn_positions", expanded=True)
urlstate.start_value("att_n_pos", 64)
c_n, c_d = st.columns(2)
n_pos = c_n.slider("Positions shown", 2, 128, key="att_n_pos", **BOUND)
pe_dim = controls.choose(
    c_d, "select_slider", "Encoding size d", PE_DIMS, key="att_pe_dim", default=64
)
pe = attention.sinusoidal_positions(n_pos, pe_dim)
st.latex(tex.sinusoids(pe, min(i, n_pos - 1)))
heat, sim = parts.positions_figures(n_pos, pe_dim)
p1, p2 = st.columns(2)
with p1:
    lesson.chart(
        heat,
        key="att_fig_pe",
        how="row = position, column = dimension; left columns wiggle fast, right ones slowly.",
    )
with p2:
    lesson.chart(
        sim,
        key="att_fig_pe_sim",
        how="P_i · P_j: largest on the diagonal, and the same along every diagonal (it depends "
        "only on i − j).",
    )

st.subheader("Shuffle the sentence")
urlstate.start_value("att_perm_seed", 1)
perm_seed = st.number_input("Shuffle seed", 0, 9999, step=1, key="att_perm_seed", **BOUND)
_, _, rD, r_dk, r_seed = random_view[:5]
if trained:
    st.caption("This section uses the random word weights (seed and d_k above).")
off_test, on_test = parts.order(text, rD, r_dk, r_seed, perm_seed)
shuffled, order_maps = parts.order_maps(text, rD, r_dk, r_seed, perm_seed)
st.markdown("**Shuffled:** " + " ".join(md_escape(w) for w in shuffled))
st.latex(tex.order_difference(off_test, on_test))
parts.order_charts(order_maps)
st.caption(
    "Without positions the difference is zero up to float rounding (about 1e-7): attention is "
    "blind to order. With positions, moving a word changes what it attends to."
)

lesson.show_code(
    attention.steps,
    self_attention.self_attention,
    attention_heads.self_attention_heads,
    attention.sinusoidal_positions,
    note="Every heatmap above is one field of `seqviz.attention.Steps`.",
)
quiz.check_yourself("attention")
share.share_box(
    data={"attention weights": lambda: share.labelled(steps.weights, sen.tokens, sen.tokens)},
    hideable=(
        "att_sentence",
        "att_dk",
        "att_seed",
        "att_scale",
        "att_causal",
        "att_positions",
        "att_source",
        "att_heads",
        "sidebar",
    ),
)
lesson.lab_links("attention")
