"""seqviz.block_trace: the stages recompose to the model's output and match PyTorch's modules."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seqviz import block_trace, checkpoints
from seqviz.transformer import TinyTransformer, TransformerConfig

TOL = dict(atol=1e-5, rtol=1e-5)


def small(norm: str, seed: int = 3) -> TinyTransformer:
    cfg = TransformerConfig(
        vocab_size=11,
        d_model=16,
        n_heads=2,
        num_layers=2,
        d_ff=32,
        context=16,
        norm=norm,
        seed=seed,
    )
    model = TinyTransformer(cfg).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():  # GPT-2 init leaves biases 0 and γ = 1: make every part matter
        for p in model.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g))
    return model


IDS = torch.tensor([1, 4, 2, 9, 0, 3, 3, 7, 10, 5])


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_the_stream_recomposes_to_the_models_logits(norm):
    model = small(norm)
    r = block_trace.read(model, IDS)
    torch.testing.assert_close(model.head(r.stages[-1].value), model(IDS), **TOL)
    tr = r.trace
    torch.testing.assert_close(tr.x0, model.tok_emb(IDS) + model.pe[: len(IDS)], **TOL)
    stream = r.stream()
    assert len(stream) == 1 + 2 * model.config.num_layers
    for bt, parts in zip(tr.blocks, r.parts, strict=True):
        # the residual identities, to float tolerance
        torch.testing.assert_close(parts.attn_sum, bt.input + bt.attn_out, **TOL)
        torch.testing.assert_close(parts.ff_sum, bt.after_attn + bt.ff_out, **TOL)
        if norm == "pre":
            torch.testing.assert_close(bt.after_attn, bt.input + bt.attn_out, **TOL)
            torch.testing.assert_close(bt.after_ff, bt.after_attn + bt.ff_out, **TOL)
        else:
            torch.testing.assert_close(bt.after_attn, parts.ln1.out, **TOL)
            torch.testing.assert_close(bt.after_ff, parts.ln2.out, **TOL)
        # FFN(u) = W_2 GELU(W_1 u + b_1) + b_2, GELU(u) = u Φ(u)
        phi = 0.5 * (1 + torch.erf(parts.ff_pre / 2**0.5))
        torch.testing.assert_close(bt.ff_hidden, parts.ff_pre * phi, **TOL)
        torch.testing.assert_close(bt.ff_hidden, F.gelu(parts.ff_pre), **TOL)
        # attention rows sum to 1 and the future gets exactly 0
        torch.testing.assert_close(bt.weights.sum(-1), torch.ones(2, len(IDS)), **TOL)
        assert torch.all(torch.triu(bt.weights, diagonal=1) == 0)


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_each_block_matches_transformer_encoder_layer_with_copied_weights(norm):
    model = small(norm)
    r = block_trace.read(model, IDS)
    T, cfg = len(IDS), model.config
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # True = blocked
    for block, bt in zip(model.blocks, r.trace.blocks, strict=True):
        ref = nn.TransformerEncoderLayer(
            cfg.d_model,
            cfg.n_heads,
            cfg.d_ff,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=norm == "pre",
        ).eval()
        with torch.no_grad():
            ref.self_attn.load_state_dict(block.attn.state_dict())
            ref.linear1.load_state_dict(block.ff1.state_dict())
            ref.linear2.load_state_dict(block.ff2.state_dict())
            ref.norm1.load_state_dict(block.norm1.state_dict())
            ref.norm2.load_state_dict(block.norm2.state_dict())
            out = ref(bt.input[None], src_mask=mask)[0]
        torch.testing.assert_close(out, bt.after_ff, **TOL)


def test_attention_matches_multihead_attention_and_its_q_k_v():
    model = small("pre")
    r = block_trace.read(model, IDS)
    block, bt, parts = model.blocks[0], r.trace.blocks[0], r.parts[0]
    T, nh, E = len(IDS), 2, 16
    dh = E // nh
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    u = parts.ln1.out
    with torch.no_grad():
        out, w = block.attn(u, u, u, attn_mask=mask, average_attn_weights=False)
    torch.testing.assert_close(bt.attn_out, out, **TOL)
    torch.testing.assert_close(bt.weights, w, **TOL)
    W_q, W_k, W_v = block.attn.in_proj_weight.chunk(3)
    b_q, b_k, b_v = block.attn.in_proj_bias.chunk(3)
    with torch.no_grad():
        # q_t = W_q u_t + b_q, split into heads of dh numbers
        q = (u @ W_q.T + b_q).reshape(T, nh, dh).transpose(0, 1)
        k = (u @ W_k.T + b_k).reshape(T, nh, dh).transpose(0, 1)
        v = (u @ W_v.T + b_v).reshape(T, nh, dh).transpose(0, 1)
    torch.testing.assert_close(bt.q, q, **TOL)
    torch.testing.assert_close(bt.k, k, **TOL)
    torch.testing.assert_close(bt.v, v, **TOL)
    # a small case by hand: position 3 of head 1
    s = [float(q[0, 2] @ k[0, j]) / dh**0.5 for j in range(3)]
    e = [torch.tensor(x).exp() for x in s]
    hand = torch.stack(e) / sum(e)
    torch.testing.assert_close(bt.weights[0, 2, :3], hand, **TOL)


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_layer_norm_parts_equal_the_module(norm):
    model = small(norm)
    r = block_trace.read(model, IDS)
    for block, parts in zip(model.blocks, r.parts, strict=True):
        for ln, p in ((block.norm1, parts.ln1), (block.norm2, parts.ln2)):
            with torch.no_grad():
                torch.testing.assert_close(p.out, ln(p.x), **TOL)
                torch.testing.assert_close(
                    p.out, F.layer_norm(p.x, (16,), p.gamma, p.beta, p.eps), **TOL
                )
            torch.testing.assert_close(p.x_hat.mean(-1), torch.zeros(len(IDS)), atol=1e-5, rtol=0)
    if norm == "pre":
        torch.testing.assert_close(r.final_ln.out, r.trace.final, **TOL)
    else:
        assert r.final_ln is None


def test_the_pretrained_model_recomposes():
    lm = checkpoints.load("transformer")
    ids = lm.encode("the time traveller").ids
    r = block_trace.read(lm.model, ids)
    assert r.pre
    with torch.no_grad():
        torch.testing.assert_close(lm.model.head(r.stages[-1].value), lm.model(ids), **TOL)
    assert len(block_trace.norms(r, 3)) == len(r.stages)


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_the_equations_end_in_the_models_numbers(norm):
    from seqviz import block_tex
    from seqviz.latex import num

    model = small(norm)
    r = block_trace.read(model, IDS)
    t, l, i, h = 6, 1, 3, 1
    bt = r.trace.blocks[l]
    torch.testing.assert_close(bt.heads, bt.weights @ bt.v, **TOL)
    first, second = block_tex.block_lines(r, l, t, i)
    assert first.endswith(num(bt.after_attn[t, i])) and second.endswith(num(bt.after_ff[t, i]))
    assert block_tex.embedding_line(r, "a", t, i).endswith(num(r.trace.x0[t, i]))
    assert block_tex.layer_norm_line(r, l, t, i).endswith(num(r.parts[l].ln1.out[t, i]))
    j = int(bt.ff_hidden[t].argmax())
    assert block_tex.ffn_lines(r, l, t, j)[1].endswith(num(bt.ff_hidden[t, j]))
    s, a, o = block_tex.attention_lines(r, l, h, t)
    k = int(bt.weights[h, t].argmax())
    assert s.endswith(num(bt.scaled[h, t, k]))
    assert o.endswith(num(bt.heads[h, t, 0]))
    assert f"= {num(1.0)}" in a
