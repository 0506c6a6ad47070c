"""The Self-attention lab's parts: cached results and figures, and the sections' plumbing.

Everything cached here is a pure function of its arguments (sentence, sizes, seed,
switches), so one student's view never depends on another's. Figures are cached
frozen (``seqviz.figures.overlay.freeze``: plain data no session can change) and
every read builds a new figure around them (``overlay``), adding the outline of the
query's row: a session may change the figure it gets without touching anyone else's.
The figures themselves come from :mod:`seqviz.figures.self_attention`, the equations
from :mod:`seqviz.attention_latex`.

A view of the step-by-step sections is the tuple
``(source, text, D, d_k, seed, positions, scale, causal, head)``: ``source`` is "random"
(the seed's random word embeddings and projections; ``head`` unused) or "trained" (head
``head`` of the trained Transformer's first layer, reading characters; its D, d_k,
positions and mask are the model's own, only ``scale`` can be switched off to compare).
"""

from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from app import lesson, loaders
from app.controls import md_escape
from seqviz import attention, attention_heads, attention_trained, self_attention
from seqviz.figures import positions as pfigs
from seqviz.figures import self_attention as safigs
from seqviz.figures.matrix import row_outline
from seqviz.figures.overlay import freeze, overlay

_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)
ORDER_SIDE_BY_SIDE = 16  # words up to which the shuffle maps stand two a row


# --- the core calls --------------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner="Drawing the random embeddings…")
def weights(D: int, d_k: int, seed: int) -> self_attention.Weights:
    return self_attention.random_weights(len(self_attention.word_vocab()), D, d_k, seed)


SOURCES = ("Random", "Trained")  # the Weights choice; its label is its link value (?att_source=)
TRAINED = "transformer"  # the checkpoint whose first layer is the second source


def trained_lm():
    """The trained character Transformer (shared, read-only)."""
    return loaders.trained_model(TRAINED)


def trained_view(text: str, scale: bool, head: int) -> tuple:
    """The view tuple of the trained source: the model fixes D, d_h, positions and mask."""
    cfg = trained_lm().model.config
    return ("trained", text, cfg.d_model, cfg.d_model // cfg.n_heads, 0, True, scale, True, head)


@st.cache_resource(**_CACHE)
def sentence(text: str, source: str = "random") -> self_attention.Sentence:
    """The words (random source) or the characters (trained source) the model reads."""
    if source == "trained":
        return attention_trained.read_text(trained_lm(), text)
    return self_attention.read_sentence(text)


@st.cache_resource(**_CACHE)
def run(
    source: str,
    text: str,
    D: int,
    d_k: int,
    seed: int,
    positions: bool,
    scale: bool,
    causal: bool,
    head: int = 0,
):
    s = sentence(text, source)
    if source == "trained":
        return attention_trained.first_layer_head(trained_lm(), s.ids, head, scale=scale)
    return self_attention.self_attention(
        s.ids, weights(D, d_k, seed), positions=positions, scale=scale, causal=causal
    )


@st.cache_resource(**_CACHE)
def mean_entropy(
    source: str, text: str, D: int, d_k: int, seed: int, positions: bool, causal: bool, head: int
) -> tuple:
    """Mean row entropy with and without the 1/sqrt(d_k) scaling (for the comparison)."""
    on = run(source, text, D, d_k, seed, positions, True, causal, head).steps.entropy.mean()
    off = run(source, text, D, d_k, seed, positions, False, causal, head).steps.entropy.mean()
    return float(on), float(off)


@st.cache_resource(max_entries=16, show_spinner=False)
def head_weights(D: int, n_heads: int, seed: int) -> attention_heads.HeadWeights:
    return attention_heads.random_heads(len(self_attention.word_vocab()), D, n_heads, seed)


@st.cache_resource(**_CACHE)
def heads(
    source: str, text: str, D: int, n_heads: int, seed: int, positions: bool, causal: bool
) -> attention_heads.Heads:
    """Every head of one pass: the seed's random heads over the words, or the trained
    model's first-layer heads over the characters (``D``, ``n_heads`` ignored: the model's)."""
    s = sentence(text, source)
    if source == "trained":
        return attention_trained.first_layer_heads(trained_lm(), s.ids)
    w = head_weights(D, n_heads, seed)
    P = attention.sinusoidal_positions(len(s.ids), D) if positions else 0.0
    # X = E[w] + P, as in section 1
    return attention_heads.self_attention_heads(w.E[s.ids] + P, w, causal=causal)


@st.cache_resource(**_CACHE)
def order(text: str, D: int, d_k: int, seed: int, perm_seed: int):
    """The order test on the sentence without and with positions (one shuffle)."""
    s, w = sentence(text), weights(D, d_k, seed)
    off = self_attention.order_test(s.ids, w, positions=False, seed=perm_seed)
    on = self_attention.order_test(s.ids, w, positions=True, seed=perm_seed)
    return off, on


# --- figures: cached frozen, a new figure on every read ------------------------------------


@st.cache_resource(**_CACHE)
def _step_figures(*view) -> dict[str, dict]:
    """Every figure of the step-by-step sections, frozen, without a highlighted row."""
    source, text, _, _, _, positions, scale, causal, _ = view
    figs = safigs.step_figures(
        run(*view), sentence(text, source).tokens, positions=positions, scale=scale, causal=causal
    )
    return {name: freeze(fig) for name, fig in figs.items()}


def step_figure(name: str, view: tuple, row: int | None = None) -> go.Figure:
    """The step figure ``name`` ("E", "Q", "scores", "weights", "entropy", ...) of ``view``,
    query row ``row`` outlined (a matrix's row; ``None`` for none)."""
    base = _step_figures(*view)[name]
    return overlay(base, shapes=[] if row is None else [row_outline(row)])


@st.cache_resource(**_CACHE)
def _query_bars(view: tuple, i: int) -> dict:
    return freeze(safigs.query_bars(run(*view), sentence(view[1], view[0]).tokens, i))


def query_bars(view: tuple, i: int) -> go.Figure:
    """Query i's attention weights as bars."""
    return overlay(_query_bars(view, i))


@st.cache_resource(**_CACHE)
def _head_figures(hview: tuple, h: int) -> dict[str, dict]:
    source, text = hview[:2]
    figs = safigs.head_figures(heads(*hview), sentence(text, source).tokens, h)
    return {name: freeze(fig) for name, fig in figs.items()}


@st.cache_resource(**_CACHE)
def _mix_figures(hview: tuple) -> tuple[dict, dict]:
    source, text = hview[:2]
    hs, tokens = heads(*hview), sentence(text, source).tokens
    return freeze(safigs.concat_figure(hs, tokens)), freeze(safigs.output_figure(hs, tokens))


def head_charts(hview: tuple, h: int, i: int) -> None:
    """Head h's Q, K, V side by side, then its weights (query row i outlined)."""
    figs = _head_figures(hview, h)
    for col, name in zip(st.columns(3), ("Q", "K", "V"), strict=True):
        with col:
            lesson.chart(
                overlay(figs[name], shapes=[row_outline(i)]),
                key=f"att_head{h}_{name}",
                how=f"row j is {name.lower()}_j of head {h + 1} (d_h numbers).",
            )
    lesson.chart(
        overlay(figs["weights"], shapes=[row_outline(i)]),
        key=f"att_head{h}_weights",
        how=f"head {h + 1}'s own softmax: each head chooses where to look by itself.",
    )


def mix_charts(hview: tuple, i: int) -> None:
    """The concatenation and the output projection, row i outlined."""
    concat_fig, out_fig = _mix_figures(hview)
    c1, c2 = st.columns(2)
    with c1:
        lesson.chart(
            overlay(concat_fig, shapes=[row_outline(i)]),
            key="att_concat",
            how="the heads' outputs side by side (dashed lines between heads): row i is concat_i.",
        )
    with c2:
        lesson.chart(
            overlay(out_fig, shapes=[row_outline(i)]),
            key="att_mh_out",
            how="concat W_o: every output number mixes all the heads.",
        )


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


def show_sentence(sen: self_attention.Sentence, source: str = "random") -> None:
    """The words (or, for the trained model, characters) it reads, <unk> marked, and a
    note if the sentence was cut."""
    trained = source == "trained"
    unit, reader = ("characters", "The trained model") if trained else ("words", "The model")
    if sen.cut:
        limit = (
            f"the trained model reads at most {len(sen.tokens)}"
            if trained
            else f"only the first {self_attention.MAX_WORDS} are used so every word keeps its "
            "own row"
        )
        st.warning(
            f"Your sentence has {len(sen.tokens) + sen.cut} {unit}; {limit}.",
            icon=":material/content_cut:",
        )
    shown = ("" if trained else " ").join(
        r":red-background[**\<unk\>**]" if u else md_escape(w).replace(" ", "␣")
        for w, u in zip(sen.words, sen.unknown, strict=True)
    )
    st.markdown(f"**{reader} reads {len(sen.tokens)} {unit}:** {shown}")
    if trained:
        return
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
    lesson.chart(step_figure(name, view, row=row), key=f"att_fig_{name}", how=how)


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
    # two a row while every word's label has room; one under the other beyond that
    if len(maps[0].data[0].y) <= ORDER_SIDE_BY_SIDE:
        top, bottom = st.columns(2), st.columns(2)
        places = [top[0], top[1], bottom[0]]
    else:
        places = [st.container() for _ in maps]
    for k, (place, fig, how) in enumerate(zip(places, maps, hows, strict=True)):
        with place:
            lesson.chart(fig, key=f"att_order_{k}", how=how)
