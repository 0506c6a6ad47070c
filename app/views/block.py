"""Inside a Transformer block: one character's trip through the tiny Transformer, stage by
stage — the residual stream, the feed-forward's units, one head's Q / K / V, the head
view and the logit lens. The student reads positions t = 1 … T (``parts.FIRST``).
"""

import streamlit as st

from app import controls, frame, lesson, quiz, share, stepper, urlstate
from app.urlstate import BOUND
from app.views import block_parts as parts
from seqviz import block_tex, block_trace, logit_lens, transformer_lm

st.title("Inside a Transformer block")
lecture = bool(st.session_state.get("lecture"))
if not lecture:
    lesson.intro("blk_intro")
# On a projector the stream and its equation come first; text and settings under them.
if lecture:
    stage, settings = (
        st.container(),
        st.expander("Text, model, layer, head", icon=":material/tune:"),
    )
else:
    settings, stage = st.container(), st.container()

# --- which model, which text ---------------------------------------------------------
with settings:
    mine = parts.student_lm(st.session_state.get("tf_run"))  # trained on the Transformer page
    which = parts.choose_weights(mine)
    lm = mine if which == "mine" and mine is not None else parts.pretrained_lm()
    cfg = lm.model.config
    st.caption(
        f"**The model shown:** {transformer_lm.summary(lm)}. "
        + (
            "**Pre-LN**: each sub-layer reads a LayerNorm'd copy of the stream and adds its "
            "output to it; the stream itself is normalised only once, by LN_f before the output."
            if cfg.norm == "pre"
            else "**Post-LN**: each sub-layer's output is added to the stream and the sum is "
            "LayerNorm'd; there is no final LayerNorm."
        )
    )
    text = controls.text_input(
        default=parts.DEFAULT_TEXT,
        limit=cfg.context,
        help=f"The model knows 26 lower-case letters and the space (everything else becomes "
        f"<unk>) and reads at most {cfg.context} characters.",
        prompt="Type some text above (one letter is enough) to follow it through the block.",
    )
if text is None:
    frame.stop()

# --- the one core call: the model reads the text, every stage kept (cached) -------------
v = parts.view(which, mine, text)
T, E, L, nh = len(v.tokens), cfg.d_model, cfg.num_layers, cfg.n_heads

with settings:
    controls.show_encoded(v.tokens, v.unknown)
    c_l, c_h, c_d, c_all = st.columns([1, 1.5, 1.2, 1.6], vertical_alignment="bottom")
    layer = controls.choose(
        c_l, "segmented_control", "Block", list(range(1, L + 1)), key="blk_layer", default=1
    )
    head = controls.choose(
        c_h, "segmented_control", "Head", list(range(1, nh + 1)), key="blk_head", default=1
    )
    urlstate.clamp("blk_dim", 1, E)
    dim = c_d.number_input(
        f"Dimension i (1 – {E})",
        min_value=1,
        max_value=E,
        step=1,
        key="blk_dim",
        help=f"The stream is a vector of {E} numbers; the equations follow one of them.",
        **BOUND,
    )
    every = c_all.toggle(
        "Head view: every query",
        key="blk_every",
        help="Draw the lines of every character, not only those of the character at t.",
        **BOUND,
    )
    if lecture:
        st.latex(block_tex.general(cfg.norm == "pre"))
    else:
        lesson.try_this("blk_try")
l, h, i = min(layer, L) - 1, min(head, nh) - 1, int(dim) - 1


def show_token(t: int) -> None:
    """Every section for the character at position t (redrawn by the step control alone)."""
    if not lecture:  # on a projector the equation and the chart share the first screen
        st.subheader(f"1 · The residual stream at t = {t + parts.FIRST}, block {l + 1}")
    with st.container(key="blk_equation"):
        parts.stream_equations(v, t, l, i)
    lesson.chart(
        parts.figure(v, "stream", t, i),
        key="blk_stream",
        how=parts.STREAM_HOW[cfg.norm],
    )
    parts.stream_details(v, t, l, i)
    lesson.more("Pre-LN and post-LN, LayerNorm's numbers", "blk_layernorm")

    st.subheader(f"2 · The feed-forward's hidden units (block {l + 1}, GELU)")
    parts.ffn_section(v, t, l)

    st.subheader(f"3 · Head {h + 1} of block {l + 1}: Q, K, V for t = {t + parts.FIRST}")
    parts.qkv_section(v, t, l, h)

    st.subheader(f"4 · Head view: every head of block {l + 1}")
    parts.head_view_section(v, t, l, every)

    st.subheader("5 · Logit lens: what the stream would predict after each layer")
    parts.lens_section(v, t)
    lesson.more("What the logit lens is (and is not)", "blk_lens")

    st.subheader("6 · Exercises")
    quiz.check_yourself("block", text=text, t=t)


with stage:
    if not lecture:
        st.latex(block_tex.general(cfg.norm == "pre"))
    urlstate.start_value("blk_token", min(parts.DEFAULT_TOKEN, T))
    stepper.step_through(
        T,
        show_token,
        key="blk_token",
        label=lambda t: parts.step_label(v, t),
        axis="Position",
        symbol="t",
        item="character",
        first=parts.FIRST,
    )

# --- the rest of the lesson ------------------------------------------------------------
if lecture:
    lesson.intro("blk_intro")
    lesson.try_this("blk_try")
lesson.show_code(
    block_trace.read,
    logit_lens.lens,
    note="`read` lays out `TinyTransformer.trace` (every block recomputed head by head) "
    "stage by stage; the tests check that the stages add up to the model's own logits and "
    "that each block equals `nn.TransformerEncoderLayer` with the same weights.",
)
share.share_box(
    hideable=("text", "blk_weights", "blk_layer", "blk_head", "blk_dim", "blk_token", "sidebar")
)
lesson.lab_links("block")
