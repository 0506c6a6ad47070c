"""The tiny Transformer: traced forward == plain forward, recomputed blocks, training, checkpoint."""

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import attention, transformer_lm
from seqviz.text import load_time_machine
from seqviz.transformer import POSITIONS, TinyTransformer, TransformerConfig

# The checked-in checkpoint must stay at least this good on the held-out 10 % of the book
# (an untrained model scores about the vocabulary size, 28).
STATED_HELDOUT_PERPLEXITY = 5.0


def ids(T=20, V=28, seed=0):
    return torch.randint(0, V, (T,), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("norm", ["pre", "post"])
@pytest.mark.parametrize("positions", POSITIONS)
def test_traced_forward_equals_plain_forward(norm, positions):
    model = TinyTransformer(
        TransformerConfig(vocab_size=28, norm=norm, positions=positions, n_layers=3, seed=2)
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


def test_training_lowers_the_loss_and_is_reproducible():
    config = dataclasses.replace(
        transformer_lm.TrainConfig(),
        d_model=32,
        d_ff=64,
        seq_len=32,
        context=32,
        steps=30,
        warmup=5,
    )
    text = load_time_machine()[:20_000]
    lm1, h1 = transformer_lm.train(config, text)
    lm2, h2 = transformer_lm.train(config, text)
    assert h1.losses == h2.losses
    assert h1.losses[-1] < h1.losses[0]
    assert not lm1.model.training


def test_sampling_distribution_temperature_and_top_k():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0])
    torch.testing.assert_close(
        transformer_lm.sampling_distribution(logits, 1.0), logits.softmax(-1)
    )
    top2 = transformer_lm.sampling_distribution(logits, 0.5, top_k=2)
    assert (top2[2:] == 0).all()
    torch.testing.assert_close(top2[:2], (logits[:2] / 0.5).softmax(-1))
    assert transformer_lm.sampling_distribution(logits, 0).tolist() == [1, 0, 0, 0]


pretrained = pytest.mark.skipif(
    not transformer_lm.available(), reason="run `python -m seqviz.transformer_lm`"
)


@pretrained
def test_checkpoint_reaches_the_stated_heldout_perplexity():
    lm = transformer_lm.load()
    _, heldout = transformer_lm.split(load_time_machine())
    ppl = transformer_lm.perplexity(lm, heldout)
    assert ppl < STATED_HELDOUT_PERPLEXITY
    assert ppl == pytest.approx(transformer_lm.info()["heldout_perplexity"], rel=1e-3)
    assert transformer_lm.perplexity(transformer_lm.untrained(), heldout) > 20


@pretrained
def test_generation_is_reproducible_and_its_distributions_are_the_models():
    lm = transformer_lm.load()
    g1 = transformer_lm.generate(lm, "the time ", 20, temperature=0.8, top_k=5, seed=3)
    g2 = transformer_lm.generate(lm, "the time ", 20, temperature=0.8, top_k=5, seed=3)
    assert torch.equal(g1.ids, g2.ids) and len(g1.ids) == 20
    assert lm.vocab.unk not in g1.ids.tolist()
    full = lm.model(g1.all_ids)  # (P + N, V): the row before each generated token
    P = len(g1.prompt_ids)
    logits = full[P - 1 : -1].clone()
    logits[:, lm.vocab.unk] = -math.inf
    torch.testing.assert_close(g1.probs, F.softmax(logits, -1))
    assert ((g1.sampled_from > 0).sum(-1) <= 5).all()


@pretrained
def test_checkpoint_loader_refuses_a_wrong_file(tmp_path, monkeypatch):
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(2)}, str(tmp_path / "transformer.safetensors"))
    (tmp_path / "transformer.json").write_text(
        (transformer_lm.MODELS_DIR / "transformer.json").read_text()
    )
    monkeypatch.setattr(transformer_lm, "MODELS_DIR", tmp_path)
    with pytest.raises(ValueError, match="does not fit"):
        transformer_lm.load()
