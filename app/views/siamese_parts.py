"""The Siamese lab's caches, equations and sections (the page is app/views/siamese.py).

Models are shared by every session (st.cache_resource, never modified); a student's
own training lives in ``st.session_state["sia_run"]``, and once it has a state its encoder
can be chosen under **Weights** like the shipped ones. Every cached reading takes a
weights *key* ("trained", "untrained", or "mine:<run id>:<step>", one per state of one
session's run) and the encoder itself as an unhashed ``_enc`` argument.
"""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from app import controls, live
from app.urlstate import BOUND, clamp, start_value
from seqviz import checkpoints, jobs, pairs_data, projection, siamese, siamese_training, triplet
from seqviz import latex as tex
from seqviz.figures import siamese as figs

NAME = "siamese-lstm"
DEFAULT_A = "A woman is slicing an onion"
DEFAULT_B = "An onion is being sliced by a woman"
MAX_CHARS = 200  # a sentence longer than this is cut (SICK's longest is ~200 characters)
WEIGHTS = {"trained": "Trained", "untrained": "Untrained", "mine": "Yours"}
ONE_SHOT_SET = (  # held-out (TEST) sentences of eight different scenes
    "A man is playing a guitar",
    "A woman is cutting a tomato",
    "A dog is running through the grass",
    "A boy is riding a bicycle",
    "Two men are fighting in a ring",
    "A person is swimming in the sea",
    "A girl is brushing her hair",
    "A cat is playing with a ball of yarn",
)
DEFAULT_NEW = "A man is slicing a tomato"
MAX_SET = 20  # sentences in the one-shot set
PCA_PAIRS = 40  # held-out duplicate pairs drawn on the embedding map
PCA_SEED = 0

_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)


# --- models ---------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner="Loading the Siamese encoder…")
def encoder(trained: bool) -> siamese.Encoder:
    """The shipped encoder, or the same architecture untrained (seed 0); never modify it."""
    return checkpoints.load(NAME) if trained else checkpoints.untrained(NAME)


def has_checkpoint() -> bool:
    return NAME in checkpoints.available()


def my_run() -> dict | None:
    """The session's own run once it has trained (``st.session_state["sia_run"]``); its
    encoder is built once per state as ``run["encoder"]``, and the Weights control switches
    to it right after a run ends."""
    run = st.session_state.get("sia_run")
    if run is None or not run.get("state"):
        return None
    if run.get("encoder_step") != run["state"]["step"]:
        run["encoder"] = siamese_training.encoder_from(run["config"], run["state"])
        run["encoder_step"] = run["state"]["step"]
        run.setdefault("id", secrets.token_hex(8))
        st.session_state["_sia_show_mine"] = True
    return run


def choose_weights(where, run: dict | None) -> str:
    """The Weights control: trained, untrained, or the student's own encoder once trained."""
    options = [k for k in WEIGHTS if k != "mine" or run]
    if st.session_state.pop("_sia_show_mine", False) and run is not None:
        st.session_state["sia_weights"] = "mine"  # just trained: every section uses it
    if st.session_state.get("sia_weights", "trained") not in options:
        st.session_state["sia_weights"] = "trained"
    return controls.choose(
        where,
        "segmented_control",
        "Weights",
        options,
        key="sia_weights",
        default="trained",
        format_func=WEIGHTS.get,
        help="Trained: the shipped encoder, trained with the triplet loss on SICK duplicates. "
        "Untrained: the same network with its random initial weights. Yours: the encoder you "
        "train at the bottom of the page (once it has trained).",
    )


def weights_of(which: str, run: dict | None) -> tuple[str, siamese.Encoder]:
    """The cache key and the encoder of the chosen weights ("trained" falls back to the
    untrained encoder when the checkpoint is missing)."""
    if which == "mine" and run is not None:
        return f"mine:{run['id']}:{run['encoder_step']}", run["encoder"]
    trained = which == "trained" and has_checkpoint()
    return ("trained" if trained else "untrained"), encoder(trained)


def follow_weights(key: str, wkey: str, best: float) -> None:
    """Start the threshold ``key`` at these weights' best τ, and move it there again when
    the weights change (a link's value stands on the page's first run)."""
    seen = f"_{key}_weights"
    if st.session_state.get(seen, wkey) != wkey:
        st.session_state[key] = best
    st.session_state[seen] = wkey
    start_value(key, best)


@st.cache_resource(max_entries=8, ttl=1800, show_spinner="Scoring on the held-out pairs…")
def scored(key: str, _enc: siamese.Encoder) -> siamese_training.Score:
    """τ chosen on the threshold pairs, held-out accuracy and AUC of these weights."""
    return siamese_training.score(_enc)


# --- inputs ---------------------------------------------------------------------------


def sentence_box(where, key: str, label: str, default: str) -> str | None:
    """A URL-bound sentence box; None (with a note) when empty; cut at MAX_CHARS."""
    start_value(key, default)
    s = where.text_input(
        label,
        key=key,
        max_chars=None,
        **BOUND,
        help="Any English sentence. Words the encoder never saw read as <unk>.",
    )
    s = "".join(c for c in (s or "") if c.isprintable())
    if not s.strip():
        where.info(f"Type a sentence into **{label}** to compare it.", icon=":material/edit:")
        return None
    if len(s) > MAX_CHARS:
        where.warning(
            f"Your sentence has {len(s):,} characters; the encoder reads the first {MAX_CHARS}.",
            icon=":material/content_cut:",
        )
        s = s[:MAX_CHARS]
    return s


def set_box(where, key: str) -> tuple[str, ...]:
    """The one-shot set, one sentence per line (URL-bound; ONE_SHOT_SET to start with):
    printable text, empty lines dropped, at most MAX_SET sentences of MAX_CHARS each."""
    start_value(key, "\n".join(ONE_SHOT_SET))
    text = where.text_area(
        "The set (one sentence per line)",
        key=key,
        height=200,
        **BOUND,
        help="Edit, add or remove sentences: the encoder compares the new sentence with each "
        "one as it is; nothing is retrained.",
    )
    lines = [
        "".join(c for c in line if c.isprintable()).strip() for line in (text or "").split("\n")
    ]
    found = tuple(line[:MAX_CHARS] for line in lines if line)
    if not found:
        where.info("Type at least one sentence into **the set**.", icon=":material/edit:")
    elif len(found) > MAX_SET:
        where.warning(
            f"The set has {len(found)} sentences; the page compares the first {MAX_SET}.",
            icon=":material/content_cut:",
        )
    return found[:MAX_SET]


# --- two sentences --------------------------------------------------------------------


@st.cache_resource(**_CACHE)
def pair(
    key: str, a: str, b: str, _enc: siamese.Encoder
) -> tuple[siamese.Encoding, siamese.Encoding, float]:
    e_a, e_b = siamese.encode(_enc, pairs_data.vocab(), [a, b])
    return e_a, e_b, float(siamese.cosine(e_a.v, e_b.v))


@st.cache_resource(**_CACHE)
def effects(key: str, a: str, b: str, _enc: siamese.Encoder):
    """Each word's Δ cos (the cosine lost without it): A's words against v_B, B's against v_A."""
    e_a, e_b, _ = pair(key, a, b, _enc)
    v = pairs_data.vocab()
    return siamese.word_effects(_enc, v, a, e_b.v), siamese.word_effects(_enc, v, b, e_a.v)


def strongest_word(e_a: siamese.Encoding, d_a, e_b: siamese.Encoding, d_b) -> str:
    """The word whose absence would lower the cosine most, as a markdown sentence."""
    name, e, d = max((("A", e_a, d_a), ("B", e_b, d_b)), key=lambda x: float(x[2].max()))
    t = int(d.argmax())
    if float(d[t]) <= 0:
        return "No single word pulls A and B together: leaving any one out raises the cosine."
    return (
        f"The word that holds them together most: *{controls.md_escape(e.tokens[t])}* in "
        f"{name} (without it the cosine falls by {float(d[t]):.3f})."
    )


def cosine_latex(e_a: siamese.Encoding, e_b: siamese.Encoding, cos: float, tau: float) -> str:
    """cos(v_A, v_B) with its numbers, against τ."""
    dot = float((e_a.v * e_b.v).sum())
    na, nb = float(e_a.v.norm()), float(e_b.v.norm())
    H = len(e_a.v)
    first = " + ".join(f"{tex.pnum(e_a.v[j])}\\cdot{tex.pnum(e_b.v[j])}" for j in range(2))
    verdict = r"\;>\;" if cos > tau else r"\;\le\;"
    return (
        r"\begin{aligned}\cos(v_A, v_B) &= \frac{\sum_{j=1}^{" + str(H) + r"} v_{A,j}\, v_{B,j}}"
        r"{\lVert v_A\rVert\,\lVert v_B\rVert} = \frac{" + first + r" + \dots}"
        r"{"
        + tex.num(na)
        + r"\times"
        + tex.num(nb)
        + r"} \\ &= \frac{"
        + tex.num(dot)
        + "}{"
        + tex.num(na * nb)
        + "} = "
        + r"\mathbf{"
        + tex.num(cos)
        + "}"
        + verdict
        + r"\tau = "
        + tex.num(tau)
        + r"\end{aligned}"
    )


def tokens_line(e: siamese.Encoding) -> str:
    """The words read, separated by ·, unknown ones in italics with "→ <unk>" (escaped)."""
    return " · ".join(
        f"*{controls.md_escape(t)}* → \\<unk\\>" if u else controls.md_escape(t)
        for t, u in zip(e.tokens, e.unknown, strict=True)
    )


def unknown_note(encodings: dict[str, siamese.Encoding]) -> None:
    """A note for each sentence (by name) none of whose words the encoder knows."""
    for name, e in encodings.items():
        if all(e.unknown):
            st.warning(
                f"No word of {name} is in the encoder's vocabulary (English words of the SICK "
                f"sentences): it reads {len(e.tokens)} × <unk>, the same encoding as any other "
                f"unknown sentence of that length, so its cosine says nothing about its meaning.",
                icon=":material/help:",
            )


def encodings_table(e_a: siamese.Encoding, e_b: siamese.Encoding) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit j": range(1, len(e_a.v) + 1), "v_A": e_a.v.tolist(), "v_B": e_b.v.tolist()}
    )


def weights_table(enc: siamese.Encoder) -> pd.DataFrame:
    """Every parameter tensor of the ONE encoder: name, shape, numbers."""
    rows = [
        {"tensor": name, "shape": " × ".join(map(str, p.shape)), "numbers": p.numel()}
        for name, p in enc.named_parameters()
    ]
    return pd.DataFrame(rows)


# --- step through ---------------------------------------------------------------------


@st.cache_resource(**_CACHE)
def reading(key: str, a: str, b: str, _enc: siamese.Encoder) -> siamese.Reading:
    """Sentence A read word by word, each h_t compared with B's encoding."""
    v_b = siamese.encode(_enc, pairs_data.vocab(), [b])[0].v
    return siamese.read(_enc, pairs_data.vocab(), a, v_b)


@st.cache_resource(**_CACHE)
def reading_figure(key: str, a: str, b: str, t: int, _enc: siamese.Encoder):
    r = reading(key, a, b, _enc)
    return figs.reading(
        r.tokens, r.h, r.cos_to_other, t, title=f"Reading A: t = {t + 1} of {len(r.tokens)}"
    )


def step_latex(r: siamese.Reading, t: int) -> str:
    """cos(h_t, v_B) at step t; at the last step h_T is v_A."""
    T = len(r.tokens)
    last = r"\; = \cos(v_A, v_B)" if t == T - 1 else rf"\quad(\text{{{T - t - 1} more to read}})"
    return (
        rf"h_{{{t + 1}}} = \mathrm{{LSTM}}_\theta\big(E[{tex.word(r.tokens[t])}],\, "
        rf"h_{{{t}}}, c_{{{t}}}\big),\qquad \cos(h_{{{t + 1}}}, v_B) = "
        rf"\mathbf{{{tex.num(float(r.cos_to_other[t]))}}}{last}"
    )


# --- a batch --------------------------------------------------------------------------


@st.cache_resource(**_CACHE)
def batch(key: str, size: int, seed: int, margin: float, variant: str, _enc: siamese.Encoder):
    """B held-out duplicate pairs drawn with ``seed``: sentences, and the triplet terms."""
    chosen = pairs_data.sample(pairs_data.heldout_duplicates(), size, seed)
    anchors, positives = [p.a for p in chosen], [p.b for p in chosen]
    v = pairs_data.vocab()
    S = siamese.cosine_matrix(
        siamese.encode_tensor(_enc, v, anchors), siamese.encode_tensor(_enc, v, positives)
    )
    return anchors, positives, triplet.triplet_terms(S, margin, variant)


def terms_table(t: triplet.TripletTerms) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row i": range(1, len(t.positive) + 1),
            "S_ii (positive)": t.positive.tolist(),
            "m_i (mean negative)": t.mean_negative.tolist(),
            "n_i (closest negative)": t.closest_negative.tolist(),
            "closest column": [f"P{j + 1}" for j in t.closest_index.tolist()],
            "fallback": t.fallback.tolist(),
            "L_mean,i": t.loss_mean.tolist(),
            "L_closest,i": t.loss_closest.tolist(),
        }
    ).round(4)


def row_latex(t: triplet.TripletTerms, i: int) -> list[str]:
    """The two loss terms of row i (0-based) with their numbers."""
    B, a = len(t.positive), t.margin
    r = i + 1
    negs = [float(t.S[i, j]) for j in range(B) if j != i]
    s_ii, m, n = float(t.positive[i]), float(t.mean_negative[i]), float(t.closest_negative[i])
    j = int(t.closest_index[i]) + 1
    shown = " + ".join(tex.pnum(x) for x in negs[:4]) + (r" + \dots" if len(negs) > 4 else "")
    closest = (
        rf"n_{{{r}}} = S_{{{r},{j}}} = {tex.num(n)}\;\;(\text{{largest negative}} \le S_{{{r},{r}}})"
        if not bool(t.fallback[i])
        else rf"n_{{{r}}} = \max_{{j\ne {r}}} S_{{{r},j}} - 2 = {tex.num(n)}"
        r"\;\;(\text{every negative is above } S_{" + f"{r},{r}" + "})"
    )
    return [
        rf"m_{{{r}}} = \frac{{{shown}}}{{{B - 1}}} = {tex.num(m)}",
        closest,
        rf"L_{{\text{{mean}},{r}}} = \max(0,\; {tex.num(a)} - {tex.num(s_ii)} + {tex.pnum(m)})"
        rf" = \mathbf{{{tex.num(float(t.loss_mean[i]))}}}",
        rf"L_{{\text{{closest}},{r}}} = \max(0,\; {tex.num(a)} - {tex.num(s_ii)} + {tex.pnum(n)})"
        rf" = \mathbf{{{tex.num(float(t.loss_closest[i]))}}}",
    ]


def total_latex(t: triplet.TripletTerms) -> str:
    lm, lc = float(t.loss_mean.sum()), float(t.loss_closest.sum())
    if t.variant == "mean":
        return rf"J = \sum_i L_{{\text{{mean}},i}} = \mathbf{{{tex.num(float(t.loss))}}}"
    if t.variant == "closest":
        return rf"J = \sum_i L_{{\text{{closest}},i}} = \mathbf{{{tex.num(float(t.loss))}}}"
    return (
        rf"J = \sum_i \left(L_{{\text{{mean}},i}} + L_{{\text{{closest}},i}}\right) = "
        rf"{tex.num(lm)} + {tex.num(lc)} = \mathbf{{{tex.num(float(t.loss))}}}"
    )


# --- embedding space ------------------------------------------------------------------


def before_and_after(which: str, run: dict | None):
    """The weights before and after training for the embedding map: the shipped untrained
    and trained encoders, or, for the student's own, its start (the same seed) and now."""
    if which == "mine" and run is not None:
        key, enc = weights_of("mine", run)
        return (f"{key}:start", siamese_training.untrained(run["config"])), (key, enc)
    return weights_of("untrained", None), weights_of("trained", None)


@st.cache_resource(max_entries=4, ttl=1800, show_spinner="Encoding the held-out pairs…")
def embedding_space(keys: tuple[str, str], _encoders: tuple[siamese.Encoder, siamese.Encoder]):
    """PCA maps of PCA_PAIRS held-out duplicate pairs, before and after training, and the
    mean cosine of those duplicates vs of the held-out non-duplicates for each."""
    chosen = pairs_data.sample(pairs_data.heldout_duplicates(), PCA_PAIRS, PCA_SEED)
    sentences = [s for p in chosen for s in (p.a, p.b)]
    non = [p for p in pairs_data.heldout_pairs() if not p.duplicate]
    maps, means = [], []
    for enc in _encoders:
        V = siamese.encode_tensor(enc, pairs_data.vocab(), sentences)
        U = V / V.norm(dim=-1, keepdim=True)
        maps.append(projection.pca(U.numpy(), 2).points)
        dup = siamese_training.pair_cosines(enc, chosen).mean()
        nondup = siamese_training.pair_cosines(enc, non).mean()
        means.append((float(dup), float(nondup)))
    return sentences, maps, means


# --- one shot -------------------------------------------------------------------------


@st.cache_resource(**_CACHE)
def one_shot(key: str, new: str, candidates: tuple[str, ...], _enc: siamese.Encoder):
    """cos(new, each candidate) with the chosen encoder: no training involved."""
    v = pairs_data.vocab()
    v_new = siamese.encode_tensor(_enc, v, [new])
    V = siamese.encode_tensor(_enc, v, list(candidates))
    return siamese.cosine_matrix(v_new, V)[0]


# --- live training --------------------------------------------------------------------


def train_section() -> None:
    """Train a Siamese encoder of your own: time-boxed, with progress, curves and Stop."""
    c1, c2, c3, c4 = st.columns(4)
    for key, default in (("sia_train_margin", 0.25), ("sia_budget", 10)):
        start_value(key, default)
    clamp("sia_train_margin", 0.05, 1.0)
    clamp("sia_budget", 2, 60)
    variant = controls.choose(
        c1,
        "selectbox",
        "Loss",
        triplet.VARIANTS,
        key="sia_train_variant",
        default="both",
        help="both: the notes' full loss L_mean + L_closest.",
    )
    margin = c2.slider("Margin α", 0.05, 1.0, step=0.05, key="sia_train_margin", **BOUND)
    hidden = controls.choose(
        c3, "select_slider", "Hidden size H", (8, 16, 32, 64), key="sia_train_hidden", default=32
    )
    budget = c4.slider("Seconds per run", 2, 60, key="sia_budget", **BOUND)
    config = siamese_training.SiameseConfig(
        variant=variant, margin=margin, hidden_size=hidden, steps=1200, eval_every=50
    )
    b1, b2, b3, _ = st.columns([1, 1, 1, 3])
    train = b1.button("Train", key="sia_train", type="primary", icon=":material/play_arrow:")
    reset = b3.button("Reset", key="sia_reset", icon=":material/restart_alt:")
    run = st.session_state.get("sia_run")
    if reset and run is not None:
        live.stop(run)
        st.session_state.pop("sia_run")
        st.rerun()  # the sections above read with this run's encoder: redraw them without it
    if run is not None and run["config"] != config and not live.running(run):
        st.caption("The settings changed: the next **Train** starts a new run.")
    if train:
        if run is None or run["config"] != config:
            run = st.session_state["sia_run"] = {"config": config, "state": None}
        live.start(run, siamese_training.fit, config, budget)
    live.job_button(b2, "sia_stop", run)
    if live.running(run):
        live.follow(run, lambda status: draw_job(run, status))
        return
    if run is not None:
        live.ended_note(run)
    if run is None or run["state"] is None:
        st.info(
            "Press **Train**: the loss and the held-out ROC AUC update as it learns; "
            "**Stop** ends a run at once.",
            icon=":material/model_training:",
        )
        return
    draw(run["config"], run["state"]["history"])
    s = scored(*weights_of("mine", my_run()))
    st.markdown(
        f"**{live.outcome(run).capitalize()}** after {run['state']['step']:,} steps. "
        f"Held-out accuracy **{s.accuracy:.1%}** at τ = {s.threshold:.2f} (always "
        f'"not a duplicate": {s.baseline:.0%}), ROC AUC **{s.auc:.3f}**.'
    )
    st.caption(
        "**Weights** at the top of the page now offers **Yours**: the pair, the step-through, "
        "the batch, the embedding map and one-shot all read with your encoder."
    )


def draw(config: siamese_training.SiameseConfig, history: dict, wait: str | None = None) -> None:
    """Progress (or the place in the queue) and the curves of a run's history."""
    step = len(history["steps"])
    st.progress(
        0.0 if wait else min(1.0, step / config.steps),
        text=wait or f"Step {step:,} of {config.steps:,}",
    )
    if step:
        with st.container(key="sia_curves"):
            st.plotly_chart(
                figs.training_curves(history), theme=None, config={"displayModeBar": False}
            )


def draw_job(run: dict, status) -> None:
    """The running job (inside the polling fragment): the run's last state followed by
    the steps streamed since."""
    base = (run.get("base") or {}).get("history")
    h = jobs.history_of(status, siamese_training.history_of_dict(base) if base else None)
    draw(run["config"], siamese_training.history_dict(h), live.waiting_text(status))
