"""Seq2seq & attention: the encoder–decoder's bottleneck, and attention as the way around it.

The student reads output steps t = 1, 2, … and source positions i = 1 … S; the
core's traces count from 0 (``seq2seq_parts`` adds 1 where it writes).
"""

import streamlit as st

from app import controls, frame, lesson, live, quiz, share, stepper, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import seq2seq_parts as parts
from seqviz import beam, bleu, seq2seq
from seqviz.figures import seq2seq as sfigs
from seqviz.seq2seq import ATTENTIONS, NAMES

st.title("Seq2seq & attention")
lesson.intro("s2s_intro")

task = controls.choose(
    st,
    "segmented_control",
    "Task",
    list(parts.TASKS),
    key="s2s_task",
    default="copy",
    format_func=parts.TASKS.get,
    help="Copying letters is synthetic: long sources and a crisp alignment. The translation "
    "pairs are real Tatoeba sentences of 2–6 tokens.",
)
absent = parts.missing(task)
if absent:
    st.error(
        "The pretrained models of this task are missing: "
        + ", ".join(absent)
        + ". Build them with `python -m seqviz.checkpoints build "
        + " ".join(absent)
        + "`.",
        icon=":material/error:",
    )
    frame.stop()
measure = parts.MEASURE[task]

# === 1. The bottleneck ======================================================================
st.header("1 · The bottleneck: the score by source length")
scores = parts.by_length(task)
base = parts.record(task, "none")["metrics"]["baseline"]
longest = max(scores["none"])
st.latex(parts.bottleneck_tex(scores, longest, measure))
lesson.chart(
    # on a projector (1280 x 720) the whole chart fits under the title and the task
    sfigs.by_length(
        scores, NAMES, measure=measure, baseline=base, height=320 if frame.lecture_on() else 420
    ),
    key="s2s_bottleneck",
    how=f"one line per model, every point the held-out {measure} of the pairs whose source "
    f"has that many tokens (without <eos>; lengths with at least {parts.MIN_PAIRS} held-out "
    "pairs); the grey line is a constant answer. " + parts.bottleneck_caption(task),
)
lesson.more("Why the fixed-size context runs out", "s2s_bottleneck")

# === 2. Decoding step by step ===============================================================
st.header("2 · Decoding step by step")
if task == "fra-eng":
    st.caption(parts.translation_note())
c_in, c_model = st.columns([2, 3], vertical_alignment="bottom")
input_key = f"s2s_input_{task.replace('-', '_')}"
urlstate.start_value(input_key, parts.DEFAULT_INPUT[task])
raw = c_in.text_input(
    "Letters to copy" if task == "copy" else "An English sentence",
    key=input_key,
    max_chars=parts.MAX_INPUT[task],
    **BOUND,
)
attention = controls.choose(
    c_model,
    "segmented_control",
    "Model",
    list(ATTENTIONS),
    key="s2s_model",
    default="additive",
    format_func=parts.SHORT_NAMES.get,
)
tokens, notes = parts.source_tokens(task, raw or "")
if not tokens:
    st.info("Type something above to watch the decoder write its output.", icon=":material/edit:")
    frame.stop()
for note in notes:
    st.warning(md_escape(note[0].upper() + note[1:] + "."), icon=":material/info:")
tr = parts.translator(task, attention)
d = parts.decoding(task, attention, tuple(tokens))
st.markdown("**Output:** " + parts.code_tokens(d.output))
stepper.step_through(
    len(d.steps),
    lambda t: parts.render_step(d, t, tr, attention),
    key="s2s_step",
    axis="Output step",
    symbol="t",
    item="output token",
    first=1,
)
lesson.more("The equations, and where the three models differ", "s2s_equations")

# === 3. Greedy vs beam search ===============================================================
st.header("3 · Greedy vs beam search")
c_w, c_a = st.columns(2)
urlstate.start_value("s2s_width", 3)
width = c_w.slider("Beam width k", 1, 6, key="s2s_width", **BOUND)
urlstate.start_value("s2s_alpha", 0.0)
alpha = c_a.select_slider(
    "Length normalisation a (score = log p / L^a)",
    options=[0.0, 0.5, 0.75, 1.0],
    key="s2s_alpha",
    **BOUND,
)
search = parts.beam_search(task, attention, tuple(tokens), width, alpha)
names = tr.pairs.tgt_vocab.idx_to_token
pruned = st.toggle(
    "Show the pruned candidates",
    key="s2s_pruned",
    help="Every step extends each kept candidate by its k likeliest tokens (k × k candidates) "
    "and keeps the k best; off, only the kept ones are drawn.",
    **BOUND,
)
lesson.chart(
    sfigs.beam_tree(search.steps, names, search.best.tokens, pruned=pruned),
    key="s2s_beam_tree",
    how="columns are output steps; each node a candidate, labelled with its last token "
    "(hover for the whole output and its log-probability log p(y_1 … y_t | x)). Blue nodes "
    "are kept (the beam); orange ones finished with <eos>, their log p under them; the thick "
    "black path is the answer. The grey number under a step counts the candidates pruned "
    "there (drawn in grey with the switch above).",
)
greedy_logp = sum(float(s.probs[s.token].log()) for s in d.steps)
for line in parts.beam_tex(search, names, d, greedy_logp):
    st.latex(line)
st.dataframe(parts.finished_table(search, names), hide_index=True, key="s2s_finished")

# === 4. Training: teacher forcing vs free running ==========================================
st.header("4 · Train it yourself: teacher forcing vs free running")
lesson.more("Teacher forcing and free running", "s2s_forcing")
c_m, c_f, c_s, c_go, c_stop = st.columns([2, 2, 1.5, 1, 1], vertical_alignment="bottom")
train_attention = controls.choose(
    c_m,
    "selectbox",
    "Model to train",
    list(ATTENTIONS),
    key="s2s_train_model",
    default="additive",
    format_func=NAMES.get,
)
forcing = controls.choose(
    c_f,
    "selectbox",
    "Decoder input while training",
    list(parts.FORCING),
    key="s2s_forcing",
    default=1.0,
    format_func=parts.FORCING.get,
    help="Teacher forcing: the decoder reads the true previous token y_{t−1}. Free running: "
    "it reads its own greedy guess, as it does at test time.",
)
urlstate.start_value("s2s_seconds", 20)
seconds = c_s.slider("Seconds per click", 5, 60, key="s2s_seconds", **BOUND)
go = c_go.button("Train", key="s2s_train", type="primary", icon=":material/play_arrow:")
config = parts.train_config(train_attention, forcing)
if go:
    parts.train(config, seconds)
runs = parts.session_runs()
going = parts.active(runs)
live.job_button(c_stop, key="s2s_stop", record=going[1] if going else None)
for r in runs.values():
    if not live.running(r):
        live.ended_note(r)
if going:
    live.follow(going[1], lambda status: parts.draw_job(*going, status))
elif any(r.get("state") for r in runs.values()):
    for c, r in runs.items():
        if r.get("state"):
            h = r["state"]["history"]
            st.markdown(
                f"**{NAMES[c.attention]}, {md_escape(parts.FORCING[c.forcing])}:** step {r['state']['step']} "
                f"of {c.steps}, {live.outcome(r)}; held-out token accuracy "
                + (
                    f"{h['heldout'][-1]:.3f}"
                    if h["heldout"]
                    else "not measured yet (every 250 steps)"
                )
            )
    lesson.chart(
        parts.curves({c: r["state"]["history"] for c, r in runs.items() if r.get("state")}),
        key="s2s_curves",
        how="left: the training loss of every step (smoothed); right: the token accuracy on "
        "held-out copy problems, measured every 250 steps — always by free-running greedy "
        "decoding, whatever the training fed the decoder.",
    )
else:
    st.info(
        f"Press **Train** to train a fresh model on the copy task ({parts.TRAIN_STEPS} steps); "
        "train one with teacher forcing and one free running and compare their curves. "
        "**Stop** ends a run early; **Train** again continues it.",
        icon=":material/model_training:",
    )
lesson.try_this("s2s_try")
lesson.show_code(
    seq2seq.Seq2Seq.attend,
    seq2seq.Seq2Seq.step,
    beam.search,
    bleu.corpus_bleu,
    note="The bars, the context and the alignment are fields of `seqviz.seq2seq.Decoding`.",
)
quiz.check_yourself("seq2seq")
share.share_box(
    hideable=(
        "s2s_task",
        "s2s_model",
        "s2s_width",
        "s2s_alpha",
        "s2s_pruned",
        "s2s_train_model",
        "s2s_forcing",
        "s2s_seconds",
        "sidebar",
    )
)
lesson.lab_links("seq2seq")
