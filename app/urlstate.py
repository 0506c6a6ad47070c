"""View state in the URL, so a shared link reproduces what the sender saw.

Every widget that defines a view (text, model, step, unit, toggles) is created
with ``**urlstate.BOUND`` and a stable ``key``: Streamlit then mirrors its value
into the query parameter of the same name (dropping it while it equals the
default) and initialises the widget from the URL on page load. The page itself
is the URL path (``/rnn``, ``/gates``).

Changing page through the sidebar drops the query parameters, so the shared
part of the view (text and weights) is also remembered in the session
(:func:`remember`) and put back after a page switch (:func:`restore_on_page_switch`);
links between pages carry it explicitly (:func:`carry`).
"""

import streamlit as st
from streamlit.errors import StreamlitAPIException

BOUND = {"bind": "query-params"}
"""Keyword arguments that bind a keyed widget to the query parameter named after its key."""

SHARED_KEYS = ("text", "model")
"""View state that means the same thing on every lab, carried by links between pages."""

URL_LABELS = {"model": str.capitalize}
"""Bound widgets with a ``format_func`` hold their *label* in the URL (``?model=Untrained``)."""


def start_value(key: str, default) -> None:
    """Give a bound widget its starting value without passing ``value=`` / ``default=``.

    The URL wins (the binding reads it when the widget is created); otherwise the
    session's value, otherwise ``default``. Setting it here rather than through the
    widget's default keeps programmatic changes (example buttons, page switches)
    from clashing with a widget default.
    """
    if key not in st.session_state and key not in st.query_params:
        st.session_state[key] = default


def remember(key: str, value) -> None:
    """Note the current value of a shared widget (call right after creating it)."""
    st.session_state.setdefault("_shared_view", {})[key] = value


def restore_on_page_switch(page) -> None:
    """In the frame, before the page runs: after a page switch, put the shared view back.

    Only on a switch: on an ordinary rerun the widgets already hold their values, and
    restoring then would undo a user's change back to a default. The values go back
    into the URL (one cheap rerun before the page draws anything), so the address bar
    stays a shareable link of what is on screen.
    """
    switched = st.session_state.get("_page") not in (None, page.url_path)
    st.session_state["_page"] = page.url_path
    if not switched:
        return
    saved = st.session_state.get("_shared_view", {})
    missing = {
        k: v for k, v in saved.items() if k not in st.query_params and v not in (None, False, "")
    }
    if not missing:
        return
    for key, value in missing.items():
        st.session_state[key] = value
    params = {**st.query_params.to_dict(), **carry(tuple(missing))}
    try:
        st.switch_page(page, query_params=params)
    except StreamlitAPIException:
        pass  # a widget still bound to one of these keys: the restored values show anyway


def carry(keys: tuple[str, ...] = SHARED_KEYS) -> dict[str, str]:
    """The current values of ``keys`` as query parameters for ``st.page_link``."""
    params = {}
    for key in keys:
        value = st.session_state.get(key)
        if value is None or value is False:
            continue
        params[key] = "true" if value is True else URL_LABELS.get(key, str)(value)
    return params


def clamp(key: str, low: int, high: int) -> None:
    """Keep an integer widget value within [low, high] before the widget is created.

    A link made for a longer text (or a bigger model) may carry a step or unit
    the current view does not have; clamping beats an exception.
    """
    value = st.session_state.get(key)
    if isinstance(value, int | float) and not low <= value <= high:
        st.session_state[key] = int(min(max(value, low), high))
