"""The Transformer lab under AppTest: every control moved, numbers vs the core."""

import functools

import pytest
from apptools import assert_ok, charts, latex, num, shown, widget

from seqviz import bridge, checkpoints, transformer_lm

TF = "views/transformer.py"


def reference_trace(text, trained=True):
    lm = checkpoints.load("transformer") if trained else checkpoints.untrained("transformer")
    enc = lm.encode(text)
    return lm, enc.tokens, lm.model(enc.ids, return_trace=True)[1]


def test_model_view_layer_head_and_position(open_page):
    at = open_page(TF)
    assert_ok(at)
    text = at.text_area(key="text").value
    widget(at, "button_group", "tf_layer").set_value(2).run()
    widget(at, "button_group", "tf_head").set_value(3).run()
    at.slider(key="tf_query").set_value(10).run()
    assert_ok(at)
    lm, tokens, tr = reference_trace(text)
    row = tr.blocks[1].weights[2, 10]
    assert num(row.max()) in latex(at)
    fig = next(
        f for f in charts(at) if (f["layout"].get("title") or {}).get("text") == "Layer 2, head 3"
    )
    assert len(fig["data"][0]["y"]) == len(tokens)
    grid = next(f for f in charts(at) if len(f["data"]) == 8)
    assert len(grid["layout"]["shapes"]) == 1  # the selected head is outlined


def test_untrained_weights_and_a_long_text(open_page):
    at = open_page(TF)
    widget(at, "button_group", "tf_weights").set_value("untrained").run()
    at.text_area(key="text").input("abc " * 60).run()
    assert_ok(at)
    assert any("128" in w.value for w in at.warning)
    _, _, tr = reference_trace(("abc " * 60)[:128], trained=False)
    at.slider(key="tf_query").set_value(127).run()
    assert num(tr.blocks[0].weights[0, 127].max()) in latex(at)


def test_generation_controls_and_stepping(open_page):
    at = open_page(TF)
    at.text_input(key="tf_prompt").input("the machine ").run()
    at.slider(key="tf_n_gen").set_value(12).run()
    at.slider(key="tf_temperature").set_value(0.0).run()
    at.slider(key="tf_top_k").set_value(3).run()
    at.number_input(key="tf_gen_seed").set_value(5).run()
    assert_ok(at)
    pretrained = checkpoints.load("transformer")
    gen = transformer_lm.generate(pretrained, "the machine ", 12, 0.0, 3, 5)
    text = "".join(pretrained.vocab.to_tokens(gen.ids))
    assert any(text.strip()[:5] in m.value for m in at.markdown)
    at.button(key="tf_gen_step_next").click().run()
    assert_ok(at)
    assert at.slider(key="tf_gen_step").value == 1
    assert "Generated character 2 of 12" in shown(at)


def test_live_training_runs_in_the_session_and_is_selectable(open_page):
    at = open_page(TF)
    at.select_slider(key="tf_steps").set_value(100).run()
    widget(at, "button_group", "tf_pos").set_value("learned").run()
    widget(at, "button_group", "tf_norm").set_value("post").run()
    at.button(key="tf_train").click().run()
    assert_ok(at)
    assert "held-out perplexity" in shown(at)
    assert widget(at, "button_group", "tf_weights").value == "mine"
    assert checkpoints.load("transformer").model.training is False  # the shared model is untouched


@pytest.mark.parametrize("task", bridge.TASKS)
def test_bridge_pretrained_and_bad_symbols(open_page, task):
    at = open_page(TF)
    widget(at, "button_group", "tf_task").set_value(task).run()
    at.text_input(key="tf_symbols").input("abcdea").run()
    assert_ok(at)
    pair = checkpoints.load(f"transformer-bridge-{task}")
    a = bridge.align(pair, bridge.encode("abcdea"))
    assert "".join(a.targets) in shown(at)
    at.text_input(key="tf_symbols").input("xyz").run()
    assert not at.exception and any("not 6 symbols" in w.value for w in at.warning)


def test_bridge_other_seed_trains_on_request(fresh_caches, open_page, monkeypatch):
    monkeypatch.setattr(bridge, "BridgeConfig", functools.partial(bridge.BridgeConfig, steps=5))
    at = open_page(TF)
    at.number_input(key="tf_bridge_seed").set_value(3).run()
    assert_ok(at)
    assert "No models for seed 3" in shown(at)
    at.button(key="tf_bridge_train").click().run()
    assert_ok(at)
    pair = at.session_state["tf_bridge_runs"][("reverse", 3)]  # this session's, not shared
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Transformer accuracy (fresh problems)"] == f"{pair.transformer_accuracy:.1%}"
    assert metrics["LSTM accuracy (fresh problems)"] == f"{pair.lstm_accuracy:.1%}"
