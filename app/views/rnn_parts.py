"""The RNN step-through's caches, live equations and exported tables.

Notation (the lecture's): the inputs are x_1 … x_T, h_0 = 0 is the initial state and
h_t the state after reading x_t. The core counts rows from 0, so the state after x_t
is row ``i = t - 1`` of the trace: every function here takes the row ``i`` and shows
``t = i + 1``.
"""

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from app import loaders, share, stepview
from seqviz import unit_order
from seqviz.figures import predictions, projection, unrolling
from seqviz.figures import recurrent as rfigs
from seqviz.figures.overlay import freeze
from seqviz.latex import char as char_tex
from seqviz.latex import num
from seqviz.recurrent import DirectionTrace

FIRST = 1  # the step number of the first character: x_1
TOP_K = 32  # units the default heatmap shows
# The unit-order control: its label (also the value a link carries) -> seqviz.unit_order's
ORDERS = {
    f"{TOP_K} most active": "active",
    "all by change": "change",
    "all as numbered": "as-is",
}
DEFAULT_ORDER = f"{TOP_K} most active"

_TEXT_CACHE = dict(max_entries=64, ttl=1800, show_spinner=False)
_STEP_CACHE = dict(max_entries=256, ttl=1800, show_spinner=False)


# --- figures --------------------------------------------------------------------------


def states(reading: loaders.Reading, layer: int, direction: int | None) -> torch.Tensor:
    """(T, H) hidden states of one layer (both directions side by side if ``None``)."""
    run = reading.trace.layers[layer]
    return run.hidden if direction is None else run.directions[direction].h


@st.cache_resource(**_TEXT_CACHE)
def _heatmap(name, trained, text, layer, direction, order, title, height):
    reading = loaders.read(name, trained, text)
    h = states(reading, layer, direction)  # (T, H)
    units = unit_order.order_units(h, order, k=TOP_K)
    fig = rfigs.hidden_heatmap(
        h, reading.encoded.tokens, title=title, zmax=1.0, height=height, units=units, first=FIRST
    )
    z = h.detach().numpy()[:, units].T.astype(np.float32)  # (k, T) as drawn
    z.setflags(write=False)
    return freeze(fig), z, tuple(units)


def heatmap(
    name: str,
    trained: bool,
    text: str,
    i: int,
    *,
    layer: int = 0,
    direction: int | None = None,
    order: str = "active",
    title: str | None = None,
    height: int | None = None,
) -> tuple[go.Figure, tuple[int, ...]]:
    """Units x time heatmap of h_1 … h_{i+1} (later columns blank), units in ``order``
    (``seqviz.unit_order.ORDERS``)."""
    if height is None and order == "active":
        height = 18 * TOP_K + 240
    base, z, units = _heatmap(name, trained, text, layer, direction, order, title, height)
    return rfigs.hide_future(base, z, i, FIRST), units


@st.cache_resource(**_STEP_CACHE)
def _trajectory(name: str, trained: bool, text: str, i: int) -> dict:
    reading = loaders.read(name, trained, text)
    return freeze(
        projection.trajectory_so_far(
            reading.pca.points,
            reading.encoded.tokens,
            i,
            explained=reading.pca.explained,
            first=FIRST,
        )
    )


def trajectory(name: str, trained: bool, text: str, i: int) -> go.Figure:
    """The PCA path of h_1 … h_{i+1}, older points fading, the newest labelled."""
    return go.Figure(_trajectory(name, trained, text, i), _validate=False)


@st.cache_resource(**_STEP_CACHE)
def _topk(name: str, trained: bool, text: str, i: int) -> dict:
    reading = loaders.read(name, trained, text)
    tokens = reading.encoded.tokens
    if reading.model.config.objective == "blank":
        actual = tokens[i]
    else:
        actual = tokens[i + 1] if i + 1 < len(tokens) else None
    return freeze(
        predictions.topk_bar(reading.probs[i], reading.model.vocab.idx_to_token, k=5, actual=actual)
    )


def topk(name: str, trained: bool, text: str, i: int) -> go.Figure:
    """Top-5 guesses after row i; the accent bar is the true next (or blanked) character."""
    return go.Figure(_topk(name, trained, text, i), _validate=False)


UNROLLED_TITLE = "The RNN unrolled over time"


@st.cache_resource(**_STEP_CACHE)
def _unrolled(name, trained, text, i, num_layers, bidirectional, title) -> dict:
    tokens = loaders.read(name, trained, text).encoded.tokens
    return freeze(
        unrolling.unrolled(
            tokens,
            step=i,
            num_layers=num_layers,
            bidirectional=bidirectional,
            first=FIRST,
            title=title,
        )
    )


def unrolled(
    name, trained, text, i, num_layers, bidirectional, title: str | None = UNROLLED_TITLE
) -> go.Figure:
    """The unrolled network around step t = i + 1 (a window of 9 steps on a long text)."""
    fig = _unrolled(name, trained, text, i, num_layers, bidirectional, title)
    return go.Figure(fig, _validate=False)


# --- the live equations ---------------------------------------------------------------


def _term(value: float, label: str) -> str:
    return r"\underbrace{" + num(value) + r"}_{" + label + "}"


def _norm(v: torch.Tensor) -> str:
    return num(torch.linalg.vector_norm(v))


GENERAL = r"h_t = \tanh\left(W_{xh} x_t + W_{hh} h_{t-1} + b_h\right),\qquad h_0 = 0"


def general(nonlinearity: str) -> str:
    """The lecture's formula, with the initial state."""
    return GENERAL if nonlinearity == "tanh" else GENERAL.replace(r"\tanh", r"\operatorname{relu}")


ARROWS = {"": "h", "→": r"\overrightarrow{h}", "←": r"\overleftarrow{h}"}


def unit_line(
    d: DirectionTrace, i: int, j: int, nonlinearity: str = "tanh", arrow: str = ""
) -> str:
    """Unit j of the state after x_t (t = i + 1), its three terms and the result.

    ``arrow`` is "" (one direction), "→" or "←" (the backward RNN reads h←_{t+1}); each
    direction has its own weights, marked with the same arrow."""
    f = r"\tanh" if nonlinearity == "tanh" else r"\operatorname{relu}"
    t = i + FIRST
    h = ARROWS[arrow]
    own = {"": "", "→": r"^{\rightarrow}", "←": r"^{\leftarrow}"}[arrow]  # W_xh^→, W_xh^←
    prev = f"{h}_{{{t + 1 if arrow == '←' else t - 1}}}"
    w = d.weights["hidden"]
    bias = w.b_x[j] + w.b_h[j]
    return (
        rf"{h}_{{{t},{j}}} = {f}\Big("
        rf"{_term(d.x_part['hidden'][i, j], rf'(W{own}_{{xh}} x_{{{t}}})_{{{j}}}')}"
        rf" + {_term(d.h_part['hidden'][i, j], rf'(W{own}_{{hh}} {prev})_{{{j}}}')}"
        rf" + {_term(bias, rf'b{own}_{{h,{j}}}')}\Big)"
        rf" = {f}({num(d.pre['hidden'][i, j])}) = \mathbf{{{num(d.h[i, j])}}}"
    )


def one_hot_column(d: DirectionTrace, i: int, j: int, char_id: int, token: str) -> str:
    """W_xh x_t is the column of the current character: the entry it picks for unit j."""
    t = i + FIRST
    return (
        rf"x_{{{t}}} = e_{{{char_id}}}\ ({char_tex(token)})\quad\Rightarrow\quad"
        rf"(W_{{xh}} x_{{{t}}})_{{{j}}} = (W_{{xh}})_{{{j},{char_id}}} = "
        rf"{num(d.weights['hidden'].W_x[j, char_id])}"
    )


def norms(d: DirectionTrace, i: int) -> str:
    """Vector norms of the three terms and of the new state h_t (two rows)."""
    t = i + FIRST
    w = d.weights["hidden"]
    return (
        r"\begin{gathered}"
        rf"\lVert W_{{xh}} x_{{{t}}}\rVert = {_norm(d.x_part['hidden'][i])},\quad"
        rf"\lVert W_{{hh}} h_{{{t - 1}}}\rVert = {_norm(d.h_part['hidden'][i])},\\"
        rf"\lVert b_h\rVert = {_norm(w.b_x + w.b_h)},\quad"
        rf"\lVert h_{{{t}}}\rVert = {_norm(d.h[i])}"
        r"\end{gathered}"
    )


def next_char(probs: torch.Tensor, vocab: list[str], i: int) -> str:
    """The output layer at t = i + 1 and its most likely next character x_{t+1}."""
    t = i + FIRST
    top = int(probs[i].argmax())
    return (
        rf"\begin{{gathered}}\hat{{y}}_{{{t}}} = \operatorname{{softmax}}(W_{{hq}} h_{{{t}}} + b_q)\\"
        rf"\max_c P(x_{{{t + 1}}} = c) = P(x_{{{t + 1}}} = {char_tex(vocab[top])}) = "
        rf"{num(probs[i, top])}\end{{gathered}}"
    )


def blank(probs: torch.Tensor, vocab: list[str], i: int, T: int) -> str:
    """The bidirectional output at t = i + 1: x_t guessed from h→_{t-1} and h←_{t+1}."""
    t = i + FIRST
    top = int(probs[i].argmax())
    return (
        rf"\hat{{y}}_{{{t}}} = \operatorname{{softmax}}\big(W_{{hq}}"
        rf"[\overrightarrow{{h}}_{{{t - 1}}} ; \overleftarrow{{h}}_{{{t + 1}}}] + b_q\big),\quad"
        rf"\max_c P(x_{{{t}}} = c) = P(x_{{{t}}} = {char_tex(vocab[top])}) = {num(probs[i, top])}"
    )


# --- the step label and the exported tables -------------------------------------------


def step_label(tokens: list[str], unknown: list[bool], i: int, token_md) -> str:
    """``t = 5 of 104: the model reads x_5 = 'c' — so far: `the c```."""
    seen = zip(tokens[: i + 1], unknown[: i + 1], strict=True)
    read_so_far = "".join("?" if unk else c for c, unk in seen)
    return (
        f"**t = {i + FIRST}** of {len(tokens)}: the model reads $x_{{{i + FIRST}}}$ = "
        f"{token_md(tokens[i])} — so far: `{read_so_far.replace('`', '')}`"
    )


def hidden_table(reading: loaders.Reading) -> pd.DataFrame:
    """Every recorded value, one row per (layer, direction, t = 1 … T, unit j)."""
    frame = share.trace_table(reading.trace, reading.encoded.tokens)
    frame["layer"] += 1
    frame["direction"] = frame["direction"].map({0: "forward", 1: "backward"})
    frame["t"] += FIRST
    return frame.rename(columns={"token": "x_t", "unit": "j"})


def probability_table(reading: loaders.Reading) -> pd.DataFrame:
    """One row per step t = 1 … T: x_t, then the probability of every character.

    Next-character model: P(x_{t+1} = c | x_1 … x_t). Bidirectional: P(x_t = c | the rest).
    """
    frame = share.labelled(
        reading.probs, reading.model.vocab.idx_to_token, reading.encoded.tokens, row_name="t"
    )
    frame["t"] += FIRST
    return frame.rename(columns={"read": "x_t"})


# --- the client-side step view's data (app/stepview.py) --------------------------------


def plain(v: float) -> str:
    """A number as the equations show it (``seqviz.latex.num``), as plain text."""
    return num(v).replace(r"\text{NaN}", "NaN").replace(r"-\infty", "−∞").replace(r"\infty", "∞")


_SUB = dict(
    zip("0123456789+-−aehijklmnoprstuvx()", "₀₁₂₃₄₅₆₇₈₉₊₋₋ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₍₎", strict=True)
)


def _subscript(s: str) -> str:
    """``t-1`` as ``ₜ₋₁``; left as ``_s`` if a character has no subscript form."""
    return "".join(_SUB[c] for c in s) if all(c in _SUB for c in s) else f"_{s}"


def plain_how(how: dict[str, str]) -> tuple[tuple[str, str], ...]:
    r"""The pages' "how to read this" sentences (markdown, $…$ maths) as plain text for the
    browser's step view: ``$x_{t+1}$`` → ``xₜ₊₁``, ``*same*`` → ``same``,
    ``\overrightarrow{h}`` → ``h→``. A tuple of pairs (hashable: a cache key)."""
    out = []
    for k, text in how.items():
        text = re.sub(
            r"\\over(right|left)arrow\{(\w)\}",
            lambda g: g[2] + ("→" if g[1] == "right" else "←"),
            text,
        )
        text = text.replace("$", "").replace("*", "")
        text = re.sub(r"_\{([^}]*)\}", lambda g: _subscript(g[1]), text)
        text = re.sub(
            r"(?<=[A-Za-z→←])_([a-z0-9])(?![A-Za-z0-9])", lambda g: _subscript(g[1]), text
        )
        out.append((k, text))
    return tuple(out)


def _rounded(a) -> list:
    """Colours and positions only: 3 decimals, non-finite as 0."""
    a = np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return np.round(a, 3).tolist()


@st.cache_resource(**_TEXT_CACHE)
def step_payload(
    name: str,
    trained: bool,
    text: str,
    unit: int,
    order: str,
    lecture: bool,
    how: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """``step_data`` serialised once (``stepview.payload``): every student opening the same
    view is sent the same bytes."""
    return stepview.payload(step_data(name, trained, text, unit, order, lecture, how))


def step_data(
    name: str,
    trained: bool,
    text: str,
    unit: int,
    order: str,
    lecture: bool,
    how: tuple[tuple[str, str], ...] = (),
) -> dict:
    """Every step's numbers for the browser's step view, from the same trace the page shows.

    Per step i (t = i + 1): the live equation's terms for unit j in each direction of
    layer 1 (``unit_line``'s numbers), the one-hot pick and the norms (``one_hot_column``,
    ``norms``; one direction only), the top-5 guesses (``topk``); per text: the heatmaps'
    values in ``order`` (``heatmap``), the PCA path (``trajectory``).
    """
    reading = loaders.read(name, trained, text)
    tr, enc = reading.trace, reading.encoded
    tokens, T, j = enc.tokens, len(enc.tokens), unit
    layer0 = tr.layers[0]
    bidirectional = len(layer0.directions) == 2
    eq = []
    for d in layer0.directions:
        w = d.weights["hidden"]
        bias = plain(w.b_x[j] + w.b_h[j])
        eq.append(
            [
                {
                    "x": plain(d.x_part["hidden"][i, j]),
                    "h": plain(d.h_part["hidden"][i, j]),
                    "b": bias,
                    "pre": plain(d.pre["hidden"][i, j]),
                    "h_t": plain(d.h[i, j]),
                }
                for i in range(T)
            ]
        )
    onehot = norms_ = None
    if not bidirectional:
        d = layer0.directions[0]
        w = d.weights["hidden"]
        onehot = [{"id": int(enc.ids[i]), "w": plain(w.W_x[j, int(enc.ids[i])])} for i in range(T)]
        b_norm = plain(torch.linalg.vector_norm(w.b_x + w.b_h))
        norms_ = [
            {
                "x": plain(torch.linalg.vector_norm(d.x_part["hidden"][i])),
                "h": plain(torch.linalg.vector_norm(d.h_part["hidden"][i])),
                "b": b_norm,
                "out": plain(torch.linalg.vector_norm(d.h[i])),
            }
            for i in range(T)
        ]
    vocab = reading.model.vocab.idx_to_token
    blank_task = reading.model.config.objective == "blank"
    pred = []
    for i in range(T):
        p = reading.probs[i]
        top = torch.topk(p, min(5, len(vocab)))
        best = int(p.argmax())
        actual = tokens[i] if blank_task else (tokens[i + 1] if i + 1 < T else None)
        pred.append(
            {
                "best": vocab[best],
                "best_p": plain(p[best]),
                "top": [
                    [vocab[int(c)], float(q), plain(q)]
                    for q, c in zip(top.values, top.indices, strict=True)
                ],
                "actual": actual,
            }
        )
    if bidirectional:
        panels = [
            (0, dd, "Forward h→ (left to right)" if dd == 0 else "Backward h← (right to left)")
            for dd in (0, 1)
        ]
    else:
        L = len(tr.layers)
        panels = [(l, None, f"Layer {l + 1}" if L > 1 else "") for l in range(L)]
    heat = []
    for l, dd, title in panels:
        h = states(reading, l, dd)  # (T, H)
        units = unit_order.order_units(h, order, k=TOP_K)
        heat.append(
            {"title": title, "units": list(units), "z": _rounded(h.detach().numpy()[:, units].T)}
        )
    L = len(tr.layers)
    rows = (
        ["h→", "h←"] if bidirectional else ([f"h({l + 1})" for l in range(L)] if L > 1 else ["h"])
    )
    return {
        "tokens": list(tokens),
        "unknown": [bool(u) for u in enc.unknown],
        "unit": j,
        "nonlinearity": "tanh" if tr.nonlinearity == "tanh" else "relu",
        "bidirectional": bidirectional,
        "eq": eq,
        "onehot": onehot,
        "norms": norms_,
        "pred_kind": "blank" if blank_task else "next",
        "pred": pred,
        "heat": heat,
        "traj": _rounded(reading.pca.points[:, :2]),
        "rows": rows,
        "lecture": lecture,
        "how": dict(how),
    }
