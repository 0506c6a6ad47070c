"""The Self-attention and Transformer labs under AppTest: every control moved, numbers vs the core."""

import functools

import pytest
import torch
from apptools import assert_ok, charts, latex, num, shown, widget

from seqviz import attention, bridge, checkpoints, self_attention, transformer_lm

ATTN = "views/attention.py"
TF = "views/transformer.py"
SENTENCE = "the time traveller held in his hand a glittering metallic framework"


def core(text=SENTENCE, d_k=8, seed=0, positions=True, scale=True, causal=False):
    s = self_attention.read_sentence(text)
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, d_k, seed)
    return s, self_attention.self_attention(
        s.ids, w, positions=positions, scale=scale, causal=causal
    )


# --- Self-attention ------------------------------------------------------------------------


def test_default_view_writes_out_the_real_numbers(open_page):
    at = open_page(ATTN)
    assert_ok(at)
    _, sa = core()
    i = at.slider(key="query").value
    eq = latex(at)
    for value in (sa.Q[i, 0], sa.steps.scaled[i, 0], sa.steps.weights[i, 0], sa.steps.out[i, 0]):
        assert num(value) in eq
    assert num(sa.steps.entropy[i]) in eq
    assert "random" in shown(at)  # the page says the projections are not learned
    assert len(charts(at)) >= 15


def test_query_seed_and_dk_follow_the_core(open_page):
    at = open_page(ATTN)
    at.slider(key="query").set_value(5).run()
    at.number_input(key="seed").set_value(7).run()
    at.select_slider(key="dk").set_value(32).run()
    assert_ok(at)
    _, sa = core(d_k=32, seed=7)
    eq = latex(at)
    assert num(sa.steps.weights[5].max()) in eq
    assert r"\sqrt{32}" in eq and num(32**0.5) in eq


def test_switching_the_scaling_off_saturates_the_softmax(open_page):
    at = open_page(ATTN)
    at.select_slider(key="dk").set_value(64).run()
    at.toggle(key="scale").set_value(False).run()
    assert_ok(at)
    _, raw = core(d_k=64, scale=False)
    _, scaled = core(d_k=64)
    assert raw.steps.entropy.mean() < scaled.steps.entropy.mean()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["mean row entropy, not scaled"] == f"{raw.steps.entropy.mean():.3f} nats"
    assert metrics["mean row entropy, scaled"] == f"{scaled.steps.entropy.mean():.3f} nats"
    assert "scaling off" in latex(at)


def test_causal_mask_and_positions_toggles(open_page):
    at = open_page(ATTN)
    at.toggle(key="causal").set_value(True).run()
    at.slider(key="query").set_value(0).run()
    assert_ok(at)
    eq = latex(at)
    assert r"-\infty" in eq and r"\mathbf{1.000}" in eq  # word 0 can only see itself
    at.toggle(key="positions").set_value(False).run()
    assert_ok(at)
    _, sa = core(positions=False, causal=True)
    assert (sa.positions == 0).all()
    at.slider(key="query").set_value(4).run()
    assert num(sa.steps.weights[4].max()) in latex(at)


def test_positions_section_and_the_shuffle(open_page):
    at = open_page(ATTN)
    at.slider(key="n_pos").set_value(128).run()
    at.select_slider(key="pe_dim").set_value(8).run()
    at.number_input(key="perm_seed").set_value(3).run()
    assert_ok(at)
    pe = attention.sinusoidal_positions(128, 8)
    i = at.slider(key="query").value
    assert num(pe[i, 1]) in latex(at)
    s, _ = core()
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, 0)
    on = self_attention.order_test(s.ids, w, positions=True, seed=3)
    assert f"{on.max_difference:.3f}" in latex(at)
    shuffled = " ".join(s.tokens[int(k)] for k in on.perm)
    assert shuffled.split()[0] in shown(at)


@pytest.mark.parametrize(
    "text",
    ["x", "the blorp sat on the zzyzx mat!", "🙂 世界 héllo", "the " * 100],
    ids=["one-word", "unknown", "emoji", "long"],
)
def test_odd_sentences(open_page, text):
    at = open_page(ATTN)
    at.text_area(key="sentence").input(text).run()
    assert_ok(at)
    assert charts(at)
    if "blorp" in text:
        assert "<unk>" in shown(at) and "blorp" in shown(at)
    if len(text) > 300:
        assert any(str(self_attention.MAX_WORDS) in w.value for w in at.warning)
        at.slider(key="query").set_value(self_attention.MAX_WORDS - 1).run()
        assert_ok(at)


def test_empty_sentence_gets_a_prompt(open_page):
    at = open_page(ATTN)
    at.text_area(key="sentence").input("").run()
    assert not at.exception and at.info
    assert not charts(at)


def test_a_link_reproduces_the_attention_view(open_page):
    at = open_page(
        ATTN, query={"sentence": "the time machine", "query": "1", "causal": "true", "dk": "4"}
    )
    assert_ok(at)
    _, sa = core("the time machine", d_k=4, causal=True)
    assert num(sa.steps.weights[1, 0]) in latex(at)


# --- Transformer ---------------------------------------------------------------------------


def reference_trace(text, trained=True):
    lm = checkpoints.load("transformer") if trained else checkpoints.untrained("transformer")
    enc = lm.encode(text)
    return lm, enc.tokens, lm.model(enc.ids, return_trace=True)[1]


def test_model_view_layer_head_and_position(open_page):
    at = open_page(TF)
    assert_ok(at)
    text = at.text_area(key="text").value
    widget(at, "button_group", "layer").set_value(2).run()
    widget(at, "button_group", "head").set_value(3).run()
    at.slider(key="pos").set_value(10).run()
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
    widget(at, "button_group", "weights").set_value("untrained").run()
    at.text_area(key="text").input("abc " * 60).run()
    assert_ok(at)
    assert any("128" in w.value for w in at.warning)
    _, _, tr = reference_trace(("abc " * 60)[:128], trained=False)
    at.slider(key="pos").set_value(127).run()
    assert num(tr.blocks[0].weights[0, 127].max()) in latex(at)


def test_generation_controls_and_stepping(open_page):
    at = open_page(TF)
    at.text_input(key="prompt").input("the machine ").run()
    at.slider(key="n_gen").set_value(12).run()
    at.slider(key="temperature").set_value(0.0).run()
    at.slider(key="top_k").set_value(3).run()
    at.number_input(key="gen_seed").set_value(5).run()
    assert_ok(at)
    pretrained = checkpoints.load("transformer")
    gen = transformer_lm.generate(pretrained, "the machine ", 12, 0.0, 3, 5)
    text = "".join(pretrained.vocab.to_tokens(gen.ids))
    assert any(text.strip()[:5] in m.value for m in at.markdown)
    at.button(key="gen_step_next").click().run()
    assert_ok(at)
    assert at.slider(key="gen_step").value == 1
    assert "Generated character 2 of 12" in shown(at)


def test_live_training_runs_in_the_session_and_is_selectable(open_page):
    at = open_page(TF)
    at.select_slider(key="tf_steps").set_value(100).run()
    widget(at, "button_group", "tf_pos").set_value("learned").run()
    widget(at, "button_group", "tf_norm").set_value("post").run()
    at.button(key="tf_train").click().run()
    assert_ok(at)
    assert "held-out perplexity" in shown(at)
    assert widget(at, "button_group", "weights").value == "mine"
    assert checkpoints.load("transformer").model.training is False  # the shared model is untouched


@pytest.mark.parametrize("task", bridge.TASKS)
def test_bridge_pretrained_and_bad_symbols(open_page, task):
    at = open_page(TF)
    widget(at, "button_group", "task").set_value(task).run()
    at.text_input(key="symbols").input("abcdea").run()
    assert_ok(at)
    pair = checkpoints.load(f"transformer-bridge-{task}")
    a = bridge.align(pair, bridge.encode("abcdea"))
    assert "".join(a.targets) in shown(at)
    at.text_input(key="symbols").input("xyz").run()
    assert not at.exception and any("not 6 symbols" in w.value for w in at.warning)


def test_bridge_other_seed_trains_on_request(fresh_caches, open_page, monkeypatch):
    monkeypatch.setattr(bridge, "BridgeConfig", functools.partial(bridge.BridgeConfig, steps=5))
    at = open_page(TF)
    at.number_input(key="bridge_seed").set_value(3).run()
    assert_ok(at)
    assert "No models for seed 3" in shown(at)
    at.button(key="bridge_train").click().run()
    assert_ok(at)
    assert any("accuracy" in m.label for m in at.metric)
    torch.testing.assert_close(torch.tensor(1.0), torch.tensor(1.0))


def test_check_yourself_and_share_box_on_the_self_attention_lab(open_page):
    at = open_page("views/attention.py")
    assert_ok(at)
    assert "Check yourself" in shown(at)
    assert any("Share this view" in e.label for e in at.expander)
    assert len(at.get("download_button")) >= 2  # the attention weights as CSV and JSON
    from app import share

    sentence, sa = core()
    # the table behind the download, as the page builds it
    table = share.labelled(sa.steps.weights, sentence.tokens, sentence.tokens)
    assert table.shape == (len(sentence.tokens), len(sentence.tokens) + 2)
    assert abs(table.iloc[:, 2:].to_numpy().sum(axis=1) - 1).max() < 1e-5
