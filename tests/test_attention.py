"""seqviz.attention against PyTorch's own attention, plus the invariants the lab relies on."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from seqviz import attention, self_attention
from seqviz.figures import attention as afigs


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- scaled dot product ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 8), (3, 5, 8), (2, 4, 7, 16)])
def test_scaled_dot_product_matches_torch(shape):
    q, k, v = rand(*shape, seed=1), rand(*shape, seed=2), rand(*shape, seed=3)
    out, weights = attention.scaled_dot_product(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))
    torch.testing.assert_close(weights.sum(-1), torch.ones(shape[:-1]))


def test_scaled_dot_product_with_a_causal_and_a_random_mask():
    q, k, v = rand(2, 6, 4, seed=1), rand(2, 9, 4, seed=2), rand(2, 9, 3, seed=3)
    mask = torch.rand(2, 6, 9, generator=torch.Generator().manual_seed(4)) > 0.4
    mask[..., 0] = True  # every query may see at least one key
    out, weights = attention.scaled_dot_product(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert (weights[~mask] == 0).all()  # exactly 0, not just small
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 6))
    causal = attention.causal_mask(6)
    q6 = rand(6, 4, seed=5)
    out, weights = attention.scaled_dot_product(q6, q6, q6, causal)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q6, q6, q6, is_causal=True))
    assert (weights.triu(1) == 0).all()


def test_a_query_with_no_allowed_key_gets_zeros_not_nan():
    q = rand(3, 4)
    mask = torch.tensor([[True, False, False], [False, False, False], [True, True, True]])
    out, weights = attention.scaled_dot_product(q, q, q, mask)
    assert torch.isfinite(out).all() and (weights[1] == 0).all() and (out[1] == 0).all()


def test_steps_hold_every_intermediate_and_scaling_can_be_switched_off():
    q, k, v = rand(5, 16, seed=1), rand(5, 16, seed=2), rand(5, 16, seed=3)
    s = attention.steps(q, k, v)
    torch.testing.assert_close(s.scores, q @ k.T)
    torch.testing.assert_close(s.scaled, q @ k.T / 4.0)
    assert s.scale == 4.0
    raw = attention.steps(q, k, v, scale=False)
    torch.testing.assert_close(raw.weights, torch.softmax(q @ k.T, -1))
    # without the scaling the logits are 4x bigger, so the rows are more peaked
    assert raw.entropy.mean() < s.entropy.mean()
    torch.testing.assert_close(s.entropy, -(s.weights * s.weights.log()).sum(-1))


@settings(max_examples=40, deadline=None)
@given(T=st.integers(1, 12), d=st.integers(1, 9), seed=st.integers(0, 10_000), causal=st.booleans())
def test_rows_sum_to_one_and_masked_weights_are_exactly_zero(T, d, seed, causal):
    q, k, v = rand(T, d, seed=seed), rand(T, d, seed=seed + 1), rand(T, d, seed=seed + 2)
    mask = attention.causal_mask(T) if causal else None
    _, weights = attention.scaled_dot_product(q, k, v, mask)
    torch.testing.assert_close(weights.sum(-1), torch.ones(T))
    assert (weights >= 0).all()
    if causal:
        assert (weights.triu(1) == 0).all()


# --- multi-head against nn.MultiheadAttention ------------------------------------------


def make_mha(E=12, nh=3, seed=0, **kwargs) -> nn.MultiheadAttention:
    torch.manual_seed(seed)  # tests only: the module's own default initialisation
    mha = nn.MultiheadAttention(E, nh, **kwargs).eval()
    with torch.no_grad():  # non-zero biases so that they are checked too
        for name, p in mha.named_parameters():
            if "bias" in name:
                p.copy_(rand(*p.shape, seed=7) * 0.3)
    return mha


def reference(mha, q, k, v, **masks):
    out, w = mha(q, k, v, need_weights=True, average_attn_weights=False, **masks)
    return out, w


@pytest.mark.parametrize("batch_first", [True, False])
def test_multi_head_batched_matches_the_module(batch_first):
    mha = make_mha(batch_first=batch_first)
    shape = (2, 5, 12) if batch_first else (5, 2, 12)
    kshape = (2, 7, 12) if batch_first else (7, 2, 12)
    q, k, v = rand(*shape, seed=1), rand(*kshape, seed=2), rand(*kshape, seed=3)
    out, weights = attention.multi_head(mha, q, k, v)
    ref_out, ref_w = reference(mha, q, k, v)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_w)
    assert weights.shape == (2, 3, 5, 7)


def test_multi_head_unbatched_matches_the_module():
    mha = make_mha()
    x = rand(6, 12, seed=1)
    out, weights = attention.multi_head(mha, x, x, x)
    ref_out, ref_w = reference(mha, x, x, x)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_w)
    assert weights.shape == (3, 6, 6)


@pytest.mark.parametrize("kind", ["bool", "float", "per-head"])
def test_multi_head_masks_follow_the_module(kind):
    mha = make_mha(batch_first=True)
    x = rand(2, 6, 12, seed=1)
    if kind == "bool":
        attn_mask = ~attention.causal_mask(6)  # module convention: True = not allowed
    elif kind == "float":
        attn_mask = rand(6, 6, seed=2)
    else:
        attn_mask = rand(2 * 3, 6, 6, seed=3) > 0.5
        attn_mask[..., 0] = False
    pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    if kind == "float":  # PyTorch wants both masks of one type
        pad = torch.zeros(2, 6).masked_fill(pad, float("-inf"))
    out, weights = attention.multi_head(mha, x, x, x, attn_mask=attn_mask, key_padding_mask=pad)
    ref_out, ref_w = reference(mha, x, x, x, attn_mask=attn_mask, key_padding_mask=pad)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_w)
    assert (weights[1, :, :, 4:] == 0).all()  # padded keys get exactly 0
    if kind == "bool":
        assert (weights.triu(1) == 0).all()


def test_multi_head_unbatched_with_masks_and_odd_module_options():
    mha = make_mha(E=8, nh=2, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True)
    q, k, v = rand(4, 8, seed=1), rand(6, 5, seed=2), rand(6, 3, seed=3)
    pad = torch.tensor([False, False, True, False, False, False])
    attn_mask = torch.zeros(4, 6, dtype=torch.bool)
    attn_mask[0, 1] = True
    out, weights = attention.multi_head(mha, q, k, v, attn_mask=attn_mask, key_padding_mask=pad)
    ref_out, ref_w = reference(mha, q, k, v, attn_mask=attn_mask, key_padding_mask=pad)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_w)


def test_multi_head_trace_is_consistent():
    mha = make_mha(batch_first=True)
    x = rand(1, 5, 12, seed=1)
    tr = attention.multi_head_trace(mha, x, x, x)
    torch.testing.assert_close(tr.scaled, tr.scores / math.sqrt(4))
    torch.testing.assert_close(tr.heads, tr.weights @ tr.v)
    W_q = mha.in_proj_weight[:12]
    torch.testing.assert_close(tr.q[0, 1], (x[0] @ W_q.T + mha.in_proj_bias[:12])[:, 4:8])


# --- positional encodings -----------------------------------------------------------------


@pytest.mark.parametrize("n,dim", [(10, 8), (50, 16), (7, 5), (1, 1), (128, 64)])
def test_sinusoidal_positions_follow_the_formula(n, dim):
    pe = attention.sinusoidal_positions(n, dim)
    assert pe.shape == (n, dim) and pe.dtype == torch.float32
    for pos in {0, min(1, n - 1), n // 2, n - 1}:
        for j in range(dim):
            i2 = j - j % 2
            angle = pos / 10000 ** (i2 / dim)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert pe[pos, j].item() == pytest.approx(expected, abs=1e-6)


def test_position_zero_is_alternating_zero_one():
    pe = attention.sinusoidal_positions(3, 6)
    assert pe[0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


# --- the sentence lab -----------------------------------------------------------------------


def test_sentence_marks_unknown_words_and_caps_long_input():
    s = self_attention.read_sentence("The time machine xyzzyq!")
    assert s.tokens[:3] == ["the", "time", "machine"] and s.unknown == [
        False,
        False,
        False,
        True,
        True,
    ]
    long = self_attention.read_sentence("the " * 100)
    assert (
        len(long.tokens) == self_attention.MAX_WORDS and long.cut == 100 - self_attention.MAX_WORDS
    )


def test_sentence_self_attention_is_real_attention():
    s = self_attention.read_sentence("the time traveller smiled at us")
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, seed=3)
    r = self_attention.self_attention(s.ids, w, causal=True)
    X = w.E[s.ids] + attention.sinusoidal_positions(len(s.ids), 16)
    torch.testing.assert_close(r.X, X)
    ref = F.scaled_dot_product_attention(X @ w.W_q, X @ w.W_k, X @ w.W_v, is_causal=True)
    torch.testing.assert_close(r.steps.out, ref)
    again = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, seed=3)
    assert torch.equal(again.W_q, w.W_q)  # deterministic per seed


def test_without_positions_word_order_does_not_matter():
    s = self_attention.read_sentence("the cat sat on the mat and looked at the time machine")
    w = self_attention.random_weights(len(self_attention.word_vocab()), 16, 8, seed=0)
    assert self_attention.order_test(s.ids, w, positions=False).max_difference < 1e-5
    assert self_attention.order_test(s.ids, w, positions=True).max_difference > 1e-2


# --- figures ---------------------------------------------------------------------------------


def test_figures_have_the_right_traces():
    tokens = ["a", "b", "<unk>"]
    w = torch.softmax(rand(2, 3, 3, 3), -1)
    assert len(afigs.model_view(w, tokens, selected=(1, 2)).data) == 6
    fig = afigs.attention_map(w[0, 0], tokens, highlight_row=1)
    assert fig.data[0].zmin == 0 and fig.data[0].zmax == 1
    assert "weight" in fig.data[0].hovertemplate
    masked = attention.steps(rand(3, 2), rand(3, 2), rand(3, 2), attention.causal_mask(3)).masked
    m = afigs.matrix(masked, tokens)
    assert "masked" in str(m.data[0].customdata)
    assert len(afigs.alignment_pair(w[0, 0], w[0, 1], tokens, tokens).data) == 2
