"""seqviz.charlm: the character-level model: one-hot input, heads, encoding, its loss."""

import math

import pytest
import torch
import torch.nn.functional as F

from seqviz import training
from seqviz.charlm import CharConfig, CharModel, init_parameters
from seqviz.text import UNK, Vocab, load_time_machine, tokenize


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


def test_loss_is_the_mean_cross_entropy_of_the_objective(vocab):
    model = CharModel(CharConfig(kind="lstm", hidden_size=8), vocab)
    ids = torch.stack([model.encode("the time").ids, model.encode("machines").ids], dim=1)
    loss, (h_n, c_n) = model.loss(ids)  # (T, B) ids: read 0..T-2, predict 1..T-1
    logits, _ = model(F.one_hot(ids[:-1], len(vocab)).float())
    expected = F.cross_entropy(logits.reshape(-1, len(vocab)), ids[1:].reshape(-1))
    torch.testing.assert_close(loss, expected)
    assert h_n.shape == c_n.shape == (1, 2, 8)
    x, y = model.targets(ids)
    assert torch.equal(x, ids[:-1]) and torch.equal(y, ids[1:])
    blank = CharModel(CharConfig(bidirectional=True, objective="blank", hidden_size=4), vocab)
    x, y = blank.targets(ids)
    assert torch.equal(x, ids) and torch.equal(y, ids)


def test_parameter_count():
    vocab = Vocab(tokenize("abc", "char"))
    model = CharModel(CharConfig(kind="gru", hidden_size=16), vocab)
    V, H = len(vocab), 16
    # 3 gates x (W_x (H, V) + W_h (H, H) + 2 biases) + head (V, H) + V
    assert training.num_parameters(model) == 3 * H * (V + H + 2) + H * V + V
