"""The tagging lab's parts: cached models, readings and held-out reports, the live
equation, the "Teddy" comparison and the live-training area.

Only read-only results are cached and shared; a student's run lives in
``st.session_state["tag_run"]``, and once it has a state its tagger is a choice beside the
shipped ones (``MINE``), read without the shared caches.
"""

import streamlit as st

from app import controls, live, loaders
from seqviz import (
    checkpoints,
    jobs,
    latex,
    ner_data,
    spans,
    tagger,
    tagger_training,
    training,
)
from seqviz.figures import tagging as tfigs
from seqviz.ner_data import TAGS, TYPES

FIRST = 1  # words count from 1: x_1 … x_T
MODELS = {"BiLSTM": "ner-bilstm", "Forward LSTM": "ner-lstm"}
MINE = "Yours"  # the tagger the student trains at the bottom of the page
DEFAULT_TEXT = "Teddy Roosevelt was a president of the United States ."
EXAMPLES = ("Teddy bears are on sale", "Teddy Roosevelt was a president")
MAX_SECONDS = 60  # one Train press trains at most this long
HELP = (
    "Type a sentence in English and press Ctrl+Enter (or click outside the box). Words and "
    "punctuation are split as the corpus splits them; a word the model never saw in training "
    "becomes <unk>, and only its shape (Capitalised, ALL CAPS, digits, ...) is left."
)


# --- cached, read-only (shared by every session) --------------------------------------
def model(name: str) -> tagger.Tagger:
    """The trained checkpoint (or, if it is missing, the same tagger untrained)."""
    if loaders.has_checkpoint(name):
        return loaders.trained_model(name)
    return loaders.untrained_model(name)


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def reading(name: str, words: tuple[str, ...]) -> tagger.Reading:
    return tagger.read(model(name), words)


@st.cache_resource(max_entries=4, show_spinner="Tagging the held-out sentences…")
def heldout_report(name: str) -> dict:
    """Scores per type, confusion matrix and frequent errors of ``name`` on held-out data,
    beside the per-word baseline."""
    return report_of(model(name))


# --- the student's own tagger (session state, never in the shared caches) ---------------
def my_run() -> dict | None:
    """The session's run once it has trained; its tagger is built once per state
    (``run["model"]``) and the Tagger control switches to it right after a run ends."""
    run = st.session_state.get("tag_run")
    if run is None or not run.get("state"):
        return None
    if "model" not in run or run.get("model_step") != run["state"]["step"]:
        run["model"] = tagger_training.model_of(run["config"], run["state"])
        run["model_step"] = run["state"]["step"]
        run.pop("report", None)
        st.session_state["_tag_show_mine"] = True
    return run


def choose_tagger(where, run: dict | None) -> str:
    """The Tagger control: the two shipped taggers, and the student's once trained."""
    options = [*MODELS, *([MINE] if run else [])]
    if st.session_state.pop("_tag_show_mine", False) and run is not None:
        st.session_state["tag_model"] = MINE  # just trained: every section uses it
    if st.session_state.get("tag_model", "BiLSTM") not in options:
        st.session_state["tag_model"] = "BiLSTM"
    return controls.choose(
        where,
        "segmented_control",
        "Tagger",
        options,
        key="tag_model",
        default="BiLSTM",
        help="BiLSTM: each word's tag reads the states of both directions. Forward LSTM: "
        "only the left-to-right state (what came before, and the word itself). Yours: the "
        "tagger you train at the bottom of the page (once it has trained).",
    )


def read_with(label: str, words: tuple[str, ...], run: dict | None) -> tagger.Reading:
    """The chosen tagger's reading of ``words`` (the shipped ones cached)."""
    if label == MINE and run is not None:
        return tagger.read(run["model"], words)
    return reading(MODELS[label], words)


def report_with(label: str, run: dict | None) -> dict:
    """The chosen tagger's held-out report (the student's kept in its run, once per state)."""
    if label == MINE and run is not None:
        if "report" not in run:
            run["report"] = report_of(run["model"])
        return run["report"]
    return heldout_report(MODELS[label])


def report_of(m: tagger.Tagger) -> dict:
    """Scores per type, confusion matrix and frequent errors of ``m`` on held-out data,
    beside the per-word baseline."""
    sentences = ner_data.load("heldout")
    gold = [list(s.tags) for s in sentences]
    result = tagger_training.evaluate(m, sentences)
    pred = result["predicted"]
    return {
        "scores": result["scores"],
        "token_accuracy": result["token_accuracy"],
        "baseline": spans.report(gold, tagger_training.word_tags(sentences), TYPES),
        "majority_accuracy": spans.token_accuracy(gold, tagger_training.majority_tags(sentences)),
        "confusion": spans.confusion(gold, pred, TAGS),
        "errors": spans.frequent_errors([s.words for s in sentences], gold, pred, n=12),
        "n_sentences": len(sentences),
    }


def score_rows(report: dict) -> list[dict]:
    """One row per entity type (and all): the model's P / R / F1 and the baseline's F1."""
    rows = []
    for kind in (*TYPES, "all"):
        s, b = report["scores"][kind], report["baseline"][kind]
        rows.append(
            {
                "type": kind,
                "gold spans": s.gold,
                "predicted": s.predicted,
                "correct": s.correct,
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
                "F1": round(s.f1, 3),
                "baseline F1": round(b.f1, 3),
            }
        )
    return rows


def error_rows(report: dict) -> list[dict]:
    return [
        {"word": w, "gold tag": g, "predicted": p, "times": n} for w, g, p, n in report["errors"]
    ]


@st.cache_resource(max_entries=4, show_spinner=False)
def teddy_rows() -> list[dict]:
    """What each model tags the first word "Teddy" in the two example sentences."""
    rows = []
    for label, name in MODELS.items():
        for sentence in EXAMPLES:
            r = reading(name, tuple(tagger.words_of(sentence)))
            k = int(r.probs[0].argmax())
            rows.append(
                {
                    "model": label,
                    "sentence": sentence,
                    "tag of “Teddy”": TAGS[k],
                    "p(tag)": round(float(r.probs[0, k]), 3),
                    "p(B-PER)": round(float(r.probs[0, TAGS.index("B-PER")]), 3),
                }
            )
    return rows


def heldout_rows() -> list[dict]:
    """Each shipped tagger's held-out scores as its checkpoint record states them."""
    rows = []
    for label, name in MODELS.items():
        if not loaders.has_checkpoint(name):
            continue
        m = checkpoints.info(name)["metrics"]
        rows.append(
            {
                "tagger": label,
                "entity F1": m["heldout_entity_f1"],
                "token accuracy": m["heldout_token_accuracy"],
                "per-word baseline F1": m["baseline_word_entity_f1"],
                "all-O token accuracy": m["baseline_majority_token_accuracy"],
            }
        )
    return rows


# --- the live equation -------------------------------------------------------------------
def split_tex(r: tagger.Reading, i: int, k: int, braces: bool = True) -> str:
    """z_{t,k} = W→_k h→_t + W←_k h←_t + b_k with this word's numbers (i 0-based);
    ``braces``: "forward" / "backward" written under the two terms (a line taller)."""
    t, tag = i + FIRST, latex.escape(TAGS[k])
    # row k of W→ and W← (the tag's own weights), and its bias
    W_f, W_b = (rf"W^{{{a}}}_{{\text{{{tag}}}}}" for a in (r"\rightarrow", r"\leftarrow"))
    b_k = rf"b_{{\text{{{tag}}}}}"
    z = float(r.logits[i, k])
    fwd, b = float(r.fwd_part[i, k]), float(r.bias[k])

    def part(term: str, name: str) -> str:
        return rf"\underbrace{{{term}}}_{{\text{{{name}}}}}" if braces else term

    forward = part(rf"{W_f}\,\overrightarrow{{h}}_{{{t}}}", "forward")
    if r.bwd_part is None:
        return (
            rf"z_{{{t},\text{{{tag}}}}} = {forward} + {b_k} = {latex.num(fwd)} + "
            rf"{latex.pnum(b)} = {latex.num(z)}"
        )
    bwd = float(r.bwd_part[i, k])
    backward = part(rf"{W_b}\,\overleftarrow{{h}}_{{{t}}}", "backward")
    return (
        rf"z_{{{t},\text{{{tag}}}}} = {forward} + {backward} + {b_k} = {latex.num(fwd)} + "
        rf"{latex.pnum(bwd)} + {latex.pnum(b)} = {latex.num(z)}"
    )


def softmax_tex(r: tagger.Reading, i: int, k: int) -> str:
    """p(y_t = k) = e^{z_k} / Σ_j e^{z_j} with the numbers."""
    t, tag = i + FIRST, latex.escape(TAGS[k])
    z = r.logits[i]
    denominator = float(z.exp().sum())
    return (
        rf"p(y_{{{t}}} = \text{{{tag}}}) = \frac{{e^{{z_{{{t},\text{{{tag}}}}}}}}}"
        rf"{{\sum_{{j=1}}^{{{len(TAGS)}}} e^{{z_{{{t},j}}}}}} = "
        rf"\frac{{{latex.sci(float(z[k].exp()))}}}{{{latex.sci(denominator)}}} = "
        rf"{latex.num(float(r.probs[i, k]))}"
    )


def step_label(r: tagger.Reading, i: int) -> str:
    word = r.words[i].replace("`", "'")
    unk = " — **unknown to the model** (<unk>: only its shape is left)" if r.unknown[i] else ""
    return (
        f"Word {i + FIRST} of {len(r.words)}: `{word}` ({r.shapes[i]}){unk}: tagged "
        f"**{r.tags[i]}** with p = {float(r.probs[i].max()):.3f}"
    )


# --- live training (the session's own run, trained in the pool of worker processes) ----
def train_live(run: dict, config: tagger.TaggerConfig) -> None:
    """Queue the session's run to continue for up to MAX_SECONDS in a training worker."""
    live.start(run, tagger_training.fit, config, MAX_SECONDS)


def history(h: dict) -> training.History:
    """A fit state's history (a dict of lists) as a History."""
    out = training.History()
    out.steps, out.losses = list(h["steps"]), list(h["losses"])
    out.eval_steps, out.heldout = list(h["eval_steps"]), list(h["heldout"])
    out.tokens, out.seconds = h["tokens"], h["seconds"]
    return out


def draw_job(run: dict, status: jobs.Status) -> None:
    """The running job (inside the polling fragment): its place in the queue or its step,
    and the curves so far (the run's last state followed by the steps streamed since)."""
    config, base = run["config"], (run.get("base") or {}).get("history")
    h = jobs.history_of(status, history(base) if base else None)
    wait = live.waiting_text(status)
    st.progress(
        0.0 if wait else min(1.0, h.step / config.steps),
        text=wait or f"Training… step {h.step:,} of {config.steps:,}",
    )
    if h.step:
        with st.container(key="tag_live_curve"):
            st.plotly_chart(tfigs.f1_curve(h.eval_steps, h.heldout, h.losses), theme=None)


def status(run: dict, config: tagger.TaggerConfig) -> str:
    step = run["state"]["step"]
    if step >= config.steps:
        return f"finished: {step:,} steps"
    ended = live.outcome(run)
    if ended == "paused":
        return f"paused after {MAX_SECONDS} s at step {step:,} — press Train to continue"
    return f"stopped at step {step:,} of {config.steps:,} — press Train to continue"
