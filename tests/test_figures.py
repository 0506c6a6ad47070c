"""Tests for the figure builders in seqviz.figures: traces, shapes, scales, edges."""

import json
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from seqviz import recurrent
from seqviz.figures import (
    cell_vs_hidden,
    gate_heatmap,
    gate_timeseries,
    hidden_heatmap,
    norms_over_time,
    saturation_scatter,
    style,
    topk_bar,
    trajectory,
    trajectory_step_marker,
    unit_ranking_bar,
)
from seqviz.figures.coloured_text import text_activation, text_step_marker
from seqviz.figures.gates import candidate_timeseries, state_heatmap
from seqviz.figures.overlay import freeze, overlay
from seqviz.figures.style import (
    ACCENT,
    DIVERGING,
    GATE_COLORS,
    GATE_NAMES,
    SEQUENTIAL,
    STEP_FILL,
    UNK_COLOR,
    apply_layout,
    token_label,
)
from seqviz.figures.timeaxis import step_marker
from seqviz.figures.unrolling import unrolled
from seqviz.units import UnitScore

TEXT = 'the "time" machine'
TOKENS = list(TEXT)
T, H = len(TOKENS), 8


def scale(name):
    """A named colour scale as Plotly stores it on a trace."""
    return go.Heatmap(colorscale=name).colorscale


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def h(rng):
    return np.tanh(rng.normal(size=(T, H)))


@pytest.fixture
def gate(rng):
    return 1 / (1 + np.exp(-rng.normal(size=(T, H))))


def step_shapes(fig):
    return [s for s in fig.layout.shapes if s.name == "current step"]


def step_labels(fig):
    return [a.text for a in fig.layout.annotations if a.name == "current step"]


def assert_serialisable(fig):
    """The figure survives JSON (what Streamlit sends to the browser)."""
    json.loads(fig.to_json())


# --- style ------------------------------------------------------------------


def test_token_label_escapes_user_text_and_marks_unk():
    assert token_label("<b>") == "&lt;b&gt;"
    assert token_label(" ") == "␣" and token_label("\n") == "↵"
    assert UNK_COLOR in token_label("<unk>") and "?" in token_label("<unk>")
    assert "&lt;unk&gt;" in token_label("<unk>", compact=False)


def test_apply_layout_sets_projector_fonts():
    fig = apply_layout(go.Figure(), "title", 400)
    assert fig.layout.height == 400 and fig.layout.font.size >= 16
    assert fig.layout.title.font.size >= 20


# --- hidden_heatmap ---------------------------------------------------------


def test_hidden_heatmap_structure(h):
    fig = hidden_heatmap(h, TOKENS, step=4)
    assert isinstance(fig, go.Figure) and len(fig.data) == 1
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap)
    assert np.asarray(hm.z).shape == (H, T)  # units on y, time on x
    np.testing.assert_allclose(np.asarray(hm.z), h.T)
    assert hm.colorscale == scale(DIVERGING) and hm.zmid == 0 and hm.zmin == -hm.zmax
    assert hm.zmax == pytest.approx(np.abs(h).max())
    (rect,) = step_shapes(fig)
    assert (rect.x0, rect.x1) == (3.5, 4.5)
    assert step_labels(fig) == ["<b>t = 5</b>"]  # index 4 is x_5: steps shown 1 … T
    assert list(fig.layout.xaxis.ticktext) == [token_label(c) for c in TOKENS]
    assert "␣" in fig.layout.xaxis.ticktext
    # hover: unit (y), t and token (the column's category), value (z)
    assert "%{z:.3f}" in hm.hovertemplate and "unit %{y}" in hm.hovertemplate
    assert "%{x}" in hm.hovertemplate and fig.layout.xaxis.type == "category"
    assert hm.x[4] == f"t = 5<br>token {token_label(TOKENS[4], compact=False)}"
    assert len(set(hm.x)) == T and hm.customdata is None  # one label per column, not per cell
    assert_serialisable(fig)


def test_hidden_heatmap_accepts_tensor_and_zmax(h):
    fig = hidden_heatmap(torch.tensor(h, dtype=torch.float32), TOKENS, zmax=1.0)
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1.0, 1.0)
    assert not step_shapes(fig)


def test_hidden_heatmap_step_is_clipped(h):
    fig = hidden_heatmap(h, TOKENS, step=10_000)
    assert step_shapes(fig)[0].x0 == T - 1.5


def test_hidden_heatmap_single_step():
    fig = hidden_heatmap(np.array([[0.5, -0.2]]), ["a"], step=0)
    assert np.asarray(fig.data[0].z).shape == (2, 1)
    assert step_shapes(fig)[0].x0 == -0.5


def test_hidden_heatmap_long_sequence_skips_labels(rng):
    tokens = list(("abc def<unk>" * 40)[:300])
    fig = hidden_heatmap(rng.normal(size=(300, 32)), tokens, step=150)
    ticks = list(fig.layout.xaxis.tickvals)
    assert 1 < len(ticks) <= 30 and ticks[:2] == [0, 10]
    assert fig.layout.xaxis.ticktext[15].endswith("<br>151")  # index 150 is x_151
    assert step_shapes(fig)[0].x0 == 149.5
    assert fig.layout.height <= 820


def test_hidden_heatmap_nan_inf_drawn_blank(h):
    h = h.copy()
    h[1, 2], h[3, 0] = np.nan, np.inf
    fig = hidden_heatmap(h, TOKENS)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[2, 1]) and np.isnan(z[0, 3])
    assert np.isfinite(fig.data[0].zmax)
    assert np.asarray(fig.data[0].customdata)[0, 3] == "inf"
    assert "%{customdata}" in fig.data[0].hovertemplate and "%{x}" in fig.data[0].hovertemplate
    assert any("NaN" in (a.text or "") for a in fig.layout.annotations)
    assert_serialisable(fig)


def test_hidden_heatmap_all_nan_and_empty():
    fig = hidden_heatmap(np.full((3, 2), np.nan), list("abc"))
    assert fig.data[0].zmax == 1.0
    empty = hidden_heatmap(np.zeros((0, 4)), [])
    assert len(empty.data) == 0 and "empty" in empty.layout.annotations[0].text


def test_token_count_must_match(h):
    with pytest.raises(ValueError):
        hidden_heatmap(h, TOKENS[:-1])


# --- trajectory -------------------------------------------------------------


def test_trajectory_structure(rng):
    P = rng.normal(size=(T, 2))
    fig = trajectory(P, TOKENS, step=5, explained=[0.6812, 0.004])
    assert [tr.name for tr in fig.data] == ["path", "steps", "current step"]
    cur = fig.data[2]
    assert (cur.x[0], cur.y[0]) == (P[5, 0], P[5, 1])
    assert cur.marker.color == STEP_FILL and cur.marker.size >= 20
    np.testing.assert_array_equal(fig.data[1].marker.color, np.arange(T))
    assert fig.layout.xaxis.title.text == "PC1 (68% of variance)"
    assert fig.layout.yaxis.title.text == "PC2 (<1% of variance)"
    assert len(trajectory(P, TOKENS).data) == 2


def test_trajectory_edges(rng):
    assert len(trajectory(np.zeros((1, 2)), ["x"], step=0).data) == 3
    P = rng.normal(size=(300, 2))
    P[10] = np.nan
    P[11, 0] = -np.inf
    fig = trajectory(P, ["a"] * 300, step=299)
    assert np.isnan(fig.data[0].x[11])
    assert sum(1 for t in fig.data[1].text if t) <= 40
    assert_serialisable(fig)
    assert fig.layout.xaxis.title.text == "PC1"


# --- unrolled ---------------------------------------------------------------


def boxes(fig):
    return [s for s in fig.layout.shapes if s.type == "rect"]


def test_unrolled_short_text_shows_every_step():
    fig = unrolled(list("hello"), step=2)
    assert len(boxes(fig)) == 5 * 3  # input, hidden, output per column
    hot = [s for s in boxes(fig) if s.fillcolor == STEP_FILL]
    assert len(hot) == 3 and all(s.x0 < 2 < s.x1 for s in hot)
    texts = [a.text or "" for a in fig.layout.annotations]
    assert "h<sub>3</sub>" in texts and "ŷ<sub>5</sub>" in texts  # x_1 … x_T: index 2 is t = 3
    assert "h<sub>0</sub> = 0" in texts  # the initial state
    assert any("SAME" in t for t in texts) and not any(t == "…" for t in texts)
    labels = "".join(texts)
    for w in ("W<sub>xh</sub>", "W<sub>hh</sub>", "W<sub>hq</sub>"):
        assert w in labels
    assert len(fig.data) == 1  # the hover layer


def test_unrolled_long_text_windows_around_step():
    fig = unrolled(list("x" * 300), step=150)
    xs = sorted({(s.x0 + s.x1) / 2 for s in boxes(fig)})
    assert len(xs) == 9 and xs[0] == pytest.approx(146) and xs[-1] == pytest.approx(154)
    assert sum(1 for a in fig.layout.annotations if a.text == "…") == 2
    start = unrolled(list("x" * 300), step=0)
    assert sum(1 for a in start.layout.annotations if a.text == "…") == 1


def test_unrolled_layers_and_bidirectional():
    fig = unrolled(list("abcd"), step=1, num_layers=2, bidirectional=True)
    assert len(boxes(fig)) == 4 * (2 + 2 * 2)
    texts = "".join(a.text or "" for a in fig.layout.annotations)
    assert "h<sub>1</sub><sup>(2)←</sup>" in texts and "h<sub>1</sub><sup>(1)→</sup>" in texts
    assert len([s for s in boxes(fig) if s.fillcolor == STEP_FILL]) == 6


def test_unrolled_edges():
    assert len(boxes(unrolled(["<unk>"], step=0))) == 3
    assert len(unrolled([], step=0).data) == 0
    fig = unrolled(list("ab<c"), step=None, window=2)
    assert len(boxes(fig)) == 2 * 3
    assert all("<c" not in (a.text or "") for a in fig.layout.annotations)
    with pytest.raises(ValueError):
        unrolled(list("ab"), num_layers=0)


# --- topk_bar ---------------------------------------------------------------

VOCAB = list("abcdefgh")
PROBS = np.array([0.05, 0.4, 0.1, 0.2, 0.05, 0.1, 0.06, 0.04])


def test_topk_bar_orders_and_highlights_actual():
    fig = topk_bar(PROBS, VOCAB, k=3, actual="d")
    bar = fig.data[0]
    np.testing.assert_allclose(bar.x, [40, 20, 10])
    assert list(fig.layout.yaxis.ticktext)[:1] == ["b"]
    assert list(bar.marker.color) == [bar.marker.color[0], ACCENT, bar.marker.color[0]]
    assert fig.layout.yaxis.autorange == "reversed"


def test_topk_bar_actual_outside_topk_is_appended_with_rank():
    fig = topk_bar(torch.tensor(PROBS), VOCAB, k=2, actual=7)
    assert len(fig.data[0].x) == 3 and fig.data[0].marker.color[-1] == ACCENT
    assert "rank 8" in fig.layout.yaxis.ticktext[-1]


def test_topk_bar_k_larger_than_vocab_and_bad_values():
    assert len(topk_bar(PROBS, VOCAB, k=50).data[0].x) == len(VOCAB)
    p = PROBS.copy()
    p[1] = np.nan
    fig = topk_bar(p, VOCAB, k=len(VOCAB))
    assert fig.data[0].text[-1] == "NaN"
    assert_serialisable(fig)
    assert len(topk_bar([], [], k=3).data) == 0
    assert topk_bar([1.0], ["<b>"]).layout.yaxis.ticktext[0] == "&lt;b&gt;"


# --- norms ------------------------------------------------------------------


def test_norms_over_time(h):
    n = np.linalg.norm(h, axis=1)
    n[2] = np.inf
    fig = norms_over_time(n, TOKENS, step=3)
    assert len(fig.data) == 1 and np.isnan(fig.data[0].y[2])
    assert step_shapes(fig)[0].x0 == 2.5
    assert len(norms_over_time([1.0], ["a"], 0).data) == 1


# --- gates ------------------------------------------------------------------


def test_the_gate_table_covers_every_gate_of_the_core():
    core = {gate for gates in recurrent.GATES.values() for gate in gates}
    assert style.GATE_ORDER is recurrent.GATES
    for table in (style.GATE_COLORS, style.GATE_LETTERS, style.GATE_NAMES, style.GATE_LABELS):
        assert set(table) == core
    assert len(set(style.GATE_COLORS.values())) == len(core)  # one colour per gate
    assert style.gate_letter("forget") == "f" and style.gate_letter("update", "gru") == "z"
    assert style.gate_letter("candidate", "lstm") == "g"
    assert style.gate_letter("candidate", "gru") == "n"
    assert style.GATE_COLORS["forget"] in style.gate_title("forget")
    with pytest.raises(ValueError, match="unknown gate"):
        style.gate_letter("remember")


def test_gate_heatmap_sequential_fixed_range(gate):
    fig = gate_heatmap(gate, TOKENS, step=2, gate="forget")
    hm = fig.data[0]
    assert hm.colorscale == scale(SEQUENTIAL) and (hm.zmin, hm.zmax) == (0, 1)
    assert GATE_COLORS["forget"] in fig.layout.title.text and "forget" in fig.layout.title.text
    assert step_shapes(fig)[0].x0 == 1.5
    cand = gate_heatmap(2 * gate - 1, TOKENS, gate="candidate").data[0]
    assert cand.colorscale == scale(DIVERGING) and (cand.zmin, cand.zmax, cand.zmid) == (-1, 1, 0)
    with pytest.raises(ValueError):
        gate_heatmap(gate, TOKENS, gate="forgot")


def test_gate_heatmap_edges():
    assert np.asarray(gate_heatmap([[0.5]], ["a"], 0, "update").data[0].z).shape == (1, 1)
    g = np.full((300, 4), 0.5)
    g[0, 0] = np.nan
    assert_serialisable(gate_heatmap(g, ["a"] * 300, 299, "reset"))


def test_gate_timeseries_order_colours_and_range(gate):
    series = {"output": gate[:, 0], "forget": gate[:, 1], "input": gate[:, 2]}
    fig = gate_timeseries(series, TOKENS, step=1, unit=3, first=1)
    assert [tr.meta for tr in fig.data] == ["input", "forget", "output"]
    assert [tr.name for tr in fig.data] == [GATE_NAMES[g] for g in ("input", "forget", "output")]
    assert [tr.line.color for tr in fig.data] == [
        GATE_COLORS[g] for g in ("input", "forget", "output")
    ]
    assert tuple(fig.layout.yaxis.range) == (-0.03, 1.03)
    assert "unit 3" in fig.layout.title.text
    assert [a.text for a in fig.layout.annotations] == ["<b>t = 2</b>"]  # step 1 is x_2
    assert fig.data[0].customdata[0][0] == 1  # the hover numbers steps from 1
    with pytest.raises(ValueError, match="not a gate"):
        gate_timeseries({"update": gate[:, 0], "candidate": -gate[:, 1]}, TOKENS)
    with pytest.raises(ValueError):
        gate_timeseries({"input": gate[:, 0], "forget": gate[:-1, 1]}, TOKENS)


def test_candidate_has_its_own_signed_axis(gate):
    fig = candidate_timeseries(2 * gate[:, 0] - 1, TOKENS, kind="gru", step=0, unit=2)
    assert len(fig.data) == 1 and fig.data[0].line.color == GATE_COLORS["candidate"]
    assert tuple(fig.layout.yaxis.range) == (-1.05, 1.05)
    assert "n<sub>t</sub>" in fig.layout.title.text and "unit 2" in fig.layout.title.text
    assert "g<sub>t</sub>" in candidate_timeseries(gate[:, 0], TOKENS).layout.title.text


def test_state_heatmap(h):
    c = 3 * np.cumsum(h, axis=0)
    fig = state_heatmap(c, TOKENS, "cell", step=2, zmax=2.0, first=1)
    hm = fig.data[0]
    assert hm.colorscale == scale(DIVERGING) and (hm.zmin, hm.zmax, hm.zmid) == (-2, 2, 0)
    assert hm.x[0].startswith("t = 1<br>")  # columns numbered from 1
    assert [a.text for a in fig.layout.annotations] == ["<b>t = 3</b>"]
    with pytest.raises(ValueError, match="cell"):
        state_heatmap(c, TOKENS, "memory")


def test_cell_vs_hidden(h):
    c = np.cumsum(h[:, 0])
    fig = cell_vs_hidden(c, h[:, 0], TOKENS, step=T - 1)
    assert len(fig.data) == 2 and fig.data[1].line.dash == "dash"
    assert step_shapes(fig)[0].x1 == T - 0.5
    assert len(cell_vs_hidden([np.nan], [np.inf], ["a"]).data) == 2


def test_saturation_scatter():
    lo, hi = np.array([0.1, 0.5, 0.0]), np.array([0.8, 0.2, np.nan])
    fig = saturation_scatter(lo, hi, "forget")
    assert len(fig.data) == 1 and fig.data[0].marker.color == GATE_COLORS["forget"]
    assert [s.type for s in fig.layout.shapes] == ["path"]
    assert "unit %{customdata}" in fig.data[0].hovertemplate
    assert_serialisable(fig)
    with pytest.raises(ValueError):
        saturation_scatter(lo, hi[:2], "input")


def test_text_activation_wraps_and_escapes():
    tokens = list("ab <i>\ncd")
    values = np.linspace(-1, 1, len(tokens))
    fig = text_activation(tokens, values, width=4, step=7)
    hm = fig.data[0]
    z, text = np.asarray(hm.z, dtype=float), np.asarray(hm.text)
    # rows: "ab␣<" | "i>↵" (newline ends the row) | "cd"
    assert z.shape == (3, 4)
    assert list(text[0]) == ["a", "b", "␣", "&lt;"] and list(text[1][:3]) == ["i", "&gt;", "↵"]
    assert np.isnan(z[1, 3]) and z[2, 1] == pytest.approx(values[8])
    assert hm.colorscale == scale(DIVERGING) and (hm.zmin, hm.zmax, hm.zmid) == (-1, 1, 0)
    (rect,) = step_shapes(fig)
    assert (rect.x0, rect.y0) == (-0.5, 1.5)  # t = 7 is "c", row 2 column 0
    assert list(fig.layout.yaxis.ticktext) == ["t = 0", "t = 4", "t = 7"]
    counted = text_activation(tokens, values, width=4, first=1)  # x_1 … x_T
    assert list(counted.layout.yaxis.ticktext) == ["t = 1", "t = 5", "t = 8"]
    assert counted.data[0].customdata[0][0][0] == "1"


def test_text_activation_sequential_and_edges():
    fig = text_activation(list("abc"), [0.1, np.nan, 0.9], scale="sequential")
    hm = fig.data[0]
    assert hm.colorscale == scale(SEQUENTIAL) and (hm.zmin, hm.zmax) == (0, 1)
    assert np.asarray(hm.customdata)[0, 1, 2] == "nan"
    assert_serialisable(fig)
    long = text_activation(["x"] * 300, np.zeros(300), width=40)
    assert np.asarray(long.data[0].z).shape == (8, 40)
    assert len(text_activation([], []).data) == 0
    with pytest.raises(ValueError):
        text_activation(list("ab"), [0, 1], scale="rainbow")


def test_unit_ranking_bar():
    scores = [UnitScore(4, -0.9), UnitScore(1, 0.5), UnitScore(7, 0.0)]
    fig = unit_ranking_bar(scores, "is a space")
    bar = fig.data[0]
    np.testing.assert_allclose(bar.x, [-0.9, 0.5, 0.0])
    assert list(fig.layout.yaxis.ticktext) == ["unit 4", "unit 1", "unit 7"]
    assert bar.marker.color[0] != bar.marker.color[1]
    assert tuple(fig.layout.xaxis.range) == (-1.15, 1.15)
    assert "is a space" in fig.layout.title.text
    assert len(unit_ranking_bar([]).data) == 0


# --- step overlays and payload size ----------------------------------------


def spec(fig):
    """What the browser receives (Streamlit sends ``plotly.io.to_json``), as a dict."""
    return json.loads(fig.to_json())


def test_overlay_draws_what_the_builder_draws_for_the_step(h, gate, rng):
    built, base = hidden_heatmap(h, TOKENS, step=6), freeze(hidden_heatmap(h, TOKENS))
    assert spec(overlay(base, **step_marker(6, 1))) == spec(built)  # counted from x_1
    series = {"input": gate[:, 0], "forget": gate[:, 1]}
    built = gate_timeseries(series, TOKENS, step=3, unit=1)
    base = freeze(gate_timeseries(series, TOKENS, unit=1))
    assert spec(overlay(base, **step_marker(3))) == spec(built)
    built = text_activation(TOKENS, h[:, 0], width=7, step=9)
    base = freeze(text_activation(TOKENS, h[:, 0], width=7))
    assert spec(overlay(base, **text_step_marker(TOKENS, 9, width=7))) == spec(built)
    P = rng.normal(size=(T, 2))
    built = trajectory(P, TOKENS, step=5)
    assert spec(overlay(freeze(trajectory(P, TOKENS)), **trajectory_step_marker(P, TOKENS, 5))) == (
        spec(built)
    )
    # the frozen base is left alone, and an overlay of nothing is the base
    assert spec(overlay(base)) == spec(text_activation(TOKENS, h[:, 0], width=7))


def test_step_markers_clip_and_handle_empty():
    assert text_step_marker(list("abc"), 99)["shapes"][0]["x0"] == 1.5
    assert text_step_marker([], 0) == {"shapes": []}
    assert trajectory_step_marker(np.zeros((0, 2)), [], 0) == {"traces": []}
    (point,) = trajectory_step_marker(np.array([[1.0, np.nan]]), ["a"], 5)["traces"]
    assert point["x"] == [1.0] and point["name"] == "current step"


# Streamlit re-sends a step-marked heatmap on every step click. At the longest text
# (300 characters) and the models' 128 units it was ~705 KB of JSON with a per-cell
# hover label and float64 values. Now ~272 KB: float32 values as base64 (205 KB, plus
# ~50 KB because plotly.io.to_json escapes every "/" of it as \u002f), one hover label
# per column, the ticks and the template.
HEATMAP_JSON_BOUND = 290_000


@pytest.mark.parametrize("builder", [hidden_heatmap, gate_heatmap])
def test_heatmap_json_stays_small_at_300_steps(builder, rng):
    tokens = list(("the time traveller <unk>" * 20)[:300])
    values = rng.uniform(0, 1, size=(300, 128))
    fig = builder(values, tokens, step=150)
    assert len(fig.to_json()) < HEATMAP_JSON_BOUND
    assert len(overlay(freeze(builder(values, tokens)), **step_marker(150)).to_json()) < (
        HEATMAP_JSON_BOUND
    )


# --- architecture -----------------------------------------------------------


def test_figures_do_not_import_streamlit():
    code = "import sys, seqviz.figures, seqviz.units, seqviz.projection; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
