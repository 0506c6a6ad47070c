"""Step-through figures, built once and shared by every session.

A step click must only re-slice what was computed when the text changed. Two
kinds of cache make that true:

- heatmaps over the whole text (the big figures) are built once per reading
  without a step; a step click copies one and outlines column t
  (``seqviz.figures.timeaxis.mark_step``, exactly what the builder does for ``step=t``);
- the small per-step figures are cached per (model, weights, text, step[, unit]), so
  stepping back and forth, and every student who opens the lecturer's link, reuse them.

Figures are never modified after they are cached: ``with_step`` works on a copy.
"""

import plotly.graph_objects as go
import streamlit as st

from app import loaders
from seqviz import units
from seqviz.figures import gates as gfigs
from seqviz.figures import recurrent as rfigs
from seqviz.figures.timeaxis import mark_step

# A Plotly figure object is 100-450 KiB in memory: bound the caches (about 130 MiB at
# most for the per-step figures), and let idle entries expire.
_STEP_CACHE = dict(max_entries=128, ttl=1800, show_spinner=False)


def with_step(base: go.Figure, t: int) -> go.Figure:
    """A copy of a cached time-axis figure with step t outlined."""
    fig = go.Figure(base)
    mark_step(fig, t)
    return fig


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def hidden_heatmap(
    name: str,
    trained: bool,
    text: str,
    layer: int = 0,
    direction: int | None = None,
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Units x time heatmap of one layer (or one direction of it), no step marked."""
    tr = loaders.read(name, trained, text).trace
    h = tr.layers[layer].hidden if direction is None else tr.layers[layer].directions[direction].h
    tokens = loaders.read(name, trained, text).encoded.tokens
    return rfigs.hidden_heatmap(h, tokens, step=None, title=title, zmax=1.0, height=height)


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def gate_heatmap(cell: str, trained: bool, text: str, gate: str) -> go.Figure:
    reading = loaders.read(cell, trained, text)
    return gfigs.gate_heatmap(reading.trace.gates[gate], reading.encoded.tokens, gate=gate)


@st.cache_resource(**_STEP_CACHE)
def unrolled(tokens: tuple[str, ...], t: int, num_layers: int, bidirectional: bool) -> go.Figure:
    return rfigs.unrolled(list(tokens), step=t, num_layers=num_layers, bidirectional=bidirectional)


@st.cache_resource(**_STEP_CACHE)
def topk(name: str, trained: bool, text: str, t: int, title: str | None) -> go.Figure:
    """Top-5 predictions at step t; the accent bar is the true next (or blanked) character."""
    reading = loaders.read(name, trained, text)
    tokens = reading.encoded.tokens
    if reading.model.config.objective == "blank":
        actual = tokens[t]
    else:
        actual = tokens[t + 1] if t + 1 < len(tokens) else None
    return rfigs.topk_bar(
        reading.probs[t], reading.model.vocab.idx_to_token, k=5, actual=actual, title=title
    )


@st.cache_resource(**_STEP_CACHE)
def trajectory(name: str, trained: bool, text: str, t: int) -> go.Figure:
    reading = loaders.read(name, trained, text)
    return rfigs.trajectory(
        reading.pca.points, reading.encoded.tokens, step=t, explained=reading.pca.explained
    )


@st.cache_resource(**_STEP_CACHE)
def unit_figures(cell: str, trained: bool, text: str, unit: int, t: int) -> tuple[go.Figure, ...]:
    """Gates lab, unit j at step t: gate time series, cell vs hidden (LSTM), coloured text."""
    reading = loaders.read(cell, trained, text)
    tr, tokens = reading.trace, reading.encoded.tokens
    series = gfigs.gate_timeseries(
        {g: tr.gates[g][:, unit] for g in tr.gates}, tokens, step=t, unit=unit
    )
    text_fig = gfigs.text_activation(
        tokens,
        tr.hidden[:, unit],
        step=t,
        title=f"Your text, coloured by unit {unit}'s h<sub>t</sub>",
    )
    if tr.cell is None:
        return series, None, text_fig
    cell_fig = gfigs.cell_vs_hidden(tr.cell[:, unit], tr.hidden[:, unit], tokens, step=t, unit=unit)
    return series, cell_fig, text_fig


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def saturation(cell: str, trained: bool, text: str, gate: str, title: str) -> go.Figure:
    """Fraction of steps each unit's gate is closed (< 0.1) / open (> 0.9), one dot per unit."""
    reading = loaders.read(cell, trained, text)
    frac_low, frac_high = units.saturation(reading.trace.gates[gate])
    return gfigs.saturation_scatter(frac_low, frac_high, gate=gate, height=420, title=title)


@st.cache_resource(max_entries=32, ttl=1800, show_spinner=False)
def unit_ranking(cell: str, trained: bool, text: str, feature: str):
    """``units.rank_units`` of h_t against a text feature, and its bar chart."""
    reading = loaders.read(cell, trained, text)
    features = units.text_features(list(text.lower()))  # the T characters the model read
    ranking = units.rank_units(reading.trace.hidden, features[feature], top=8)
    return ranking, gfigs.unit_ranking_bar(ranking, feature=feature)
