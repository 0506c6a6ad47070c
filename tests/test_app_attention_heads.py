"""The Self-attention lab's new controls under AppTest: several heads, and the trained
Transformer's first layer as a second source — every number against the core / the model."""

import base64

import numpy as np
from apptools import assert_ok, charts, latex, shown, widget

from seqviz import attention, attention_heads, attention_trained, checkpoints, self_attention
from seqviz.latex import num

ATTN = "views/attention.py"
SENTENCE = "the time traveller held in his hand a glittering metallic framework"


def z_of(fig: dict) -> np.ndarray:
    z = fig["data"][0]["z"]
    if isinstance(z, dict):  # numpy arrays arrive base64-encoded
        raw = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        shape = [int(n) for n in str(z.get("shape", len(raw))).split(",")]
        return raw.reshape(shape).astype(float)
    return np.asarray(z, dtype=float)


def random_heads(n_heads, seed=0, causal=False):
    s = self_attention.read_sentence(SENTENCE)
    w = attention_heads.random_heads(len(self_attention.word_vocab()), 16, n_heads, seed)
    X = w.E[s.ids] + attention.sinusoidal_positions(len(s.ids), 16)
    return attention_heads.self_attention_heads(X, w, causal=causal)


def test_two_heads_by_default_with_every_heads_numbers(open_page):
    at = open_page(ATTN)
    assert_ok(at)
    i = at.slider(key="att_query").value
    hs = random_heads(2)
    eq = latex(at)
    for h in range(2):
        assert num(hs.Q[h, i, 0]) in eq and num(hs.steps.weights[h, i].max()) in eq
        assert num(hs.steps.out[h, i, 0]) in eq
    assert num(hs.concat[i, 0]) in eq and num(hs.out[i, 0]) in eq
    assert r"\text{concat}" in eq and "W_o" in eq
    assert len(at.tabs) >= 2 and [t.label for t in at.tabs][:2] == ["Head 1", "Head 2"]


def test_four_heads_and_a_causal_mask(open_page):
    at = open_page(ATTN)
    widget(at, "button_group", "att_heads").set_value(4).run()
    at.toggle(key="att_causal").set_value(True).run()
    assert_ok(at)
    i = at.slider(key="att_query").value
    hs = random_heads(4, causal=True)
    eq = latex(at)
    for h in range(4):
        assert num(hs.steps.weights[h, i].max()) in eq
    assert num(hs.out[i, 0]) in eq
    assert "Head 4" in [t.label for t in at.tabs]


def test_trained_source_shows_the_models_own_first_layer(open_page):
    at = open_page(ATTN)
    widget(at, "button_group", "att_source").set_value("Trained").run()
    widget(at, "button_group", "att_head").set_value(3).run()
    assert_ok(at)
    lm = checkpoints.load("transformer")
    s = attention_trained.read_text(lm, SENTENCE)
    _, tr = lm.model(s.ids, return_trace=True)
    own = tr.blocks[0].weights[2]  # head 3 of layer 1, as the model computes it
    weights_fig = next(
        f
        for f in charts(at)
        if "attention weights" in (f["layout"].get("title") or {}).get("text", "")
    )
    z = z_of(weights_fig)
    T = len(s.ids)
    lower = np.tril(np.ones((T, T), bool))
    np.testing.assert_allclose(z[lower], own.numpy()[lower], rtol=1e-5, atol=1e-7)
    assert np.isnan(z[~lower]).all()  # the model's causal mask, drawn masked
    i = at.slider(key="att_query").value
    eq = latex(at)
    assert num(own[i].max()) in eq and r"\operatorname{LN}_1" in eq
    assert num(tr.blocks[0].q[2, i, 0]) in eq
    assert num(tr.blocks[0].attn_out[i, 0]) in eq  # the multi-head output of layer 1
    assert "Trained weights" in shown(at) and f"reads {T} characters" in shown(at)
    assert at.toggle(key="att_causal").disabled and at.number_input(key="att_seed").disabled


def test_a_link_opens_the_trained_source_with_a_head(open_page):
    at = open_page(ATTN, {"att_source": "Trained", "att_head": "2"}, direct=True)
    assert_ok(at)
    assert widget(at, "button_group", "att_source").value == "Trained"
    assert "head 2 of the first layer" in shown(at)
    assert "could not be used" not in shown(at)
