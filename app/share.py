"""Share and export: a link to this exact view, and the data and charts behind it.

One call per lab, at the end of the page::

    share.share_box(data={"hidden states": share.trace_table(tr, enc.tokens)},
                    charts={"hidden states": fig}, hideable=("text", "model", "unit"))

The link is built from the page's address (``st.context.url``) and its query
parameters, which Streamlit keeps in step with every bound widget; the box is a
fragment, so pressing "Make link" reads them as they are *now* (after any step
clicks). A tutor can tick controls to hide: the link then carries ``?hide=...``
and the frame hides those controls (app/frame.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from app import stepview, urlstate

DEFAULT_HIDEABLE = ("text", "model", "unit", "step", "sidebar")


def link_to_view(hide: Sequence[str] = ()) -> str:
    """The URL of this page with the current view's query parameters (and hide flags)."""
    params = {k: st.query_params.get(k) for k in st.query_params}
    params.update({k: str(t) for k, t in stepview.current_steps().items()})
    params.pop("hide", None)
    names = [k for k in hide if urlstate.KEY_PATTERN.match(k)]
    if names:
        params["hide"] = ",".join(names)
    base = st.context.url or ""
    return base + ("?" + urlencode(params) if params else "")


def _link_fragment(hideable: Sequence[str], key: str) -> None:
    hide = st.multiselect(
        "Hide these controls in the link (for a focused exercise)",
        options=list(hideable),
        key=f"{key}_hide",
        help="The link opens the same view with these controls hidden; 'sidebar' hides "
        "the navigation too.",
    )
    st.button(
        "Make link to this view",
        key=f"{key}_make",
        icon=":material/link:",
        help="Reads the view as it is now (text, model, step, sliders) into a link.",
    )
    st.code(link_to_view(hide), language=None, wrap_lines=True)
    st.caption(
        "Copy it with the icon at the right of the box. It opens exactly this view — "
        "text, model, step and sliders — even after a page switch."
    )


def copy_link(hideable: Sequence[str] = DEFAULT_HIDEABLE, key: str = "link") -> None:
    """ "Copy link to this view": the current view as a URL in a copyable box."""
    if urlstate.is_hidden("link"):
        return
    st.fragment(_link_fragment)(tuple(hideable), key)


# --- data -------------------------------------------------------------------------------


def to_frame(data) -> pd.DataFrame:
    """A table from a DataFrame, a list of dicts, a dict of columns, or a 1-D / 2-D array."""
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "detach"):  # a torch tensor
        data = data.detach().cpu().numpy()
    if isinstance(data, Mapping) or (
        isinstance(data, list) and data and isinstance(data[0], Mapping)
    ):
        return pd.DataFrame(data)
    frame = pd.DataFrame(data)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def labelled(
    values, columns: Sequence[str], rows: Sequence[str] | None = None, row_name: str = "step"
):
    """A (N, K) tensor or array as a table with named columns, e.g. next-character
    probabilities: ``labelled(reading.probs, model.vocab.idx_to_token, enc.tokens)``."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    frame = pd.DataFrame(values, columns=[str(c) for c in columns])
    frame.insert(0, row_name, range(len(frame)))
    if rows is not None:
        frame.insert(1, "read", list(rows)[: len(frame)])
    return frame


def download_data(name: str, data, key: str) -> None:
    """CSV and JSON download buttons for one table, built only when a button is clicked.

    Args:
        name: file name stem, e.g. ``"hidden-states"``.
        data: anything :func:`to_frame` takes, or a function of no arguments returning it
            (pass ``lambda: trace_table(tr, tokens)`` so nothing is built on a rerun).
        key: widget key prefix.
    """
    if urlstate.is_hidden("download"):
        return

    def frame() -> pd.DataFrame:
        return to_frame(data() if callable(data) else data)

    c_csv, c_json, _ = st.columns([1, 1, 3])
    c_csv.download_button(
        "CSV",
        data=lambda: frame().to_csv(index=False),
        file_name=f"seqviz-{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c_json.download_button(
        "JSON",
        data=lambda: frame().to_json(orient="records", indent=1),
        file_name=f"seqviz-{name}.json",
        mime="application/json",
        key=f"{key}_json",
        icon=":material/download:",
        on_click="ignore",
    )


def trace_table(trace, tokens: Sequence[str]) -> pd.DataFrame:
    """Every recorded value of a recurrent trace as a long table.

    One row per (layer, direction, step t, unit j): the character read, h_t and, where
    the cell has them, c_t and every gate. Unbatched traces (T, H) only.
    """
    frames = []
    for l, layer in enumerate(trace.layers):
        for d, run in enumerate(layer.directions):
            T, H = run.h.shape
            columns = {"h": run.h, **({"c": run.c} if run.c is not None else {}), **run.gates}
            frame = pd.DataFrame(
                {
                    "layer": l,
                    "direction": d,
                    "t": np.repeat(np.arange(T), H),
                    "token": np.repeat(np.asarray(list(tokens[:T]), dtype=object), H),
                    "unit": np.tile(np.arange(H), T),
                    **{n: v.detach().cpu().numpy().reshape(-1) for n, v in columns.items()},
                }
            )
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --- charts -----------------------------------------------------------------------------


def _plotly_html(fig) -> str:
    # the saved page has Plotly's toolbar: its camera icon saves SVG (PNG: set format)
    return fig.to_html(
        include_plotlyjs="cdn",
        full_html=True,
        config={"toImageButtonOptions": {"format": "svg", "scale": 2}, "displaylogo": False},
    )


def _altair_html(chart) -> str:
    # vega-embed's "..." menu in the saved page offers Save as SVG and Save as PNG
    return chart.to_html(embed_options={"actions": {"export": True, "source": True}})


def export_chart(name: str, fig, key: str) -> None:
    """Downloads for one chart: an HTML page that saves it as SVG or PNG, and its JSON.

    In the app, Plotly charts save as PNG from their own toolbar (camera icon);
    Streamlit draws Altair charts without vega-embed's menu, hence the page.
    """
    if urlstate.is_hidden("download"):
        return
    is_altair = hasattr(fig, "to_dict") and hasattr(fig, "mark_point")
    html = (lambda: _altair_html(fig)) if is_altair else (lambda: _plotly_html(fig))
    spec = (lambda: json.dumps(fig.to_dict(), indent=1)) if is_altair else fig.to_json
    c_html, c_json, _ = st.columns([1.6, 1, 3])
    c_html.download_button(
        "Chart (SVG / PNG)",
        data=html,
        file_name=f"seqviz-{name}.html",
        mime="text/html",
        key=f"{key}_html",
        icon=":material/image:",
        on_click="ignore",
        help="A page with just this chart: its toolbar / ⋯ menu saves SVG and PNG.",
    )
    c_json.download_button(
        "Spec",
        data=spec,
        file_name=f"seqviz-{name}.{'vl' if is_altair else 'plotly'}.json",
        mime="application/json",
        key=f"{key}_spec",
        icon=":material/data_object:",
        on_click="ignore",
        help="The chart's full JSON (data included).",
    )


def share_box(
    data: Mapping[str, object] | None = None,
    charts: Mapping[str, object] | None = None,
    hideable: Sequence[str] = DEFAULT_HIDEABLE,
    key: str = "share",
) -> None:
    """One expander per lab: the link to this view, the data and the charts to download."""
    if urlstate.is_hidden(key):
        return
    with st.container(key=key):
        with st.expander("Share this view · download data and charts", icon=":material/share:"):
            copy_link(hideable, key=f"{key}_link")
            for i, (name, table) in enumerate((data or {}).items()):
                st.markdown(f"**Data: {name}**")
                download_data(_slug(name), table, key=f"{key}_data{i}")
            for i, (name, fig) in enumerate((charts or {}).items()):
                st.markdown(f"**Chart: {name}**")
                export_chart(_slug(name), fig, key=f"{key}_chart{i}")


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "data"


__all__ = [
    "copy_link",
    "download_data",
    "export_chart",
    "link_to_view",
    "share_box",
    "trace_table",
]
