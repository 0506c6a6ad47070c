"""Sentiment: many-to-one. Word-level classifiers read a review; P(positive) after each word.

The student reads words x_1 … x_T, h_0 = 0; the reading's row i is word t = i + 1
(``sentiment_parts.FIRST``).
"""

import streamlit as st

from app import controls, frame, lesson, quiz, share, stepper, urlstate
from app.urlstate import BOUND
from app.views import sentiment_parts as parts
from seqviz import checkpoints, importance, sentiment_reading
from seqviz import sentiment_data as data
from seqviz import sentiment_training as training
from seqviz.classifiers import KINDS
from seqviz.figures import sentiment as sfigs

st.title("Sentiment: many-to-one")
lecture = frame.lecture_on()
if not lecture:
    lesson.intro("sent_intro")
if lecture:
    stage, settings = st.container(), st.expander("Text and model", icon=":material/tune:")
else:
    settings, stage = st.container(), st.container()

# --- controls ---------------------------------------------------------------------------
with settings:
    text = controls.text_input(
        help="Type a review and press Ctrl+Enter (or click outside the box). Words the "
        "models never saw at least twice in training become <unk> (marked with ?).",
        prompt="Type a review above — a few words are enough — and press Ctrl+Enter.",
    )
    c_model, c_weights = st.columns([3, 1.4], vertical_alignment="bottom")
    kind = controls.choose(
        c_model,
        "selectbox",
        "Model",
        list(KINDS),
        key="sent_model",
        default=parts.DEFAULT_KIND,
        format_func=KINDS.get,
        help="Every model embeds the words and reads one sentence vector s with "
        "P(positive) = σ(w^T s + b); they differ in how they make s.",
    )
    weights = controls.choose(
        c_weights,
        "segmented_control",
        "Weights",
        controls.MODELS,
        key="model",
        default="trained",
        format_func=str.capitalize,
        help="Trained: learned from 2400 review sentences. Untrained: the same network with "
        "random weights.",
    )
    trained = weights == "trained"
if text is None:
    frame.stop()
enc = parts.encode(text)
if not enc.ids:
    st.warning(
        "There is no word in this text (only spaces or symbols the tokenizer drops). "
        "Type a few words.",
        icon=":material/text_fields:",
    )
    frame.stop()
if enc.cut:
    st.warning(
        f"The models read the first {parts.MAX_WORDS} words; {enc.cut} more are left out.",
        icon=":material/content_cut:",
    )
if trained and parts.checkpoint_name(kind) not in checkpoints.available():
    controls.missing_checkpoint(parts.checkpoint_name(kind), KINDS[kind])

# --- the one core call: every model reads the text once (cached) -----------------------------
reading = parts.reading(kind, trained, text)
curves = parts.curves(trained, text)
T = len(enc.ids)
with settings:
    unknown = [w for w, k in zip(enc.words, enc.known, strict=True) if not k]
    if unknown:
        st.caption(
            "Read as `<unk>`: "
            + ", ".join(controls.md_escape(w) for w in unknown)
            + " (not seen twice in the training sentences)."
        )
    parts.flip_pointer(text, curves, enc)
    if not lecture:
        lesson.try_this("sent_try")

with stage:
    if not lecture:
        st.header("Reading a review, word by word")
    stepper.step_through(
        T,
        lambda i: parts.show_step(i, kind, trained, text, reading, curves, enc, lecture),
        item="word",
        axis="Word",
        first=parts.FIRST,
        label=lambda i: (
            f"Word **t = {i + 1}**: “{controls.md_escape(enc.words[i])}”"
            + ("" if enc.known[i] else " (read as `<unk>`)")
        ),
    )

if lecture:
    lesson.intro("sent_intro")
    lesson.try_this("sent_try")

# === 1. the data ===============================================================================
st.header("1 · The data: 3000 review sentences")
lesson.more("Where the sentences come from, and the split", "sent_data")
urlstate.start_value("sent_min_freq", data.MIN_FREQ)
min_freq = st.slider(
    "min_freq (a training word seen fewer times becomes <unk>)",
    1,
    10,
    key="sent_min_freq",
    help="The models use min_freq = 2; move it to see what the vocabulary would be.",
    **BOUND,
)
stats = data.stats(min_freq)
for col, (label, value) in zip(st.columns(4), parts.stats_line(min_freq).items(), strict=True):
    col.metric(label, value)
lesson.chart(
    sfigs.length_histogram(stats.train_lengths, stats.heldout_lengths),
    key="sent_lengths",
    how="how many words the sentences have (bars of 2 words, as % of each set); a minibatch "
    "is padded to its longest sentence, so most of a padded matrix of long and short "
    "sentences is <pad>.",
)

# === 2. the models ==============================================================================
st.header("2 · Seven models on the same held-out sentences")
st.latex(parts.general_equation(kind))
st.dataframe(
    parts.comparison(),
    key="sent_table",
    hide_index=True,
    column_config={
        "held-out accuracy": st.column_config.NumberColumn(format="percent"),
        "above majority": st.column_config.NumberColumn(format="percent"),
        "training accuracy": st.column_config.NumberColumn(format="percent"),
        "s per epoch": st.column_config.NumberColumn(format="%.2f"),
    },
)
lesson.how_to_read(
    "accuracy on the 600 held-out sentences (300 positive, 300 negative), so always answering "
    "one class scores 50%; “above majority” is the margin over that baseline (each checkpoint's "
    "record promises at least 15 points); seconds per epoch are one pass over the 2400 training "
    "sentences on one CPU thread, as measured when the checkpoint was built (a busy machine "
    "slows them)."
)

# === 3. padding and masking =================================================================
st.header("3 · Padding and masking: a minibatch of sentences")
lesson.more("Why pads must not count", "sent_padding")
parts.padding_section(kind, trained, text)

# === 4. why this prediction =================================================================
st.header("4 · Why this prediction?")
parts.importance_section(kind, trained, text, enc)

# === 5. TextCNN ================================================================================
st.header("5 · TextCNN: filters over n-grams, max over time")
parts.textcnn_section(trained, text, enc)

# === 6. training live ===========================================================================
st.header("6 · Train a classifier, live")
lesson.more("What one training step does", "sent_training")
parts.training_section(text)

# === 7. embeddings =============================================================================
st.header("7 · The learned word vectors")
parts.embedding_section(kind)

lesson.show_code(
    sentiment_reading.read,
    importance.importance,
    training.loss_fn,
    note="`seqviz.classifiers.Classifier.sentence` makes the sentence vector of every model.",
)
quiz.check_yourself("sentiment", text=text)
share.share_box(
    data={
        "P(positive) after each word": lambda: parts.curve_table(curves, enc),
        "word importance": lambda: parts.importance_table(kind, trained, text, enc),
        "model comparison": parts.comparison,
    },
    hideable=("text", "model", "sent_model", "step", "sent_min_freq", "sidebar"),
)
lesson.lab_links("sentiment")
