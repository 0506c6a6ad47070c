"""The language-model lab's parts: the n-gram counts and perplexities it caches, and
the live-training area (a fragment that trains the session's own model).

Only read-only results are cached and shared; a student's run lives in
``st.session_state["lm_run"]``.
"""

import math

import streamlit as st

from app import controls, live, loaders, urlstate
from app.urlstate import BOUND
from seqviz import jobs, latex, lm, lm_training, ngram
from seqviz.figures import lm as lfigs
from seqviz.text import heldout_split, load_time_machine, tokenize

KINDS = ("rnn", "gru", "lstm")
MAX_N = 6
EVAL_EVERY = 250  # steps between held-out perplexities and printed samples
TEXT = load_time_machine()
TRAIN, HELDOUT = heldout_split(TEXT)


# --- cached, read-only (shared by every session) --------------------------------------
@st.cache_resource(show_spinner="Counting n-grams in The Time Machine…")
def counts() -> ngram.NGramCounts:
    vocab = loaders.trained_model("lstm").vocab
    return ngram.count(tokenize(TRAIN, "char"), MAX_N, vocab)


@st.cache_data(max_entries=128, show_spinner=False)
def ngram_ppl(n: int, k: float, method: str) -> float:
    return ngram.NGram(counts(), n, k, method).perplexity(tokenize(HELDOUT, "char"))


@st.cache_data(max_entries=16, show_spinner="Scoring the pretrained model on held-out text…")
def pretrained_ppl(name: str) -> float:
    return lm.perplexity(loaders.trained_model(name), HELDOUT)


def perplexity_tex(n: int, ppl_n: float, ppl_rnn: float) -> str:
    """The held-out perplexity of the n-gram model and the LSTM, with their values (N:
    the held-out characters; the chart's caption says how many)."""
    value = r"\infty" if not math.isfinite(ppl_n) else f"{ppl_n:.2f}"
    return (
        r"\text{PPL} = \exp\big(-\tfrac{1}{N}\textstyle\sum_{t} \log P(x_t \mid \text{context})\big):"
        rf"\quad \text{{{n}-gram}} = {value},\quad \text{{LSTM}} = {ppl_rnn:.2f}"
    )


# --- the Markov window's equations ------------------------------------------------
def context_tex(context: list[str]) -> str:
    """The n-gram context as quoted, escaped LaTeX text (space as ␣); ∅ when empty."""
    return latex.text("".join(context).replace(" ", "␣")) if context else r"\varnothing"


def window_equations(model: ngram.NGram, context: list[str], w: str) -> tuple[str, str]:
    """P(w | context) as the add-k formula, then with the model's own counts and result.

    Backoff shows the one order it used; interpolation every order times its weight λ.
    """
    k, V = f"{model.k:g}", model.V
    parts = [
        ("" if model.method == "backoff" else latex.num(term.weight) + r"\cdot")
        + rf"\frac{{{term.count_cw} + {k}}}{{{term.count_c} + {k}\cdot {V}}}"
        for term in model.terms(context, w)
    ]
    p = model.prob(context, w)
    return (
        rf"P(x_t = {latex.char(w)} \mid {context_tex(context)}) = \frac{{n(c, w) + k}}{{n(c) + kV}}",
        " + ".join(parts) + rf" = \mathbf{{{p:.4f}}}",
    )


# --- live training (the session's own run, trained in the pool of worker processes) ----
def my_model(run: dict | None):
    """The session's own trained model (built once from its last state), or None."""
    if not run or not run.get("state"):
        return None
    if "model" not in run:
        run["model"] = lm_training.model_of(run["config"], run["state"])
    return run["model"]


def draw_run(h, samples, slots) -> None:
    """Metrics, curves and samples of the session's run (pure display)."""
    _, metrics, curves, box = slots
    ppl = h.recent_perplexity(50)
    with metrics.container():
        a, b, c, d = st.columns(4)
        a.metric("steps", f"{len(h.steps):,}")
        b.metric("training perplexity", f"{ppl:.2f}")
        c.metric("held-out perplexity", f"{h.heldout[-1]:.2f}" if h.heldout else "—")
        d.metric("tokens / s", f"{h.tokens_per_second:,.0f}")
        if h.losses:
            L = math.log(ppl)
            st.latex(
                rf"\text{{perplexity}} = \exp\Big(\tfrac{{1}}{{50}}\textstyle\sum \text{{last 50 losses}}\Big) = \exp({L:.4f}) = {ppl:.3f}"
            )
    with curves.container():
        st.plotly_chart(
            lfigs.training_curves(h.steps, h.losses, h.eval_steps, h.heldout),
            width="stretch",
            theme=None,
            config={"displayModeBar": False},
        )
    with box.container():
        for step, s in samples[-4:]:
            st.markdown(f"**step {step}:**")
            st.code(s, language=None, wrap_lines=True)


@st.fragment
def training_area() -> None:
    live.pool()  # the training workers start while the student reads
    for key, value in (
        ("lm_hidden", 256),
        ("lm_lr", 0.01),
        ("lm_batch", 32),
        ("lm_bptt", 35),
        ("lm_budget", 20),
    ):
        urlstate.start_value(key, value)
    c1, c2, c3, c4 = st.columns(4)
    init = controls.choose(
        c1,
        "segmented_control",
        "Start from",
        lm_training.STARTS,
        key="lm_init",
        default="scratch",
        help="Pretrained: continue from the checked-in checkpoint (H = 128).",
    )
    kind = controls.choose(
        c2, "segmented_control", "Cell", KINDS, key="lm_kind", default="lstm", format_func=str.upper
    )
    hidden = c3.select_slider(
        "Hidden units H",
        (32, 64, 128, 256),
        key="lm_hidden",
        disabled=init == "pretrained",
        **BOUND,
    )
    lr = c4.select_slider("Learning rate", (0.001, 0.003, 0.01, 0.03), key="lm_lr", **BOUND)
    c5, c6, c7, c8 = st.columns(4)
    batch = c5.select_slider("Batch size B", (1, 8, 16, 32, 64), key="lm_batch", **BOUND)
    bptt = c6.slider("Steps T (BPTT length)", 5, 100, key="lm_bptt", **BOUND)
    mode = controls.choose(
        c7,
        "segmented_control",
        "Minibatches",
        ("sequential", "random"),
        key="lm_mode",
        default="sequential",
        help="Sequential carries the state across minibatches.",
    )
    budget = c8.slider("Seconds per run", 2, 60, key="lm_budget", **BOUND)
    config = lm_training.LMConfig(
        kind=kind,
        hidden_size=128 if init == "pretrained" else hidden,
        batch_size=batch,
        num_steps=bptt,
        lr=lr,
        mode=mode,
        start=init,
        eval_every=EVAL_EVERY,
    )
    b1, b3, _ = st.columns([1.3, 1, 4])
    train = b1.button("Train", key="lm_train", type="primary", icon=":material/play_arrow:")
    reset = b3.button("Reset", key="lm_reset", icon=":material/restart_alt:")
    run = st.session_state.get("lm_run")
    if reset and run is not None:
        live.stop(run)
        st.session_state.pop("lm_run")
        run = None
    if train:
        if run is None or run["config"] != config:  # new settings: a new run
            run = st.session_state["lm_run"] = {"config": config}
        run["budget"] = budget
        live.start(run, lm_training.fit, config, budget)
    elif run is not None and run["config"] != config:
        st.caption("The settings changed: the next **Train** starts a new run.")
    if live.running(run):

        def draw(status) -> None:  # inside the polling fragment: its own elements
            slots = (st.empty(), st.empty(), st.empty(), st.empty())
            h = jobs.history_of(status, (run.get("base") or {}).get("history"))
            wait = live.waiting_text(status)
            base = (run.get("base") or {}).get("history")
            spent = h.seconds - (base.seconds if base else 0.0)
            done = min(1.0, spent / run["budget"])
            text = wait or f"Training… step {h.step:,}, {spent:.0f} of {run['budget']} s"
            slots[0].progress(0.0 if wait else done, text=text)
            samples = (status.state or run.get("base") or {}).get("samples", [])
            draw_run(h, samples, slots)

        live.follow(run, draw)
        return
    if run is None or not run.get("state"):
        if run is not None:
            live.ended_note(run)
        st.info(
            "Press **Train**: the curves, perplexity and samples update as it learns. It stops by itself after the seconds chosen, or press **Stop training**.",
            icon=":material/model_training:",
        )
        return
    live.ended_note(run)
    slots = (st.empty(), st.empty(), st.empty(), st.empty())
    h = run["state"]["history"]
    slots[0].progress(1.0, text=f"Stopped after {h.step:,} steps. Press Train to continue.")
    draw_run(h, run["state"]["samples"], slots)
