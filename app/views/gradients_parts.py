"""The gradient-flow lab's parts: its controls, cached core calls and the five tabs.

Each tab is a function of a :class:`Run` (everything the page computed from its
controls), so no tab reads hidden state; the page decides which tab is open.
"""

import copy
from dataclasses import dataclass

import streamlit as st
import torch

from app import controls, frame, lesson, live, loaders, urlstate
from app.urlstate import BOUND, start_value
from seqviz import (
    clipping,
    gradients,
    gradients_presets,
    gradients_report,
    gradients_tex,
    memory_task,
    truncation,
)
from seqviz.figures import gradients as gfigs

KINDS = ("rnn", "gru", "lstm")
NAMES = gfigs.MODEL_NAMES
PRESETS = gradients_presets.PRESETS
INITS = {
    "default": "PyTorch default",
    "orthogonal": "Orthogonal × r",
    "scaled": "Random, spectral radius r",
    "identity": "Identity × r (IRNN)",
}
LOSSES = {"last": "last step: L = Σⱼ h_T,j", "all": "every step: L = Σₜ Σⱼ h_t,j"}
# "Make it explode": a ReLU RNN whose gradient grows ×1.5 per step back over 300 steps
EXPLODE = dict(grad_input="random", grad_len=300, grad_act="relu", grad_init="orthogonal")
EXPLODE_RADIUS = 1.5
LIVE_CURVES = 1.0  # seconds between two states the worker sends back: the curves' refresh
MAX_SECONDS = 120  # one press of Train never holds the server longer (press it to continue)


def loss_fn(kind: str):
    return gradients.last_step_sum if kind == "last" else lambda out: out.sum()


# --- cached core calls (results are frozen records; no session changes them) ---------


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def build_models(
    hidden: int, act: str, init: str, radius: float, seed: int, f64: bool, bias: float = 0.0
):
    """kind -> recurrent module (fresh, or a private copy of the pretrained one).

    ``init == "trained"``: the trained checkpoints; else fresh weights, W_hh initialised
    by ``init`` and the GRU's / LSTM's keep gate biased by ``bias``."""
    if init != "trained":
        V = len(loaders.untrained_model("rnn").vocab)  # one-hot characters, as the char models
        models = gradients_presets.fresh_models(V, hidden, act, init, radius, seed, bias)
    else:
        models = {k: copy.deepcopy(trained_or_untrained(k).rnn) for k in KINDS}
    return {k: m.double() if f64 else m.float() for k, m in models.items()}


def trained_or_untrained(kind: str):
    """The shared trained char model of this kind (untrained weights if it is missing)."""
    return (
        loaders.trained_model(kind)
        if loaders.has_checkpoint(kind)
        else loaders.untrained_model(kind)
    )


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def keep_gates(setup: tuple, ids: tuple[int, ...]) -> dict[str, float]:
    """kind -> the mean keep gate (GRU z_t, LSTM f_t) while reading the input."""
    x = one_hot(ids)
    means = {
        k: gradients_presets.keep_gate_mean(m, x.to(m.weight_hh_l0.dtype))
        for k, m in build_models(*setup).items()
    }
    return {k: v for k, v in means.items() if v is not None}


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def flows(setup: tuple, ids: tuple[int, ...], loss: str):
    models = build_models(*setup)
    x = one_hot(ids)
    return {k: gradients.backprop(m, x, loss_fn(loss), params=True) for k, m in models.items()}


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def jacobians(setup: tuple, ids: tuple[int, ...], kind: str):
    return gradients.jacobians(build_models(*setup)[kind], one_hot(ids))


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def truncated(setup: tuple, ids: tuple[int, ...], kind: str, k: int, keep: float, seed: int):
    module = build_models(*setup)[kind]
    return truncation.truncated_bptt(module, one_hot(ids), k, keep, seed)


def one_hot(ids: tuple[int, ...]) -> torch.Tensor:
    V = len(loaders.untrained_model("rnn").vocab)
    return torch.nn.functional.one_hot(torch.tensor(ids), V).double()


@dataclass(frozen=True)
class Run:
    """What the page computed from its controls; every tab draws from it."""

    setup: tuple  # (H, activation, init, r, seed, float64, gate bias): the cached models' key
    ids: tuple[int, ...]  # (T,) character ids of the input
    tokens: list[str]  # T characters, for hover labels
    loss: str  # "last" | "all"
    act: str  # the RNN's activation, "tanh" | "relu"
    hidden: int  # H
    flow: dict  # kind -> gradients.GradientFlow (with parameter gradients)

    @property
    def T(self) -> int:
        return len(self.ids)

    @property
    def models(self) -> dict:
        return build_models(*self.setup)


def choose_model(where, key: str) -> str:
    """Which of the three models a tab looks at: "rnn", "gru" or "lstm"."""
    return controls.choose(
        where,
        "segmented_control",
        "Model",
        list(KINDS),
        key=key,
        default="rnn",
        format_func=NAMES.get,
    )


def report(kind: str, n: torch.Tensor) -> None:
    """Say in words when this model's gradient overflowed or underflowed (n: t = 0 .. T)."""
    problem = gradients_report.flow_problem(kind, n)
    if problem is not None:
        level, message = problem
        icon = ":material/warning:" if level == "error" else ":material/south:"
        getattr(st, level)(message, icon=icon)


def equation(flow: dict, T: int) -> None:
    """The live equation: how much of the gradient reaches h_0, per model."""
    with st.container(key="grad_equation"):
        st.latex(gradients_tex.kept({k: f.kept for k, f in flow.items()}, T))


def headline(flow: dict, setup: tuple, ids: tuple[int, ...]) -> None:
    """What the ratios show, in one sentence, and the keep gates measured on this input."""
    kept = {k: f.kept for k, f in flow.items()}
    gates = keep_gates(setup, ids)
    measured = ", ".join(
        f"{NAMES[k]} {'z̄' if k == 'gru' else 'f̄'} = {g:.2f}" for k, g in gates.items()
    )
    st.markdown(
        f"**{gradients_presets.comparison(kept)}** Mean keep gate on this input: {measured}."
    )


# --- eigenvalues of W_hh and the Pascanu verdict ---------------------------------------
def eig_tab(run: Run) -> None:
    models, act, hidden = run.models, run.act, run.hidden
    W_hh = models["rnn"].weight_hh_l0.detach()
    spec = gradients.spectrum(W_hh)
    verdict = gradients.pascanu_verdict(W_hh, act)
    left, right = st.columns([3, 2], gap="large")
    with left:
        lesson.chart(
            gfigs.eigen_plane(spec.eigenvalues, verdict.gamma, spec.sigma_max),
            key="grad_eigen",
            how="each dot is an eigenvalue λ of the RNN's W_hh; dots outside the unit circle "
            "(red) are directions that W_hh stretches at every step.",
        )
    with right:
        st.markdown(f"**The plain RNN's W_hh ({hidden} × {hidden}), activation {act}**")
        for line in gradients_tex.pascanu_bound(spec, verdict):
            st.latex(line)
        box = st.success if verdict.outcome == "vanish" else st.warning
        box(verdict.sentence, icon=":material/gavel:")
        lesson.more("Why σ_max, and why only 'necessary' for exploding?", "grad_pascanu")


# --- the BPTT recursion at one step, with its numbers ----------------------------------
def bptt_tab(run: Run) -> None:
    flow, setup, ids, T, tokens = run.flow, run.setup, run.ids, run.T, run.tokens
    c_kind, c_step = st.columns([1, 3])
    kind = choose_model(c_kind, key="grad_kind")
    urlstate.clamp("grad_t", 0, T - 1)
    start_value("grad_t", max(0, T - 10))
    if T > 1:
        t = c_step.slider("Step t", 0, T - 1, key="grad_t", format="t = %d", **BOUND)
    else:
        t = 0
        c_step.markdown("Step **t = 0** (one input: h_0 → h_1)")
    J = jacobians(setup, ids, kind)
    f = flow[kind]
    for line in gradients_tex.bptt_recursion(gradients_tex.bptt_step(f, J, t)):
        st.latex(line)
    if kind == "lstm":
        st.caption(
            "For the LSTM the state is s_t = [h_t; c_t]: h_t reaches step t+1 directly and "
            "through the cell state, so the Jacobian is 2H × 2H; [·]_hh is its block from h to h."
        )
    lesson.chart(
        gfigs.factor_curves(f.factors, J.step_norms, t + 1, kind == "lstm", tokens),
        key="grad_factors",
        how=lesson.prose("grad_factors").strip()
        + (
            " With L = Σ_t, the loss's own term at h_{t−1} is added on top."
            if run.loss == "all"
            else ""
        ),
    )
    lesson.chart(
        gfigs.grad_heatmap(f.hidden_grad, tokens, title=f"{NAMES[kind]}: ∂L/∂h_t, unit by unit"),
        key="grad_heatmap",
        how="one row per hidden unit, one column per step; colour is log10 of the size of "
        "each component of dL/dh_t. Blank cells are exactly 0 (underflow or a dead ReLU) or inf/NaN (overflow).",
    )
    lesson.chart(
        gfigs.connectivity(
            {k: fl.input_norms for k, fl in flow.items()},
            tokens,
            title="Connectivity: which inputs still move the output?",
        ),
        key="grad_connectivity",
        how="brightness is log10 ‖dL/dx_t‖: how much nudging input t would change L "
        "(Distill, 'Memorization in RNNs'). Dark on the left = the model has forgotten those inputs.",
    )


# --- clipping the same run -------------------------------------------------------------
EXPLODE_HELP = (
    "ReLU RNN, W_hh = 1.5 × orthogonal, 300 random characters: the gradient grows about ×1.5 "
    "per step back, to about 1e25 at h_0, and in float32 the norm ‖g‖ overflows to inf."
)


def explode() -> None:
    """Set the controls to a run whose float32 gradient norm overflows (tested)."""
    st.session_state.update(
        EXPLODE, grad_radius=EXPLODE_RADIUS, grad_clip_kind="rnn", grad_f64=False
    )
    if st.session_state.get("grad_preset") == "trained":
        st.session_state["grad_preset"] = "default"  # fresh weights, so W_hh can be chosen


def clip_tab(run: Run) -> None:
    flow = run.flow
    st.markdown(lesson.prose("grad_clipping"))
    c_model, c_theta, c_button = st.columns([1, 2, 1.3], vertical_alignment="bottom")
    clip_kind = choose_model(c_model, key="grad_clip_kind")
    theta = controls.choose(
        c_theta,
        "select_slider",
        "Clipping threshold θ",
        [0.01, 0.1, 0.5, 1.0, 5.0, 10.0, 100.0, 1000.0],
        key="grad_clip",
        default=1.0,
    )
    c_button.button(
        "Make it explode",
        key="grad_explode",
        icon=":material/local_fire_department:",
        help=EXPLODE_HELP,
        on_click=explode,
    )
    pg = flow[clip_kind].param_grads  # dL/dθ from the same backward pass as the curves
    clipped = clipping.clip_global_norm(list(pg.values()), theta)
    before = [float(gradients.norm(g.flatten())) for g in pg.values()]
    after = [float(gradients.norm(g.flatten())) for g in clipped.grads]
    st.latex(gradients_tex.clipping(clipped, theta))
    problem = gradients_report.clipping_problem(clipped, list(pg.values()))
    if problem is not None:
        st.error(problem, icon=":material/warning:")
    lesson.chart(
        gfigs.clipping_bars(list(pg), before, after, theta),
        key="grad_clip_bars",
        how="grey: each parameter tensor's gradient norm from BPTT; blue: after clipping the "
        "global norm to θ — every tensor shrinks by the same factor, so the direction is kept.",
    )


# --- truncated and randomized BPTT -----------------------------------------------------
def trunc_tab(run: Run) -> None:
    setup, ids, T, tokens = run.setup, run.ids, run.T, run.tokens
    st.markdown(lesson.prose("grad_truncation"))
    c_tk, c_k, c_p = st.columns([1, 2, 2])
    trunc_kind = choose_model(c_tk, key="grad_trunc_kind")
    urlstate.clamp("grad_k", 1, T)
    start_value("grad_k", min(T, 10))
    k = c_k.slider("Truncation length k", 1, max(T, 2), key="grad_k", disabled=T < 2, **BOUND)
    urlstate.clamp("grad_keep", 0.05, 1.0)
    start_value("grad_keep", 0.9)
    keep = c_p.slider(
        "Randomized: keep probability π", 0.05, 1.0, step=0.05, key="grad_keep", **BOUND
    )
    tr = truncated(setup, ids, trunc_kind, min(int(k), T), float(keep), 0)
    lesson.chart(
        gfigs.truncation_curves(tr, tokens),
        key="grad_trunc_curves",
        how="the shaded steps get no gradient from truncated BPTT (exactly 0, ▼ markers); the "
        "randomized chain stops at a random step and is scaled up by 1/π where it continues.",
    )
    cols = st.columns(3)
    for col, (label, g) in zip(
        cols,
        [("full", tr.full), ("truncated", tr.truncated), ("randomized", tr.randomized)],
        strict=True,
    ):
        cos = truncation.cosine(g, tr.full)
        col.metric(
            f"‖dL/dθ‖, {label}",
            f"{truncation.global_norm(g):.3g}",
            f"cos to full = {cos:.3f}",
            delta_color="off",
            delta_arrow="off",
        )


# --- the long-memory task, trained live in this session ---------------------------------
def memory_tab(run: Run) -> None:
    # independent of the page's input: the task makes its own sequences
    st.markdown(lesson.prose("grad_memory"))
    c_lag, c_steps, c_mseed, c_go, c_stop = st.columns(
        [2, 1, 1, 1.2, 0.8], vertical_alignment="bottom"
    )
    start_value("grad_lag", 60)
    lag = c_lag.slider("Lag (steps to remember across)", 2, 150, key="grad_lag", **BOUND)
    steps = controls.choose(
        c_steps,
        "selectbox",
        "Training steps",
        [100, 250, 500, 1000, 2000],
        key="grad_steps",
        default=1000,
    )
    start_value("grad_mseed", 0)
    mseed = c_mseed.number_input("Seed", 0, 9999, key="grad_mseed", **BOUND)
    config = memory_task.MemoryConfig(lag=int(lag), steps=int(steps), seed=int(mseed))
    train = c_go.button(
        "Train all three", key="grad_train", icon=":material/play_arrow:", type="primary"
    )
    # in this user's session only (never a shared cache): the run's last state and its job
    memory = st.session_state.get("grad_memory")
    if train:
        if memory is None or memory["config"] != config or (memory["state"] or {}).get("done"):
            memory = st.session_state["grad_memory"] = {"config": config, "state": None}
        live.start(memory, memory_task.fit, config, MAX_SECONDS, chunk_seconds=LIVE_CURVES)
    live.job_button(c_stop, key="grad_stop", record=memory)
    if live.running(memory):
        live.follow(memory, lambda status: draw_memory(memory, status))
        return
    if memory is not None:
        live.ended_note(memory)
        if memory["config"] != config:
            memory = None  # trained with other settings: not shown
    if memory is None or not memory["state"] or memory["state"]["step"] == 0:
        st.info(
            f"Press **Train all three** to train an RNN, a GRU and an LSTM (H = {config.hidden_size}) "
            f"side by side for {config.steps} steps each on lag {config.lag}; the default takes about "
            "half a minute. **Stop** ends it early.",
            icon=":material/model_training:",
        )
        return
    show_memory(memory)


def draw_memory(memory: dict, status) -> None:
    """The running job: its place in the queue or its step, and the curves of the last
    state the worker sent back (inside the polling fragment)."""
    config = memory["config"]
    wait = live.waiting_text(status)
    last = status.records[-1] if status.records else None
    step = last.step if last else (memory["state"] or {}).get("step", 0)
    text = wait or f"Step {step} of {config.steps} for each model; mean loss " + (
        f"{last.loss:.3f}" if last else "—"
    )
    st.progress(step / config.steps, text=text)
    state = status.state or memory["state"]
    if state and state["step"]:
        if memory.get("live_step") != state["step"]:  # rebuilt once per state sent back
            memory["live_runs"] = memory_task.side_by_side(config, state).runs()
            memory["live_step"] = state["step"]
        runs = memory["live_runs"]
        fig = gfigs.training_curves(
            {k: (r.losses, r.accuracies) for k, r in runs.items()}, 1 / config.num_signal
        )
        with st.container(key="grad_live"):
            st.plotly_chart(frame.projector_figure(fig), width="stretch", theme=None)


def together_of(memory: dict) -> memory_task.SideBySide:
    """The three models of the session's last state (built once per state)."""
    if memory.get("together_step") != memory["state"]["step"]:
        memory["together"] = memory_task.side_by_side(memory["config"], memory["state"])
        memory["together_step"] = memory["state"]["step"]
    return memory["together"]


def show_memory(memory: dict) -> None:
    """The three models as trained so far: curves, accuracies, their gradients through time."""
    together = together_of(memory)
    config, runs = together.config, together.runs()
    status = {
        "finished": f"Finished: {config.steps} steps for each model.",
        "paused": f"Paused after {MAX_SECONDS} s at step {together.step} of {config.steps}: "
        "press **Train all three** to continue.",
    }.get(
        live.outcome(memory),
        f"Stopped at step {together.step} of {config.steps}: press **Train all three** to continue.",
    )
    st.markdown(status)
    chance = 1 / config.num_signal
    lesson.chart(
        gfigs.training_curves({k: (r.losses, r.accuracies) for k, r in runs.items()}, chance),
        key="grad_train_curves",
        how="left: cross-entropy while training; right: accuracy on 256 held-out sequences. "
        f"The dashed line is guessing ({chance:.0%}).",
    )
    st.markdown(
        " · ".join(
            f"**{NAMES[k]}** {r.final_accuracy:.0%} in {r.seconds:.1f} s" for k, r in runs.items()
        )
    )
    st.subheader("The trained models' gradients through time")
    lesson.chart(
        gfigs.norm_curves({k: memory_task.gradient_norms(r, config) for k, r in runs.items()}),
        key="grad_trained_curves",
        how="the trained models on one new sequence, L = cross-entropy of the answer: a model "
        "that learned the task keeps a sizeable gradient all the way back to t = 1, the signal.",
    )
