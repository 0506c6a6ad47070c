"""Language models: n-gram vs RNN, live character-level training, sampling, teacher forcing."""

import math

import streamlit as st

from app import controls, frame, lesson, live, loaders, quiz, share, urlstate
from app.controls import md_escape
from app.urlstate import BOUND
from app.views import lm_parts
from app.views.lm_parts import HELDOUT, MAX_N
from seqviz import latex, lm, lm_training, ngram, sampling, training
from seqviz.figures import lm as lfigs
from seqviz.figures.predictions import topk_bar
from seqviz.text import tokenize

K_VALUES = (0.0, 0.01, 0.1, 0.5, 1.0)
MAX_SENTENCE = 80
MAX_FORCING = 120


st.title("Language models")
lesson.intro("lm_intro")

# === 1. n-gram vs RNN ====================================================================
st.header("1 · n-grams vs a recurrent network")
for key, value in (("lm_n", 3), ("lm_k", 0.1)):
    urlstate.start_value(key, value)
c_n, c_k, c_m = st.columns([2, 2, 2], vertical_alignment="bottom")
n = c_n.slider("n (window = n−1 characters)", 1, MAX_N, key="lm_n", **BOUND)
k = c_k.select_slider(
    "Smoothing k", K_VALUES, key="lm_k", help="Add-k: every count gets +k.", **BOUND
)
method = controls.choose(
    c_m, "segmented_control", "Combine orders", ngram.METHODS, key="lm_method", default="backoff"
)
model_ng = ngram.NGram(lm_parts.counts(), n, k, method)
bar = st.progress(0.0, text="Scoring the n-gram models on held-out text…")
ppls = []
for i in range(1, MAX_N + 1):
    ppls.append(lm_parts.ngram_ppl(i, k, method))
    bar.progress(i / MAX_N, text=f"Scored n = {i}")
bar.empty()
rnn_ppl = lm_parts.pretrained_ppl("lstm")
rnn_model = loaders.trained_model("lstm")
n_params = training.num_parameters(rnn_model)
sizes = [lm_parts.counts().num_counts(i) for i in range(1, MAX_N + 1)]
# the live equation, then (lecture mode: after the charts) the metrics
st.latex(lm_parts.perplexity_tex(n, ppls[n - 1], rnn_ppl))
first, second = st.container(), st.container()
metrics_box, charts_box = (second, first) if frame.lecture_on() else (first, second)
with metrics_box:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        f"{n}-gram held-out perplexity",
        "∞" if not math.isfinite(ppls[n - 1]) else f"{ppls[n - 1]:.2f}",
    )
    m2.metric("LSTM (pretrained) perplexity", f"{rnn_ppl:.2f}")
    m3.metric(f"{n}-gram: counts stored", f"{sizes[n - 1]:,}")
    m4.metric("LSTM: parameters", f"{n_params:,}")
    if not math.isfinite(ppls[n - 1]):
        st.warning(
            "With k = 0 some held-out character gets probability 0, so the perplexity is infinite: smoothing exists for exactly this.",
            icon=":material/all_inclusive:",
        )
with charts_box:
    labels = [f"{i}-gram" for i in range(1, MAX_N + 1)] + ["LSTM"]
    c_ppl, c_mem = st.columns(2)
    with c_ppl:
        lesson.chart(
            lfigs.perplexity_bars(
                labels, ppls + [rnn_ppl], highlight=n - 1, title="Held-out perplexity"
            ),
            key="lm_ppl_bars",
            how=f"lower is better; every model is scored on the last 10 % of the book ({len(HELDOUT):,} characters), never seen in training. Blue is the current n.",
        )
    with c_mem:
        lesson.chart(
            lfigs.memory_bars(
                labels, sizes + [n_params], highlight=n - 1, title="Memory: numbers stored"
            ),
            key="lm_mem_bars",
            how="n-grams store one count per (context, next character) pair seen; the LSTM stores its weight matrices, whatever the context length (log scale).",
        )
lesson.more("How the n-gram model counts, smooths and backs off", "lm_ngram")

st.subheader("The Markov window, with its counts")
urlstate.start_value("lm_sentence", "the time traveller smiled")
sentence = st.text_input("A sentence", key="lm_sentence", max_chars=MAX_SENTENCE, **BOUND).lower()
chars = tokenize(sentence, "char")
if len(chars) < 2:
    st.info("Type at least two characters to see a prediction.", icon=":material/edit:")
else:
    # persist_state="page" below: a slider keeps its place while a short text hides it
    urlstate.clamp("lm_pos", 1, len(chars) - 1)
    urlstate.start_value("lm_pos", len(chars) - 1)
    if len(chars) > 2:
        t = st.slider(
            "Predict the character at position t",
            1,
            len(chars) - 1,
            key="lm_pos",
            persist_state="page",
            **BOUND,
        )
    else:
        t = 1  # one position to predict: no slider
    lesson.chart(
        lfigs.markov_window(chars, t, n),
        key="lm_markov",
        how=f"the {n}-gram model sees only the blue box(es) — the last {n - 1} characters — and predicts the yellow one; everything greyed out is invisible to it. The RNN has read it all.",
    )
    ctx, w = chars[max(0, t - n + 1) : t], chars[t]
    for equation in lm_parts.window_equations(model_ng, ctx, w):
        st.latex(equation)
    used = model_ng.terms(ctx, w)[0].context
    if method == "backoff" and tuple(used) != tuple(ctx):
        st.caption(
            f"The context “{md_escape(''.join(ctx))}” never occurs in training, so the model backed off to “{md_escape(''.join(used)) or '(nothing)'}”."
        )
    col_ng, col_rnn = st.columns(2)
    with col_ng:
        dist = model_ng.distribution(ctx)
        lesson.chart(
            topk_bar(
                dist,
                model_ng.counts.vocab.idx_to_token,
                k=5,
                actual=w,
                title=f"{n}-gram: next character",
            ),
            key="lm_ng_topk",
            how="the five most likely next characters from the counts; the blue bar is the character that really comes next.",
        )
    with col_rnn:
        roll = lm.rollout(rnn_model, sentence[: t + 1])
        lesson.chart(
            topk_bar(
                roll.probs[t - 1],
                rnn_model.vocab.idx_to_token,
                k=5,
                actual=w,
                title="LSTM: next character",
            ),
            key="lm_rnn_topk",
            how="the same question to the pretrained LSTM, which has read the whole sentence up to t.",
        )

st.subheader("What each one writes")
urlstate.start_value("lm_ng_seed", 0)
c_pre, c_seed = st.columns([3, 1])
prompt = c_pre.text_input("Start from", value="the time ", key="lm_ng_prompt", max_chars=60).lower()
ng_seed = c_seed.number_input("Seed", 0, 999, key="lm_ng_seed", **BOUND)
g1, g2 = st.columns(2)
with g1, st.container(border=True, key="lm_ng_sample"):
    st.markdown(f"**{n}-gram ({method}, k = {k:g})**")
    st.code(
        prompt + "".join(model_ng.sample(tokenize(prompt, "char"), 160, seed=int(ng_seed))),
        language=None,
        wrap_lines=True,
    )
with g2, st.container(border=True, key="lm_rnn_sample"):
    st.markdown("**LSTM (pretrained), temperature 1**")
    st.code(
        prompt + lm.generate(rnn_model, prompt, 160, temperature=1.0, seed=int(ng_seed)),
        language=None,
        wrap_lines=True,
    )
lesson.how_to_read(
    "both continue the same prompt by sampling one character at a time from their own distribution; same seed, same length."
)

# === 2. live training ====================================================================
st.header("2 · Train your own character model, live")
lesson.more("What one training step does", "lm_training")
# Stop lives outside the fragment on purpose: a click inside a fragment waits for the
# running fragment to finish, a click outside it interrupts the run at once.
if st.button(
    "Stop training",
    key="lm_stop",
    icon=":material/stop:",
    help="Stops the run between two steps; the model keeps what it has learned.",
):
    live.stop(st.session_state.get("lm_run") or {})
lm_parts.training_area()
lesson.how_to_read(
    "left: the loss of every minibatch (grey) and its running mean; right: perplexity = exp(loss), training (blue) and held-out (red). A growing gap means overfitting. Samples are printed every few hundred steps."
)

# === 3. generation ======================================================================
st.header("3 · Generate: greedy, temperature, top-k")
mine = lm_parts.my_model(st.session_state.get("lm_run"))
choices = ("pretrained LSTM", "my model") if mine is not None else ("pretrained LSTM",)
urlstate.start_value("lm_gen_model", choices[0])
if st.session_state.get("lm_gen_model") not in choices:
    st.session_state["lm_gen_model"] = choices[0]
who = st.segmented_control("Model", choices, required=True, key="lm_gen_model")
model = mine if who == "my model" else rnn_model
if mine is None:
    st.caption(
        "Train a model above to generate with it; until then the pretrained LSTM (H = 128) answers."
    )
for key, value in (("lm_temperature", 0.8), ("lm_top_k", 0), ("lm_gen_seed", 0)):
    urlstate.start_value(key, value)
c_p, c_t, c_k, c_s = st.columns([3, 2, 2, 1])
gprompt = c_p.text_input(
    "Prompt", value="the time traveller ", key="lm_gen_prompt", max_chars=100
).lower()
temperature = c_t.slider(
    "Temperature τ", 0.0, 2.0, step=0.05, key="lm_temperature", help="0 = greedy.", **BOUND
)
top_k = c_k.slider("Top-k (0 = all)", 0, len(model.vocab) - 1, key="lm_top_k", **BOUND)
gseed = c_s.number_input("Seed", 0, 999, key="lm_gen_seed", **BOUND)
st.code(
    gprompt + lm.generate(model, gprompt, 200, temperature, int(top_k), int(gseed)),
    language=None,
    wrap_lines=True,
)
o = lm.next_logits(model, gprompt)
vocab = model.vocab.idx_to_token
if temperature > 0:
    p_1 = sampling.distribution(o, 1.0)
    scaled = sampling.distribution(o, temperature, int(top_k))
    top = int(scaled.argmax())
    st.latex(
        rf"P_\tau(x) = \frac{{\exp(o_x/\tau)}}{{\sum_{{x'}}\exp(o_{{x'}}/\tau)}}:\quad P_{{1}}({latex.char(vocab[top])}) = {float(p_1[top]):.3f}\ \to\ P_{{\tau = {temperature:g}}} = {float(scaled[top]):.3f}"
    )
    lesson.chart(
        topk_bar(scaled, vocab, k=8, title="The first character's distribution after τ and top-k"),
        key="lm_gen_topk",
        how="the distribution the first generated character is drawn from; lower τ sharpens it towards greedy, higher τ flattens it, top-k cuts the tail.",
    )
else:
    st.latex(r"\tau \to 0:\ x_{t+1} = \arg\max_x o_x\quad\text{(greedy)}")

# === 4. teacher forcing vs free running ===================================================
st.header("4 · Teacher forcing vs free running")
lesson.more("Why the two differ", "lm_forcing", expanded=True)
urlstate.start_value(
    "lm_tf_text", "the time traveller smiled round at us then still smiling faintly"
)
ftext = st.text_input(
    "Text (the targets)", key="lm_tf_text", max_chars=MAX_FORCING, **BOUND
).lower()
if len(ftext) < 3:
    st.info("Type at least three characters.", icon=":material/edit:")
else:
    T = len(ftext) - 1
    urlstate.clamp("lm_free_from", 1, T)
    urlstate.clamp("lm_tf_step", 0, T - 1)
    urlstate.start_value("lm_free_from", min(8, T))
    urlstate.start_value("lm_tf_step", 0)
    c_f, c_s = st.columns(2)
    free_from = c_f.slider(
        "Free running after this many true characters",
        1,
        T,
        key="lm_free_from",
        persist_state="page",
        **BOUND,
    )
    step = c_s.slider("Step t", 0, T - 1, key="lm_tf_step", persist_state="page", **BOUND)
    forced = lm.rollout(model, ftext)
    free = lm.rollout(model, ftext, free_from=free_from)
    st.latex(
        rf"\text{{teacher forced: }} \bar\ell = {forced.mean_loss:.3f},\ e^{{\bar\ell}} = {math.exp(forced.mean_loss):.2f}\qquad"
        rf"\text{{free running: }} \bar\ell = {free.mean_loss:.3f},\ e^{{\bar\ell}} = {math.exp(free.mean_loss):.2f}"
    )
    for name, r in (("Teacher forced", forced), ("Free running", free)):
        p_t = (
            float(r.probs[step][vocab.index(r.targets[step])]) if r.targets[step] in vocab else 0.0
        )
        st.markdown(
            f"**{name}**, step {step}: input {controls.token_md(r.inputs[step])}, most likely next {controls.token_md(vocab[int(r.probs[step].argmax())])}, target {controls.token_md(r.targets[step])} with P = {p_t:.3f}, loss −log P = {float(r.losses[step]):.3f}"
        )
        lesson.chart(
            lfigs.rollout_figure(
                r.inputs,
                r.targets,
                r.probs,
                r.losses,
                vocab,
                free_from=r.free_from,
                step=step,
                title=name,
            ),
            key=f"lm_roll_{name[:4].lower()}",
            how="each column is one step: the colour is the model's probability for each next character, the red ring is the true next character, the bars below are −log P(true). Orange inputs were the model's own output.",
        )

lesson.try_this("lm_try")
lesson.show_code(
    lm_training.Trainer.loss, training.Trainer.step, lm_training.fit, lm.rollout, ngram.NGram.terms
)
quiz.check_yourself("lm")
share.share_box(
    hideable=("lm_n", "lm_k", "lm_method", "lm_sentence", "lm_pos", "lm_gen_model", "sidebar")
)
lesson.lab_links("lm")
