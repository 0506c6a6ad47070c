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
    # row 5 of the trace is the sixth step, x_6: every chart marks t = 6
    marks = [step_marks(f) for f in charts(at) if step_marks(f)]
    assert marks and all(m == ["t = 6"] for m in marks)
    assert at.slider(key="step").value == 6


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
    assert any("cell state c<sub>t</sub>" in t for t in titles) == (cell == "lstm")


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
    assert "nan" not in shown(at).lower()
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


def diagram_values(at) -> dict[str, str]:
    """path name -> the number written on the live cell diagram."""
    (fig,) = [
        f for f in charts(at) if "cell, unit" in (f["layout"].get("title") or {}).get("text", "")
    ]
    return {
        a["name"].removeprefix("value:"): a["text"].rsplit(" ", 1)[-1]
        for a in fig["layout"]["annotations"]
        if a.get("name", "").startswith("value:") and a["name"] != "value:x"
    }


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_cell_diagram_follows_the_step_and_the_unit(open_page, cell):
    """The diagram and the state equation beside it carry the trace's numbers for unit j
    at step t; Next moves both to the next step."""
    from seqviz.cell_step import cell_step
    from seqviz.figures.cell_diagram import value_text

    at = open_page(PAGE)
    widget(at, "button_group", "gates_cell").set_value(cell).run()
    at.number_input(key="unit").set_value(7).run()
    run = reference(cell).layers[0].directions[0]
    for t in (0, 1, 2):
        assert_ok(at)
        assert at.slider(key="step").value == t + 1
        expected = cell_step(run, cell, t, 7).values
        shown_values = diagram_values(at)
        assert shown_values == {k: value_text(v) for k, v in expected.items()}
        eq = latex(at)
        assert num(expected["h"]) in eq
        if cell == "lstm":
            assert num(expected["c"]) in eq and num(expected["c_prev"]) in eq
        else:
            assert num(expected["r_hn"]) in eq and num(expected["xn"]) in eq
        assert f"step t = {t + 1}" in " ".join(chart_titles(at))
        at.button(key="step_next").click().run()


def test_steps_are_shown_from_1_to_T(open_page):
    at = open_page(PAGE)
    slider = at.slider(key="step")
    T = len(DEFAULT_TEXT)
    assert (slider.min, slider.max, slider.value) == (1, T, 1)
    assert at.button(key="step_prev").disabled
    assert "**t = 1**" in shown(at) and "$h_0 = 0, c_0 = 0$" in shown(at)
    text_fig = next(f for f in charts(at) if "coloured by unit" in f["layout"]["title"]["text"])
    assert text_fig["layout"]["yaxis"]["ticktext"][0] == "t = 1"
    slider.set_value(T).run()
    assert_ok(at)
    assert at.button(key="step_next").disabled
    assert f"$x_{{{T}}}$" in shown(at)
    run = reference("lstm").layers[0].directions[0]
    assert num(run.h[T - 1, 0]) in latex(at)  # the last step is h_T, row T - 1


def test_the_candidate_is_not_drawn_as_a_gate(open_page):
    at = open_page(PAGE)
    figs = {f["layout"]["title"]["text"]: f for f in charts(at) if f["layout"].get("title")}
    gates = next(f for title, f in figs.items() if title.startswith("Gates over time"))
    assert [tr["meta"] for tr in gates["data"]] == ["input", "forget", "output"]
    assert gates["layout"]["yaxis"]["range"] == [-0.03, 1.03]
    cand = next(f for title, f in figs.items() if title.startswith("Candidate g<sub>t</sub>"))
    assert cand["layout"]["yaxis"]["range"] == [-1.05, 1.05]
    assert "not a gate" in shown(at)


def test_the_exported_table_numbers_steps_from_1(open_page):
    from app.views import gates_parts

    tr = reference("lstm")
    table = gates_parts.step_table(tr, list(DEFAULT_TEXT))
    assert table["t"].min() == 1 and table["t"].max() == len(DEFAULT_TEXT)
    last = table[(table["t"] == len(DEFAULT_TEXT)) & (table["unit"] == 3)]
    assert float(last["h"].iloc[0]) == pytest.approx(float(tr.hidden[-1, 3]))


def test_lecture_mode_puts_the_diagram_and_its_equation_first(open_page):
    at = open_page(PAGE)
    at.session_state["lecture"] = True
    at.run()
    assert_ok(at)
    assert "Your text" in [e.label for e in at.expander]  # the text box is folded away
    assert "cell, unit 0, step t = 1" in chart_titles(at)[0]  # the first chart: the diagram
    # the prose waits behind "Read the explanations"; once read, it comes after the step
    intro_shown = [m.value for m in at.markdown if m.value.startswith("**What you are")]
    assert intro_shown == []
    at.session_state["read"] = True
    at.run()
    assert_ok(at)
    page = [m.value for m in at.markdown]
    intro = next(i for i, m in enumerate(page) if m.startswith("**What you are looking at.**"))
    step = next(i for i, m in enumerate(page) if m.startswith("**t = 1**"))
    assert step < intro
