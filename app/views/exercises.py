"""Exercises: predict a number or an outcome, then check it against the live model."""

import random

import streamlit as st

from app import lesson, quiz, share, urlstate
from app.labs import LABS
from app.urlstate import BOUND, start_value
from seqviz import exercises

SETS = {s.id: s for s in exercises.SETS}

st.title("Exercises")
lesson.intro("ex_intro")

# --- which set, which numbers -------------------------------------------------------
urlstate.from_url("set", "ex_set_pick", list(SETS), exercises.SET_IDS[0])
start_value("seed", quiz.session_seed())
c_set, c_seed, c_new = st.columns([4, 1.3, 1], vertical_alignment="bottom")
set_id = c_set.container(key="set").segmented_control(
    "Exercise set (in lecture order)",
    options=list(SETS),
    format_func=lambda s: f"{exercises.SET_IDS.index(s) + 1}. {SETS[s].title}",
    required=True,
    key="ex_set_pick",
)
urlstate.to_url("set", set_id)
seed = c_seed.number_input(
    "Numbers (seed)",
    min_value=0,
    max_value=urlstate.MAX_SEED,
    step=1,
    key="seed",
    help="Every seed gives the same questions with different numbers. A link with this "
    "seed gives everyone the same numbers.",
    **BOUND,
)


def new_numbers() -> None:
    st.session_state["seed"] = random.SystemRandom().randrange(1000, 10_000)
    st.session_state["_ex_seed"] = st.session_state["seed"]  # kept across page switches


c_new.button(
    "New numbers",
    key="ex_new_seed",
    icon=":material/casino:",
    width="stretch",
    on_click=new_numbers,
    help="Draw a new seed: the same questions with fresh numbers.",
)

st.session_state["_ex_seed"] = int(seed)  # the labs' check-yourself boxes use it too
chosen = SETS[set_id]
exs = quiz.cached_set(set_id, int(seed))
n = len(exs)

# --- one exercise at a time ---------------------------------------------------------
urlstate.from_url("ex", "ex_pick", list(range(1, n + 1)), 1)


def move(delta: int) -> None:
    st.session_state["ex_pick"] = min(max(st.session_state.get("ex_pick", 1) + delta, 1), n)


def label(i: int) -> str:
    done = quiz.result_of(exs[i - 1])
    mark = " ✓" if done.get("correct") else " ·" if done.get("attempts") else ""
    return f"{i}{mark}"


c_prev, c_pick, c_next = st.columns([1, 5, 1], vertical_alignment="bottom")
i = c_pick.container(key="ex").segmented_control(
    "Exercise", options=list(range(1, n + 1)), format_func=label, required=True, key="ex_pick"
)
urlstate.to_url("ex", i)
c_prev.button(
    "Previous",
    key="ex_prev",
    icon=":material/skip_previous:",
    width="stretch",
    disabled=i <= 1,
    on_click=move,
    args=(-1,),
    shortcut="Left",
    help="Previous exercise (Left arrow).",
)
c_next.button(
    "Next",
    key="ex_next",
    icon=":material/skip_next:",
    width="stretch",
    disabled=i >= n,
    on_click=move,
    args=(+1,),
    shortcut="Right",
    help="Next exercise (Right arrow).",
)

st.caption("Keys: **→** next exercise, **←** previous (when the page, not a text box, has focus).")
with st.container(border=True, key="ex_exercise"):
    st.caption(f"{chosen.title} · exercise {i} of {n} · numbers from seed {seed}")
    quiz.render_exercise(exs[i - 1], key=f"ex_{set_id}_{i}")

# --- score and summary --------------------------------------------------------------
st.subheader("Your score")
rows = exercises.summarise(exs, {ex.id: quiz.result_of(ex) for ex in exs})
right, total = exercises.score(rows)
right_all, answered_all = quiz.session_score()
c_set_score, c_all_score = st.columns(2)
c_set_score.metric(f"This set ({chosen.title})", f"{right} / {total} right")
c_all_score.metric("All sets, this browser", f"{right_all} / {answered_all} answered right")
st.progress(right / total if total else 0.0)
st.button(
    "Reset scores",
    key="ex_reset_scores",
    icon=":material/restart_alt:",
    on_click=quiz.reset_scores,
    disabled=not quiz.session_score()[1] and not quiz.anything_revealed(),
    help="Forget every answer in this browser (scores are kept across reloads, in this "
    "browser only).",
)
st.dataframe(rows, hide_index=True, key="ex_summary")
c_csv, c_json, _ = st.columns([1, 1, 3])
c_csv.download_button(
    "Summary (CSV)",
    data=exercises.to_csv(rows),
    file_name=f"seqviz-exercises-{set_id}-seed{seed}.csv",
    mime="text/csv",
    key="ex_summary_csv",
    icon=":material/download:",
    on_click="ignore",
)
c_json.download_button(
    "Summary (JSON)",
    data=exercises.to_json(rows),
    file_name=f"seqviz-exercises-{set_id}-seed{seed}.json",
    mime="application/json",
    key="ex_summary_json",
    icon=":material/download:",
    on_click="ignore",
)
st.caption(
    "No login and nothing personal: the summary lists exercises, seed and results only; "
    "this browser keeps the scores (not your answers) until you reset them."
)

lesson.more("How the exercises work", "ex_howto")
lesson.more("For tutors: hand out a focused exercise", "ex_tutor")
share.share_box(hideable=("set", "seed", "ex_new_seed", "ex", "ex_summary", "sidebar"))
if chosen.lab in {lab.url_path for lab in LABS}:
    lesson.link_to(chosen.lab, f"Open the {chosen.title} lab", ":material/arrow_forward:")
