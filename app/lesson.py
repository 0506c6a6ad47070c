"""The parts every lesson page shares: intro, "try this", captions, "show the code".

In lecture mode the prose (:func:`intro`, :func:`try_this`, :func:`more`) is folded
away behind one "Read the explanations" toggle at the top of the page (drawn by the
frame, :func:`app.frame.lecture_mode_toggle`), so that the chart and its equation fill
the projector screen; a page's own prose checks :func:`reading` the same way.
"""

import inspect
from functools import cache
from pathlib import Path

import streamlit as st

from app import frame, urlstate
from app.labs import by_url_path, neighbours

TEXT_DIR = Path(__file__).resolve().parents[1] / "assets" / "text"


@cache
def prose(name: str) -> str:
    """The markdown in assets/text/<name>.md (read once per process)."""
    return (TEXT_DIR / f"{name}.md").read_text(encoding="utf-8")


def reading() -> bool:
    """Whether prose is shown (always, except in lecture mode with "Read" off)."""
    return frame.reading()


def intro(name: str) -> None:
    """The page's "what you are looking at" paragraph (folded away in lecture mode)."""
    if not reading():
        return
    st.markdown("**What you are looking at.** " + prose(name))


def try_this(name: str) -> None:
    """A highlighted box of things to try on this page (folded away in lecture mode)."""
    if not reading():
        return
    with st.container(border=True, key=f"try_{name}"):
        st.markdown(":material/lightbulb: **Try this**")
        st.markdown(prose(name))


def how_to_read(text: str) -> None:
    """One-line caption under a chart."""
    st.caption(f"**How to read this:** {text}")


def more(title: str, name: str, expanded: bool = False) -> None:
    """Longer explanation in an expander (folded away in lecture mode)."""
    if not reading():
        return
    with st.expander(title, expanded=expanded):
        st.markdown(prose(name))


@cache
def _source(fn) -> str:
    return inspect.getsource(fn)


def show_code(*functions, note: str = "") -> None:
    """The seqviz functions behind the main figure, in a collapsed expander."""
    with st.expander("Show the code", icon=":material/code:"):
        if note:
            st.markdown(note)
        for fn in functions:
            st.markdown(f"`{fn.__module__}.{fn.__qualname__}`")
            st.code(_source(fn), language="python")


def chart(fig, key: str, how: str) -> None:
    """A Plotly figure at full width with its "how to read this" caption underneath.

    ``theme=None`` keeps seqviz's own projector-sized style (seqviz.figures.style); in
    lecture mode the chart text is enlarged (the figure is untouched otherwise). The
    toolbar shows on hover, and its camera icon saves the chart as a PNG.
    """
    fig = frame.projector_figure(fig)
    st.plotly_chart(
        fig,
        width="stretch",
        theme=None,
        key=key,
        config={
            "displayModeBar": "hover",
            "displaylogo": False,
            "scrollZoom": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d"],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"seqviz-{key}"},
        },
    )
    how_to_read(how)


def link_to(url_path: str, label: str | None = None, icon: str | None = None) -> None:
    """A link to another lab (by its url path), carrying the shared view (text, model)."""
    lab = by_url_path(url_path)
    st.page_link(
        lab.path,
        label=label or f"Open the {lab.title} lab",
        icon=icon or lab.icon,
        query_params=urlstate.carry(),
    )


def lab_links(url_path: str) -> None:
    """The previous and next lab in course order (app/labs.py), or the course map at the end."""
    previous, following = neighbours(url_path)
    left, right = st.columns(2)
    with left:
        if previous is not None:
            link_to(previous.url_path, f"Previous lab: {previous.title}", ":material/arrow_back:")
    with right:
        if following is not None:
            link_to(following.url_path, f"Next lab: {following.title}", ":material/arrow_forward:")
        else:
            st.page_link("views/home.py", label="Back to the course map", icon=":material/map:")
