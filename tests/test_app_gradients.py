"""The gradient-flow lab under AppTest: every control moved, numbers checked against the core."""

import base64
import math

import numpy as np
import pytest
import torch
from apptools import assert_ok, charts, latex, shown, widget

from app.controls import DEFAULT_TEXT
from seqviz import checkpoints, clipping, gradients, initialisation, memory_task
from seqviz.latex import sci

PAGE = "views/gradients.py"
MODELS = ("RNN", "GRU", "LSTM")


def values(y) -> np.ndarray:
    """A Plotly data array from the chart JSON (plain list or base64 typed array)."""
    if isinstance(y, dict) and "bdata" in y:
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
    return np.array([np.nan if v is None else v for v in y], dtype=float)


def curves(at) -> dict[str, np.ndarray]:
    """The main chart's three lines, by model name."""
    for fig in charts(at):
        names = [tr.get("name") for tr in fig["data"]]
        if {"RNN", "GRU", "LSTM"} <= set(names):
            return {tr["name"]: values(tr["y"]) for tr in fig["data"] if tr["name"] in MODELS}
    raise AssertionError("no chart with the three models")


def open_tab(at, name: str):
    """Select a tab (only the open tab is computed and drawn)."""
    at.session_state["grad_tab"] = name
    return at.run()


def default_input() -> torch.Tensor:
    chars = checkpoints.untrained("rnn")
    return chars.one_hot(chars.encode(DEFAULT_TEXT).ids)


def reference_norms(kind, hidden=32, act="tanh", init="default", radius=1.0, x=None, bias=3.0):
    """||dL/dh_t|| for t = 0 .. T as the page's default preset builds the model (keep-gate
    bias +3 for the GRU and LSTM)."""
    a = act if kind == "rnn" else "tanh"
    module = initialisation.build(kind, 28, hidden, a, init, radius, gate_bias=bias)
    return gradients.backprop(module, default_input() if x is None else x).state_norms


def test_default_view_draws_the_three_real_curves(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    lines = curves(at)
    for kind, name in [("rnn", "RNN"), ("gru", "GRU"), ("lstm", "LSTM")]:
        ref = reference_norms(kind).numpy()
        np.testing.assert_allclose(lines[name], ref, rtol=1e-6)
    assert "What you are looking at" in shown(at)
    assert "None" not in [m.value for m in at.markdown]  # no stray value written by magic
    assert "Try this" in shown(at)


@pytest.mark.parametrize("init", ["orthogonal", "scaled", "identity"])
@pytest.mark.parametrize("radius", [0.1, 3.0])
def test_initialisation_and_radius_at_both_ends(open_page, init, radius):
    at = open_page(PAGE)
    at.selectbox(key="grad_init").set_value(init).run()
    at.slider(key="grad_radius").set_value(radius).run()
    assert not at.exception
    ref = reference_norms("rnn", init=init, radius=radius).numpy()
    got = curves(at)["RNN"]
    finite = np.isfinite(ref) & (ref > 0)
    np.testing.assert_allclose(got[finite], ref[finite], rtol=1e-6)


def test_every_other_control_moves_without_error(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "grad_act").set_value("relu").run()
    assert not at.exception
    widget(at, "button_group", "grad_hidden").set_value(8).run()
    assert_ok(at)
    ref = reference_norms("rnn", hidden=8, act="relu").numpy()
    drawn = np.where(ref > 0, ref, np.nan)  # exact zeros (dead ReLUs) are marked, not drawn
    np.testing.assert_allclose(curves(at)["RNN"], drawn, rtol=1e-6)
    widget(at, "button_group", "grad_hidden").set_value(128).run()
    at.selectbox(key="grad_loss").set_value("all").run()
    assert not at.exception
    at.toggle(key="grad_f64").set_value(True).run()
    assert not at.exception
    widget(at, "button_group", "grad_preset").set_value("trained").run()
    assert not at.exception
    model = checkpoints.load("rnn")
    ref = gradients.backprop(
        model.rnn.double(), default_input().double(), lambda out: out.sum()
    ).state_norms
    np.testing.assert_allclose(curves(at)["RNN"], ref.numpy(), rtol=1e-9)


@pytest.mark.parametrize("length", [2, 400])
def test_random_input_at_both_lengths(open_page, length):
    at = open_page(PAGE)
    widget(at, "button_group", "grad_input").set_value("random").run()
    at.slider(key="grad_len").set_value(length).run()
    assert_ok(at)
    assert all(len(v) == length + 1 for v in curves(at).values())  # h_0 .. h_T
    at.number_input(key="grad_seed").set_value(9999).run()
    assert_ok(at)


def test_an_overflowing_run_says_so_and_keeps_working(open_page):
    at = open_page(PAGE)
    widget(at, "button_group", "grad_input").set_value("random").run()
    at.slider(key="grad_len").set_value(400).run()
    widget(at, "button_group", "grad_act").set_value("relu").run()
    at.selectbox(key="grad_init").set_value("identity").run()
    at.slider(key="grad_radius").set_value(3.0).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "RNN: the gradient overflowed at step t =" in errors
    assert "clipping" in errors.lower()
    rnn = curves(at)["RNN"]
    assert np.isnan(rnn).any()  # not drawn on the log axis…
    fig = next(f for f in charts(at) if any(tr.get("name") == "RNN" for tr in f["data"]))
    assert any("overflow" in (tr.get("name") or "") for tr in fig["data"])  # …but marked
    # every tab still renders: the Jacobians, the clipping and the truncation of that run
    open_tab(at, "Clipping")
    assert any("overflowed before clipping" in e.value for e in at.error)
    open_tab(at, "Inside BPTT")
    widget(at, "button_group", "grad_kind").set_value("lstm").run()
    assert not at.exception
    open_tab(at, "Truncated BPTT")
    at.slider(key="grad_k").set_value(1).run()
    assert not at.exception


def test_make_it_explode_button(open_page):
    at = open_page(PAGE)
    open_tab(at, "Clipping")
    at.button(key="grad_explode").click().run()
    assert not at.exception
    # a real float32 overflow: the norm of the gradient is inf, clipping zeroes the update
    assert any("Overflow: ‖g‖ = inf in float32" in e.value for e in at.error)
    assert r"\|g\| = \infty" in latex(at)
    open_tab(at, "W_hh & the bound")
    assert at.selectbox(key="grad_init").value == "orthogonal"
    assert widget(at, "button_group", "grad_act").value == "relu"
    assert at.slider(key="grad_radius").value == 1.5 and at.slider(key="grad_len").value == 300
    ref_module = initialisation.build("rnn", 28, 32, "relu", "orthogonal", 1.5)
    assert gradients.pascanu_verdict(ref_module.weight_hh_l0, "relu").outcome == "may explode"
    assert "gradients can explode" in " ".join(box.value for box in at.warning)


@pytest.mark.parametrize(
    "radius,words", [(0.5, "guaranteed to make gradients vanish"), (1.5, "can explode")]
)
def test_pascanu_verdict_in_words(open_page, radius, words):
    at = open_page(PAGE)
    at.selectbox(key="grad_init").set_value("orthogonal").run()
    at.slider(key="grad_radius").set_value(radius).run()
    assert_ok(at)
    assert words in " ".join(box.value for box in [*at.success, *at.warning])
    assert f"{radius:.3g}" in latex(at)  # σ_max of r × orthogonal is r


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_bptt_equation_shows_the_real_norms(open_page, kind):
    at = open_page(PAGE)
    open_tab(at, "Inside BPTT")
    widget(at, "button_group", "grad_kind").set_value(kind).run()
    at.slider(key="grad_t").set_value(50).run()
    assert_ok(at)
    module = initialisation.build(kind, 28, 32, gate_bias=3.0 if kind != "rnn" else 0.0)
    flow = gradients.backprop(module, default_input())
    g = flow.state_grads  # row t: dL/ds_t, t = 0 .. T
    eq = latex(at)
    assert sci(float(gradients.norm(g[50]))) in eq
    assert sci(float(gradients.norm(g[51]))) in eq
    J = gradients.jacobians(module, default_input())
    assert sci(float(J.product_norms[50])) in eq
    at.slider(key="grad_t").set_value(0).run()
    assert_ok(at)


@pytest.mark.parametrize("theta", [0.01, 1000.0])
def test_clipping_numbers_are_clip_grad_norm(open_page, theta):
    at = open_page(PAGE)
    open_tab(at, "Clipping")
    at.select_slider(key="grad_clip").set_value(theta).run()
    assert_ok(at)
    module = initialisation.build("rnn", 28, 32).requires_grad_(True)
    module(default_input())[0][-1].sum().backward()
    total = torch.nn.utils.clip_grad_norm_(module.parameters(), theta)
    after = clipping.clip_global_norm([p.grad for p in module.parameters()], theta)
    eq = latex(at)
    assert sci(float(total)) in eq
    assert sci(min(theta, float(total)), 3) in eq or sci(after.norm_before) in eq


@pytest.mark.parametrize("k", [1, 104])
def test_truncation_ends(open_page, k):
    at = open_page(PAGE)
    open_tab(at, "Truncated BPTT")
    at.slider(key="grad_k").set_value(k).run()
    assert_ok(at)
    metrics = [m for m in at.get("metric") if "full" in m.label or "truncated" in m.label]
    deltas = {m.label: m.proto.delta for m in metrics}
    if k == 104:
        assert deltas["‖dL/dθ‖, truncated"] == "cos to full = 1.000"


def test_long_memory_trains_in_the_session(open_page):
    at = open_page(PAGE)
    open_tab(at, "Long memory (train)")
    at.slider(key="grad_lag").set_value(3).run()
    at.selectbox(key="grad_steps").set_value(100).run()
    assert any("Train all three" in i.value for i in at.info)
    at.button(key="grad_train").click().run()
    assert_ok(at)
    memory = at.session_state["grad_memory"]
    together = memory["together"]
    assert together.config.lag == 3 and together.config.steps == 100
    assert together.done and memory["outcome"] == "finished"
    assert "Finished: 100 steps for each model" in shown(at)
    # the models the page shows are the core's, trained alone with the same settings
    alone = memory_task.train_one("lstm", together.config)
    assert together.runs()["lstm"].accuracies == alone.accuracies
    assert f"**LSTM** {alone.final_accuracy:.0%}" in shown(at)
    lines = [tr for f in charts(at) for tr in f["data"] if tr.get("name") == "LSTM"]
    assert len(lines) >= 3  # main chart, training curves, trained gradient curves
    np.testing.assert_allclose(
        values(lines[-1]["y"]), memory_task.gradient_norms(alone, together.config).numpy()
    )
    at.run()  # a rerun keeps the result without training again
    assert at.session_state["grad_memory"]["together"] is together
    # other settings: the result is not shown for them; the next Train starts anew
    at.slider(key="grad_lag").set_value(4).run()
    assert any("Train all three" in i.value for i in at.info)


def test_a_stopped_memory_run_shows_the_models_as_far_as_they_got(open_page):
    """What the page shows after Stop (the browser test presses Stop during a real run):
    the state the stopped job sent back, and Train continues it."""
    at = open_page(PAGE)
    open_tab(at, "Long memory (train)")
    at.slider(key="grad_lag").set_value(3).run()
    at.selectbox(key="grad_steps").set_value(100).run()
    together = memory_task.SideBySide(memory_task.MemoryConfig(lag=3, steps=100))
    together.run(max_rounds=7)
    state = together.state_dict() | {"step": 7, "done": False}
    at.session_state["grad_memory"] = {
        "config": together.config,
        "state": state,
        "outcome": "stopped",
    }
    at.run()
    assert_ok(at)
    assert "Stopped at step 7 of 100" in shown(at)
    assert len(charts(at)[-1]["data"]) >= 3  # the partly trained models' gradients
    at.button(key="grad_train").click().run()
    memory = at.session_state["grad_memory"]
    assert memory["state"]["done"] and "Finished" in shown(at)
    # continued from step 7: the same models as one uninterrupted run
    alone = memory_task.train_one("lstm", together.config)
    assert memory["together"].runs()["lstm"].accuracies == alone.accuracies


def test_bad_links_fall_back_to_defaults(open_page):
    at = open_page(
        PAGE,
        query={"grad_act": "bogus", "grad_radius": "99", "grad_hidden": "7", "grad_t": "5000"},
    )
    assert not at.exception


def test_empty_text_gets_a_prompt(open_page):
    at = open_page(PAGE)
    at.text_area(key="text").input("").run()
    assert not at.exception
    assert at.info and "Type a sentence" in at.info[0].value
    at.text_area(key="text").input("a").run()
    assert_ok(at)
    open_tab(at, "Inside BPTT")
    assert_ok(at)
    assert "one input: h_0 → h_1" in shown(at)  # one step back, from h_1 to h_0 = 0


def test_hidden_grad_norms_is_what_the_page_draws():
    x = default_input()
    module = initialisation.build("gru", 28, 32)
    assert math.isfinite(float(gradients.hidden_grad_norms(module, x)[0]))


def test_tab_controls_at_their_ends(open_page):
    at = open_page(PAGE, query={"grad_tab": "Clipping"})
    assert_ok(at)
    assert any(f["data"][0].get("type") == "bar" for f in charts(at))  # the clipping bars
    widget(at, "button_group", "grad_clip_kind").set_value("gru").run()
    at.select_slider(key="grad_clip").set_value(0.01).run()
    assert_ok(at)
    at = open_page(PAGE)
    open_tab(at, "Truncated BPTT")
    widget(at, "button_group", "grad_trunc_kind").set_value("lstm").run()
    at.slider(key="grad_keep").set_value(0.05).run()
    at.slider(key="grad_k").set_value(104).run()
    assert_ok(at)
    at.slider(key="grad_keep").set_value(1.0).run()
    assert_ok(at)
    metrics = {m.label: m.proto.delta for m in at.get("metric") if "‖dL/dθ‖" in m.label}
    assert metrics["‖dL/dθ‖, randomized"] == "cos to full = 1.000"  # π = 1 never cuts
    open_tab(at, "Long memory (train)")
    at.number_input(key="grad_mseed").set_value(9999).run()
    at.slider(key="grad_lag").set_value(150).run()
    assert_ok(at)


def test_check_yourself_and_share_box(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    assert "Check yourself" in shown(at)
    assert at.button(key="check_gradients_next")
    assert any("Share this view" in e.label for e in at.expander)
    assert len(at.get("download_button")) == 2  # gradient norms as CSV and JSON


HOSTILE = [
    "🙂 🚀 👩‍🔬",
    r"**bold** $x^2$ :red[red] \ { } ^ _ % & # ~ <b>html</b>",
    "ä ö ü ß 你好 مرحبا",
    "word\x00with\x1bcontrol\x7fcharacters",
    "x" * 1000,
]


def test_hostile_texts_and_every_step_and_lag_at_their_ends(open_page):
    at = open_page(PAGE)
    for text in HOSTILE:
        at.text_area(key="text").input(text).run()
        assert_ok(at)
        T = len(checkpoints.untrained("rnn").encode(text[:300]).ids)
        assert all(len(v) == T + 1 for v in curves(at).values())
    open_tab(at, "Inside BPTT")
    for kind in ("rnn", "lstm"):
        widget(at, "button_group", "grad_kind").set_value(kind).run()
        for t in (0, T - 1):
            at.slider(key="grad_t").set_value(t).run()
            assert_ok(at)
    open_tab(at, "Long memory (train)")
    for lag in (2, 150):
        at.slider(key="grad_lag").set_value(lag).run()
        assert_ok(at)


@pytest.mark.parametrize("preset,bias", [("keep1", 1.0), ("default", 0.0), ("trained", None)])
def test_each_starting_point_shows_its_own_ratios(open_page, preset, bias):
    """Moving the starting point redraws the equation with the core's numbers for it."""
    at = open_page(PAGE)
    widget(at, "button_group", "grad_preset").set_value(preset).run()
    assert_ok(at)
    x = default_input()
    for kind in ("rnn", "gru", "lstm"):
        if bias is None:
            module = checkpoints.load(kind).rnn.float()
        else:
            module = initialisation.build(kind, 28, 32, gate_bias=bias if kind != "rnn" else 0.0)
        assert sci(gradients.backprop(module, x).kept) in latex(at)
    # the trained checkpoints fix W_hh, the activation and H
    assert at.selectbox(key="grad_init").disabled == (preset == "trained")


def test_inside_bptt_draws_the_factor_beside_its_bound(open_page):
    at = open_page(PAGE)
    open_tab(at, "Inside BPTT")
    at.slider(key="grad_t").set_value(0).run()  # h_1 back to the initial state h_0
    assert_ok(at)
    module = initialisation.build("rnn", 28, 32)
    flow, J = (
        gradients.backprop(module, default_input()),
        gradients.jacobians(module, default_input()),
    )
    fig = next(f for f in charts(at) if any(tr.get("legendgroup") == "factor" for tr in f["data"]))
    lines = {tr["legendgroup"]: values(tr["y"]) for tr in fig["data"] if tr.get("legendgroup")}
    np.testing.assert_allclose(lines["factor"], flow.factors.numpy(), rtol=1e-9)
    np.testing.assert_allclose(lines["bound"], J.step_norms.numpy(), rtol=1e-9)
    assert (lines["factor"] <= lines["bound"]).all()
    assert r"\partial h_{0}" in latex(at)  # the initial state has its gradient too
    assert "it is not the factor" in " ".join(" ".join(c.value.split()) for c in at.caption)


def test_truncation_lines_on_the_page_are_told_apart(open_page):
    at = open_page(PAGE)
    open_tab(at, "Truncated BPTT")
    assert_ok(at)
    fig = next(f for f in charts(at) if any(tr.get("name") == "full BPTT" for tr in f["data"]))
    main = [
        tr for tr in fig["data"] if tr.get("legendgroup") in ("full", "truncated", "randomized")
    ]
    styles = {(tr["line"].get("dash"), tr["line"].get("width"), tr["mode"]) for tr in main}
    assert len(styles) == 3


def test_lecture_mode_puts_the_chart_before_the_controls(open_page):
    """?lecture=1: the starting point, the equation and the chart come first (the browser
    test measures that they fit the first screen)."""
    at = open_page(PAGE, query={"lecture": "1"})
    assert_ok(at)
    order = [getattr(e, "key", None) or type(e).__name__ for e in at.main]
    keys = [k for k in order if isinstance(k, str) and k.startswith("grad_")]
    assert keys.index("grad_preset") < keys.index("grad_input")
    normal = open_page(PAGE)
    order = [getattr(e, "key", None) or type(e).__name__ for e in normal.main]
    keys = [k for k in order if isinstance(k, str) and k.startswith("grad_")]
    assert keys.index("grad_input") < keys.index("grad_preset")
