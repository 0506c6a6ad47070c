"""Gradient flow: vanishing and exploding gradients through time, computed with autograd."""

import streamlit as st
import torch

from app import controls, frame, lesson, loaders, quiz, share, urlstate
from app.urlstate import BOUND, start_value
from app.views import gradients_parts as parts
from app.views.gradients_parts import INITS, KINDS, LOSSES
from seqviz import clipping, gradients
from seqviz.figures import gradients as gfigs

# --- page ------------------------------------------------------------------------------

st.title("Gradient flow: vanishing & exploding")
lesson.intro("grad_intro")

chars = loaders.untrained_model("rnn")  # vocabulary and one-hot encoding of the char models
source = controls.choose(
    st,
    "segmented_control",
    "Input",
    ["text", "random"],
    key="grad_input",
    default="text",
    format_func={"text": "Your text", "random": "Random characters"}.get,
)
if source == "text":
    text = controls.text_input()
    if text is None:
        frame.stop()
    encoded = chars.encode(text)
    ids, tokens = tuple(encoded.ids.tolist()), encoded.tokens
else:
    c_len, c_seed = st.columns(2)
    start_value("grad_len", 200)
    T_random = c_len.slider("Sequence length T", 2, 400, key="grad_len", **BOUND)
    start_value("grad_seed", 0)
    data_seed = c_seed.number_input("Seed", 0, 9999, key="grad_seed", **BOUND)
    gen = torch.Generator().manual_seed(int(data_seed))
    ids = tuple(torch.randint(1, len(chars.vocab), (T_random,), generator=gen).tolist())
    tokens = chars.vocab.to_tokens(list(ids))
T = len(ids)

with st.container(border=True, key="grad_controls"):
    c1, c2, c3 = st.columns([1.3, 1, 1.4])
    init = controls.choose(
        c1,
        "selectbox",
        "Initialisation of W_hh",
        list(INITS),
        key="grad_init",
        default="default",
        format_func=INITS.get,
    )
    trained = init == "trained"
    act = controls.choose(
        c2,
        "segmented_control",
        "RNN activation",
        ["tanh", "relu"],
        key="grad_act",
        default="tanh",
        format_func={"tanh": "tanh", "relu": "ReLU"}.get,
        disabled=trained,
        help="The plain RNN's f in h_t = f(W_xh x_t + W_hh h_{t-1} + b). GRU and LSTM keep σ/tanh.",
    )
    hidden = controls.choose(
        c3,
        "segmented_control",
        "Hidden size H",
        [8, 16, 32, 64, 128],
        key="grad_hidden",
        default=32,
        disabled=trained,
    )
    c4, c5, c6 = st.columns([1.3, 1, 1.4])
    urlstate.clamp("grad_radius", 0.1, 3.0)
    start_value("grad_radius", 1.0)
    radius = c4.slider(
        "W_hh scale r (spectral radius)",
        0.1,
        3.0,
        step=0.05,
        key="grad_radius",
        disabled=init in ("default", "trained"),
        help="Every eigenvalue of W_hh (each gate's block for GRU/LSTM) has |λ| <= r.",
        **BOUND,
    )
    loss = controls.choose(
        c5,
        "selectbox",
        "Loss L",
        list(LOSSES),
        key="grad_loss",
        default="last",
        format_func=LOSSES.get,
    )
    start_value("grad_f64", False)
    f64 = c6.toggle(
        "float64 (see below float32's limits)",
        key="grad_f64",
        help="float32 stores nothing below about 1e-45 (becomes 0) or above 3e38 (becomes inf).",
        **BOUND,
    )

if trained:
    hidden, act = 128, "tanh"
    missing = [k for k in KINDS if not loaders.has_checkpoint(k)]
    if missing:
        st.warning(f"No trained checkpoint for {', '.join(missing)}: showing untrained weights.")
setup = (int(hidden), act, init, float(radius), 0, bool(f64))

# --- the one core call: three backward passes through time (cached) ------------------
flow = parts.flows(setup, ids, loss)
norms = {k: f.hidden_norms for k, f in flow.items()}

st.subheader(f"‖dL/dh_t‖ through time — RNN, GRU and LSTM on the same {T} inputs")
lesson.chart(
    gfigs.norm_curves(norms, tokens=tokens),
    key="grad_curves",
    how="each line is one model; height is the size of the gradient that reaches step t from "
    "the loss (log scale: one grid line = ×10). Falling to the left = vanishing, rising = exploding.",
)


for col, kind in zip(st.columns(3), KINDS, strict=True):
    with col:
        parts.report(kind, norms[kind], T)

lesson.try_this("grad_try")

TABS = ("W_hh & the bound", "Inside BPTT", "Clipping", "Truncated BPTT", "Long memory (train)")


# Only the open tab is computed and drawn (each tab click reruns the page; the URL keeps it).
start_value("grad_tab", TABS[0])
tabs = st.tabs(TABS, key="grad_tab", on_change="rerun", **BOUND)
run = parts.Run(setup, ids, tokens, loss, act, int(hidden), flow)
sections = (parts.eig_tab, parts.bptt_tab, parts.clip_tab, parts.trunc_tab, parts.memory_tab)
for tab, section in zip(tabs, sections, strict=True):
    if tab.open:
        with tab:
            section(run)

lesson.show_code(
    gradients.backprop,
    gradients.jacobians,
    clipping.clip_global_norm,
    note="`hidden_grad_norms(module, x)` is `backprop(module, x).hidden_norms`.",
)
quiz.check_yourself("gradients")
share.share_box(
    data={"gradient norms": lambda: {k: v.tolist() for k, v in norms.items()}},
    hideable=("grad_input", "text", "grad_controls", "grad_tab", "sidebar"),
)
lesson.lab_links("gradients")
