"""Transformer lab: every head of a tiny character LM, generation step by step, RNN vs attention."""

import streamlit as st

from app import controls, lesson, live, share, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import transformer_parts as parts
from seqviz import bridge, transformer, transformer_lm

DEFAULT_TEXT = "the time traveller smiled round at us then he began the time traveller"

ORIGIN = {
    "pretrained": "pretrained on The Time Machine",
    "untrained": "untrained: the same network with random weights",
    "mine": "your model from section 3",
}

st.title("Transformer: many heads and a tiny language model")
lecture = bool(st.session_state.get("lecture"))
main = st.container(key="tf_main") if lecture else None  # lecture: model view + equation first
lesson.intro("attn_tf_intro")

# --- which weights -------------------------------------------------------------------
run = parts.my_run()  # the user's own model, if they trained one below
which = parts.choose_weights(run)
lm = parts.model(which, run)
cfg = lm.model.config
st.caption(f"**The model shown** ({ORIGIN[which]}): {transformer_lm.summary(lm)}.")
lesson.try_this("attn_tf_try")

# === 1. model view ==========================================================================
st.header("1 · Model view: every head of every layer")
text = controls.text_input(
    default=DEFAULT_TEXT,
    limit=cfg.context,
    help=f"The model knows 26 lower-case letters and the space (everything else becomes "
    f"<unk>) and reads at most {cfg.context} characters.",
    prompt="Type some text above (one letter is enough) to see every head read it.",
)
if text is not None:
    tokens, tr = parts.trace(which, run, text)
    T = len(tokens)
    parts.show_read(tokens)
    L, nh = cfg.num_layers, cfg.n_heads
    urlstate.clamp("tf_query", 0, T - 1)
    urlstate.start_value("tf_query", T - 1)
    c_l, c_h, c_p = st.columns([1, 1.6, 3], vertical_alignment="bottom")
    layer = controls.choose(
        c_l, "segmented_control", "Layer", list(range(1, L + 1)), key="tf_layer", default=1
    )
    head = controls.choose(
        c_h, "segmented_control", "Head", list(range(1, nh + 1)), key="tf_head", default=1
    )
    pos = c_p.slider("Query position t", 0, T - 1, key="tf_query", **BOUND) if T > 1 else 0
    l, h = min(layer, L) - 1, min(head, nh) - 1
    grid, big_fig, next_fig = parts.head_figures(which, run, text, l, h, pos)
    bt = tr.blocks[l]
    with main if main is not None else st.container():
        st.latex(parts.head_row(bt.weights[h, pos], tokens, pos, l, h, cfg.d_model // nh))
        lesson.chart(
            grid,
            key="tf_model_view",
            how="row = the character attending (query), column = the character attended to "
            "(key); hover a cell for its (query → key) characters and weight. The upper "
            "triangle is masked (causal: −∞ → 0). The outlined map is enlarged below.",
        )
    big, nxt = st.columns([3, 2])
    with big:
        lesson.chart(
            big_fig,
            key="tf_head_big",
            how="hover a cell for the exact weight and the (query → key) pair; the outlined row is position t.",
        )
    with nxt:
        lesson.chart(
            next_fig,
            key="tf_next_char",
            how="softmax(W_out LN(h_t)): the model's probabilities for the character after t; blue is the one that really follows.",
        )

# === 2. generation ==========================================================================
st.header("2 · Generate, then step through each new character")
for key, value in (
    ("tf_prompt", "the time traveller "),
    ("tf_n_gen", 40),
    ("tf_temperature", 0.8),
    ("tf_top_k", 0),
    ("tf_gen_seed", 0),
):
    urlstate.start_value(key, value)
c_prompt, c_n = st.columns([3, 2])
# prompt + generated text must fit the context: at least 2 new characters always do
prompt = c_prompt.text_input("Prompt", key="tf_prompt", max_chars=cfg.context - 2, **BOUND)
room = max(2, cfg.context - max(len(prompt), 1))
urlstate.clamp("tf_n_gen", 1, min(100, room))
n_gen = c_n.slider("Characters to generate", 1, min(100, room), key="tf_n_gen", **BOUND)
c_t, c_k, c_s = st.columns(3)
temperature = c_t.slider(
    "Temperature",
    0.0,
    2.0,
    step=0.1,
    key="tf_temperature",
    help="0 = always the most likely character.",
    **BOUND,
)
top_k = c_k.slider(
    "Top-k (0 = all)",
    0,
    len(lm.vocab) - 1,
    key="tf_top_k",
    help="Sample only among the k most likely characters.",
    **BOUND,
)
gen_seed = c_s.number_input("Sampling seed", 0, 9999, step=1, key="tf_gen_seed", **BOUND)
settings = (prompt, n_gen, temperature, top_k, gen_seed)
gen, g_tokens, _ = parts.generate(which, run, *settings)
P = len(gen.prompt_ids)
new = "".join(g_tokens[P:])
st.markdown(
    f"**Prompt** :gray-background[{md_escape(''.join(g_tokens[:P]))}] **→ generated** "
    f":blue-background[{md_escape(new)}]"
)
k_shown = str(top_k) if top_k else rf"{len(lm.vocab) - 1}\ (\text{{all}})"
st.latex(
    r"P(c) = \frac{e^{o_c / \tau}}{\sum_{c' \in \text{top-}k} e^{o_{c'} / \tau}},\quad "
    rf"\tau = {temperature:.1f},\ k = {k_shown}"
    + (r"\quad(\tau = 0:\ \text{always the most likely})" if temperature == 0 else "")
)
parts.step_through_generation(which, run, settings, gen, g_tokens)

# === 3. live training ========================================================================
st.header("3 · Train your own tiny Transformer")
lesson.more("What training does", "attn_training")
config = parts.training_controls()
c_train, c_stop, _ = st.columns([1, 1, 4])
if c_train.button("Train", key="tf_train", type="primary", icon=":material/play_arrow:"):
    parts.train_live(config)
live.job_button(c_stop, key="tf_stop", record=st.session_state.get("tf_run"))
parts.training_status()

# === 4. RNN vs attention ====================================================================
st.header("4 · RNN vs attention: reverse a sequence")
lesson.more("What you are looking at", "attn_bridge", expanded=True)
for key, value in (("tf_symbols", "hgabcf"), ("tf_bridge_seed", 0)):
    urlstate.start_value(key, value)
c_task, c_sym, c_bs = st.columns([1.3, 2, 1.2], vertical_alignment="bottom")
task = controls.choose(
    c_task, "segmented_control", "Task", bridge.TASKS, key="tf_task", default="reverse"
)
symbols = c_sym.text_input(
    f"{bridge.BridgeConfig().num_symbols} symbols from “{bridge.SYMBOLS}”",
    key="tf_symbols",
    max_chars=40,
    **BOUND,
)
b_seed = c_bs.number_input(
    "Training seed (0 = pretrained)", 0, 999, step=1, key="tf_bridge_seed", **BOUND
)
pair = parts.bridge_pair(task, b_seed)
if pair is not None:
    a, bridge_fig = parts.bridge_view(
        task, b_seed, pair, parts.bridge_input(symbols, pair.config.num_symbols)
    )
    m1, m2 = st.columns(2)
    m1.metric("Transformer accuracy (fresh problems)", f"{pair.transformer_accuracy:.1%}")
    m2.metric("LSTM accuracy (fresh problems)", f"{pair.lstm_accuracy:.1%}")
    st.markdown(
        f"**Input:** `{''.join(a.tokens[: pair.config.num_symbols])}` → **answer:** `{''.join(a.targets)}` · "
        f"Transformer says `{''.join(a.transformer_pred)}` · LSTM says `{''.join(a.lstm_pred)}`"
    )
    lesson.chart(
        bridge_fig,
        key="tf_bridge",
        how="row k = the position that writes answer y_k; columns = the inputs it could use. Left: attention "
        "(mean over heads); right: the LSTM's gradient norm, each row divided by its maximum.",
    )

lesson.show_code(
    transformer.Block.trace,
    transformer_lm.generate,
    bridge.align,
    note="`TinyTransformer.trace` runs `Block.trace` for every block; the plain forward uses "
    "`nn.MultiheadAttention` directly and the tests check both give the same logits.",
)
share.share_box(
    hideable=("text", "tf_weights", "tf_layer", "tf_head", "tf_query", "tf_prompt", "sidebar")
)
lesson.lab_links("transformer")
