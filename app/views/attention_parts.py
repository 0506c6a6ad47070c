"""The Self-attention lab's parts: cached results and figures, and the sections' plumbing.

Everything cached here is a pure function of its arguments (sentence, sizes, seed,
switches), so one student's view never depends on another's. Figures are cached
frozen (``seqviz.figures.overlay.freeze``: plain data no session can change) and
every read builds a new figure around them (``overlay``), adding the outline of the
query's row: a session may change the figure it gets without touching anyone else's.
The figures themselves come from :mod:`seqviz.figures.self_attention`, the equations
from :mod:`seqviz.attention_latex`.

A view of the step-by-step sections is the tuple
``(text, D, d_k, seed, positions, scale, causal)``.
"""

from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from app import lesson
from app.controls import md_escape
from seqviz import attention, self_attention
from seqviz.figures import positions as pfigs
from seqviz.figures import self_attention as safigs
from seqviz.figures.matrix import row_outline
from seqviz.figures.overlay import freeze, overlay

_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)
ORDER_SIDE_BY_SIDE = 16  # words up to which the three shuffle maps stand side by side


# --- the core calls --------------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner="Drawing the random embeddings…")
def weights(D: int, d_k: int, seed: int) -> self_attention.Weights:
    return self_attention.random_weights(len(self_attention.word_vocab()), D, d_k, seed)


@st.cache_resource(**_CACHE)
def sentence(text: str) -> self_attention.Sentence:
    return self_attention.read_sentence(text)


@st.cache_resource(**_CACHE)
def run(text: str, D: int, d_k: int, seed: int, positions: bool, scale: bool, causal: bool):
    s = sentence(text)
    return self_attention.self_attention(
        s.ids, weights(D, d_k, seed), positions=positions, scale=scale, causal=causal
    )


@st.cache_resource(**_CACHE)
def mean_entropy(text: str, D: int, d_k: int, seed: int, positions: bool, causal: bool) -> tuple:
    """Mean row entropy with and without the 1/sqrt(d_k) scaling (for the comparison)."""
    on = run(text, D, d_k, seed, positions, True, causal).steps.entropy.mean()
    off = run(text, D, d_k, seed, positions, False, causal).steps.entropy.mean()
    return float(on), float(off)


@st.cache_resource(**_CACHE)
def order(text: str, D: int, d_k: int, seed: int, perm_seed: int):
    """The order test on the sentence without and with positions (one shuffle)."""
    s, w = sentence(text), weights(D, d_k, seed)
    off = self_attention.order_test(s.ids, w, positions=False, seed=perm_seed)
    on = self_attention.order_test(s.ids, w, positions=True, seed=perm_seed)
    return off, on


# --- figures: cached frozen, a new figure on every read ------------------------------------


@st.cache_resource(**_CACHE)
def _step_figures(
    text: str, D: int, d_k: int, seed: int, positions: bool, scale: bool, causal: bool
) -> dict[str, dict]:
    """Every figure of the step-by-step sections, frozen, without a highlighted row."""
    sa = run(text, D, d_k, seed, positions, scale, causal)
    figs = safigs.step_figures(
        sa, sentence(text).tokens, positions=positions, scale=scale, causal=causal
    )
    return {name: freeze(fig) for name, fig in figs.items()}


def step_figure(
    name: str,
    text: str,
    D: int,
    d_k: int,
    seed: int,
    positions: bool,
    scale: bool,
    causal: bool,
    row: int | None = None,
) -> go.Figure:
    """The step figure ``name`` ("E", "Q", "scores", "weights", "entropy", ...), query row
    ``row`` outlined (a matrix's row; ``None`` for none)."""
    base = _step_figures(text, D, d_k, seed, positions, scale, causal)[name]
    return overlay(base, shapes=[] if row is None else [row_outline(row)])


@st.cache_resource(**_CACHE)
def _query_bars(
    text: str, D: int, d_k: int, seed: int, positions: bool, scale: bool, causal: bool, i: int
) -> dict:
    sa = run(text, D, d_k, seed, positions, scale, causal)
    return freeze(safigs.query_bars(sa, sentence(text).tokens, i))


def query_bars(
    text: str, D: int, d_k: int, seed: int, positions: bool, scale: bool, causal: bool, i: int
) -> go.Figure:
    """Query i's attention weights as bars."""
    return overlay(_query_bars(text, D, d_k, seed, positions, scale, causal, i))


@st.cache_resource(**_CACHE)
def _positions_figures(n: int, dim: int) -> tuple[dict, dict]:
    pe = attention.sinusoidal_positions(n, dim)
    heat = pfigs.positions_heatmap(
        pe, title=f"Sinusoidal encodings: {n} positions × {dim} dimensions"
    )
    sim = pfigs.similarity_heatmap(
        pe @ pe.T, title="P<sub>i</sub> · P<sub>j</sub>: similarity of positions"
    )
    return freeze(heat), freeze(sim)


def positions_figures(n: int, dim: int) -> tuple[go.Figure, go.Figure]:
    """The encoding matrix of n positions x dim, and the dot products between positions."""
    return tuple(overlay(base) for base in _positions_figures(n, dim))


@st.cache_resource(**_CACHE)
def _order_maps(text: str, D: int, d_k: int, seed: int, perm_seed: int):
    off, on = order(text, D, d_k, seed, perm_seed)
    shuffled, maps = safigs.order_maps(off, on, sentence(text).tokens)
    return shuffled, tuple(freeze(fig) for fig in maps)


def order_maps(
    text: str, D: int, d_k: int, seed: int, perm_seed: int
) -> tuple[list[str], tuple[go.Figure, ...]]:
    """The shuffled words, and three maps: the original's and the shuffled sentence's
    without positions, the shuffled one with positions re-sorted."""
    shuffled, maps = _order_maps(text, D, d_k, seed, perm_seed)
    return shuffled, tuple(overlay(base) for base in maps)


# --- sections ----------------------------------------------------------------------------


def show_sentence(sen: self_attention.Sentence) -> None:
    """The words the model reads, <unk> marked, and a note if the sentence was cut."""
    if sen.cut:
        st.warning(
            f"Your sentence has {len(sen.tokens) + sen.cut} words; only the first "
            f"{self_attention.MAX_WORDS} are used so every word keeps its own row.",
            icon=":material/content_cut:",
        )
    shown = " ".join(
        r":red-background[**\<unk\>**]" if u else md_escape(w)
        for w, u in zip(sen.words, sen.unknown, strict=True)
    )
    st.markdown(f"**The model reads {len(sen.tokens)} words:** {shown}")
    if any(sen.unknown):
        unk = sorted({w for w, u in zip(sen.words, sen.unknown, strict=True) if u})
        more = " …" if len(unk) > 8 else ""
        st.caption(
            f"{len(unk)} word(s) are not in the vocabulary of The Time Machine and became "
            f"<unk>: {', '.join(md_escape(w) for w in unk[:8])}{more}. They all share one "
            "embedding, so the model cannot tell them apart."
        )


def step_chart(name: str, view: tuple, row: int | None, how: str) -> None:
    """The step figure ``name`` of ``view`` with query row ``row`` outlined, and its caption."""
    lesson.chart(step_figure(name, *view, row=row), key=f"att_fig_{name}", how=how)


def step_charts(names: Sequence[str], view: tuple, row: int | None, how: str) -> None:
    """The step figures ``names`` side by side; ``{name}`` in the caption ``how`` becomes
    each figure's name."""
    for col, name in zip(st.columns(len(names)), names, strict=True):
        with col:
            step_chart(name, view, row, how.replace("{name}", name.lower()))


def order_charts(maps: Sequence[go.Figure]) -> None:
    """The three maps of the shuffle test side by side."""
    hows = (
        "the original sentence: row = query word, column = key word.",
        "the shuffled sentence: find any word pair of the first map — its weight is the same here.",
        "with positions, the shuffled sentence's weights put back in the original order: they "
        "differ from the first map.",
    )
    # side by side while every word's label has room; one under the other beyond that
    side_by_side = len(maps[0].data[0].y) <= ORDER_SIDE_BY_SIDE
    places = st.columns(3) if side_by_side else [st.container() for _ in maps]
    for k, (place, fig, how) in enumerate(zip(places, maps, hows, strict=True)):
        with place:
            lesson.chart(fig, key=f"att_order_{k}", how=how)
