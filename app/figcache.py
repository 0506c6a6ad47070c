"""Step-through figures of the RNN lab, built once and shared by every session.

A step click must only re-slice what was computed when the text changed:

- every figure over the whole text (heatmaps, the PCA path) is built once per reading without
  a step and kept frozen as plain JSON-ready data (``seqviz.figures.overlay.freeze``);
  a step click adds the step's marker as a few plain dicts (``overlay``): no figure
  validation, no numpy, no re-encoding of the big arrays;
- the figures that change as a whole with the step (the unrolled window, the top-5
  bars) are cached per step, so stepping back and forth, and every student who opens
  the lecturer's link, reuse them.

Cache keys are short: (model name, weights, text, ...), never token tuples or arrays.
The Gates lab's own caches are in app/views/gates_parts.py, built the same way.
Every cached value is shared by all sessions, so it is immutable: tuples, frozen
dataclasses and frozen figures, which are never modified (``overlay`` builds a new
figure around them); never a list or a live ``go.Figure``.
"""

import plotly.graph_objects as go
import streamlit as st

from app import loaders
from seqviz.figures import predictions, projection, unrolling
from seqviz.figures import recurrent as rfigs
from seqviz.figures.overlay import freeze, overlay
from seqviz.figures.timeaxis import clip_step, step_marker

# A frozen heatmap is 50-250 KiB (float32 values); a per-step figure 10-40 KiB.
_TEXT_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)
_STEP_CACHE = dict(max_entries=256, ttl=1800, show_spinner=False)


def _marker(t: int | None, T: int) -> dict:
    t = clip_step(t, T)
    return step_marker(t) if t is not None else {}


@st.cache_resource(**_TEXT_CACHE)
def _hidden_heatmap(name, trained, text, layer, direction, title, height) -> tuple[dict, int]:
    reading = loaders.read(name, trained, text)
    layer_trace = reading.trace.layers[layer]
    h = layer_trace.hidden if direction is None else layer_trace.directions[direction].h
    tokens = reading.encoded.tokens
    fig = rfigs.hidden_heatmap(h, tokens, step=None, title=title, zmax=1.0, height=height)
    return freeze(fig), len(tokens)


def hidden_heatmap(
    name: str,
    trained: bool,
    text: str,
    layer: int = 0,
    direction: int | None = None,
    title: str | None = None,
    height: int | None = None,
    step: int | None = None,
) -> go.Figure:
    """Units x time heatmap of one layer (or one direction of it), step ``step`` outlined."""
    base, T = _hidden_heatmap(name, trained, text, layer, direction, title, height)
    step = clip_step(step, T)  # labelled x_1 … x_T, as hidden_heatmap labels its columns
    return overlay(base, **(step_marker(step, first=1) if step is not None else {}))


@st.cache_resource(**_STEP_CACHE)
def _unrolled(name: str, trained: bool, text: str, t: int, num_layers: int, bidirectional: bool):
    tokens = loaders.read(name, trained, text).encoded.tokens
    return freeze(
        unrolling.unrolled(tokens, step=t, num_layers=num_layers, bidirectional=bidirectional)
    )


def unrolled(
    name: str, trained: bool, text: str, t: int, num_layers: int, bidirectional: bool
) -> go.Figure:
    """The unrolled network around step t (a window of 9 steps on a long text)."""
    return overlay(_unrolled(name, trained, text, t, num_layers, bidirectional))


@st.cache_resource(**_STEP_CACHE)
def _topk(name: str, trained: bool, text: str, t: int, title: str | None) -> dict:
    reading = loaders.read(name, trained, text)
    tokens = reading.encoded.tokens
    if reading.model.config.objective == "blank":
        actual = tokens[t]
    else:
        actual = tokens[t + 1] if t + 1 < len(tokens) else None
    return freeze(
        predictions.topk_bar(
            reading.probs[t], reading.model.vocab.idx_to_token, k=5, actual=actual, title=title
        )
    )


def topk(name: str, trained: bool, text: str, t: int, title: str | None) -> go.Figure:
    """Top-5 predictions at step t; the accent bar is the true next (or blanked) character."""
    return overlay(_topk(name, trained, text, t, title))


@st.cache_resource(**_TEXT_CACHE)
def _trajectory(name: str, trained: bool, text: str) -> dict:
    reading = loaders.read(name, trained, text)
    return freeze(
        projection.trajectory(
            reading.pca.points, reading.encoded.tokens, step=None, explained=reading.pca.explained
        )
    )


def trajectory(name: str, trained: bool, text: str, t: int) -> go.Figure:
    """The PCA path of h_t over the text, with the big marker on step t."""
    reading = loaders.read(name, trained, text)
    marker = projection.trajectory_step_marker(reading.pca.points, reading.encoded.tokens, t)
    return overlay(_trajectory(name, trained, text), **marker)
