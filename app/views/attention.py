"""Self-attention step by step: embeddings + positions -> Q, K, V -> scores -> softmax -> out."""

import streamlit as st

from app import lesson, quiz, share, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import attention_cache as cache
from app.views import attention_tex as tex
from seqviz import attention, latex, self_attention

DEFAULT_SENTENCE = "the time traveller held in his hand a glittering metallic framework"
D = 16  # embedding size (one heatmap column each)
DK_CHOICES = (2, 4, 8, 16, 32, 64)

st.title("Self-attention, step by step")
lesson.intro("attn_intro")

# --- controls ------------------------------------------------------------------------
for key, value in (("sentence", DEFAULT_SENTENCE), ("dk", 8), ("seed", 0)):
    urlstate.start_value(key, value)
for key, value in (("scale", True), ("causal", False), ("positions", True)):
    urlstate.start_value(key, value)
text = st.text_area(
    "Sentence (words of The Time Machine; anything else becomes <unk>)",
    key="sentence",
    height=80,
    max_chars=2000,
    help=f"Up to {self_attention.MAX_WORDS} words are used. Press Ctrl+Enter to apply.",
    **BOUND,
)
c_dk, c_seed, c_scale, c_causal, c_pos = st.columns(
    [2, 1.2, 1.3, 1.3, 1.3], vertical_alignment="bottom"
)
d_k = c_dk.select_slider("d_k (size of q, k, v)", DK_CHOICES, key="dk", **BOUND)
seed = c_seed.number_input(
    "Seed",
    0,
    9999,
    step=1,
    key="seed",
    help="Draws the random embeddings and W_q, W_k, W_v.",
    **BOUND,
)
scale = c_scale.toggle("Divide by √d_k", key="scale", **BOUND)
causal = c_causal.toggle(
    "Causal mask", key="causal", help="Word i may only look at words 0..i.", **BOUND
)
positions = c_pos.toggle(
    "Positions", key="positions", help="Add sinusoidal position encodings.", **BOUND
)

sen = cache.sentence(text or "")
if not sen.tokens:
    st.info(
        "Type a sentence above (even one word works) and press Ctrl+Enter.", icon=":material/edit:"
    )
    st.stop()
if sen.cut:
    st.warning(
        f"Your sentence has {len(sen.tokens) + sen.cut} words; only the first "
        f"{self_attention.MAX_WORDS} are used so every word keeps its own row.",
        icon=":material/content_cut:",
    )
shown = " ".join(
    r":red-background[**\<unk\>**]" if u else md_escape(w)
    for w, u in zip(sen.words, sen.unknown, strict=True)
)
st.markdown(f"**The model reads {len(sen.tokens)} words:** {shown}")
if any(sen.unknown):
    unk = sorted({w for w, u in zip(sen.words, sen.unknown, strict=True) if u})
    st.caption(
        f"{len(unk)} word(s) are not in the vocabulary of The Time Machine and became <unk>: "
        f"{', '.join(md_escape(w) for w in unk[:8])}{' …' if len(unk) > 8 else ''}. They all share one "
        "embedding, so the model cannot tell them apart."
    )
T = len(sen.tokens)
urlstate.clamp("query", 0, T - 1)
urlstate.start_value("query", min(2, T - 1))
if T > 1:
    i = st.slider(
        "Query word i (the row written out in the equations)", 0, T - 1, key="query", **BOUND
    )
else:
    i = 0
st.markdown(
    f"**Query word {i}:** {md_escape(sen.words[i])}" + (" (<unk>)" if sen.unknown[i] else "")
)
st.caption(
    f"Embeddings (D = {D}) and projections W_q, W_k, W_v (D × d_k) are **random**, drawn from "
    f"seed {seed} — not learned. The mechanics are exact; what attends to what is chance."
)
lesson.try_this("attn_try")

# --- the one core call (cached) ---------------------------------------------------------
view = (text, D, d_k, seed, positions, scale, causal)  # everything the figures depend on
sa = cache.run(*view)
steps = sa.steps


def pair(left: str, right: str, how: str, key: str) -> None:
    a, b = st.columns(2)
    with a:
        lesson.chart(cache.step_figure(left, *view, row=i), key=f"{key}_a", how=how)
    with b:
        lesson.chart(cache.step_figure(right, *view, row=i), key=f"{key}_b", how=how)


st.header("1 · Words become vectors: X = E[w] + P")
st.latex(tex.embedding(sa, i, sen.tokens[i]))
c1, c2, c3 = st.columns(3)
for col, name in zip((c1, c2, c3), ("E", "P", "X"), strict=True):
    with col:
        lesson.chart(
            cache.step_figure(name, *view, row=i),
            key=f"fig_{name}",
            how="one row per word, one column per dimension; red > 0, blue < 0; the outlined row is word i.",
        )

st.header("2 · Queries, keys and values")
for line in tex.projections(sa, i):
    st.latex(line)
cq, ck, cv = st.columns(3)
for col, name in zip((cq, ck, cv), ("Q", "K", "V"), strict=True):
    with col:
        lesson.chart(
            cache.step_figure(name, *view, row=i),
            key=f"fig_{name}",
            how=f"row j is {name.lower()}_j (d_k = {d_k} numbers); identical words give identical rows.",
        )

st.header("3 · Scores, scaling and the mask")
st.latex(tex.scores(steps, sa.Q, sa.K, i))
st.latex(tex.scaled(steps, i, d_k))
st.latex(tex.masked(steps, i, causal))
pair(
    "scores", "scaled", "row i, column j: how well query i matches key j (signed, unbounded).", "sc"
)
lesson.chart(
    cache.step_figure("masked", *view, row=i),
    key="fig_masked",
    how="blank cells are −∞: after the softmax they get weight exactly 0.",
)

st.header("4 · Softmax: weights that sum to 1")
st.latex(tex.softmax(steps, i))
st.latex(tex.entropy(steps, i))
w_col, b_col = st.columns([3, 2])
with w_col:
    lesson.chart(
        cache.step_figure("weights", *view, row=i),
        key="fig_weights",
        how="row i is how much word i takes from each word j (0 to 1, each row sums to 1); hover for the exact weight.",
    )
with b_col:
    lesson.chart(
        cache.query_bars(text, D, d_k, seed, positions, scale, causal, i),
        key="fig_bars",
        how="the outlined row as bars; the blue bar is the word query i attends to most.",
    )
on, off = cache.mean_entropy(text, D, d_k, seed, positions, causal)
m1, m2, m3 = st.columns(3)
m1.metric("mean row entropy, scaled", f"{on:.3f} nats")
m2.metric(
    "mean row entropy, not scaled", f"{off:.3f} nats", delta=f"{off - on:+.3f}", delta_color="off"
)
m3.metric("√d_k", f"{d_k**0.5:.3f}")
lesson.chart(
    cache.step_figure("entropy", *view),
    key="fig_entropy",
    how="bar: how spread out each row is; dashed line: the most it can be (uniform over the words it may see). Near 0 = saturated.",
)
lesson.more("Why divide by √d_k?", "attn_scaling")

st.header("5 · The output: a weighted average of the values")
st.latex(tex.output(steps, sa.V, i))
lesson.how_to_read(
    "out_i mixes the value vectors with the weights of row i; it replaces x_i in the next layer."
)

# --- positional encodings -----------------------------------------------------------
st.header("6 · Positions, and what happens without them")
lesson.more("Why positions?", "attn_positions", expanded=True)
for key, value in (("n_pos", 64), ("pe_dim", 64)):
    urlstate.start_value(key, value)
c_n, c_d = st.columns(2)
n_pos = c_n.slider("Positions shown", 2, 128, key="n_pos", **BOUND)
pe_dim = c_d.select_slider("Encoding size d", (4, 8, 16, 32, 64, 128), key="pe_dim", **BOUND)
pe = attention.sinusoidal_positions(n_pos, pe_dim)
pos_i = min(i, n_pos - 1)
st.latex(
    tex.sinusoid(pos_i, pe_dim, 0, float(pe[pos_i, 0]))
    + r",\qquad "
    + tex.sinusoid(pos_i, pe_dim, 1, float(pe[pos_i, 1]))
)
heat, sim = cache.positions_figures(n_pos, pe_dim)
p1, p2 = st.columns(2)
with p1:
    lesson.chart(
        heat,
        key="fig_pe",
        how="row = position, column = dimension; left columns wiggle fast, right ones slowly.",
    )
with p2:
    lesson.chart(
        sim,
        key="fig_pe_sim",
        how="P_i · P_j: largest on the diagonal, and the same along every diagonal (it depends only on i − j).",
    )

st.subheader("Shuffle the sentence")
urlstate.start_value("perm_seed", 1)
perm_seed = st.number_input("Shuffle seed", 0, 9999, step=1, key="perm_seed", **BOUND)
off_t, on_t, shuffled, order_figs = cache.order(text, D, d_k, seed, perm_seed)
st.markdown("**Shuffled:** " + " ".join(md_escape(w) for w in shuffled))
st.latex(
    rf"\text{{no positions: }}\max_{{i,j}} |\alpha_{{ij}} - \alpha'_{{\pi(i)\pi(j)}}| = {latex.sci(off_t.max_difference, 2)}"
    rf"\qquad \text{{with positions: }} {on_t.max_difference:.3f}"
)
o1, o2, o3 = st.columns(3)
order_how = (
    "the original sentence: row = query word, column = key word.",
    "the shuffled sentence: find any word pair of the first map — its weight is the same here.",
    "with positions, the shuffled sentence's weights put back in the original order: they differ "
    "from the first map.",
)
for col, fig, k, how in zip(
    (o1, o2, o3), order_figs, ("ord_a", "ord_b", "ord_c"), order_how, strict=True
):
    with col:
        lesson.chart(fig, key=k, how=how)
st.caption(
    "Without positions the difference is zero up to float rounding (about 1e-7): attention is blind to order. "
    "With positions, moving a word changes what it attends to."
)

lesson.show_code(
    attention.steps,
    self_attention.self_attention,
    attention.sinusoidal_positions,
    note="Every heatmap above is one field of `seqviz.attention.Steps`.",
)
quiz.check_yourself("attention")
share.share_box(
    data={"attention weights": lambda: share.labelled(steps.weights, sen.tokens, sen.tokens)},
    hideable=("text", "dk", "seed", "scale", "causal", "positions", "sidebar"),
)
lesson.lab_links("attention")
