"""The Word2Vec lab's building blocks: the network's numbers and the live-training views.

Pure display and cached read-only data: every number comes from a seqviz call made
here or by the page. The user's training runs live in the session
(``st.session_state["w2v_runs"]``) and are passed in explicitly.
"""

import re

import pandas as pd
import streamlit as st
import torch

from app import lesson, urlstate
from app.urlstate import BOUND
from seqviz import embeddings
from seqviz import w2v_training as training
from seqviz import word2vec as w2v
from seqviz.figures import embeddings as efigs
from seqviz.figures import word2vec as wfigs
from seqviz.latex import num, pnum
from seqviz.text import load_time_machine, normalize_d2l
from seqviz.training import Progress
from seqviz.w2v_sentence import SentenceNetwork

OBJECTIVES = {"negative": "Negative sampling", "softmax": "Full softmax"}
MAX_SECONDS = 30  # one Train press never holds the server longer (press Train to continue)


def words_of(text: str) -> list[str]:
    """Lower-case words, punctuation and digits dropped (as the trained corpus is)."""
    return normalize_d2l(text).split()


# --- 2. the network with its numbers ---------------------------------------------------


def _vec(values) -> str:
    return r"[" + r",\ ".join(num(v) for v in values) + r"]"


def show_softmax(net: SentenceNetwork, center: int, contexts: list[int]) -> None:
    step = w2v.softmax_step(net.model, center, contexts)
    words, V, E = net.words, len(net.words), net.model.W.shape[1]
    dims = [f"e{d}" for d in range(E)]
    word = net.words[center]
    st.latex(
        rf"x_j = \text{{onehot}}(\text{{{word}}}) \;\to\; h_j = x_j W = W[\text{{{word}}}] = {_vec(step.h)}"
    )
    left, right = st.columns([1, 2], gap="large")
    with left:
        lesson.chart(
            wfigs.network_matrix(
                net.model.W,
                words,
                dims,
                highlight_rows=[center],
                title=f"W ({V}×{E}): embedding matrix",
            ),
            key="w2v_W",
            how="one row per word; the outlined row is h_j — multiplying by the one-hot x_j just picks it.",
        )
    with right:
        lesson.chart(
            wfigs.network_matrix(
                net.model.W_prime,
                dims,
                words,
                highlight_cols=contexts,
                title=f"W′ ({E}×{V}): context matrix",
            ),
            key="w2v_Wp",
            how="one column v′_w per word; u_j[w] = h_j · v′_w. Outlined columns are the true context words.",
        )
    lesson.chart(
        wfigs.network_matrix(
            torch.stack([step.x, step.u]),
            ["x_j", "u_j"],
            words,
            highlight_cols=contexts,
            title="The one-hot input x<sub>j</sub> and the scores u<sub>j</sub> = h<sub>j</sub> W′",
        ),
        key="w2v_u",
        how="top row: x_j is 1 at the centre word only; bottom row: one score per vocabulary word.",
    )
    st.latex(
        r"\hat y_j = \operatorname{softmax}(u_j), \qquad \hat y_j[w] = \frac{e^{u_j[w]}}{\sum_{v} e^{u_j[v]}}"
    )
    lesson.chart(
        wfigs.softmax_bars(
            words, step.y_hat, contexts, center, title="ŷ<sub>j</sub> = softmax(u<sub>j</sub>)"
        ),
        key="w2v_softmax",
        how="bar height is the probability the network gives each word of being in the centre's "
        "window; blue bars are the true context words. Training pushes them up.",
    )
    terms = " + ".join(
        rf"\underbrace{{(-\log {num(step.y_hat[c])})}}_{{\text{{{words[c]}}}}}" for c in contexts
    )
    values = " + ".join(num(v) for v in step.losses)
    st.latex(rf"H = -\sum_{{c \in C}} \log \hat y_j[x_c] = {terms}")
    st.latex(rf"H = {values} = {num(step.loss)}")
    lesson.how_to_read(
        "each brace is the cross-entropy of one context word; H is their sum, the loss of this centre."
    )
    st.subheader("The gradient: who gets pushed where")
    st.latex(
        rf"\frac{{\partial H}}{{\partial u_j}} = |C|\,\hat y_j - \sum_{{c\in C}} \text{{onehot}}(c) = {_vec(step.dL_du)}"
    )
    g1, g2 = st.columns([1, 2], gap="large")
    with g1:
        lesson.chart(
            wfigs.network_matrix(
                step.grad_W[center : center + 1], [word], dims, digits=3, title="∂H/∂W: only row j"
            ),
            key="w2v_gW",
            how="every other row of W has gradient 0: only the centre's embedding moves.",
        )
    with g2:
        lesson.chart(
            wfigs.network_matrix(
                step.grad_W_prime,
                dims,
                words,
                highlight_cols=contexts,
                digits=3,
                title="∂H/∂W′ = h_jᵀ ∂H/∂u_j",
            ),
            key="w2v_gWp",
            how="every column gets a gradient (that is the O(V) cost of the full softmax); SGD "
            "moves W′ against it: context columns towards h_j, the others away.",
        )


def show_negative(
    net: SentenceNetwork, center: int, contexts: list[int], k: int, seed: int
) -> None:
    step = w2v.neg_sampling_step(
        net.model, center, contexts, net.noise, num_negatives=k, seed=int(seed)
    )
    words, E = net.words, net.model.W.shape[1]
    lesson.more("Negative sampling", "w2v_negative", expanded=True)
    bars, grads = [], []
    for n, c in enumerate(step.contexts):
        bars.append((f"+{words[c]}", float(step.pos_score[n]), float(step.grad_pos[n].norm())))
        grads.append((f"+{words[c]}", step.grad_pos[n]))
        for m, neg in enumerate(step.negatives[n].tolist()):
            bars.append(
                (
                    f"−{words[neg]}\u00a0({n + 1})",
                    float(step.neg_score[n, m]),
                    float(step.grad_neg[n, m].norm()),
                )
            )
            grads.append((f"−{words[neg]}\u00a0({n + 1})", step.grad_neg[n, m]))
    lesson.chart(
        wfigs.negative_scores(bars, title=f"σ(v′·h<sub>j</sub>) for the centre “{words[center]}”"),
        key="w2v_neg",
        how="blue: true context words (training pushes σ to 1); red: sampled negatives, "
        "numbered by the context word they go with (pushed to 0). ‖∇‖ is the gradient's length on that vector.",
    )
    c0 = step.contexts[0]
    negs = " ".join(rf"- \log \sigma(-{pnum(step.neg_dot[0, m])})" for m in range(k))
    st.latex(
        rf"L_{{\text{{{words[c0]}}}}} = -\log \sigma(v'_{{\text{{{words[c0]}}}}} \cdot h_j) - \sum_{{k=1}}^{{{k}}} \log \sigma(-v'_{{n_k}} \cdot h_j)"
    )
    st.latex(rf"= -\log \sigma({num(step.pos_dot[0])}) {negs} = {num(step.losses[0])}")
    st.latex(
        rf"L = \sum_{{c \in C}} L_c = {' + '.join(num(v) for v in step.losses)} = {num(step.loss)}"
    )
    lesson.how_to_read(
        "the numbers in σ(·) are the dot products v′·h_j of the first context word and its negatives."
    )
    labels = [lbl for lbl, _ in grads] + [f"h_j\u00a0=\u00a0W[{words[center]}]"]
    lesson.chart(
        wfigs.network_matrix(
            torch.stack([g for _, g in grads] + [step.grad_h]),
            labels,
            [f"e{d}" for d in range(E)],
            digits=3,
            title="The gradient on each vector this step uses",
        ),
        key="w2v_gneg",
        how="one row per use of a vector: the true context vectors v′_c, the sampled negatives "
        "v′_n (a word drawn twice gets both rows, and they add up) and the centre's embedding "
        "h_j — every other vector of W and W′ is untouched.",
    )


# --- 3. live training ---------------------------------------------------------------------


@st.cache_resource(max_entries=8, ttl=1800, show_spinner="Reading the corpus…")
def corpus_for(text: str | None, min_count: int) -> training.Corpus:
    """The corpus as word ids (shared, read-only); None means The Time Machine."""
    words = load_time_machine().split() if text is None else words_of(text)
    # one "sentence" per 1,000 words: windows never cross a chunk edge (gensim does the same)
    return training.build_corpus(
        [words[i : i + 1000] for i in range(0, len(words), 1000)], min_count
    )


def parse_words(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in re.split(r"[\s,;]+", text.lower()) if w))


def train_live(trainer: training.Trainer, label: str, track_words, bar, live) -> None:
    """Run ``trainer`` with a progress bar and a live loss curve and map (display only)."""
    last = [0.0]

    def on_progress(p: Progress) -> bool:
        bar.progress(
            p.fraction,
            text=f"{label}: epoch {min(p.epoch + 1, trainer.config.epochs)} of {trainer.config.epochs}, "
            f"{p.tokens:,} / {trainer.total_words:,} words, {p.seconds:.1f} s",
        )
        if p.seconds - last[0] > 0.4 or p.fraction >= 1:
            last[0] = p.seconds
            with live.container():
                a, b = st.columns(2)
                a.plotly_chart(
                    wfigs.loss_curve(trainer.loss_words, trainer.losses, title=f"{label}: loss"),
                    theme=None,
                    config={"displayModeBar": False},
                    key=f"w2v_live_loss_{len(trainer.losses)}",
                )
                pts = embeddings.project_frames([trainer.snapshots[-1]])[0]
                b.plotly_chart(
                    efigs.embedding_map(pts, track_words, title="The map, now", height=420),
                    theme=None,
                    config={"displayModeBar": False},
                    key=f"w2v_live_map_{len(trainer.losses)}",
                )
        return False

    trainer.run(max_seconds=MAX_SECONDS, callback=on_progress)


def show_runs(runs: dict, current: dict) -> None:
    cols = st.columns(2, gap="large")
    for col, (obj, label) in zip(cols, OBJECTIVES.items(), strict=True):
        run = runs.get(obj)
        with col:
            st.subheader(label)
            if run is None:
                st.caption(f"Not trained yet: press **Train: {label.lower()}** to compare.")
                continue
            tr, corpus = run["trainer"], run["trainer"].corpus
            if run["key"] != current[obj]:
                st.caption(
                    "The settings above changed since this run: the next **Train** starts a new one."
                )
            a, b, c = st.columns(3)
            a.metric("training time", f"{tr.seconds:.2f} s")
            b.metric("words / s", f"{tr.words / max(tr.seconds, 1e-9):,.0f}")
            c.metric("last loss", f"{tr.losses[-1]:.3f}" if tr.losses else "—")
            st.progress(
                tr.words / max(tr.total_words, 1),
                text="finished"
                if tr.done
                else f"stopped at {tr.words:,} of {tr.total_words:,} words — press Train to continue",
            )
            lesson.chart(
                wfigs.loss_curve(
                    tr.loss_words,
                    tr.losses,
                    height=320,
                    y_title="cross-entropy per pair" if obj == "softmax" else "NS loss per pair",
                ),
                key=f"w2v_loss_{obj}",
                how="mean loss per pair against words processed; start: "
                + (
                    f"log V = {torch.log(torch.tensor(float(len(corpus.vocab)))):.2f}"
                    if obj == "softmax"
                    else f"(K+1) log 2 = {(tr.config.num_negatives + 1) * 0.6931:.2f}"
                ),
            )
            frames = embeddings.project_frames(tr.snapshots)
            labels = ["start"] + [f"{w:,} words" for w in tr.loss_words]
            tracked = [corpus.vocab.idx_to_token[i] for i in run["key"][2]]
            lesson.chart(
                efigs.embedding_animation(frames, tracked, labels[: len(frames)], height=560),
                key=f"w2v_map_{obj}",
                how="each dot is a word's embedding (unit length) projected by PCA fitted on the "
                "final embeddings, each frame centred and scaled to fill the plot; press ▶ to "
                "replay training or drag the slider. Words that share contexts end up close.",
            )
    show_lookups(runs)


def show_lookups(runs: dict) -> None:
    st.subheader("Nearest neighbours and analogies")
    q, a, b, c = st.columns([1.5, 1, 1, 1])
    urlstate.start_value("w2v_query", "time")
    word = q.text_input("Neighbours of", key="w2v_query", **BOUND).strip().lower()
    urlstate.start_value("w2v_a", "he")
    urlstate.start_value("w2v_b", "his")
    urlstate.start_value("w2v_c", "i")
    wa = a.text_input("a", key="w2v_a", **BOUND).strip().lower()
    wb = b.text_input("is to b", key="w2v_b", **BOUND).strip().lower()
    wc = c.text_input("as c is to ?", key="w2v_c", **BOUND).strip().lower()
    cols = st.columns(2, gap="large")
    for col, (obj, label) in zip(cols, OBJECTIVES.items(), strict=True):
        run = runs.get(obj)
        if run is None:
            continue
        W, corpus = run["trainer"].model.W, run["trainer"].corpus
        with col:
            st.markdown(f"**{label}**")
            if word:
                try:
                    nn = embeddings.nearest(W, corpus.vocab, word, k=8)
                    st.dataframe(
                        pd.DataFrame(nn, columns=[f"nearest to “{word}”", "cosine"]),
                        hide_index=True,
                        key=f"w2v_nn_{obj}",
                    )
                except KeyError:
                    st.warning(
                        f"“{word}” is not in the vocabulary (it appears fewer than {corpus.min_count} times, or not at all).",
                        icon=":material/search_off:",
                    )
            if wa and wb and wc:
                try:
                    res = embeddings.analogy(W, corpus.vocab, wa, wb, wc, k=5)
                    st.latex(
                        rf"\text{{{wb}}} - \text{{{wa}}} + \text{{{wc}}} \approx \text{{{res.answers[0][0]}}}\ ({num(res.answers[0][1])})"
                    )
                    st.caption("next: " + ", ".join(f"{w} ({s:.3f})" for w, s in res.answers[1:]))
                except KeyError as e:
                    st.warning(
                        f"“{e.args[0]}” is not in the vocabulary: the analogy needs all three words.",
                        icon=":material/search_off:",
                    )
    lesson.how_to_read(
        "cosine similarity of the embedding rows (1 = same direction); the analogy is the word nearest to b − a + c (a, b, c left out)."
    )
