"""Step-through exercises: predict a number or an outcome, then check it against the model.

Every exercise is generated from a seed and the live core: the numbers in the
question are read off a real trace (``seqviz.recurrent.trace``), a real gradient
(``seqviz.gradients``), a real vocabulary (``seqviz.text``) and so on, and the
answer is the value the core computes. So every student can get different
numbers (a different seed), a tutor's link fixes them (the same seed), and a
wrong number on screen would fail the same tests as the lab that shows it.

The exercises are grouped into sets in lecture order (:data:`SETS`); the
generators live next to the labs they serve (``exercises_text.py``,
``exercises_recurrent.py``, ``exercises_gradients.py``, ``exercises_attention.py``).

    ex = make("rnn.h_unit", seed=7)       # one exercise, deterministic per seed
    check(ex, "0.53").correct              # numeric answers: within ex.tolerance
    generate("rnn", seed=7)                # a whole set, in order

No Streamlit here: the Exercises page and the labs' "check yourself" boxes only
draw what this module returns.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from seqviz import checkpoints
from seqviz.charlm import CharModel

MAX_ANSWER_CHARS = 60  # longer answers are not parsed at all
MAX_TEXT_CHARS = 300  # a lab's text longer than this is cut (like the labs do)

# Texts the exercises draw from when they are not given the lab's own text: the
# trained models read lower-case a-z and the space (The Time Machine, d2l-normalised).
PHRASES = (
    "the time traveller",
    "a machine for travelling",
    "the fourth dimension",
    "he put it on the table",
    "the medical man",
    "in the morning light",
    "we sat and smoked",
    "the little people",
    "it was a strange thing",
    "through the long night",
    "the morlocks came",
    "into the future",
)


# --- what an exercise is ------------------------------------------------------------


@dataclass(frozen=True)
class Exercise:
    """One question with its answer, hint and worked solution (all markdown)."""

    title: str  # a few words, e.g. "h_t of one unit"
    prompt: str  # the question, with the numbers the student needs
    kind: str  # "number" (typed, checked within tolerance) | "choice" (one of `choices`)
    answer: float | str  # the core's value (number) or the right choice
    hint: str  # a nudge, without the answer
    solution: str  # the worked solution with every intermediate number
    tolerance: float = 0.0  # numbers: accepted if |given - answer| <= tolerance
    choices: tuple[str, ...] = ()  # choice exercises only
    numbers: Mapping[str, float] = field(default_factory=dict)  # the numbers shown, by name
    id: str = ""  # e.g. "rnn.h_unit" (set by the registry)
    set: str = ""  # the set it belongs to, e.g. "rnn"
    seed: int = 0  # the seed it was generated from


@dataclass(frozen=True)
class Check:
    """The verdict on one answer."""

    correct: bool
    message: str  # markdown, never containing the raw answer text
    value: float | str | None  # the parsed answer (None if it could not be read)


@dataclass(frozen=True)
class Context:
    """What a generator may use: its random draws, the models, and the lab's view."""

    rng: random.Random  # every random choice of the exercise (seeded)
    load: Callable[[str], CharModel]  # pretrained model name -> read-only model
    text: str | None = None  # the lab's text (a "check yourself" box), else drawn
    t: int | None = None  # the lab's time step, else drawn
    unit: int | None = None  # the lab's unit, else drawn


@dataclass(frozen=True)
class ExerciseSet:
    """A group of exercises that follows one lecture (and one lab)."""

    id: str  # "rnn"
    title: str  # "RNN step-through"
    lab: str  # url path of the lab it practises
    exercises: tuple[str, ...]  # exercise ids, in order


# --- the sets, in lecture order -----------------------------------------------------

SETS: tuple[ExerciseSet, ...] = (
    ExerciseSet(
        "text",
        "Text & tokens",
        "text",
        ("text.vocab_size", "text.unk", "text.zipf", "text.batches", "text.batch_start"),
    ),
    ExerciseSet(
        "lm",
        "Language models",
        "lm",
        ("lm.uniform_ppl", "lm.ppl", "lm.add_k", "lm.temperature", "lm.next_char"),
    ),
    ExerciseSet(
        "rnn",
        "RNN step-through",
        "rnn",
        ("rnn.h_unit", "rnn.h_layer2", "rnn.params", "rnn.next_char"),
    ),
    ExerciseSet(
        "gates",
        "Gates: LSTM & GRU",
        "gates",
        ("gates.forget", "gates.forget_next", "gates.cell", "gates.hidden", "gates.gru"),
    ),
    ExerciseSet(
        "gradients",
        "Gradient flow",
        "gradients",
        ("grad.chain", "grad.ends", "grad.pascanu", "grad.clip"),
    ),
    ExerciseSet(
        "sentiment",
        "Sentiment: many-to-one",
        "sentiment",
        ("sent.pool", "sent.conv", "sent.params", "sent.masked"),
    ),
    ExerciseSet(
        "tagging",
        "Tagging: BiLSTM NER",
        "tagging",
        ("tag.split", "tag.softmax", "tag.f1", "tag.params"),
    ),
    ExerciseSet(
        "siamese",
        "Siamese networks",
        "siamese",
        ("sia.cosine", "sia.mean_loss", "sia.closest", "sia.verdict"),
    ),
    ExerciseSet(
        "seq2seq", "Seq2seq & attention", "seq2seq", ("s2s.context", "s2s.bleu", "s2s.beam")
    ),
    ExerciseSet(
        "attention",
        "Self-attention",
        "attention",
        ("attn.weight", "attn.most", "attn.causal", "attn.position"),
    ),
    ExerciseSet(
        "transformer",
        "Transformer",
        "transformer",
        ("tf.weight", "tf.masked", "tf.params", "tf.step"),
    ),
    ExerciseSet(
        "block",
        "Inside a Transformer block",
        "block",
        ("block.residual", "block.layernorm", "block.gelu", "block.lens"),
    ),
    ExerciseSet("word2vec", "Word2Vec", "word2vec", ("w2v.pairs", "w2v.centre", "w2v.softmax")),
)
SET_IDS = tuple(s.id for s in SETS)


def get_set(set_id: str) -> ExerciseSet:
    for s in SETS:
        if s.id == set_id:
            return s
    raise KeyError(f"no exercise set {set_id!r}; sets: {SET_IDS}")


def sets_for_lab(lab: str) -> tuple[ExerciseSet, ...]:
    """The sets that practise the lab at url path ``lab`` (may be empty)."""
    return tuple(s for s in SETS if s.lab == lab)


@functools.cache
def _generators() -> dict[str, Callable[[Context], Exercise]]:
    # imported here: the generator modules import Exercise and Context from this one
    from seqviz import (
        exercises_attention,
        exercises_block,
        exercises_gradients,
        exercises_recurrent,
        exercises_sentiment,
        exercises_seq2seq,
        exercises_siamese,
        exercises_tagging,
        exercises_text,
        exercises_transformer,
    )

    gens = {}
    for module in (
        exercises_text,
        exercises_recurrent,
        exercises_gradients,
        exercises_attention,
        exercises_transformer,
        exercises_block,
        exercises_siamese,
        exercises_tagging,
        exercises_seq2seq,
        exercises_sentiment,
    ):
        gens.update(module.GENERATORS)
    return gens


def char_label(token: str) -> str:
    """A character for a prompt or a choice: ‘e’, space, or <unk>."""
    if token == " ":
        return "space"
    if token == "<unk>":
        return "<unk>"
    return f"‘{token}’"


def shown_text(tokens: Iterable[str]) -> str:
    """What a model read, as an inline code span: <unk> as ?, nothing markdown can parse."""
    return "`" + "".join("?" if tok == "<unk>" else tok for tok in tokens) + "`"


def lab_text(ctx: Context, min_len: int = 1) -> str:
    """The lab's text if it has at least ``min_len`` characters, else a drawn phrase."""
    if ctx.text and len(ctx.text[:MAX_TEXT_CHARS]) >= min_len:
        return ctx.text[:MAX_TEXT_CHARS]
    return ctx.rng.choice(PHRASES)


def pick(value: int | None, low: int, high: int, rng: random.Random) -> int:
    """The lab's value if it lies in [low, high], else a random one from that range."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return rng.randint(low, high)


# --- models -------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def default_load(name: str) -> CharModel:
    """The pretrained model ``name`` (read-only), or its untrained twin if not installed."""
    try:
        return checkpoints.load(name)
    except FileNotFoundError:
        return checkpoints.untrained(name)


# --- generating ---------------------------------------------------------------------


def make(
    exercise_id: str,
    seed: int,
    load: Callable[[str], CharModel] | None = None,
    *,
    text: str | None = None,
    t: int | None = None,
    unit: int | None = None,
) -> Exercise:
    """Generate one exercise; the same (id, seed, view) always gives the same exercise.

    Args:
        exercise_id: e.g. ``"rnn.h_unit"`` (see :data:`SETS`).
        seed: any integer; each exercise draws from its own stream, so exercises of one
            set do not depend on each other.
        load: pretrained model name -> model (default :func:`default_load`).
        text, t, unit: the lab's current view, for a "check yourself" box on a lab;
            generators that do not use them ignore them, invalid ones are redrawn.
    """
    gens = _generators()
    if exercise_id not in gens:
        raise KeyError(f"no exercise {exercise_id!r}")
    rng = random.Random(f"{int(seed)}:{exercise_id}")  # str seeds hash the same everywhere
    ctx = Context(rng=rng, load=load or default_load, text=text, t=t, unit=unit)
    ex = gens[exercise_id](ctx)
    set_id = next(s.id for s in SETS if exercise_id in s.exercises)
    return replace(ex, id=exercise_id, set=set_id, seed=int(seed))


def generate(
    set_id: str, seed: int, load: Callable[[str], CharModel] | None = None
) -> list[Exercise]:
    """Every exercise of one set, in order, generated from ``seed``."""
    return [make(ex_id, seed, load) for ex_id in get_set(set_id).exercises]


def all_exercise_ids() -> tuple[str, ...]:
    return tuple(ex_id for s in SETS for ex_id in s.exercises)


# --- checking -----------------------------------------------------------------------


def parse_number(raw: object) -> float | None:
    """A finite number from what a student typed ("0.53", "-0,53", "−.5", "1e-3"), or None."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
        return value if math.isfinite(value) else None
    if not isinstance(raw, str):
        return None
    s = raw.strip().replace("−", "-").replace("–", "-").replace(" ", "")
    if not s or len(s) > MAX_ANSWER_CHARS:
        return None
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")  # decimal comma
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check(ex: Exercise, raw: object) -> Check:
    """Check an answer: numbers within ``ex.tolerance`` of the core's value, choices exactly."""
    if ex.kind == "choice":
        given = raw.strip() if isinstance(raw, str) else None
        if given not in ex.choices:
            return Check(False, "Pick one of the options.", None)
        if given == ex.answer:
            return Check(True, "**Correct.**", given)
        return Check(False, "**Not this one.** Look at the hint, or reveal the solution.", given)
    value = parse_number(raw)
    if value is None:
        return Check(False, "Type a number, e.g. `0.42` or `-1.5`.", None)
    answer = float(ex.answer)
    if abs(value - answer) <= ex.tolerance:
        return Check(
            True,
            f"**Correct.** The model's value is {fmt(answer)} (accepted within "
            f"± {fmt(ex.tolerance)}).",
            value,
        )
    direction = "too high" if value > answer else "too low"
    return Check(False, f"**Not quite:** your answer is {direction}. Try the hint.", value)


def fmt(x: float, digits: int = 4) -> str:
    """A number for prose: up to ``digits`` significant figures, no float noise."""
    if x == int(x) and abs(x) < 1e12:
        return str(int(x))
    return f"{x:.{digits}g}"


# --- a student's results, for download ----------------------------------------------

RESULT_FIELDS = ("set", "exercise", "title", "seed", "answered", "correct", "attempts", "revealed")


def summarise(exercises: Iterable[Exercise], results: Mapping[str, Mapping]) -> list[dict]:
    """One row per exercise: what the student did. No names, no answers typed.

    Args:
        exercises: the exercises shown.
        results: exercise id -> {"correct": bool, "attempts": int, "revealed": bool}.
    """
    rows = []
    for ex in exercises:
        r = results.get(ex.id, {})
        rows.append(
            {
                "set": ex.set,
                "exercise": ex.id,
                "title": ex.title,
                "seed": ex.seed,
                "answered": bool(r.get("attempts", 0)),
                "correct": bool(r.get("correct", False)),
                "attempts": int(r.get("attempts", 0)),
                "revealed": bool(r.get("revealed", False)),
            }
        )
    return rows


def score(rows: Iterable[Mapping]) -> tuple[int, int]:
    """(correct, total) over summary rows."""
    rows = list(rows)
    return sum(1 for r in rows if r["correct"]), len(rows)


def to_csv(rows: Iterable[Mapping]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RESULT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row[k] for k in RESULT_FIELDS})
    return out.getvalue()


def to_json(rows: Iterable[Mapping]) -> str:
    rows = list(rows)
    correct, total = score(rows)
    return json.dumps({"score": {"correct": correct, "total": total}, "exercises": rows}, indent=1)
