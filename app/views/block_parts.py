"""The Transformer-block lab's parts: which model, the cached reading, and one section
per stage of the block (each: equations with numbers, then the chart and how to read it).

The pretrained model and its readings are cached for every session and never modified.
The student's own model is the one trained on the Transformer page
(``st.session_state["tf_run"]["lm"]``): read here, never changed; its readings are
computed for that session only.
"""

import dataclasses
from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st
import torch

from app import controls, lesson
from seqviz import block_tex, block_trace, checkpoints, logit_lens, transformer_lm
from seqviz.block_trace import BlockReading
from seqviz.figures import block as bfigs
from seqviz.figures import head_view as hfigs
from seqviz.figures import logit_lens as lfigs
from seqviz.figures.overlay import freeze

FIRST = 1  # the student reads positions 1 … T (the core counts from 0)
DEFAULT_TEXT = "the time traveller smiled round at us"
DEFAULT_TOKEN = 12  # t = 12, the 'a' of "traveller": only block 2 guesses the 'v' after it
WEIGHTS = {"pretrained": "Pretrained", "mine": "My model (Transformer page)"}


@dataclass(frozen=True)
class View:
    """One model reading one text, with everything the sections draw from."""

    lm: transformer_lm.CharLM
    tokens: list[str]
    unknown: list[bool]
    ids: torch.Tensor  # (T,)
    reading: BlockReading
    lens: logit_lens.Lens
    p_next: torch.Tensor  # (L + 1, T − 1) P(real next character) per layer
    shared: str | None = None  # the text, for the pretrained model's cached figures; None: mine


@st.cache_resource(show_spinner="Loading the tiny Transformer…")
def pretrained_lm() -> transformer_lm.CharLM:
    """The checked-in checkpoint (shared by every user: never modify it)."""
    return checkpoints.load("transformer")


def student_lm(run) -> transformer_lm.CharLM | None:
    """The model the student trained on the Transformer page, if there is one."""
    lm = run.get("lm") if isinstance(run, dict) else None
    return lm if isinstance(lm, transformer_lm.CharLM) else None


def choose_weights(mine: transformer_lm.CharLM | None) -> str:
    """Pretrained, or the student's own model once they have trained one."""
    options = ["pretrained"] + (["mine"] if mine is not None else [])
    if st.session_state.get("blk_weights", "pretrained") not in options:
        st.session_state["blk_weights"] = "pretrained"
    return controls.choose(
        st,
        "segmented_control",
        "Weights",
        options,
        key="blk_weights",
        default="pretrained",
        format_func=WEIGHTS.get,
        help="Pretrained: trained on The Time Machine (assets/models/transformer). My model: "
        "the one you trained in section 3 of the Transformer page (offered once you have).",
    )


def _view(lm: transformer_lm.CharLM, text: str) -> View:
    enc = lm.encode(text)
    reading = block_trace.read(lm.model, enc.ids)
    lens = logit_lens.lens(lm.model, reading.trace)
    return View(
        lm,
        enc.tokens,
        enc.unknown,
        enc.ids,
        reading,
        lens,
        logit_lens.next_probability(lens, enc.ids),
    )


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def _shared_view(text: str) -> View:
    return dataclasses.replace(_view(pretrained_lm(), text), shared=text)


def _figures() -> dict:
    """Every chart of the page: name -> builder(view, *args)."""
    return {
        "stream": _stream_figure,
        "ffn": lambda v, t, l: bfigs.ffn_activations(
            v.reading.parts[l].ff_pre[t], v.reading.trace.blocks[l].ff_hidden[t]
        ),
        "qkv": lambda v, t, l, h: bfigs.qkv(
            v.reading.trace.blocks[l].q[h, t],
            v.reading.trace.blocks[l].k[h, : t + 1],
            v.reading.trace.blocks[l].v[h, : t + 1],
            v.reading.trace.blocks[l].weights[h, t, : t + 1],
            v.tokens,
            t,
            h,
        ),
        "head_view": lambda v, t, l, every: hfigs.head_view(
            v.reading.trace.blocks[l].weights, v.tokens, None if every else t
        ),
        "lens": lambda v, t: lfigs.lens_topk(
            *logit_lens.top_k(v.lens, t),
            v.lm.vocab.idx_to_token,
            int(v.ids[t + 1]) if t + 1 < len(v.tokens) else None,
        ),
        "lens_all": lambda v, t: lfigs.lens_next(
            v.p_next, v.tokens, t if t + 1 < len(v.tokens) else None
        ),
    }


@st.cache_resource(max_entries=512, ttl=1800, show_spinner=False)
def _shared_figure(name: str, text: str, *args) -> dict:
    return freeze(_figures()[name](_shared_view(text), *args))


def figure(v: View, name: str, *args) -> go.Figure:
    """Chart ``name`` for view ``v``: built once per setting for the pretrained model
    (kept frozen, shared by every session), built afresh for the student's own."""
    if v.shared is None:
        return _figures()[name](v, *args)
    return go.Figure(_shared_figure(name, v.shared, *args))


def view(which: str, mine: transformer_lm.CharLM | None, text: str) -> View:
    """The chosen model reading ``text`` (cached for the pretrained model)."""
    if which == "mine" and mine is not None:
        return _view(mine, text)
    return _shared_view(text)


def step_label(v: View, t: int) -> str:
    """``t = 5 of 37: the model reads x_5 = 't' and predicts x_6 (really 'i')``."""
    T = len(v.tokens)
    nxt = (
        f" and predicts $x_{{{t + FIRST + 1}}}$ (really {controls.token_md(v.tokens[t + 1])})"
        if t + 1 < T
        else " (the last character: no next one to compare with)"
    )
    return (
        f"**t = {t + FIRST}** of {T}: the model reads $x_{{{t + FIRST}}}$ = "
        f"{controls.token_md(v.tokens[t])}{nxt}"
    )


# --- 1. the residual stream ------------------------------------------------------------

STREAM_HOW = {
    "pre": "left to right in the order the model computes: blue is the residual stream x "
    "itself (its length ‖x‖ on top, dimension i below), orange is what a sub-layer reads "
    "(LN) or adds (MHA, FFN). Below, each blue bar after MHA or FFN is the blue bar before "
    "it plus that sub-layer's orange bar; the lengths on top do not add.",
    "post": "left to right in the order the model computes: blue is the residual stream x "
    "itself (its length ‖x‖ on top, dimension i below), orange is what a sub-layer adds "
    "(MHA, FFN) and the sum before its LayerNorm. Post-LN: the stream is the LayerNorm of "
    "each sum, never the sum itself.",
}


def _stream_figure(v: View, t: int, dim: int):
    r = v.reading
    return bfigs.residual_stream(
        [s.name for s in r.stages],
        [s.kind for s in r.stages],
        [s.layer for s in r.stages],
        block_trace.norms(r, t),
        [float(s.value[t, dim]) for s in r.stages],
        dim,
    )


def stream_equations(v: View, t: int, layer: int, dim: int) -> None:
    r = v.reading
    lines = [block_tex.embedding_line(r, v.tokens[t], t, dim)]
    st.latex(
        r"\begin{gathered}"
        + r" \\ ".join(lines + block_tex.block_lines(r, layer, t, dim))
        + r"\end{gathered}"
    )


def stream_details(v: View, t: int, layer: int, dim: int) -> None:
    r = v.reading
    st.latex(block_tex.norm_line(r, layer, t))
    st.latex(block_tex.layer_norm_line(r, layer, t, dim, 1))


# --- 2. the feed-forward ---------------------------------------------------------------


def ffn_section(v: View, t: int, layer: int) -> None:
    r = v.reading
    hidden = r.trace.blocks[layer].ff_hidden[t]
    j = int(torch.argmax(hidden))
    for line in block_tex.ffn_lines(r, layer, t, j):
        st.latex(line)
    u = "LN₂(x)" if r.pre else "x (the stream after LN₁)"
    lesson.chart(
        figure(v, "ffn", t, layer),
        key="blk_ffn",
        how=f"the feed-forward reads u = {u} at this position only. Left: each of its "
        f"{hidden.shape[0]} hidden units is a dot at (W₁u + b₁)ⱼ → GELU(·)ⱼ: units left of 0 are "
        "(almost) silenced, units right of 0 pass their value on. Right: the most active units; "
        "the equation above is the top one's.",
    )


# --- 3. one head's Q, K, V ---------------------------------------------------------------


def qkv_section(v: View, t: int, layer: int, head: int) -> None:
    r = v.reading
    for line in block_tex.attention_lines(r, layer, head, t):
        st.latex(line)
    lesson.chart(
        figure(v, "qkv", t, layer, head),
        key="blk_qkv",
        how="q_t is compared with every key k_j it may see (j ≤ t, causal); the scaled dot "
        "products go through a softmax into the weights on the right, which sum to 1; the "
        "head's output is the weighted sum of the values v_j. Red is positive, blue negative.",
    )


# --- 4. head view --------------------------------------------------------------------------


def head_view_section(v: View, t: int, layer: int, every: bool) -> None:
    lesson.chart(
        figure(v, "head_view", t, layer, every),
        key="blk_head_view",
        how="left column: the character that attends (query); right column: the characters "
        "it attends to (keys). One colour per head; a line's opacity and width grow with the "
        "weight (weights under 0.02 are not drawn). Click a head in the legend to hide it. "
        "With one query the columns end at t: the causal mask hides the characters after it.",
    )


# --- 5. logit lens ---------------------------------------------------------------------------


def lens_section(v: View, t: int) -> None:
    T = len(v.tokens)
    has_next = t + 1 < T
    if has_next:
        nxt = v.tokens[t + 1]
        st.latex(block_tex.lens_line([float(p) for p in v.p_next[:, t]], nxt, t + 1 + FIRST))
    lesson.chart(
        figure(v, "lens", t),
        key="blk_lens",
        how="each panel is the output layer ("
        + (
            "LN_f, then W_out and softmax"
            if v.reading.pre
            else "W_out and softmax; post-LN has no LN_f"
        )
        + ") applied to the residual stream after that layer, for this position; the blue bar "
        "is the character that really comes next. The last panel is the model's real prediction.",
    )
    if T > 1:
        lesson.chart(
            figure(v, "lens_all", t),
            key="blk_lens_all",
            how="the probability of the real next character at every position (columns) "
            "read after each layer (rows); the outlined column is t. Brighter = more certain "
            "and right.",
        )
