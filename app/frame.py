"""Frame-wide setup shared by every page: process settings and lecture mode."""

import gc

import streamlit as st
import torch

from app import urlstate

_SET_UP = False


def setup_process_once() -> None:
    """Freeze the import graph and cap torch threads, once per server process.

    Streamlit runs a full gc.collect() after every script and fragment run; with
    torch loaded that dominates a click. Moving the (immortal) import graph into
    the permanent generation keeps the safeguard and removes the cost. Calling
    gc.freeze() on every rerun would also freeze session garbage, hence "once".
    """
    global _SET_UP
    if _SET_UP:
        return
    torch.set_num_threads(1)  # scripts share one process: scale with processes
    gc.collect()
    gc.freeze()
    _SET_UP = True


# Static CSS only (nothing a user typed): bigger type for a projector.
_LECTURE_CSS = """
<style>
  .stMainBlockContainer { font-size: 1.3rem; }
  .stMainBlockContainer p, .stMainBlockContainer li, .stMainBlockContainer label,
  .stMainBlockContainer .stCaption, .stMainBlockContainer button { font-size: 1.3rem !important; }
  .stMainBlockContainer h1 { font-size: 3.2rem; }
  .stMainBlockContainer h2 { font-size: 2.4rem; }
  .stMainBlockContainer h3 { font-size: 1.9rem; }
  .stMainBlockContainer .katex-display .katex { font-size: 1.35em; }
</style>
"""


def lecture_mode_toggle() -> bool:
    """Sidebar toggle that enlarges fonts and charts for projection; returns its state."""
    on = st.sidebar.toggle(
        "Lecture mode",
        key="lecture",
        help="Bigger text, equations and chart labels for a projector.",
        **urlstate.BOUND,
    )
    # (the sidebar toggle is the same widget on every page, so it survives page switches)
    if on:
        st.html(_LECTURE_CSS)
    return on
