"""Cached, read-only results and figures for the attention labs, shared by every session.

Everything here is a pure function of its arguments (sentence, sizes, seed,
toggles), so one student's view never depends on another's. Figures are cached
frozen (``seqviz.figures.overlay.freeze``: plain data no session can change) and
every read builds a new figure around them (``overlay``), adding the outline of the
query's row: a session may change the figure it gets without touching anyone else's.
"""

import plotly.graph_objects as go
import streamlit as st
import torch

from seqviz import attention, bridge, checkpoints, self_attention, transformer_lm
from seqviz.figures import attention as afigs
from seqviz.figures import positions as pfigs
from seqviz.figures.matrix import row_outline, token_axis_labels
from seqviz.figures.overlay import freeze, overlay

_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)


@st.cache_resource(show_spinner="Loading the random embeddings…")
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
def _step_figures(
    text: str, D: int, d_k: int, seed: int, positions: bool, scale: bool, causal: bool
) -> dict[str, dict]:
    """Every figure of the step-by-step section, frozen, without a highlighted row."""
    sa = run(text, D, d_k, seed, positions, scale, causal)
    tok = sentence(text).tokens
    dims = [f"d{j}" for j in range(D)]
    kdims = [f"d{j}" for j in range(d_k)]
    keys = token_axis_labels(tok)
    st_ = sa.steps
    figs = {
        "E": afigs.matrix(sa.embeddings, tok, dims, title="E[w]: word embeddings"),
        "P": afigs.matrix(
            sa.positions, tok, dims, title="P: positions" + ("" if positions else " (off)")
        ),
        "X": afigs.matrix(sa.X, tok, dims, title="X = E[w] + P"),
        "Q": afigs.matrix(sa.Q, tok, kdims, title="Q = X W<sub>q</sub>"),
        "K": afigs.matrix(sa.K, tok, kdims, title="K = X W<sub>k</sub>"),
        "V": afigs.matrix(sa.V, tok, kdims, title="V = X W<sub>v</sub>"),
        "scores": afigs.matrix(st_.scores, tok, keys, title="Q K<sup>T</sup>", value_name="score"),
        "scaled": afigs.matrix(
            st_.scaled,
            tok,
            keys,
            title="Q K<sup>T</sup> / √d<sub>k</sub>" if scale else "Q K<sup>T</sup> (not scaled)",
            value_name="score",
        ),
        "masked": afigs.matrix(
            st_.masked,
            tok,
            keys,
            title="masked (causal)" if causal else "no mask",
            value_name="score",
        ),
        "weights": afigs.attention_map(st_.weights, tok, title="softmax: attention weights α"),
        "entropy": afigs.entropy_bars(
            st_.entropy,
            tok,
            [
                float(torch.log(torch.tensor(float(n))))
                for n in torch.isfinite(st_.masked).sum(-1).clamp(min=1).tolist()
            ],
            title="Entropy of each row",
        ),
    }
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
    tok = sentence(text).tokens
    return freeze(
        afigs.weight_bars(sa.steps.weights[i], tok, title=f"α for query {i}: where it looks")
    )


def query_bars(
    text: str, D: int, d_k: int, seed: int, positions: bool, scale: bool, causal: bool, i: int
) -> go.Figure:
    """Query i's attention weights as bars."""
    return overlay(_query_bars(text, D, d_k, seed, positions, scale, causal, i))


@st.cache_resource(**_CACHE)
def _positions_figures(n: int, dim: int) -> tuple[dict, dict]:
    pe = attention.sinusoidal_positions(n, dim)
    return (
        freeze(
            pfigs.positions_heatmap(
                pe, title=f"Sinusoidal encodings: {n} positions × {dim} dimensions"
            )
        ),
        freeze(
            pfigs.similarity_heatmap(
                pe @ pe.T, title="P<sub>i</sub> · P<sub>j</sub>: similarity of positions"
            )
        ),
    )


def positions_figures(n: int, dim: int) -> tuple[go.Figure, go.Figure]:
    """The encoding matrix of n positions x dim, and the dot products between positions."""
    return tuple(overlay(base) for base in _positions_figures(n, dim))


@st.cache_resource(**_CACHE)
def _order(text: str, D: int, d_k: int, seed: int, perm_seed: int):
    s = sentence(text)
    w = weights(D, d_k, seed)
    off = self_attention.order_test(s.ids, w, positions=False, seed=perm_seed)
    on = self_attention.order_test(s.ids, w, positions=True, seed=perm_seed)
    shuffled = [s.tokens[int(k)] for k in off.perm]
    figs = (
        afigs.attention_map(
            off.original, s.tokens, title="Original, no positions", show_values=False
        ),
        afigs.attention_map(
            off.shuffled, shuffled, title="Shuffled, no positions", show_values=False
        ),
        afigs.attention_map(
            on.unshuffled, s.tokens, title="Shuffled + positions, re-sorted", show_values=False
        ),
    )
    return off, on, shuffled, tuple(freeze(fig) for fig in figs)


def order(text: str, D: int, d_k: int, seed: int, perm_seed: int):
    """The order test without and with positions, the shuffled words, and three maps:
    the original's and the shuffled sentence's without positions, the re-sorted one with."""
    off, on, shuffled, figs = _order(text, D, d_k, seed, perm_seed)
    return off, on, shuffled, tuple(overlay(base) for base in figs)


# --- the Transformer lab -------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the tiny Transformer…")
def pretrained_lm() -> transformer_lm.CharLM:
    """The checked-in checkpoint (shared by every user: never modify it)."""
    return checkpoints.load("transformer")


@st.cache_resource(show_spinner=False)
def untrained_lm(seed: int = 0) -> transformer_lm.CharLM:
    return checkpoints.untrained("transformer", seed)


@st.cache_resource(show_spinner="Loading the copy / reverse models…")
def bridge_pair(task: str) -> bridge.Pair:
    return checkpoints.load(f"transformer-bridge-{task}")
