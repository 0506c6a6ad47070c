"""The Seq2seq & attention lab's caches, live equations and input checks.

Notation (the lecture's): source x_1 … x_S (ending in <eos>), encoder states
h_1 … h_S, decoder states s_0 = h_S, s_1, …; output step t = 1, 2, … The core's
traces count from 0: step ``i`` of a :class:`~seqviz.seq2seq.Decoding` is t = i + 1.
"""

import streamlit as st

from app import lesson, live
from seqviz import beam, checkpoints, jobs
from seqviz import seq2seq_training as s2s
from seqviz import translation_data as data
from seqviz.figures import seq2seq as sfigs
from seqviz.latex import num, text, word
from seqviz.seq2seq import ATTENTIONS, NAMES, greedy

SHORT_NAMES = {"none": "no attention", "additive": "additive", "dot": "dot product"}
TASKS = {"copy": "Copy letters (synthetic)", "fra-eng": "English → French (Tatoeba)"}
DEFAULT_INPUT = {"copy": "blackhorsejumpy", "fra-eng": "i love this job ."}
MAX_INPUT = {"copy": 24, "fra-eng": 80}
SHOWN_TERMS = 2  # terms of a sum written out before "+ …"
MEASURE = {"copy": "token accuracy", "fra-eng": "BLEU-2"}


def code_tokens(tokens) -> str:
    """Tokens as inline code spans (a backtick inside one becomes a quote)."""
    return " ".join("`" + tok.replace("`", "'") + "`" for tok in tokens)


def name(task: str, attention: str) -> str:
    return s2s.checkpoint_name(task, attention)


def missing(task: str) -> list[str]:
    """Checkpoints of ``task`` whose files are absent."""
    have = checkpoints.available()
    return [name(task, a) for a in ATTENTIONS if name(task, a) not in have]


@st.cache_resource(max_entries=8, show_spinner="Loading the trained model…")
def translator(task: str, attention: str) -> s2s.Translator:
    """The pretrained model (shared by every user: never modify it)."""
    return checkpoints.load(name(task, attention))


def record(task: str, attention: str) -> dict:
    return checkpoints.info(name(task, attention))


MIN_PAIRS = 20  # source lengths with fewer held-out pairs are left off the chart


def pairs_per_length(task: str) -> dict[int, int]:
    """Source length -> held-out pairs of that length."""
    counts: dict[int, int] = {}
    for source, _ in data.load(task).heldout:
        counts[len(source)] = counts.get(len(source), 0) + 1
    return counts


def by_length(task: str) -> dict[str, dict[int, float]]:
    """attention -> source length -> held-out measure, as each checkpoint recorded it
    (lengths with at least :data:`MIN_PAIRS` held-out pairs)."""
    counts = pairs_per_length(task)
    return {
        a: {
            int(n): v
            for n, v in record(task, a)["metrics"]["by_source_length"].items()
            if counts[int(n)] >= MIN_PAIRS
        }
        for a in ATTENTIONS
    }


def source_tokens(task: str, raw: str) -> tuple[list[str], list[str]]:
    """The typed input as source tokens, and the problems found (for a message)."""
    raw = "".join(ch for ch in raw if ch.isprintable() or ch.isspace())
    cut = []
    if len(raw) > MAX_INPUT[task]:
        cut = [f"the input was cut to its first {MAX_INPUT[task]} characters"]
        raw = raw[: MAX_INPUT[task]]
    tokens, notes = _source_tokens(task, raw)
    return tokens, cut + notes


def _source_tokens(task: str, raw: str) -> tuple[list[str], list[str]]:
    if task == "copy":
        letters = [ch for ch in raw.lower() if not ch.isspace()]
        notes = []
        bad = sorted({ch for ch in letters if ch not in data.LETTERS})
        if bad:
            notes.append(f"only the letters a–z are read; {', '.join(bad)} became <unk>")
        if len(set(letters)) < len(letters):
            notes.append("the model was trained on letters that do not repeat")
        lo, hi = data.COPY_LENGTHS
        if not lo <= len(letters) <= hi:
            notes.append(f"the model was trained on {lo}–{hi} letters, this is {len(letters)}")
        return letters, notes
    tokens = data.tokens(raw)
    vocab = translator(task, "additive").pairs.src_vocab
    unknown = [tok for tok in tokens if tok not in vocab]
    notes = (
        [f"not in the training vocabulary, read as <unk>: {', '.join(unknown)}"] if unknown else []
    )
    return tokens, notes


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def decoding(task: str, attention: str, tokens: tuple[str, ...]):
    tr = translator(task, attention)
    return greedy(tr.model, tr.source_ids(tokens), tr.pairs.src_vocab, tr.pairs.tgt_vocab, 20)


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def beam_search(task: str, attention: str, tokens: tuple[str, ...], width: int, alpha: float):
    tr = translator(task, attention)
    return beam.search(tr.model, tr.source_ids(tokens), tr.bos, tr.eos, width, 20, alpha)


# --- live equations ---------------------------------------------------------------------


def _sum(terms: list[str]) -> str:
    shown = " + ".join(terms[:SHOWN_TERMS]).replace("+ -", "- ")
    return shown + (r" + \dots" if len(terms) > SHOWN_TERMS else "")


def score_tex(d, t: int, attention: str, v: list[float] | None = None) -> list[str]:
    """The score, softmax and context equations of step t (0-based) with their numbers.

    ``v``: the additive model's v (its one row), for the additive score.
    """
    step = d.steps[t]
    T = t + 1
    S = len(d.source)
    i = int(step.alpha.argmax())  # the source position written out in full
    I = i + 1
    lines = []
    if attention == "none":
        h = d.h[-1]
        lines.append(
            rf"c_{{{T}}} = h_{{{S}}} = ({', '.join(num(float(x)) for x in h[:SHOWN_TERMS])}, \dots)"
            r"\quad\text{(the same vector at every step: no attention)}"
        )
        return lines
    if attention == "additive":
        pre = step.Wq_s + d.Wk_h[i]
        terms = [
            rf"{num(float(step_v))}\tanh({num(float(p))})"
            for step_v, p in zip(v or [], pre, strict=False)
        ]
        lines.append(
            rf"e_{{{T},{I}}} = v^\top \tanh(W_q s_{{{T - 1}}} + W_k h_{{{I}}}) = "
            + _sum(terms)
            + rf" = {num(float(step.e[i]))}"
        )
    else:
        terms = [
            rf"{num(float(a))}\cdot{num(float(b))}"
            for a, b in zip(step.s_prev, d.h[i], strict=False)
        ]
        lines.append(
            rf"e_{{{T},{I}}} = s_{{{T - 1}}} \cdot h_{{{I}}} = "
            + _sum(terms)
            + rf" = {num(float(step.e[i]))}"
        )
    exps = [rf"e^{{{num(float(e))}}}" for e in step.e]
    lines.append(
        rf"\alpha_{{{T},{I}}} = \frac{{e^{{e_{{{T},{I}}}}}}}{{\sum_{{i=1}}^{{{S}}} e^{{e_{{{T},i}}}}}}"
        rf" = \frac{{e^{{{num(float(step.e[i]))}}}}}{{{_sum(exps)}}} = {num(float(step.alpha[i]))}"
    )
    c_terms = [
        rf"{num(float(a))}\cdot{num(float(h[0]))}" for a, h in zip(step.alpha, d.h, strict=False)
    ]
    lines.append(
        rf"c_{{{T}}} = \sum_{{i=1}}^{{{S}}} \alpha_{{{T},i}} h_i,\quad c_{{{T},1}} = "
        + _sum(c_terms)
        + rf" = {num(float(step.c[0]))}"
    )
    return lines


def output_tex(d, t: int, vocab) -> str:
    step = d.steps[t]
    T = t + 1
    return (
        rf"p(y_{{{T}}} = {word(vocab.to_tokens(step.token))} \mid y_{{<{T}}}, x)"
        rf" = \mathrm{{softmax}}(W_o s_{{{T}}} + b_o) = {num(float(step.probs[step.token]))}"
    )


def model_names() -> dict[str, str]:
    return dict(NAMES)


# --- sections ---------------------------------------------------------------------------


def bottleneck_tex(scores: dict, n: int, measure: str) -> str:
    """The three models' measure at the longest source length, as one short line."""
    short = {"none": "no attention", "additive": "additive", "dot": "dot product"}
    parts = [rf"\text{{{short[a]} }}{num(scores[a][n])}" for a in ATTENTIONS if n in scores[a]]
    return rf"\text{{{measure} at }} S = {n}:\quad " + r",\quad ".join(parts)


def bottleneck_caption(task: str) -> str:
    """What the chart shows on this task (each sentence checked by tests/test_claims_seq2seq.py)."""
    if task == "copy":
        return (
            "Without attention the accuracy falls as the source grows; additive attention "
            "stays high at every length; dot-product attention does not fall with length "
            "either — it is weakest on the shortest sources."
        )
    return (
        "On these short sentences additive attention scores highest at every length, 0.03–0.05 "
        "BLEU-2 above the other two, and all three models score lowest on the longest (6-token) "
        "sentences; the "
        "pairs are too short to show the bottleneck plainly — the copy task shows it."
    )


def translation_note() -> str:
    """What the small translation models can and cannot do, with their recorded scores
    (each sentence checked by tests/test_claims_seq2seq.py)."""
    config = record("fra-eng", "additive")["config"]
    scores = ", ".join(
        f"{SHORT_NAMES[a]} {record('fra-eng', a)['metrics']['heldout']:.2f}" for a in ATTENTIONS
    )
    return (
        f"**What these small models can do.** Each is a GRU encoder–decoder with H = "
        f"{config['hidden_size']}, trained for {config['steps']} steps on one CPU thread. They "
        "handle short, common sentences: the default was held out of training, and the "
        "additive model translates it word for word. But fewer than 1 in 20 held-out "
        "sentences come out word for word: the models often pick a wrong noun or adjective "
        f"and write `<unk>` for rare words. Held-out BLEU-4: {scores}. Watch what the "
        "attention reads rather than judging the French."
    )


def render_step(d, t: int, tr: s2s.Translator, attention: str) -> None:
    """Everything the step-through draws for output step t (0-based)."""
    step = d.steps[t]
    left, right = st.columns([3, 2])
    with left:
        lesson.chart(
            sfigs.source_bars(
                step.alpha.numpy(),
                list(d.source),
                title=f"α<sub>{t + 1},i</sub>: where step {t + 1} looks",
                height=330,
            ),
            key="s2s_weights",
            how="one bar per source token: the weight α of its encoder state h_i in the context "
            "c_t. They sum to 1. Without attention the whole weight is on h_S, the last state.",
        )
    with right:
        top = step.probs.topk(5)
        st.markdown(f"**Output step t = {t + 1}** writes {code_tokens([d.output[t]])}")
        st.dataframe(
            {
                "token": tr.pairs.tgt_vocab.to_tokens(top.indices.tolist()),
                "p": [round(float(p), 4) for p in top.values],
            },
            hide_index=True,
            key="s2s_top",
        )
    v = tr.model.v.weight[0].tolist() if attention == "additive" else None
    for line in score_tex(d, t, attention, v):
        st.latex(line)
    st.latex(output_tex(d, t, tr.pairs.tgt_vocab))
    lesson.chart(
        sfigs.context_strip(d.h.numpy(), step.c.numpy(), list(d.source), step.alpha.numpy()),
        key="s2s_context",
        how="rows: the encoder states h_1 … h_S (one number per unit, blue < 0 < red) and, "
        "under the line, the context c_t — their average weighted by α.",
    )
    lesson.chart(
        sfigs.alignment(
            d.alignment.numpy(),
            list(d.output),
            list(d.source),
            step=t,
            title="The alignment: α for every output token",
        ),
        key="s2s_alignment",
        how="row t = the weights step t put on each source token (the bars above are the "
        "orange row); a clean diagonal means the model reads the source in order.",
    )


def beam_tex(search: beam.Search, names, d, greedy_logp: float) -> list[str]:
    """The answer of the beam and of greedy decoding, with their log-probabilities."""

    def words(ids) -> str:
        return text(" ".join(names[i] for i in ids), limit=60)

    return [
        rf"\text{{beam, }} k = {search.width}:\ {words(search.best.tokens)},"
        rf"\quad \log p = {num(search.best.logp)}",
        rf"\text{{greedy:}}\ {words([s.token for s in d.steps])},\quad \log p = {num(greedy_logp)}",
    ]


def finished_table(search: beam.Search, names) -> dict:
    """Every hypothesis that ended in <eos> (or was cut at the length limit), best score first."""
    done = [c for step in search.steps for c in step if c.kept and c.finished]
    if not done or search.best not in done:
        done.append(search.best)
    done.sort(key=search.score, reverse=True)
    return {
        "output": [" ".join(names[i] for i in c.tokens) for c in done],
        "length L": [len(c.tokens) for c in done],
        "log p": [round(c.logp, 4) for c in done],
        "score log p / L^a": [round(search.score(c), 4) for c in done],
    }


# --- live training: teacher forcing vs free running (the session's own runs) -------------

TRAIN_STEPS = 600  # steps planned per run (the copy task)
FORCING = {1.0: "teacher forcing", 0.0: "free running"}


def train_config(attention: str, forcing: float) -> s2s.FitConfig:
    return s2s.FitConfig(task="copy", attention=attention, forcing=forcing, steps=TRAIN_STEPS)


def session_runs() -> dict:
    """This session's runs: FitConfig -> {"state": fit's dict or None, "outcome": ...,
    "job": its job in the training pool while it waits or trains}."""
    return st.session_state.setdefault("_s2s_runs", {})


def train(config: s2s.FitConfig, seconds: float) -> dict:
    """Queue the session's run of ``config`` to continue (or start) for at most ``seconds``
    in a training worker; a run of other settings still training is stopped first (one
    training at a time per student)."""
    runs = session_runs()
    for other in runs.values():
        live.stop(other)
    run = runs.setdefault(config, {"state": None})
    live.start(run, s2s.fit, config, seconds)
    return run


def active(runs: dict) -> tuple[s2s.FitConfig, dict] | None:
    """A run that waits or trains (a run stopped for another ends within a step; then the
    other one is followed)."""
    going = [(c, r) for c, r in runs.items() if live.running(r)]
    return going[-1] if going else None


def draw_job(config: s2s.FitConfig, run: dict, status) -> None:
    """The running job (inside the polling fragment): its place in the queue or its step,
    and every run's curves, this one's as streamed so far."""
    base = (run.get("base") or {}).get("history")
    h = jobs.history_of(status, s2s.history_of_dict(base))
    wait = live.waiting_text(status)
    st.progress(
        0.0 if wait else min(1.0, h.step / config.steps),
        text=wait or f"Step {h.step} of {config.steps}",
    )
    histories = {c: r["state"]["history"] for c, r in session_runs().items() if r.get("state")}
    histories[config] = s2s.history_dict(h)
    with st.container(key="s2s_live_curves"):
        st.plotly_chart(curves(histories), theme=None)


def curves(histories: dict):
    """Loss and held-out accuracy curves of the runs' histories, one colour per run."""
    shown = list(histories.items())
    return sfigs.training_curves(
        [h["losses"] for _, h in shown],
        [h["eval_steps"] for _, h in shown],
        [h["heldout"] for _, h in shown],
        measure="token accuracy",
        labels=[f"{NAMES[c.attention]}, {FORCING[c.forcing]}" for c, _ in shown],
        eval_every=s2s.EVAL_EVERY,
    )
