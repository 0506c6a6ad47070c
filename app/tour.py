"""Guided tours: a short sequence of views a lecturer clicks through, one per lab.

Each stop sets a few widgets (text, weights, step, unit) and says what to look at.
The "Next stop" callback only sets session_state; the lab then draws that view as
if the lecturer had moved the controls. A lab adds its tour with one line::

    tour.guided_tour("rnn")

Only widgets created without ``value=`` / ``default=`` are set (the labs give those
their start value through ``urlstate.start_value``), so no stop trips Streamlit's
"default value and Session State" warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from app import urlstate


@dataclass(frozen=True)
class Stop:
    say: str  # markdown: what to look at now
    view: dict = field(default_factory=dict)  # widget key -> value to set


TOURS: dict[str, tuple[Stop, ...]] = {
    "rnn": (
        Stop(
            "**Start here.** The trained RNN reads *the time machine*, one character per "
            "step. Every column of the unrolled picture uses the same three weight matrices.",
            {"text": "the time machine", "model": "trained", "step": 1, "unit": 0},
        ),
        Stop(
            "**t = 1.** Nothing was read before x₁, so h₀ = 0 and the memory term "
            "W_hh h₀ in the equation is exactly 0: only the input column and the bias count.",
            {"step": 1},
        ),
        Stop(
            "**t = 4, the first space.** Now the memory term is not zero: h_t mixes the new "
            "character with everything read so far. Compare the sizes of the three terms.",
            {"step": 4},
        ),
        Stop(
            "**t = 7, after ‘the tim’.** Look at *What comes next?*: the model has learned "
            "which letters can follow. Press Next (→) and watch the guess change.",
            {"step": 7},
        ),
        Stop(
            "**Untrained weights, same step.** The same network with random weights: the "
            "prediction is close to uniform over the 28 symbols — nothing has been learned.",
            {"model": "untrained"},
        ),
        Stop(
            "**Back to trained, at the end of the text.** The heatmap now shows every h_t, "
            "h₁ … h₁₆: one row per unit, one column per character. Press Play to run "
            "through it again.",
            {"model": "trained", "step": 16},
        ),
    ),
    "gates": (
        Stop(
            "**Start here.** The trained LSTM reads *the time traveller*. The equations "
            "show each gate of one unit with its numbers; the chart shows them over the text.",
            {"text": "the time traveller", "model": "trained", "step": 1, "unit": 0},
        ),
        Stop(
            "**t = 4, a space.** Many units react to word boundaries. Watch the forget gate "
            "f_t: near 1 the cell keeps its memory, near 0 it wipes it.",
            {"step": 4},
        ),
        Stop(
            "**Use *Find a unit*** (above) with *is a space* and pick the top unit: now press "
            "Next (→) until the next space and watch its forget gate move.",
            {"step": 5},
        ),
        Stop(
            "**The cell state.** c_t = f_t c_{t-1} + i_t g_t: where the forget gate stays "
            "open, c_t carries a value across many characters — a long flat stretch.",
            {"step": 13},
        ),
        Stop(
            "**Untrained weights.** The gates of a random LSTM hover around 0.5 and react "
            "to nothing in particular: the switches you just saw were learned.",
            {"model": "untrained"},
        ),
    ),
}


def _go(lab: str, i: int) -> None:
    # a callback only sets state: the page draws the stop's view on the rerun
    stops = TOURS[lab]
    i = min(max(i, 0), len(stops) - 1)
    st.session_state[f"_tour_{lab}"] = i
    for key, value in stops[i].view.items():
        st.session_state[key] = value


def _end(lab: str) -> None:
    st.session_state.pop(f"_tour_{lab}", None)


def guided_tour(lab: str) -> None:
    """The lab's guided tour: Start, then Back / Next stop / End, with what to look at."""
    stops = TOURS.get(lab)
    if not stops or urlstate.is_hidden("tour"):
        return
    at = st.session_state.get(f"_tour_{lab}")
    with st.container(border=True, key="tour"):
        if at is None:
            st.button(
                "Guided tour",
                key=f"tour_{lab}_start",
                icon=":material/tour:",
                on_click=_go,
                args=(lab, 0),
                help=f"{len(stops)} stops through this lab, for a lecture or a first visit.",
            )
            return
        st.markdown(f":material/tour: **Guided tour · stop {at + 1} of {len(stops)}**")
        st.markdown(stops[at].say)
        back, nxt, end, _ = st.columns([1, 1.3, 1, 3])
        back.button(
            "Back",
            key=f"tour_{lab}_back",
            disabled=at == 0,
            on_click=_go,
            args=(lab, at - 1),
            width="stretch",
        )
        nxt.button(
            "Next stop",
            key=f"tour_{lab}_next",
            type="primary",
            disabled=at == len(stops) - 1,
            on_click=_go,
            args=(lab, at + 1),
            width="stretch",
        )
        end.button("End tour", key=f"tour_{lab}_end", on_click=_end, args=(lab,), width="stretch")
