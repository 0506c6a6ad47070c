"""The tagger against PyTorch: the recorded BiLSTM equals nn.LSTM (and two one-way LSTMs
on the same weights), the logit split is exact, batched = one sentence, fit resumes."""

import pooltools
import pytest
import torch
from torch import nn

from seqviz import tagger_training as tt
from seqviz.ner_data import TAGS, Sentence
from seqviz.tagger import SHAPES, Tagger, TaggerConfig, batch_tensors, read, shape, words_of
from seqviz.text import Vocab


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models run fastest on one thread (and the checkpoints promise one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


SMALL = TaggerConfig(embedding_size=6, shape_size=3, hidden_size=5, steps=100, eval_every=0)
WORDS = ["Teddy", "Roosevelt", "was", "a", "president", "in", "NYC", "1901", "."]


def small(bidirectional=True, seed=3) -> Tagger:
    vocab = Vocab([["teddy", "was", "a", "president", "."]], reserved=("<pad>",))
    config = TaggerConfig(
        embedding_size=6, shape_size=3, hidden_size=5, bidirectional=bidirectional
    )
    return Tagger(config, vocab, seed=seed).eval()


def test_shapes_and_words():
    assert [SHAPES[shape(w)] for w in ["paris", "Paris", "NYC", "1901", ",", "iPhone"]] == [
        "lower", "Capitalised", "ALLCAPS", "digit", "punctuation", "other",
    ]  # fmt: skip
    assert words_of("Teddy Roosevelt, the U.S. president.") == [
        "Teddy", "Roosevelt", ",", "the", "U.S", ".", "president", ".",
    ]  # fmt: skip


@pytest.mark.parametrize("bidirectional", [True, False])
def test_recorded_states_equal_nn_lstm_and_the_split_is_exact(bidirectional):
    model = small(bidirectional)
    r = read(model, WORDS)
    ids, shapes = model.encode(WORDS)
    e = model.inputs(ids, shapes)
    with torch.no_grad():
        out, _ = model.lstm(e.unsqueeze(0))  # PyTorch's own (bi)LSTM
    H = model.config.hidden_size
    torch.testing.assert_close(r.h_fwd, out[0, :, :H])
    if bidirectional:
        torch.testing.assert_close(r.h_bwd, out[0, :, H:])
    # z_t = W→ h→_t + W← h←_t + b, and it is the linear layer's output
    total = r.fwd_part + r.bias + (r.bwd_part if bidirectional else 0)
    torch.testing.assert_close(total, r.logits)
    torch.testing.assert_close(r.logits, model.out(out[0]))
    torch.testing.assert_close(r.probs.sum(-1), torch.ones(len(WORDS)))
    assert r.unknown[WORDS.index("Roosevelt")] and not r.unknown[0]


def test_bilstm_is_two_one_way_lstms_on_the_same_weights():
    model = small(True)
    ids, shapes = model.encode(WORDS)
    e = model.inputs(ids, shapes).unsqueeze(0)  # (1, T, D)
    D, H = e.shape[-1], model.config.hidden_size
    fwd, bwd = nn.LSTM(D, H, batch_first=True), nn.LSTM(D, H, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(fwd, name).copy_(getattr(model.lstm, name))
            getattr(bwd, name).copy_(getattr(model.lstm, name + "_reverse"))
        h_f, _ = fwd(e)
        h_b, _ = bwd(e.flip(1))  # read x_T … x_1
    r = read(model, WORDS)
    torch.testing.assert_close(r.h_fwd, h_f[0])
    torch.testing.assert_close(r.h_bwd, h_b[0].flip(0))  # back in time order
    # the backward state at word 1 has read the whole sentence; the forward state only word 1
    torch.testing.assert_close(r.h_fwd[0], fwd(e[:, :1])[0][0, 0])


def test_a_padded_batch_gives_each_sentence_its_own_logits():
    model = small(True)
    sentences = [WORDS, WORDS[:3], ["."]]
    ids, shapes, lengths = batch_tensors(model, sentences)
    with torch.no_grad():
        z = model(ids, shapes, lengths)
    for i, words in enumerate(sentences):
        torch.testing.assert_close(z[i, : len(words)], read(model, words).logits)


def test_loss_is_the_mean_negative_log_probability_of_the_gold_tags():
    model = small(True)
    chunk = [Sentence(tuple(WORDS[:3]), ("B-PER", "I-PER", "O")), Sentence((".",), ("O",))]
    loss = tt.loss_on(model, chunk)
    logp = [read(model, s.words).probs.log() for s in chunk]
    by_hand = -torch.cat(
        [
            lp[torch.arange(len(s.tags)), [TAGS.index(t) for t in s.tags]]
            for lp, s in zip(logp, chunk, strict=True)
        ]
    ).mean()
    torch.testing.assert_close(loss.detach(), by_hand)
    loss.backward()  # autograd reaches both directions' weights
    assert model.lstm.weight_hh_l0_reverse.grad.abs().sum() > 0


def test_read_refuses_an_empty_sentence():
    with pytest.raises(ValueError, match="at least one word"):
        read(small(), [])


def test_fit_continues_exactly_where_it_stopped():
    after = lambda n: lambda p: p.step >= n  # noqa: E731
    once = tt.fit(SMALL, None, max_seconds=60, callback=after(3))
    assert once["step"] == 3 and once["outcome"] == "stopped"
    twice = tt.fit(SMALL, once, max_seconds=60, callback=after(6))
    straight = tt.fit(SMALL, None, max_seconds=60, callback=after(6))
    assert twice["step"] == straight["step"] == 6
    for k, v in straight["model"].items():
        torch.testing.assert_close(twice["model"][k], v, rtol=0, atol=0)
    assert twice["history"]["losses"] == straight["history"]["losses"]
    stopped = tt.fit(SMALL, None, max_seconds=60, stop=lambda: True)
    assert stopped["step"] == 0 and stopped["outcome"] == "stopped"


def test_fit_as_a_pool_job_in_many_chunks_ends_with_the_weights_of_one_call():
    config = TaggerConfig(embedding_size=6, shape_size=3, hidden_size=5, steps=8, eval_every=4)
    torch.set_num_threads(1)  # the workers' setting
    whole = tt.fit(config, None, max_seconds=60)
    assert whole["done"] and whole["step"] == 8
    pooled = pooltools.in_chunks(tt.fit, config)
    pooltools.assert_same_weights(whole["model"], pooled["model"])
    assert pooled["history"]["losses"] == whole["history"]["losses"]
    assert pooled["history"]["eval_steps"] == [4, 8]
