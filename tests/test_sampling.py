"""seqviz.sampling: the temperature / top-k distribution and the pick, for every LM."""

import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import checkpoints, lm, sampling

LOGITS = torch.tensor([2.0, 1.0, 0.5, -1.0])


def test_temperature_one_is_the_models_softmax():
    torch.testing.assert_close(sampling.distribution(LOGITS, 1.0), LOGITS.softmax(-1))


def test_temperature_sharpens_and_flattens():
    cold, hot = sampling.distribution(LOGITS, 0.5), sampling.distribution(LOGITS, 2.0)
    torch.testing.assert_close(cold, (LOGITS / 0.5).softmax(-1))
    assert cold[0] > LOGITS.softmax(-1)[0] > hot[0]
    # τ -> 0 is greedy
    assert sampling.distribution(LOGITS, 0).tolist() == [1, 0, 0, 0]
    assert torch.equal(sampling.distribution(LOGITS, 0.0), F.one_hot(LOGITS.argmax(), 4).float())


def test_top_k_keeps_the_k_largest_and_renormalises():
    top2 = sampling.distribution(LOGITS, 0.5, top_k=2)
    assert (top2[2:] == 0).all()
    torch.testing.assert_close(top2[:2], (LOGITS[:2] / 0.5).softmax(-1))
    torch.testing.assert_close(sampling.distribution(LOGITS, 1.0, top_k=4), LOGITS.softmax(-1))
    batched = sampling.distribution(torch.stack([LOGITS, LOGITS.flip(0)]), 1.0, top_k=1)
    assert batched.tolist() == [[1, 0, 0, 0], [0, 0, 0, 1]]


def test_a_masked_logit_gets_probability_zero():
    o = LOGITS.clone()
    o[0] = -math.inf
    p = sampling.distribution(o, 1.0)
    assert p[0] == 0 and p.sum() == pytest.approx(1.0)
    assert sampling.pick(o, 0.0) == 1


def test_pick_is_greedy_at_zero_and_draws_with_the_generator():
    assert sampling.pick(LOGITS, 0.0) == 0
    draws = [sampling.pick(LOGITS, 1.0, 0, torch.Generator().manual_seed(s)) for s in range(400)]
    assert set(draws) == {0, 1, 2, 3}
    share = draws.count(0) / len(draws)
    assert share == pytest.approx(float(LOGITS.softmax(-1)[0]), abs=0.08)
    again = [sampling.pick(LOGITS, 1.0, 0, torch.Generator().manual_seed(s)) for s in range(400)]
    assert again == draws
    assert {sampling.pick(LOGITS, 5.0, 2, torch.Generator().manual_seed(s)) for s in range(50)} == {
        0,
        1,
    }


def test_the_char_lm_distribution_has_no_unk():
    model = checkpoints.load("lstm")
    o = lm.next_logits(model, "the tim")
    p = sampling.distribution(o, 1.0)
    assert p.sum() == pytest.approx(1.0) and p[model.vocab.unk] == 0
    p3 = sampling.distribution(o, 0.5, top_k=3)
    assert (p3 > 0).sum() == 3 and p3.sum() == pytest.approx(1.0)
