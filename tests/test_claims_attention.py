"""Claims of the Self-attention and Transformer labs: every sentence that tells the student
what a view shows, computed from the same core calls on the same defaults. Each test also
asserts its sentence is still in the page or prose source, so changing one without the
other fails.

Self-attention (app/views/attention.py, assets/text/attn_*.md):
- "the weights collapse onto one word per row ... average row entropy drops towards 0" /
  "Switch it back on: the rows spread out again, whatever d_k is"
  -> test_unscaled_softmax_saturates_and_scaling_spreads_it_for_every_dk
- "the first word can only attend to itself (its weight is 1.000)" / "hatched — masked"
  -> test_causal_mask_first_word_and_hatched_upper_triangle
- "both become `<unk>` and get the *identical* embedding E; switch **Positions** off and
  their rows in Q, K and V are identical too" -> test_two_unknown_words_share_their_rows
- "with positions off, the two copies have the same query and attend identically; with
  positions on they differ" -> test_repeated_word_with_and_without_positions
- "on most rows the largest weight is on the previous character" (Trained, head 2)
  -> test_trained_head_2_looks_at_the_previous_character
- "Without positions the difference is zero up to float rounding (about 1e-7) ... With
  positions, moving a word changes what it attends to." -> test_shuffle_caption
- "P_i · P_j: largest on the diagonal, and the same along every diagonal"
  -> test_position_similarity_caption
- "This is exactly what `torch.nn.MultiheadAttention` computes"
  -> test_heads_are_what_multihead_attention_computes
- every section the try-this box names ("In **X** below") is a heading on the page
  -> test_try_this_names_only_sections_that_exist (both labs)

Transformer (app/views/transformer.py, assets/text/attn_tf_*.md):
- "layer 1, head 2 ... on most rows this head puts its largest weight on the previous
  character" / "layer 1, head 1, which spreads its weight thinly over the whole prefix"
  -> test_transformer_heads_of_layer_1
- "Switch the weights to **Untrained**: every row is almost uniform over the prefix"
  -> test_untrained_rows_are_almost_uniform
- "switch between reverse and copy and watch the attention's diagonal flip"
  -> test_reverse_and_copy_flip_the_diagonal
- the intro describes the model shown, read off it (no remembered size)
  -> test_intro_describes_the_model_actually_shown (AppTest, a small trained model)
"""

import math
import re
from pathlib import Path

import pytest
import torch
from apptools import assert_ok, shown

from seqviz import (
    attention,
    attention_heads,
    attention_trained,
    bridge,
    checkpoints,
    self_attention,
    transformer_lm,
)

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "the time traveller held in his hand a glittering metallic framework"
TF_TEXT = "the time traveller smiled round at us then he began the time traveller"


def source(*names: str) -> str:
    """The page sources and prose the claims live in, whitespace collapsed."""
    parts = []
    for name in names:
        path = ROOT / name if "/" in name else ROOT / "assets" / "text" / f"{name}.md"
        parts.append(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parts))


def states(text=SENTENCE, d_k=8, seed=0, **switches):
    s = self_attention.read_sentence(text)
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, d_k, seed)
    return s, self_attention.self_attention(s.ids, w, **switches)


def test_unscaled_softmax_saturates_and_scaling_spreads_it_for_every_dk():
    assert "the weights collapse onto one word per row" in source("attn_try")
    assert "drops towards 0" in source("attn_try")
    assert "the rows spread out again, whatever d_k is" in source("attn_try")
    s, raw = states(d_k=64, scale=False)
    uniform = math.log(len(s.tokens))
    assert raw.steps.entropy.mean() < 0.25 * uniform
    assert (raw.steps.weights.max(-1).values > 0.5).float().mean() > 0.5  # one word per row
    for d_k in (2, 8, 32, 64):
        _, on = states(d_k=d_k)
        _, off = states(d_k=d_k, scale=False)
        assert on.steps.entropy.mean() > off.steps.entropy.mean()


def test_causal_mask_first_word_and_hatched_upper_triangle():
    from seqviz.figures import self_attention as safigs

    assert "the first word can only attend to itself (its weight is 1.000)" in source("attn_try")
    assert "the upper triangle of the weights is hatched" in source("attn_try")
    s, sa = states(causal=True)
    assert float(sa.steps.weights[0, 0]) == 1.0
    fig = safigs.step_figures(sa, s.tokens, positions=True, scale=True, causal=True)["weights"]
    T = len(s.tokens)
    assert len(fig.data[1].x) == T * (T - 1) // 2  # one hatch stroke per masked cell


def test_two_unknown_words_share_their_rows():
    text = "the blorp saw the zint"
    assert f'"{text}"' in source("attn_try")
    assert "switch **Positions** off and their rows in Q, K and V are identical too" in source(
        "attn_try"
    )
    s, on = states(text)
    a, b = s.tokens.index("<unk>"), len(s.tokens) - 1
    assert s.tokens[b] == "<unk>" and s.words[a] != s.words[b]
    assert torch.equal(on.embeddings[a], on.embeddings[b])
    assert not torch.equal(on.Q[a], on.Q[b])  # positions on: they differ
    _, off = states(text, positions=False)
    for M in (off.Q, off.K, off.V):
        assert torch.equal(M[a], M[b])


def test_repeated_word_with_and_without_positions():
    assert "with positions off, the two copies have the same query and attend identically" in (
        source("attn_try")
    )
    s, off = states("the dog saw the dog", positions=False)
    assert torch.equal(off.Q[0], off.Q[3]) and torch.equal(
        off.steps.weights[1], off.steps.weights[4]
    )
    _, on = states("the dog saw the dog")
    assert not torch.allclose(on.steps.weights[1], on.steps.weights[4])


def test_trained_head_2_looks_at_the_previous_character():
    assert "choose **Trained** (the Transformer's layer 1) and head 2" in source("attn_try")
    assert "on most rows the largest weight is on the previous character" in source("attn_try")
    lm = checkpoints.load("transformer")
    s = attention_trained.read_text(lm, SENTENCE)
    T = len(s.ids)
    w = attention_trained.first_layer_head(lm, s.ids, 1).steps.weights
    assert (w[1:].argmax(-1) == torch.arange(T - 1)).float().mean() > 0.5
    # a random head shows no such pattern
    _, sa = states()
    assert (sa.steps.weights[1:].argmax(-1) == torch.arange(len(sa.Q) - 1)).float().mean() < 0.5


def test_shuffle_caption():
    page = source("app/views/attention.py")
    assert "Without positions the difference is zero up to float rounding (about 1e-7)" in page
    assert "With positions, moving a word changes what it attends to." in page
    s = self_attention.read_sentence(SENTENCE)
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, 0)
    off = self_attention.order_test(s.ids, w, positions=False, seed=1)  # the page's default
    on = self_attention.order_test(s.ids, w, positions=True, seed=1)
    assert off.max_difference < 1e-5 and on.max_difference > 1e-2


def test_position_similarity_caption():
    assert "largest on the diagonal, and the same along every diagonal" in source(
        "app/views/attention.py"
    )
    pe = attention.sinusoidal_positions(64, 64).double()
    sim = pe @ pe.T
    assert (sim.diagonal()[:, None] >= sim - 1e-9).all()
    for k in (1, 5, 20):
        d = sim.diagonal(k)
        assert (d - d[0]).abs().max() < 1e-4


def test_heads_are_what_multihead_attention_computes():
    assert "This is exactly what `torch.nn.MultiheadAttention` computes" in source("attn_heads")
    s = self_attention.read_sentence(SENTENCE)
    w = attention_heads.random_heads(len(self_attention.word_vocab()), 16, 2, 0)
    X = w.E[s.ids] + attention.sinusoidal_positions(len(s.ids), 16)
    heads = attention_heads.self_attention_heads(X, w)
    with torch.no_grad():
        out, _ = attention_heads.to_module(w)(X[None], X[None], X[None])
    torch.testing.assert_close(heads.out, out[0])


@pytest.mark.parametrize(
    "page,prose", [("views/attention.py", "attn_try"), ("views/transformer.py", "attn_tf_try")]
)
def test_try_this_names_only_sections_that_exist(open_page, page, prose):
    at = open_page(page)
    assert_ok(at)
    headings = [h.value for h in (*at.header, *at.subheader)]
    named = re.findall(r"\b[Ii]n \*\*(.+?)\*\*", source(prose))
    assert named, "the try-this box names no section"
    for name in named:
        assert any(name.lower() in h.lower() for h in headings), (name, headings)


def test_transformer_heads_of_layer_1():
    tried = source("attn_tf_try")
    assert "on most rows this head puts its largest weight on the **previous character**" in tried
    assert "layer 1, head 1, which spreads its weight thinly over the whole prefix" in tried
    lm = checkpoints.load("transformer")
    ids = lm.encode(TF_TEXT).ids
    T = len(ids)
    _, tr = lm.model(ids, return_trace=True)
    w2 = tr.blocks[0].weights[1]
    assert (w2[1:].argmax(-1) == torch.arange(T - 1)).float().mean() > 0.5
    w1 = tr.blocks[0].weights[0]
    H = attention.row_entropy(w1)[1:]
    H_max = torch.log(torch.arange(2, T + 1, dtype=torch.float32))
    assert (H / H_max).mean() > 0.9  # close to uniform over the prefix


def test_untrained_rows_are_almost_uniform():
    assert "Switch the weights to **Untrained**: every row is almost uniform over the prefix" in (
        source("attn_tf_try")
    )
    lm = checkpoints.untrained("transformer")
    ids = lm.encode(TF_TEXT).ids
    T = len(ids)
    _, tr = lm.model(ids, return_trace=True)
    uniform = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1)[:, None]
    assert (tr.weights - uniform).abs().max() < 0.02


def test_reverse_and_copy_flip_the_diagonal():
    assert "switch between reverse and copy and watch the attention's diagonal flip" in source(
        "attn_tf_try"
    )
    n = bridge.BridgeConfig().num_symbols
    for task, expected in (("reverse", list(range(n))[::-1]), ("copy", list(range(n)))):
        pair = checkpoints.load(f"transformer-bridge-{task}")
        a = bridge.align(pair, bridge.encode("hgabcf"))
        assert a.attention[-1].mean(0).argmax(-1).tolist() == expected


def test_intro_describes_the_model_actually_shown(open_page):
    """After Train the page shows the student's small model: the caption gives its size,
    read off it, and the intro states no size of its own."""
    intro = source("attn_tf_intro")
    assert "its size is written just below, read off the model shown" in intro
    assert "100 000" not in intro and "d_{model} = 64" not in intro
    at = open_page("views/transformer.py")
    pretrained = checkpoints.load("transformer")
    assert transformer_lm.summary(pretrained) in shown(at)
    assert "64" in transformer_lm.summary(pretrained)
    at.select_slider(key="tf_steps").set_value(100).run()
    at.button(key="tf_train").click().run()  # d_model = 32 by default
    assert_ok(at)
    mine = at.session_state["tf_run"]["lm"]
    assert mine.model.config.d_model == 32
    described = transformer_lm.summary(mine)
    n_params = sum(p.numel() for p in mine.model.parameters())
    assert f"{n_params:,} parameters" in described and "d_model = 32" in described
    assert f"your model from section 3): {described}" in shown(at)
    assert transformer_lm.summary(pretrained) not in shown(at)
