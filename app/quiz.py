"""Exercises on screen: one exercise as a card, and the "check yourself" box of a lab.

The questions, answers and checking live in ``seqviz.exercises``; this module only
draws them and keeps the session's results (no names, nothing personal):
``st.session_state["_ex_results"]`` maps an exercise to its attempts, whether it was
answered right and whether the solution was revealed. The browser keeps a copy in its
own storage (:func:`keep_scores`), so a reload or a new visit from the same browser
finds the scores again; "Reset scores" on the Exercises page clears both.

A lab adds its box with one line, passing what it shows, so the question is about
the very numbers on screen::

    quiz.check_yourself("rnn", text=text, t=t, unit=unit)
"""

from __future__ import annotations

import hashlib
import random

import streamlit as st
from streamlit.errors import StreamlitAPIException

from app import urlstate
from seqviz import exercises
from seqviz.exercises import Exercise

RESULTS = "_ex_results"


def session_seed() -> int:
    """This session's exercise seed: the link's ``?seed=`` if any, else drawn once.

    ``seed`` is a shared key (``urlstate.SHARED``): the Exercises page's seed widget or,
    on a lab page (which has no such widget), the link's ``?seed=``. A link's seed is
    kept for the session, so it still holds after a page switch drops the URL.
    """
    seed = st.session_state.get("seed")
    if isinstance(seed, int):
        return seed
    raw = st.query_params.get("seed")  # checked and clamped by urlstate.sanitise
    if raw is not None and raw.isdigit() and int(raw) <= urlstate.MAX_SEED:
        st.session_state["_ex_seed"] = int(raw)
    if "_ex_seed" not in st.session_state:
        st.session_state["_ex_seed"] = random.SystemRandom().randrange(1000, 10_000)
    return st.session_state["_ex_seed"]


def result_key(ex: Exercise) -> str:
    """One exercise with these exact numbers (id, seed and the question it asked)."""
    digest = hashlib.sha1(ex.prompt.encode("utf-8")).hexdigest()[:10]
    return f"{ex.id}@{ex.seed}@{digest}"


def results() -> dict[str, dict]:
    return st.session_state.setdefault(RESULTS, {})


def result_of(ex: Exercise) -> dict:
    return results().get(result_key(ex), {})


def anything_revealed() -> bool:
    return any(r.get("revealed") for r in results().values())


def session_score() -> tuple[int, int]:
    """(right, answered) over every exercise answered in this session."""
    answered = [r for r in results().values() if r.get("attempts")]
    return sum(1 for r in answered if r.get("correct")), len(answered)


@st.cache_resource(max_entries=512, show_spinner="Generating the exercise from the model…")
def cached_make(
    exercise_id: str, seed: int, text: str | None, t: int | None, unit: int | None
) -> Exercise:
    """seqviz.exercises.make, shared by every session (exercises are read-only)."""
    return exercises.make(exercise_id, seed, text=text, t=t, unit=unit)


# --- scores kept by the browser -------------------------------------------------------
#
# The app has no accounts, so the browser keeps the results: a small component writes
# the session's results to the browser's localStorage after every run and, when a new
# session starts (a reload, a new tab), sends what it kept back once. Only exercise
# keys and counts are stored: nothing the student typed.

STORE_KEY = "check_scores_store"  # the component's widget key (a shared module's check_…)
RESTORED = "_ex_restored"  # the browser's copy has been merged into this session
_SCORES_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const NAME = "seqviz.exercise-results";
  const own = (window.__seqvizScores = window.__seqvizScores || { phase: "start" });
  let kept = null;
  try { kept = JSON.parse(window.localStorage.getItem(NAME) || "null"); } catch (e) {}
  if (own.phase === "start") {
    const some = kept && typeof kept === "object" && Object.keys(kept).length > 0;
    own.phase = some && !data.restored ? "restoring" : "ready";
    if (own.phase === "restoring") setStateValue("kept", kept);
  }
  if (own.phase === "restoring" && data.restored) own.phase = "ready";
  if (own.phase === "ready") {
    try { window.localStorage.setItem(NAME, JSON.stringify(data.results)); } catch (e) {}
  }
};
"""
_store = st.components.v2.component("seqviz_exercise_scores", js=_SCORES_JS)

_FIELDS = {"attempts": int, "correct": bool, "revealed": bool}
MAX_KEPT = 2000  # results taken back from a browser (a hand-edited store cannot flood)


def merge_kept(session: dict[str, dict], kept) -> dict[str, dict]:
    """The session's results joined with what the browser kept (pure): per exercise the
    larger number of attempts, and right / revealed if either says so. Anything
    malformed in the browser's copy is skipped."""
    merged = {key: dict(record) for key, record in session.items()}
    if not isinstance(kept, dict):
        return merged
    for key, record in list(kept.items())[:MAX_KEPT]:
        if not isinstance(key, str) or len(key) > 200 or not isinstance(record, dict):
            continue
        clean = {
            field: kind(record[field])
            for field, kind in _FIELDS.items()
            if isinstance(record.get(field), int | bool)
        }
        if not clean:
            continue
        own = merged.setdefault(key, {})
        if "attempts" in clean:
            own["attempts"] = max(own.get("attempts", 0), clean["attempts"])
        for flag in ("correct", "revealed"):
            if flag in clean:
                own[flag] = own.get(flag, False) or clean[flag]
    return merged


def _restore() -> None:
    kept = (st.session_state.get(STORE_KEY) or {}).get("kept")
    st.session_state[RESULTS] = merge_kept(results(), kept)
    st.session_state[RESTORED] = True


def keep_scores() -> None:
    """Mount the browser's copy of the results (once per run, at the end of the page)."""
    _store(
        key=STORE_KEY,
        data={"results": results(), "restored": bool(st.session_state.get(RESTORED))},
        on_kept_change=_restore,
        height=0,
    )


def reset_scores() -> None:
    """Forget every result, in this session and in the browser's copy (a callback)."""
    st.session_state[RESULTS] = {}
    st.session_state[RESTORED] = True  # nothing to take back: the copy is emptied next
    for key in [k for k in st.session_state if str(k).endswith("_verdict")]:
        del st.session_state[key]


def cached_set(set_id: str, seed: int) -> list[Exercise]:
    return [
        cached_make(ex_id, seed, None, None, None) for ex_id in exercises.get_set(set_id).exercises
    ]


def _reveal(rkey: str) -> None:
    results().setdefault(rkey, {})["revealed"] = True


def render_exercise(ex: Exercise, key: str) -> None:
    """One exercise: the question, an answer box with Check, a hint, the worked solution.

    The solution can be revealed after a first attempt (predict first, then look).
    """
    rkey = result_key(ex)
    st.markdown(f"#### {ex.title}")
    st.markdown(ex.prompt)
    with st.form(key=f"{key}_form", border=False, enter_to_submit=True):
        if ex.kind == "choice":
            answer = st.radio("Your prediction", ex.choices, index=None, key=f"{key}_answer")
        else:
            answer = st.text_input(
                "Your answer",
                key=f"{key}_answer",
                max_chars=exercises.MAX_ANSWER_CHARS,
                placeholder="a number, e.g. 0.42",
            )
        submitted = st.form_submit_button("Check", icon=":material/check:", type="primary")
    record = results().setdefault(rkey, {})
    if submitted:
        verdict = exercises.check(ex, answer)
        if verdict.value is not None:  # an unreadable answer is not an attempt
            record["attempts"] = record.get("attempts", 0) + 1
            record["correct"] = record.get("correct", False) or verdict.correct
        st.session_state[f"{key}_verdict"] = (rkey, verdict.correct, verdict.message)
    shown = st.session_state.get(f"{key}_verdict")
    if shown and shown[0] == rkey:  # the verdict belongs to this very question
        (st.success if shown[1] else st.warning)(
            shown[2], icon=":material/check_circle:" if shown[1] else ":material/replay:"
        )
    hint_col, solution_col = st.columns(2)
    with hint_col.popover("Hint", icon=":material/lightbulb:", width="stretch"):
        st.markdown(ex.hint)
    solution_col.button(
        "Reveal the worked solution",
        key=f"{key}_reveal",
        icon=":material/visibility:",
        width="stretch",
        disabled=not record.get("attempts") and not record.get("revealed"),
        help="Make a prediction first: the solution opens after your first answer.",
        on_click=_reveal,
        args=(rkey,),
    )
    if record.get("revealed"):
        with st.container(border=True):
            st.markdown(":material/school: **Worked solution**")
            st.markdown(ex.solution)


def _next_question(key: str, n: int) -> None:
    st.session_state[key] = (st.session_state.get(key, 0) + 1) % n


def check_yourself(
    lab: str, *, text: str | None = None, t: int | None = None, unit: int | None = None
) -> None:
    """The lab's "check yourself" box: one exercise about what the lab shows right now.

    Args:
        lab: the lab's url path ("rnn", "gates", ...); labs without exercises get no box.
        text, t, unit: the lab's current text, step and unit, so the question uses the
            numbers on screen (exercises that do not need them ignore them).
    """
    sets = exercises.sets_for_lab(lab)
    if not sets or urlstate.is_hidden("check"):
        return
    ids = [ex_id for s in sets for ex_id in s.exercises]
    index_key = f"_check_{lab}"
    i = st.session_state.get(index_key, 0) % len(ids)
    seed = session_seed()
    ex = cached_make(ids[i], seed, text, t, unit)
    with st.container(border=True, key="check"):
        head, more = st.columns([3, 1], vertical_alignment="center")
        head.markdown(
            f":material/quiz: **Check yourself** · question {i + 1} of {len(ids)} — "
            "predict first, then check against the model"
        )
        more.button(
            "Another question",
            key=f"check_{lab}_next",
            icon=":material/shuffle:",
            width="stretch",
            on_click=_next_question,
            args=(index_key, len(ids)),
        )
        render_exercise(ex, key=f"check_{lab}")
        try:
            st.page_link(
                "views/exercises.py",
                label=f"All exercises on {sets[0].title}",
                icon=":material/assignment:",
                query_params={"set": sets[0].id, "seed": str(seed)},
            )
        except StreamlitAPIException:
            pass  # drawn outside the app's navigation (a test harness): no page to link
