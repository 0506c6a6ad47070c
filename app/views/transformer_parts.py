"""The Transformer lab's parts: the models, cached readings, the head's equation, live
training and the RNN-vs-attention models.

Shared models (pretrained, untrained, the pretrained copy / reverse pairs) and
everything computed from them are cached for every session and never modified; their
figures are cached frozen (``seqviz.figures.overlay.freeze``) and each read builds a
new figure around them (``overlay``). The user's own model lives in
``st.session_state["tf_run"]``, pairs trained for another seed in
``st.session_state["tf_bridge_runs"]``; their results are computed for that session only.
"""

import dataclasses

import plotly.graph_objects as go
import streamlit as st
import torch

from app import controls, lesson, live, stepper, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from seqviz import attention, bridge, checkpoints, transformer, transformer_lm, transformer_training
from seqviz.figures import attention as afigs
from seqviz.figures import lm as lfigs
from seqviz.figures.overlay import freeze, overlay
from seqviz.figures.predictions import topk_bar
from seqviz.latex import char as char_tex
from seqviz.latex import num

_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)

WEIGHTS = {"pretrained": "Pretrained", "untrained": "Untrained", "mine": "My model"}


@st.cache_resource(show_spinner="Loading the tiny Transformer…")
def pretrained_lm() -> transformer_lm.CharLM:
    """The checked-in checkpoint (shared by every user: never modify it)."""
    return checkpoints.load("transformer")


@st.cache_resource(max_entries=4, show_spinner=False)
def untrained_lm(seed: int = 0) -> transformer_lm.CharLM:
    return checkpoints.untrained("transformer", seed)


def model(which: str, run: dict | None) -> transformer_lm.CharLM:
    if which == "mine" and run is not None:
        return run["lm"]
    if which == "untrained":
        return untrained_lm()
    return pretrained_lm()


def choose_weights(run: dict | None) -> str:
    """The Weights control: pretrained, untrained, or the user's own model once trained
    (chosen by itself right after training)."""
    options = [k for k in WEIGHTS if k != "mine" or run]
    if st.session_state.pop("_tf_show_mine", False) and run is not None:
        st.session_state["tf_weights"] = "mine"  # just trained: show it
    if st.session_state.get("tf_weights", "pretrained") not in options:
        st.session_state["tf_weights"] = "pretrained"
    return controls.choose(
        st,
        "segmented_control",
        "Weights",
        options,
        key="tf_weights",
        default="pretrained",
        format_func=WEIGHTS.get,
        help="Pretrained: trained on The Time Machine (checkpoint in assets/models). Untrained: "
        "the same network, random weights. My model: the one you train in section 3.",
    )


def char_md(token: str) -> str:
    return controls.token_md(token)


def show_read(tokens: list[str]) -> None:
    unknown = [t == "<unk>" for t in tokens]
    controls.show_encoded(tokens, unknown)


def _trace(lm: transformer_lm.CharLM, text: str):
    enc = lm.encode(text)
    with torch.no_grad():
        _, tr = lm.model(enc.ids, return_trace=True)
    return enc.tokens, tr


@st.cache_resource(**_CACHE)
def _shared_trace(which: str, text: str):
    return _trace(model(which, None), text)


def trace(which: str, run: dict | None, text: str):
    """(tokens, TransformerTrace) of the chosen model on ``text``."""
    if which == "mine" and run is not None:
        return _trace(run["lm"], text)
    return _shared_trace(which, text)


def _head_figures(lm, text: str, layer: int, head: int, pos: int) -> tuple[go.Figure, ...]:
    """Model view with (layer, head) outlined, that head enlarged, the next-character bars."""
    tokens, tr = _trace(lm, text)
    T = len(tokens)
    mask = attention.causal_mask(T) if lm.model.config.causal else None
    grid = afigs.model_view(tr.weights, tokens, selected=(layer, head), mask=mask)
    big = afigs.attention_map(
        tr.blocks[layer].weights[head],
        tokens,
        title=f"Layer {layer + 1}, head {head + 1}",
        highlight_row=pos,
        mask=mask,
    )
    actual = tokens[pos + 1] if pos + 1 < T else None
    bars = topk_bar(
        tr.probs[pos],
        lm.vocab.idx_to_token,
        k=8,
        actual=actual,
        title=f"After position {pos}: next character",
    )
    return grid, big, bars


@st.cache_resource(**_CACHE)
def _shared_head_figures(which: str, text: str, layer: int, head: int, pos: int):
    return tuple(freeze(f) for f in _head_figures(model(which, None), text, layer, head, pos))


def head_figures(which: str, run: dict | None, text: str, layer: int, head: int, pos: int):
    if which == "mine" and run is not None:
        return _head_figures(run["lm"], text, layer, head, pos)
    return tuple(overlay(f) for f in _shared_head_figures(which, text, layer, head, pos))


def head_row(weights, tokens: list[str], pos: int, layer: int, head: int, dh: int) -> str:
    """LaTeX: one head's attention row α_{pos,:} (weights, (T,)) and its three largest
    weights with the characters they fall on."""
    top = weights.topk(min(3, pos + 1)).indices.tolist()
    items = r",\ ".join(
        rf"\alpha_{{{pos},{j}}} = {num(weights[j])}\ ({char_tex(tokens[j])})" for j in top
    )
    # two lines, so the row fits a half-width column even at lecture size
    return (
        rf"\begin{{gathered}}\text{{layer {layer + 1}, head {head + 1}:}}\ \alpha_{{{pos},:}} = "
        rf"\operatorname{{softmax}}\!\Big(\frac{{q_{{{pos}}} K^\top}}{{\sqrt{{{dh}}}}}\Big)"
        rf"\\ {items}\end{{gathered}}"
    )


def _generate(lm, prompt: str, n: int, temperature: float, top_k: int, seed: int):
    gen = transformer_lm.generate(lm, prompt, n, temperature, top_k, seed)
    with torch.no_grad():
        _, tr = lm.model(gen.all_ids, return_trace=True)
    return gen, lm.vocab.to_tokens(gen.all_ids), tr


@st.cache_resource(**_CACHE)
def _shared_generate(which: str, prompt: str, n: int, temperature: float, top_k: int, seed: int):
    return _generate(model(which, None), prompt, n, temperature, top_k, seed)


def generate(which, run, prompt, n, temperature, top_k, seed):
    """(Generation, tokens of prompt + generated text, trace over all of it)."""
    if which == "mine" and run is not None:
        return _generate(run["lm"], prompt, n, temperature, top_k, seed)
    with st.spinner("Generating…"):
        return _shared_generate(which, prompt, n, temperature, top_k, seed)


def _step_figures(gen, tokens, tr, vocab, t: int) -> tuple[go.Figure, ...]:
    P = len(gen.prompt_ids)
    actual = tokens[P + t]
    return (
        afigs.prefix_attention(tr.weights, tokens, P - 1 + t),
        topk_bar(gen.sampled_from[t], vocab, k=8, actual=actual, title="Sampled from (τ, top-k)"),
        topk_bar(gen.probs[t], vocab, k=8, actual=actual, title="The model's own softmax"),
    )


@st.cache_resource(**_CACHE)
def _shared_step_figures(which, prompt, n, temperature, top_k, seed, t):
    gen, tokens, tr = _shared_generate(which, prompt, n, temperature, top_k, seed)
    figs = _step_figures(gen, tokens, tr, model(which, None).vocab.idx_to_token, t)
    return tuple(freeze(f) for f in figs)


def step_figures(which, run, prompt, n, temperature, top_k, seed, t):
    """Attention over the prefix and the two distributions for generated character t."""
    if which == "mine" and run is not None:
        gen, tokens, tr = _generate(run["lm"], prompt, n, temperature, top_k, seed)
        return _step_figures(gen, tokens, tr, run["lm"].vocab.idx_to_token, t)
    return tuple(
        overlay(f) for f in _shared_step_figures(which, prompt, n, temperature, top_k, seed, t)
    )


def show_new_token(which, run, settings: tuple, P: int, t: int) -> None:
    """Generated character t: where each head looked, and what it was drawn from.

    ``settings`` is (prompt, n, temperature, top_k, seed); ``P`` the prompt's length."""
    p = P - 1 + t  # the position whose output produced it
    prefix_fig, sampled_fig, probs_fig = step_figures(which, run, *settings, t)
    att, prob = st.columns([3, 2])
    with att:
        lesson.chart(
            prefix_fig,
            key="tf_gen_attention",
            how=f"each row is one head; the columns are the {p + 1} characters the model could "
            f"see when it wrote character {t + 1}; bright = where that head looked.",
        )
    with prob:
        lesson.chart(
            sampled_fig,
            key="tf_gen_sampled",
            how="the distribution after temperature and top-k; blue is the character that was "
            "drawn.",
        )
        lesson.chart(
            probs_fig,
            key="tf_gen_probs",
            how="the raw next-character probabilities (τ = 1, no top-k).",
        )


def step_through_generation(which, run, settings: tuple, gen, tokens: list[str]) -> None:
    """The step control over the generated characters, each shown by :func:`show_new_token`."""
    P, n = len(gen.prompt_ids), len(gen.ids)
    stepper.step_through(
        n,
        lambda t: show_new_token(which, run, settings, P, t),
        key="tf_gen_step",
        label=lambda t: (
            f"**Generated character {t + 1} of {n}:** {char_md(tokens[P + t])}, "
            f"written after reading {P + t} characters"
        ),
        axis="Generated character",
        item="generated character",
    )


# --- live training -------------------------------------------------------------------------

STEPS = (100, 200, 500, 1000)
D_MODELS = (32, 64)


def training_controls() -> transformer_training.TrainConfig:
    """The settings of a training run (a value a link gives outside the options: the default)."""
    urlstate.start_value("tf_seed", 0)
    c1, c2, c3, c4, c5 = st.columns([2, 1.2, 2.4, 1.2, 1], vertical_alignment="bottom")
    steps = controls.choose(c1, "select_slider", "Steps", STEPS, key="tf_steps", default=200)
    d = controls.choose(c2, "segmented_control", "d_model", D_MODELS, key="tf_d", default=32)
    positions = controls.choose(
        c3,
        "segmented_control",
        "Positions",
        transformer.POSITIONS,
        key="tf_pos",
        default="sinusoidal",
    )
    norm = controls.choose(
        c4, "segmented_control", "Layer norm", transformer.NORMS, key="tf_norm", default="pre"
    )
    seed = c5.number_input("Seed", 0, 9999, step=1, key="tf_seed", **BOUND)
    st.caption(
        f"2 layers × 4 heads, d_ff = {4 * d}, windows of 128 characters, batches of 16; about "
        f"{steps * (0.02 if d == 32 else 0.04):.0f}–{steps * (0.05 if d == 32 else 0.09):.0f} s. "
        "The same settings and seed always give the same model."
    )
    return dataclasses.replace(
        transformer_training.TrainConfig(),
        d_model=d,
        d_ff=4 * d,
        positions=positions,
        norm=norm,
        steps=steps,
        warmup=min(100, steps // 5),
        seed=int(seed),
    )


MAX_SECONDS = 60  # training per press of Train; press again to continue


def my_run() -> dict | None:
    """The session's own run, ``st.session_state["tf_run"]``; once a training has ended,
    its model is built from the last state as ``run["lm"]`` (a CharLM, eval mode)."""
    run = st.session_state.get("tf_run")
    if run is not None and run.get("state") and run.get("lm_step") != run["state"]["step"]:
        run["lm"] = transformer_training.model_of(run["config"], run["state"])
        run["lm_step"] = run["state"]["step"]
        st.session_state["_tf_show_mine"] = True  # the Weights widget switches to it
    return run if run is not None and "lm" in run else None


def train_live(config: transformer_training.TrainConfig) -> None:
    """Start (or continue) the session's training in the pool of worker processes: new
    settings start a new run, the same settings continue the last one until it has all
    its steps. :func:`training_status` draws it while it trains."""
    run = st.session_state.get("tf_run")
    if run is None or run["config"] != config or (run.get("state") or {}).get("done"):
        run = st.session_state["tf_run"] = {"config": config}
    live.start(run, transformer_training.fit, config, MAX_SECONDS)


def training_status() -> None:
    """The running job (queue place, step, loss), or how the last run ended."""
    run = st.session_state.get("tf_run")
    if live.running(run):
        config = run["config"]

        def draw(status) -> None:
            wait = live.waiting_text(status)
            last = status.records[-1] if status.records else None
            start = (run.get("base") or {}).get("step", 0)
            step = last.step if last else start
            loss = f" · loss {last.loss:.3f}" if last else ""
            st.progress(step / config.steps, text=wait or f"step {step}/{config.steps}{loss}")

        live.follow(run, draw)
        return
    if run is not None:
        live.ended_note(run)
        if run.get("state"):
            show_run(run)


def run_status(run: dict) -> str:
    """How the session's run ended, in words."""
    steps, total = run["state"]["step"], run["config"].steps
    ended = live.outcome(run)
    if ended == "finished":
        return f"finished all {total} steps"
    if ended == "paused":
        return f"paused after {MAX_SECONDS} s at step {steps} of {total} — press Train to continue"
    return f"stopped at step {steps} of {total} — press Train to continue"


def show_run(run: dict) -> None:
    config, h = run["config"], run["state"]["history"]
    if h.step == 0:
        st.info("Stopped before the first step: press **Train** to start.", icon=":material/stop:")
        return
    pretrained = checkpoints.info("transformer")["metrics"]["heldout_perplexity"]
    st.success(
        f"Your model ({run_status(run)}; d_model = {config.d_model}, {config.positions} "
        f"positions, {config.norm}-LN, seed {config.seed}): held-out perplexity "
        f"**{h.heldout[-1]:.2f}** after {h.seconds:.0f} s of training (the pretrained model: "
        f"{pretrained:.2f}). Choose **My model** under Weights at the top to look inside it.",
        icon=":material/check_circle:",
    )
    lesson.chart(
        lfigs.training_curves(list(range(1, len(h.losses) + 1)), h.losses, h.eval_steps, h.heldout),
        key="tf_curves",
        how="left: the loss of every batch; right: perplexity = exp(loss), with the held-out perplexity (red) "
        "measured on text the model never trains on.",
    )


# --- RNN vs attention -----------------------------------------------------------------------


@st.cache_resource(max_entries=len(bridge.TASKS), show_spinner="Loading the copy / reverse models…")
def _shared_bridge_pair(task: str) -> bridge.Pair:
    return checkpoints.load(f"transformer-bridge-{task}")


def bridge_pair(task: str, seed: int) -> bridge.Pair | None:
    """Seed 0: the pretrained pair (shared). Other seeds: trained for this session on
    request in the pool of worker processes, the LSTM then the Transformer; Stop ends it
    between two steps and Train continues."""
    if seed == 0 and f"transformer-bridge-{task}" in checkpoints.available():
        return _shared_bridge_pair(task)
    runs = st.session_state.setdefault("tf_bridge_runs", {})
    run = runs.get((task, seed))
    if run is not None and (run.get("state") or {}).get("done"):
        if "pair" not in run:
            run["pair"] = bridge.pair_of(run["config"], run["state"])
        return run["pair"]
    c_train, c_stop, _ = st.columns([1, 1, 4])
    if c_train.button("Train both", key="tf_bridge_train", icon=":material/play_arrow:"):
        if run is None:
            config = bridge.BridgeConfig(task=task, seed=seed)
            run = runs[(task, seed)] = {"config": config, "state": None}
        live.start(run, bridge.fit, run["config"], MAX_SECONDS)
    live.job_button(c_stop, key="tf_bridge_stop", record=run)
    if live.running(run):
        total = 2 * run["config"].steps

        def draw(status) -> None:
            wait = live.waiting_text(status)
            last = status.records[-1] if status.records else None
            if last is None:  # nothing streamed yet: where the run stood
                done = (run.get("base") or {}).get("step", 0)
            else:  # the LSTM trains all its steps first, then the Transformer
                done = last.step + (run["config"].steps if last.label != "LSTM" else 0)
            who = last.label if last is not None else "LSTM"
            st.progress(done / total, text=wait or f"{who}: step {done} of {total} (both models)")

        live.follow(run, draw)
        return None
    if run is None:
        st.info(
            f"No models for seed {seed} yet. Training an LSTM and a Transformer on “{task}” takes "
            "about half a minute.",
            icon=":material/model_training:",
        )
    else:
        live.ended_note(run)
        done = (run.get("state") or {}).get("step", 0)
        st.info(
            f"Training {live.outcome(run)} at step {done} of {2 * run['config'].steps} — "
            "press **Train both** to continue.",
            icon=":material/pause:",
        )
    return None


def _bridge_view(pair: bridge.Pair, symbols: str):
    a = bridge.align(pair, bridge.encode(symbols))
    fig = afigs.alignment_pair(a.attention[-1].mean(0), a.connectivity, a.tokens, a.targets)
    return a, fig


@st.cache_resource(**_CACHE)
def _shared_bridge_view(task: str, symbols: str):
    a, fig = _bridge_view(_shared_bridge_pair(task), symbols)
    return a, freeze(fig)


def bridge_view(task: str, seed: int, pair: bridge.Pair, symbols: str):
    """(Alignment, figure) of both models on the symbols."""
    if seed == 0 and f"transformer-bridge-{task}" in checkpoints.available():
        a, fig = _shared_bridge_view(task, symbols)
        return a, overlay(fig)
    return _bridge_view(pair, symbols)


def bridge_input(symbols: str, n: int) -> str:
    """The user's symbols, or a clear message and a fixed example if they do not fit."""
    cleaned = (symbols or "").strip().lower()
    if len(cleaned) == n and all(c in bridge.SYMBOLS for c in cleaned):
        return cleaned
    example = "hgabcf"[:n]
    st.warning(
        f"“{md_escape(symbols or '')}” is not {n} symbols from “{bridge.SYMBOLS}”; showing “{example}” instead.",
        icon=":material/error:",
    )
    return example
