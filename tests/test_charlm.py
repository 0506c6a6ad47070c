"""seqviz.charlm: the character-level model, its training loop and sampling."""

import math

import pytest
import torch

from seqviz.charlm import CharConfig, CharModel, init_parameters, perplexity, sample, train
from seqviz.text import UNK, Vocab, load_time_machine, tokenize

TINY = dict(hidden_size=16, seq_len=16, batch_size=8, steps=40, lr=1e-2)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models run fastest on one thread, and the machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def text() -> str:
    return load_time_machine()[:6000]


@pytest.fixture(scope="module")
def vocab(text) -> Vocab:
    return Vocab(tokenize(text, "char"))


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_shapes_batched_and_unbatched(kind, vocab):
    model = CharModel(CharConfig(kind=kind, hidden_size=8, num_layers=2), vocab)
    V = len(vocab)
    assert model.rnn.input_size == V and not model.rnn.batch_first
    ids = model.encode("the time").ids
    logits, state = model(model.one_hot(ids))
    assert logits.shape == (8, V)
    h_n = state[0] if kind == "lstm" else state
    assert h_n.shape == (2, 8)
    batch = torch.stack([ids, ids.flip(0)], dim=1)  # (T, B)
    logits_b, _ = model(model.one_hot(batch))
    assert logits_b.shape == (8, 2, V)
    torch.testing.assert_close(logits_b[:, 0], logits)


def test_one_hot_picks_a_column_of_W_xh(vocab):
    model = CharModel(CharConfig(kind="rnn", hidden_size=8), vocab)
    x = model.one_hot(model.encode("e").ids)[0]
    assert x.sum() == 1
    # W_xh x_t is the column of W_xh that belongs to the character
    torch.testing.assert_close(model.rnn.weight_ih_l0 @ x, model.rnn.weight_ih_l0[:, vocab["e"]])


def test_probs_is_softmax_of_head(vocab):
    model = CharModel(CharConfig(kind="gru", hidden_size=8), vocab)
    h = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    p = model.probs(h)
    assert p.shape == (3, len(vocab))
    torch.testing.assert_close(p.sum(-1), torch.ones(3))


def test_encode_lower_cases_and_marks_unknowns(vocab):
    model = CharModel(CharConfig(hidden_size=4), vocab)
    enc = model.encode("Hi 20.")
    assert enc.original == "Hi 20."
    assert enc.tokens == ["h", "i", " ", UNK, UNK, UNK]
    assert enc.unknown == [False, False, False, True, True, True]
    assert enc.ids.dtype == torch.long
    assert enc.ids.tolist() == [vocab["h"], vocab["i"], vocab[" "], 0, 0, 0]
    assert model.encode("").ids.shape == (0,)


def test_config_validation():
    with pytest.raises(ValueError):
        CharConfig(kind="transformer")
    with pytest.raises(ValueError):
        CharConfig(objective="blank")  # needs bidirectional
    with pytest.raises(ValueError):
        CharConfig(bidirectional=True)  # a bidirectional model cannot predict the next char


def test_init_is_seeded_and_matches_default_bounds(vocab):
    config = CharConfig(kind="lstm", hidden_size=8)
    a = CharModel(config, vocab, seed=1)
    b = CharModel(config, vocab, seed=1)
    c = CharModel(config, vocab, seed=2)
    params = zip(a.named_parameters(), b.parameters(), c.parameters(), strict=True)
    for (name, pa), pb, pc in params:
        assert torch.equal(pa, pb), name
        assert not torch.equal(pa, pc), name
    assert a.rnn.weight_hh_l0.abs().max() <= 1 / math.sqrt(8)
    assert a.head.weight.abs().max() <= 1 / math.sqrt(8)
    state = torch.get_rng_state()
    init_parameters(a, torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.get_rng_state())  # the global generator is untouched


def test_blank_context_never_sees_the_blank(vocab):
    config = CharConfig(kind="rnn", hidden_size=8, bidirectional=True, objective="blank")
    model = CharModel(config, vocab)
    ids = model.encode("i am very hungry").ids
    logits, _ = model(model.one_hot(ids))
    assert logits.shape == (len(ids), len(vocab))
    t = 5
    changed = ids.clone()
    changed[t] = vocab["z"]
    logits2, _ = model(model.one_hot(changed))
    torch.testing.assert_close(logits2[t], logits[t])  # the answer at t does not leak in
    assert not torch.allclose(logits2[t + 1], logits[t + 1])
    output, _ = model.rnn(model.one_hot(ids))
    torch.testing.assert_close(model.blank_logits(output), logits)


def test_train_reduces_loss_and_is_deterministic(text):
    config = CharConfig(kind="gru", **TINY, seed=3)
    calls = []
    model, history = train(config, text, callback=lambda s, n, loss: calls.append((s, n)))
    assert calls[0] == (1, 40) and calls[-1] == (40, 40)
    assert len(history.losses) == 40
    first, last = sum(history.losses[:5]) / 5, sum(history.losses[-5:]) / 5
    assert last < first - 0.3
    assert history.eval_steps == (40,)
    assert history.heldout_ppl[-1] < len(model.vocab)
    assert not model.training
    _, again = train(config, text)
    assert again.losses == history.losses
    _, other = train(CharConfig(kind="gru", **TINY, seed=4), text)
    assert other.losses != history.losses


def test_train_blank_objective(text):
    config = CharConfig(kind="rnn", bidirectional=True, objective="blank", **{**TINY, "steps": 20})
    model, history = train(config, text, eval_every=10)
    assert history.eval_steps == (10, 20)
    assert history.losses[-1] < history.losses[0]


def test_perplexity_of_untrained_model_is_near_vocab_size(text, vocab):
    model = CharModel(CharConfig(kind="lstm", hidden_size=16), vocab)
    ppl = perplexity(model, text[:2000])
    assert 0.5 * len(vocab) < ppl < 2 * len(vocab)
    with pytest.raises(ValueError):
        perplexity(model, "a")


def test_sample_is_deterministic_per_seed(vocab):
    model = CharModel(CharConfig(kind="rnn", hidden_size=16), vocab)
    a = sample(model, "The time", 30, seed=1)
    assert len(a) == 30 and set(a) <= set(vocab.idx_to_token)
    assert sample(model, "The time", 30, seed=1) == a
    assert sample(model, "The time", 30, seed=2) != a
    greedy = sample(model, "", 10, temperature=0)
    assert greedy == sample(model, "", 10, temperature=0, seed=5)
    blank = CharModel(CharConfig(bidirectional=True, objective="blank", hidden_size=4), vocab)
    with pytest.raises(ValueError):
        sample(blank, "a", 3)
