"""Figures cached for every session are immutable: each read is a new figure.

A figure in ``st.cache_resource`` is shared by every user of the server process; if
a read returned the cached ``go.Figure`` itself, one session's ``update_layout``
would show up in everyone's view. The app caches figures frozen
(``seqviz.figures.overlay.freeze``) and builds a new figure on every read.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import plotly.graph_objects as go
import pytest
import streamlit as st
from streamlit.runtime.caching import cache_resource_api

from app.views import attention_parts, gates_parts, rnn_parts, transformer_parts

TEXT = "the time machine"
# source, text, D, d_k, seed, positions, scale, causal, head
VIEW = ("random", "the time traveller held in his hand", 16, 8, 0, True, True, False, 0)


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def tamper(fig: go.Figure) -> None:
    """What a careless page might do to a figure it got from a cache."""
    fig.update_layout(title_text="changed by another session", height=123)
    fig.add_shape(type="line", x0=0, x1=1, y0=0, y1=1)
    fig.data[0].name = "changed"
    for shape in fig.layout.shapes:
        shape.line.color = "red"


def assert_fresh(read) -> None:
    """``read()`` twice gives two objects; changing the first leaves the second as built."""
    first = read()
    built = first.to_json()
    tamper(first)
    second = read()
    assert second is not first
    assert second.to_json() == built


@pytest.mark.parametrize(
    "read",
    [
        lambda: rnn_parts.heatmap("rnn", True, TEXT, 2)[0],
        lambda: gates_parts.gate_heatmap("lstm", True, TEXT, "forget"),
        lambda: rnn_parts.unrolled("rnn", True, TEXT, 3, 1, False),
        lambda: rnn_parts.topk("rnn", True, TEXT, 3),
        lambda: rnn_parts.trajectory("rnn", True, TEXT, 3),
        lambda: gates_parts.unit_figures("lstm", True, TEXT, 0, 2)[0],
        lambda: gates_parts.unit_figures("lstm", True, TEXT, 0, 2)[1],
        lambda: gates_parts.unit_figures("lstm", True, TEXT, 0, 2)[2],
        lambda: gates_parts.unit_figures("lstm", True, TEXT, 0, 2)[3],
        lambda: gates_parts.saturation("lstm", True, TEXT, "forget", "saturation"),
        lambda: gates_parts.unit_ranking("lstm", True, TEXT, "is a space")[1],
        lambda: gates_parts.diagram("gru", True, TEXT, 2, 0, 400),
        lambda: gates_parts.state_heatmap("lstm", True, TEXT, "cell", "c"),
    ],
    ids=[
        "hidden",
        "gate",
        "unrolled",
        "topk",
        "trajectory",
        "gate_series",
        "candidate",
        "cell",
        "text",
        "saturation",
        "ranking",
        "diagram",
        "state",
    ],
)
def test_rnn_and_gates_figures_are_new_on_every_read(read):
    assert_fresh(read)


RANKING_MUTATIONS = {
    "clear": lambda ranking: ranking.clear(),
    "reverse": lambda ranking: ranking.reverse(),
    "replace": lambda ranking: ranking.__setitem__(0, ranking[-1]),
    "delete": lambda ranking: ranking.__delitem__(0),
    "rescore": lambda ranking: setattr(ranking[0], "unit", -1),
}


@pytest.mark.parametrize("mutate", RANKING_MUTATIONS.values(), ids=RANKING_MUTATIONS)
def test_changing_a_read_unit_ranking_cannot_change_the_next_read(mutate):
    """*Find a unit*'s ranking is shared by every session: a tuple of frozen scores."""
    first, _ = gates_parts.unit_ranking("lstm", True, TEXT, "is a space")
    built = [(score.unit, score.r) for score in first]
    with contextlib.suppress(AttributeError, TypeError):  # FrozenInstanceError included
        mutate(first)
    second, _ = gates_parts.unit_ranking("lstm", True, TEXT, "is a space")
    assert len(built) == 8
    assert [(score.unit, score.r) for score in second] == built


def is_frozen_figure(value) -> bool:
    """A figure kept as ``overlay.freeze`` data: read only through ``overlay`` (tested above)."""
    return isinstance(value, dict) and {"data", "layout"} <= value.keys()


def immutable(value) -> bool:
    """None, numbers, strings, frozen figures, read-only arrays, and tuples / frozen
    dataclasses of them."""
    if value is None or isinstance(value, int | float | str) or is_frozen_figure(value):
        return True
    if isinstance(value, np.ndarray):
        return not value.flags.writeable
    if isinstance(value, tuple):
        return all(immutable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frozen = type(value).__dataclass_params__.frozen
        fields = dataclasses.fields(value)
        return frozen and all(immutable(getattr(value, f.name)) for f in fields)
    return False


def test_every_value_the_step_through_figures_cache_is_immutable():
    """Every cache of the RNN and Gates labs (app/views/rnn_parts.py, gates_parts.py),
    read once; then what st.cache_resource holds."""
    rnn_parts.heatmap("rnn", True, TEXT, 2)
    rnn_parts.unrolled("rnn", True, TEXT, 3, 1, False)
    rnn_parts.topk("rnn", True, TEXT, 3)
    rnn_parts.trajectory("rnn", True, TEXT, 3)
    gates_parts.gate_heatmap("lstm", True, TEXT, "forget")
    gates_parts.unit_figures("gru", True, TEXT, 0, 2)  # a GRU: no cell-state figure (None)
    gates_parts.saturation("lstm", True, TEXT, "forget", "saturation")
    gates_parts.unit_ranking("lstm", True, TEXT, "is a space")
    gates_parts.diagram("lstm", True, TEXT, 2, 0, 400)
    gates_parts.state_heatmap("rnn", True, TEXT, "hidden", "h")
    gates_parts.streakiness("lstm", True, TEXT, "cell")
    caches = cache_resource_api._resource_caches._function_caches
    held = {}
    for by_function in caches.values():
        for cache in by_function.values():
            if cache.display_name.startswith(("app.views.rnn_parts.", "app.views.gates_parts.")):
                with cache._mem_cache_lock:
                    held[cache.display_name] = [r.value for r in cache._mem_cache.values()]
    assert len(held) == 11, sorted(held)
    mutable = [name for name, values in held.items() if not all(map(immutable, values))]
    assert not mutable


@pytest.mark.parametrize(
    "read",
    [
        lambda: attention_parts.step_figure("Q", VIEW, row=2),
        lambda: attention_parts.step_figure("scores", VIEW, row=0),
        lambda: attention_parts.step_figure("weights", VIEW, row=1),
        lambda: attention_parts.step_figure("entropy", VIEW),
        lambda: attention_parts.query_bars(VIEW, 2),
        lambda: attention_parts.positions_figures(16, 8)[0],
        lambda: attention_parts.positions_figures(16, 8)[1],
        lambda: attention_parts.order_maps(VIEW[1], 16, 8, 0, 1)[1][1],
        lambda: transformer_parts.head_figures("pretrained", None, TEXT, 1, 2, 5)[0],
        lambda: transformer_parts.head_figures("pretrained", None, TEXT, 1, 2, 5)[1],
        lambda: transformer_parts.step_figures("pretrained", None, "the ", 5, 1.0, 0, 3, 2)[1],
    ],
    ids=[
        "Q",
        "scores",
        "weights",
        "entropy",
        "bars",
        "encodings",
        "similarity",
        "order",
        "model_view",
        "head",
        "sampled",
    ],
)
def test_attention_and_transformer_figures_are_new_on_every_read(read):
    assert_fresh(read)


def test_bridge_figure_is_new_on_every_read():
    assert_fresh(lambda: transformer_parts.bridge_view("copy", 0, None, "hgabcf")[1])


def test_the_query_row_outline_stays_out_of_the_cache():
    """One session's query row is drawn on its figure only, never on the shared one."""
    outlined = attention_parts.step_figure("Q", VIEW, row=4)
    plain = attention_parts.step_figure("Q", VIEW)
    other_row = attention_parts.step_figure("Q", VIEW, row=1)
    assert [(s.y0, s.y1) for s in outlined.layout.shapes] == [(3.5, 4.5)]
    assert plain.layout.shapes == ()
    assert [(s.y0, s.y1) for s in other_row.layout.shapes] == [(0.5, 1.5)]


def cached_values():
    """Every value held by any ``st.cache_resource`` function of this process."""
    caches = cache_resource_api._resource_caches._function_caches
    for by_function in caches.values():
        for cache in by_function.values():
            with cache._mem_cache_lock:
                yield from (result.value for result in list(cache._mem_cache.values()))


def figures_in(value, depth: int = 0):
    if isinstance(value, go.Figure):
        yield value
    elif depth < 4 and isinstance(value, dict | list | tuple):
        for item in value.values() if isinstance(value, dict) else value:
            yield from figures_in(item, depth + 1)


def test_no_page_keeps_a_live_figure_in_a_shared_cache(open_page, monkeypatch):
    """Open every lab that draws Plotly figures, then look at what st.cache_resource holds."""
    monkeypatch.setenv("SEQVIZ_STEPPING", "server")  # the RNN page's Plotly stepper
    at = open_page("views/rnn.py")
    at.slider(key="step").set_value(4).run()
    for page in (
        "views/gates.py",
        "views/attention.py",
        "views/transformer.py",
        "views/lm.py",
        "views/word2vec.py",
        "views/gradients.py",
    ):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    values = list(cached_values())
    assert any(isinstance(v, dict) for v in values)  # the frozen figures are there
    live = [f for v in values for f in figures_in(v)]
    assert not live, [f.layout.title.text for f in live]
