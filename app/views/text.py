"""Text & tokens: tokens, vocabulary and <unk>, Zipf's law, minibatch partitioning."""

import pandas as pd
import streamlit as st

from app import controls, frame, lesson, quiz, share, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import text_parts
from app.views.text_parts import MAX_MERGES
from seqviz import batching, bpe, zipf
from seqviz.figures import text as tfigs
from seqviz.text import Vocab, load_time_machine, normalize_d2l, tokenize

MAX_CORPUS = 200_000  # characters; longer pasted texts are cut here
SOURCES = ("The Time Machine", "My own text")
LEVELS = ("char", "word", "bpe")
TOKENS_HEADER = "1 · Tokens: characters, words, subwords"
ZIPF_HOW = (
    f"each solid line is one n-gram order, ranked from most to least frequent; a straight line on "
    f"these log-log axes is Zipf's law. Each dashed line is the fit, drawn over the ranks it was "
    f"fitted on: from rank 1 to the last n-gram seen at least {zipf.MIN_COUNT} times (the bar "
    f"marks it), leaving out the long flat steps of n-grams seen once, twice, …; rank k weighs 1/k, "
    f"so every decade of ranks counts the same. Its slope is −α."
)

st.title("Text & tokens")
lesson.intro("text_intro")
# Normal mode reads top to bottom: the text, section 1's slider and token panels, its
# equation and curve. Lecture mode puts the equation and curve on the first screen,
# their slider, the token panels and the choice of text below them.
if frame.lecture_on():
    st.header(TOKENS_HEADER)
    box = {name: st.container() for name in ("curve", "slider", "panels", "text")}
else:
    box = {"text": st.container()}
    st.header(TOKENS_HEADER)
    box |= {name: st.container() for name in ("slider", "panels", "curve")}

# --- the text -------------------------------------------------------------------------
with box["text"]:
    c_src, c_norm = st.columns([3, 2], vertical_alignment="bottom")
    source = controls.choose(
        c_src,
        "segmented_control",
        "Text",
        SOURCES,
        key="text_source",
        default=SOURCES[0],
        help="The novel or anything you paste.",
    )
    d2l = c_norm.toggle(
        "d2l preprocessing (a–z and space only)",
        key="text_d2l",
        help="re.sub('[^A-Za-z]+', ' ', text).lower(), as the d2l book does.",
        **BOUND,
    )
    if source == SOURCES[0]:
        text = load_time_machine("d2l", normalize=False)
        st.caption(f"H. G. Wells, *The Time Machine* (d2l's copy): {len(text):,} characters.")
    else:
        urlstate.start_value(
            "text_corpus",
            "The time traveller, for so it will be convenient to speak of him, was expounding a recondite matter to us.",
        )
        text = st.text_area("Your text", key="text_corpus", height=120, help="Paste anything.")
        if len(text) > MAX_CORPUS:
            st.warning(
                f"Your text has {len(text):,} characters; this page uses the first {MAX_CORPUS:,}.",
                icon=":material/content_cut:",
            )
            text = text[:MAX_CORPUS]
    if d2l:
        text = normalize_d2l(text)
    if not text.strip():
        st.info(
            "The text is empty: paste some text (or pick The Time Machine) to see its tokens.",
            icon=":material/edit:",
        )
        frame.stop()

# --- tokens side by side ------------------------------------------------------------------
# Every control below keeps its value while an empty text stops the page above it
# (persist_state="page"); otherwise it would come back empty or at its minimum.
with box["slider"]:
    urlstate.start_value("text_merges", 200)
    merges = st.slider(
        "BPE merges",
        0,
        MAX_MERGES,
        key="text_merges",
        step=10,
        help="Each merge adds one subword to the vocabulary.",
        persist_state="page",
        **BOUND,
    )
with box["panels"]:
    cols = st.columns(3)
    for col, level, name in zip(
        cols, LEVELS, ("Characters", "Words", f"BPE ({merges} merges)"), strict=True
    ):
        toks = text_parts.tokens_of(text, level, merges)
        with col, st.container(border=True, key=f"text_tokens_{level}"):
            st.subheader(name)
            st.metric("tokens", f"{len(toks):,}", help="How long the sequence is at this level.")
            st.caption(f"{len(set(toks)):,} distinct")
            st.markdown(text_parts.chips(toks))
with box["curve"]:
    learned = text_parts.learn_bpe(text)
    n_alpha = len(learned.alphabet)
    done = min(merges, len(learned.merges))
    st.latex(
        rf"V_{{\text{{BPE}}}} = \underbrace{{{n_alpha}}}_{{\text{{characters}}}} + \underbrace{{{done}}}_{{\text{{merges}}}} = {n_alpha + done}"
    )
    if done < merges:
        st.caption(f"Only {done} merges were possible: no pair of symbols occurs twice after that.")
    if learned.merges:
        steps = sorted({0, *range(0, len(learned.merges) + 1, 50), len(learned.merges), done})
        bar = st.progress(0.0, text="Encoding the text after each number of merges…")
        counts = []
        for i, m in enumerate(steps):
            counts.append(len(text_parts.bpe_tokens(text, m)))
            bar.progress((i + 1) / len(steps), text=f"Encoding with {m} merges…")
        bar.empty()
        lesson.chart(
            tfigs.bpe_curve(
                steps, counts, current=done, title="Fewer, longer tokens as BPE merges"
            ),
            key="text_bpe_curve",
            how="each point is the whole text encoded with that many merges; the line marks the slider. The first merges (frequent pairs like “␣t”, “he”) save the most.",
        )
        first = pd.DataFrame(
            [
                (m.rank + 1, f"{m.pair[0]!r} + {m.pair[1]!r}", repr(m.symbol), m.count)
                for m in learned.merges[:done]
            ],
            columns=["merge", "pair", "new symbol", "times seen"],
        )
        st.dataframe(first, hide_index=True, height=260, key="text_merges_table")
        lesson.how_to_read(
            "merge by merge, in the order learned: the pair that was most frequent at that moment, the symbol it became, and its count then."
        )
    lesson.more("How byte-pair encoding learns its subwords", "text_bpe")

# --- vocabulary --------------------------------------------------------------------------
st.header("2 · Vocabulary and <unk>")
c_level, c_min = st.columns([2, 3])
level = controls.choose(
    c_level,
    "segmented_control",
    "Token level",
    LEVELS,
    key="text_level",
    default="word",
    persist_state="page",
)
min_freq = c_min.slider(
    "min_freq",
    0,
    20,
    key="text_min_freq",
    help="Tokens seen fewer times than this become <unk>.",
    persist_state="page",
    **BOUND,
)
tokens = text_parts.tokens_of(text, level, merges)
vocab = Vocab(tokens, min_freq=min_freq)
n_unk = sum(1 for t in tokens if t not in vocab)
rate = n_unk / len(tokens)
st.latex(
    rf"\text{{rate of }}\langle\text{{unk}}\rangle = \frac{{\#\{{\text{{tokens seen}} < {min_freq} \text{{ times}}\}}}}{{N}} = \frac{{{n_unk:,}}}{{{len(tokens):,}}} = {100 * rate:.2f}\%,\qquad V = {len(vocab):,}\ (\text{{incl. }}\langle\text{{unk}}\rangle)".replace(
        ",", "{,}"
    )
)
c_tab, c_fig = st.columns([2, 3])
with c_tab:
    table = pd.DataFrame(
        [
            (vocab[t], text_parts.shown(t), c, "in" if t in vocab else "→ <unk>")
            for t, c in vocab.token_freqs[:200]
        ],
        columns=["index", "token", "count", "vocabulary"],
    )
    st.dataframe(table, hide_index=True, height=400, key="text_vocab_table")
    lesson.how_to_read(
        "the 200 most frequent tokens with their index; rare ones at the bottom of the full list become <unk> (index 0)."
    )
with c_fig:
    curve = text_parts.unk_table(text, level, merges)
    lesson.chart(
        tfigs.unk_curve(
            curve["min_freq"],
            curve["unk_percent"] / 100,
            curve["types"],
            current=min_freq,
            title="Raising min_freq: a smaller vocabulary, more <unk>",
        ),
        key="text_unk_curve",
        how="blue: share of the text that turns into <unk>; dotted red: how many token types remain. Many types vanish before the <unk> rate moves much.",
    )

# --- Zipf -----------------------------------------------------------------------------------
st.header("3 · Zipf's law")
punctuation = False
if level == "word":
    punctuation = st.toggle(
        "Count punctuation marks as words",
        key="text_zipf_punct",
        help="Off: the word counts leave out , . ; ' and the like (as d2l's a–z text does).",
        persist_state="page",
        **BOUND,
    )
z = text_parts.zipf_of(text, level, merges, punctuation)
alphas = ",\\quad ".join(
    rf"\alpha_{{{n}}} = {fit.alpha:.2f}" for n, (_, fit, _) in z.items() if fit.alpha == fit.alpha
)
st.latex(
    r"n_k \propto \frac{1}{k^{\alpha}} \;\Leftrightarrow\; \log n_k = -\alpha \log k + c:\qquad "
    + (alphas or r"\text{too few tokens to fit}")
)
counted = {
    "word": "words only, punctuation marks left out"
    if not punctuation
    else "punctuation marks counted as words",
    "char": "every character, space included",
    "bpe": f"BPE subwords after {merges} merges",
}[level]
lesson.chart(
    tfigs.zipf_plot(
        {n: c for n, (c, _, _) in z.items()},
        {n: f for n, (_, f, _) in z.items()},
        title=f"Frequency vs rank ({level} level: {counted})",
    ),
    key="text_zipf",
    how=ZIPF_HOW,
)
top = {n: ", ".join(f"{' '.join(g)!r} ({c:,})" for g, c in head) for n, (_, _, head) in z.items()}
st.markdown("\n".join(f"- **{tfigs.ORDER_NAMES[n]}**: {md_escape(s)}" for n, s in top.items() if s))

# --- minibatches ----------------------------------------------------------------------------
st.header("4 · Cutting the text into minibatches")
for key, value in (
    ("text_n_tokens", 120),
    ("text_batch_size", 3),
    ("text_num_steps", 5),
    ("text_part_seed", 0),
):
    urlstate.start_value(key, value)
c1, c2, c3, c4, c5 = st.columns([2, 1.4, 1.4, 2, 1.2], vertical_alignment="bottom")
n_tokens = c1.slider(
    "Text length N (characters)", 10, 400, key="text_n_tokens", persist_state="page", **BOUND
)
B = c2.slider("Batch size B", 1, 8, key="text_batch_size", persist_state="page", **BOUND)
T = c3.slider("Steps T", 1, 20, key="text_num_steps", persist_state="page", **BOUND)
mode = controls.choose(
    c4,
    "segmented_control",
    "Partitioning",
    batching.MODES,
    key="text_part_mode",
    default="sequential",
    persist_state="page",
)
seed = c5.number_input(
    "Seed",
    0,
    999,
    key="text_part_seed",
    help="Seeds the random offset (and the shuffle).",
    persist_state="page",
    **BOUND,
)
corpus = tokenize(text, "char")[:n_tokens]
part = batching.partition(len(corpus), B, T, mode, seed=int(seed))
if part.num_batches == 0:
    st.warning(
        f"{len(corpus)} characters are not enough for one minibatch of {B} × {T} (+1 for the target): lower B or T, or lengthen N.",
        icon=":material/warning:",
    )
else:
    st.latex(
        rf"\text{{offset}} = {part.offset},\quad \text{{batches}} = {part.num_batches},\quad "
        rf"\text{{tokens read}} = {part.num_batches} \times {B} \times {T} = {part.num_batches * B * T}\ \text{{of}}\ {len(corpus)}"
    )
    lesson.chart(
        tfigs.partition_picture(
            part,
            corpus,
            title=f"{mode.capitalize()} partitioning: which slice goes into which minibatch",
        ),
        key="text_partition",
        how="x is the position in the text; each coloured bar is one row of one minibatch (numbered), drawn in the lane of its row. Sequential: each lane reads left to right, batch after batch. Random: slices jump around.",
    )
    first_X = ["".join(corpus[s : s + T]) for s in part.starts[0]]
    first_Y = ["".join(corpus[s + 1 : s + 1 + T]) for s in part.starts[0]]
    st.dataframe(
        pd.DataFrame(
            {
                "row": range(B),
                "X (input)": [text_parts.shown(x) for x in first_X],
                "Y (target = X shifted by one)": [text_parts.shown(y) for y in first_Y],
            }
        ),
        hide_index=True,
        key="text_batch_table",
    )
    lesson.how_to_read(
        "minibatch 1 as the model receives it: each row of Y is its row of X moved one character to the right."
    )
lesson.more("Random vs sequential partitioning", "text_batches")
lesson.try_this("text_try")
lesson.show_code(bpe.learn, zipf.fit_zipf, batching.partition)
quiz.check_yourself("text")
share.share_box(
    data={"vocabulary": lambda: [{"token": t, "count": c} for t, c in vocab.token_freqs]},
    hideable=(
        "text_source",
        "text_d2l",
        "text_corpus",
        "text_merges",
        "text_level",
        "text_min_freq",
        "sidebar",
    ),
)
lesson.lab_links("text")
