"""The Sentiment lab's caches, LaTeX and sections (the page is app/views/sentiment.py).

Every model is a shipped checkpoint ``sent-<kind>`` (seqviz.sentiment_training.CHECKPOINTS),
loaded once per process and never modified; a reading (one model, one text) is
computed once and shared, so a step click only slices it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

from app import controls, frame, lesson, live, urlstate
from app.urlstate import BOUND
from seqviz import (
    checkpoints,
    importance,
    jobs,
    latex,
    projection,
    sentiment_corpus,
    sentiment_reading,
)
from seqviz import sentiment_data as data
from seqviz import sentiment_training as training
from seqviz.classifiers import KINDS, RECURRENT, Classifier, unmasked_final
from seqviz.figures import heatmap
from seqviz.figures import sentiment as sfigs
from seqviz.training import History

FIRST = 1  # the student counts words from 1
STEPWISE = ("rnn", "gru", "lstm", "bag")  # models with P(positive) after every word
DEFAULT_KIND = "lstm"
MAX_WORDS = 60  # longer texts are cut here
TOP_TERMS = 3  # terms of z = Σ_j w_j s_j + b written out
PAD_EXAMPLES = (  # two training sentences that join the typed one in the padding batch
    "Great food and service, huge portions and they give a military discount.",
    "Not a good bargain.",
)


def checkpoint_name(kind: str) -> str:
    return f"sent-{kind}"


@st.cache_resource(max_entries=8, show_spinner="Loading the trained classifier…")
def trained_model(kind: str) -> Classifier:
    """The pretrained ``sent-<kind>`` (shared by every user: never modify it)."""
    return checkpoints.load(checkpoint_name(kind))


@st.cache_resource(max_entries=8, show_spinner=False)
def untrained_model(kind: str) -> Classifier:
    return checkpoints.untrained(checkpoint_name(kind))


def model(kind: str, trained: bool) -> Classifier:
    if trained and checkpoint_name(kind) in checkpoints.available():
        return trained_model(kind)
    return untrained_model(kind)


@dataclass(frozen=True)
class Text:
    """The typed text as the models see it."""

    words: tuple[str, ...]  # word tokens, as typed (lower-cased)
    known: tuple[bool, ...]  # in the vocabulary?
    ids: tuple[int, ...]
    cut: int  # words dropped beyond MAX_WORDS


@functools.lru_cache(maxsize=64)
def encode(text: str) -> Text:
    words, ids = data.encode(data.vocabulary(), text)
    cut = max(0, len(words) - MAX_WORDS)
    words, ids = words[:MAX_WORDS], ids[:MAX_WORDS]
    vocab = data.vocabulary()
    return Text(tuple(words), tuple(w in vocab for w in words), tuple(ids), cut)


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def reading(kind: str, trained: bool, text: str) -> sentiment_reading.Reading:
    return sentiment_reading.read(model(kind, trained), list(encode(text).ids))


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def word_importance(kind: str, trained: bool, text: str) -> importance.Importance:
    return importance.importance(model(kind, trained), list(encode(text).ids))


def curves(trained: bool, text: str) -> dict[str, np.ndarray]:
    """P(positive) after each word for every left-to-right model."""
    return {k: reading(k, trained, text).p.numpy() for k in STEPWISE}


# --- the review that flips -------------------------------------------------------------

FLIP_TEXT = controls.DEFAULT_TEXT.replace("terribly exciting", "excellent")


def flip_pointer(text: str, curves_: dict[str, np.ndarray], enc: Text) -> None:
    """On the default review (no model changes its mind at its end) a button to the same
    review ending in "excellent", where the LSTM does; on that review, where it flips."""
    if text == controls.DEFAULT_TEXT:
        c_note, c_button = st.columns([3, 1.3], vertical_alignment="center")
        c_note.caption(
            "On this review no model changes its mind at “exciting”: the word is `<unk>` here "
            "(seen once in the 3000 sentences), and all four end on negative. With “excellent” "
            "instead of “terribly exciting”, the LSTM crosses 0.5 at “excellent” and ends positive."
        )
        c_button.button(
            "Read it with “excellent”",
            key="sent_flip",
            icon=":material/swap_horiz:",
            on_click=controls.set_text,
            args=(FLIP_TEXT,),
            width="stretch",
        )
    elif text == FLIP_TEXT:
        t = enc.words.index("excellent")
        p = curves_["lstm"]
        st.caption(
            f"The LSTM changes its mind at “excellent” (t = {t + FIRST}): P(positive) goes from "
            f"{p[t - 1]:.2f} to {p[t]:.2f}, and the review ends positive ({p[-1]:.2f}). Step "
            "there to see the output unit's sum change sign."
        )


# --- the data ------------------------------------------------------------------------


def stats_line(min_freq: int) -> dict[str, str]:
    s = data.stats(min_freq)
    return {
        "Vocabulary V": f"{s.vocab_size:,}",
        "Distinct training words": f"{s.train_words:,}",
        "Held-out <unk> rate": f"{s.heldout_unk_rate:.1%}",
        "Median length": f"{int(np.median(s.train_lengths))} words",
    }


# --- the comparison table ------------------------------------------------------------


@st.cache_data(show_spinner=False)
def comparison() -> pd.DataFrame:
    """One row per shipped classifier: held-out accuracy, parameters, time per epoch."""
    rows = []
    for kind, label in KINDS.items():
        name = checkpoint_name(kind)
        if name not in checkpoints.available():
            continue
        record = checkpoints.info(name)
        m = record["metrics"]
        rows.append(
            {
                "model": label,
                "held-out accuracy": m["heldout_accuracy"],
                "above majority": m["margin"],
                "training accuracy": m["train_accuracy"],
                "parameters": record["parameters"],
                "s per epoch": m["seconds_per_epoch"],
            }
        )
    rows.append(
        {
            "model": "Majority class (always the same answer)",
            "held-out accuracy": training.majority_baseline(*training.encoded()),
            "above majority": 0.0,
            "training accuracy": 0.5,
            "parameters": 0,
            "s per epoch": 0.0,
        }
    )
    return pd.DataFrame(rows)


# --- reading: the equation -----------------------------------------------------------


def step_equation(r: sentiment_reading.Reading, t: int, lines: str = "pz") -> str:
    """p_t = σ(w^T s_t + b) with the biggest terms of z written out, for step t (0-based);
    ``lines``: "p" the first line only, "z" the sum only, "pz" both."""
    s_name = (r"\bar e" if r.kind == "bag" else "h") + f"_{{{t + 1}}}"
    if not r.stepwise:
        s_name = "s"
    terms = r.w * r.s[t]
    order = terms.abs().argsort(descending=True)[:TOP_TERMS].tolist()
    rest = float(terms.sum() - terms[order].sum())
    shown = " + ".join(
        rf"\underbrace{{{latex.pnum(r.w[j])} \cdot {latex.pnum(r.s[t, j])}}}_{{j={j}}}"
        for j in order
    )
    z, p = float(r.z[t]), float(r.p[t])
    verdict = r"\text{positive}" if p > 0.5 else r"\text{negative}"
    z_name = f"z_{{{t + 1}}}" if r.stepwise else "z"
    p_name = f"p_{{{t + 1}}}" if r.stepwise else r"P(\text{positive})"
    p_line = (
        rf"{p_name} &= \sigma\big(w^\top {s_name} + b\big) = \sigma({latex.num(z)}) = "
        rf"{latex.num(p)}\;\Rightarrow\; {verdict}"
    )
    z_lines = (
        rf"{z_name} &= {shown} \\"
        rf"&\quad + \underbrace{{{latex.pnum(rest)}}}_{{\text{{other {len(terms) - len(order)}}}}}"
        rf" + \underbrace{{{latex.pnum(r.b)}}}_{{b}} = {latex.num(z)}"
    )
    body = {"p": p_line, "z": z_lines, "pz": p_line + r" \\" + z_lines}[lines]
    return r"\begin{aligned}" + body + r"\end{aligned}"


def general_equation(kind: str) -> str:
    if kind == "bag":
        return r"\bar e_t = \tfrac{1}{t}\textstyle\sum_{i \le t} e_i, \qquad p_t = \sigma(w^\top \bar e_t + b)"
    if kind in RECURRENT:
        cell = {
            "rnn": r"h_t = \tanh(W_{ih} e_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})",
            "gru": r"h_t = \mathrm{GRU}(e_t, h_{t-1})",
            "lstm": r"h_t, c_t = \mathrm{LSTM}(e_t, h_{t-1}, c_{t-1})",
        }[kind]
        return rf"e_t = E[x_t], \quad {cell}, \quad h_0 = 0, \qquad p_t = \sigma(w^\top h_t + b)"
    if kind == "bilstm":
        return r"s = [\overrightarrow{h}_T ; \overleftarrow{h}_1], \qquad P(\text{positive}) = \sigma(w^\top s + b)"
    if kind == "bilstm-max":
        return r"s_j = \max_t\, [\overrightarrow{h}_t ; \overleftarrow{h}_t]_j, \qquad P(\text{positive}) = \sigma(w^\top s + b)"
    return r"c_{k,t} = \mathrm{ReLU}(W_k \cdot [e_t;\dots;e_{t+w-1}] + b_k),\quad s_k = \max_t c_{k,t},\quad P(\text{positive}) = \sigma(w^\top s + b)"


# --- padding and masking -------------------------------------------------------------


@dataclass(frozen=True)
class PaddingProof:
    words: list[list[str]]  # each sentence's words
    X: torch.Tensor  # (B, T) padded ids
    lengths: torch.Tensor  # (B,)
    alone: torch.Tensor  # (B, F) s of each sentence run alone
    batched: torch.Tensor  # (B, F) s of the packed / masked batch
    unmasked: torch.Tensor | None  # (B, H) the last column without the mask (recurrent only)


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def padding_proof(kind: str, trained: bool, text: str) -> PaddingProof:
    m = model(kind, trained)
    vocab = data.vocabulary()
    sentences = [list(encode(text).ids)] + [data.encode(vocab, s)[1] for s in PAD_EXAMPLES]
    words = [list(encode(text).words)] + [data.encode(vocab, s)[0] for s in PAD_EXAMPLES]
    X, lengths = m.batch(sentences)
    with torch.no_grad():
        batched = m.sentence(m.embedding(X), lengths)
        alone = torch.cat(
            [m.sentence(m.embedding(x), n) for x, n in (m.batch([s]) for s in sentences)]
        )
        unmasked = unmasked_final(m, X) if kind in RECURRENT else None
    return PaddingProof(words, X, lengths, alone, batched, unmasked)


def proof_table(proof: PaddingProof, units: int = 3) -> pd.DataFrame:
    rows = []
    for b in range(len(proof.words)):
        row = {"sentence": b + 1, "length": int(proof.lengths[b])}
        for j in range(units):
            row[f"s{j} alone"] = float(proof.alone[b, j])
            row[f"s{j} batch"] = float(proof.batched[b, j])
        if proof.unmasked is not None:
            row["s0 no mask"] = float(proof.unmasked[b, 0])
        rows.append(row)
    return pd.DataFrame(rows)


# --- TextCNN -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvView:
    acts: list[torch.Tensor]  # per width: (K, windows)
    argmax: list[list[int]]  # per width: K window starts
    s: torch.Tensor  # (K * widths,)
    e: torch.Tensor  # (T', E) embeddings, pads included


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def conv_view(trained: bool, text: str) -> ConvView:
    m = model("textcnn", trained)
    X, lengths = m.batch([list(encode(text).ids)])
    with torch.no_grad():
        e = m.embedding(X)
        s, acts, where = m.conv_pool(e, lengths)
    return ConvView([a[0] for a in acts], [w[0].tolist() for w in where], s[0], e[0])


def ngrams(words: list[str], width: int, T: int) -> list[str]:
    padded = list(words) + ["<pad>"] * (T - len(words))
    return [" ".join(padded[t : t + width]) for t in range(T - width + 1)]


def conv_equation(m: Classifier, view: ConvView, width_index: int, k: int, words: list[str]) -> str:
    """c_{k,t*} = ReLU(Σ W_k · window + b_k) at the max, with its numbers; s_k = that max."""
    w = m.config.widths[width_index]
    conv = m.convs[width_index]
    t = view.argmax[width_index][k]
    window = view.e[t : t + w]  # (w, E)
    W = conv.weight[k]  # (E, w)
    per_word = (W.T * window).sum(-1)  # (w,): W_k[:, i] · e_{t+i}
    bias = float(conv.bias[k])
    pre = float(per_word.sum()) + bias
    T = view.e.shape[0]
    grams = ngrams(words, w, T)[t].split(" ")
    parts = " + ".join(
        rf"\underbrace{{{latex.pnum(v)}}}_{{{latex.word(g)}}}"
        for v, g in zip(per_word.tolist(), grams, strict=True)
    )
    c = max(pre, 0.0)
    return (
        rf"c_{{{k + 1},{t + 1}}} = \mathrm{{ReLU}}\big({parts} + \underbrace{{{latex.pnum(bias)}}}_{{b_{{{k + 1}}}}}\big)"
        rf" = \mathrm{{ReLU}}({latex.num(pre)}) = {latex.num(c)} = \max_t c_{{{k + 1},t}} = s_{{{k + 1}}}"
    )


@st.cache_resource(max_entries=4, show_spinner="Sliding every filter over the training sentences…")
def top_ngrams(trained: bool) -> dict[tuple[int, int], list[tuple[str, float]]]:
    return sentiment_corpus.top_ngrams(model("textcnn", trained))


# --- embeddings ----------------------------------------------------------------------

N_MAP_WORDS = 15  # words of each side on the map
MIN_COUNT = 10  # ... among the training words seen at least this often


@functools.lru_cache(maxsize=1)
def map_words() -> tuple[list[str], list[float]]:
    return sentiment_corpus.one_sided_words(N_MAP_WORDS, MIN_COUNT)


@st.cache_resource(max_entries=8, show_spinner=False)
def embedding_view(kind: str, trained: bool) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(points (N, 2), words, push): the map words' embeddings by PCA, and z of each word alone."""
    m = model(kind, trained)
    words = map_words()[0]
    ids = data.vocabulary()[words]
    E = m.embedding.weight[ids].detach()
    points = projection.pca(E).points
    X, lengths = m.batch([[i] for i in ids])
    with torch.no_grad():
        push = m(X, lengths).numpy()  # z of the word read alone
    return points, words, push


def neighbours(kind: str, trained: bool, word: str) -> list[tuple[str, float]]:
    return sentiment_corpus.neighbours(model(kind, trained), word)


# --- the sections (drawn by the page in order) ---------------------------------------------

READING_HOW = (
    "one line per left-to-right model: P(positive) after reading words 1 … t (above the "
    "dashed 0.5 line the model would answer “positive”); the thick line is the model chosen "
    "above (the LSTM when the chosen model reads the whole sentence at once: its one answer is "
    "the star after the last word), dotted is what comes after word t; a word in colour with "
    "“?” is read as <unk>."
)


def show_step(
    i: int, kind: str, trained: bool, text: str, r, curves_, enc: Text, lecture: bool
) -> None:
    """Everything that depends on the word t = i + 1 (redrawn by the step control alone)."""
    focus = kind if kind in STEPWISE else "lstm"
    if lecture:  # on a projector p_t and the chart share the first screen, z_t follows
        show_equation(r, i, enc, "p")
    lesson_chart(
        sfigs.reading_curve(
            enc.words,
            enc.known,
            curves_,
            i,
            focus,
            labels=KINDS,
            height=320 if lecture else 420,
            final=None if kind in STEPWISE else {kind: float(r.p[-1])},
        ),
        key="sent_reading",
        how=READING_HOW,
    )
    if lecture:
        show_equation(r, i, enc, "z")
    else:
        st.subheader("The output unit, with this word's numbers")
        show_equation(r, i, enc, "pz")
    if r.kind in RECURRENT:
        H = r.s.shape[1]
        fig = heatmap.units_by_time(
            r.s.numpy()[: i + 1],
            [
                w if k else "<unk>"
                for w, k in zip(enc.words[: i + 1], enc.known[: i + 1], strict=True)
            ],
            i,
            scale="diverging",
            zmin=-1.0,
            zmax=1.0,
            value_name="h",
            colorbar_title="h<sub>t,j</sub>",
            title=None,
            height=heatmap.default_height(min(H, 32)),
            first=FIRST,
        )
        fig.update_xaxes(title_text=f"after word t = 1 … {i + 1}")
        lesson_chart(
            fig,
            key="sent_hidden",
            how=f"the hidden state h_t ({H} numbers, one row per unit) after each word read so "
            "far; red positive, blue negative; the output unit reads only the last column.",
        )


def show_equation(r, i: int, enc: Text, lines: str) -> None:
    """The output unit's equation at word i + 1 (``lines`` as :func:`step_equation`'s)."""
    t = i if r.stepwise else len(enc.ids) - 1  # a whole-sentence model has one answer
    with st.container(key="sent_equation" if "p" in lines else "sent_equation_z"):
        st.latex(step_equation(r, t, lines))
    if "z" not in lines:
        return
    if not r.stepwise:
        st.caption(
            f"The {KINDS[r.kind]} reads the whole sentence at once: it has one prediction, "
            "after the last word, whatever the step."
        )
    lesson.how_to_read(
        f"z = Σ_j w_j s_j + b: the {TOP_TERMS} largest products w_j s_j are written out with "
        "their unit j, the other units are summed; σ turns z into P(positive)."
    )


def lesson_chart(fig, key: str, how: str) -> None:
    lesson.chart(fig, key=key, how=how)


def padding_section(kind: str, trained: bool, text: str) -> None:
    proof = padding_proof(kind, trained, text)
    st.plotly_chart(
        frame.projector_figure(
            sfigs.padded_batch(
                proof.words,
                proof.X.numpy(),
                proof.lengths.tolist(),
                unk=data.vocabulary()[data.UNK],
            )
        ),
        key="sent_batch",
        width="stretch",
        theme=None,
    )
    lesson.how_to_read(
        "your text and two training sentences as one minibatch, one column each: each sentence "
        "is padded at its end with <pad> (id 1) to the longest; each cell shows the word and "
        "its id (a word not in the vocabulary reads as <unk>, id 0); blue cells have mask m = 1, grey m = 0."
    )
    diff = float((proof.batched - proof.alone).abs().max())
    how = {
        "bag": r"s = \frac{\sum_t m_t e_t}{\sum_t m_t}",
        "textcnn": r"\text{windows starting past the sentence are left out of } \max_t",
        "bilstm-max": r"s_j = \max_{t:\, m_t = 1} [\overrightarrow{h}_t ; \overleftarrow{h}_t]_j",
    }.get(kind, r"\text{packed: each row stops at its own last word, } s = h_{T_b}")
    st.latex(
        how
        + rf"\qquad \max_{{b,j}} \big|s^{{\text{{batch}}}}_{{b,j}} - s^{{\text{{alone}}}}_{{b,j}}\big| = {latex.sci(diff)}"
    )
    st.dataframe(proof_table(proof), key="sent_proof", hide_index=True)
    caption = (
        "Each sentence's vector s in the batch equals the one it gets alone (the largest "
        f"difference is {diff:.1e}, float rounding)."
    )
    if proof.unmasked is not None:
        gap = float((proof.unmasked - proof.alone).abs().max())
        caption += (
            " The last column, “without the mask”, reads the padded matrix as it is: the short "
            f"sentences keep updating h on <pad>, and s moves by up to {gap:.3f}."
        )
    st.caption(caption)


def importance_section(kind: str, trained: bool, text: str, enc: Text) -> None:
    imp = word_importance(kind, trained, text)
    lesson.more("Gradient × input and occlusion", "sent_why")
    lesson_chart(
        sfigs.importance_bars(
            enc.words, enc.known, imp.grad_x_input.numpy(), imp.occlusion.numpy()
        ),
        key="sent_importance",
        how=f"for the {KINDS[kind]}: blue, gradient × input Σ_d (∂z/∂e_t,d) e_t,d; orange, "
        "occlusion z(x) − z(x with word t → <unk>). Up pushes towards positive, down towards "
        "negative; a word already <unk> has occlusion 0.",
    )
    t = int(imp.occlusion.abs().argmax())
    st.latex(
        rf"\begin{{gathered}}z = {latex.num(imp.logit)}, \qquad \Delta_{{{t + 1}}} = z(x) - z(x \text{{ with }} "
        rf"{latex.word(enc.words[t])} \to \langle\text{{unk}}\rangle) = {latex.num(float(imp.occlusion[t]))}"
        rf", \\ a_{{{t + 1}}} = \textstyle\sum_d \frac{{\partial z}}{{\partial e_{{{t + 1},d}}}}\, e_{{{t + 1},d}} = {latex.num(float(imp.grad_x_input[t]))}"
        r"\end{gathered}"
    )


def textcnn_section(trained: bool, text: str, enc: Text) -> None:
    m = model("textcnn", trained)
    view = conv_view(trained, text)
    widths = m.config.widths
    c_w, c_k = st.columns(2)
    width = controls.choose(
        c_w,
        "segmented_control",
        "Filter width w",
        list(widths),
        key="sent_width",
        default=widths[0],
    )
    wi = widths.index(width)
    K = m.config.filters
    urlstate.start_value("sent_filter", 1)
    k = c_k.number_input(f"Filter k (1 – {K})", 1, K, key="sent_filter", **BOUND) - 1
    T = view.e.shape[0]
    grams = ngrams(list(data.shown_tokens(data.vocabulary(), enc.words)), width, T)
    lesson_chart(
        sfigs.conv_activations(
            view.acts[wi].numpy(), grams, view.argmax[wi], width, selected=int(k)
        ),
        key="sent_conv",
        how=f"one row per filter of width {width}, one column per window of {width} words "
        "(hover for the n-gram); the value is c after ReLU; the red box is the window max-"
        "pooling keeps, s_k.",
    )
    st.latex(
        conv_equation(m, view, wi, int(k), list(data.shown_tokens(data.vocabulary(), enc.words)))
    )
    lesson.how_to_read(
        "each brace is the filter's weights W_k dotted with one word's embedding in the window; "
        "plus the bias, ReLU, and because this is the largest window, it is s_k."
    )
    tops = top_ngrams(trained)
    st.markdown(
        f"**The training n-grams that excite filter {int(k) + 1} (width {width}) most:** "
        + " · ".join(f"“{controls.md_escape(g)}” ({v:.2f})" for g, v in tops[(wi, int(k))])
    )
    lesson.more("TextCNN (Kim 2014)", "sent_textcnn")


def _train_config() -> training.SentConfig:
    c1, c2, c3 = st.columns(3)
    kind = controls.choose(
        c1,
        "selectbox",
        "Model to train",
        list(KINDS),
        key="sent_train_model",
        default="lstm",
        format_func=KINDS.get,
    )
    urlstate.start_value("sent_epochs", 5)
    urlstate.start_value("sent_lr", 0.005)
    epochs = c2.slider("Epochs", 1, 20, key="sent_epochs", **BOUND)
    lr = c3.select_slider(
        "Learning rate", (0.001, 0.002, 0.005, 0.01, 0.02), key="sent_lr", **BOUND
    )
    return training.SentConfig(kind=kind, epochs=int(epochs), lr=float(lr))


MAX_SECONDS = 60  # one press of Train trains at most this long
CHUNK_SECONDS = 5.0  # the worker sends the state back this often (a few hundred KB)


def training_section(text: str) -> None:
    """Train, Stop, Reset; the session's run trains in the pool of worker processes."""
    config = _train_config()
    b_train, b_stop, b_reset, _ = st.columns([1.2, 1, 1, 3])
    pressed = b_train.button(
        "Train", key="sent_train", type="primary", icon=":material/play_arrow:"
    )
    reset = b_reset.button("Reset", key="sent_reset", icon=":material/restart_alt:")
    run = st.session_state.get("sent_run")
    if reset and run is not None:
        live.stop(run)
        st.session_state.pop("sent_run")
        run = None
    if run is not None and run["config"] != config and not live.running(run):
        st.caption("The settings changed: the next **Train** starts a new run.")
    if pressed:
        finished = run is not None and run.get("state") is not None and run["state"]["done"]
        if run is None or run["config"] != config or finished:
            if run is not None:
                live.stop(run)  # a run of other settings still training ends here
            run = st.session_state["sent_run"] = {"config": config, "state": None}
        live.start(run, training.fit, run["config"], MAX_SECONDS, CHUNK_SECONDS)
    live.job_button(b_stop, key="sent_stop", record=run)
    if live.running(run):
        live.follow(run, lambda status: draw_job(run, status))
    elif run is None or run.get("state") is None:
        if run is not None:
            live.ended_note(run)
        st.info(
            f"Press **Train** to train the {KINDS[config.kind]} from random weights for "
            f"{config.epochs} epochs on the 2400 training sentences: the loss and the held-out "
            f"accuracy after every epoch appear as it learns (at most {MAX_SECONDS} s a press). **Stop** ends "
            "it at once; **Train** continues.",
            icon=":material/model_training:",
        )
    else:
        live.ended_note(run)
        show_run(run, text)


def total_steps(config: training.SentConfig) -> int:
    return config.epochs * training.steps_per_epoch(config)


def draw_job(run: dict, status: jobs.Status) -> None:
    """The running job (inside the polling fragment): its place in the queue or its step,
    and the curves so far (the run's last state, then the steps streamed since)."""
    config, base = run["config"], (run.get("base") or {}).get("history")
    h = jobs.history_of(status, history(base) if base else None)
    total = total_steps(config)
    wait = live.waiting_text(status)
    epoch = min(config.epochs, h.step // training.steps_per_epoch(config) + 1)
    st.progress(
        0.0 if wait else min(1.0, h.step / total),
        text=wait
        or f"Training the {KINDS[config.kind]}… step {h.step:,} of {total:,} (epoch {epoch} "
        f"of {config.epochs})",
    )
    if h.step:
        with st.container(key="sent_live_curves"):
            st.plotly_chart(
                frame.projector_figure(sfigs.training_curves(training.plain_history(h))),
                theme=None,
            )


def history(h: dict) -> History:
    """A fit state's history (plain lists) as a training History."""
    out = History()
    out.steps, out.losses = list(h["steps"]), list(h["losses"])
    out.eval_steps, out.heldout = list(h["eval_steps"]), list(h["heldout"])
    out.tokens, out.seconds = h["tokens"], h["seconds"]
    return out


def my_model(run: dict) -> Classifier:
    """The session's classifier, built once from the run's last state."""
    if "model" not in run:
        run["model"] = training.model_of(run["config"], run["state"])
    return run["model"]


def run_status(run: dict) -> str:
    config, step = run["config"], run["state"]["step"]
    total = total_steps(config)
    if run["state"]["done"]:
        return f"**Finished** after {config.epochs} epochs ({step:,} steps)"
    if live.outcome(run) == "paused":
        return (
            f"**Paused** after {MAX_SECONDS} s at step {step:,} of {total:,} — press **Train** "
            "to continue"
        )
    return f"**Stopped** at step {step:,} of {total:,} — press **Train** to continue"


def show_run(run: dict, text: str) -> None:
    """The session's trained model: curves, held-out accuracy, confusion, and its reading."""
    config, state = run["config"], run["state"]
    st.markdown(f"Your {KINDS[config.kind]}: {run_status(run)}.")
    lesson_chart(
        sfigs.training_curves(state["history"]),
        key="sent_train_curves",
        how="grey: the loss L of every minibatch; blue (right axis): accuracy on the 600 held-out "
        "sentences after every epoch.",
    )
    counts = state["confusion"]
    c_m, c_c = st.columns([1, 2])
    n = sum(map(sum, counts))
    c_m.metric("Held-out accuracy", f"{(counts[0][0] + counts[1][1]) / n:.1%}")
    c_m.metric("Steps", f"{state['step']:,}")
    ids = list(encode(text).ids)
    p = float(sentiment_reading.read(my_model(run), ids).p[-1])
    c_m.metric("Your model on your review", f"P(positive) = {p:.2f}")
    with c_c:
        lesson_chart(
            sfigs.confusion_matrix(counts),
            key="sent_confusion",
            how=f"rows: the true label of the {n} held-out sentences; columns: what your model "
            "predicts; the diagonal is right.",
        )


def embedding_section(kind: str) -> None:
    lesson.more("Reading the map", "sent_embeddings")
    after, before = st.tabs(["After training", "Before training (random weights)"])
    limit = float(np.abs(embedding_view(kind, True)[2]).max())
    for col, trained, title in (
        (before, False, "before training"),
        (after, True, "after training"),
    ):
        points, words, push = embedding_view(kind, trained)
        with col:
            lesson_chart(
                sfigs.embedding_map(points, words, push, title=title, limit=limit),
                key=f"sent_map_{'after' if trained else 'before'}",
                how=f"the {N_MAP_WORDS} words seen in {MIN_COUNT}+ training sentences that are most "
                f"often in negative ones, and the {N_MAP_WORDS} most often in positive ones; their "
                f"vectors e in 2-D by PCA; colour: the logit z the {KINDS[kind]} gives the word "
                "read alone (red positive, blue negative, same scale on both maps).",
            )
    urlstate.start_value("sent_word", "good")
    word = st.selectbox("Neighbours of", NEIGHBOUR_WORDS, key="sent_word", **BOUND)
    rows = []
    for trained in (False, True):
        rows.append(
            {
                "weights": "after training" if trained else "before training",
                **{
                    f"{n + 1}": f"{w} ({sim:.2f})"
                    for n, (w, sim) in enumerate(neighbours(kind, trained, word))
                },
            }
        )
    st.dataframe(pd.DataFrame(rows), key="sent_neighbours", hide_index=True)
    lesson.how_to_read(
        "the five words whose embeddings point most nearly the same way (cosine similarity in "
        "brackets), with the random initial weights and after training."
    )


NEIGHBOUR_WORDS = (
    "good",
    "bad",
    "great",
    "terrible",
    "boring",
    "love",
    "waste",
    "excellent",
    "not",
)


def curve_table(curves_: dict, enc: Text) -> pd.DataFrame:
    frame_ = pd.DataFrame(
        {"t": range(1, len(enc.words) + 1), "word": enc.words, "known": enc.known}
    )
    for k, p in curves_.items():
        frame_[f"P(positive) {k}"] = p
    return frame_


def importance_table(kind: str, trained: bool, text: str, enc: Text) -> pd.DataFrame:
    imp = word_importance(kind, trained, text)
    return pd.DataFrame(
        {
            "t": range(1, len(enc.words) + 1),
            "word": enc.words,
            "gradient x input": imp.grad_x_input.numpy(),
            "occlusion": imp.occlusion.numpy(),
        }
    )
