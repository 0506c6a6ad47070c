"""The RNN step-through lab under AppTest: controls moved, numbers checked against the core.

The page counts steps as the lecture does, t = 1 … T (h_0 = 0 the initial state); the
trace's row i is step t = i + 1, so ``tr.hidden[i]`` is h_{i+1}.

The page steps in the browser by default (app/stepview.py): the tests named ``*browser*``
open that default and read the step view's data (every step's numbers, sent once); the
others run the server's stepping (``SEQVIZ_STEPPING=server``, the ``?stepping=server``
fallback), whose step buttons, slider, KaTeX and charts AppTest can press and read.
"""

import numpy as np
import pytest
import torch
from apptools import assert_ok, chart_titles, charts, latex, num, shown, step_marks, widget

from app import stepview
from app.controls import DEFAULT_TEXT, MAX_CHARS
from seqviz import checkpoints, recurrent

PAGE = "views/rnn.py"


@pytest.fixture(autouse=True)
def stepping(request, monkeypatch):
    """The server's stepping for the server-stepper tests, the default for the others."""
    if "browser" in request.node.name:
        monkeypatch.delenv("SEQVIZ_STEPPING", raising=False)
    else:
        monkeypatch.setenv("SEQVIZ_STEPPING", "server")


def reference(name: str, text: str, trained: bool = True) -> recurrent.Trace:
    model = checkpoints.load(name) if trained else checkpoints.untrained(name)
    return recurrent.trace(model.rnn, model.one_hot(model.encode(text).ids))


def step_next(at, times=1):
    for _ in range(times):
        at.button(key="step_next").click().run()
    return at


def test_default_view_shows_the_real_equation_at_step_1(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert at.slider(key="step").value == 1
    assert at.slider(key="step").min == 1 and at.slider(key="step").max == len(DEFAULT_TEXT)
    tr = reference("rnn", DEFAULT_TEXT)
    run = tr.layers[0].directions[0]
    eq = latex(at)
    assert num(run.h[0, 0]) in eq  # h_{1,0} after the first character
    assert r"h_{1,0}" in eq and r"(W_{hh} h_{0})_{0}" in eq
    assert num(run.x_part["hidden"][0, 0]) in eq  # the column of W_xh picked by x_1
    assert "<unk>" in shown(at) or r"\<unk\>" in shown(at)  # "20" and "." are outside the vocab
    heat = [f for f in charts(at) if step_marks(f)]
    assert heat and all(step_marks(f) == ["t = 1"] for f in heat)
    assert "**t = 1** of" in shown(at)


def test_next_previous_and_unit_follow_the_trace(open_page):
    at = open_page(PAGE)
    assert at.button(key="step_prev").disabled
    step_next(at, 3)
    assert_ok(at)
    assert at.slider(key="step").value == 4  # t = 4: row 3 of the trace
    at.number_input(key="unit").set_value(17).run()
    tr = reference("rnn", DEFAULT_TEXT)
    run = tr.layers[0].directions[0]
    eq = latex(at)
    for value in (run.h[3, 17], run.pre["hidden"][3, 17], run.h_part["hidden"][3, 17]):
        assert num(value) in eq
    assert num(torch.linalg.vector_norm(run.h[3])) in eq
    assert all(step_marks(f) == ["t = 4"] for f in charts(at) if step_marks(f))
    at.button(key="step_prev").click().run()
    assert at.slider(key="step").value == 3
    assert num(run.h[2, 17]) in latex(at)


def test_steps_and_units_at_both_ends(open_page):
    at = open_page(PAGE)
    last = len(DEFAULT_TEXT) - 1
    at.slider(key="step").set_value(last + 1).run()  # t = T
    assert_ok(at)
    assert at.button(key="step_next").disabled
    at.number_input(key="unit").set_value(127).run()
    tr = reference("rnn", DEFAULT_TEXT)
    assert num(tr.hidden[last, 127]) in latex(at)
    at.number_input(key="unit").set_value(0).run()
    at.slider(key="step").set_value(1).run()
    assert_ok(at)
    assert num(tr.hidden[0, 0]) in latex(at)


def test_untrained_weights_give_the_untrained_numbers(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "model").set_value("untrained").run()
    assert_ok(at)
    step_next(at, 2)
    untrained = reference("rnn", DEFAULT_TEXT, trained=False)
    trained = reference("rnn", DEFAULT_TEXT)
    eq = latex(at)
    assert num(untrained.hidden[2, 0]) in eq
    assert num(untrained.hidden[2, 0]) != num(trained.hidden[2, 0])


@pytest.mark.parametrize("layers", [2, 3])
def test_stacked_shows_one_heatmap_per_layer(open_page, layers):
    at = open_page(PAGE)
    at.toggle(key="rnn_stacked").set_value(True).run()
    widget(at, "button_group", "rnn_layers").set_value(layers).run()
    assert_ok(at)
    titles = chart_titles(at)
    assert [t for t in titles if t.startswith("Layer")] == [
        f"Layer {l}: h<sub>t</sub><sup>({l})</sup>" for l in range(1, layers + 1)
    ]
    step_next(at)
    tr = reference(f"rnn-{layers}layer", DEFAULT_TEXT)
    assert num(tr.layers[0].hidden[1, 0]) in latex(at)


def test_bidirectional_shows_both_directions_and_the_blank(open_page):
    at = open_page(PAGE)
    at.toggle(key="rnn_bidirectional").set_value(True).run()
    assert_ok(at)
    titles = " ".join(chart_titles(at))
    assert "Forward" in titles and "Backward" in titles
    assert "Fill in the blank" in shown(at)
    assert "hungry" in shown(at)
    tr = reference("birnn", DEFAULT_TEXT)
    backward = tr.layers[0].directions[1]
    assert num(backward.h[0, 0]) in latex(at)


@pytest.mark.parametrize(
    "text",
    ["a", "🙂🙂 héllo, 世界!", "   x", "1234567890", "the" * 400],
    ids=["one-char", "emoji-and-cjk", "leading-spaces", "all-unk", "long"],
)
def test_odd_texts_render_without_error(open_page, text):
    at = open_page(PAGE)
    at.text_area(key="text").input(text).run()
    assert_ok(at)
    assert charts(at)
    if len(text) > MAX_CHARS:
        assert any(str(MAX_CHARS) in w.value for w in at.warning)
    at.slider(key="step").set_value(min(len(text), MAX_CHARS)).run() if len(text) > 1 else None
    assert_ok(at)


def test_empty_text_gets_a_prompt_not_a_traceback(open_page):
    at = open_page(PAGE)
    at.text_area(key="text").input("").run()
    assert not at.exception
    assert at.info and "Type a sentence" in at.info[0].value
    assert not charts(at)
    at.text_area(key="text").input("back again").run()
    assert_ok(at)
    assert charts(at)


def test_shorter_text_clamps_the_step(open_page):
    at = open_page(PAGE)
    at.slider(key="step").set_value(50).run()
    at.text_area(key="text").input("short").run()
    assert_ok(at)
    assert at.slider(key="step").value == 5  # t = T


def test_a_link_reproduces_the_view(open_page):
    at = open_page(PAGE, query={"text": "hello world", "step": "4", "unit": "9"})
    assert_ok(at)
    assert at.text_area(key="text").value == "hello world"
    assert at.slider(key="step").value == 4
    tr = reference("rnn", "hello world")
    assert num(tr.hidden[3, 9]) in latex(at)  # step=4 in a link is h_4, row 3


def _check_button(at):
    return next(b for b in at.button if b.label == "Check")


def test_check_yourself_and_share_box(open_page):
    """The box asks about the numbers on screen and judges the answer; the share box
    offers the link and the data."""
    from seqviz import exercises

    at = open_page(PAGE)
    step_next(at, 2)
    assert_ok(at)
    seed = at.session_state["_ex_seed"]
    ex = exercises.make("rnn.h_unit", seed, text=DEFAULT_TEXT, t=2, unit=0)
    assert "t = 3" in ex.prompt and ex.prompt in shown(at)  # row 2 is x_3
    at.text_input(key="check_rnn_answer").input(f"{ex.answer + 0.5:.2f}")
    _check_button(at).click().run()
    assert any("too" in w.value for w in at.warning)
    assert not any("Correct" in s.value for s in at.success)
    at.text_input(key="check_rnn_answer").input(f"{ex.answer:.2f}")
    _check_button(at).click().run()
    assert any("Correct" in s.value for s in at.success)
    assert_ok(at)
    assert any("Share this view" in e.label for e in at.expander)
    assert any("step=3" in c.value for c in at.code)
    assert len(at.get("download_button")) == 4  # CSV and JSON of two tables
    assert at.button(key="tour_rnn_start")


def _heat(at, key="rnn_heat_0"):
    import base64
    import json

    for c in at.get("plotly_chart"):
        if c.proto.id.endswith(key):
            heat = json.loads(c.proto.spec)["data"][0]
            z = heat["z"]
            if isinstance(z, dict):
                shape = [int(s) for s in z["shape"].split(",")]
                z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
            return [int(y) for y in heat["y"]], np.asarray(z, dtype=float)
    raise KeyError(key)


def test_unit_order_control_reorders_the_heatmap_rows(open_page):
    from seqviz import unit_order

    at = open_page(PAGE)
    tr = reference("rnn", DEFAULT_TEXT)
    control = widget(at, "button_group", "rnn_units")
    assert control.value == "32 most active"
    rows, z = _heat(at)
    assert rows == unit_order.order_units(tr.hidden, "active", 32) and z.shape[0] == 32
    control.set_value("all by change").run()
    assert_ok(at)
    rows, z = _heat(at)
    assert rows == unit_order.order_units(tr.hidden, "change") and len(rows) == 128
    widget(at, "button_group", "rnn_units").set_value("all as numbered").run()
    rows, _ = _heat(at)
    assert rows == list(range(128))
    step_next(at, 2)  # the order stays while stepping; one more column appears per step
    assert widget(at, "button_group", "rnn_units").value == "all as numbered"
    _, z = _heat(at)
    assert np.isfinite(z[:, :3]).all() and np.isnan(z[:, 3:]).all()


def test_unit_order_from_a_link_and_a_bad_value(open_page):
    at = open_page(PAGE, query={"rnn_units": "all by change"})
    assert widget(at, "button_group", "rnn_units").value == "all by change"
    bad = open_page(PAGE, query={"rnn_units": "shuffled"})
    assert_ok(bad)
    assert widget(bad, "button_group", "rnn_units").value == "32 most active"


def test_bidirectional_heatmaps_follow_the_order_and_the_step(open_page):
    at = open_page(PAGE, query={"rnn_bidirectional": "true", "step": "4"})
    assert_ok(at)
    for key in ("rnn_heat_fwd", "rnn_heat_bwd"):
        rows, z = _heat(at, key)
        assert len(rows) == 32
        assert np.isfinite(z[:, :4]).all() and np.isnan(z[:, 4:]).all()


def test_lecture_mode_puts_the_equation_before_the_diagram(open_page):
    at = open_page(PAGE, query={"lecture": "1"})
    assert_ok(at)
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert keys and keys[0].endswith("rnn_unrolled")
    assert not any(e.label == "Text, model and unit" and e.proto.expanded for e in at.expander)
    assert any(e.label == "Text, model and unit" for e in at.expander)
    tr = reference("rnn", DEFAULT_TEXT)
    assert num(tr.hidden[0, 0]) in latex(at)


# --- client-side stepping (?stepping=browser, app/stepview.py) ------------------------------


def step_view_data(at) -> dict:
    """The data the browser's step view holds: every step, sent once."""

    views = [e for e in at.get("bidi_component") if e.proto.component_name == "seqviz_step_view"]
    assert len(views) == 1
    return stepview.read(views[0].proto)


def test_browser_stepping_sends_every_steps_numbers_from_the_core(open_page):
    at = open_page(PAGE, query={"stepping": "browser", "step": "5", "unit": "3"}, direct=True)
    assert_ok(at)
    assert not at.get("slider") or all(s.key != "step" for s in at.slider)  # no server stepper
    data = step_view_data(at)
    tr = reference("rnn", DEFAULT_TEXT)
    run = tr.layers[0].directions[0]
    T = len(DEFAULT_TEXT)
    assert data["step"] == 4 and data["first"] == 1 and len(data["tokens"]) == T  # t = 5
    assert len(data["eq"]) == 1 and len(data["eq"][0]) == T
    w = run.weights["hidden"]
    for i in (0, 4, T - 1):  # the numbers of unit j = 3's equation, as num() writes them
        eq = data["eq"][0][i]
        assert eq["x"] == num(run.x_part["hidden"][i, 3])
        assert eq["h"] == num(run.h_part["hidden"][i, 3])
        assert eq["b"] == num(w.b_x[3] + w.b_h[3])
        assert eq["pre"] == num(run.pre["hidden"][i, 3])
        assert eq["h_t"] == num(run.h[i, 3])
    assert data["eq"][0][0]["h"] == num(0.0)  # h_0 = 0: no memory term at t = 1
    # the heatmap rows hold h_t of the units drawn, every column
    heat = data["heat"][0]
    assert len(heat["z"]) == 32 and len(heat["z"][0]) == T
    u = heat["units"][0]
    np.testing.assert_allclose([row for row in heat["z"][0]], run.h[:, u].numpy(), atol=5e-4)
    # the top-5 guesses after x_5 are the model's five most likely next characters
    model = checkpoints.load("rnn")
    probs = model.probs(tr.hidden)  # (T, V)
    tokens = model.encode(DEFAULT_TEXT).tokens
    top5 = torch.topk(probs[4], 5).indices.tolist()
    assert [c for c, _, _ in data["pred"][4]["top"]] == [model.vocab.idx_to_token[k] for k in top5]
    assert data["pred"][4]["top"][0][2] == num(probs[4, top5[0]])
    assert data["pred"][4]["actual"] == tokens[5]


def test_browser_stepping_bidirectional_and_stacked(open_page):
    at = open_page(PAGE, query={"stepping": "browser", "rnn_bidirectional": "true"}, direct=True)
    assert_ok(at)
    data = step_view_data(at)
    assert len(data["eq"]) == 2 and data["pred_kind"] == "blank" and data["onehot"] is None
    assert [h["title"][:8] for h in data["heat"]] == ["Forward ", "Backward"]
    at = open_page(PAGE, query={"stepping": "browser", "rnn_stacked": "true"}, direct=True)
    assert_ok(at)
    assert [h["title"] for h in step_view_data(at)["heat"]] == ["Layer 1", "Layer 2"]


def test_browser_stepping_follows_the_unit_order_and_an_unknown_mode_falls_back(open_page):
    at = open_page(PAGE, query={"stepping": "browser", "rnn_units": "all as numbered"}, direct=True)
    assert_ok(at)
    assert step_view_data(at)["heat"][0]["units"] == list(range(128))
    at = open_page(PAGE, query={"stepping": "nonsense"}, direct=True)
    assert_ok(at)
    assert step_view_data(at)["step"] == 0  # the default: the browser's step view
    at = open_page(PAGE, query={"stepping": "server"}, direct=True)
    assert_ok(at)
    assert at.slider(key="step").value == 1  # the fallback: the server stepper
    assert not [e for e in at.get("bidi_component") if e.proto.component_name == "seqviz_step_view"]


def test_browser_stepping_is_the_default_with_the_how_to_read_sentences(open_page):
    at = open_page(PAGE)  # no ?stepping=, no SEQVIZ_STEPPING
    assert_ok(at)
    assert all(s.key != "step" for s in at.slider)  # nothing stepped on the server
    data = step_view_data(at)
    assert data["step"] == 0 and not data["lecture"]
    run = reference("rnn", DEFAULT_TEXT).layers[0].directions[0]
    assert data["eq"][0][0]["h_t"] == num(run.h[0, 0])  # h_{1,0}, unit 0
    how = data["how"]  # the server page's captions, as plain text
    assert "every column uses the same W_xh, W_hh and W_hq" in how["unrolled"]
    assert "each character xₜ₊₁ after reading x₁ … xₜ" in how["pred"]
    assert "rows are the 32 units with the largest mean |hₜ|" in how["heat"]
    assert "(128 numbers)" in how["traj"] and "tanh squashes" in how["equation"]


def test_browser_lecture_mode_keeps_the_equation_first(open_page):
    at = open_page(PAGE, query={"lecture": "1"})
    assert_ok(at)
    assert step_view_data(at)["lecture"] is True  # the view puts the equation on top
    assert at.get("plotly_chart") == []  # every chart drawn by the browser
    assert any(e.label == "Text, model and unit" for e in at.expander)
