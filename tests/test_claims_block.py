"""Every sentence of the Transformer-block lab that tells the student what they will see, tested.

Each test computes the claim from the same core calls on the same defaults the page uses
(``app.views.block_parts.DEFAULT_TEXT`` and ``DEFAULT_TOKEN``, the ``transformer`` checkpoint,
``seqviz.block_trace.read``, ``seqviz.logit_lens.lens``) and asserts the sentence is still in
the page's source or prose.

Claim (where) -> test

- "2 blocks, 4 heads, d_model = 64, trained on *The Time Machine*"; "a vector of 64 numbers"
  (blk_intro.md) -> test_the_model_has_two_blocks_four_heads_and_64_numbers
- "Each block reads a LayerNorm'd copy of $x$"; "**adds** the result to $x$"; "a feed-forward
  layer works on this position alone and adds its result too" (blk_intro.md); "**Pre-LN**: each
  sub-layer reads a LayerNorm'd copy of the stream and adds its output to it; the stream itself
  is normalised only once, by LN_f before the output." (block.py) ->
  test_pre_ln_adds_to_the_stream_and_the_ffn_is_position_wise
- "each blue bar after MHA or FFN is the blue bar before it plus that sub-layer's orange bar;
  the lengths on top do not add" (block_parts.py, under the main chart); "the lower panel of the
  chart adds up" (blk_layernorm.md) -> test_the_lower_panel_adds_up_and_the_norms_do_not
- "At the default **t = 12** (the ‘a’ of “traveller”)"; "through the embedding or block 1
  alone, the stream gives the real next character ‘v’ less than 1%; after block 2 ‘v’ is the
  top guess" (blk_try.md) -> test_at_t_12_only_block_2_predicts_v
- "block 2's feed-forward adds a far longer vector at every space than at any letter"
  (blk_try.md) -> test_block_2_ffn_is_longest_at_spaces
- "units left of 0 are (almost) silenced"; "the equation above is the top one's"
  (block_parts.py, feed-forward) -> test_gelu_silences_negative_units_and_the_equation_is_the_top_unit
- "which sum to 1"; "every key k_j it may see (j ≤ t, causal)" (block_parts.py, Q/K/V) ->
  test_the_attention_row_sums_to_one_over_the_visible_keys
- "One colour per head"; "weights under 0.02 are not drawn"; "With one query the columns end
  at t: the causal mask hides the characters after it." (block_parts.py, head view) ->
  test_the_head_view_has_one_colour_per_head_and_drops_small_weights
- "the blue bar is the character that really comes next. The last panel is the model's real
  prediction." (block_parts.py, lens); "the panel after the last block is the model's real
  prediction" (blk_lens.md) -> test_the_last_lens_panel_is_the_models_prediction
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import torch
from apptools import array, assert_ok, chart
from browsertools import ENTRY
from test_claims_rnn import said  # the claims tests' reader of sources

from app.views.block_parts import DEFAULT_TEXT, DEFAULT_TOKEN
from seqviz import block_trace, checkpoints, logit_lens

PAGE = "views/block.py"
T0 = DEFAULT_TOKEN - 1  # the core's index of the default position


@pytest.fixture(scope="module")
def default_page(app_caches):
    """The page on its defaults, opened once for every test here that reads it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.switch_page(PAGE)
    at.run()
    assert_ok(at)
    return at


@cache
def reading():
    lm = checkpoints.load("transformer")
    enc = lm.encode(DEFAULT_TEXT)
    r = block_trace.read(lm.model, enc.ids)
    return lm, enc, r, logit_lens.lens(lm.model, r.trace)


def test_the_model_has_two_blocks_four_heads_and_64_numbers():
    said(
        "2 blocks, 4 heads, d_model = 64, trained on *The Time Machine*", "assets/text/blk_intro.md"
    )
    said("a vector of 64 numbers", "assets/text/blk_intro.md")
    lm, enc, r, _ = reading()
    cfg = lm.model.config
    assert (cfg.num_layers, cfg.n_heads, cfg.d_model) == (2, 4, 64)
    assert r.trace.x0.shape == (len(enc.tokens), 64)
    assert "Time Machine" in checkpoints.info("transformer")["corpus"]


def test_pre_ln_adds_to_the_stream_and_the_ffn_is_position_wise():
    said("Each block reads a LayerNorm'd copy of $x$", "assets/text/blk_intro.md")
    said("**adds** the result to $x$", "assets/text/blk_intro.md")
    said(
        "a feed-forward layer works on this position alone and adds its result too",
        "assets/text/blk_intro.md",
    )
    said(
        "**Pre-LN**: each sub-layer reads a LayerNorm'd copy of the stream and adds its output "
        "to it; the stream itself is normalised only once, by LN_f before the output.",
        "app/views/block.py",
    )
    lm, enc, r, _ = reading()
    assert r.pre
    for block, bt in zip(lm.model.blocks, r.trace.blocks, strict=True):
        with torch.no_grad():
            torch.testing.assert_close(bt.attn_in, block.norm1(bt.input))
            torch.testing.assert_close(bt.after_attn, bt.input + bt.attn_out, atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(bt.after_ff, bt.after_attn + bt.ff_out, atol=1e-5, rtol=1e-5)
            # the FFN at t reads only position t: changing the other positions changes nothing
            other = bt.after_attn.clone()
            other[:T0] += 1.0
            other[T0 + 1 :] -= 1.0
            torch.testing.assert_close(
                block.ff2(torch.nn.functional.gelu(block.ff1(block.norm2(other))))[T0],
                bt.ff_out[T0],
            )
    # the only normalisation of the stream itself: LN_f before the output layer
    with torch.no_grad():
        torch.testing.assert_close(r.trace.final, lm.model.norm_f(r.trace.blocks[-1].after_ff))


def test_the_lower_panel_adds_up_and_the_norms_do_not(default_page):
    said(
        "each blue bar after MHA or FFN is the blue bar before it plus that sub-layer's orange "
        "bar; the lengths on top do not add",
        "app/views/block_parts.py",
    )
    said("the lower panel of the chart adds up", "assets/text/blk_layernorm.md")
    _, _, r, _ = reading()
    at = default_page
    fig = chart(at, "blk_stream")
    values = array(fig["data"][2]["y"])  # dimension i = 1 at each stage
    norms_branch, norms_stream = array(fig["data"][0]["y"]), array(fig["data"][1]["y"])
    names = [s.name for s in r.stages]
    assert len(values) == len(names)
    for k, name in enumerate(names):
        if name.startswith(("x + MHA", "x + FFN")):
            # the previous blue bar: the last stream stage before k; the sub-layer's bar at k - 1
            prev = max(j for j in range(k) if r.stages[j].kind == "stream")
            assert abs(values[k] - (values[prev] + values[k - 1])) < 2e-3
    np.testing.assert_allclose(
        norms_stream, [float(s.value[T0].norm()) for s in r.stream()], rtol=1e-4
    )
    # ‖x + MHA‖ is not ‖x‖ + ‖MHA‖
    assert norms_stream[1] < norms_stream[0] + norms_branch[1] - 0.5


def test_at_t_12_only_block_2_predicts_v():
    said("At the default **t = 12** (the ‘a’ of “traveller”)", "assets/text/blk_try.md")
    said(
        "through the embedding or block 1 alone, the stream gives the real next character ‘v’ "
        "less than 1%; after block 2 ‘v’ is the top guess",
        "assets/text/blk_try.md",
    )
    lm, enc, _, ln = reading()
    assert DEFAULT_TOKEN == 12 and enc.tokens[T0] == "a" and enc.tokens[T0 + 1] == "v"
    assert DEFAULT_TEXT[:18].endswith("traveller") and DEFAULT_TEXT.index("traveller") < T0
    v = lm.vocab["v"]
    p = ln.probs[:, T0, v]
    assert p[0] < 0.01 and p[1] < 0.01
    assert int(ln.probs[2, T0].argmax()) == v


def test_block_2_ffn_is_longest_at_spaces():
    said(
        "block 2's feed-forward adds a far longer vector at every space than at any letter",
        "assets/text/blk_try.md",
    )
    said("Step to a space (t = 9 or t = 19)", "assets/text/blk_try.md")
    _, enc, r, _ = reading()
    n = r.trace.blocks[1].ff_out.norm(dim=-1)
    spaces = [t for t, c in enumerate(enc.tokens) if c == " "]
    letters = [t for t, c in enumerate(enc.tokens) if c != " "]
    assert 8 in spaces and 18 in spaces
    assert n[spaces].min() > n[letters].max()


def test_gelu_silences_negative_units_and_the_equation_is_the_top_unit(default_page):
    said("units left of 0 are (almost) silenced", "app/views/block_parts.py")
    said("the equation above is the top one's", "app/views/block_parts.py")
    _, _, r, _ = reading()
    z, h = r.parts[0].ff_pre[T0], r.trace.blocks[0].ff_hidden[T0]
    assert h[z < 0].abs().max() < 0.17  # GELU's minimum is about −0.17
    assert torch.all(h[z > 0] > 0)
    j = int(h.argmax())
    at = default_page
    assert rf"h_{{{j + 1}}} = \mathrm{{GELU}}" in "\n".join(e.value for e in at.latex)


def test_the_attention_row_sums_to_one_over_the_visible_keys():
    said("which sum to 1", "app/views/block_parts.py")
    said("every key k_j it may see (j ≤ t, causal)", "app/views/block_parts.py")
    _, _, r, _ = reading()
    for bt in r.trace.blocks:
        row = bt.weights[:, T0]
        torch.testing.assert_close(row[:, : T0 + 1].sum(-1), torch.ones(4))
        assert torch.all(row[:, T0 + 1 :] == 0)


def test_the_head_view_has_one_colour_per_head_and_drops_small_weights(default_page):
    said("One colour per head", "app/views/block_parts.py")
    said("weights under 0.02 are not drawn", "app/views/block_parts.py")
    _, _, r, _ = reading()
    at = default_page
    fig = chart(at, "blk_head_view")
    lines = [d for d in fig["data"] if d.get("mode") == "lines"]
    colours = {d["legendgroup"]: d["line"]["color"] for d in lines}
    assert len(colours) == 4 and len(set(colours.values())) == 4
    w = r.trace.blocks[0].weights[:, T0]
    for h in range(4):
        drawn = sum(
            sum(1 for x in d["x"] if x == 0.0)
            for d in lines
            if d["legendgroup"] == f"head {h + 1}" and d["x"][0] is not None
        )
        assert drawn == int((w[h] >= 0.02).sum())
    said(
        "With one query the columns end at t: the causal mask hides the characters after it.",
        "app/views/block_parts.py",
    )
    assert torch.all(w[:, T0 + 1 :] == 0)  # causal: nothing after t
    columns = [d for d in fig["data"] if d.get("mode") == "text"]
    assert [len(d["text"]) for d in columns] == [T0 + 1, T0 + 1]


def test_the_last_lens_panel_is_the_models_prediction(default_page):
    said(
        "the blue bar is the character that really comes next. The last panel is the model's "
        "real prediction.",
        "app/views/block_parts.py",
    )
    said("the panel after the last block is the model's real prediction", "assets/text/blk_lens.md")
    lm, enc, _, ln = reading()
    with torch.no_grad():
        real = torch.softmax(lm.model(enc.ids)[T0], -1)
    torch.testing.assert_close(ln.probs[-1, T0], real)
    at = default_page
    fig = chart(at, "blk_lens")
    last = fig["data"][-1]
    np.testing.assert_allclose(array(last["x"]), 100 * real.topk(5).values.numpy(), rtol=1e-4)
    blue = [c == "#0072B2" for c in last["marker"]["color"]]
    assert blue[0] and sum(blue) == 1  # 'v' is the real next character, and the top bar
