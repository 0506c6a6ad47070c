"""seqviz.transformer_lm: the Transformer as a character LM: encoding, loss, perplexity,
generation with the model's own distributions."""

import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import checkpoints, lm, transformer_lm
from seqviz.text import UNK, heldout_split, load_time_machine

# The checked-in checkpoint must stay at least this good on the held-out 10 % of the book
# (an untrained model scores about the vocabulary size, 28).
STATED_HELDOUT_PERPLEXITY = 5.0


@pytest.fixture(scope="module")
def pretrained() -> transformer_lm.CharLM:
    return checkpoints.load("transformer")


def test_encode_lower_cases_and_marks_unknowns(pretrained):
    enc = pretrained.encode("Hi 2")
    assert enc.tokens == ["h", "i", " ", UNK] and enc.unknown == [False, False, False, True]
    v = pretrained.vocab
    assert enc.ids.tolist() == [v["h"], v["i"], v[" "], v[UNK]]


def test_cross_entropy_reads_windows_of_the_context(pretrained):
    ids = pretrained.encode(load_time_machine()[-1000:]).ids
    W = pretrained.model.config.context + 1
    n = len(ids) // W
    windows = ids[: n * W].reshape(n, W)
    with torch.no_grad():
        logits = pretrained.model(windows[:, :-1]).double()
    log_p = logits - logits.logsumexp(-1, keepdim=True)
    expected = -log_p.gather(-1, windows[:, 1:, None]).mean()
    assert pretrained.cross_entropy(ids) == pytest.approx(float(expected), rel=1e-5)
    assert lm.perplexity(pretrained, load_time_machine()[-1000:]) == pytest.approx(
        math.exp(float(expected)), rel=1e-5
    )
    short = ids[:5]  # shorter than one window: read as one
    with torch.no_grad():
        one = F.cross_entropy(pretrained.model(short[:-1]), short[1:]).item()
    assert pretrained.cross_entropy(short) == pytest.approx(one, rel=1e-6)
    with pytest.raises(ValueError, match="too short"):
        pretrained.cross_entropy(ids[:1])


def test_checkpoint_reaches_the_stated_heldout_perplexity(pretrained):
    _, heldout = heldout_split(load_time_machine())
    ppl = lm.perplexity(pretrained, heldout)
    assert ppl < STATED_HELDOUT_PERPLEXITY
    stated = checkpoints.info("transformer")["metrics"]["heldout_perplexity"]
    assert ppl == pytest.approx(stated, rel=1e-3)
    assert lm.perplexity(checkpoints.untrained("transformer"), heldout) > 20


def test_generation_is_reproducible_and_its_distributions_are_the_models(pretrained):
    lm_ = pretrained
    g1 = transformer_lm.generate(lm_, "the time ", 20, temperature=0.8, top_k=5, seed=3)
    g2 = transformer_lm.generate(lm_, "the time ", 20, temperature=0.8, top_k=5, seed=3)
    assert torch.equal(g1.ids, g2.ids) and len(g1.ids) == 20
    assert lm_.vocab.unk not in g1.ids.tolist()
    full = lm_.model(g1.all_ids)  # (P + N, V): the row before each generated token
    P = len(g1.prompt_ids)
    logits = full[P - 1 : -1].clone()
    logits[:, lm_.vocab.unk] = -math.inf
    torch.testing.assert_close(g1.probs, F.softmax(logits, -1))
    assert ((g1.sampled_from > 0).sum(-1) <= 5).all()
    greedy = transformer_lm.generate(lm_, "the time ", 10, temperature=0)
    assert len(greedy.ids) == 10
    for t in range(10):  # greedy: every token is the argmax of the distribution it came from
        assert int(greedy.ids[t]) == int(greedy.probs[t].argmax())
