"""seqviz.transformer: the tiny Transformer: traced forward == plain forward, recomputed blocks."""

import pytest
import torch

from seqviz import attention
from seqviz.transformer import POSITIONS, TinyTransformer, TransformerConfig


def ids(T=20, V=28, seed=0):
    return torch.randint(0, V, (T,), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("norm", ["pre", "post"])
@pytest.mark.parametrize("positions", POSITIONS)
def test_traced_forward_equals_plain_forward(norm, positions):
    model = TinyTransformer(
        TransformerConfig(vocab_size=28, norm=norm, positions=positions, num_layers=3, seed=2)
    ).eval()
    x = ids(33)
    plain = model(x)
    logits, tr = model(x, return_trace=True)
    torch.testing.assert_close(logits, plain)
    torch.testing.assert_close(tr.probs, torch.softmax(plain, -1))
    batched = model(torch.stack([x, ids(33, seed=1)]))
    torch.testing.assert_close(batched[0], plain)
    assert len(tr.blocks) == 3 and tr.weights.shape == (3, 4, 33, 33)


def test_trace_blocks_recompute_attention_and_residuals():
    model = TinyTransformer(TransformerConfig(vocab_size=28, seed=1)).eval()
    x = ids(12)
    _, tr = model(x, return_trace=True)
    torch.testing.assert_close(tr.x0, model.tok_emb(x) + attention.sinusoidal_positions(12, 64))
    for block, bt in zip(model.blocks, tr.blocks, strict=True):
        u = block.norm1(bt.input)  # pre-LN
        ref_out, ref_w = block.attn(
            u, u, u, attn_mask=~attention.causal_mask(12), average_attn_weights=False
        )
        torch.testing.assert_close(bt.attn_out, ref_out)
        torch.testing.assert_close(bt.weights, ref_w)
        torch.testing.assert_close(bt.after_attn, bt.input + bt.attn_out)
        torch.testing.assert_close(bt.after_ff, bt.after_attn + bt.ff_out)
        torch.testing.assert_close(bt.scaled, bt.scores / 4.0)  # dh = 16
        assert (bt.weights.triu(1) == 0).all()  # the future gets exactly 0
        assert torch.isinf(bt.masked.triu(1)[bt.masked.triu(1) != 0]).all()
        torch.testing.assert_close(bt.weights.sum(-1), torch.ones(4, 12))
        q_head1 = (u @ block.attn.in_proj_weight[:64].T + block.attn.in_proj_bias[:64])[:, 16:32]
        torch.testing.assert_close(bt.q[1], q_head1)


def test_causal_prefix_rows_do_not_change_when_text_is_added():
    model = TinyTransformer(TransformerConfig(vocab_size=28, seed=4)).eval()
    x = ids(20)
    short, long = model(x[:8]), model(x)
    torch.testing.assert_close(short, long[:8])


def test_init_is_deterministic_per_seed_and_too_long_input_is_refused():
    a = TinyTransformer(TransformerConfig(vocab_size=10, seed=5))
    b = TinyTransformer(TransformerConfig(vocab_size=10, seed=5))
    for (na, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.equal(pa, pb), na
    with pytest.raises(ValueError, match="context"):
        a(torch.zeros(200, dtype=torch.long))
    with pytest.raises(ValueError):
        TransformerConfig(vocab_size=10, d_model=10, n_heads=4)
