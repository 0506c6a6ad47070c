"""Word2Vec skip-gram: the window, the pairs, the network with its numbers, live training."""

import math
from collections import Counter

import pandas as pd
import streamlit as st

from app import lesson, quiz, share, stepper, urlstate
from app.urlstate import BOUND
from app.views import word2vec_parts as parts
from seqviz import embeddings, w2v_sentence
from seqviz import w2v_training as training
from seqviz import word2vec as w2v
from seqviz.figures import word2vec as wfigs
from seqviz.text import load_time_machine

DEFAULT_SENTENCE = "Mining web data for business insights is an useful course"
MAX_WORDS = 30  # the sentence strip and the network's matrices get one column per word
MAX_OWN_CHARS = 200_000
DEFAULT_TRACK = "time, traveller, machine, little, small, great, said, thought, saw, came, went, man, he, she, weena, morlocks, hand, eyes, face, day, night"

st.title("Word2Vec: the skip-gram window, network and training")
lesson.intro("w2v_intro")
lesson.try_this("w2v_try")


@st.cache_resource(show_spinner=False)
def time_machine_counts() -> Counter:
    """Word counts of The Time Machine (shared, read-only): the f of subsampling."""
    return Counter(load_time_machine().split())


# === 1. the window =====================================================================
st.header("1 · The window and the pairs it makes")
urlstate.start_value("w2v_sentence", DEFAULT_SENTENCE)
sentence = st.text_input(
    "Sentence",
    key="w2v_sentence",
    help="Any sentence; it is lower-cased and punctuation is dropped.",
    **BOUND,
)
c_win, c_dyn, c_sub, c_t, c_seed = st.columns([2, 1.3, 1.3, 1.4, 1], vertical_alignment="bottom")
window = c_win.slider(
    "Window size m (words on either side)", 1, 5, value=2, key="w2v_window", **BOUND
)
dynamic = c_dyn.toggle(
    "Dynamic window",
    key="w2v_dynamic",
    help="Each centre uses a window drawn uniformly from 1..m (word2vec's default).",
    **BOUND,
)
subsample = c_sub.toggle(
    "Subsampling",
    key="w2v_subsample",
    help="Drop frequent words before windowing, with word2vec's keep-probability.",
    **BOUND,
)
t = c_t.select_slider(
    "Threshold t",
    options=(1e-3, 1e-4, 1e-5),
    value=1e-4,
    key="w2v_t",
    format_func=lambda v: f"{v:.0e}",
    disabled=not subsample,
    **BOUND,
)
seed = c_seed.number_input("Seed", 0, 9999, value=0, key="w2v_seed", **BOUND)
lesson.more("The window, the dynamic window and subsampling", "w2v_window")

tokens = parts.words_of(sentence or "")
if len(tokens) > MAX_WORDS:
    st.warning(
        f"Your sentence has {len(tokens)} words; the lab uses the first {MAX_WORDS} so "
        "every word keeps its own box and column.",
        icon=":material/content_cut:",
    )
    tokens = tokens[:MAX_WORDS]
windows = None
if not tokens:
    st.info(
        "Type a sentence above (letters only count: digits and punctuation are dropped) "
        "to see its window and pairs.",
        icon=":material/edit:",
    )
elif len(tokens) == 1:
    st.warning(
        f"“{tokens[0]}” is a single word: a centre word needs at least one neighbour, so "
        "one word makes **no pairs**. Type a sentence of two or more words.",
        icon=":material/info:",
    )
else:
    windows = w2v.draw_windows(
        tokens,
        window,
        dynamic=dynamic,
        sample=t if subsample else None,
        counts=time_machine_counts() if subsample else None,
        seed=int(seed),
    )
    st.caption(
        f"{len(tokens)} words, {len(set(tokens))} distinct: **{len(windows.positions)} pairs** "
        f"with window m = {window}"
        + (", dynamic window" if dynamic else "")
        + (
            f", subsampling t = {t:.0e} with the word frequencies of The Time Machine"
            if subsample
            else ""
        )
        + "."
    )


def pairs_table(j: int):
    """Every pair made by the centres 0..j, newest first, the current centre's highlighted."""
    rows = [
        {
            "pair": n + 1,
            "centre j": a,
            "centre word": tokens[a],
            "context i": b,
            "context word": tokens[b],
            "i − j": b - a,
        }
        for n, (a, b) in enumerate(windows.positions)
        if a <= j
    ]
    df = pd.DataFrame(
        rows[::-1],
        columns=["pair", "centre j", "centre word", "context i", "context word", "i − j"],
    )
    now = f"background-color: {wfigs.CONTEXT_FILL}; font-weight: bold"
    return df.style.apply(lambda row: [now if row["centre j"] == j else ""] * len(row), axis=1)


def describe(j: int) -> str:
    ctx = [i for a, i in windows.positions if a == j]
    if not windows.kept[j]:
        return f"**Centre j = {j}: “{tokens[j]}”** was dropped by subsampling — no pairs."
    return (
        f"**Centre j = {j}: “{tokens[j]}”** (positions 0 – {len(tokens) - 1}) — "
        f"{len(ctx)} context word{'s' if len(ctx) != 1 else ''}"
        + (f", window drawn: {windows.effective[j]}" if dynamic else "")
    )


def show_window(j: int) -> None:
    ctx = [i for a, i in windows.positions if a == j]
    lesson.chart(
        wfigs.window_strip(
            tokens,
            j,
            ctx,
            kept=windows.kept,
            keep_prob=windows.keep_prob if subsample else None,
        ),
        key="w2v_strip",
        how="yellow is the centre x_j, blue its context words (offsets i − j above them); "
        "grey struck-out words were removed by subsampling before the window was applied"
        + ("; p under each word is its keep-probability P_keep." if subsample else "."),
    )
    if ctx:
        words = r",\ ".join(rf"\text{{{tokens[i]}}}_{{{i - j:+d}}}" for i in ctx)
        st.latex(
            rf"C = \{{ {words} \}} \qquad H = -\sum_{{c \in C}} \log p(x_c \mid x_j = \text{{{tokens[j]}}})"
        )
    table, count = st.columns([3, 1])
    df = pairs_table(j)
    n_rows = len(df.data)
    table.dataframe(df, hide_index=True, height=min(420, 38 + 35 * max(n_rows, 1)), key="w2v_pairs")
    count.metric("pairs so far", f"{n_rows}", help="Pairs made by the centres 0..j")
    count.metric("pairs in the sentence", f"{len(windows.positions)}")
    lesson.how_to_read(
        "one row per training example (centre, context), numbered in order of j then i and "
        "listed newest first; the highlighted rows are the current centre's."
    )
    show_network(j, ctx)


# === 2. the network ======================================================================
def show_network(j: int, ctx: list[int]) -> None:
    st.header("2 · The network with its numbers")
    lesson.more("What the network computes", "w2v_network")
    c_obj, c_dim, c_steps, c_k = st.columns([2, 1, 1.5, 1], vertical_alignment="bottom")
    objective = c_obj.segmented_control(
        "Objective",
        options=("softmax", "negative"),
        format_func={"softmax": "Full softmax", "negative": "Negative sampling"}.get,
        default="softmax",
        required=True,
        key="w2v_objective",
        **BOUND,
    )
    E = c_dim.slider("Embedding size E", 2, 8, value=4, key="w2v_E", **BOUND)
    steps = c_steps.slider(
        "Train first (steps on this sentence)",
        0,
        200,
        value=0,
        step=10,
        key="w2v_steps",
        help="0: random starting weights. More: full-batch gradient steps on this sentence's pairs.",
        **BOUND,
    )
    k = c_k.slider(
        "Negatives K", 1, 8, value=3, key="w2v_k", disabled=objective != "negative", **BOUND
    )
    net = w2v_sentence.sentence_network(
        tokens,
        windows.positions,
        embedding_size=E,
        objective=objective,
        steps=steps,
        num_negatives=k,
        seed=int(seed),
    )
    if not all(map(math.isfinite, net.losses)):
        st.warning(
            "The training steps diverged (the loss is not a finite number); lower the steps."
        )
    elif steps:
        st.caption(
            f"After {steps} steps on this sentence's {len(windows.positions)} pairs the mean loss "
            f"per pair fell from {net.losses[0]:.3f} to {net.losses[-1]:.3f}."
        )
    if not ctx:
        st.info(
            f"“{tokens[j]}” has no context words here (dropped by subsampling), so there is "
            "no training step for it. Move the centre.",
            icon=":material/info:",
        )
        return
    index = {w: n for n, w in enumerate(net.words)}
    center, contexts = index[tokens[j]], [index[tokens[i]] for i in ctx]
    if objective == "softmax":
        parts.show_softmax(net, center, contexts)
    else:
        parts.show_negative(net, center, contexts, k, int(seed))


if windows is not None:
    stepper.step_through(
        len(tokens),
        show_window,
        key="w2v_center",
        label=describe,
        axis="Centre word",
        symbol="j",
        item="word",
    )

lesson.show_code(
    w2v.draw_windows,
    w2v.softmax_step,
    w2v.neg_sampling_step,
    note="The pairs, the network and one step of it, every value recorded (`seqviz/word2vec.py`).",
)

# === 3. live training ====================================================================
st.header("3 · Train on The Time Machine, live")
lesson.more("How the training works, and how to compare the two", "w2v_training")


@st.fragment
def training_area() -> None:
    c_src, c_min, c_E, c_win, c_ep, c_k, c_seed = st.columns([2.2, 1, 1, 1, 1, 1, 0.8])
    source = c_src.segmented_control(
        "Corpus",
        ("time machine", "own"),
        format_func={"time machine": "The Time Machine", "own": "My own text"}.get,
        default="time machine",
        required=True,
        key="w2v_source",
        **BOUND,
    )
    min_count = c_min.slider(
        "Min count",
        1,
        10,
        value=5,
        key="w2v_min_count",
        help="Words seen fewer times are dropped.",
        **BOUND,
    )
    E = c_E.select_slider(
        "Embedding size E", (10, 25, 50, 100), value=50, key="w2v_train_E", **BOUND
    )
    win = c_win.slider("Window m", 1, 8, value=5, key="w2v_train_window", **BOUND)
    epochs = c_ep.slider("Epochs", 1, 40, value=10, key="w2v_epochs", **BOUND)
    k = c_k.slider("Negatives K", 1, 15, value=5, key="w2v_train_k", **BOUND)
    train_seed = c_seed.number_input("Seed", 0, 9999, value=0, key="w2v_train_seed", **BOUND)
    own = None
    if source == "own":
        own = st.text_area(
            "Your text (letters only count; a few thousand words or more give sensible neighbours)",
            key="w2v_own",
            height=120,
        )
        if len(own) > MAX_OWN_CHARS:
            st.warning(
                f"Only the first {MAX_OWN_CHARS:,} characters are used.",
                icon=":material/content_cut:",
            )
            own = own[:MAX_OWN_CHARS]
        if len(parts.words_of(own)) < 2:
            st.info(
                "Paste or type a text of at least a few sentences to train on it.",
                icon=":material/edit:",
            )
            return
    corpus = parts.corpus_for(own, min_count)
    V = len(corpus.vocab) - 1
    st.caption(
        f"**Vocabulary: {V:,} words** seen at least {min_count} time{'s' if min_count > 1 else ''} "
        f"(min count = {min_count}); **{corpus.n_words:,} corpus words** after dropping the rarer ones."
    )
    if V < 2 or corpus.n_words < 3:
        st.warning(
            f"With min count {min_count} only {V} word{'s' if V != 1 else ''} remain{'s' if V == 1 else ''}: "
            "lower the min count or use a longer text.",
            icon=":material/warning:",
        )
        return
    urlstate.start_value("w2v_track", DEFAULT_TRACK)
    track_words = parts.parse_words(st.text_input("Words to label on the map", key="w2v_track"))
    missing = embeddings.unknown_words(corpus.vocab, track_words)
    if missing:
        st.caption(
            f"Not in the vocabulary (min count {min_count}), left off the map: "
            + ", ".join(missing[:20])
        )
    track_words = [w for w in track_words if w not in missing][:40]
    if not track_words:  # fall back to the most frequent words
        track_words = corpus.vocab.idx_to_token[1:13]
    track = tuple(corpus.vocab.token_to_idx[w] for w in track_words)

    configs = {
        obj: training.TrainConfig(
            objective=obj,
            embedding_size=E,
            window=win,
            num_negatives=k,
            epochs=epochs,
            seed=int(train_seed),
            batch_size=1024 if obj == "negative" else 256,
        )
        for obj in parts.OBJECTIVES
    }
    source_key = ("tm" if own is None else hash(own), min_count)
    runs = st.session_state.setdefault("w2v_runs", {})
    b1, b2, b3, b4, _ = st.columns([1.6, 1.4, 0.9, 0.9, 2])
    go_neg = b1.button(
        "Train: negative sampling",
        key="w2v_train_neg",
        type="primary",
        icon=":material/play_arrow:",
    )
    go_soft = b2.button("Train: full softmax", key="w2v_train_soft", icon=":material/play_arrow:")
    b3.button("Stop", key="w2v_stop", icon=":material/stop:")
    if b4.button("Reset", key="w2v_reset", icon=":material/restart_alt:"):
        runs.clear()
    bar, live = st.empty(), st.empty()
    for obj, pressed in (("negative", go_neg), ("softmax", go_soft)):
        if not pressed:
            continue
        run = runs.get(obj)
        if run is None or run["key"] != (source_key, configs[obj], track) or run["trainer"].done:
            run = {
                "key": (source_key, configs[obj], track),
                "trainer": training.Trainer(corpus, configs[obj], track=track),
            }
            runs[obj] = run
        parts.train_live(run["trainer"], parts.OBJECTIVES[obj], track_words, bar, live)
    if not runs:
        st.info(
            "Press **Train** for either objective (or both, one after the other): the loss curve "
            "and the word map update as it learns. A run takes a few seconds; **Stop** ends it early.",
            icon=":material/model_training:",
        )
        return
    bar.empty()
    live.empty()
    parts.show_runs(runs, {obj: (source_key, configs[obj], track) for obj in parts.OBJECTIVES})


training_area()
quiz.check_yourself("word2vec")


def embedding_table(trainer):
    """The trained W as a table: one row per word, one column per embedding coordinate."""
    W = trainer.model.W
    words = trainer.corpus.vocab.idx_to_token
    table = share.labelled(W, [f"e{i}" for i in range(W.shape[1])], row_name="word_id")
    table.insert(1, "word", words[: len(table)])
    return table


share.share_box(
    data={
        f"embeddings ({obj})": (lambda r=run: embedding_table(r["trainer"]))
        for obj, run in st.session_state.get("w2v_runs", {}).items()
    }
)
lesson.show_code(
    training.epoch_pairs,
    training.negative_sgd_step,
    training.softmax_sgd_step,
    note="One epoch's pairs for the whole corpus at once, and one minibatch step of each "
    "objective (`seqviz/w2v_training.py`).",
)

lesson.link_to("text", "Tokens, vocabulary and min_freq: the Text & tokens lab")
lesson.lab_links("word2vec")
