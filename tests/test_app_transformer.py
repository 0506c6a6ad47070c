"""The Transformer lab under AppTest: every control moved, numbers vs the core."""

import functools

import pytest
from apptools import assert_ok, charts, latex, num, shown, tex_problems, widget

from app.controls import md_escape
from seqviz import bridge, checkpoints, transformer, transformer_lm, transformer_training

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
    assert "finished all 100 steps" in at.success[0].value
    assert at.session_state["tf_run"]["state"]["history"].step == 100
    assert at.session_state["tf_run"]["lm"].model.config.positions == "learned"
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
    pair = at.session_state["tf_bridge_runs"][("reverse", 3)]["pair"]  # this session's only
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Transformer accuracy (fresh problems)"] == f"{pair.transformer_accuracy:.1%}"
    assert metrics["LSTM accuracy (fresh problems)"] == f"{pair.lstm_accuracy:.1%}"


# --- links and input that must not break the page -------------------------------------------

# Every choice control of the lab: a value outside its options, and the default it falls to.
CHOICES = {
    "tf_weights": ("foo", "pretrained"),
    "tf_layer": ("9", 1),
    "tf_head": ("foo", 1),
    "tf_steps": ("7", 200),
    "tf_d": ("48", 32),
    "tf_pos": ("foo", "sinusoidal"),
    "tf_norm": ("middle", "pre"),
    "tf_task": ("foo", "reverse"),
}


def choice_value(at, key):
    kind = "select_slider" if key == "tf_steps" else "button_group"
    return widget(at, kind, key).value


@pytest.mark.parametrize("value", ["foo", "48"])
def test_a_d_model_outside_its_options_falls_back_to_the_default(open_page, value):
    """/transformer?tf_d=foo raised TypeError: unsupported operand type(s) for *: 'int' and
    'NoneType' (the segmented control returned None)."""
    at = open_page(TF, query={"tf_d": value}, direct=True)
    assert_ok(at)
    assert choice_value(at, "tf_d") == 32
    assert "d_ff = 128" in shown(at)
    assert any("tf_d" in note.value for note in at.info)


@pytest.mark.parametrize("key", CHOICES)
def test_every_choice_outside_its_options_falls_back_with_a_note(open_page, key):
    bad, default = CHOICES[key]
    at = open_page(TF, query={key: bad}, direct=True)
    assert_ok(at)
    assert choice_value(at, key) == default
    assert any(key in note.value for note in at.info)


def test_a_weights_link_for_a_model_not_trained_shows_the_pretrained_one(open_page):
    """ "My model" passes the link check, but there is no such model yet: the control gives
    its default (controls.choose), not None."""
    at = open_page(TF, query={"tf_weights": "My model", "tf_query": "5"}, direct=True)
    assert_ok(at)
    text = at.text_area(key="text").value
    _, _, tr = reference_trace(text)
    assert num(tr.blocks[0].weights[0, 5].max()) in latex(at)


TEX_SPECIALS = "{ } \\ ^ _ $ % & # ~ 🙂"


def test_tex_specials_and_emoji_in_every_text_box(open_page):
    at = open_page(TF)
    at.text_area(key="text").input(f"the {TEX_SPECIALS} time").run()
    at.text_input(key="tf_prompt").input(f"{TEX_SPECIALS} the ").run()
    at.text_input(key="tf_symbols").input(TEX_SPECIALS).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("not 6 symbols" in w.value for w in at.warning)
    equations = ""
    for t in range(int(at.slider(key="tf_query").max) + 1):
        at.slider(key="tf_query").set_value(t).run()
        assert not at.exception and not tex_problems(at), (t, tex_problems(at))
        equations += latex(at)
    assert r"\langle\text{unk}\rangle" in equations  # the specials are <unk> to the model
    read = "".join(checkpoints.load("transformer").encode(f"{TEX_SPECIALS} the ").tokens)
    assert f":gray-background[{md_escape(read)}]" in shown(at)  # as the model reads it, escaped


def test_every_slider_at_both_ends_and_empty_or_huge_text(open_page):
    at = open_page(TF)
    V = len(checkpoints.load("transformer").vocab)
    at.select_slider(key="tf_steps").set_value(1000)
    at.number_input(key="tf_seed").set_value(9999)
    at.number_input(key="tf_bridge_seed").set_value(999)
    at.run()
    assert_ok(at)
    assert "No models for seed 999" in shown(at)  # trains only when asked
    for text, prompt in (("a", ""), ("x" * 10_000, "t" * 126)):  # 126: the prompt's limit
        at.text_area(key="text").input(text)
        at.text_input(key="tf_prompt").input(prompt)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if len(text) > 128:
            assert any("only the first 128" in w.value for w in at.warning)
        n_max = at.slider(key="tf_n_gen").max
        for end in ("min", "max"):
            at.slider(key="tf_temperature").set_value(getattr(at.slider(key="tf_temperature"), end))
            at.slider(key="tf_top_k").set_value(0 if end == "min" else V - 1)
            at.number_input(key="tf_gen_seed").set_value(0 if end == "min" else 9999)
            at.slider(key="tf_n_gen").set_value(1 if end == "min" else n_max)
            if len(text) > 1:
                at.slider(key="tf_query").set_value(0 if end == "min" else 127)
            at.run()
            assert not at.exception, (text[:5], end, [e.value for e in at.exception])
            n_gen = at.slider(key="tf_n_gen").value
            assert f"of {n_gen}:" in shown(at), (text[:5], end)
            if n_gen > 1:
                at.slider(key="tf_gen_step").set_value(n_gen - 1).run()
                assert not at.exception and f"{n_gen} of {n_gen}" in shown(at)
    at.text_area(key="text").input("").run()
    assert not at.exception and any("Type some text" in i.value for i in at.info)
    at.number_input(key="tf_bridge_seed").set_value(0)  # the pretrained pair
    for symbols in ("", "z" * 40):  # 40: the box's limit
        at.text_input(key="tf_symbols").input(symbols).run()
        assert not at.exception and any("not 6 symbols" in w.value for w in at.warning)


def test_a_link_with_a_prompt_too_long_for_the_context(open_page):
    at = open_page(TF, query={"tf_prompt": "t" * 500, "tf_n_gen": "100"}, direct=True)
    assert_ok(at)
    assert len(at.text_input(key="tf_prompt").value) == 126
    assert at.slider(key="tf_n_gen").max == 2  # 126 + 2 = the context of 128


def test_the_link_check_knows_every_option_of_the_choice_controls():
    from app import urlstate
    from app.views import transformer_parts as parts

    def allowed(key):
        return urlstate.PARAMS[key].choices

    cfg = checkpoints.load("transformer").model.config
    mine = transformer_training.TrainConfig()  # a student's model changes neither
    for config in (cfg, mine):  # the pretrained model and the one a student trains
        assert allowed("tf_layer") == tuple(str(l) for l in range(1, config.num_layers + 1))
        assert allowed("tf_head") == tuple(str(h) for h in range(1, config.n_heads + 1))
    assert allowed("tf_weights") == tuple(v.lower() for v in parts.WEIGHTS.values())
    assert allowed("tf_steps") == tuple(map(str, parts.STEPS))
    assert allowed("tf_d") == tuple(map(str, parts.D_MODELS))
    assert allowed("tf_pos") == transformer.POSITIONS and allowed("tf_norm") == transformer.NORMS
    assert allowed("tf_task") == bridge.TASKS
