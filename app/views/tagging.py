"""Tagging: a BiLSTM named-entity tagger reads a sentence and tags every word (many-to-many).

The student reads x_1 … x_T; the trace's row i is word t = i + 1 (``parts.FIRST``).
"""

import streamlit as st

from app import controls, frame, lesson, live, quiz, share, stepper
from app.urlstate import BOUND
from app.views import tagging_parts as parts
from seqviz import tagger, tagger_training
from seqviz.figures import tagging as tfigs
from seqviz.ner_data import TAGS

st.title("Tagging: BiLSTM NER")
lecture = bool(st.session_state.get("lecture"))
if not lecture:
    lesson.intro("tag_intro")
if lecture:
    stage, settings = st.container(), st.expander("Sentence and model", icon=":material/tune:")
else:
    settings, stage = st.container(), st.container()

# --- controls ---------------------------------------------------------------------
with settings:
    text = controls.text_input(
        key="tag_text",
        default=parts.DEFAULT_TEXT,
        limit=400,
        help=parts.HELP,
        prompt="Type a sentence above and press Ctrl+Enter to see every word tagged.",
    )
    c_model, c_ex1, c_ex2 = st.columns([2, 1.5, 1.5], vertical_alignment="bottom")
    mine_run = parts.my_run()  # the student's own tagger, once trained at the bottom
    label = parts.choose_tagger(c_model, mine_run)
    for col, example, key in zip(
        (c_ex1, c_ex2), parts.EXAMPLES, ("tag_ex1", "tag_ex2"), strict=True
    ):
        col.button(
            f"“{example}”",
            key=key,
            icon=":material/edit:",
            on_click=controls.set_text,
            args=(example, "tag_text"),
            width="stretch",
        )
words = tuple(tagger.words_of(text or ""))
if text is not None and not words:
    settings.info(
        "There is no word to tag in this text (the tagger reads letters, digits and "
        "punctuation). Type a sentence in English.",
        icon=":material/edit:",
    )
if text is None or not words:
    frame.stop()
if len(words) > tagger.MAX_WORDS:
    settings.warning(
        f"Your text has {len(words)} words; the tagger reads the first {tagger.MAX_WORDS}.",
        icon=":material/content_cut:",
    )
    words = words[: tagger.MAX_WORDS]
name = parts.MODELS.get(label)
if name is not None and not parts.loaders.has_checkpoint(name):
    settings.warning(
        f"The trained tagger `{name}` is not installed, so the page shows it **untrained**. "
        f"Build it with `python -m seqviz.checkpoints build {name}` (a few minutes).",
        icon=":material/cloud_off:",
    )

# --- the one core call: the tagger reads the sentence once (cached) -----------------
r = parts.read_with(label, words, mine_run)
bidirectional = r.h_bwd is not None
T = len(words)


def show_word(i: int) -> None:
    """Everything that depends on the word t = i + 1 (redrawn by the step control alone)."""
    k = int(r.probs[i].argmax())
    if lecture:  # on a projector the live equation sits above the chart, on the first screen
        show_equation(i, k)
    lesson.chart(
        tfigs.tag_probabilities(
            r.probs, words, TAGS, unknown=r.unknown, step=i, row_height=26 if lecture else 34
        ),
        key="tag_probs",
        how="one column per word, one row per tag; each cell is p(tag | sentence), a column "
        "sums to 1; the orange square is the tag chosen (the most probable); the blue "
        "outline is word t; a small ? after a word marks a word unknown to the model.",
    )
    if lecture:  # the softmax line under the chart: more of the chart on the first screen
        st.latex(parts.softmax_tex(r, i, k))
    else:
        show_equation(i, k)
    lesson.how_to_read(
        "the first line splits the chosen tag's logit z into what the forward state "
        "contributes, what the backward state contributes and the bias"
        + ("" if bidirectional else " (a forward LSTM has no backward part)")
        + "; the softmax over all "
        f"{len(TAGS)} logits turns it into the probability in the chart."
    )
    st.subheader(f"Each direction's share of the logits, word {i + parts.FIRST}")
    lesson.chart(
        tfigs.logit_split(
            r.fwd_part[i], None if r.bwd_part is None else r.bwd_part[i], r.bias, TAGS, chosen=k
        ),
        key="tag_split",
        how="for every tag, the forward part (blue), backward part (vermillion) and bias (grey) "
        "stack up to the logit z (diamond); the tag in bold has the largest z.",
    )
    st.subheader("The states at every word")
    fwd, bwd = st.columns(2, gap="large")
    with fwd:
        lesson.chart(
            tfigs.direction_states(
                r.h_fwd, words, i, title="h→<sub>t</sub>: has read x<sub>1</sub> … x<sub>t</sub>",
                unknown=r.unknown,
            ),
            key="tag_fwd",
            how="rows are the forward LSTM's units, columns the words; red > 0, blue < 0.",
        )  # fmt: skip
    if bidirectional:
        with bwd:
            lesson.chart(
                tfigs.direction_states(
                    r.h_bwd, words, i,
                    title="h←<sub>t</sub>: has read x<sub>t</sub> … x<sub>T</sub>",
                    unknown=r.unknown,
                ),
                key="tag_bwd",
                how="the backward LSTM read the sentence from the end: its column t already "
                "knows every word after x_t.",
            )  # fmt: skip


def show_equation(i: int, k: int) -> None:
    """The live equation: the chosen tag's logit split into its parts (then, except in
    lecture mode, where it goes under the chart, its softmax)."""
    with st.container(key="tag_equation"):  # (a line shorter on a projector: no braces)
        st.latex(parts.split_tex(r, i, k, braces=not lecture))
        if not lecture:
            st.latex(parts.softmax_tex(r, i, k))


with stage:
    stepper.step_through(
        T,
        show_word,
        key="tag_step",
        label=lambda i: parts.step_label(r, i),
        axis="Word",
        item="word",
        first=parts.FIRST,
    )

# --- what the backward direction adds -------------------------------------------------------
st.header("Why the backward direction matters")
lesson.more("Teddy bears, Teddy Roosevelt", "tag_teddy", expanded=not lecture)
st.dataframe(parts.teddy_rows(), hide_index=True, key="tag_teddy_table")
lesson.how_to_read(
    "the tag each tagger gives the first word, “Teddy”, in the two sentences, with its "
    "probability and the probability of B-PER."
)
st.dataframe(parts.heldout_rows(), hide_index=True, key="tag_compare_table")
lesson.how_to_read(
    "both shipped taggers on the held-out sentences, trained the same way for the same steps "
    "(their checkpoint records); the BiLSTM also sees the words after each word."
)

# --- held-out evaluation -------------------------------------------------------------------
st.header("How good is it? Held-out entity scores")
lesson.more("Precision, recall and F1 over entity spans", "tag_scores", expanded=not lecture)
report = parts.report_with(label, mine_run)
st.dataframe(parts.score_rows(report), hide_index=True, key="tag_scores_table")
lesson.how_to_read(
    f"{report['n_sentences']} held-out sentences "
    f"{'your tagger' if label == parts.MINE else 'the ' + label} never trained on. A predicted "
    "span counts only if its type, first and last word all match a gold span. The baseline "
    "tags each word with its most frequent tag in training."
)
st.subheader("Tag confusion on the held-out words")
lesson.chart(
    tfigs.confusion(report["confusion"], TAGS),
    key="tag_confusion",
    how="row = the gold tag, column = the predicted tag; each row sums to 1; the diagonal "
    "is right. Hover for the counts.",
)
st.subheader("The most frequent errors")
st.dataframe(parts.error_rows(report), hide_index=True, key="tag_errors_table")
lesson.how_to_read(
    "each row is a word of the held-out data, the tag it should get, the tag "
    "the model gave it, and how many times that happened."
)

# --- live training --------------------------------------------------------------------------
st.header("Train a tagger yourself")
lesson.more("What one training step does", "tag_training")
c_dir, c_hidden, c_steps = st.columns(3)
bi = c_dir.toggle("Bidirectional", value=True, key="tag_train_bi", **BOUND)
hidden = c_hidden.select_slider(
    "Hidden units H", (8, 16, 32, 48), value=32, key="tag_hidden", **BOUND
)
steps = c_steps.select_slider("Steps", (200, 400, 800, 1600), value=400, key="tag_steps", **BOUND)
config = tagger.TaggerConfig(
    bidirectional=bi, hidden_size=hidden, embedding_size=32, steps=steps, eval_every=100
)
b_train, b_stop, b_reset, _ = st.columns([1.2, 1, 1, 3])
pressed = b_train.button("Train", key="tag_train", type="primary", icon=":material/play_arrow:")
reset = b_reset.button("Reset", key="tag_reset", icon=":material/restart_alt:")
run = st.session_state.get("tag_run")
if reset and run is not None:
    live.stop(run)
    st.session_state.pop("tag_run")
    st.rerun()  # the sections above read with this run's tagger: redraw them without it
if run is not None and run["config"] != config and not live.running(run):
    st.caption("The settings changed: the next **Train** starts a new run.")
if pressed:
    if run is None or run["config"] != config:
        run = st.session_state["tag_run"] = {"config": config, "state": None}
    parts.train_live(run, config)
live.job_button(b_stop, key="tag_stop", record=run)
if live.running(run):
    live.follow(run, lambda status: parts.draw_job(run, status))
elif run is None or run.get("state") is None:
    if run is not None:
        live.ended_note(run)
    st.info(
        "Press **Train**: the loss and the held-out entity F1 update as it learns (at most "
        f"{parts.MAX_SECONDS} s a press). **Stop** ends it early; **Train** continues.",
        icon=":material/model_training:",
    )
else:
    live.ended_note(run)
    h = run["state"]["history"]
    st.markdown(f"**Your tagger:** {parts.status(run, run['config'])}.")
    lesson.chart(
        tfigs.f1_curve(h["eval_steps"], h["heldout"], h["losses"]),
        key="tag_curve",
        how="grey: the cross-entropy of every minibatch; blue: entity F1 on the held-out "
        "sentences, measured every 100 steps.",
    )
    mine = parts.read_with(parts.MINE, words, parts.my_run())
    st.markdown(
        "**Your tagger on your sentence:** "
        + " ".join(
            f"{controls.md_escape(w)}/**{t}**" for w, t in zip(words, mine.tags, strict=True)
        )
    )
    st.caption(
        "**Tagger** at the top of the page now offers **Yours**: the tag chart, the equations, "
        "the states and the held-out scores all read with your tagger."
    )

quiz.check_yourself("tagging", text=text)
if lecture:
    lesson.intro("tag_intro")
lesson.try_this("tag_try")
lesson.show_code(
    tagger.read,
    tagger_training.fit,
    note="`seqviz.tagger.read` runs the LSTM through `seqviz.recurrent.trace` and splits each "
    "logit; `seqviz.tagger_training.fit` is the training the Train button runs.",
)
share.share_box(
    data={
        "tag probabilities": lambda: [
            dict(zip(("word", *TAGS), (w, *p), strict=True))
            for w, p in zip(words, r.probs.tolist(), strict=True)
        ]
    },
    hideable=("tag_text", "tag_model", "tag_step", "sidebar"),
)
lesson.lab_links("tagging")
