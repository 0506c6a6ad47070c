"""The Word2Vec lab's parts: its cached corpora, the centre word's view (window, pairs,
network) and the live-training views.

Every number comes from a seqviz call made here or by the page; the equations come
from :mod:`seqviz.w2v_tex` and the figures from :mod:`seqviz.figures.word2vec`. The
user's training runs live in the session (``st.session_state["w2v_runs"]``) and are
passed in explicitly.
"""

import math
from collections import Counter

import pandas as pd
import streamlit as st

from app import controls, frame, lesson, live, share, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from seqviz import embeddings, jobs, w2v_eval, w2v_fit, w2v_sentence, w2v_tex
from seqviz import w2v_training as w2v_train
from seqviz import word2vec as w2v
from seqviz.figures import embeddings as efigs
from seqviz.figures import word2vec as wfigs
from seqviz.text import load_time_machine

DEFAULT_SENTENCE = "Mining web data for business insights is an useful course"
MAX_WORDS = 30  # the sentence strip and the network's matrices get one column per word
MAX_OWN_CHARS = 200_000
DEFAULT_TRACK = "time, traveller, machine, little, small, great, said, thought, saw, came, went, man, he, she, weena, morlocks, hand, eyes, face, day, night"
OBJECTIVES = {"negative": "Negative sampling", "softmax": "Full softmax"}  # section 2
RUNS = {  # section 3's runs, by kind: (label, architecture, objective, examples per minibatch)
    "negative": ("Skip-gram, negative sampling", "skipgram", "negative", 1024),
    "cbow": ("CBOW, negative sampling", "cbow", "negative", 1024),
    "softmax": ("Skip-gram, full softmax", "skipgram", "softmax", 256),
}
BUTTONS = {"negative": "skip-gram", "cbow": "CBOW", "softmax": "full softmax"}  # Train: …
ROWS = (("negative", "cbow"), ("softmax",))  # skip-gram and CBOW side by side, then softmax
DEFAULT_NEIGHBOURS = "time, machine, said, little"
MAX_SECONDS = 60  # one Train press trains at most this long (press Train to continue)
CHUNK_SECONDS = 1.0  # a worker sends the state (and so the map) back this often


words_of = w2v_fit.words_of  # lower-case words, punctuation and digits dropped


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# --- cached, read-only (shared by every session) ---------------------------------------


@st.cache_resource(show_spinner=False)
def time_machine_counts() -> Counter:
    """Word counts of The Time Machine (shared, read-only): the f of subsampling."""
    return Counter(load_time_machine().split())


@st.cache_resource(max_entries=8, ttl=1800, show_spinner="Reading the corpus…")
def corpus_for(text: str | None, min_count: int) -> w2v_train.Corpus:
    """The corpus as word ids (shared, read-only); None means The Time Machine."""
    return w2v_fit.corpus_for(text, min_count)


# --- 1 and 2: the sentence, one centre word at a time ------------------------------------

# Lecture mode's type is ~1.5× larger: C = {…} gets at most four words a line
LECTURE_WORDS_PER_LINE = 4


def pairs_caption(windows: w2v.Windows) -> str:
    tokens, t = windows.tokens, windows.sample
    return (
        f"{len(tokens)} words, {len(set(tokens))} distinct: **{len(windows.positions)} pairs** "
        f"with window m = {windows.window}"
        + (", dynamic window" if windows.dynamic else "")
        + (f", subsampling t = {t:.0e} with The Time Machine's word frequencies" if t else "")
        + "."
    )


def describe(windows: w2v.Windows, j: int) -> str:
    """The step control's line for the centre at index j (shown as x_{j+1}, from 1)."""
    centre = f"**Centre j = {j + 1}: “{md_escape(windows.tokens[j])}”**"
    if not windows.kept[j]:
        return f"{centre} was dropped by subsampling — no pairs."
    return (
        f"{centre} (positions 1 – {len(windows.tokens)}) — "
        + plural(len(windows.contexts(j)), "context word")
        + (f", window drawn: {windows.effective[j]}" if windows.dynamic else "")
    )


def show_centre(windows: w2v.Windows, seed: int, j: int) -> None:
    """Centre j: its window on the sentence, the pairs so far, then the network's step."""
    contexts, subsampled = windows.contexts(j), windows.sample is not None
    per_line = LECTURE_WORDS_PER_LINE if frame.lecture_on() else None
    equation = w2v_tex.context_set(windows.tokens, j, contexts, per_line) if contexts else None
    if equation and frame.lecture_on():  # lecture mode: the equation above the window
        st.latex(equation)
    lesson.chart(
        wfigs.window_strip(
            windows.tokens,
            j,
            contexts,
            kept=windows.kept,
            keep_prob=windows.keep_prob if subsampled else None,
        ),
        key="w2v_strip",
        how="yellow is the centre x_j, blue its context words (offsets i − j above them); "
        "grey struck-out words were removed by subsampling before the window was applied"
        + ("; p under each word is its keep-probability P_keep." if subsampled else "."),
    )
    if equation and not frame.lecture_on():
        st.latex(equation)
    table, count = st.columns([3, 1])
    rows = windows.pair_rows(j)
    now = f"background-color: {wfigs.CONTEXT_FILL}; font-weight: bold"
    df = pd.DataFrame(rows, columns=w2v.PAIR_COLUMNS)
    styled = df.style.apply(lambda r: [now if r["centre j"] == j + 1 else ""] * len(r), axis=1)
    height = min(420, 38 + 35 * max(len(rows), 1))
    table.dataframe(styled, hide_index=True, height=height, key="w2v_pairs")
    count.metric("pairs so far", f"{len(rows)}", help="Pairs made by the centres 1 … j")
    count.metric("pairs in the sentence", f"{len(windows.positions)}")
    lesson.how_to_read(
        "one row per training example (centre, context), numbered in order of j then i and "
        "listed newest first; the highlighted rows are the current centre's."
    )
    show_network(windows, seed, j, contexts)


def show_network(windows: w2v.Windows, seed: int, j: int, contexts: list[int]) -> None:
    """Section 2: the sentence's own network, its controls, and centre j's step through it."""
    st.header("2 · The network with its numbers")
    lesson.more("What the network computes", "w2v_network")
    c_obj, c_dim, c_steps, c_k = st.columns([2, 1, 1.5, 1], vertical_alignment="bottom")
    objective = controls.choose(
        c_obj,
        "segmented_control",
        "Objective",
        ("softmax", "negative"),
        key="w2v_objective",
        default="softmax",
        format_func=OBJECTIVES.get,
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
    tokens, positions = windows.tokens, windows.positions
    net = w2v_sentence.sentence_network(
        tokens, positions, E, objective, steps, num_negatives=k, seed=seed
    )
    if not all(map(math.isfinite, net.losses)):
        st.warning(
            "The training steps diverged (the loss is not a finite number); lower the steps."
        )
    elif steps and net.losses:  # (subsampling may leave no pair to train on)
        st.caption(
            f"After {steps} steps on this sentence's {len(positions)} pairs the mean loss "
            f"per pair fell from {net.losses[0]:.3f} to {net.losses[-1]:.3f}."
        )
    if not contexts:
        st.info(
            f"“{md_escape(tokens[j])}” has no context words here (dropped by subsampling), "
            "so there is no training step for it. Move the centre.",
            icon=":material/info:",
        )
        return
    index = {w: n for n, w in enumerate(net.words)}
    center, context_ids = index[tokens[j]], [index[tokens[i]] for i in contexts]
    if objective == "softmax":
        show_softmax(net, w2v.softmax_step(net.model, center, context_ids))
        cbow = w2v.cbow_softmax_step(net.model, center, context_ids)
    else:
        step = w2v.neg_sampling_step(net.model, center, context_ids, net.noise, k, seed=seed)
        show_negative(net, step)
        cbow = w2v.cbow_neg_sampling_step(net.model, center, context_ids, net.noise, k, seed)
    show_cbow(net, cbow)


def show_cbow(net: w2v_sentence.SentenceNetwork, step: w2v.CbowStep) -> None:
    """The same window turned around: CBOW's numbers with the same W and W′."""
    st.subheader("The same window in CBOW: the context predicts the centre")
    lesson.more("CBOW, word2vec's other architecture", "w2v_cbow")
    for line in w2v_tex.cbow(step, net.words):
        st.latex(line)
    lesson.how_to_read(
        "the same W and W′ as above: CBOW averages the context words' rows into one h_j and "
        "predicts the centre from it — one example per window where skip-gram makes one per "
        "context word; the gradient on h_j is shared out equally, 1/|C| to each context row."
    )


def show_softmax(net: w2v_sentence.SentenceNetwork, step: w2v.SoftmaxStep) -> None:
    words = net.words
    st.latex(w2v_tex.lookup(words[step.center], step.h, step.center))
    left, right = st.columns([1, 2], gap="large")
    with left:
        lesson.chart(
            wfigs.embedding_matrix(net.model.W, words, step.center),
            key="w2v_W",
            how="one row per vocabulary word; the outlined row is the centre word's, row w_j (its "
            "vocabulary index, not its position j in the sentence): multiplying by the one-hot "
            "x_j just picks it, and that row is h_j.",
        )
    with right:
        lesson.chart(
            wfigs.context_matrix(net.model.W_prime, words, step.contexts),
            key="w2v_Wp",
            how="one column v′_w per word; u_j[w] = h_j · v′_w. Outlined columns are the true context words.",
        )
    lesson.chart(
        wfigs.input_and_scores(step, words),
        key="w2v_u",
        how="top row: x_j is 1 at the centre word only; bottom row: one score per vocabulary word.",
    )
    st.latex(w2v_tex.SOFTMAX)
    lesson.chart(
        wfigs.softmax_output(step, words),
        key="w2v_softmax",
        how="bar height is the probability the network gives each word of being in the centre's "
        "window; blue bars are the true context words. Training pushes them up.",
    )
    for line in w2v_tex.cross_entropy(step, words):
        st.latex(line)
    lesson.how_to_read(
        "each brace is the cross-entropy of one context word; H is their sum, the loss of this centre."
    )
    st.subheader("The gradient: who gets pushed where")
    st.latex(w2v_tex.softmax_gradient(step))
    g1, g2 = st.columns([1, 2], gap="large")
    with g1:
        lesson.chart(
            wfigs.embedding_gradient(step, words),
            key="w2v_gW",
            how="every other row of W has gradient 0: only the centre's embedding moves.",
        )
    with g2:
        lesson.chart(
            wfigs.context_gradient(step, words),
            key="w2v_gWp",
            how="every column gets a gradient (that is the O(V) cost of the full softmax); SGD "
            "moves W′ against it: context columns towards h_j, the others away.",
        )


def show_negative(net: w2v_sentence.SentenceNetwork, step: w2v.NegSamplingStep) -> None:
    lesson.more("Negative sampling", "w2v_negative", expanded=True)
    lesson.chart(
        wfigs.negative_step_scores(step, net.words),
        key="w2v_neg",
        how="blue: true context words (training pushes σ to 1); red: sampled negatives, "
        "numbered by the context word they go with (pushed to 0). ‖∇‖ is the gradient's length on that vector.",
    )
    for line in w2v_tex.negative_loss(step, net.words):
        st.latex(line)
    lesson.how_to_read(
        "the numbers in σ(·) are the dot products v′·h_j of the first context word and its negatives."
    )
    lesson.chart(
        wfigs.negative_step_gradients(step, net.words),
        key="w2v_gneg",
        how="one row per use of a vector: the true context vectors v′_c, the sampled negatives "
        "v′_n (a word drawn twice gets both rows, and they add up) and the centre's embedding "
        "h_j — every other vector of W and W′ is untouched.",
    )


# --- 3. live training ----------------------------------------------------------------------


def run_config(kind: str, **settings) -> w2v_train.TrainConfig:
    """The training configuration of one kind of run, with the page's shared settings."""
    _, architecture, objective, batch = RUNS[kind]
    return w2v_train.TrainConfig(
        architecture=architecture, objective=objective, batch_size=batch, **settings
    )


def fit_config(kind: str, own: str | None, min_count: int, track: tuple, **settings):
    """What one kind of run trains: its configuration, the corpus and the words on the map."""
    return w2v_fit.FitConfig(run_config(kind, **settings), own, min_count, track)


def train_live(runs: dict, kind: str, config: w2v_fit.FitConfig) -> None:
    """Queue the session's run of one kind to continue (or start) for up to MAX_SECONDS in a
    training worker; a run whose configuration differs, or that is done, is replaced."""
    run = runs.get(kind)
    if run is None or run["config"] != config or (run.get("state") or {}).get("done"):
        run = runs[kind] = {"config": config, "state": None}
    live.start(run, w2v_fit.fit, config, MAX_SECONDS, chunk_seconds=CHUNK_SECONDS)


def stop_button(where, runs: dict) -> None:
    """Stop: ends every run of the session that is training (each keeps what it learned)."""
    active = [run for run in runs.values() if live.running(run)]
    if where.button(
        "Stop", key="w2v_stop", icon=":material/stop:", help=live.STOP_HELP, disabled=not active
    ):
        for run in active:
            live.stop(run)


def reset(runs: dict) -> None:
    for run in runs.values():
        live.stop(run)
    runs.clear()


def follow_runs(runs: dict) -> None:
    """Each training run's progress, loss and map, redrawn while its job trains."""
    for kind, run in runs.items():
        live.follow(run, lambda status, run=run, kind=kind: draw_job(run, kind, status))


def trainer(run: dict) -> w2v_train.Trainer:
    """The session's trainer of a run, rebuilt once from the run's last state."""
    if "model" not in run:
        run["model"] = w2v_fit.trainer_of(run["config"], run["state"])
    return run["model"]


def draw_job(run: dict, kind: str, status: jobs.Status) -> None:
    """A training job (inside its polling fragment): its place in the queue or how far it
    got, the loss so far (the run's last state, then the reports streamed since) and the
    map of the latest state a worker sent back."""
    c, label = run["config"].train, RUNS[kind][0]
    wait = live.waiting_text(status)
    base = run.get("base") or {"losses": [], "loss_words": [], "words": 0, "snapshots": []}
    new = [p for p in status.records if p.tokens > base["words"]]
    corpus = corpus_for(run["config"].text, run["config"].min_freq)
    total = corpus.n_words * c.epochs
    words = new[-1].tokens if new else base["words"]
    seconds = new[-1].seconds if new else (base.get("history") or {}).get("seconds", 0.0)
    epoch = min(words * c.epochs // max(total, 1) + 1, c.epochs)
    st.progress(
        0.0 if wait else words / max(total, 1),
        text=wait
        or f"{label}: epoch {epoch} of {c.epochs}, {words:,} / {total:,} words, {seconds:.1f} s",
    )
    losses = base["losses"] + [p.loss for p in new]
    if not losses:
        return
    latest = status.state or base
    tracked = corpus.vocab.to_tokens(list(run["config"].track))
    a, b = st.columns(2)
    loss_words = base["loss_words"] + [p.tokens for p in new]
    a.plotly_chart(
        wfigs.loss_curve(loss_words, losses, title=f"{label}: loss"),
        theme=None,
        key=f"w2v_live_loss_{kind}",
    )
    if latest["snapshots"]:
        points = embeddings.project_frames([latest["snapshots"][-1]])[0]
        where = efigs.embedding_map(points, tracked, title="The map, now", height=420)
        b.plotly_chart(where, theme=None, key=f"w2v_live_map_{kind}")


def status(run: dict) -> str:
    """How the run ended, in words."""
    tr = trainer(run)
    done = f"{tr.words:,} of {tr.total_words:,} words"
    if tr.done:
        return f"finished: {plural(tr.config.epochs, 'epoch')}, {tr.total_words:,} words"
    if live.outcome(run) == "paused":
        return f"paused after {MAX_SECONDS} s at {done} — press Train to continue"
    return f"stopped at {done} — press Train to continue"


@st.fragment
def show_runs(runs: dict, current: dict) -> None:
    """Each kind's run side by side, then lookups (a fragment: typing a word reruns only
    this)."""
    if not runs:
        st.info(
            "Press **Train** for skip-gram, CBOW or the full softmax (or all three: they are "
            "shown side by side): the loss curve and the word map update as it learns. "
            "**Stop** ends a run early; the model keeps what it learned, and **Train** "
            "continues it. After training: neighbours, analogies and the analogy test.",
            icon=":material/model_training:",
        )
        return
    for row in ROWS:
        for col, kind in zip(st.columns(2, gap="large"), row, strict=False):
            with col:
                show_run(runs.get(kind), kind, current[kind])
    show_lookups({k: run for k, run in runs.items() if run.get("state")})


def show_run(run: dict | None, obj: str, current: w2v_fit.FitConfig) -> None:
    """One run: its numbers, loss curve and animated map."""
    label = RUNS[obj][0]
    st.subheader(label)
    if run is not None:
        live.ended_note(run)
    if run is None or not run.get("state"):
        waiting = run is not None and live.running(run)
        st.caption(
            "Training: its progress is drawn above."
            if waiting
            else f"Not trained yet: press **Train: {BUTTONS[obj]}** to compare."
        )
        return
    tr = trainer(run)
    corpus = tr.corpus
    if run["config"] != current:
        st.caption(
            "The settings above changed since this run: the next **Train** starts a new one."
        )
    a, b, c = st.columns(3)
    a.metric("training time", f"{tr.seconds:.2f} s")
    rate = tr.words / max(tr.seconds, 1e-9)
    # thousands as "k": six digits do not fit a third of the page's width
    b.metric("words / s", f"{rate / 1000:,.0f}k" if rate >= 10_000 else f"{rate:,.0f}")
    c.metric("last loss", f"{tr.losses[-1]:.3f}" if tr.losses else "—")
    st.progress(tr.words / max(tr.total_words, 1), text=status(run))
    start = f"{'log V' if obj == 'softmax' else '(K+1) log 2'} = {tr.initial_loss:.2f}"
    lesson.chart(
        wfigs.loss_curve(
            tr.loss_words,
            tr.losses,
            height=320,
            y_title={"softmax": "cross-entropy per pair", "cbow": "NS loss per window"}.get(
                obj, "NS loss per pair"
            ),
        ),
        key=f"w2v_loss_{obj}",
        how=f"mean loss per {'window' if obj == 'cbow' else 'pair'} against words processed; "
        f"start: {start}",
    )
    frames = embeddings.project_frames(tr.snapshots)
    labels = ["start"] + [f"{w:,} words" for w in tr.loss_words]
    tracked = [corpus.vocab.idx_to_token[i] for i in tr.track]
    lesson.chart(
        efigs.embedding_animation(frames, tracked, labels[: len(frames)], height=560),
        key=f"w2v_map_{obj}",
        how="each dot is a word's embedding (unit length) projected by PCA fitted on the "
        "final embeddings, each frame centred and scaled to fill the plot; press ▶ to "
        "replay training or drag the slider. Words that share contexts end up close. A word "
        "is labelled where its label fits (the list above decides who comes first); "
        "hover a dot to see any word.",
    )
    closest = least_cosine(tr.model.W, tr.track)
    if closest is not None and closest > PARALLEL:
        st.caption(
            f"Every two labelled words have a cosine of at least {closest:.3f}: the vectors "
            "point almost the same way, so the map magnifies tiny differences and the "
            "neighbours say little. This run needs more text."
        )


PARALLEL = 0.9  # a map whose words all have cosines above this says so under it


def least_cosine(W, ids: tuple[int, ...]) -> float | None:
    """The smallest cosine between two of the rows ``ids`` of W (None for fewer than 2)."""
    if len(ids) < 2:
        return None
    U = embeddings.unit_rows(W[list(ids)])
    return float((U @ U.T).min())


def show_lookups(runs: dict) -> None:
    st.subheader("Evaluation: neighbours, analogies and the analogy test")
    q, a, b, c = st.columns([1.5, 1, 1, 1])
    for key, value in (
        ("w2v_query", DEFAULT_NEIGHBOURS),
        ("w2v_a", "he"),
        ("w2v_b", "his"),
        ("w2v_c", "i"),
    ):
        urlstate.start_value(key, value)
    asked = embeddings.parse_word_list(
        q.text_input("Neighbours of (words, comma-separated)", key="w2v_query", **BOUND)
    )[:6]
    wa = a.text_input("a", key="w2v_a", **BOUND).strip().lower()
    wb = b.text_input("is to b", key="w2v_b", **BOUND).strip().lower()
    wc = c.text_input("as c is to ?", key="w2v_c", **BOUND).strip().lower()
    trained = [obj for row in ROWS for obj in row if obj in runs]
    for col, obj in zip(st.columns(len(trained), gap="large"), trained, strict=True):
        W, corpus = trainer(runs[obj]).model.W, trainer(runs[obj]).corpus
        with col:
            st.markdown(f"**{RUNS[obj][0]}**")
            show_neighbours(W, corpus, asked, obj)
            if wa and wb and wc:
                show_analogy(W, corpus, wa, wb, wc)
            show_analogy_test(W, corpus, obj)
    lesson.how_to_read(
        "cosine similarity of the embedding rows (1 = same direction); the analogy is the word "
        "nearest to b − a + c (a, b, c left out). The analogy test asks every question of "
        "Google's analogy set whose four words are all in the vocabulary."
    )


def show_neighbours(W, corpus: w2v_train.Corpus, asked: list[str], obj: str) -> None:
    """The nearest words of each asked word, with their cosines, one column per word."""
    table = w2v_eval.neighbour_table(W, corpus.vocab, asked, k=8)
    for word in asked:
        if word not in table:
            st.warning(
                f"“{md_escape(word)}” is not in the vocabulary (it appears fewer than "
                f"{corpus.min_count} times, or not at all).",
                icon=":material/search_off:",
            )
    if table:
        columns = {w: [f"{n} ({cos:.2f})" for n, cos in nn] for w, nn in table.items()}
        st.dataframe(pd.DataFrame(columns), hide_index=True, key=f"w2v_nn_{obj}")


def show_analogy(W, corpus: w2v_train.Corpus, wa: str, wb: str, wc: str) -> None:
    try:
        answers = embeddings.analogy(W, corpus.vocab, wa, wb, wc, k=5).answers
        st.latex(w2v_tex.analogy(wa, wb, wc, *answers[0]))
        st.caption("next: " + ", ".join(f"{md_escape(w)} ({s:.3f})" for w, s in answers[1:]))
    except KeyError as e:
        st.warning(
            f"“{md_escape(str(e.args[0]))}” is not in the vocabulary: the analogy "
            "needs all three words.",
            icon=":material/search_off:",
        )


def show_analogy_test(W, corpus: w2v_train.Corpus, obj: str) -> None:
    """Accuracy on the analogy questions this vocabulary covers, by section."""
    score = w2v_eval.analogy_accuracy(W, corpus.vocab)
    n = len(score.questions)
    if not n:
        st.caption(
            f"Analogy test: none of the {score.total:,} questions of Google's analogy set has "
            "all four words in this vocabulary."
        )
        return
    st.metric(
        "analogy test",
        f"{score.right} / {n} right",
        help="3CosAdd's answer (the word nearest to b − a + c) to every covered question.",
    )
    st.caption(
        f"Google's analogy set (Mikolov et al. 2013): {plural(n, 'question')} of its "
        f"{score.total:,} have all four words in this vocabulary; {score.accuracy:.0%} answered "
        "right. By section (right / covered): "
        + ", ".join(f"{s} {r}/{c}" for s, (r, c) in score.by_section.items())
        + "."
    )


def embedding_table(run: dict) -> pd.DataFrame:
    """The trained W as a table: one row per word, one column per embedding coordinate."""
    W, words = trainer(run).model.W, trainer(run).corpus.vocab.idx_to_token
    table = share.labelled(W, [f"e{i}" for i in range(W.shape[1])], row_name="word_id")
    table.insert(1, "word", words[: len(table)])
    return table
