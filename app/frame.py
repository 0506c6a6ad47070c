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
    keep_caches_for_everyone()
    gc.collect()
    gc.freeze()
    _SET_UP = True


def keep_caches_for_everyone() -> bool:
    """Make a browser's "clear cache" message clear only that browser's session.

    Streamlit lets any websocket client send it, and by default it empties the caches
    of every user at once (a class of 200 would all wait for the models to load
    again). Here it clears the sender's session state and nothing shared. Internal
    API: if Streamlit renames the handler, this returns False and the default stays
    (tests/test_frame.py fails then, so the change is noticed).
    """
    from streamlit.runtime.app_session import AppSession

    if not hasattr(AppSession, "_handle_clear_cache_request"):
        return False

    def clear_own_session_only(session) -> None:
        session._session_state.clear()

    AppSession._handle_clear_cache_request = clear_own_session_only
    return True


# Static CSS only (nothing a user typed): a projector needs big type and contrast,
# and no chrome: the sidebar and Streamlit's toolbar go, an "Exit lecture mode" button
# stays on the page. Chart text is not scaled here: Plotly sizes its margins from its
# own fonts, so CSS-enlarged tick labels get clipped; figures are enlarged in their
# layout instead (:func:`projector_figure`).
_LECTURE_CSS = """
<style>
  .stMainBlockContainer { font-size: 1.35rem; color: #000; }
  .stMainBlockContainer p, .stMainBlockContainer li, .stMainBlockContainer label,
  .stMainBlockContainer .stCaption, .stMainBlockContainer button,
  .stMainBlockContainer input, .stMainBlockContainer textarea {
    font-size: 1.35rem !important; color: #000 !important; }
  .stMainBlockContainer .stCaption p { color: #222 !important; }
  .stMainBlockContainer h1 { font-size: 2.6rem !important; padding-top: 0; color: #000; }
  .stMainBlockContainer h2 { font-size: 2.4rem; color: #000; }
  .stMainBlockContainer h3 { font-size: 1.9rem; color: #000; }
  /* Equations and headline numbers at least 1.5x normal mode (normal: KaTeX 1.21em of
     16 px = 19.4 px, metric values 36 px; tests/test_browser_lecture.py measures both). */
  .stMainBlockContainer .katex { font-size: 1.35em; }
  .stMainBlockContainer .katex-display > .katex { font-size: 1.875rem !important; }
  .stMainBlockContainer [data-testid="stMetricValue"],
  .stMainBlockContainer [data-testid="stMetricValue"] p,
  .stMainBlockContainer [data-testid="stMetricValue"] div {
    font-size: 3.4rem !important; line-height: 1.3 !important; height: auto !important; }
  /* A slider's value sits above its thumb, however big its text (Streamlit places it a
     fixed 22 px up, which the enlarged text overlaps); the label makes room for it. */
  .stMainBlockContainer [data-testid="stSliderThumbValue"] {
    top: auto !important; bottom: calc(100% + 2px) !important; }
  .stMainBlockContainer [data-testid="stSliderThumbValue"] p { line-height: 1.15 !important; }
  .stMainBlockContainer .stSlider [data-testid="stWidgetLabel"] { margin-bottom: 1.1rem; }
  .stMainBlockContainer [data-testid="stCheckbox"] label { align-items: center; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"] { display: none !important; }
  .stMainBlockContainer { padding-top: 3.4rem; max-width: 100%; }
  /* Exit and Read stay at the top right of the screen and take no room from the page */
  .st-key-lecture_bar { position: fixed; top: 0.4rem; right: 1.5rem; z-index: 999990;
    width: auto !important; gap: 2rem; padding: 0.1rem 0.8rem; border-radius: 0.5rem;
    background: rgba(255, 255, 255, 0.92); }
  .st-key-share, .st-key-check, .stExpander:has(.stCode) { display: none !important; }
</style>
"""

LECTURE_HELP = (
    "Lecture mode: bigger text, equations and chart labels in high contrast for a projector; "
    "the sidebar, the share box and the quizzes are hidden, and the explanations fold away "
    'behind "Read the explanations". Keys in the step-through: '
    "Right / Left for the next / previous step, Space to play or pause. Add `?lecture=1` to a "
    "link to open it this way."
)


READ_HELP = (
    'Lecture mode keeps the prose (the intro, "Try this" and the longer explanations) '
    "folded away so that the chart and its equation fill the projector screen; switch this "
    "on to show it."
)


def reading() -> bool:
    """Whether the page's prose is shown: always outside lecture mode; in lecture mode
    only when the "Read the explanations" toggle at the top of the page is on."""
    return not lecture_on() or bool(st.session_state.get("read", False))


def _leave_lecture() -> None:
    st.session_state["lecture"] = False


def _hide_css(keys: frozenset[str]) -> str:
    """CSS that hides the keyed elements a link asked to hide (names checked by urlstate)."""
    selectors = [f".st-key-{k}" for k in sorted(keys) if urlstate.KEY_PATTERN.match(k)]
    if "sidebar" in keys:
        selectors += ['[data-testid="stSidebar"]', '[data-testid="stSidebarCollapsedControl"]']
    return "<style>" + ", ".join(selectors) + " { display: none !important; }</style>"


def lecture_mode_toggle() -> bool:
    """The frame above every page: check the link, lecture mode, hide flags.

    Runs before the page, so it first checks the URL's parameters
    (:func:`urlstate.sanitise_query_params`) and keeps a slot for one note on the
    settings that were changed or ignored (filled by :func:`show_link_notes` once the
    page has run and its controls have taken or refused the link's values). Then the lecture-mode toggle (sidebar; ``?lecture=1`` in a link): bigger
    fonts and chart text, high contrast, no sidebar — with an "Exit lecture mode"
    button on the page. Finally the controls named in ``?hide=...`` are hidden.
    Returns whether lecture mode is on.
    """
    notes = urlstate.sanitise_query_params()
    on = st.sidebar.toggle(
        "Lecture mode",
        key="lecture",
        help=LECTURE_HELP,
        **urlstate.BOUND,
    )
    # (the sidebar toggle is the same widget on every page, so it survives page switches)
    if on:
        st.html(_LECTURE_CSS)
        bar = st.container(key="lecture_bar", horizontal=True, vertical_alignment="center")
        bar.button(
            "Exit lecture mode",
            key="exit_lecture",
            icon=":material/close_fullscreen:",
            type="tertiary",
            on_click=_leave_lecture,
            help=LECTURE_HELP,
        )
        bar.toggle("Read the explanations", key="read", help=READ_HELP, **urlstate.BOUND)
    st.session_state["_link_notes"] = (st.empty(), notes)  # filled by show_link_notes
    hide = urlstate.hidden()
    if hide:
        st.html(_hide_css(hide))
    return on


def stop() -> None:
    """End the page here (st.stop), after the link note: an empty text box ends a page
    early, and the note on the link's other settings must still show."""
    finish()
    st.stop()


def finish() -> None:
    """After the page ran (or where it stops early): the link note, and the browser's
    copy of the exercise scores (:func:`app.quiz.keep_scores`)."""
    from app import quiz

    show_link_notes()
    quiz.keep_scores()


def show_link_notes() -> None:
    """After the page ran: one note above it on every setting of the link that was
    changed or ignored (by the link check, or by a control that could not take it)."""
    slot, notes = st.session_state.pop("_link_notes", (None, []))
    notes = notes + urlstate.more_notes() + urlstate.unapplied_notes()
    if slot is not None and notes:
        slot.info(
            "Some settings in this link could not be used as given:\n\n- " + "\n- ".join(notes),
            icon=":material/link_off:",
        )


def lecture_on() -> bool:
    """Whether lecture mode is on (for helpers that draw fewer controls or bigger figures)."""
    return bool(st.session_state.get("lecture", False))


PROJECTOR_SCALE = 1.3  # chart text in lecture mode, relative to seqviz's own style


def _scale_fonts(node, factor: float, in_font: bool = False):
    """Every font size in a figure dict times ``factor`` (Plotly's default 12 if unset)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            is_font = key.endswith("font") or key == "font"
            if in_font and key == "size" and isinstance(value, int | float):
                out[key] = value * factor
            else:
                out[key] = _scale_fonts(value, factor, is_font)
        return out
    if isinstance(node, list):
        return [_scale_fonts(v, factor) for v in node]
    return node


def _scale_trace(trace: dict) -> dict:
    """A trace's text enlarged, except the numbers written inside heatmap cells: the
    cells do not grow with them (enlarged, neighbouring numbers run into each other)."""
    if trace.get("type") != "heatmap" or "textfont" not in trace:
        return _scale_fonts(trace, PROJECTOR_SCALE)
    cell_text = trace["textfont"]
    return {**_scale_fonts(trace, PROJECTOR_SCALE), "textfont": cell_text}


def projector_figure(fig):
    """A Plotly figure with projector-sized, high-contrast text in lecture mode.

    Outside lecture mode only the heatmap labels below change. Meant for
    ``lesson.chart`` (``fig = frame.projector_figure(fig)`` before drawing); returns a
    copy, so cached figures stay untouched. Axes get automatic margins so the larger tick labels fit. In both
    modes every heatmap row and column label is drawn (never silently every other one:
    :func:`seqviz.figures.style.label_every_category`).
    """
    import plotly.graph_objects as go

    from seqviz.figures.style import label_every_category

    if not lecture_on():
        if not any(trace.type == "heatmap" for trace in fig.data):
            return fig
        return label_every_category(go.Figure(fig))

    spec = fig.to_plotly_json()
    layout = _scale_fonts(spec.get("layout", {}), PROJECTOR_SCALE)
    base = (layout.get("font") or {}).get("size")
    layout["font"] = {
        **layout.get("font", {}),
        "size": base or 12 * PROJECTOR_SCALE,
        "color": "#000",
    }
    data = [_scale_trace(trace) for trace in spec.get("data", [])]
    big = go.Figure(data=data, layout=layout)
    # a set title standoff makes automargin push the margin for the (larger) axis title too
    big.update_xaxes(automargin=True, title_standoff=8)
    big.update_yaxes(automargin=True, title_standoff=8)
    return label_every_category(big)
