"""seqviz.lm: perplexity, generation and rollouts of a character LM, against PyTorch."""

import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import checkpoints, lm
from seqviz.charlm import CharConfig, CharModel
from seqviz.text import Vocab, load_time_machine, tokenize


@pytest.fixture(scope="module")
def lstm():
    return checkpoints.load("lstm")


def independent_mean_ce(model: CharModel, ids: torch.Tensor) -> float:
    """-(1/N) Σ log softmax(o_t)[x_{t+1}], in float64 by hand."""
    with torch.no_grad():
        logits, _ = model(model.one_hot(ids[:-1]))
    o = logits.double()
    log_p = o - o.logsumexp(-1, keepdim=True)
    return float(-log_p[torch.arange(len(ids) - 1), ids[1:]].mean())


def test_mean_cross_entropy_equals_the_independent_computation(lstm):
    ids = lstm.encode("the time traveller smiled round at us").ids
    assert lstm.cross_entropy(ids, n_streams=1) == pytest.approx(
        independent_mean_ce(lstm, ids), rel=1e-5
    )


def test_perplexity_is_exp_of_the_loss(lstm):
    text = load_time_machine()[-3000:]
    ids = lstm.encode(text).ids
    assert lm.perplexity(lstm, text, n_streams=1) == pytest.approx(
        math.exp(independent_mean_ce(lstm, ids)), rel=1e-5
    )
    assert lm.perplexity(lstm, text) == pytest.approx(
        checkpoints.info("lstm")["metrics"]["heldout_perplexity"], rel=0.2
    )


def test_perplexity_streams_carry_their_state_to_the_end(lstm):
    """n streams: each piece read from a zero state; the mean over all its predictions."""
    ids = lstm.encode(load_time_machine()[-2000:]).ids
    T = len(ids) // 4
    pieces = [independent_mean_ce(lstm, ids[b * T : (b + 1) * T]) for b in range(4)]
    assert lstm.cross_entropy(ids, n_streams=4) == pytest.approx(sum(pieces) / 4, rel=1e-5)
    with pytest.raises(ValueError, match="too short"):
        lstm.cross_entropy(ids[:1])


def test_perplexity_of_an_untrained_model_is_near_the_vocabulary_size():
    text = load_time_machine()[:6000]
    vocab = Vocab(tokenize(text, "char"))
    model = CharModel(CharConfig(kind="lstm", hidden_size=16), vocab)
    ppl = lm.perplexity(model, text[:2000])
    assert 0.5 * len(vocab) < ppl < 2 * len(vocab)


def test_a_blank_model_is_scored_on_every_character():
    vocab = Vocab(tokenize("the time machine", "char"))
    config = CharConfig(kind="rnn", hidden_size=8, bidirectional=True, objective="blank")
    model = CharModel(config, vocab)
    ids = model.encode("the time machine").ids
    with torch.no_grad():
        logits, _ = model(model.one_hot(ids))
    expected = F.cross_entropy(logits, ids).item()
    assert model.cross_entropy(ids, n_streams=1) == pytest.approx(expected, rel=1e-6)


def test_generation_is_deterministic_per_seed(lstm):
    a = lm.generate(lstm, "The time", 30, seed=1)
    assert len(a) == 30 and set(a) <= set(lstm.vocab.idx_to_token)
    assert lm.generate(lstm, "The time", 30, seed=1) == a
    assert lm.generate(lstm, "The time", 30, seed=2) != a
    greedy = lm.generate(lstm, "", 10, temperature=0)
    assert greedy == lm.generate(lstm, "", 10, temperature=0, seed=5)
    vocab = lstm.vocab
    blank = CharModel(CharConfig(bidirectional=True, objective="blank", hidden_size=4), vocab)
    with pytest.raises(ValueError, match="next-character"):
        lm.generate(blank, "a", 3)


def test_trained_samples_read_like_english(lstm):
    text = lm.generate(lstm, "the time traveller ", 200, temperature=0.5, seed=0)
    words = text.split()
    assert sum(w in {"the", "and", "of", "a", "to", "i", "was", "in"} for w in words) >= 5


def test_temperature_to_zero_equals_greedy(lstm):
    greedy = lm.generate(lstm, "the time ", 60, temperature=0)
    assert lm.generate(lstm, "the time ", 60, temperature=1e-4, seed=5) == greedy
    assert lm.generate(lstm, "the time ", 60, temperature=1.0, top_k=1, seed=9) == greedy
    assert "<unk>" not in lm.generate(lstm, "", 100, temperature=2.0, seed=1)


def test_teacher_forced_rollout_is_the_mean_cross_entropy(lstm):
    text = "the time traveller smiled"
    r = lm.rollout(lstm, text)
    assert r.free_from == len(text) - 1
    assert "".join(r.inputs) == text[:-1] and "".join(r.targets) == text[1:]
    assert r.mean_loss == pytest.approx(independent_mean_ce(lstm, lstm.encode(text).ids), rel=1e-5)
    assert torch.allclose(r.probs.sum(-1), torch.ones(len(text) - 1))


def test_free_running_feeds_its_own_greedy_output(lstm):
    text = "the time traveller smiled round at us"
    r = lm.rollout(lstm, text, free_from=5)
    assert "".join(r.inputs[:5]) == text[:5]
    vocab = lstm.vocab.idx_to_token
    for t in range(5, len(r.inputs)):
        assert r.inputs[t] == vocab[int(r.probs[t - 1].argmax())]
    # the prompt part is identical to teacher forcing
    forced = lm.rollout(lstm, text)
    assert torch.allclose(r.losses[:5], forced.losses[:5])
    assert r.mean_loss > forced.mean_loss
    assert "".join(r.targets) == text[1:]
