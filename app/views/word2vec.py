"""Word2Vec skip-gram: the window, the pairs, the network with its numbers, live training."""

from functools import partial

import streamlit as st

from app import frame, lesson, quiz, share, stepper, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import word2vec_parts as parts
from seqviz import embeddings, w2v_kernel
from seqviz import w2v_training as training
from seqviz import word2vec as w2v

st.title("Word2Vec: the skip-gram model")
lesson.intro("w2v_intro")
lecture = frame.lecture_on()
if not lecture:  # lecture mode: at the end of the page
    lesson.try_this("w2v_try")

# === 1. the window =====================================================================
st.header("1 · The window and the pairs it makes")
# Lecture mode: the stepper with the window and its equation first, the controls below.
first, second = st.container(), st.container()
controls_box, window_box = (second, first) if lecture else (first, second)
with controls_box:
    urlstate.start_value("w2v_sentence", parts.DEFAULT_SENTENCE)
    sentence = st.text_input(
        "Sentence",
        key="w2v_sentence",
        help="Any sentence; it is lower-cased and punctuation is dropped.",
        **BOUND,
    )
    c_win, c_dyn, c_sub, c_t, c_seed = st.columns(
        [2, 1.3, 1.3, 1.4, 1], vertical_alignment="bottom"
    )
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
    seed = int(c_seed.number_input("Seed", 0, 9999, value=0, key="w2v_seed", **BOUND))
    lesson.more("The window, the dynamic window and subsampling", "w2v_window")

    tokens = parts.words_of(sentence or "")
    if len(tokens) > parts.MAX_WORDS:
        st.warning(
            f"Your sentence has {len(tokens)} words; the lab uses the first {parts.MAX_WORDS} so "
            "every word keeps its own box and column.",
            icon=":material/content_cut:",
        )
        tokens = tokens[: parts.MAX_WORDS]
    if not tokens:
        st.info(
            "Type a sentence above (letters only count: digits and punctuation are dropped) "
            "to see its window and pairs.",
            icon=":material/edit:",
        )
    elif len(tokens) == 1:
        st.warning(
            f"“{md_escape(tokens[0])}” is a single word: a centre word needs at least one "
            "neighbour, so one word makes **no pairs**. Type a sentence of two or more words.",
            icon=":material/info:",
        )
if len(tokens) > 1:
    windows = w2v.draw_windows(
        tokens,
        window,
        dynamic=dynamic,
        sample=t if subsample else None,
        counts=parts.time_machine_counts() if subsample else None,
        seed=seed,
    )
    controls_box.caption(parts.pairs_caption(windows))
    with window_box:
        # one centre word at a time: its window, the pairs so far, and (section 2) the network
        stepper.step_through(
            len(tokens),
            partial(parts.show_centre, windows, seed),
            key="w2v_center",
            label=partial(parts.describe, windows),
            axis="Centre word",
            symbol="j",
            item="word",
            first=1,  # the slides' x_1 … x_N
        )

lesson.show_code(
    w2v.draw_windows,
    w2v.softmax_step,
    w2v.neg_sampling_step,
    note="The pairs, the network and one step of it, every value recorded (`seqviz/word2vec.py`).",
)

# === 3. live training ====================================================================
st.header("3 · Train on The Time Machine, live: skip-gram beside CBOW")
lesson.more("How the training works, and how to compare the two", "w2v_training")
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
E = c_E.select_slider("Embedding size E", (10, 25, 50, 100), value=50, key="w2v_train_E", **BOUND)
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
    if len(own) > parts.MAX_OWN_CHARS:
        st.warning(
            f"Only the first {parts.MAX_OWN_CHARS:,} characters are used.",
            icon=":material/content_cut:",
        )
    own = own[: parts.MAX_OWN_CHARS]
corpus = None
if own is not None and len(parts.words_of(own)) < 2:
    st.info(
        "Paste or type a text of at least a few sentences to train on it.", icon=":material/edit:"
    )
else:
    corpus = parts.corpus_for(own, min_count)
    V = len(corpus.vocab) - 1
    st.caption(
        f"**Vocabulary: {parts.plural(V, 'word')}** seen at least {parts.plural(min_count, 'time')} "
        f"(min count = {min_count}); **{corpus.n_words:,} corpus words** after dropping the rarer ones."
    )
    if V < 2 or corpus.n_words < 3:
        st.warning(
            f"With min count {min_count} only {parts.plural(V, 'word')} remain{'s' if V == 1 else ''}: "
            "lower the min count or use a longer text.",
            icon=":material/warning:",
        )
        corpus = None
runs = st.session_state.setdefault("w2v_runs", {})  # this session's runs, by kind
if corpus is not None:
    urlstate.start_value("w2v_track", parts.DEFAULT_TRACK)
    track_words = embeddings.parse_word_list(
        st.text_input("Words to label on the map", key="w2v_track")
    )
    missing = embeddings.unknown_words(corpus.vocab, track_words)
    if missing:
        st.caption(
            f"Not in the vocabulary (min count {min_count}), left off the map: "
            + ", ".join(md_escape(w) for w in missing[:20])
        )
    track_words = [w for w in track_words if w not in missing][:40]
    track_words = track_words or corpus.vocab.idx_to_token[1:13]  # none known: the most frequent
    track = tuple(corpus.vocab.token_to_idx[w] for w in track_words)
    settings = dict(
        embedding_size=E, window=win, num_negatives=k, epochs=epochs, seed=int(train_seed)
    )
    configs = {  # what each kind of run is trained with: a new run when it changes
        kind: parts.fit_config(kind, own, min_count, track, **settings) for kind in parts.RUNS
    }
    b1, b2, b3, b4, b5 = st.columns([1.7, 1.4, 1.8, 1, 1])  # wide enough for every label
    go_neg = b1.button(
        "Train: skip-gram", key="w2v_train_neg", type="primary", icon=":material/play_arrow:"
    )
    go_cbow = b2.button("Train: CBOW", key="w2v_train_cbow", icon=":material/play_arrow:")
    go_soft = b3.button("Train: full softmax", key="w2v_train_soft", icon=":material/play_arrow:")
    if b5.button("Reset", key="w2v_reset", icon=":material/restart_alt:"):
        parts.reset(runs)
    for kind, pressed in (("negative", go_neg), ("cbow", go_cbow), ("softmax", go_soft)):
        if pressed:  # trains in a worker process: the page follows it below
            parts.train_live(runs, kind, configs[kind])
    parts.stop_button(b4, runs)
    parts.follow_runs(runs)
    parts.show_runs(runs, configs)

quiz.check_yourself("word2vec")
share.share_box(
    data={
        f"embeddings ({parts.RUNS[kind][0]})": partial(parts.embedding_table, run)
        for kind, run in runs.items()
        if run.get("state")
    }
)
lesson.show_code(
    training.epoch_pairs,
    w2v_kernel.one_pair,
    w2v_kernel.targets_step,
    training.softmax_sgd_step,
    training.cbow_sgd_step,
    note="One epoch's pairs for the whole corpus at once; skip-gram's update of one pair "
    "and its targets (`seqviz/w2v_kernel.py`, compiled by Numba); one minibatch step of the "
    "full softmax and of CBOW (`seqviz/w2v_training.py`).",
)

if lecture:
    lesson.try_this("w2v_try")
lesson.link_to("text", "Tokens, vocabulary and min_freq: the Text & tokens lab")
lesson.lab_links("word2vec")
