"""The time-step control: Previous / Next / Play and a slider, in one fragment.

Clicking a step reruns only the fragment (the controls and everything drawn by
``render``), never the page above it; the expensive trace is computed once per
(model, text) outside. The step, as shown (``first`` .. ``first + T - 1``; the
recurrent labs count x_1 … x_T, after the initial state h_0), lives in
``st.session_state[key]`` and in the URL; ``render`` gets it as 0 .. T-1. Keys: → and ←
step (counted in the browser, so fast or held presses land on the right step: see
``_KEYS_JS``), Space plays / pauses (the Play button's shortcut).
"""

from collections.abc import Callable

import streamlit as st

from app.urlstate import BOUND

PLAY_INTERVAL = 0.8  # seconds between steps while playing


# The arrow keys, counted in the browser. A key press does not click a button (a click
# made while a rerun is in flight can be lost, and a held key clicks faster than the
# app reruns); the browser keeps its own count and sends the absolute step it wants,
# numbered by a sequence number. Presses made before the app has answered build on the
# step last asked for, so N presses land on step + N, however many reruns they span;
# once the app reports it has applied the last request (``seq``), the app's step is
# the base again (a slider drag or a button click in between is respected).
_KEYS_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const all = (window.__seqvizStepKeys = window.__seqvizStepKeys || {});
  const own = (all[data.key] = all[data.key] || { seq: 0, asked: null });
  if (data.seq >= own.seq) own.asked = null;  // the app has applied every request
  const typing = (el) =>
    el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const onKey = (event) => {
    const delta = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!delta || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.defaultPrevented || typing(event.target) || typing(document.activeElement)) return;
    event.preventDefault();
    const from = own.asked === null ? data.step : own.asked;
    const to = Math.min(Math.max(from + delta, data.first), data.first + data.n - 1);
    if (to === from) return;
    own.asked = to;
    own.seq += 1;
    setStateValue("target", { step: to, seq: own.seq });
  };
  // Streamlit calls this function again on every new `data` without unmounting: the
  // listener of the previous call (and its older `data`) goes, this one takes its place.
  if (own.onKey) document.removeEventListener("keydown", own.onKey);
  own.onKey = onKey;
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    if (own.onKey === onKey) own.onKey = null;
  };
};
"""
_keys = st.components.v2.component("seqviz_step_keys", js=_KEYS_JS)


def _playing_key(key: str) -> str:
    return f"_{key}_playing"


def _move(key: str, delta: int, n_steps: int, first: int = 0) -> None:
    # callbacks only set state: the user takes over, so playing stops
    st.session_state[_playing_key(key)] = False
    moved = st.session_state.get(key, first) + delta
    st.session_state[key] = min(max(moved, first), first + n_steps - 1)


def _set_playing(key: str, n_steps: int, playing: bool, first: int = 0) -> None:
    # the button passes what it showed (Play or Pause): a click that reaches the server
    # twice while the timer is rerunning the fragment still means one play or one pause
    if playing and st.session_state.get(key, first) >= first + n_steps - 1:
        st.session_state[key] = first - 1  # replay from the start (the first tick advances it)
    st.session_state[_playing_key(key)] = playing


def _int_or_zero(value) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _stop(key: str) -> None:
    st.session_state[_playing_key(key)] = False


def _seq_key(key: str) -> str:
    return f"_{key}_seq"


def _jump(key: str, n_steps: int, first: int = 0) -> None:
    """A key press from the browser: go to the absolute step it asked for (and stop)."""
    asked = (st.session_state.get(f"{key}_keys") or {}).get("target") or {}
    try:
        step, seq = int(asked["step"]), int(asked["seq"])
    except (KeyError, TypeError, ValueError):
        return
    st.session_state[_playing_key(key)] = False
    st.session_state[key] = min(max(step, first), first + n_steps - 1)
    st.session_state[_seq_key(key)] = seq


def step_through(
    n_steps: int,
    render: Callable[[int], None],
    *,
    key: str = "step",
    label: Callable[[int], str] | None = None,
    axis: str = "Time step",
    symbol: str = "t",
    item: str = "character",
    first: int = 0,
) -> None:
    """Draw the step control and call ``render(t)`` with the step t (0 .. n_steps-1).

    Args:
        n_steps: number of time steps T (>= 1).
        render: draws everything that depends on the step; called inside the fragment.
        key: session-state / URL key of the step (widgets get ``key``, ``key_prev``,
            ``key_next``, ``key_play``). The shared ``"step"`` (buttons ``step_prev``, ...)
            or a key with the lab's prefix (``"w2v_center"``), so every widget built from
            it follows the key rule (app/urlstate.py ``SHARED``); a second control on
            one page needs its own key.
        label: optional ``t -> str`` describing step t (e.g. the character read).
        axis, symbol, item: how the slider and buttons name a step ("Time step", "t",
            "character"; e.g. "Centre word", "j", "word" for a window over words).
        first: the number the control shows (and the URL keeps) for the first step: 0, or
            1 for the lecture's x_1 … x_T. ``render`` always gets 0 .. n_steps-1.
    """
    playing = st.session_state.get(_playing_key(key), False)
    # A stale link or a shorter text may leave the step out of range (-1 = "before
    # the first step", only while playing: the first tick advances it to 0).
    low = first - 1 if playing else first
    value = st.session_state.get(key)
    if value is None:  # first run of this page: the slider is not registered yet
        value = _int_or_zero(st.query_params.get(key, first))
    clamped = min(max(int(value), low), first + n_steps - 1)
    if st.session_state.get(key) != clamped:
        st.session_state[key] = clamped
    fragment = st.fragment(_step_fragment, run_every=PLAY_INTERVAL if playing else None)
    fragment(n_steps, render, key, label, (axis, symbol, item), first)


def _step_fragment(
    n_steps: int, render, key: str, label, names: tuple[str, str, str], first: int = 0
) -> None:
    axis, symbol, item = names
    last = first + n_steps - 1
    playing = st.session_state.get(_playing_key(key), False)
    if playing:
        # one timer tick = one step; at the end, stop and drop the timer (full rerun)
        if st.session_state.get(key, first) >= last:
            st.session_state[_playing_key(key)] = False
            st.rerun(scope="app")
        st.session_state[key] = st.session_state.get(key, first - 1) + 1

    # Play is the widest: it also shows its "Space" key
    prev_col, next_col, play_col, slider_col = st.columns(
        [2, 1.7, 2.3, 4], vertical_alignment="bottom"
    )
    prev_col.button(
        "Previous",
        key=f"{key}_prev",
        icon=":material/skip_previous:",
        width="stretch",
        on_click=_move,
        args=(key, -1, n_steps, first),
        disabled=st.session_state[key] <= first,
        help=f"Step back one {item} (← Left arrow).",
    )
    next_col.button(
        "Next",
        key=f"{key}_next",
        icon=":material/skip_next:",
        width="stretch",
        on_click=_move,
        args=(key, +1, n_steps, first),
        disabled=st.session_state[key] >= last,
        help=f"Go to the next {item} (→ Right arrow).",
    )
    with play_col:  # above the Play button: the columns align at the bottom
        _keys(
            key=f"{key}_keys",
            data={
                "key": key,
                "step": st.session_state[key],
                "first": first,
                "n": n_steps,
                "seq": st.session_state.get(_seq_key(key), 0),
            },
            on_target_change=lambda: _jump(key, n_steps, first),
            height=0,
        )
    if play_col.button(
        "Pause" if playing else "Play",
        key=f"{key}_play",
        width="stretch",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        type="primary" if playing else "secondary",
        on_click=_set_playing,
        args=(key, n_steps, not playing, first),
        shortcut="Space",
        help="Play / pause (Space).",
    ):
        st.rerun(scope="app")  # (re)declare the fragment with / without its timer
    if n_steps > 1:
        slider_col.slider(
            f"{axis} {symbol}",
            min_value=first,
            max_value=last,
            key=key,
            on_change=_stop,
            args=(key,),
            format=f"{symbol} = %d",
            **BOUND,
        )
    else:
        slider_col.markdown(f"{axis} **{symbol} = {first}** (there is only one {item})")
    st.caption("Keys: → next step · ← previous · Space play / pause")
    t = st.session_state[key] - first  # 0 .. n_steps-1, as the trace counts
    if label is not None:
        st.markdown(label(t))
    render(t)
