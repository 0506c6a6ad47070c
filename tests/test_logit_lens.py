"""seqviz.logit_lens: the last layer's lens is the model's prediction; each lens is the
model's own output layer applied to the stream."""

from __future__ import annotations

import pytest
import torch

from seqviz import checkpoints, logit_lens
from seqviz.transformer import TinyTransformer, TransformerConfig

TOL = dict(atol=1e-5, rtol=1e-5)
IDS = torch.tensor([1, 4, 2, 9, 0, 3, 3, 7])


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_the_last_layer_is_the_models_output_and_layer_0_reads_the_embedding(norm):
    cfg = TransformerConfig(
        vocab_size=11, d_model=16, n_heads=2, num_layers=3, d_ff=32, context=16, norm=norm, seed=1
    )
    model = TinyTransformer(cfg).eval()
    with torch.no_grad():
        logits, tr = model(IDS, return_trace=True)
        ln = logit_lens.lens(model, tr)
        assert ln.probs.shape == (4, len(IDS), 11)
        torch.testing.assert_close(ln.logits[-1], model(IDS), **TOL)
        torch.testing.assert_close(ln.probs[-1], torch.softmax(logits, -1), **TOL)
        x0 = model.tok_emb(IDS) + model.pe[: len(IDS)]
        # logits^0 = W_out LN_f(x^0) + b_out
        norm_f = model.norm_f if norm == "pre" else (lambda x: x)
        torch.testing.assert_close(
            ln.logits[0], norm_f(x0) @ model.head.weight.T + model.head.bias, **TOL
        )
        torch.testing.assert_close(ln.probs.sum(-1), torch.ones(4, len(IDS)), **TOL)


def test_next_probability_and_top_k():
    lm = checkpoints.load("transformer")
    ids = lm.encode("the time traveller").ids
    with torch.no_grad():
        _, tr = lm.model(ids, return_trace=True)
    ln = logit_lens.lens(lm.model, tr)
    p = logit_lens.next_probability(ln, ids)
    assert p.shape == (3, len(ids) - 1)
    for layer in range(3):
        for t in range(len(ids) - 1):
            assert p[layer, t] == ln.probs[layer, t, ids[t + 1]]
    values, idx = logit_lens.top_k(ln, 2, k=5)
    assert values.shape == idx.shape == (3, 5)
    torch.testing.assert_close(values[:, 0], ln.probs[:, 2].max(-1).values)
    # the trained model's last layer does better than its embedding on the real next characters
    assert p[-1].log().mean() > p[0].log().mean()
