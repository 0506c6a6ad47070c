"""The Transformer-block lab under AppTest: every control moved, the numbers on screen
against the core's (seqviz.block_trace / seqviz.logit_lens on the same model and text)."""

from __future__ import annotations

import functools

import torch
from apptools import assert_ok, chart, charts, latex, num, shown, tex_problems, widget

from seqviz import block_trace, checkpoints, logit_lens
from seqviz.transformer_training import TrainConfig, untrained

PAGE = "views/block.py"


@functools.cache
def reading(text: str):
    lm = checkpoints.load("transformer")
    enc = lm.encode(text)
    return lm, enc, block_trace.read(lm.model, enc.ids)


def test_stepping_layer_head_and_dimension_change_the_numbers(open_page):
    at = open_page(PAGE)
    assert_ok(at)
    text = at.text_area(key="text").value
    lm, enc, r = reading(text)
    assert at.slider(key="blk_token").value == 12
    at.button(key="blk_token_next").click().run()
    assert_ok(at)
    assert at.slider(key="blk_token").value == 13
    t = 12  # 0-based position of t = 13
    bt = r.trace.blocks[0]
    assert num(bt.after_attn[t, 0]) in latex(at)
    widget(at, "button_group", "blk_layer").set_value(2).run()
    widget(at, "button_group", "blk_head").set_value(3).run()
    at.number_input(key="blk_dim").set_value(7).run()
    assert_ok(at)
    bt = r.trace.blocks[1]
    eq = latex(at)
    assert num(bt.after_ff[t, 6]) in eq and num(bt.after_attn[t, 6]) in eq
    w = bt.weights[2, t, : t + 1]
    assert num(w.max()) in eq
    assert "Head 3 of block 2" in shown(at)
    at.button(key="blk_token_prev").click().run()
    at.button(key="blk_token_prev").click().run()
    assert at.slider(key="blk_token").value == 11
    assert_ok(at)


def test_head_view_every_query_and_the_exercise_box(open_page):
    at = open_page(PAGE)
    before = len(chart(at, "blk_head_view")["data"])
    at.toggle(key="blk_every").set_value(True).run()
    assert_ok(at)
    after = len(chart(at, "blk_head_view")["data"])
    assert after > before  # more weight levels drawn once every query has its lines
    at.button(key="check_block_next").click().run()
    assert_ok(at)
    assert "question 2 of 4" in shown(at)


def test_the_students_post_ln_model_is_offered_and_shown(open_page):
    at = open_page(PAGE)
    assert widget(at, "button_group", "blk_weights").options == ["Pretrained"]
    lm = untrained(TrainConfig(norm="post", d_model=32, n_heads=2, seed=4), reading("a")[0].vocab)
    at.session_state["tf_run"] = {"lm": lm}
    at.run()
    widget(at, "button_group", "blk_weights").set_value("mine").run()
    assert_ok(at)
    assert "Post-LN" in shown(at)
    text = at.text_area(key="text").value
    enc = lm.encode(text)
    r = block_trace.read(lm.model, enc.ids)
    eq = latex(at)
    assert r"\xrightarrow{\mathrm{LN}_1}" in eq
    assert num(r.parts[0].attn_sum[11, 0]) in eq
    assert at.number_input(key="blk_dim").max == 32
    ln = logit_lens.lens(lm.model, r.trace)
    p = logit_lens.next_probability(ln, enc.ids)[:, 11]
    assert all(num(v) in eq for v in p)


def test_bad_input_empty_emoji_long_and_link_values(open_page):
    at = open_page(PAGE)
    at.text_area(key="text").input("").run()
    assert_ok(at)
    assert "Type some text above" in shown(at)
    at.text_area(key="text").input("a").run()
    assert_ok(at)
    assert "there is only one character" in shown(at)
    at.text_area(key="text").input("héllo 🙂 {x}_$ " * 20).run()
    assert_ok(at)
    assert "reads only the first 128" in shown(at)
    assert not tex_problems(at)
    at = open_page(PAGE, query={"blk_token": "999", "blk_dim": "0", "blk_layer": "9"}, direct=True)
    assert_ok(at)
    assert at.slider(key="blk_token").value == len("the time traveller smiled round at us")
    assert at.number_input(key="blk_dim").value == 1
    with torch.no_grad():
        assert len(charts(at)) == 6
