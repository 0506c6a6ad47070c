"""seqviz.attention_heads and seqviz.attention_trained against PyTorch's own attention.

Random heads: the from-scratch per-head computation equals ``nn.MultiheadAttention`` built
with the same weights (output and per-head weights) and ``F.scaled_dot_product_attention``
head by head. Trained source: every value equals the trained Transformer's own first block.
"""

import pytest
import torch
import torch.nn.functional as F

from seqviz import attention, attention_heads, attention_trained, checkpoints, self_attention
from seqviz.transformer_training import TrainConfig, untrained

SENTENCE = "the time traveller held in his hand a glittering metallic framework"


def x_of(sentence=SENTENCE, D=16, n_heads=2, seed=0):
    s = self_attention.read_sentence(sentence)
    w = attention_heads.random_heads(len(self_attention.word_vocab()), D, n_heads, seed)
    X = w.E[s.ids] + attention.sinusoidal_positions(len(s.ids), D)
    return X, w


@pytest.mark.parametrize("n_heads", attention_heads.HEAD_CHOICES)
@pytest.mark.parametrize("causal", [False, True])
def test_random_heads_equal_nn_multihead_attention(n_heads, causal):
    X, w = x_of(n_heads=n_heads, seed=3)
    heads = attention_heads.self_attention_heads(X, w, causal=causal)
    module = attention_heads.to_module(w)
    T = X.shape[0]
    block = ~attention.causal_mask(T) if causal else None  # PyTorch: True = blocked
    with torch.no_grad():
        out, weights = module(
            X[None], X[None], X[None], attn_mask=block, average_attn_weights=False
        )
    torch.testing.assert_close(heads.out, out[0])
    torch.testing.assert_close(heads.steps.weights, weights[0])
    assert heads.concat.shape == (T, 16) and heads.n_heads == n_heads
    # each head on its own: F.scaled_dot_product_attention with the head's Q, K, V
    for h in range(n_heads):
        ref = F.scaled_dot_product_attention(heads.Q[h], heads.K[h], heads.V[h], is_causal=causal)
        d_h = 16 // n_heads
        torch.testing.assert_close(heads.concat[:, h * d_h : (h + 1) * d_h], ref)
        torch.testing.assert_close(heads.Q[h], X @ w.W_q[h])


def test_random_heads_share_the_single_head_embeddings_and_refuse_uneven_splits():
    w = attention_heads.random_heads(50, 16, 4, seed=9)
    assert torch.equal(w.E, self_attention.random_weights(50, 16, 8, seed=9).E)
    assert w.W_q.shape == (4, 16, 4) and w.W_o.shape == (16, 16)
    with pytest.raises(ValueError, match="split evenly"):
        attention_heads.random_heads(50, 16, 3, seed=0)


@pytest.fixture(scope="module")
def trained():
    return checkpoints.load("transformer")


def test_trained_source_is_the_models_own_first_layer(trained):
    s = attention_trained.read_text(trained, SENTENCE)
    _, tr = trained.model(s.ids, return_trace=True)
    block = trained.model.blocks[0]
    u = block.norm1(tr.x0)
    T = len(s.ids)
    with torch.no_grad():
        ref_out, ref_w = block.attn(
            u, u, u, attn_mask=~attention.causal_mask(T), average_attn_weights=False
        )
    heads = attention_trained.first_layer_heads(trained, s.ids)
    torch.testing.assert_close(heads.steps.weights, ref_w)
    torch.testing.assert_close(heads.out, ref_out)
    torch.testing.assert_close(heads.steps.weights, tr.blocks[0].weights)
    for h in range(trained.model.config.n_heads):
        sa = attention_trained.first_layer_head(trained, s.ids, h)
        assert sa.source == "trained"
        torch.testing.assert_close(sa.steps.weights, ref_w[h])
        torch.testing.assert_close(sa.Q, tr.blocks[0].q[h])
        torch.testing.assert_close(sa.X, u)
        torch.testing.assert_close(sa.embeddings + sa.positions, tr.x0)
        assert (sa.steps.weights.triu(1) == 0).all()


def test_trained_source_reads_characters_and_cuts_at_the_context():
    lm = untrained(
        TrainConfig(d_model=32, d_ff=64, context=16), checkpoints.load("transformer").vocab
    )
    s = attention_trained.read_text(lm, "Hello, World! and more text")
    assert len(s.tokens) == 16 and s.cut == len("Hello, World! and more text") - 16
    assert s.words[:5] == list("hello") and s.tokens[5] == "<unk>" and s.words[5] == ","
    heads = attention_trained.first_layer_heads(lm, s.ids)
    assert heads.Q.shape == (4, 16, 8)
