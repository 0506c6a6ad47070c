"""The gates lab under AppTest: every gate equation checked against the core's trace."""

import pytest
from apptools import assert_ok, chart_titles, charts, latex, num, shown, step_marks, widget

from app.controls import DEFAULT_TEXT
from seqviz import checkpoints, recurrent, units

PAGE = "views/gates.py"


def reference(name: str, text: str = DEFAULT_TEXT, trained: bool = True) -> recurrent.Trace:
    model = checkpoints.load(name) if trained else checkpoints.untrained(name)
    return recurrent.trace(model.rnn, model.one_hot(model.encode(text).ids))


def test_lstm_equations_carry_the_gate_values(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    for _ in range(5):
        at.button(key="step_next").click().run()
    at.number_input(key="unit").set_value(42).run()
    assert_ok(at)
    run = reference("lstm").layers[0].directions[0]
    eq = latex(at)
    for gate in ("input", "forget", "candidate", "output"):
        assert num(run.gates[gate][5, 42]) in eq, gate
        assert num(run.pre[gate][5, 42]) in eq, gate
    assert num(run.c[5, 42]) in eq and num(run.c_prev[5, 42]) in eq
    assert num(run.h[5, 42]) in eq
    assert all(step_marks(f) == ["t = 5"] for f in charts(at) if step_marks(f))


def test_gru_shows_pytorchs_candidate_and_explains_the_difference(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "gates_cell").set_value("gru").run()
    assert_ok(at)
    at.button(key="step_next").click().run()
    run = reference("gru").layers[0].directions[0]
    eq = latex(at)
    for gate in ("reset", "update", "candidate"):
        assert num(run.gates[gate][1, 0]) in eq, gate
    assert r"W_{hn} h_{t-1}" in eq and "b_{hn}" in eq  # reset applied after the matmul
    assert num(run.h_prev[1, 0]) in eq
    assert "textbook" in " ".join(e.label for e in at.expander).lower()


def test_untrained_cell_gives_different_numbers(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "model").set_value("untrained").run()
    assert_ok(at)
    run = reference("lstm", trained=False).layers[0].directions[0]
    assert num(run.gates["forget"][0, 0]) in latex(at)


@pytest.mark.parametrize("cell,n_sat", [("lstm", 3), ("gru", 2)])
def test_whole_text_views(open_page, cell, n_sat):
    at = open_page(PAGE)
    widget(at, "button_group", "gates_cell").set_value(cell).run()
    assert_ok(at)
    titles = chart_titles(at)
    assert sum("aturat" in t for t in titles) == n_sat
    assert len(at.tabs) == len(recurrent.GATES[cell])
    assert any("Plain RNN" in t for t in titles)


def test_find_a_unit_picks_the_top_ranked_unit(open_page):
    at = open_page(PAGE)
    at.selectbox(key="gates_feature").set_value("is a space").run()
    assert_ok(at)
    tr = reference("lstm")
    best = units.rank_units(
        tr.hidden, units.text_features(list(DEFAULT_TEXT.lower()))["is a space"]
    )[0]
    at.button(key="gates_pick_0").click().run()
    assert_ok(at)
    assert at.number_input(key="unit").value == best.unit


@pytest.mark.parametrize("text", ["x", '😀 ok ‘quoted’ "yes"', "z" * 2000])
def test_odd_texts(open_page, text):
    at = open_page(PAGE)
    at.text_area(key="text").input(text).run()
    assert_ok(at)
    assert charts(at)
    widget(at, "button_group", "gates_cell").set_value("gru").run()
    assert_ok(at)


def test_empty_text(open_page):
    at = open_page(PAGE)
    at.text_area(key="text").input("   ").run()
    assert not at.exception
    assert "Type a sentence" in shown(at)
    assert not charts(at)


def _check_button(at):
    return next(b for b in at.button if b.label == "Check")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_check_yourself_and_share_box(open_page, cell):
    """The box asks about the gate on screen and judges the answer; the share box offers
    the link, the trace and the gate heatmap (update gate for a GRU)."""
    from seqviz import exercises

    at = open_page(PAGE)
    if cell == "gru":
        widget(at, "button_group", "gates_cell").set_value("gru").run()
    at.button(key="step_next").click().run()
    assert_ok(at)
    seed = at.session_state["_ex_seed"]
    ex = exercises.make("gates.forget", seed, text=DEFAULT_TEXT, t=1, unit=0)
    assert ex.prompt in shown(at)
    at.text_input(key="check_gates_answer").input(f"{ex.answer + 0.5:.2f}")
    _check_button(at).click().run()
    assert any("too" in w.value for w in at.warning)
    at.text_input(key="check_gates_answer").input(f"{ex.answer:.2f}")
    _check_button(at).click().run()
    assert any("Correct" in s.value for s in at.success)
    assert_ok(at)
    assert any("Share this view" in e.label for e in at.expander)
    gate = "forget" if cell == "lstm" else "update"
    assert f"Chart: {gate} gate heatmap" in shown(at)
    assert len(at.get("download_button")) == 4  # trace CSV / JSON, chart page / spec
    assert at.button(key="tour_gates_start")
