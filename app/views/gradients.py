"""Gradient flow: vanishing and exploding gradients through time, computed with autograd."""

import streamlit as st
import torch

from app import controls, frame, lesson, loaders, quiz, share, urlstate
from app.urlstate import BOUND, start_value
from app.views import gradients_parts as parts
from app.views.gradients_parts import KINDS, PRESETS
from seqviz import clipping, gradients, gradients_presets
from seqviz.figures import gradients as gfigs

# --- page ------------------------------------------------------------------------------

st.title("Gradient flow: vanishing & exploding")
chars = loaders.untrained_model("rnn")  # vocabulary and one-hot encoding of the char models

# lecture mode: the chart and its equation first, the lesson and the controls under them
first, second = st.container(), st.container()
chart_area, control_area = (first, second) if frame.lecture_on() else (second, first)
with chart_area:
    preset = controls.choose(
        st,
        "segmented_control",
        "Starting point (keep gate: LSTM forget gate f_t, GRU update gate z_t)",
        list(PRESETS),
        key="grad_preset",
        default=gradients_presets.DEFAULT,
        format_func=lambda k: PRESETS[k].label,
    )
trained = PRESETS[preset].trained

with control_area:
    lesson.intro("grad_intro")
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
            list(parts.INITS),
            key="grad_init",
            default="default",
            format_func=parts.INITS.get,
            disabled=trained,
        )
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
            disabled=trained or init == "default",
            help="Every eigenvalue of W_hh (each gate's block for GRU/LSTM) has |λ| <= r.",
            **BOUND,
        )
        loss = controls.choose(
            c5,
            "selectbox",
            "Loss L",
            list(parts.LOSSES),
            key="grad_loss",
            default="last",
            format_func=parts.LOSSES.get,
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
bias = PRESETS[preset].gate_bias
setup = (int(hidden), act, "trained" if trained else init, float(radius), 0, bool(f64), bias)

# --- the one core call: three backward passes through time (cached) ------------------
flow = parts.flows(setup, ids, loss)
norms = {k: f.state_norms for k, f in flow.items()}  # t = 0 .. T, h_0 = 0 included

with chart_area:
    st.subheader(f"‖∂L/∂h_t‖ from h_{T} back to h_0: RNN, GRU and LSTM on the same {T} inputs")
    parts.equation(flow, T)
    lesson.chart(
        gfigs.norm_curves(norms, tokens=[None, *tokens], first=0),
        key="grad_curves",
        how="each line is one model; height is the size of the gradient that reaches the state "
        "h_t from the loss (log scale). Falling to the left = vanishing, rising = exploding. "
        + gradients_presets.WHY_HALF,
    )
    parts.headline(flow, setup, ids)
    for kind in KINDS:
        parts.report(kind, norms[kind])
    st.caption(f"{PRESETS[preset].label}: {PRESETS[preset].source}. {gradients_presets.GRU_SIGN}")

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
    data={"gradient norms, t = 0 .. T": lambda: {k: v.tolist() for k, v in norms.items()}},
    hideable=("grad_preset", "grad_input", "text", "grad_controls", "grad_tab", "sidebar"),
)
lesson.lab_links("gradients")
