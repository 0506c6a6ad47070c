"""Client-side stepping: the whole sequence sent once, every step drawn by the browser.

``app.stepper.step_through`` reruns a fragment on the server for every click (each one
rebuilds and resends the step's figures). ``step_view`` instead mounts one component
(``st.components.v2``, inline JS and CSS, no iframe: app/stepview_js.py) holding every
step's numbers; Previous / Next / Play / the slider / the arrow keys redraw the step in
the page without a message to the server; the browser's URL (``?step=``) follows at
once. The server hears of the step only when the student turns to something it draws
(the pointer leaves the view, or a press or the focus lands elsewhere on the page: the
share box, the quiz, a control), through the component's state: a rerun of this small
fragment only, which writes it to ``st.session_state[key]``, so the share box's link
(:func:`current_steps`) and the ``after`` part (e.g. the check-yourself box, redrawn for
the new step) know it. Stepping through a whole text costs the server nothing.

Which stepping a page uses: ``?stepping=browser`` / ``?stepping=server`` in the link,
else the ``SEQVIZ_STEPPING`` environment variable of the server, else ``browser``
(:func:`mode`): the browser's stepping is the default; ``server`` is the fallback (e.g. for
a browser without JavaScript modules, or to compare).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable

import streamlit as st

from app import stepview_js

MODES = ("server", "browser")
DEFAULT = "browser"
_view = st.components.v2.component("seqviz_step_view", js=stepview_js.JS, css=stepview_js.CSS)


def mode() -> str:
    """ "browser" (client-side stepping, the default) or "server" (a fragment rerun per
    step). An unknown value means the default."""
    asked = st.query_params.get("stepping") or os.environ.get("SEQVIZ_STEPPING", DEFAULT)
    return asked if asked in MODES else DEFAULT


def _synced(key: str, n_steps: int, first: int) -> None:
    """The browser reports the step the student stopped at: keep it for the page's run."""
    asked = (st.session_state.get(f"{key}_view") or {}).get("step") or {}
    try:
        step = int(asked["step"])
    except (KeyError, TypeError, ValueError):
        return
    # Not written to st.query_params: the address bar has it already, and the reply to a
    # sync would put it back there after the student has stepped on.
    st.session_state[key] = min(max(step, first), first + n_steps - 1)


def current_steps() -> dict[str, int]:
    """The steps of this page's browser step views as the server last heard them, by key.

    Every rerun takes ``st.query_params`` from the query string the browser sends, and
    Streamlit's page sends the one the server last wrote, not the address bar the view
    keeps up to date: a link built from ``st.query_params`` can carry an older step.
    The view syncs before any other press reaches the server, so this is the step shown.
    """
    here = st.context.url
    views = st.session_state.get("_step_views", {})
    return {
        k: st.session_state[k] for k, url in views.items() if url == here and k in st.session_state
    }


def start_step(key: str, n_steps: int, first: int) -> int:
    """The step to open at, as shown (``first`` .. ``first + n_steps - 1``): the session's,
    else the link's, clamped to the sequence."""
    value = st.session_state.get(key)
    if value is None:
        try:
            value = int(float(st.query_params.get(key, first)))
        except (TypeError, ValueError):
            value = first
    step = min(max(int(value), first), first + n_steps - 1)
    st.session_state[key] = step
    return step


def payload(data: dict) -> bytes:
    """``data`` as the step view receives it: JSON in UTF-8. Cache the result with the
    data (e.g. ``st.cache_resource``): the page then sends the same bytes to every
    student without serialising tens of KB again on each first page."""
    return json.dumps(data, separators=(",", ":")).encode()


def read(proto) -> dict:
    """What a step view element (its ``BidiComponent`` proto) holds: the view's data with
    the step it opens at (``step``, 0 .. T-1), ``key``, ``first`` and ``id``. For tests."""
    sent = json.loads(bytes(proto.bytes))
    return {**sent["view"], **{k: v for k, v in sent.items() if k != "view"}}


def step_view(
    n_steps: int,
    data: bytes,
    identity: str,
    *,
    key: str = "step",
    first: int = 1,
    after: Callable[[int], None] | None = None,
) -> None:
    """Mount the client-side step view over ``data`` (every step's numbers).

    Args:
        n_steps: number of steps T.
        data: every step's numbers, as ``stepview_js.JS`` draws them
            (``rnn_parts.step_data``), serialised once by :func:`payload`; the step it
            opens at is added here from the session / the link.
        identity: what ``data`` was computed from (e.g. the arguments of its cached
            builder): a new identity (or a new start step) redraws the view from scratch;
            the same one after a sync keeps the student's own step.
        key: session-state and URL key of the step (as ``stepper.step_through``'s).
        first: the number shown for the first step.
        after: drawn under the view with the synced step t (0 .. T-1), e.g. the quiz.
    """
    step = start_step(key, n_steps, first)
    st.session_state.setdefault("_step_views", {})[key] = st.context.url
    if st.query_params.get(key) not in (None, str(step)):
        # the browser sent the step the server last wrote; the page's run writes the URL
        st.query_params[key] = str(step)
    # hashing the identity, not the data (tens of KB of JSON), keeps a full run cheap
    view_id = hashlib.blake2b(f"{identity}|{step}".encode(), digest_size=8).hexdigest()
    # the cached bytes as they are, wrapped with this student's step: no JSON encoding here
    own = json.dumps({"key": key, "first": first, "step": step - first, "id": view_id})
    sent = b'{"view":' + data + b"," + own[1:].encode()
    st.fragment(_view_fragment)(n_steps, sent, key, first, after)


def _view_fragment(n_steps: int, data: bytes, key: str, first: int, after) -> None:
    # A fragment rerun (the sync) gets the same arguments as the last full run: the same
    # element, so Streamlit sends a reference to it, not the data again.
    _view(
        key=f"{key}_view",
        data=data,
        on_step_change=lambda: _synced(key, n_steps, first),
        height="content",
    )
    if after is not None:
        after(st.session_state[key] - first)
