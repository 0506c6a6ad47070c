"""The Self-attention lab under AppTest: every control moved, numbers vs the core."""

import pytest
from apptools import assert_ok, charts, latex, num, shown

from seqviz import attention, self_attention

ATTN = "views/attention.py"
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
    i = at.slider(key="att_query").value
    eq = latex(at)
    for value in (sa.Q[i, 0], sa.steps.scaled[i, 0], sa.steps.weights[i, 0], sa.steps.out[i, 0]):
        assert num(value) in eq
    assert num(sa.steps.entropy[i]) in eq
    assert "random" in shown(at)  # the page says the projections are not learned
    assert len(charts(at)) >= 15


def test_query_seed_and_dk_follow_the_core(open_page):
    at = open_page(ATTN)
    at.slider(key="att_query").set_value(5).run()
    at.number_input(key="att_seed").set_value(7).run()
    at.select_slider(key="att_dk").set_value(32).run()
    assert_ok(at)
    _, sa = core(d_k=32, seed=7)
    eq = latex(at)
    assert num(sa.steps.weights[5].max()) in eq
    assert r"\sqrt{32}" in eq and num(32**0.5) in eq


def test_switching_the_scaling_off_saturates_the_softmax(open_page):
    at = open_page(ATTN)
    at.select_slider(key="att_dk").set_value(64).run()
    at.toggle(key="att_scale").set_value(False).run()
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
    at.toggle(key="att_causal").set_value(True).run()
    at.slider(key="att_query").set_value(0).run()
    assert_ok(at)
    eq = latex(at)
    assert r"-\infty" in eq and r"\mathbf{1.000}" in eq  # word 0 can only see itself
    at.toggle(key="att_positions").set_value(False).run()
    assert_ok(at)
    _, sa = core(positions=False, causal=True)
    assert (sa.positions == 0).all()
    at.slider(key="att_query").set_value(4).run()
    assert num(sa.steps.weights[4].max()) in latex(at)


def test_positions_section_and_the_shuffle(open_page):
    at = open_page(ATTN)
    at.slider(key="att_n_pos").set_value(128).run()
    at.select_slider(key="att_pe_dim").set_value(8).run()
    at.number_input(key="att_perm_seed").set_value(3).run()
    assert_ok(at)
    pe = attention.sinusoidal_positions(128, 8)
    i = at.slider(key="att_query").value
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
    at.text_area(key="att_sentence").input(text).run()
    assert_ok(at)
    assert charts(at)
    if "blorp" in text:
        assert "<unk>" in shown(at) and "blorp" in shown(at)
    if len(text) > 300:
        assert any(str(self_attention.MAX_WORDS) in w.value for w in at.warning)
        at.slider(key="att_query").set_value(self_attention.MAX_WORDS - 1).run()
        assert_ok(at)


def test_empty_sentence_gets_a_prompt(open_page):
    at = open_page(ATTN)
    at.text_area(key="att_sentence").input("").run()
    assert not at.exception and at.info
    assert not charts(at)


def test_a_link_reproduces_the_attention_view(open_page):
    at = open_page(
        ATTN,
        query={
            "att_sentence": "the time machine",
            "att_query": "1",
            "att_causal": "true",
            "att_dk": "4",
        },
    )
    assert_ok(at)
    _, sa = core("the time machine", d_k=4, causal=True)
    assert num(sa.steps.weights[1, 0]) in latex(at)


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
